//! The convergence sweep as chapter "Results" shows it: how far it has got, whether each
//! configuration converged (by [`convergence`](super::convergence)), its learning
//! curves, and the verdicts of H1–H3 and H7, each once every run it reads is stored and
//! decided on converged configurations only.
//! The sweep may take several sessions; everything here reads whatever is stored.

use super::claims::{
    converged_budget, diagnostic_variants, h7_cells, h7_config, parts_name, run_id, Budget,
    RunSpec, H1_STEPS, H7_PARTS, SEEDS, TARGETS,
};
use super::convergence::{convergence, regression, Convergence, Regression, REGRESSION_NATS};
use super::decoupled_variances::h7_verdict;
use super::extension::{at_stage, passes, settled, Settled, EXTENSIONS};
use super::rules::ElboCurve;
use super::summary::{
    h1_verdict, h2_verdict, h3_config, h3_stage, h3_verdict, Runs, SeedValues, Verdict, H3_STEPS,
    H3_TARGETS,
};
use super::sweep::RunRecord;
use crate::plot::{self, Line};
use crate::report::Scale;
use crate::sampling_without_data::kernels::{Destruction, LearnedParts};
use crate::sampling_without_data::train::TrainConfig;
use plotters::prelude::{IntoTextStyle, SeriesLabelPosition, WHITE};

/// A sampler of the convergence sweep: fixed destruction, or a learned one with the
/// parts it learns (decoupled: the method).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sampler {
    Fixed,
    Learned(LearnedParts),
    /// One of the [`diagnostic_variants`] of the learned destruction.
    Diagnostic(&'static str),
}

impl Sampler {
    /// Fixed destruction or the method's learned one (H1–H3's samplers), not an ablation
    /// or a diagnostic.
    pub fn is_fixed_or_method(self) -> bool {
        matches!(
            self,
            Sampler::Fixed | Sampler::Learned(LearnedParts::MeanAndVariance)
        )
    }

    pub fn name(self) -> String {
        match self {
            Sampler::Fixed => "fixed".into(),
            Sampler::Learned(LearnedParts::MeanAndVariance) => "learned".into(),
            Sampler::Learned(parts) => format!("learned ({})", parts_name(parts)),
            Sampler::Diagnostic(name) => format!("learned ({name})"),
        }
    }
}

/// One configuration of the convergence sweep: a sampler on a target at `steps`.
#[derive(Clone, Debug, PartialEq)]
pub struct Configuration {
    pub target: &'static str,
    pub steps: usize,
    pub sampler: Sampler,
}

impl Configuration {
    /// `25gmm T = 5 learned (tied)`.
    pub fn label(&self) -> String {
        format!("{} T = {} {}", self.target, self.steps, self.sampler.name())
    }

    /// This configuration's run of `seed` at the convergence budget (the first stage).
    pub fn base(&self, runs: &Runs, seed: u64) -> TrainConfig {
        match self.sampler {
            Sampler::Fixed => Budget::Converged.config(
                self.target,
                self.steps,
                Destruction::Fixed,
                seed,
                runs.scale,
            ),
            Sampler::Learned(parts) => h7_config(self.target, self.steps, parts, seed, runs.scale),
            Sampler::Diagnostic(name) => diagnostic_variants(runs.scale, seed)
                .into_iter()
                .find(|(n, _)| *n == name)
                .map(|(_, c)| c)
                .expect("a diagnostic variant"),
        }
    }

    /// Where this configuration stands: the stage its tables read, and its criterion there.
    pub fn settled(&self, runs: &Runs) -> Settled {
        let mut s = settled(
            SEEDS,
            |s| self.base(runs, s),
            |c| runs.find(c).map(|r| r.elbo_curve()),
        );
        if !runs.regressions_count && s.extending.is_none() {
            s.converged = s.convergence.as_ref().is_some_and(|c| passes(c, s.stage));
        }
        s
    }

    /// This configuration's run of `seed` at the stage it stopped at.
    pub fn config(&self, runs: &Runs, seed: u64) -> TrainConfig {
        runs.settled_config(|s| self.base(runs, s), seed)
    }

