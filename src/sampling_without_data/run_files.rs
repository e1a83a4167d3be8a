//! The files of one training run, as `train` writes them and chapter "Sampling without
//! data" includes them: its report, its bounds during training and its samples.

use super::bounds_figure::draw_bounds;
use super::targets::builtin;
use super::training_run::RunOutcome;
use crate::plot;
use crate::report::{flag_name, GeneratedFiles, Provenance};

/// report.json, samples.svg (2-D view of the samples) and bounds.svg of a run.
pub fn run_files(outcome: &RunOutcome, provenance: &Provenance) -> GeneratedFiles {
    #[derive(serde::Serialize)]
    struct RunReport<'a> {
        provenance: &'a Provenance,
        outcome: &'a RunOutcome,
    }
    let mut files = GeneratedFiles::default();
    files.add_json(
        "report.json",
        &RunReport {
            provenance,
            outcome,
        },
    );
    let c = &outcome.config;
    // Without exploration noise and replay, every trajectory is the sampler's own.
    let policy = match c.exploration_std == 0.0 && c.backward_every == 0 {
        true => "on-policy",
        false => "off-policy",
    };
    let title = format!(
        "{} — T = {}, {} destruction, {policy}",
        outcome.target,
        c.kernel.steps,
        flag_name(&c.kernel.destruction)
    );
    files.add(
        "bounds.svg",
        plot::svg((640, 400), |area| {
            draw_bounds(&title, &outcome.history, area)
        }),
    );
    if let Some(samples) = &outcome.samples {
        let target = builtin(&outcome.config.target).expect("validated before training");
        let mut rng = crate::sampling::seeded_rng(outcome.config.seed);
        let exact = target.sample(samples.nrows(), &mut rng);
        let extent = samples_extent(samples, exact.as_ref());
        files.add(
            "samples.svg",
            plot::svg((480, 480), |area| {
                plot::draw_samples(&title, samples, exact.as_ref(), extent, area)
            }),
        );
    }
    files
}

/// A square view that holds nearly all exact samples (or model samples).
fn samples_extent(model: &ndarray::Array2<f32>, exact: Option<&ndarray::Array2<f32>>) -> f64 {
    let source = exact.unwrap_or(model);
    let mut values: Vec<f64> = source
        .rows()
        .into_iter()
        .flat_map(|r| [r[0].abs() as f64, r[1].abs() as f64])
        .filter(|v| v.is_finite())
        .collect();
    values.sort_by(f64::total_cmp);
    let q = values
        .get(values.len() * 995 / 1000)
        .copied()
        .unwrap_or(1.0);
    (q * 1.15).max(1.0)
}
