//! From stored runs to what chapter "Results" shows: per-claim tables (mean ± std over
//! seeds, paired wins), and a verdict per claim by a rule fixed before the runs.

use super::claims::{
    base_config, destruction_name, h4_steps, objective_config, objective_name, run_id,
    stability_variants, Budget, H1_STEPS, H4_OBJECTIVES, H6_LATENTS, H6_STEPS, SEEDS, TARGETS,
};
use super::extension;
use super::rules::{self, Decision, H2Target, H3Target, H4aSteps, Pair, Paired, Sampler};
use super::sweep::RunRecord;
use crate::report::{verdicts_markdown, Scale, VerdictEntry};
use crate::sampling_without_data::kernels::Destruction;
use crate::sampling_without_data::train::TrainConfig;
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
    /// Modes holding at least [`MODE_SHARE`] of the samples (mixture targets).
    ModesCovered,
}

use crate::sampling_without_data::training_run;
pub use crate::sampling_without_data::training_run::MODE_SHARE;

/// Modes holding at least [`MODE_SHARE`] of a finished run's samples, and the number of
/// modes (mixture targets only).
pub fn modes_covered(record: &RunRecord) -> Option<(usize, usize)> {
    record.outcome.last.as_ref()?;
    let shares = record.outcome.mode_shares.as_ref()?;
    Some((training_run::modes_covered(shares), shares.len()))
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
            Metric::ModesCovered => "modes with ≥ 1 % of samples",
        }
    }

    /// The name the verdicts use.
    pub fn short(self) -> &'static str {
        match self {
            Metric::ElboGap => "ELBO gap",
            Metric::LogZHatError => "log Ẑ error",
            Metric::EuboGap => "EUBO gap",
            Metric::W2 => "W2",
            Metric::Elbo => "ELBO",
            Metric::MeanLogReward => "mean log-reward",
            Metric::Precision => "precision",
            Metric::Diversity => "diversity",
            Metric::ModesCovered => "modes covered",
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
            Metric::ModesCovered => modes_covered(record).map(|(k, _)| k as f64),
        }
        .filter(|v| v.is_finite())
    }
}