    /// The stored runs of this configuration at that stage, in seed order (missing seeds
    /// left out).
    pub fn stored<'a>(&self, runs: &'a Runs) -> Vec<&'a RunRecord> {
        let stage = self.settled(runs).stage;
        (0..SEEDS)
            .filter_map(|s| runs.find(&at_stage(&self.base(runs, s), stage)))
            .collect()
    }

    /// The ELBO curve of each stored seed (`None`: diverged).
    pub fn curves(&self, runs: &Runs) -> Vec<ElboCurve> {
        self.stored(runs).iter().map(|r| r.elbo_curve()).collect()
    }

    /// The criterion at that stage, once every seed is stored.
    pub fn convergence(&self, runs: &Runs) -> Option<Convergence> {
        self.settled(runs).convergence
    }

    /// Whether it passed the criterion at that stage ([`passes`]).
    pub fn converged(&self, runs: &Runs) -> bool {
        self.settled(runs).converged
    }

    /// A table's "converged" cell: `yes`, or a bold `no`.
    pub fn converged_mark(&self, runs: &Runs) -> &'static str {
        match self.converged(runs) {
            true => "yes",
            false => "**no**",
        }
    }

    /// Whether its runs at `stage` (every seed stored) pass the criterion there: H3 also
    /// reads a configuration at a later stage than the one it stopped at.
    pub fn converged_at(&self, runs: &Runs, stage: usize) -> bool {
        let curves: Option<Vec<ElboCurve>> = (0..SEEDS)
            .map(|s| runs.find(&at_stage(&self.base(runs, s), stage)))
            .map(|r| r.map(|r| r.elbo_curve()))
            .collect();
        curves
            .and_then(|curves| convergence(&curves))
            .is_some_and(|c| passes(&c, stage) && (c.regressed == 0 || !runs.regressions_count))
    }

    /// The runs of the extension this configuration is in, if any: every seed at that
    /// stage (the sweep skips those already stored).
    pub fn extension_runs(&self, runs: &Runs) -> Vec<RunSpec> {
        let Some(stage) = self.settled(runs).extending else {
            return Vec::new();
        };
        (0..SEEDS)
            .map(|s| {
                let config = at_stage(&self.base(runs, s), stage);
                RunSpec {
                    id: run_id(&config),
                    config,
                    keep_samples: false,
                    keep_diagnostics: false,
                }
            })
            .collect()
    }
}

/// The runs the sweep's extensions need now, given what is stored: those of the
/// configurations being extended, and H3's runs at its common stage.
pub fn extension_runs(runs: &Runs) -> Vec<RunSpec> {
    let mut specs: Vec<RunSpec> = configurations(runs)
        .iter()
        .flat_map(|c| c.extension_runs(runs))
        .collect();
    specs.extend(h3_runs(runs));
    specs
}

/// Whether a configuration ended because a seed diverged at the stage it stopped at.
fn lost_a_seed(settled: &Settled) -> bool {
    settled
        .convergence
        .as_ref()
        .map_or(stopped(settled), |c| c.finished < c.seeds)
}

/// Whether a configuration has stopped: every seed of its first stage stored, and no
/// extension under way.
fn stopped(settled: &Settled) -> bool {
    settled.stored == SEEDS as usize && settled.extending.is_none()
}

/// H3 compares its two destructions at one stage ([`h3_config`]): once both of a
/// target's configurations have stopped, the runs of the one that stopped earlier at the
/// other's stage.
pub fn h3_runs(runs: &Runs) -> Vec<RunSpec> {
    let configurations = configurations(runs);
    let mut specs = Vec::new();
    for target in H3_TARGETS {
        let pair: Vec<&Configuration> = configurations
            .iter()
            .filter(|c| c.target == target && c.steps == H3_STEPS)
            .filter(|c| c.sampler.is_fixed_or_method())
            .collect();
        if !pair.iter().all(|c| stopped(&c.settled(runs))) {
            continue;
        }
        let stages: Vec<usize> = pair.iter().map(|c| c.settled(runs).stage).collect();
        let common = stages.iter().max();
        for (c, stage) in pair.iter().zip(&stages) {
            if Some(stage) == common {
                continue;
            }
            let d = match c.sampler {
                Sampler::Fixed => Destruction::Fixed,
                _ => Destruction::Learned,
            };
            for seed in 0..SEEDS {
                let config = h3_config(runs, target, d, seed);
                specs.push(RunSpec {
                    id: run_id(&config),
                    config,
                    keep_samples: false,
                    keep_diagnostics: false,
                });
            }
        }
    }
    specs
}

/// Every configuration of the sweep: H1's grid (which H2 and H3 read), H7's arms and the
/// diagnostics.
pub fn configurations(runs: &Runs) -> Vec<Configuration> {
    let mut all = Vec::new();
    for target in TARGETS {
        for steps in H1_STEPS {
            for sampler in [
                Sampler::Fixed,
                Sampler::Learned(LearnedParts::MeanAndVariance),
            ] {
                all.push(Configuration {
                    target,
                    steps,
                    sampler,
                });
            }
        }
    }
    for (target, steps) in h7_cells(runs.scale) {
        for parts in &H7_PARTS[1..] {
            all.push(Configuration {
                target,
                steps,
                sampler: Sampler::Learned(*parts),
            });
        }
    }
    if runs.scale == Scale::Full {
        for (name, _) in diagnostic_variants(runs.scale, 0) {
            all.push(Configuration {
                target: "25gmm",
                steps: 5,
                sampler: Sampler::Diagnostic(name),
            });
        }
    }
    all
}

