//! Chapter "Sampling without data": the runs behind its figures, tables and numbers.

use super::diagrams::sampler_diagram;
use super::run_files::run_files;
use super::targets::builtin;
use super::train::TrainConfig;
use super::training_run::{modes_covered, train_builtin, RunOutcome};
use crate::destroying_and_generating::diagram::DiagramCheck;
use crate::progress::Progress;
use crate::report::{anchored_numbers, GeneratedFiles, Provenance, Scale};
use serde::Serialize;

/// The chapter's folder under `book/generated/`.
pub const CHAPTER: &str = "sampling-without-data";

/// Draws per claim when the sampler diagram is checked.
pub const DIAGRAM_DRAWS: usize = 4_000;

/// The sampler diagram's checks (exact sampler, then a fresh one), and the two 25GMM
/// samplers the chapter compares.
#[derive(Clone, Debug, Serialize)]
pub struct ChapterResults {
    pub diagrams: Vec<DiagramCheck>,
    /// Defaults: exploration, prioritised replay and backward steps on.
    pub off_policy: RunOutcome,
    /// Plain on-policy trajectory balance: no exploration, no replay.
    pub on_policy: RunOutcome,
}

/// Iterations per run at each scale.
pub fn iterations(scale: Scale) -> usize {
    match scale {
        Scale::Quick => 300,
        Scale::Full => 25_000,
    }
}

// ANCHOR: configs
/// The documented defaults on 25GMM at `T = 10`, and the same without any off-policy
/// help.
pub fn configs(scale: Scale, seed: u64) -> (TrainConfig, TrainConfig) {
    let iterations = iterations(scale);
    let off_policy = TrainConfig {
        target: "25gmm".into(),
        iterations,
        seed,
        eval_every: (iterations / 30).max(1),
        ..TrainConfig::default()
    };
    let on_policy = TrainConfig {
        exploration_std: 0.0,
        buffer_capacity: 0,
        backward_every: 0,
        ..off_policy.clone()
    };
    (off_policy, on_policy)
}
// ANCHOR_END: configs

/// Trains both samplers.
pub fn run(scale: Scale, seed: u64) -> Result<ChapterResults, String> {
    let (off, on) = configs(scale, seed);
    let train = |config: TrainConfig, label: &str| {
        let mut progress = match scale {
            Scale::Quick => Progress::hidden(),
            Scale::Full => Progress::new(label, config.iterations as u64),
        };
        train_builtin(config, None, None, 0, &mut progress)
    };
    let check = |name: &str, trained: bool| {
        let claims = sampler_diagram(trained)
            .check_sampled(DIAGRAM_DRAWS, seed)
            .map_err(|e| format!("the sampler diagram is malformed: {e:?}"))?;
        Ok::<_, String>(DiagramCheck::new(name, claims))
    };
    Ok(ChapterResults {
        diagrams: vec![
            check("sampler-diagram", true)?,
            check("untrained-sampler", false)?,
        ],
        off_policy: train(off, "off-policy TB")?,
        on_policy: train(on, "on-policy TB")?,
    })
}

/// Mode coverage of a run's evaluation samples: modes with at least 1 % of them, the
/// number of modes, and the smallest share.
fn coverage(run: &RunOutcome) -> (usize, usize, f64) {
    let shares = run.mode_shares.clone().unwrap_or_default();
    let covered = modes_covered(&shares);
    let smallest = shares.iter().cloned().fold(1.0, f64::min);
    (covered, shares.len(), smallest)
}

fn summary_table(results: &ChapterResults) -> String {
    let mut out = String::from(
        "| sampler | ELBO | log Ẑ | EUBO | learned log Z | W2 | modes with ≥ 1 % of samples | smallest mode share |\n|---|---|---|---|---|---|---|---|\n",
    );
    for (name, run) in [
        ("exploration + replay (defaults)", &results.off_policy),
        ("on-policy TB", &results.on_policy),
    ] {
        let last = run.last.as_ref();
        let fmt = |v: Option<f64>| v.map_or("—".into(), |v| format!("{v:.3}"));
        let (covered, modes, smallest) = coverage(run);
        out.push_str(&format!(
            "| {name} | {} | {} | {} | {} | {} | {covered} of {modes} | {:.2} % |\n",
            fmt(last.map(|e| e.elbo)),
            fmt(last.map(|e| e.log_z_hat)),
            fmt(last.and_then(|e| e.eubo)),
            fmt(last.map(|e| e.log_z_learned)),
            fmt(last.and_then(|e| e.w2)),
            100.0 * smallest,
        ));
    }
    out
}

/// The chapter's generated files.
pub fn chapter_files(results: &ChapterResults, provenance: &Provenance) -> GeneratedFiles {
    let mut files = GeneratedFiles::with_report(CHAPTER, provenance, results);
    let path = |name: &str| format!("{CHAPTER}/{name}");
    for (prefix, run) in [
        ("off-policy", &results.off_policy),
        ("on-policy", &results.on_policy),
    ] {
        for (name, contents) in run_files(run, provenance).into_files() {
            if name != std::path::Path::new("report.json") {
                files.add(path(&format!("{prefix}-{}", name.display())), contents);
            }
        }
    }
    files.add(path("summary.md"), summary_table(results));
    crate::destroying_and_generating::diagram::add_checked_diagrams(
        &mut files,
        CHAPTER,
        &results.diagrams,
        vec![("sampler-diagram", sampler_diagram(true))],
    );
    let run = &results.off_policy;
    let last = run.last.as_ref();
    let number = |v: Option<f64>| v.map_or("—".into(), |v| format!("{v:.3}"));
    let (covered, modes, smallest) = coverage(run);
    let log_z = builtin(&run.config.target)
        .ok()
        .and_then(|target| target.log_z());
    files.add(
        path("numbers.md"),
        anchored_numbers(&[
            ("iterations", run.config.iterations.to_string()),
            ("steps", run.config.kernel.steps.to_string()),
            ("batch", run.config.batch.to_string()),
            ("eval_samples", run.config.eval_samples.to_string()),
            ("elbo", number(last.map(|e| e.elbo))),
            ("log_z_hat", number(last.map(|e| e.log_z_hat))),
            ("eubo", number(last.and_then(|e| e.eubo))),
            ("log_z", number(log_z)),
            ("modes", modes.to_string()),
            ("modes_covered", covered.to_string()),
            ("smallest_share", format!("{:.2}", 100.0 * smallest)),
            (
                "on_policy_modes_covered",
                coverage(&results.on_policy).0.to_string(),
            ),
            (
                "on_policy_log_z_hat",
                number(results.on_policy.last.as_ref().map(|e| e.log_z_hat)),
            ),
            ("log_9_over_25", format!("{:.3}", (9.0f64 / 25.0).ln())),
            ("diagram_steps", super::diagrams::DIAGRAM_STEPS.to_string()),
            (
                "diagram_target_var",
                super::diagrams::DIAGRAM_TARGET_VAR.to_string(),
            ),
            (
                "diagram_sigma2",
                super::diagrams::DIAGRAM_SIGMA2.to_string(),
            ),
            ("diagram_draws", DIAGRAM_DRAWS.to_string()),
            (
                "ks_alpha",
                crate::destroying_and_generating::diagram::KS_ALPHA.to_string(),
            ),
            (
                "exact_holds",
                DiagramCheck::named(&results.diagrams, "sampler-diagram").tally(),
            ),
            (
                "untrained_holds",
                DiagramCheck::named(&results.diagrams, "untrained-sampler").tally(),
            ),
        ]),
    );
    files.add(path("provenance.md"), provenance.to_markdown() + "\n");
    files
}