/// The stored runs of one sweep, found by configuration.
pub struct Runs {
    by_id: BTreeMap<String, RunRecord>,
    pub scale: Scale,
    pub budget: Budget,
    /// Whether a configuration whose seed regressed still counts as converged: in the
    /// best-checkpoint reading (`best_checkpoint`), where a run is read at its best
    /// evaluation, a fall after it does not matter.
    pub regressions_count: bool,
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
        self.cell_with(3)
    }

    /// [`SeedValues::cell`] with the decimals `metric` needs (one for mode counts).
    pub fn cell_for(&self, metric: Metric) -> String {
        self.cell_with(if metric == Metric::ModesCovered { 1 } else { 3 })
    }

    fn cell_with(&self, decimals: usize) -> String {
        let body = match self.mean_std() {
            // No-break spaces: a table too wide for the page scrolls instead of breaking a
            // value over three lines.
            Some((m, s)) => format!("{m:.decimals$}\u{a0}±\u{a0}{s:.decimals$}"),
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
    Paired::of(a, b, metric).wins
}

impl Runs {
    /// Indexes `records` of the published sweep by id.
    pub fn new(records: Vec<RunRecord>, scale: Scale) -> Runs {
        Runs::of_budget(records, scale, Budget::Short)
    }

    /// Indexes `records` of the sweep at `budget` by id.
    pub fn of_budget(records: Vec<RunRecord>, scale: Scale, budget: Budget) -> Runs {
        Runs {
            by_id: records.into_iter().map(|r| (r.id.clone(), r)).collect(),
            scale,
            budget,
            regressions_count: true,
        }
    }

    /// The configuration of this sweep's run of `target` at `steps` with destruction `d`:
    /// in the convergence sweep, at the stage its configuration stopped at
    /// ([`settled`](super::extension::settled)).
    pub fn config(&self, target: &str, steps: usize, d: Destruction, seed: u64) -> TrainConfig {
        let base = |s| self.budget.config(target, steps, d, s, self.scale);
        self.settled_config(base, seed)
    }

    /// `base(seed)` at the stage its configuration stopped at (the convergence sweep), or
    /// as it is (the short sweep).
    pub fn settled_config(&self, base: impl Fn(u64) -> TrainConfig, seed: u64) -> TrainConfig {
        extension::at_stage(&base(seed), self.settled_stage(&base))
    }

    /// The stage the configuration whose first-stage runs are `base(seed)` stopped at
    /// (always 0 in the short sweep, which has no stages).
    pub fn settled_stage(&self, base: impl Fn(u64) -> TrainConfig) -> usize {
        match self.budget {
            Budget::Short => 0,
            Budget::Converged => {
                let stored = |c: &TrainConfig| self.find(c).map(|r| r.elbo_curve());
                extension::settled(SEEDS, &base, stored).stage
            }
        }
    }

    /// The record of `config`, if stored.
    pub fn find(&self, config: &TrainConfig) -> Option<&RunRecord> {
        self.by_id.get(&run_id(config))
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
}

pub use crate::report::Outcome;

/// A claim, the rule that decides it, what the runs showed, the sign tests, where the
/// ELBO and coverage disagree, and the outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub claim: &'static str,
    pub statement: &'static str,
    pub rule: String,
    pub evidence: String,
    pub p_values: String,
    pub caveats: Vec<String>,
    pub outcome: Outcome,
}

impl Verdict {
    pub(super) fn new(
        claim: &'static str,
        statement: &'static str,
        rule: impl Into<String>,
        d: Decision,
    ) -> Verdict {
        Verdict {
            claim,
            statement,
            rule: rule.into(),
            evidence: d.evidence,
            p_values: d.p_values,
            caveats: d.caveats,
            outcome: d.outcome,
        }
    }

    /// The verdict if every configuration it read converged; otherwise "not decided",
    /// naming the configurations that did not (see [`rules::decided_on_converged`]).
    pub fn decided_on_converged(self, unconverged: &[String]) -> Verdict {
        let d = rules::decided_on_converged(
            rules::Decision {
                outcome: self.outcome,
                evidence: self.evidence,
                p_values: self.p_values,
                caveats: self.caveats,
            },
            unconverged,
        );
        Verdict {
            evidence: d.evidence,
            p_values: d.p_values,
            caveats: d.caveats,
            outcome: d.outcome,
            ..self
        }
    }

    /// The verdict as the book shows it.
    pub fn entry(&self) -> VerdictEntry {
        VerdictEntry {
            claim: self.claim.to_string(),
            statement: self.statement.to_string(),
            details: vec![
                ("Rule", self.rule.clone()),
                ("What the runs showed", self.evidence.clone()),
                (
                    "Paired sign tests (wins–losses, two-sided p)",
                    self.p_values.clone(),
                ),
            ],
            outcome: self.outcome,
            caveats: self.caveats.clone(),
        }
    }
}

pub use rules::ROBUST_WINS;

/// Whether `target` is a mixture (its runs record mode shares).
pub fn is_mixture(target: &str) -> bool {
    matches!(target, "25gmm" | "40gmm")
}

/// The metrics H1 and H2 show for `target` (mode coverage for the mixtures).
pub fn h1_metrics(target: &str) -> Vec<Metric> {
    let mut m = vec![
        Metric::ElboGap,
        Metric::LogZHatError,
        Metric::EuboGap,
        Metric::W2,
    ];
    if is_mixture(target) {
        m.push(Metric::ModesCovered);
    }
    m
}

const H1_COLUMNS: [Metric; 5] = [
    Metric::ElboGap,
    Metric::LogZHatError,
    Metric::EuboGap,
    Metric::W2,
    Metric::ModesCovered,
];

pub(super) fn table_header(first: &[&str], metrics: &[Metric], last: &[&str]) -> String {
    let mut columns: Vec<String> = first.iter().map(|s| s.to_string()).collect();
    columns.extend(metrics.iter().map(|m| m.heading().to_string()));
    columns.extend(last.iter().map(|s| s.to_string()));
    format!(
        "| {} |\n|{}\n",
        columns.join(" | "),
        "---|".repeat(columns.len())
    )
}

/// The values of one configuration on `metrics`.
pub(super) fn sampler(
    runs: &Runs,
    metrics: &[Metric],
    configure: impl Fn(u64) -> TrainConfig,
) -> Sampler {
    Sampler(
        metrics
            .iter()
            .map(|&m| (m, runs.values(m, &configure)))
            .collect(),
    )
}

/// A table cell: `mean ± std`, with `of N` for mode counts, and the paired wins against
/// `baseline` when there is one.
fn cell(
    metric: Metric,
    values: &SeedValues,
    baseline: Option<&SeedValues>,
    modes: usize,
) -> String {
    let mut cell = values.cell_for(metric);
    if metric == Metric::ModesCovered {
        cell.push_str(&format!(" of {modes}"));
    }
    if let Some(b) = baseline {
        cell.push_str(&format!(
            ", wins {}/{SEEDS}",
            paired_wins(values, b, metric)
        ));
    }
    cell
}

/// The number of modes of a mixture target's runs (0 for other targets).
fn modes_of(runs: &Runs, configure: impl Fn(u64) -> TrainConfig) -> usize {
    runs.seeds(configure)
        .iter()
        .find_map(|r| modes_covered(r).map(|(_, n)| n))
        .unwrap_or(0)
}

/// One row of cells over `columns` ("—" where a metric does not apply).
pub(super) fn row(
    runs: &Runs,
    target: &str,
    columns: &[Metric],
    configure: impl Fn(u64) -> TrainConfig,
    baseline: Option<&dyn Fn(u64) -> TrainConfig>,
) -> String {
    let applies = h1_metrics(target);
    let modes = modes_of(runs, &configure);
    columns
        .iter()
        .map(|&m| {
            if !applies.contains(&m) {
                return "—".to_string();
            }
            let values = runs.values(m, &configure);
            let base = baseline.map(|b| runs.values(m, b));
            cell(m, &values, base.as_ref(), modes)
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

// ANCHOR: h1_table
/// H1: fixed vs learned destruction per target and `T`, with the paired wins of learned.
pub fn h1_table(runs: &Runs) -> String {
    let mut out = table_header(&["target", "T", "destruction"], &H1_COLUMNS, &[]);
    for target in TARGETS {
        for steps in H1_STEPS {
            let fixed = |s| runs.config(target, steps, Destruction::Fixed, s);
            let learned = |s| runs.config(target, steps, Destruction::Learned, s);
            out.push_str(&format!(
                "| {target} | {steps} | fixed | {} |\n",
                row(runs, target, &H1_COLUMNS, fixed, None)
            ));
            out.push_str(&format!(
                "| {target} | {steps} | learned | {} |\n",
                row(runs, target, &H1_COLUMNS, learned, Some(&fixed))
            ));
        }
    }
    out
}
// ANCHOR_END: h1_table

/// H1's pairs: learned against fixed destruction on each target at `steps`.
pub fn h1_pairs(runs: &Runs, steps: usize) -> Vec<Pair> {
    TARGETS
        .iter()
        .map(|&target| {
            let metrics = h1_metrics(target);
            let at = |d| sampler(runs, &metrics, |s| runs.config(target, steps, d, s));
            Pair {
                label: target.to_string(),
                claimed: at(Destruction::Learned),
                baseline: at(Destruction::Fixed),
            }
        })
        .collect()
}

// ANCHOR: h1_verdict
/// H1's verdict: the runs at `T = 5`, decided by [`rules::h1_rule`].
pub fn h1_verdict(runs: &Runs) -> Verdict {
    Verdict::new(
        "H1",
        "Learned destruction beats fixed destruction with few steps (higher ELBO).",
        format!("Reproduced if, at T = 5, learned destruction has the smaller ELBO gap in ≥ {ROBUST_WINS} of {SEEDS} paired seeds on every target; partly if on some targets, or on another metric only."),
        rules::h1_rule(&h1_pairs(runs, 5)),
    )
}
// ANCHOR_END: h1_verdict

/// H2's samplers on every target.
pub fn h2_targets(runs: &Runs) -> Vec<H2Target> {
    TARGETS
        .iter()
        .map(|&target| {
            let metrics = h1_metrics(target);
            let at = |steps, d| sampler(runs, &metrics, |s| runs.config(target, steps, d, s));
            H2Target {
                target: target.to_string(),
                learned5: at(5, Destruction::Learned),
                fixed5: at(5, Destruction::Fixed),
                fixed20: at(20, Destruction::Fixed),
            }
        })
        .collect()
}

/// H2: learned destruction at `T = 5` against the better fixed sampler of `T = 5` and
/// `T = 20` (both shown; wins are against the better one).
pub fn h2_table(runs: &Runs) -> String {
    let mut out = table_header(&["target", "sampler"], &H1_COLUMNS, &[]);
    for (target, h2) in TARGETS.iter().zip(h2_targets(runs)) {
        let (better, _) = h2.baseline();
        let fixed = |steps: usize| move |s| runs.config(target, steps, Destruction::Fixed, s);
        for steps in [5, 20] {
            let mark = if steps == better { " (the better)" } else { "" };
            out.push_str(&format!(
                "| {target} | fixed, T = {steps}{mark} | {} |\n",
                row(runs, target, &H1_COLUMNS, fixed(steps), None)
            ));
        }
        let baseline = fixed(better);
        out.push_str(&format!(
            "| {target} | learned, T = 5 | {} |\n",
            row(
                runs,
                target,
                &H1_COLUMNS,
                |s| runs.config(target, 5, Destruction::Learned, s),
                Some(&baseline)
            )
        ));
    }
    out
}

/// H2's verdict by [`rules::h2_rule`].
pub fn h2_verdict(runs: &Runs) -> Verdict {
    Verdict::new(
        "H2",
        "On some tasks, 5 learned steps beat 20 fixed steps.",
        format!("Reproduced if on at least one target learned T = 5 has a smaller ELBO gap than the better (by mean ELBO gap) of fixed T = 5 and fixed T = 20 in ≥ {ROBUST_WINS} of {SEEDS} paired seeds."),
        rules::h2_rule(&h2_targets(runs)),
    )
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

// ANCHOR: h3_config
/// H3's run of destruction `d` and `seed` on `target`: both destructions at one stage,
/// the later of the two stages they stopped at. Iterations to a level are then counted
/// under one schedule (exploration decays over a fixed share of a run, and a stage
/// spaces its evaluations by its length), not each under its own.
pub fn h3_config(runs: &Runs, target: &str, d: Destruction, seed: u64) -> TrainConfig {
    let base = runs.budget.config(target, H3_STEPS, d, seed, runs.scale);
    extension::at_stage(&base, h3_stage(runs, target))
}

/// The stage H3 reads on `target`: the later of the two its destructions stopped at.
pub fn h3_stage(runs: &Runs, target: &str) -> usize {
    let base = |d: Destruction| move |s| runs.budget.config(target, H3_STEPS, d, s, runs.scale);
    [Destruction::Fixed, Destruction::Learned]
        .map(|d| runs.settled_stage(base(d)))
        .into_iter()
        .max()
        .unwrap_or(0)
}
// ANCHOR_END: h3_config

/// H3's per-seed curves of a target and destruction.
pub fn h3_curves(runs: &Runs, target: &str, d: Destruction) -> Vec<rules::ElboCurve> {
    runs.seeds(|s| h3_config(runs, target, d, s))
        .iter()
        .map(|r| r.elbo_curve())
        .collect()
}

/// H3's mean ELBO curve of a target and destruction (seeds that diverged are left out).
pub fn h3_curve(runs: &Runs, target: &str, d: Destruction) -> Curve {
    let records = runs.seeds(|s| h3_config(runs, target, d, s));
    let finished: Vec<&&RunRecord> = records
        .iter()
        .filter(|r| r.outcome.diverged.is_none())
        .collect();
    let mean = rules::mean_curve(&h3_curves(runs, target, d));
    let seconds_per_iteration = finished
        .iter()
        .map(|r| r.wall_time_s / r.outcome.iterations_done as f64)
        .sum::<f64>()
        / finished.len() as f64;
    Curve {
        iterations: mean.iter().map(|p| p.0).collect(),
        elbo: mean.iter().map(|p| p.1).collect(),
        seconds_per_iteration,
    }
}

/// H3's runs, seed by seed.
pub fn h3_targets(runs: &Runs) -> Vec<H3Target> {
    H3_TARGETS
        .iter()
        .map(|&t| H3Target {
            target: t.to_string(),
            fixed: h3_curves(runs, t, Destruction::Fixed),
            learned: h3_curves(runs, t, Destruction::Learned),
        })
        .collect()
}

/// H3: iterations (and seconds) each destruction needs to reach the fixed one's final
/// mean ELBO.
pub fn h3_table(runs: &Runs) -> String {
    let mut out = String::from(
        "| target | fixed: final mean ELBO | fixed reaches it at | learned reaches it at | learned: final mean ELBO | last evaluation | seconds per iteration (fixed / learned) |\n|---|---|---|---|---|---|---|\n",
    );
    for (target, h3) in H3_TARGETS.iter().zip(h3_targets(runs)) {
        let fixed = h3_curve(runs, target, Destruction::Fixed);
        let learned = h3_curve(runs, target, Destruction::Learned);
        let level = h3.level().unwrap_or(f64::NAN);
        let (f, l) = h3.reached();
        let at = |i: Option<usize>, c: &Curve| match i {
            Some(i) => format!("{i} its ({:.1} s)", i as f64 * c.seconds_per_iteration),
            None => "not reached".into(),
        };
        out.push_str(&format!(
            "| {target} | {level:.3} | {} | {} | {:.3} | {} its | {:.2} ms / {:.2} ms |\n",
            at(f, &fixed),
            at(l, &learned),
            learned.elbo.last().copied().unwrap_or(f64::NAN),
            fixed.iterations.last().copied().unwrap_or(0),
            1e3 * fixed.seconds_per_iteration,
            1e3 * learned.seconds_per_iteration
        ));
    }
    out
}

/// H3's verdict by [`rules::h3_rule`].
pub fn h3_verdict(runs: &Runs) -> Verdict {
    Verdict::new(
        "H3",
        "Learning the destruction converges faster.",
        "Reproduced if, at T = 5 on 25GMM and 40GMM, the learned sampler's mean ELBO reaches the fixed sampler's final mean ELBO at an earlier evaluation than the fixed one's does; partly if on one.",
        rules::h3_rule(&h3_targets(runs)),
    )
}

const H4_COLUMNS: [Metric; 4] = [
    Metric::ElboGap,
    Metric::EuboGap,
    Metric::W2,
    Metric::ModesCovered,
];

/// H4: the four objectives at `T ∈ {5, 20, 50}` (learned destruction, 25GMM).
pub fn h4_table(runs: &Runs) -> String {
    let mut out = table_header(&["objective", "T"], &H4_COLUMNS, &["diverged"]);
    for objective in H4_OBJECTIVES {
        for steps in h4_steps(runs.scale) {
            let configure = |s| objective_config(objective, steps, s, runs.scale);
            let diverged = runs.values(Metric::ElboGap, configure).diverged();
            out.push_str(&format!(
                "| {} | {steps} | {} | {diverged}/{SEEDS} |\n",
                objective_name(objective),
                row(runs, "25gmm", &H4_COLUMNS, configure, None),
            ));
        }
    }
    out
}

/// H4's verdicts: second-moment objectives vs reverse KL, and TLM at large `T`.
pub fn h4_verdicts(runs: &Runs) -> [Verdict; 2] {
    use crate::sampling_without_data::objectives::Objective;
    let at = |o: Objective, steps: usize| {
        sampler(runs, &H4_COLUMNS, |s| {
            objective_config(o, steps, s, runs.scale)
        })
    };
    let h4 = h4_steps(runs.scale);
    let steps: Vec<H4aSteps> = h4
        .iter()
        .map(|&t| H4aSteps {
            steps: t,
            tb: at(Objective::Tb, t),
            vargrad: at(Objective::Vargrad, t),
            pis: at(Objective::Pis, t),
        })
        .collect();
    let gap = |o: Objective, t: usize| {
        runs.values(Metric::ElboGap, |s| objective_config(o, t, s, runs.scale))
    };
    let (small, large) = (h4[0], h4[h4.len() - 1]);
    [
        Verdict::new(
            "H4a",
            "Second-moment objectives (TB, VarGrad) are competitive with or better than reverse KL (PIS).",
            "Reproduced if at every T the better of TB and VarGrad (by mean ELBO gap) has a mean ELBO gap within one seed-std of PIS's or below it; partly if at some T.",
            rules::h4a_rule(&steps),
        ),
        Verdict::new(
            "H4b",
            "TLM for the destruction process is unstable when T is large.",
            format!("Divergence — TLM diverges at T = {large} in more seeds than at T = {small} — reproduces it. Degradation without divergence — TLM's ELBO gap at T = {large} worse than TB's in ≥ {ROBUST_WINS} of {SEEDS} paired seeds — reproduces it partly. Neither: not reproduced."),
            rules::h4b_rule(
                (small, large),
                &gap(Objective::Tlm, small),
                &gap(Objective::Tlm, large),
                &gap(Objective::Tb, large),
            ),
        ),
    ]
}

const H5_COLUMNS: [Metric; 4] = [
    Metric::ElboGap,
    Metric::EuboGap,
    Metric::W2,
    Metric::ModesCovered,
];

/// H5's variants with their values on `metrics`, in table order.
pub fn h5_samplers(runs: &Runs, metrics: &[Metric]) -> Vec<(String, Sampler)> {
    stability_variants(runs.scale, 0)
        .into_iter()
        .enumerate()
        .map(|(k, (name, _))| {
            let s = sampler(runs, metrics, |s| {
                stability_variants(runs.scale, s)[k].1.clone()
            });
            (name, s)
        })
        .collect()
}

/// H5's variants with their ELBO-gap values, in table order.
pub fn h5_values(runs: &Runs) -> Vec<(String, SeedValues)> {
    h5_samplers(runs, &[Metric::ElboGap])
        .into_iter()
        .map(|(n, s)| (n, s.0[0].1.clone()))
        .collect()
}

/// H5: one stabiliser removed at a time, and the learning-rate ratios.
pub fn h5_table(runs: &Runs) -> String {
    let mut out = table_header(&["variant"], &H5_COLUMNS, &["diverged"]);
    for (k, (name, _)) in stability_variants(runs.scale, 0).into_iter().enumerate() {
        let configure = |s| stability_variants(runs.scale, s)[k].1.clone();
        let diverged = runs.values(Metric::ElboGap, configure).diverged();
        out.push_str(&format!(
            "| {name} | {} | {diverged}/{SEEDS} |\n",
            row(runs, "25gmm", &H5_COLUMNS, configure, None)
        ));
    }
    out
}

/// H5's verdicts: removing stabilisers hurts; the learning-rate ratio matters.
pub fn h5_verdicts(runs: &Runs) -> [Verdict; 2] {
    let samplers = h5_samplers(runs, &H5_COLUMNS);
    let full = samplers[0].1.clone();
    let ablations: Vec<(String, Sampler)> = samplers
        .iter()
        .filter(|(n, _)| !n.starts_with("ratio-") && n != "full")
        .cloned()
        .collect();
    let ratios: Vec<(String, SeedValues)> = samplers
        .iter()
        .filter(|(n, _)| n.starts_with("ratio-"))
        .map(|(n, s)| (n.clone(), s.0[0].1.clone()))
        .collect();
    [
        Verdict::new(
            "H5a",
            "Each stabiliser (target network, separate learning rate, replay and its prioritisation, bounded outputs, shared backbone) helps joint training.",
            "Reproduced if removing each one makes the mean ELBO gap worse than the full method's by more than the full method's seed-std (or makes a seed diverge); partly if some do.",
            rules::h5a_rule(&full, &ablations),
        ),
        Verdict::new(
            "H5b",
            "The destruction/generation learning-rate ratio is critical.",
            format!("Reproduced if the mean ELBO gap over the ratios {} spreads by more than {} seed-stds of the full method, or some ratio diverges.", ratios_list(), rules::H5B_SPREAD_STDS),
            rules::h5b_rule(&samplers[0].1.0[0].1, &ratios),
        ),
    ]
}

/// H6: fixed vs learned destruction on the latent-space task.
pub fn h6_table(runs: &Runs) -> String {
    let metrics = rules::H6_METRICS;
    let mut out = table_header(&["task", "destruction"], &metrics, &[]);
    for target in H6_LATENTS {
        let fixed = |s| base_config(target, H6_STEPS, Destruction::Fixed, s, runs.scale);
        for d in [Destruction::Fixed, Destruction::Learned] {
            let cells: Vec<String> = metrics
                .iter()
                .map(|&m| {
                    let values =
                        runs.values(m, |s| base_config(target, H6_STEPS, d, s, runs.scale));
                    let base = (d == Destruction::Learned).then(|| runs.values(m, fixed));
                    cell(m, &values, base.as_ref(), 0)
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

/// H6's pairs: learned against fixed destruction on each latent dimension.
pub fn h6_pairs(runs: &Runs) -> Vec<Pair> {
    H6_LATENTS
        .iter()
        .map(|&target| {
            let at = |d| {
                sampler(runs, &rules::H6_METRICS, |s| {
                    base_config(target, H6_STEPS, d, s, runs.scale)
                })
            };
            Pair {
                label: target.to_string(),
                claimed: at(Destruction::Learned),
                baseline: at(Destruction::Fixed),
            }
        })
        .collect()
}

/// H6's verdict by [`rules::h6_rule`].
pub fn h6_verdict(runs: &Runs) -> Verdict {
    Verdict::new(
        "H6",
        "Learned destruction scales to a higher-dimensional latent-space task (the paper presents its GAN-latent experiment as evidence that the method scales; one of its reviewers called the quantitative results there mixed).",
        format!("For each latent dimension, each of ELBO, mean log-reward, class precision and diversity counts as won if learned destruction is better in ≥ {ROBUST_WINS} of {SEEDS} paired seeds. Reproduced if all are won in both dimensions; partly if some; not reproduced if none."),
        rules::h6_rule(&h6_pairs(runs)),
    )
}

/// The learning-rate ratios of H5b, as the rule states them.
fn ratios_list() -> String {
    super::claims::LEARNING_RATE_RATIOS
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every verdict, in claim order.
pub fn verdicts(runs: &Runs) -> Vec<Verdict> {
    let mut all = vec![h1_verdict(runs), h2_verdict(runs), h3_verdict(runs)];
    all.extend(h4_verdicts(runs));
    all.extend(h5_verdicts(runs));
    all.push(h6_verdict(runs));
    all
}

/// The verdicts in Markdown (see [`verdicts_markdown`]).
pub fn verdict_report(verdicts: &[Verdict]) -> String {
    let entries: Vec<VerdictEntry> = verdicts.iter().map(Verdict::entry).collect();
    verdicts_markdown("statement", &entries)
}