/// `(stored, all)` runs of the sweep.
pub fn progress(runs: &Runs) -> (usize, usize) {
    let h3 = h3_runs(runs);
    let mut all = h3.len();
    let mut stored = h3.iter().filter(|s| runs.find(&s.config).is_some()).count();
    for c in configurations(runs) {
        let settled = c.settled(runs);
        let stages = settled.extending.unwrap_or(settled.stage) + 1;
        for stage in 0..stages {
            all += SEEDS as usize;
            stored += (0..SEEDS)
                .filter(|&s| runs.find(&at_stage(&c.base(runs, s), stage)).is_some())
                .count();
        }
    }
    (stored, all)
}

/// One row per configuration, at the stage it stopped at: seeds stored, final ELBO, and
/// the criterion once every seed is in.
pub fn convergence_table(runs: &Runs) -> String {
    let mut out = String::from(
        "| target | T | sampler | iterations | seeds stored | final ELBO (mean ± std) | best ELBO seen (mean ± std) | seeds regressed | drift of the mean ELBO (fifth before → last fifth) | one seed-std | standard error of the drift | converged |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for c in configurations(runs) {
        let settled = c.settled(runs);
        let stored = c.stored(runs);
        let finals: Vec<f64> = stored
            .iter()
            .filter(|r| r.outcome.diverged.is_none())
            .filter_map(|r| r.outcome.last.as_ref().map(|e| e.elbo))
            .collect();
        let cell = |values: &[f64]| match values.len() {
            1 => format!("{:.3} (one seed)", values[0]),
            _ => SeedValues(values.iter().map(|&e| Some(e)).collect()).cell(),
        };
        let final_cell = cell(&finals);
        let readings: Vec<Regression> = stored
            .iter()
            .filter_map(|r| r.elbo_curve())
            .map(|curve| regression(&curve))
            .collect();
        let best_cell = cell(&readings.iter().map(|r| r.best).collect::<Vec<_>>());
        let regressed = readings.iter().filter(|r| r.regressed).count();
        let diverged = stored.len() - finals.len();
        let seeds = match diverged {
            0 => format!("{} of {SEEDS}", stored.len()),
            k => format!("{} of {SEEDS} ({k} diverged)", stored.len()),
        };
        let dash = || "—".to_string();
        let (drift, tolerance, se) = match &settled.convergence {
            Some(v) => (
                format!("{:+.3}", v.drift),
                format!("{:.3}", v.tolerance),
                format!("{:.3}", v.drift_se),
            ),
            None => (dash(), dash(), dash()),
        };
        let verdict = converged_cell(&settled, c.base(runs, 0).iterations);
        out.push_str(&format!(
            "| {} | {} | {} | {} | {seeds} | {final_cell} | {best_cell} | {regressed} of {} | {drift} | {tolerance} | {se} | {verdict} |\n",
            c.target,
            c.steps,
            c.sampler.name(),
            c.config(runs, 0).iterations,
            readings.len()
        ));
    }
    out
}

/// Every run the tables read, one row each: its configuration and seed, the best ELBO
/// it reached (and when), its final ELBO as the regression check reads it (the mean of
/// its last fifth), and whether it regressed.
pub fn regression_runs_table(runs: &Runs) -> String {
    let mut out = String::from(
        "| configuration | seed | iterations | best ELBO (at iteration) | final ELBO (last fifth) | regressed |\n|---|---|---|---|---|---|\n",
    );
    for c in configurations(runs) {
        for r in c.stored(runs) {
            let config = &r.outcome.config;
            let row = match r.elbo_curve() {
                None => "— | — | diverged".to_string(),
                Some(curve) => {
                    let reading = regression(&curve);
                    let at = curve
                        .iter()
                        .find(|&&(_, e)| e == reading.best)
                        .map_or(0, |&(i, _)| i);
                    format!(
                        "{:.3} ({at}) | {:.3} | {}",
                        reading.best,
                        reading.last,
                        if reading.regressed { "**yes**" } else { "no" }
                    )
                }
            };
            out.push_str(&format!(
                "| {} | {} | {} | {row} |\n",
                c.label(),
                config.seed,
                config.iterations
            ));
        }
    }
    out
}

/// Per sampler, over the configurations' runs where the tables read them: how many
/// finished, how many regressed ([`regression`]), and how far below their best they
/// ended on average.
pub fn regression_table(runs: &Runs) -> String {
    let mut per_sampler: Vec<(String, Vec<Regression>)> = Vec::new();
    for c in configurations(runs) {
        let name = c.sampler.name();
        let readings: Vec<Regression> = c
            .stored(runs)
            .iter()
            .filter_map(|r| r.elbo_curve())
            .map(|curve| regression(&curve))
            .collect();
        match per_sampler.iter_mut().find(|(n, _)| *n == name) {
            Some((_, all)) => all.extend(readings),
            None => per_sampler.push((name, readings)),
        }
    }
    let mut out = format!(
        "| sampler | runs finished | regressed (last fifth > {REGRESSION_NATS} nats below its best) | mean fall from the best ELBO |\n|---|---|---|---|\n"
    );
    for (name, readings) in per_sampler.iter().filter(|(_, r)| !r.is_empty()) {
        let regressed = readings.iter().filter(|r| r.regressed).count();
        let fall = readings.iter().map(|r| r.best - r.last).sum::<f64>() / readings.len() as f64;
        out.push_str(&format!(
            "| {name} | {} | {regressed} | {fall:.2} |\n",
            readings.len()
        ));
    }
    out
}

