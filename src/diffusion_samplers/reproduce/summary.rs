//! From stored runs to what chapter "Results" shows: per-claim tables (mean ± std over
//! seeds, paired wins), and a verdict per claim by a rule fixed before the runs.

use super::claims::{
    base_config, destruction_name, objective_config, objective_name, run_id, stability_variants,
    H1_STEPS, H4_OBJECTIVES, H4_STEPS, H6_LATENTS, SEEDS, TARGETS,
};
use super::sweep::RunRecord;
use crate::diffusion_samplers::kernels::Destruction;
use crate::diffusion_samplers::train::TrainConfig;
use crate::report::Scale;
use serde::Serialize;
use std::collections::BTreeMap;

/// What a table cell measures on one run; `None` when the run diverged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Metric {
    /// `log Z − ELBO`.
    ElboGap,
    /// `|log Ẑ − log Z|`.
    LogZHatError,
    /// `EUBO − log Z`.
    EuboGap,
    /// 2-Wasserstein distance to exact samples.
    W2,
    /// The ELBO itself (targets with unknown `log Z`).
    Elbo,
    MeanLogReward,
    Precision,
    Diversity,
}

impl Metric {
    /// The column heading.
    pub fn heading(self) -> &'static str {
        match self {
            Metric::ElboGap => "log Z − ELBO",
            Metric::LogZHatError => "abs(log Ẑ − log Z)",
            Metric::EuboGap => "EUBO − log Z",
            Metric::W2 => "W2",
            Metric::Elbo => "ELBO",
            Metric::MeanLogReward => "mean log-reward",
            Metric::Precision => "class precision",
            Metric::Diversity => "diversity",
        }
    }

    /// Whether a smaller value is better.
    pub fn lower_is_better(self) -> bool {
        matches!(
            self,
            Metric::ElboGap | Metric::LogZHatError | Metric::EuboGap | Metric::W2
        )
    }

    /// The metric of a finished run.
    pub fn of(self, record: &RunRecord) -> Option<f64> {
        let last = record.outcome.last.as_ref()?;
        let latent = record.latent.as_ref();
        match self {
            Metric::ElboGap => last.elbo_gap(),
            Metric::LogZHatError => last.log_z_hat_error(),
            Metric::EuboGap => last.eubo_gap(),
            Metric::W2 => last.w2,
            Metric::Elbo => Some(last.elbo),
            Metric::MeanLogReward => latent.map(|l| l.mean_log_reward),
            Metric::Precision => latent.map(|l| l.precision),
            Metric::Diversity => latent.map(|l| l.diversity),
        }
        .filter(|v| v.is_finite())
    }
}

/// The stored runs, found by configuration.
pub struct Runs {
    by_id: BTreeMap<String, RunRecord>,
    pub scale: Scale,
}

/// The values of one configuration over the seeds (seed order; `None`: diverged).
#[derive(Clone, Debug, Serialize)]
pub struct SeedValues(pub Vec<Option<f64>>);

impl SeedValues {
    fn finite(&self) -> Vec<f64> {
        self.0.iter().flatten().copied().collect()
    }
    /// Mean and sample standard deviation of the finished seeds.
    pub fn mean_std(&self) -> Option<(f64, f64)> {
        let v = self.finite();
        if v.is_empty() {
            return None;
        }
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = if v.len() > 1 {
            v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64
        } else {
            0.0
        };
        Some((mean, var.sqrt()))
    }
    pub fn mean(&self) -> Option<f64> {
        self.mean_std().map(|m| m.0)
    }
    /// Seeds that diverged.
    pub fn diverged(&self) -> usize {
        self.0.iter().filter(|v| v.is_none()).count()
    }
    /// `mean ± std`, with the number of diverged seeds when there are any.
    pub fn cell(&self) -> String {
        let body = match self.mean_std() {
            Some((m, s)) => format!("{m:.3} ± {s:.3}"),
            None => "—".into(),
        };
        match self.diverged() {
            0 => body,
            k => format!("{body} ({k} diverged)"),
        }
    }
}

/// Seeds where `a` beats `b` on `metric`, of the seeds where both finished (a diverged
/// run loses to a finished one).
pub fn paired_wins(a: &SeedValues, b: &SeedValues, metric: Metric) -> usize {
    a.0.iter()
        .zip(&b.0)
        .filter(|(x, y)| match (x, y) {
            (Some(x), Some(y)) => {
                if metric.lower_is_better() {
                    x < y
                } else {
                    x > y
                }
            }
            (Some(_), None) => true,
            _ => false,
        })
        .count()
}

