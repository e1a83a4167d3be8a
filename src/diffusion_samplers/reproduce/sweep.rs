//! Running a sweep of training runs: in parallel, one file per finished run, so that an
//! interrupted sweep resumes where it stopped and a diverged run is a result, not a crash.

use super::claims::RunSpec;
use crate::diffusion_samplers::targets::{mean_pairwise_distance, LatentClassifier};
use crate::diffusion_samplers::training_run::{train_builtin, RunOutcome};
use crate::progress::Progress;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// What the latent-space task of chapter "Scaling up" measures on a run's samples.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LatentMetrics {
    /// Mean `log r(g(z))` over the samples.
    pub mean_log_reward: f64,
    /// Share of samples whose most likely class is a target class.
    pub precision: f64,
    /// Mean pairwise distance between decoded samples `g(z)` (first 500).
    pub diversity: f64,
}

/// One finished (or diverged) run, as stored in `<runs>/<id>.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunRecord {
    pub id: String,
    pub crate_version: String,
    pub outcome: RunOutcome,
    /// Seconds the run took (training and evaluations, one thread).
    pub wall_time_s: f64,
    /// The first two coordinates of the first 500 final samples, for figures.
    pub samples: Option<Vec<[f32; 2]>>,
    pub latent: Option<LatentMetrics>,
}

impl RunRecord {
    /// The stored 2-D samples as an `(n, 2)` array.
    pub fn sample_points(&self) -> Option<ndarray::Array2<f32>> {
        let points = self.samples.as_ref()?;
        Some(ndarray::Array2::from_shape_fn(
            (points.len(), 2),
            |(i, j)| points[i][j],
        ))
    }

    /// The record without its timing, for comparing two runs of the same configuration.
    pub fn without_timing(&self) -> RunRecord {
        RunRecord {
            wall_time_s: 0.0,
            ..self.clone()
        }
    }
}

/// Trains one run on a single thread (so its numbers do not depend on how many runs
/// share the machine) and measures what the claims need.
pub fn run_one(spec: &RunSpec) -> Result<RunRecord, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| format!("cannot start a worker thread: {e}"))?;
    let started = Instant::now();
    let mut outcome = pool
        .install(|| train_builtin(spec.config.clone(), None, None, 0, &mut Progress::hidden()))?;
    let wall_time_s = started.elapsed().as_secs_f64();
    let samples = outcome.samples.as_ref().map(|x| {
        x.rows()
            .into_iter()
            .take(500)
            .map(|r| [r[0], r[1]])
            .collect()
    });
    let latent = match (outcome.target.strip_prefix("latent-"), &outcome.samples) {
        (Some(k), Some(z)) => {
            let task = LatentClassifier::new(k.parse().expect("latent-<k> names a dimension"));
            let classes = task.classes(z);
            let hits = classes
                .iter()
                .filter(|&&c| c < LatentClassifier::TARGET_CLASSES)
                .count();
            Some(LatentMetrics {
                mean_log_reward: task.log_reward(z).mean().unwrap_or(f64::NAN),
                precision: hits as f64 / classes.len() as f64,
                diversity: mean_pairwise_distance(&task.decode(z), 500),
            })
        }
        _ => None,
    };
    // The record keeps its own 2-D view of the samples; the full set is not stored, so a
    // fresh record must not hold it either (it would differ from the stored one).
    outcome.samples = None;
    Ok(RunRecord {
        id: spec.id.clone(),
        crate_version: crate::VERSION.to_string(),
        outcome,
        wall_time_s: (wall_time_s * 100.0).round() / 100.0,
        samples,
        latent,
    })
}

/// The file of run `id` under `runs`.
pub fn record_path(runs: &Path, id: &str) -> PathBuf {
    runs.join(format!("{id}.json"))
}

