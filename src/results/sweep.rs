//! Running a sweep of training runs: in parallel, each finished run stored at once (one
//! line of a [`RunStore`]), so that an interrupted sweep resumes where it stopped and a
//! diverged run is a result, not a crash. A stored run counts only for exactly its
//! configuration and the engine that trained it ([`engine_fingerprint_for`]).

use super::claims::RunSpec;
use crate::adaptive_destruction::training::train_builtin;
use crate::progress::Progress;
use crate::run_store::{Keyed, RunStore};
use crate::sampling_without_data::kernels::{Correction, Destruction, KernelConfig, LearnedParts};
use crate::sampling_without_data::targets::{
    mean_pairwise_distance, BuiltinTarget, LatentClassifier, DIVERSITY_SAMPLES,
};
use crate::sampling_without_data::train::TrainConfig;
use crate::sampling_without_data::training_run::RunOutcome;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
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

/// One finished (or diverged) run, as stored: one line of the sweep's [`RunStore`].
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    pub id: String,
    /// The [`engine_fingerprint_for`] its configuration, of the code that trained it.
    pub engine: String,
    pub outcome: RunOutcome,
    /// Seconds the run took (training and evaluations, one thread).
    pub wall_time_s: f64,
    /// The first two coordinates of the first 500 final samples, for figures (stored
    /// only for the runs a figure draws).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<Vec<[f32; 2]>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latent: Option<LatentMetrics>,
}

impl Keyed for RunRecord {
    fn key(&self) -> &str {
        &self.id
    }
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

    /// The ELBO at every evaluation, `(iteration, ELBO)`; `None` if the run diverged.
    pub fn elbo_curve(&self) -> super::rules::ElboCurve {
        self.outcome.diverged.is_none().then(|| {
            self.outcome
                .history
                .iter()
                .map(|e| (e.iteration, e.elbo))
                .collect()
        })
    }

    /// The record without its timing, for comparing two runs of the same configuration.
    pub fn without_timing(&self) -> RunRecord {
        RunRecord {
            wall_time_s: 0.0,
            ..self.clone()
        }
    }

    /// The record as the store keeps it for `spec`: sample points only if a figure
    /// draws them, training diagnostics only if the spec asks for them.
    pub fn stored(&self, spec: &RunSpec) -> RunRecord {
        let mut outcome = self.outcome.clone();
        outcome.diagnostics = outcome.diagnostics.filter(|_| spec.keep_diagnostics);
        RunRecord {
            samples: self.samples.clone().filter(|_| spec.keep_samples),
            outcome,
            ..self.clone()
        }
    }
}

#[cfg(test)]
impl RunRecord {
    /// A finished run of `config` with these evaluations, for tests of what reads runs.
    pub(crate) fn finished(
        config: TrainConfig,
        history: Vec<crate::sampling_without_data::evaluate::Evaluation>,
        last: Option<crate::sampling_without_data::evaluate::Evaluation>,
    ) -> RunRecord {
        RunRecord {
            id: super::claims::run_id(&config),
            engine: String::new(),
            outcome: RunOutcome {
                target: config.target.clone(),
                dimension: 2,
                history,
                last,
                mode_shares: None,
                diverged: None,
                iterations_done: config.iterations,
                loss_curve: Vec::new(),
                padded_to: None,
                diagnostics: None,
                samples: None,
                config,
            },
            wall_time_s: 1.0,
            samples: None,
            latent: None,
        }
    }
}

/// A short fingerprint of the training engine: a hash of a tiny run's record (a few
/// iterations of joint training with a learned destruction, evaluated with every
/// metric). Code changes that alter any number a run records change it too, so stored
/// runs of an older engine are re-run instead of being mistaken for current ones.
pub fn engine_fingerprint() -> &'static str {
    static FINGERPRINT: OnceLock<String> = OnceLock::new();
    FINGERPRINT.get_or_init(|| tiny_run_hash(&Arm::default()))
}

/// The fingerprint a run of `config` is stored under: [`engine_fingerprint`], and for a
/// learned destruction whose arm the tiny run does not take (one part kept the
/// bridge's, say) also a tiny run of that arm. A change that alters only that arm's
/// code (a variance-only arm whose gradient was cut, once) re-runs its runs and no
/// others.
pub fn engine_fingerprint_for(config: &TrainConfig) -> String {
    let kernel = &config.kernel;
    let arm = Arm {
        parts: kernel.learned_parts,
        correction: kernel.correction,
        correction_range: kernel.correction_range,
    };
    if kernel.destruction != Destruction::Learned || arm == Arm::default() {
        return engine_fingerprint().to_string();
    }
    static ARMS: Mutex<Vec<(Arm, String)>> = Mutex::new(Vec::new());
    let known = |arms: &Vec<(Arm, String)>| arms.iter().find(|(a, _)| *a == arm).cloned();
    if let Some((_, hash)) = known(&ARMS.lock().expect("fingerprint lock")) {
        return hash;
    }
    let both = format!("{} {}", engine_fingerprint(), tiny_run_hash(&arm));
    let hash = crate::report::stable_hash_hex(both.as_bytes());
    ARMS.lock()
        .expect("fingerprint lock")
        .push((arm, hash.clone()));
    hash
}

/// What selects a learned destruction's code: its arm, and how it corrects the bridge.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Arm {
    parts: LearnedParts,
    correction: Correction,
    correction_range: f64,
}

impl Default for Arm {
    fn default() -> Self {
        let kernel = KernelConfig::default();
        Arm {
            parts: kernel.learned_parts,
            correction: kernel.correction,
            correction_range: kernel.correction_range,
        }
    }
}