/// The "converged" cell of a configuration whose first stage runs `iterations`: yes
/// (and by which test), no (and why it stopped), or what it waits for.
fn converged_cell(settled: &Settled, iterations: usize) -> String {
    match (&settled.convergence, settled.extending) {
        (_, Some(stage)) => format!("**no**; extending to {} iterations", iterations << stage),
        (Some(v), None) if v.regressed > 0 => {
            format!("**no** ({} of {} seeds regressed)", v.regressed, v.finished)
        }
        (Some(v), None) if settled.converged && v.converged => "yes".into(),
        (Some(_), None) if settled.converged => "yes (drift within 2 standard errors)".into(),
        (Some(v), None) if v.finished < v.seeds => "**no** (a seed diverged; not extended)".into(),
        (Some(_), None) => "**no**".into(),
        (None, None) if settled.stored < SEEDS as usize => "pending".into(),
        (None, None) => "**no** (diverged)".into(),
    }
}

/// Whether every configuration has stopped (its first stage stored, and no extension
/// under way) and H3's runs at its common stage are stored.
pub fn complete(runs: &Runs) -> bool {
    configurations(runs)
        .iter()
        .all(|c| stopped(&c.settled(runs)))
        && h3_runs(runs).iter().all(|s| runs.find(&s.config).is_some())
}

/// Under the convergence table, once the sweep is complete: how many configurations
/// converged at each stage, and how many did not.
pub fn convergence_summary(runs: &Runs) -> String {
    if !complete(runs) {
        return String::new();
    }
    let configurations = configurations(runs);
    let settled: Vec<Settled> = configurations.iter().map(|c| c.settled(runs)).collect();
    let (iterations, _, _) = converged_budget(runs.scale);
    let per_stage: Vec<String> = (0..=EXTENSIONS)
        .map(|stage| {
            let n = settled
                .iter()
                .filter(|s| s.converged && s.stage == stage)
                .count();
            format!("{n} at {} iterations", iterations << stage)
        })
        .collect();
    let converged = settled.iter().filter(|s| s.converged).count();
    let diverged = settled.iter().filter(|s| lost_a_seed(s)).count();
    let regressed = settled
        .iter()
        .filter(|s| !lost_a_seed(s))
        .filter(|s| s.convergence.as_ref().is_some_and(|c| c.regressed > 0))
        .count();
    let failed = settled.len() - converged - diverged - regressed;
    format!(
        "{converged} of {} configurations converged ({}). {regressed} had a seed that regressed (ended more than {REGRESSION_NATS} nats below its own best), {failed} did not stop changing within {EXTENSIONS} extensions, and {diverged} lost a seed to divergence, which ends a configuration.\n",
        settled.len(),
        per_stage.join(", ")
    )
}

/// The configurations `reads` selects that have not converged (all stored).
fn unconverged(runs: &Runs, reads: impl Fn(&Configuration) -> bool) -> Vec<String> {
    configurations(runs)
        .into_iter()
        .filter(|c| reads(c))
        .filter(|c| !c.converged(runs))
        .map(|c| c.label())
        .collect()
}

/// H1 reads fixed and learned destruction at `T = 5`.
fn h1_reads(c: &Configuration) -> bool {
    c.steps == 5 && c.sampler.is_fixed_or_method()
}

/// H2 reads H1's samplers and fixed destruction at `T = 20`.
fn h2_reads(c: &Configuration) -> bool {
    h1_reads(c) || (c.steps == 20 && c.sampler == Sampler::Fixed)
}

/// H3 reads fixed and learned destruction at its `T` on its targets.
fn h3_reads(c: &Configuration) -> bool {
    c.steps == H3_STEPS && H3_TARGETS.contains(&c.target) && c.sampler.is_fixed_or_method()
}

/// Whether `c` is on one of H7's cells (a target and a `T`).
fn h7_cell(runs: &Runs, c: &Configuration) -> bool {
    h7_cells(runs.scale).contains(&(c.target, c.steps))
}

/// H7 is decided by the decoupled and tied arms; the single-part arms are reported.
fn h7_reads(runs: &Runs, c: &Configuration) -> bool {
    h7_cell(runs, c)
        && matches!(
            c.sampler,
            Sampler::Learned(LearnedParts::MeanAndVariance | LearnedParts::MeanTiedVariance)
        )
}

