//! The generated files of chapters "Adaptive destruction" and "Results",
//! derived from the stored runs (training happens only in `reproduce`).

use super::best_checkpoint;
use super::claims::{
    base_config, converged_budget, converged_runs, h5_steps, runs, stability_variants, Budget,
    Claim, RunSpec, DRAWN_SEED, DRAWN_STEPS, H1_STEPS, H4_STEPS, H7_STEPS, H7_TARGETS,
    LEARNING_RATE_RATIOS, SEEDS, TARGETS,
};
use super::convergence::REGRESSION_NATS;
use super::convergence_report;
use super::decoupled_variances::h7_table;
use super::extension::EXTENSIONS;
use super::findings;
use super::reconstruction_sweep;
use super::rules::{sign_test_p_value, H5B_SPREAD_STDS};
use super::shard::Shard;
use super::summary::{self, h3_curve, Metric, Runs, H3_STEPS, H3_TARGETS};
use super::sweep::{stored_record, RunRecord};
use super::what_we_tried::what_we_tried;
use crate::plot::{self, Line};
use crate::report::{anchored_numbers, GeneratedFiles, Provenance, Scale};
use crate::run_store::RunStore;
use crate::sampling::seeded_rng;
use crate::sampling_without_data::kernels::Destruction;
use crate::sampling_without_data::targets::{builtin, BuiltinTarget};
use ndarray::Array2;
use plotters::prelude::SeriesLabelPosition::{LowerRight, UpperLeft};
use std::collections::BTreeMap;