/// The hash of a tiny run's record with a learned destruction of `arm`.
fn tiny_run_hash(arm: &Arm) -> String {
    let mut config = TrainConfig {
        target: "25gmm".into(),
        iterations: 4,
        batch: 16,
        eval_every: 2,
        eval_samples: 64,
        backward_every: 2,
        ..Default::default()
    };
    config.kernel.steps = 3;
    config.kernel.destruction = Destruction::Learned;
    config.kernel.learned_parts = arm.parts;
    config.kernel.correction = arm.correction;
    config.kernel.correction_range = arm.correction_range;
    let mut record = run_record(&RunSpec::new(config), String::new())
        .expect("the fingerprint run trains")
        .without_timing();
    // Diagnostics are kept only where asked for, and are not results.
    record.outcome.diagnostics = None;
    let text = serde_json::to_string(&record).expect("records serialise");
    crate::report::stable_hash_hex(text.as_bytes())
}

/// Trains one run on a single thread (so its numbers do not depend on how many runs
/// share the machine) and measures what the claims need.
pub fn run_one(spec: &RunSpec) -> Result<RunRecord, String> {
    run_record(spec, engine_fingerprint_for(&spec.config))
}

fn run_record(spec: &RunSpec, engine: String) -> Result<RunRecord, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| format!("cannot start a worker thread: {e}"))?;
    let started = Instant::now();
    let mut outcome =
        pool.install(|| train_builtin(spec.config.clone(), &mut Progress::hidden()))?;
    let wall_time_s = started.elapsed().as_secs_f64();
    let samples = outcome.samples.as_ref().map(|x| {
        x.rows()
            .into_iter()
            .take(500)
            .map(|r| [r[0], r[1]])
            .collect()
    });
    let task = BuiltinTarget::from_name(&outcome.target)
        .ok()
        .and_then(BuiltinTarget::latent_task);
    let latent = match (task, &outcome.samples) {
        (Some(task), Some(z)) => {
            let classes = task.classes(z);
            let hits = classes
                .iter()
                .filter(|&&c| c < LatentClassifier::TARGET_CLASSES)
                .count();
            Some(LatentMetrics {
                mean_log_reward: task.log_reward(z).mean().unwrap_or(f64::NAN),
                precision: hits as f64 / classes.len() as f64,
                diversity: mean_pairwise_distance(&task.decode(z), DIVERSITY_SAMPLES),
            })
        }
        _ => None,
    };
    // The record keeps its own 2-D view of the samples; the full set is not stored, so a
    // fresh record must not hold it either (it would differ from the stored one).
    outcome.samples = None;
    Ok(RunRecord {
        id: spec.id.clone(),
        engine,
        outcome,
        wall_time_s: (wall_time_s * 100.0).round() / 100.0,
        samples,
        latent,
    })
}

/// The stored record of `spec` among `stored`, if one was made by this engine for
/// exactly this configuration.
pub fn stored_record<'a>(
    stored: &'a BTreeMap<String, RunRecord>,
    spec: &RunSpec,
) -> Option<&'a RunRecord> {
    stored.get(&spec.id).filter(|r| {
        r.outcome.config == spec.config && r.engine == engine_fingerprint_for(&spec.config)
    })
}

// ANCHOR: sweep
/// Runs every spec that has no current record in `store`, `workers` at a time, storing
/// each as it finishes; returns the records of all specs in order. A diverged run is
/// stored like any other; only an error (a bad configuration, an unwritable store)
/// stops the sweep, after the runs in flight have been stored. A sweep that completes
/// rewrites the store once, sorted, without records of older engines.
pub fn sweep(
    specs: &[RunSpec],
    store: &RunStore,
    workers: usize,
    show: bool,
) -> Result<Vec<RunRecord>, String> {
    let mut stored: BTreeMap<String, RunRecord> = store.load()?;
    let mut records: Vec<Option<RunRecord>> = specs
        .iter()
        .map(|s| stored_record(&stored, s).map(|r| r.stored(s)))
        .collect();
    let pending: Vec<usize> = (0..specs.len()).filter(|&i| records[i].is_none()).collect();
    let total_work: u64 = pending.iter().map(|&i| work(&specs[i].config)).sum();
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
            true => Progress::new("reproduce", total_work),
            false => Progress::hidden(),
        },
        0u64,
    ));
    let next = AtomicUsize::new(0);
    let finished: Mutex<Vec<(usize, Result<RunRecord, String>)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::SeqCst);
                let Some(&i) = pending.get(k) else { break };
                let result = run_one(&specs[i])
                    .map(|r| r.stored(&specs[i]))
                    .and_then(|r| store.append(&r).map(|_| r));
                let failed = result.is_err();
                if let Ok(record) = &result {
                    let mut guard = progress.lock().expect("progress lock");
                    guard.1 += work(&record.outcome.config);
                    let done = guard.1;
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
    let records: Vec<RunRecord> = records
        .into_iter()
        .map(|r| r.expect("every run finished"))
        .collect();
    stored.retain(|_, r| r.engine == engine_fingerprint_for(&r.outcome.config));
    for record in &records {
        stored.insert(record.id.clone(), record.clone());
    }
    store.rewrite(&stored.values().collect::<Vec<_>>())?;
    Ok(records)
}
// ANCHOR_END: sweep

/// A run's cost in network rows, for the sweep's progress and time estimate: a run's time
/// grows with iterations, batch and steps (a learned destruction about doubles it, which
/// the estimate ignores).
fn work(config: &crate::sampling_without_data::train::TrainConfig) -> u64 {
    (config.iterations * config.batch * config.kernel.steps) as u64
}

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