/// Before the sweep is complete: the claims among H1, H2 and H7 that will read "not
/// decided" whatever the remaining runs show, each with the configurations it reads that
/// have stopped without converging (after their last extension, or with a lost seed).
pub fn settled_undecided(runs: &Runs) -> Vec<(&'static str, Vec<String>)> {
    let stopped_unconverged = |reads: &dyn Fn(&Configuration) -> bool| -> Vec<String> {
        configurations(runs)
            .into_iter()
            .filter(|c| reads(c))
            .filter(|c| {
                let settled = c.settled(runs);
                stopped(&settled) && !settled.converged
            })
            .map(|c| c.label())
            .collect()
    };
    [
        ("H1", stopped_unconverged(&h1_reads)),
        ("H2", stopped_unconverged(&h2_reads)),
        ("H7", stopped_unconverged(&|c| h7_reads(runs, c))),
    ]
    .into_iter()
    .filter(|(_, names)| !names.is_empty())
    .collect()
}

// ANCHOR: converged_verdicts
/// H1, H2, H3 and H7 decided on the convergence sweep, in that order, each once every run
/// it reads is stored (`None` until then); each is "not decided" if a configuration it
/// reads has not converged.
pub fn converged_verdicts(runs: &Runs) -> Vec<Option<Verdict>> {
    let stored = |reads: &dyn Fn(&Configuration) -> bool| {
        configurations(runs)
            .iter()
            .filter(|c| reads(c))
            .all(|c| stopped(&c.settled(runs)))
    };
    // H3 also reads its two destructions at one stage; H7 reports all four arms.
    let h3_stored =
        stored(&h3_reads) && h3_runs(runs).iter().all(|s| runs.find(&s.config).is_some());
    let h7_stored = stored(&|c| h7_cell(runs, c) && matches!(c.sampler, Sampler::Learned(_)));
    vec![
        stored(&h1_reads)
            .then(|| h1_verdict(runs).decided_on_converged(&unconverged(runs, h1_reads))),
        stored(&h2_reads)
            .then(|| h2_verdict(runs).decided_on_converged(&unconverged(runs, h2_reads))),
        h3_stored.then(|| h3_verdict(runs).decided_on_converged(&h3_unconverged(runs))),
        h7_stored.then(|| {
            h7_verdict(runs).decided_on_converged(&unconverged(runs, |c| h7_reads(runs, c)))
        }),
    ]
}
// ANCHOR_END: converged_verdicts

/// H3's configurations that have not converged, where they stopped or at the stage H3
/// reads them (the later of its two destructions' stages), named with that stage.
fn h3_unconverged(runs: &Runs) -> Vec<String> {
    let mut names = Vec::new();
    for c in configurations(runs) {
        if !h3_reads(&c) {
            continue;
        }
        let stage = h3_stage(runs, c.target);
        if !c.converged(runs) {
            names.push(c.label());
        } else if !c.converged_at(runs, stage) {
            let iterations = at_stage(&c.base(runs, 0), stage).iterations;
            names.push(format!("{} at {iterations} iterations", c.label()));
        }
    }
    names
}

/// The seed-mean ELBO curve of `c` over its stored, finished seeds.
fn mean_line(runs: &Runs, c: &Configuration, label: String) -> Line {
    Line {
        label,
        points: super::rules::mean_curve(&c.curves(runs))
            .into_iter()
            .map(|(i, e)| (i as f64, e, 0.0))
            .collect(),
    }
}

/// Learning curves: one panel per target of H1–H3 (fixed and learned at every `T`), then
/// one per cell of H7 (its four arms). Seed means over the seeds stored so far.
pub fn learning_curves_svg(runs: &Runs) -> String {
    let configurations = configurations(runs);
    let mut panels: Vec<(String, Vec<Line>)> = Vec::new();
    for target in TARGETS {
        let lines = configurations
            .iter()
            .filter(|c| c.target == target && c.sampler.is_fixed_or_method())
            .map(|c| mean_line(runs, c, format!("{}, T = {}", c.sampler.name(), c.steps)))
            .filter(|l| !l.points.is_empty())
            .collect();
        panels.push((format!("{target}: H1–H3"), lines));
    }
    for (target, steps) in h7_cells(runs.scale) {
        let lines = H7_PARTS
            .iter()
            .map(|&parts| {
                let c = Configuration {
                    target,
                    steps,
                    sampler: Sampler::Learned(parts),
                };
                mean_line(runs, &c, parts_name(parts).to_string())
            })
            .filter(|l| !l.points.is_empty())
            .collect();
        panels.push((format!("{target}, T = {steps}: H7"), lines));
    }
    let diagnostics: Vec<Line> = configurations
        .iter()
        .filter(|c| {
            matches!(c.sampler, Sampler::Diagnostic(_))
                || (c.target == "25gmm" && c.steps == 5 && c.sampler.is_fixed_or_method())
        })
        .map(|c| mean_line(runs, c, c.sampler.name()))
        .filter(|l| !l.points.is_empty())
        .collect();
    if runs.scale == Scale::Full {
        panels.push(("25gmm, T = 5: what we tried".into(), diagnostics));
    }
    let rows = panels.len().div_ceil(2);
    plot::svg((1000, 400 * rows as u32), |area| {
        let areas = area.split_evenly((rows, 2));
        for ((title, lines), panel) in panels.iter().zip(&areas) {
            if lines.is_empty() {
                // No seed stored yet: say so rather than draw empty axes.
                panel.fill(&WHITE).map_err(|e| format!("{e:?}"))?;
                panel
                    .draw_text(
                        &format!("{title}: no run stored yet"),
                        &("sans-serif", 18).into_text_style(panel),
                        (20, 20),
                    )
                    .map_err(|e| format!("{e:?}"))?;
                continue;
            }
            let (frame, clipped) = curve_frame(lines);
            let title = match clipped {
                true => format!("{title} (lower values drawn at the axis)"),
                false => title.clone(),
            };
            plot::draw_lines_framed(
                &title,
                ("iteration", "mean ELBO"),
                lines,
                SeriesLabelPosition::LowerRight,
                &frame,
                panel,
            )
            .map_err(|e| format!("{e:?}"))?;
        }
        Ok::<(), String>(())
    })
}