/// `5, 10, 20`: a list of step counts for the prose.
fn list(values: &[usize]) -> String {
    values
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub const ADAPTIVE_DESTRUCTION: &str = "adaptive-destruction";
pub const RESULTS: &str = "results";

/// Every stored run of the whole sweep in `store`; the error says how to make them.
pub fn load(store: &RunStore, scale: Scale) -> Result<Runs, String> {
    let specs = runs(&Claim::ALL, scale);
    let stored = store.load()?;
    let mut records = Vec::with_capacity(specs.len());
    let mut missing = 0;
    for spec in &specs {
        match stored_record(&stored, spec) {
            Some(r) => records.push(r.clone()),
            None => missing += 1,
        }
    }
    if missing > 0 {
        return Err(format!(
            "{missing} of {} runs are missing or stale in {} (run: destroy_then_generate reproduce --scale {scale})",
            specs.len(),
            store.path().display()
        ));
    }
    Ok(Runs::new(records, scale))
}

/// The stored runs of the convergence sweep in `store`, however many there are (the
/// sweep may span sessions; chapter "Results" reports its progress).
/// With its extensions: the runs of every stage that what is stored has called for.
pub fn load_converged(store: &RunStore, scale: Scale) -> Result<Runs, String> {
    let stored = store.load()?;
    let mut specs = converged_runs(scale);
    loop {
        let records = specs
            .iter()
            .filter_map(|spec| stored_record(&stored, spec).cloned())
            .collect();
        let runs = Runs::of_budget(records, scale, Budget::Converged);
        let more: Vec<RunSpec> = convergence_report::extension_runs(&runs)
            .into_iter()
            .filter(|e| !specs.iter().any(|s| s.id == e.id))
            .collect();
        if more.is_empty() {
            return Ok(runs);
        }
        specs.extend(more);
    }
}

/// Runs the convergence sweep to its end, or resumes it: the first stage, then each
/// extension the stored runs call for, until none is missing. Returns the stored runs.
pub fn sweep_converged(
    store: &RunStore,
    scale: Scale,
    workers: usize,
    show: bool,
    shard: Shard,
) -> Result<Runs, String> {
    loop {
        let runs = load_converged(store, scale)?;
        let mut specs = converged_runs(scale);
        specs.extend(convergence_report::extension_runs(&runs));
        specs.retain(|s| shard.takes(&s.config));
        let stored = store.load()?;
        if specs.iter().all(|s| stored_record(&stored, s).is_some()) {
            return Ok(runs);
        }
        super::sweep(&specs, store, workers, show)?;
    }
}

/// The record of the sweep: its command, scale, seeds `0…4`, crate version, and the
/// summed single-thread seconds of its runs.
pub fn provenance(runs: &[&RunRecord], scale: Scale) -> Provenance {
    Provenance {
        command: format!("destroy_then_generate reproduce --scale {scale}"),
        scale,
        seed: 0,
        crate_version: crate::VERSION,
        threads: 1,
        wall_time_s: (runs.iter().map(|r| r.wall_time_s).sum::<f64>() * 10.0).round() / 10.0,
    }
}

/// The provenance line under a chapter that reads `runs`, with the seeds they use.
pub fn footer(provenance: &Provenance, runs: &[&RunRecord]) -> String {
    let seeds: std::collections::BTreeSet<u64> =
        runs.iter().map(|r| r.outcome.config.seed).collect();
    let seeds = match (seeds.first(), seeds.last()) {
        (Some(a), Some(b)) if a == b => format!("Seed {a}"),
        (Some(a), Some(b)) if seeds.len() as u64 == b - a + 1 => {
            format!("Seeds {a}–{b} for every configuration")
        }
        _ => format!(
            "Seeds {}",
            seeds
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!(
        "{} {seeds}. The time is the sum of the runs' own times, not the sweep's wall time: it ran several runs at once.\n",
        provenance.to_markdown_summed(runs.len()),
    )
}

/// Model samples of a stored run over exact target samples.
fn samples_figure(record: &RunRecord, title: &str) -> String {
    let model = record
        .sample_points()
        .unwrap_or_else(|| Array2::zeros((0, 2)));
    let target = builtin(&record.outcome.target).expect("stored runs name built-in targets");
    let exact = target.sample(model.nrows(), &mut seeded_rng(0));
    let extent = BuiltinTarget::from_name(&record.outcome.target)
        .expect("stored runs name built-in targets")
        .plot_extent();
    plot::svg((420, 420), |area| {
        plot::draw_samples(title, &model, exact.as_ref(), extent, area)
    })
}

/// Chapter "Adaptive destruction": the settings of the learned kernel and a first look
/// at what it changes (25GMM, `T = 5`, seed [`DRAWN_SEED`]).
pub fn adaptive_destruction_files(runs: &Runs) -> GeneratedFiles {
    let scale = runs.scale;
    let path = |name: &str| format!("{ADAPTIVE_DESTRUCTION}/{name}");
    let mut files = GeneratedFiles::default();
    let mut used = Vec::new();
    for d in [Destruction::Fixed, Destruction::Learned] {
        let record = runs.get(&base_config("25gmm", DRAWN_STEPS, d, DRAWN_SEED, scale));
        let name = super::claims::destruction_name(d);
        files.add(
            path(&format!("samples-{name}.svg")),
            samples_figure(
                record,
                &format!("25GMM, T = {DRAWN_STEPS}, {name} destruction"),
            ),
        );
        used.push(record);
    }
    let c = base_config(
        "25gmm",
        DRAWN_STEPS,
        Destruction::Learned,
        DRAWN_SEED,
        scale,
    );
    let metric = |r: &RunRecord, m: Metric| m.of(r).map_or("—".into(), |v| format!("{v:.3}"));
    let modes = |r: &RunRecord| {
        summary::modes_covered(r).map_or("—".into(), |(k, n)| format!("{k} of {n}"))
    };
    files.add(
        path("numbers.md"),
        anchored_numbers(&[
            ("log_var_range", format!("{}", c.kernel.log_var_range)),
            (
                "destruction_log_var_range",
                format!("{}", c.kernel.destruction_log_var_range),
            ),
            (
                "destruction_mean_range",
                format!("{}", c.kernel.destruction_mean_range),
            ),
            ("lr_generation", format!("{}", c.lr_generation)),
            ("lr_destruction", format!("{}", c.lr_destruction)),
            ("polyak", format!("{}", c.polyak)),
            ("batch", c.batch.to_string()),
            ("iterations", c.iterations.to_string()),
            ("fixed_w2", metric(used[0], Metric::W2)),
            ("learned_w2", metric(used[1], Metric::W2)),
            ("fixed_elbo_gap", metric(used[0], Metric::ElboGap)),
            ("learned_elbo_gap", metric(used[1], Metric::ElboGap)),
            ("fixed_eubo_gap", metric(used[0], Metric::EuboGap)),
            ("learned_eubo_gap", metric(used[1], Metric::EuboGap)),
            ("fixed_modes", modes(used[0])),
            ("learned_modes", modes(used[1])),
            ("mode_share", format!("{}", 100.0 * summary::MODE_SHARE)),
            ("steps", DRAWN_STEPS.to_string()),
            ("seed", DRAWN_SEED.to_string()),
        ]),
    );
    files.add(path("first-look.md"), findings::first_look(runs) + "\n");
    files.add(path("budget.md"), findings::budget(scale) + "\n");
    let provenance = provenance(&used, scale);
    files.add(path("provenance.md"), footer(&provenance, &used));
    files
}

/// Chapter "Results": a table per claim, the figures, and the verdicts.
pub fn results_files(
    runs: &Runs,
    converged: &Runs,
    reconstruction: &BTreeMap<String, RunRecord>,
) -> GeneratedFiles {
    let scale = runs.scale;
    let path = |name: &str| format!("{RESULTS}/{name}");
    let verdicts = summary::verdicts(runs);
    let all: Vec<&RunRecord> = runs.all();
    let provenance = provenance(&all, scale);
    let mut files = GeneratedFiles::with_report(RESULTS, &provenance, &verdicts);
    files.add(path("verdicts.md"), summary::verdict_report(&verdicts));
    files.add(path("h1.md"), summary::h1_table(runs));
    files.add(path("h2.md"), summary::h2_table(runs));
    files.add(path("h3.md"), summary::h3_table(runs));
    files.add(path("h4.md"), summary::h4_table(runs));
    files.add(path("h5.md"), summary::h5_table(runs));
    files.add(path("budget.md"), findings::budget(scale) + "\n");
    files.add(path("h1-findings.md"), findings::h1_findings(runs));
    files.add(path("h2-findings.md"), findings::h2_findings(runs));
    files.add(path("h3-findings.md"), findings::h3_findings(runs));
    files.add(path("h4-findings.md"), findings::h4_findings(runs));
    files.add(path("h5-findings.md"), findings::h5_findings(runs));
    // H1 figure: the ELBO gap against T, one panel per target.
    files.add(
        path("h1-elbo-gap.svg"),
        plot::svg((900, 640), |area| {
            let panels = area.split_evenly((2, 2));
            for (panel, target) in panels.iter().zip(TARGETS) {
                let lines: Vec<Line> = [Destruction::Fixed, Destruction::Learned]
                    .into_iter()
                    .map(|d| Line {
                        label: format!("{} destruction", super::claims::destruction_name(d)),
                        points: H1_STEPS
                            .iter()
                            .map(|&t| {
                                let v = runs.values(Metric::ElboGap, |s| {
                                    base_config(target, t, d, s, scale)
                                });
                                let (m, s) = v.mean_std().unwrap_or((f64::NAN, 0.0));
                                (t as f64, m, s)
                            })
                            .collect(),
                    })
                    .collect();
                // The lines fill every corner of some panels: the legend goes below.
                let frame = plot::Frame {
                    whole_x: true,
                    legend_below: true,
                    ..Default::default()
                };
                plot::draw_lines_framed(
                    target,
                    ("steps T", "log Z − ELBO"),
                    &lines,
                    UpperLeft,
                    &frame,
                    panel,
                )
                .map_err(|e| format!("{e:?}"))?;
            }
            Ok::<(), String>(())
        }),
    );
    // H3 figure: mean ELBO against iterations and against seconds.
    files.add(
        path("h3-convergence.svg"),
        plot::svg((900, 640), |area| {
            let panels = area.split_evenly((2, 2));
            for (row, target) in H3_TARGETS.iter().enumerate() {
                for (col, axis) in ["iteration", "seconds (one thread)"].iter().enumerate() {
                    let lines: Vec<Line> = [Destruction::Fixed, Destruction::Learned]
                        .into_iter()
                        .map(|d| {
                            let c = h3_curve(runs, target, d);
                            let scale_x = if col == 0 {
                                1.0
                            } else {
                                c.seconds_per_iteration
                            };
                            Line {
                                label: format!(
                                    "{} destruction",
                                    super::claims::destruction_name(d)
                                ),
                                points: c
                                    .iterations
                                    .iter()
                                    .zip(&c.elbo)
                                    .map(|(&i, &e)| (i as f64 * scale_x, e, 0.0))
                                    .collect(),
                            }
                        })
                        .collect();
                    let title = format!("{target}, T = {}", summary::H3_STEPS);
                    // Iterations are whole numbers; seconds are not.
                    let frame = plot::Frame {
                        whole_x: col == 0,
                        ..Default::default()
                    };
                    plot::draw_lines_framed(
                        &title,
                        (axis, "mean ELBO"),
                        &lines,
                        LowerRight,
                        &frame,
                        &panels[row * 2 + col],
                    )
                    .map_err(|e| format!("{e:?}"))?;
                }
            }
            Ok::<(), String>(())
        }),
    );
    // H5 figure: the ELBO gap and the EUBO gap of each variant.
    let bars = |metric: Metric| -> Vec<(String, f64, f64)> {
        stability_variants(scale, 0)
            .into_iter()
            .enumerate()
            .map(|(k, (name, _))| {
                let v = runs.values(metric, |s| stability_variants(scale, s)[k].1.clone());
                let (m, s) = v.mean_std().unwrap_or((f64::NAN, 0.0));
                (name, m, s)
            })
            .collect()
    };
    files.add(
        path("h5-ablation.svg"),
        plot::svg((1100, 420), |area| {
            let (left, right) = area.split_horizontally(550);
            let steps = super::claims::h5_steps(scale);
            let title = |m: Metric| format!("25GMM, T = {steps}: {}", m.heading());
            for (panel, metric) in [(left, Metric::ElboGap), (right, Metric::EuboGap)] {
                plot::draw_bars(
                    &title(metric),
                    "mean ± std over seeds",
                    &bars(metric),
                    &panel,
                )
                .map_err(|e| format!("{e:?}"))?;
            }
            Ok::<(), String>(())
        }),
    );
    let count = |o: summary::Outcome| {
        verdicts
            .iter()
            .filter(|v| v.outcome == o)
            .count()
            .to_string()
    };
    files.add(
        path("numbers.md"),
        anchored_numbers(&[
            ("runs", all.len().to_string()),
            ("seeds", SEEDS.to_string()),
            ("iterations", super::claims::iterations(scale).to_string()),
            (
                "batch",
                base_config("25gmm", 5, Destruction::Fixed, 0, scale)
                    .batch
                    .to_string(),
            ),
            ("reproduced", count(summary::Outcome::Reproduced)),
            ("partly", count(summary::Outcome::Partly)),
            ("not_reproduced", count(summary::Outcome::NotReproduced)),
            ("claims", verdicts.len().to_string()),
            (
                "diverged",
                all.iter()
                    .filter(|r| r.outcome.diverged.is_some())
                    .count()
                    .to_string(),
            ),
            ("hours", format!("{:.2}", provenance.wall_time_s / 3600.0)),
            (
                "h5_variants",
                stability_variants(scale, 0).len().to_string(),
            ),
            ("robust_wins", summary::ROBUST_WINS.to_string()),
            ("targets", TARGETS.len().to_string()),
            ("h1_steps", list(&H1_STEPS)),
            ("h3_steps", H3_STEPS.to_string()),
            ("h4_steps", list(&H4_STEPS)),
            ("h5_steps", h5_steps(scale).to_string()),
            ("h5_ratios", LEARNING_RATE_RATIOS.len().to_string()),
            ("h5b_stds", H5B_SPREAD_STDS.to_string()),
            ("mode_share", format!("{}", 100.0 * summary::MODE_SHARE)),
            (
                "smallest_p",
                format!("{:.4}", sign_test_p_value(SEEDS as u32, 0)),
            ),
            (
                "p_four_one",
                format!("{:.3}", sign_test_p_value(SEEDS as u32 - 1, 1)),
            ),
        ]),
    );
    files.add(path("provenance.md"), footer(&provenance, &all));
    let converged_verdicts = convergence_report::converged_verdicts(converged);
    let decided: Vec<summary::Verdict> = converged_verdicts.iter().flatten().cloned().collect();
    files.add(
        path("verdicts-across-budgets.md"),
        findings::verdicts_across_budgets(&verdicts, &decided),
    );
    files.add(
        path("headline.md"),
        findings::headline(&verdicts, &converged_verdicts),
    );
    files.extend(convergence_files(converged, &converged_verdicts));
    files.add(
        path("reconstruction.md"),
        match scale {
            Scale::Full => reconstruction_sweep::report(scale, reconstruction),
            Scale::Quick => "*The reconstruction sweep runs at full scale only.*\n".into(),
        },
    );
    files
}

/// The convergence sweep's part of chapter "Results": its progress, the criterion per
/// configuration, the learning curves, each verdict once the runs it reads are stored,
/// H7's table with its verdict, and "What we tried" once every run is stored.
fn convergence_files(runs: &Runs, verdicts: &[Option<summary::Verdict>]) -> GeneratedFiles {
    let path = |name: &str| format!("{RESULTS}/{name}");
    let records = runs.all();
    let provenance = Provenance {
        command: format!(
            "destroy_then_generate reproduce --budget converged --scale {}",
            runs.scale
        ),
        ..self::provenance(&records, runs.scale)
    };
    let (stored, all) = convergence_report::progress(runs);
    let complete = convergence_report::complete(runs);
    let claims = |decided: bool| -> Vec<String> {
        Claim::CONVERGED
            .iter()
            .zip(verdicts)
            .filter(|(_, v)| v.is_some() == decided)
            .map(|(c, _)| c.name().to_uppercase())
            .collect()
    };
    let (decided, waiting) = (claims(true), claims(false));
    let mut files = GeneratedFiles::default();
    files.add(
        path("converged-progress.md"),
        findings::converged_progress(
            findings::SweepProgress {
                stored,
                all,
                first: converged_runs(runs.scale).len(),
                seconds: provenance.wall_time_s,
                complete,
            },
            &decided,
            &convergence_report::settled_undecided(runs)
                .into_iter()
                .filter(|(claim, _)| waiting.iter().any(|w| w == claim))
                .collect::<Vec<_>>(),
        ),
    );
    files.add(
        path("convergence.md"),
        convergence_report::convergence_table(runs),
    );
    files.add(
        path("convergence-summary.md"),
        convergence_report::convergence_summary(runs),
    );
    files.add(
        path("regressions.md"),
        convergence_report::regression_table(runs),
    );
    files.add(
        path("regressions-per-run.md"),
        convergence_report::regression_runs_table(runs),
    );
    files.add(
        path("best-checkpoint.md"),
        best_checkpoint::verdicts_table(runs),
    );
    files.add(
        path("learning-curves.svg"),
        convergence_report::learning_curves_svg(runs),
    );
    let pending =
        format!("*Pending: {stored} of {all} runs of the convergence sweep are stored.*\n");
    let ready: Vec<summary::Verdict> = verdicts.iter().flatten().cloned().collect();
    let report = match (ready.is_empty(), waiting.is_empty()) {
        (true, _) => pending.clone(),
        (false, true) => summary::verdict_report(&ready),
        (false, false) => format!(
            "{}\n*Waiting for runs: {}. {}*\n",
            summary::verdict_report(&ready),
            waiting.join(", "),
            pending.trim().trim_matches('*')
        ),
    };
    files.add(path("converged-verdicts.md"), report);
    let h7_decided = verdicts.last().is_some_and(Option::is_some);
    files.add(
        path("h7.md"),
        if h7_decided {
            h7_table(runs)
        } else {
            pending.clone()
        },
    );
    files.add(
        path("what-we-tried.md"),
        if complete {
            what_we_tried(runs)
        } else {
            pending
        },
    );
    let (iterations, batch, evaluations) = converged_budget(runs.scale);
    files.add(
        path("converged-numbers.md"),
        anchored_numbers(&[
            ("runs", all.to_string()),
            ("stored", stored.to_string()),
            ("iterations", iterations.to_string()),
            ("batch", batch.to_string()),
            ("evaluations", evaluations.to_string()),
            ("every", (iterations / evaluations).to_string()),
            ("window", (evaluations / 5).to_string()),
            ("extensions", EXTENSIONS.to_string()),
            ("regression_nats", REGRESSION_NATS.to_string()),
            ("h7_targets", H7_TARGETS.join(" and ")),
            ("h7_steps", list(&H7_STEPS)),
            ("hours", format!("{:.2}", provenance.wall_time_s / 3600.0)),
        ]),
    );
    files.add(
        path("converged-provenance.md"),
        footer(&provenance, &records),
    );
    files
}