/// The stored record of `spec`, if there is one made by this crate version for exactly
/// this configuration.
pub fn stored_record(runs: &Path, spec: &RunSpec) -> Option<RunRecord> {
    let text = std::fs::read_to_string(record_path(runs, &spec.id)).ok()?;
    let record: RunRecord = serde_json::from_str(&text).ok()?;
    (record.crate_version == crate::VERSION && record.outcome.config == spec.config)
        .then_some(record)
}

/// Writes a record atomically (temporary file, then rename).
fn store(runs: &Path, record: &RunRecord) -> Result<(), String> {
    let path = record_path(runs, &record.id);
    let temporary = path.with_extension("partial");
    let text = serde_json::to_string_pretty(record).expect("records serialise") + "\n";
    std::fs::write(&temporary, text)
        .and_then(|_| std::fs::rename(&temporary, &path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

// ANCHOR: sweep
/// Runs every spec that has no stored record under `runs`, `workers` at a time, storing
/// each as it finishes; returns the records of all specs in order. A diverged run is
/// stored like any other; only an error (a bad configuration, an unwritable folder)
/// stops the sweep, after the runs in flight have been stored.
pub fn sweep(
    specs: &[RunSpec],
    runs: &Path,
    workers: usize,
    show: bool,
) -> Result<Vec<RunRecord>, String> {
    std::fs::create_dir_all(runs).map_err(|e| format!("cannot create {}: {e}", runs.display()))?;
    let mut records: Vec<Option<RunRecord>> =
        specs.iter().map(|s| stored_record(runs, s)).collect();
    let pending: Vec<usize> = (0..specs.len()).filter(|&i| records[i].is_none()).collect();
    let total_iterations: usize = pending.iter().map(|&i| specs[i].config.iterations).sum();
    if show {
        eprintln!(
            "{} runs: {} already done, {} to run on {workers} threads",
            specs.len(),
            specs.len() - pending.len(),
            pending.len()
        );
    }
    let progress = Mutex::new((
        match show {
            true => Progress::new("reproduce", total_iterations as u64),
            false => Progress::hidden(),
        },
        0usize,
    ));
    let next = AtomicUsize::new(0);
    let finished: Mutex<Vec<(usize, Result<RunRecord, String>)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::SeqCst);
                let Some(&i) = pending.get(k) else { break };
                let result = run_one(&specs[i]).and_then(|r| store(runs, &r).map(|_| r));
                let failed = result.is_err();
                if let Ok(record) = &result {
                    let mut guard = progress.lock().expect("progress lock");
                    guard.1 += record.outcome.config.iterations;
                    let done = guard.1 as u64;
                    if show {
                        eprintln!("  {}", summary_line(record));
                    }
                    guard
                        .0
                        .set(done, &format!("{} of {} runs", k + 1, pending.len()));
                }
                finished.lock().expect("results lock").push((i, result));
                if failed {
                    // Stop handing out work; runs in flight still finish and are stored.
                    next.store(pending.len(), Ordering::SeqCst);
                }
            });
        }
    });
    let mut errors = Vec::new();
    for (i, result) in finished.into_inner().expect("results lock") {
        match result {
            Ok(record) => records[i] = Some(record),
            Err(e) => errors.push(format!("run {}: {e}", specs[i].id)),
        }
    }
    if let Some(first) = errors.first() {
        return Err(first.clone());
    }
    progress
        .into_inner()
        .expect("progress lock")
        .0
        .finish("all runs done");
    Ok(records
        .into_iter()
        .map(|r| r.expect("every run finished"))
        .collect())
}
// ANCHOR_END: sweep

/// `25gmm-T5-learned-tb-s0-…: ELBO −1.234 (12.3 s)` or `… diverged at iteration 812: …`.
pub fn summary_line(record: &RunRecord) -> String {
    match (&record.outcome.diverged, &record.outcome.last) {
        (Some(d), _) => format!("{}: {d}", record.id),
        (None, Some(e)) => format!(
            "{}: ELBO {:.3} ({:.1} s)",
            record.id, e.elbo, record.wall_time_s
        ),
        _ => format!("{}: no evaluation", record.id),
    }
}