impl Runs {
    /// Indexes `records` by id.
    pub fn new(records: Vec<RunRecord>, scale: Scale) -> Runs {
        Runs {
            by_id: records.into_iter().map(|r| (r.id.clone(), r)).collect(),
            scale,
        }
    }

    /// Every stored record, in id order.
    pub fn all(&self) -> Vec<&RunRecord> {
        self.by_id.values().collect()
    }

    /// The record of `config`; panics if the sweep did not run it (a programming error:
    /// tables only ask for runs their claim lists).
    pub fn get(&self, config: &TrainConfig) -> &RunRecord {
        let id = run_id(config);
        self.by_id
            .get(&id)
            .unwrap_or_else(|| panic!("run {id} is missing from the stored runs"))
    }

    /// The records of `configure(seed)` for every seed.
    pub fn seeds(&self, configure: impl Fn(u64) -> TrainConfig) -> Vec<&RunRecord> {
        (0..SEEDS).map(|s| self.get(&configure(s))).collect()
    }

    /// `metric` of `configure(seed)` over the seeds.
    pub fn values(&self, metric: Metric, configure: impl Fn(u64) -> TrainConfig) -> SeedValues {
        SeedValues(self.seeds(configure).iter().map(|r| metric.of(r)).collect())
    }

    fn h1(&self, target: &str, steps: usize, d: Destruction, metric: Metric) -> SeedValues {
        self.values(metric, |s| base_config(target, steps, d, s, self.scale))
    }
}

pub use crate::report::Outcome;

/// Every target → reproduced; none → not reproduced; otherwise partly.
fn outcome_from_count(count: usize, all: usize) -> Outcome {
    match count {
        0 => Outcome::NotReproduced,
        c if c >= all => Outcome::Reproduced,
        _ => Outcome::Partly,
    }
}

/// A claim, the rule that decides it, what the runs showed, and the outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub claim: &'static str,
    pub statement: &'static str,
    pub rule: &'static str,
    pub evidence: String,
    pub outcome: Outcome,
}

/// Paired seeds out of `SEEDS` that count as a robust win.
pub const ROBUST_WINS: usize = 4;

const H1_METRICS: [Metric; 4] = [
    Metric::ElboGap,
    Metric::LogZHatError,
    Metric::EuboGap,
    Metric::W2,
];

