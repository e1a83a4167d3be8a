//! The generated files of chapter "Scaling up": H6, the latent-space task, decided on
//! the stored runs of chapter "Results"'s sweep by the same rules.

use crate::report::{anchored_numbers, GeneratedFiles};
use crate::results::chapters::{footer, provenance};
use crate::results::claims::{self, Claim};
use crate::results::sweep::RunRecord;
use crate::results::{findings, summary, summary::Runs};
use crate::sampling_without_data::targets::{LatentClassifier, DIVERSITY_SAMPLES};

pub const SCALING_UP: &str = "scaling-up";

/// Chapter "Scaling up": the latent-space task.
pub fn scaling_up_files(runs: &Runs) -> GeneratedFiles {
    let scale = runs.scale;
    let path = |name: &str| format!("{SCALING_UP}/{name}");
    let used: Vec<&RunRecord> = claims::runs(&[Claim::H6], scale)
        .iter()
        .map(|s| runs.get(&s.config))
        .collect();
    let provenance = provenance(&used, scale);
    let verdict = summary::h6_verdict(runs);
    let mut files = GeneratedFiles::with_report(SCALING_UP, &provenance, &verdict);
    files.add(path("h6.md"), summary::h6_table(runs));
    files.add(path("h6-findings.md"), findings::h6_findings(runs));
    files.add(
        path("verdict.md"),
        summary::verdict_report(std::slice::from_ref(&verdict)),
    );
    let mut numbers = vec![
        ("classes", LatentClassifier::CLASSES.to_string()),
        (
            "target_classes",
            LatentClassifier::TARGET_CLASSES.to_string(),
        ),
        ("decoded_dim", LatentClassifier::OUTPUT.to_string()),
        ("hidden", LatentClassifier::HIDDEN.to_string()),
        ("diversity_samples", DIVERSITY_SAMPLES.to_string()),
        ("steps", claims::H6_STEPS.to_string()),
        ("outcome", verdict.outcome.word().to_string()),
    ];
    // A reference for the ELBO: log Z by plain Monte Carlo over the prior.
    const PRIOR_DRAWS: usize = 200_000;
    numbers.push(("prior_draws", PRIOR_DRAWS.to_string()));
    // H6's two latent targets, the smaller first: their dimensions and reference log Z.
    let anchors = [("k_small", "log_z_small"), ("k_large", "log_z_large")];
    for (name, (k_anchor, log_z_anchor)) in claims::H6_LATENTS.iter().zip(anchors) {
        let k: usize = name
            .strip_prefix("latent-")
            .and_then(|k| k.parse().ok())
            .expect("H6's targets are named latent-<dimension>");
        let (log_z, se) = LatentClassifier::new(k).log_z_monte_carlo(PRIOR_DRAWS, 7);
        numbers.push((k_anchor, k.to_string()));
        numbers.push((log_z_anchor, format!("{log_z:.3} ± {se:.3}")));
    }
    files.add(path("numbers.md"), anchored_numbers(&numbers));
    files.add(path("provenance.md"), footer(&provenance, &used));
    files
}