/// A learning-curve panel's frame: whole iterations, and a y range that one collapsed
/// evaluation cannot set (from the 5th percentile of the points, less a tenth of the
/// rest of the range, to the highest). Whether any point falls below it.
fn curve_frame(lines: &[Line]) -> (plot::Frame, bool) {
    let mut ys: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .filter(|y| y.is_finite())
        .collect();
    ys.sort_by(f64::total_cmp);
    let (Some(&low), Some(&high)) = (ys.first(), ys.last()) else {
        return (plot::Frame::default(), false);
    };
    let p05 = ys[ys.len() / 20];
    let bottom = (p05 - 0.1 * (high - p05)).max(low);
    let frame = plot::Frame {
        y_range: Some((bottom, high)),
        whole_x: true,
        legend_below: true,
    };
    (frame, low < bottom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling_without_data::evaluate::Evaluation;

    /// A stored run of `config` whose ELBO climbs by `slope` per evaluation (0: flat),
    /// offset by its seed so that seeds differ.
    fn record(config: TrainConfig, seed: u64, slope: f64) -> RunRecord {
        let evaluations = config.iterations / config.eval_every;
        let history = (1..=evaluations)
            .map(|k| Evaluation {
                iteration: k * config.eval_every,
                elbo: -1.0 + slope * k as f64 + 0.01 * seed as f64,
                log_z_hat: 0.0,
                eubo: None,
                log_z_learned: 0.0,
                log_z: None,
                w2: None,
                mmd: None,
            })
            .collect();
        RunRecord::finished(config, history, None)
    }

    /// The table's "converged" cell names the test a configuration passed and why one
    /// that failed stopped.
    #[test]
    fn the_converged_cell_says_how_and_why() {
        let measured = |drift: f64, finished: usize| Convergence {
            finished,
            seeds: 5,
            drift,
            tolerance: 0.1,
            converged: finished == 5 && drift.abs() <= 0.1,
            drift_se: 0.2,
            regressed: 0,
        };
        let at = |stage, v: Convergence, extending| Settled {
            stage,
            stored: 5,
            converged: passes(&v, stage),
            convergence: Some(v),
            extending,
        };
        let cell = |s: Settled| converged_cell(&s, 10_000);
        assert_eq!(cell(at(0, measured(0.05, 5), None)), "yes");
        assert_eq!(
            cell(at(1, measured(0.3, 5), None)),
            "yes (drift within 2 standard errors)"
        );
        assert_eq!(cell(at(2, measured(0.5, 5), None)), "**no**");
        assert_eq!(
            cell(at(0, measured(0.05, 4), None)),
            "**no** (a seed diverged; not extended)"
        );
        assert_eq!(
            cell(at(0, measured(0.5, 5), Some(1))),
            "**no**; extending to 20000 iterations"
        );
    }

    /// The learned sampler that H3 reads on 25GMM.
    fn h3_learned(c: &Configuration) -> bool {
        c.target == "25gmm"
            && c.steps == H3_STEPS
            && c.sampler == Sampler::Learned(LearnedParts::MeanAndVariance)
    }

    /// H3 reads both destructions at one stage: when the learned sampler on 25GMM needs
    /// an extension and the fixed one does not, the sweep calls for the fixed one's runs
    /// at the learned one's stage, is complete only once they are stored, and H3 reads
    /// them; on 40GMM, where both stopped at the first stage, nothing is added.
    #[test]
    fn h3_compares_both_destructions_at_the_later_stage() {
        let scale = Scale::Quick;
        let empty = Runs::of_budget(Vec::new(), scale, Budget::Converged);
        let mut records = Vec::new();
        for c in configurations(&empty) {
            let slope = if h3_learned(&c) { 0.1 } else { 0.0 };
            for seed in 0..SEEDS {
                records.push(record(c.base(&empty, seed), seed, slope));
            }
        }
        let runs = Runs::of_budget(records.clone(), scale, Budget::Converged);
        assert!(
            h3_runs(&runs).is_empty(),
            "the learned sampler is still extending"
        );
        let learned = configurations(&runs).into_iter().find(h3_learned).unwrap();
        assert_eq!(learned.settled(&runs).extending, Some(1));
        for seed in 0..SEEDS {
            records.push(record(at_stage(&learned.base(&runs, seed), 1), seed, 0.0));
        }
        let runs = Runs::of_budget(records.clone(), scale, Budget::Converged);
        let fixed_base =
            |s| Budget::Converged.config("25gmm", H3_STEPS, Destruction::Fixed, s, scale);
        let called: Vec<TrainConfig> = h3_runs(&runs).into_iter().map(|s| s.config).collect();
        let expected: Vec<TrainConfig> = (0..SEEDS).map(|s| at_stage(&fixed_base(s), 1)).collect();
        assert_eq!(called, expected);
        assert!(
            !complete(&runs),
            "H3's runs at the common stage are missing"
        );
        assert_eq!(progress(&runs).1 - progress(&runs).0, SEEDS as usize);
        for (seed, config) in (0..SEEDS).zip(called) {
            records.push(record(config, seed, 0.0));
        }
        let runs = Runs::of_budget(records.clone(), scale, Budget::Converged);
        assert!(complete(&runs));
        let (stored, all) = progress(&runs);
        assert_eq!(stored, all);
        assert_eq!(
            h3_config(&runs, "25gmm", Destruction::Fixed, 3),
            at_stage(&fixed_base(3), 1)
        );
        let gmm40 = |d| Budget::Converged.config("40gmm", H3_STEPS, d, 3, scale);
        for d in [Destruction::Fixed, Destruction::Learned] {
            assert_eq!(h3_config(&runs, "40gmm", d, 3), gmm40(d));
        }
        let h3 = |runs: &Runs| converged_verdicts(runs).remove(2).unwrap();
        assert!(
            !h3(&runs).evidence.contains("Not converged"),
            "{:?}",
            h3(&runs)
        );
        // The fixed sampler converged at its own stage; if its runs at the later stage,
        // which H3 reads, are still climbing, H3 is not decided.
        let rising: Vec<RunRecord> = records
            .into_iter()
            .map(
                |r| match r.outcome.config == at_stage(&fixed_base(r.outcome.config.seed), 1) {
                    true => {
                        let seed = r.outcome.config.seed;
                        record(r.outcome.config, seed, 0.1)
                    }
                    false => r,
                },
            )
            .collect();
        let runs = Runs::of_budget(rising, scale, Budget::Converged);
        assert!(complete(&runs));
        let verdict = h3(&runs);
        assert_eq!(verdict.outcome, crate::report::Outcome::NotDecided);
        let expected = format!(
            "Not converged: 25gmm T = {H3_STEPS} fixed at {} iterations.",
            at_stage(&fixed_base(0), 1).iterations
        );
        assert!(
            verdict.evidence.ends_with(&expected),
            "{}",
            verdict.evidence
        );
    }

    /// Every configuration flat (converged at the first stage) except those `rising`
    /// picks, which climb at every stage and so never converge; `diverged` picks those
    /// whose seed 0 diverges at the first stage.
    fn sweep_of(
        rising: impl Fn(&Configuration) -> bool,
        diverged: impl Fn(&Configuration) -> bool,
    ) -> Runs {
        let scale = Scale::Quick;
        let empty = Runs::of_budget(Vec::new(), scale, Budget::Converged);
        let mut records = Vec::new();
        for c in configurations(&empty) {
            let stages = if rising(&c) { EXTENSIONS } else { 0 };
            for stage in 0..=stages {
                for seed in 0..SEEDS {
                    let slope = if rising(&c) { 0.1 } else { 0.0 };
                    let mut r = record(at_stage(&c.base(&empty, seed), stage), seed, slope);
                    if seed == 0 && diverged(&c) {
                        r.outcome.diverged = Some(crate::sampling_without_data::train::Diverged {
                            iteration: 10,
                            what: "loss".into(),
                        });
                    }
                    records.push(r);
                }
            }
        }
        Runs::of_budget(records, scale, Budget::Converged)
    }

    /// Before the sweep is complete, a claim is bound to read "not decided" once a
    /// configuration it reads has stopped without converging (after its last extension,
    /// or with a lost seed); one still being extended binds nothing, and a claim that does
    /// not read the configuration is not named.
    #[test]
    fn a_claim_is_known_undecided_once_a_configuration_it_reads_stops_unconverged() {
        let funnel_fixed_20 = |c: &Configuration| {
            c.target == "funnel" && c.steps == 20 && c.sampler == Sampler::Fixed
        };
        let tied = |c: &Configuration| h7_arm(c, LearnedParts::MeanTiedVariance);
        let runs = sweep_of(funnel_fixed_20, tied);
        assert_eq!(
            settled_undecided(&runs),
            vec![
                ("H2", vec!["funnel T = 20 fixed".to_string()]),
                ("H7", vec!["25gmm T = 5 learned (tied)".to_string()]),
            ]
        );
        // The last extension of funnel T = 20 fixed still lacks a seed: not yet bound.
        let base = Budget::Converged.config("funnel", 20, Destruction::Fixed, 0, Scale::Quick);
        let missing = at_stage(&base, EXTENSIONS);
        let records: Vec<RunRecord> = runs
            .all()
            .into_iter()
            .filter(|r| r.outcome.config != missing)
            .cloned()
            .collect();
        let runs = Runs::of_budget(records, Scale::Quick, Budget::Converged);
        assert_eq!(
            settled_undecided(&runs),
            vec![("H7", vec!["25gmm T = 5 learned (tied)".to_string()])]
        );
    }

    /// `runs` without the first-stage run of seed 0 of the configuration `missing` picks.
    fn without(runs: &Runs, missing: impl Fn(&Configuration) -> bool) -> Runs {
        let gone: Vec<TrainConfig> = configurations(runs)
            .into_iter()
            .filter(|c| missing(c))
            .map(|c| c.base(runs, 0))
            .collect();
        let records = runs
            .all()
            .into_iter()
            .filter(|r| !gone.contains(&r.outcome.config))
            .cloned()
            .collect();
        Runs::of_budget(records, runs.scale, Budget::Converged)
    }

    /// Each claim is decided as soon as every run it reads is stored, whatever else is
    /// missing: a missing H7 arm holds back H7 only, a missing run at `T = 5` on Funnel
    /// holds back H1 and H2 (H2 reads H1's samplers) but not H3 or H7.
    #[test]
    fn each_claim_is_decided_once_the_runs_it_reads_are_stored() {
        let all = sweep_of(|_| false, |_| false);
        let decided = |runs: &Runs| -> Vec<bool> {
            converged_verdicts(runs)
                .iter()
                .map(Option::is_some)
                .collect()
        };
        assert_eq!(decided(&all), [true, true, true, true]);
        let runs = without(&all, |c| h7_arm(c, LearnedParts::VarianceOnly));
        assert!(!complete(&runs));
        assert_eq!(decided(&runs), [true, true, true, false]);
        let runs = without(&all, |c| {
            c.target == "funnel" && c.steps == 5 && c.sampler == Sampler::Fixed
        });
        assert_eq!(decided(&runs), [false, false, true, true]);
    }

    fn h7_arm(c: &Configuration, parts: LearnedParts) -> bool {
        c.target == "25gmm" && c.steps == 5 && c.sampler == Sampler::Learned(parts)
    }

    /// H7 is decided by its decoupled and tied arms: a single-part arm that never
    /// converges is reported but does not hold the verdict back; a tied arm that lost a
    /// seed to divergence does, and the table and the summary say why it stopped.
    #[test]
    fn h7_waits_for_its_deciding_arms_and_a_diverged_seed_ends_a_configuration() {
        let h7 = |runs: &Runs| converged_verdicts(runs).remove(3).unwrap();
        let runs = sweep_of(|c| h7_arm(c, LearnedParts::MeanOnly), |_| false);
        assert!(complete(&runs));
        assert!(
            !h7(&runs).evidence.contains("Not converged"),
            "{:?}",
            h7(&runs)
        );
        assert!(convergence_summary(&runs)
            .contains("0 had a seed that regressed (ended more than 0.5 nats below its own best), 1 did not stop changing within 2 extensions, and 0 lost a seed"));

        let runs = sweep_of(|_| false, |c| h7_arm(c, LearnedParts::MeanTiedVariance));
        assert!(complete(&runs));
        let verdict = h7(&runs);
        assert_eq!(verdict.outcome, crate::report::Outcome::NotDecided);
        assert!(
            verdict
                .evidence
                .ends_with("Not converged: 25gmm T = 5 learned (tied)."),
            "{}",
            verdict.evidence
        );
        let table = convergence_table(&runs);
        let row = table
            .lines()
            .find(|l| l.starts_with("| 25gmm | 5 | learned (tied) |"))
            .unwrap();
        assert!(
            row.ends_with("| **no** (a seed diverged; not extended) |"),
            "{row}"
        );
        assert!(
            convergence_summary(&runs)
                .contains("0 did not stop changing within 2 extensions, and 1 lost a seed"),
            "{}",
            convergence_summary(&runs)
        );
    }
}