/// The `mean ± std` cells of one table row, joined.
fn cells(values: &[SeedValues]) -> String {
    values
        .iter()
        .map(|v| v.cell())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn table_header(first: &[&str], metrics: &[Metric], extra: &str) -> String {
    let mut columns: Vec<String> = first.iter().map(|s| s.to_string()).collect();
    columns.extend(metrics.iter().map(|m| m.heading().to_string()));
    if !extra.is_empty() {
        columns.push(extra.to_string());
    }
    format!(
        "| {} |\n|{}\n",
        columns.join(" | "),
        "---|".repeat(columns.len())
    )
}

// ANCHOR: h1_table
/// H1: fixed vs learned destruction per target and `T`, with the paired wins of learned.
pub fn h1_table(runs: &Runs) -> String {
    let mut out = table_header(&["target", "T", "destruction"], &H1_METRICS, "");
    for target in TARGETS {
        for steps in H1_STEPS {
            for d in [Destruction::Fixed, Destruction::Learned] {
                let cells: Vec<String> = H1_METRICS
                    .iter()
                    .map(|&m| {
                        let values = runs.h1(target, steps, d, m);
                        let mut cell = values.cell();
                        if d == Destruction::Learned {
                            let fixed = runs.h1(target, steps, Destruction::Fixed, m);
                            let wins = paired_wins(&values, &fixed, m);
                            cell.push_str(&format!(", wins {wins}/{SEEDS}"));
                        }
                        cell
                    })
                    .collect();
                out.push_str(&format!(
                    "| {target} | {steps} | {} | {} |\n",
                    destruction_name(d),
                    cells.join(" | ")
                ));
            }
        }
    }
    out
}
// ANCHOR_END: h1_table

/// H1's verdict: learned wins the ELBO gap at `T = 5` in at least 4 of 5 paired seeds.
pub fn h1_verdict(runs: &Runs) -> Verdict {
    let mut won = Vec::new();
    let mut any_metric = Vec::new();
    for target in TARGETS {
        let wins = |m: Metric, steps: usize| {
            paired_wins(
                &runs.h1(target, steps, Destruction::Learned, m),
                &runs.h1(target, steps, Destruction::Fixed, m),
                m,
            )
        };
        if wins(Metric::ElboGap, 5) >= ROBUST_WINS {
            won.push(target);
        }
        for m in H1_METRICS {
            if wins(m, 5) >= ROBUST_WINS && !any_metric.contains(&(target, m.heading())) {
                any_metric.push((target, m.heading()));
            }
        }
    }
    let outcome = match outcome_from_count(won.len(), TARGETS.len()) {
        Outcome::NotReproduced if !any_metric.is_empty() => Outcome::Partly,
        o => o,
    };
    let others: Vec<String> = any_metric
        .iter()
        .map(|(t, m)| format!("{t}: {m}"))
        .collect();
    Verdict {
        claim: "H1",
        statement: "Learned destruction beats fixed destruction with few steps (higher ELBO).",
        rule: "Reproduced if, at T = 5, learned destruction has the smaller ELBO gap in ≥ 4 of 5 paired seeds on every target; partly if on some targets, or on another metric only.",
        evidence: format!(
            "ELBO gap at T = 5 won on: {}. Robust wins (≥ 4/5) at T = 5 on any metric: {}.",
            list_or_none(&won),
            list_or_none(&others)
        ),
        outcome,
    }
}

fn list_or_none<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items
            .iter()
            .map(|s| s.as_ref())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// H2: learned destruction at `T = 5` against fixed destruction at `T = 20`.
pub fn h2_table(runs: &Runs) -> String {
    let mut out = table_header(&["target", "sampler"], &H1_METRICS, "");
    for target in TARGETS {
        let fixed20: Vec<SeedValues> = H1_METRICS
            .iter()
            .map(|&m| runs.h1(target, 20, Destruction::Fixed, m))
            .collect();
        let learned5: Vec<SeedValues> = H1_METRICS
            .iter()
            .map(|&m| runs.h1(target, 5, Destruction::Learned, m))
            .collect();
        let row = |values: &[SeedValues], wins: bool| -> String {
            values
                .iter()
                .zip(H1_METRICS)
                .zip(&fixed20)
                .map(|((v, m), f)| match wins {
                    true => format!("{}, wins {}/{SEEDS}", v.cell(), paired_wins(v, f, m)),
                    false => v.cell(),
                })
                .collect::<Vec<_>>()
                .join(" | ")
        };
        out.push_str(&format!(
            "| {target} | fixed, T = 20 | {} |\n",
            row(&fixed20, false)
        ));
        out.push_str(&format!(
            "| {target} | learned, T = 5 | {} |\n",
            row(&learned5, true)
        ));
    }
    out
}

/// H2's verdict: on at least one target, learned `T = 5` has an ELBO gap no larger than
/// fixed `T = 20` in at least 4 of 5 paired seeds.
pub fn h2_verdict(runs: &Runs) -> Verdict {
    let won: Vec<&str> = TARGETS
        .into_iter()
        .filter(|t| {
            let m = Metric::ElboGap;
            paired_wins(
                &runs.h1(t, 5, Destruction::Learned, m),
                &runs.h1(t, 20, Destruction::Fixed, m),
                m,
            ) >= ROBUST_WINS
        })
        .collect();
    Verdict {
        claim: "H2",
        statement: "On some tasks, 5 learned steps beat 20 fixed steps.",
        rule: "Reproduced if on at least one target learned T = 5 has the smaller ELBO gap than fixed T = 20 in ≥ 4 of 5 paired seeds.",
        evidence: format!("Targets where it holds: {}.", list_or_none(&won)),
        outcome: if won.is_empty() {
            Outcome::NotReproduced
        } else {
            Outcome::Reproduced
        },
    }
}

/// The targets H3 plots.
pub const H3_TARGETS: [&str; 2] = ["25gmm", "40gmm"];
/// The number of steps H3 plots.
pub const H3_STEPS: usize = 5;

/// Mean ELBO over seeds at each evaluation, with the mean seconds per iteration.
#[derive(Clone, Debug, Serialize)]
pub struct Curve {
    pub iterations: Vec<usize>,
    pub elbo: Vec<f64>,
    pub seconds_per_iteration: f64,
}

/// H3's mean ELBO curve of a target and destruction (seeds that diverged are left out).
pub fn h3_curve(runs: &Runs, target: &str, d: Destruction) -> Curve {
    let records = runs.seeds(|s| base_config(target, H3_STEPS, d, s, runs.scale));
    let finished: Vec<&&RunRecord> = records
        .iter()
        .filter(|r| r.outcome.diverged.is_none())
        .collect();
    let first = &finished.first().expect("a seed finished").outcome.history;
    let iterations: Vec<usize> = first.iter().map(|e| e.iteration).collect();
    let elbo = (0..iterations.len())
        .map(|k| {
            finished
                .iter()
                .map(|r| r.outcome.history[k].elbo)
                .sum::<f64>()
                / finished.len() as f64
        })
        .collect();
    let seconds_per_iteration = finished
        .iter()
        .map(|r| r.wall_time_s / r.outcome.iterations_done as f64)
        .sum::<f64>()
        / finished.len() as f64;
    Curve {
        iterations,
        elbo,
        seconds_per_iteration,
    }
}

/// First evaluation at which `curve` reaches `level`.
fn first_reaching(curve: &Curve, level: f64) -> Option<usize> {
    curve
        .iterations
        .iter()
        .zip(&curve.elbo)
        .find(|(_, &e)| e >= level)
        .map(|(&i, _)| i)
}

/// H3: iterations (and seconds) each destruction needs to reach the fixed one's final
/// mean ELBO.
pub fn h3_table(runs: &Runs) -> (String, usize) {
    let mut out = String::from(
        "| target | fixed: final mean ELBO | fixed reaches it at | learned reaches it at | learned: final mean ELBO | seconds per iteration (fixed / learned) |\n|---|---|---|---|---|---|\n",
    );
    let mut faster = 0;
    for target in H3_TARGETS {
        let fixed = h3_curve(runs, target, Destruction::Fixed);
        let learned = h3_curve(runs, target, Destruction::Learned);
        let level = *fixed.elbo.last().expect("a curve has points");
        let at = |c: &Curve| match first_reaching(c, level) {
            Some(i) => format!("{i} its ({:.0} s)", i as f64 * c.seconds_per_iteration),
            None => "not reached".into(),
        };
        let (f, l) = (
            first_reaching(&fixed, level),
            first_reaching(&learned, level),
        );
        if let (Some(f), Some(l)) = (f, l) {
            if l < f {
                faster += 1;
            }
        }
        out.push_str(&format!(
            "| {target} | {level:.3} | {} | {} | {:.3} | {:.1} ms / {:.1} ms |\n",
            at(&fixed),
            at(&learned),
            learned.elbo.last().expect("a curve has points"),
            1e3 * fixed.seconds_per_iteration,
            1e3 * learned.seconds_per_iteration
        ));
    }
    (out, faster)
}

/// H3's verdict: learned reaches fixed's final mean ELBO in fewer iterations.
pub fn h3_verdict(runs: &Runs) -> Verdict {
    let (_, faster) = h3_table(runs);
    Verdict {
        claim: "H3",
        statement: "Learning the destruction converges faster.",
        rule: "Reproduced if, at T = 5 on 25GMM and 40GMM, the learned sampler's mean ELBO reaches the fixed sampler's final mean ELBO at an earlier evaluation than the fixed one does; partly if on one.",
        evidence: format!("Faster on {faster} of {} targets (iterations; see the table for seconds).", H3_TARGETS.len()),
        outcome: outcome_from_count(faster, H3_TARGETS.len()),
    }
}

const H4_METRICS: [Metric; 3] = [Metric::ElboGap, Metric::EuboGap, Metric::W2];

/// H4: the four objectives at `T ∈ {5, 20, 50}` (learned destruction, 25GMM).
pub fn h4_table(runs: &Runs) -> String {
    let mut out = table_header(&["objective", "T"], &H4_METRICS, "diverged");
    for objective in H4_OBJECTIVES {
        for steps in H4_STEPS {
            let values: Vec<SeedValues> = H4_METRICS
                .iter()
                .map(|&m| runs.values(m, |s| objective_config(objective, steps, s, runs.scale)))
                .collect();
            out.push_str(&format!(
                "| {} | {steps} | {} | {}/{SEEDS} |\n",
                objective_name(objective),
                cells(&values),
                values[0].diverged()
            ));
        }
    }
    out
}

/// H4's verdicts: second-moment objectives vs reverse KL, and TLM at large `T`.
pub fn h4_verdicts(runs: &Runs) -> [Verdict; 2] {
    use crate::diffusion_samplers::objectives::Objective;
    let gap = |o: Objective, steps: usize| {
        runs.values(Metric::ElboGap, |s| {
            objective_config(o, steps, s, runs.scale)
        })
    };
    let competitive: Vec<String> = H4_STEPS
        .into_iter()
        .filter(|&t| {
            let best = [
                gap(Objective::Tb, t).mean(),
                gap(Objective::Vargrad, t).mean(),
            ]
            .into_iter()
            .flatten()
            .fold(f64::INFINITY, f64::min);
            let pis = gap(Objective::Pis, t);
            let (pis_mean, pis_std) = pis.mean_std().unwrap_or((f64::INFINITY, 0.0));
            best <= pis_mean + pis_std
        })
        .map(|t| format!("T = {t}"))
        .collect();
    let tlm = |t: usize| gap(Objective::Tlm, t);
    let (small, large) = (tlm(H4_STEPS[0]), tlm(H4_STEPS[2]));
    let tb_large = gap(Objective::Tb, H4_STEPS[2]);
    let worse_gap = match (large.mean(), tb_large.mean_std()) {
        (Some(l), Some((m, s))) => l > m + 2.0 * s,
        _ => false,
    };
    let tlm_unstable = large.diverged() > small.diverged() || worse_gap;
    [
        Verdict {
            claim: "H4a",
            statement: "Second-moment objectives (TB, VarGrad) are competitive with or better than reverse KL (PIS).",
            rule: "Reproduced if at every T the better of TB and VarGrad has a mean ELBO gap within one seed-std of PIS's or below it; partly if at some T.",
            evidence: format!("Holds at: {}.", list_or_none(&competitive)),
            outcome: outcome_from_count(competitive.len(), H4_STEPS.len()),
        },
        Verdict {
            claim: "H4b",
            statement: "TLM for the destruction process is unstable when T is large.",
            rule: "Reproduced if at T = 50 TLM diverges in more seeds than at T = 5, or its mean ELBO gap exceeds TB's by more than two TB seed-stds.",
            evidence: format!(
                "TLM diverged in {}/{SEEDS} seeds at T = 5 and {}/{SEEDS} at T = 50; mean ELBO gap at T = 50: TLM {}, TB {}.",
                small.diverged(),
                large.diverged(),
                large.cell(),
                tb_large.cell()
            ),
            outcome: if tlm_unstable { Outcome::Reproduced } else { Outcome::NotReproduced },
        },
    ]
}

const H5_METRICS: [Metric; 3] = [Metric::ElboGap, Metric::EuboGap, Metric::W2];

/// H5's variants with their ELBO-gap values, in table order.
pub fn h5_values(runs: &Runs) -> Vec<(String, SeedValues)> {
    let names: Vec<String> = stability_variants(runs.scale, 0)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    names
        .into_iter()
        .enumerate()
        .map(|(k, name)| {
            let values = runs.values(Metric::ElboGap, |s| {
                stability_variants(runs.scale, s)[k].1.clone()
            });
            (name, values)
        })
        .collect()
}

/// H5: one stabiliser removed at a time, and the learning-rate ratios.
pub fn h5_table(runs: &Runs) -> String {
    let mut out = table_header(&["variant"], &H5_METRICS, "diverged");
    for (k, (name, _)) in stability_variants(runs.scale, 0).into_iter().enumerate() {
        let values: Vec<SeedValues> = H5_METRICS
            .iter()
            .map(|&m| runs.values(m, |s| stability_variants(runs.scale, s)[k].1.clone()))
            .collect();
        out.push_str(&format!(
            "| {name} | {} | {}/{SEEDS} |\n",
            cells(&values),
            values[0].diverged()
        ));
    }
    out
}

/// H5's verdicts: removing stabilisers hurts; the learning-rate ratio matters.
pub fn h5_verdicts(runs: &Runs) -> [Verdict; 2] {
    let values = h5_values(runs);
    let (full_mean, full_std) = values[0].1.mean_std().unwrap_or((f64::NAN, 0.0));
    let ablations: Vec<&(String, SeedValues)> = values
        .iter()
        .filter(|(n, _)| !n.starts_with("ratio-") && n != "full")
        .collect();
    let hurt: Vec<&str> = ablations
        .iter()
        .filter(|(_, v)| v.diverged() > 0 || v.mean().is_none_or(|m| m > full_mean + full_std))
        .map(|(n, _)| n.as_str())
        .collect();
    let ratios: Vec<&(String, SeedValues)> = values
        .iter()
        .filter(|(n, _)| n.starts_with("ratio-"))
        .collect();
    let means: Vec<f64> = ratios
        .iter()
        .map(|(_, v)| v.mean().unwrap_or(f64::INFINITY))
        .collect();
    let best = means.iter().cloned().fold(f64::INFINITY, f64::min);
    let worst = means.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let sensitive = worst > best + 2.0 * full_std || ratios.iter().any(|(_, v)| v.diverged() > 0);
    [
        Verdict {
            claim: "H5a",
            statement: "Each stabiliser (target network, separate learning rate, replay and its prioritisation, bounded log-variance, shared backbone) helps joint training.",
            rule: "Reproduced if removing each one makes the mean ELBO gap worse than the full method's by more than its seed-std (or makes a seed diverge); partly if some do.",
            evidence: format!(
                "Full method: {}. Worse without: {}.",
                values[0].1.cell(),
                list_or_none(&hurt)
            ),
            outcome: outcome_from_count(hurt.len(), ablations.len()),
        },
        Verdict {
            claim: "H5b",
            statement: "The destruction/generation learning-rate ratio is critical.",
            rule: "Reproduced if the mean ELBO gap over the ratios 0.1, 0.3, 1, 3 spreads by more than two seed-stds of the full method, or some ratio diverges.",
            evidence: format!("Mean ELBO gap from {best:.3} to {worst:.3}; full method's seed-std {full_std:.3}."),
            outcome: if sensitive { Outcome::Reproduced } else { Outcome::NotReproduced },
        },
    ]
}

const H6_METRICS: [Metric; 4] = [
    Metric::Elbo,
    Metric::MeanLogReward,
    Metric::Precision,
    Metric::Diversity,
];

/// H6: fixed vs learned destruction on the latent-space task.
pub fn h6_table(runs: &Runs) -> String {
    let mut out = table_header(&["task", "destruction"], &H6_METRICS, "");
    for target in H6_LATENTS {
        for d in [Destruction::Fixed, Destruction::Learned] {
            let cells: Vec<String> = H6_METRICS
                .iter()
                .map(|&m| {
                    let values = runs.values(m, |s| base_config(target, 10, d, s, runs.scale));
                    let mut cell = values.cell();
                    if d == Destruction::Learned {
                        let fixed = runs.values(m, |s| {
                            base_config(target, 10, Destruction::Fixed, s, runs.scale)
                        });
                        cell.push_str(&format!(
                            ", wins {}/{SEEDS}",
                            paired_wins(&values, &fixed, m)
                        ));
                    }
                    cell
                })
                .collect();
            out.push_str(&format!(
                "| {target} | {} | {} |\n",
                destruction_name(d),
                cells.join(" | ")
            ));
        }
    }
    out
}

/// H6's verdict: learned destruction has the higher ELBO on the latent tasks.
pub fn h6_verdict(runs: &Runs) -> Verdict {
    let won: Vec<&str> = H6_LATENTS
        .into_iter()
        .filter(|t| {
            let m = Metric::Elbo;
            let learned = runs.values(m, |s| {
                base_config(t, 10, Destruction::Learned, s, runs.scale)
            });
            let fixed = runs.values(m, |s| base_config(t, 10, Destruction::Fixed, s, runs.scale));
            paired_wins(&learned, &fixed, m) >= ROBUST_WINS
        })
        .collect();
    Verdict {
        claim: "H6",
        statement: "Learned destruction scales to a higher-dimensional latent-space task (the paper claims better results there; its reviewers called them mixed).",
        rule: "Reproduced if learned destruction has the higher ELBO in ≥ 4 of 5 paired seeds for both latent dimensions; partly if for one.",
        evidence: format!("Holds for: {}.", list_or_none(&won)),
        outcome: outcome_from_count(won.len(), H6_LATENTS.len()),
    }
}

/// Every verdict, in claim order.
pub fn verdicts(runs: &Runs) -> Vec<Verdict> {
    let mut all = vec![h1_verdict(runs), h2_verdict(runs), h3_verdict(runs)];
    all.extend(h4_verdicts(runs));
    all.extend(h5_verdicts(runs));
    all.push(h6_verdict(runs));
    all
}

/// The verdicts as a Markdown table.
pub fn verdict_table(verdicts: &[Verdict]) -> String {
    let mut out = String::from(
        "| claim | statement | rule | what the runs showed | outcome |\n|---|---|---|---|---|\n",
    );
    for v in verdicts {
        out.push_str(&format!(
            "| {} | {} | {} | {} | **{}** |\n",
            v.claim,
            v.statement,
            v.rule,
            v.evidence,
            v.outcome.word()
        ));
    }
    out
}
