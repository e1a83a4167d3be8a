//! Section 2's GRPO runs, stored. At full scale they are 72 runs of 2,500 updates, most
//! of the chapter's cost, so each finished run is kept as one line of a run store
//! (committed, outside the book's sources) and the chapter's files are derived from
//! the store. A stored run counts only for its exact settings and for the engine that
//! trained it ([`engine_fingerprint`]); checking the chapter re-trains a sample of them
//! and requires identical numbers.

use super::conditioning::language_distribution;
use super::experiment::{run_with, Budget, ChapterResults, RunId, TuningSetup, PRETRAIN_BATCH};
use super::grpo::TuningRun;
use super::masked_model::{train_masked_model, Sentence};
use crate::learning_by_withholding::Language;
use crate::progress::Progress;
use crate::report::{stable_hash_hex, Scale};
use crate::run_store::{Keyed, RunPolicy, RunStore};
use crate::sampling::seeded_rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Where the full-scale runs are committed.
pub const STORE: &str = "data/runs/exploration.jsonl";

/// One finished run, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredRun {
    /// The run's order and seed, and a hash of every setting it was trained with.
    pub key: String,
    /// The [`engine_fingerprint`] of the code that trained it.
    pub engine: String,
    pub run: TuningRun,
    /// Seconds it took (one of several runs trained at once).
    pub wall_time_s: f64,
}

impl Keyed for StoredRun {
    fn key(&self) -> &str {
        &self.key
    }
}

/// The store's key of run `id` of the chapter at `scale` and `seed`.
pub fn key(id: RunId, scale: Scale, seed: u64) -> String {
    let budget = Budget::at(scale);
    let settings = serde_json::to_string(&(budget, budget.grpo(), seed, PRETRAIN_BATCH))
        .expect("settings serialise");
    format!(
        "{}/seed-{}/{}",
        serde_json::to_value(id.order)
            .expect("orders serialise")
            .as_str()
            .unwrap_or("order"),
        id.seed_index,
        stable_hash_hex(settings.as_bytes())
    )
}

/// A short fingerprint of the training engine: the hash of a tiny run (a few
/// pre-training steps, then a few GRPO updates with exact checkpoints). A change to the
/// code that alters any number a run records changes it, so a stored run of an older
/// engine is trained again instead of being taken for a current one.
pub fn engine_fingerprint() -> &'static str {
    static FINGERPRINT: OnceLock<String> = OnceLock::new();
    FINGERPRINT.get_or_init(|| {
        let language = Language::chapter_language();
        let mut rng = seeded_rng(5);
        let train: Vec<Sentence> = (0..64)
            .map(|_| {
                let s = language.sample(super::masked_model::LENGTH, &mut rng);
                std::array::from_fn(|i| s[i])
            })
            .collect();
        let budget = Budget {
            pretrain_iterations: 20,
            grpo_updates: 4,
            seeds: 1,
            checkpoints: 2,
            accepted: 10,
        };
        let base = train_masked_model(&train, budget.pretrain_iterations, 8, 6);
        let setup = TuningSetup::new(&language_distribution(&language), base, &budget, 7);
        let run = setup.tune(RunId::all(1)[0]);
        stable_hash_hex(
            serde_json::to_string(&run)
                .expect("runs serialise")
                .as_bytes(),
        )
    })
}

/// The chapter at `scale`, with its GRPO runs from `store` as `policy` says.
pub fn run(
    scale: Scale,
    seed: u64,
    store: &RunStore,
    policy: RunPolicy,
) -> Result<ChapterResults, String> {
    run_with(scale, seed, |setup, ids| {
        let engine = engine_fingerprint();
        let mut stored: BTreeMap<String, StoredRun> = store.load()?;
        stored.retain(|_, r| r.engine == engine);
        let keys: Vec<String> = ids.iter().map(|&id| key(id, scale, seed)).collect();
        let missing: Vec<RunId> = ids
            .iter()
            .zip(&keys)
            .filter(|(_, k)| !stored.contains_key(*k))
            .map(|(&id, _)| id)
            .collect();
        let to_train: Vec<RunId> = match policy {
            RunPolicy::TrainMissing => missing.clone(),
            _ if !missing.is_empty() => {
                return Err(format!(
                    "exploration: {} of {} GRPO runs are not stored for this engine ({engine}) in {} (run tools/build-book.sh to train them)",
                    missing.len(),
                    ids.len(),
                    store.path().display()
                ))
            }
            RunPolicy::UseStored { spot_check: false } => Vec::new(),
            // One run of every ratio order: the first seed's.
            RunPolicy::UseStored { spot_check: true } => {
                ids.iter().copied().filter(|id| id.seed_index == 0).collect()
            }
            RunPolicy::RetrainAll => ids.to_vec(),
        };
        if !to_train.is_empty() {
            let verb = if policy == RunPolicy::TrainMissing {
                "training"
            } else {
                "re-training"
            };
            eprintln!(
                "exploration: {verb} {} of {} GRPO runs",
                to_train.len(),
                ids.len()
            );
            let mut progress = Progress::new("exploration runs", to_train.len() as u64);
            setup.tune_all(&to_train, &mut progress, |id, fresh, seconds| {
                let key = key(id, scale, seed);
                match stored.get(&key) {
                    Some(old) if old.run != *fresh => Err(format!(
                        "exploration: re-training {key} gives different results from the stored run in {} (the engine changed without changing its fingerprint)",
                        store.path().display()
                    )),
                    Some(_) => Ok(()),
                    None => store.append(&StoredRun {
                        key,
                        engine: engine.to_string(),
                        run: fresh.clone(),
                        wall_time_s: (seconds * 10.0).round() / 10.0,
                    }),
                }
            })?;
            progress.finish("done");
            if policy == RunPolicy::TrainMissing {
                // Keep only this engine's runs, one line each in key order, so the file
                // does not depend on the order in which runs finished.
                let mut current: BTreeMap<String, StoredRun> = store.load()?;
                current.retain(|_, r| r.engine == engine);
                store.rewrite(&current.values().collect::<Vec<_>>())?;
                stored = current;
            }
        }
        keys.iter()
            .map(|k| {
                stored
                    .get(k)
                    .map(|r| r.run.clone())
                    .ok_or_else(|| format!("exploration: run {k} is missing from the store"))
            })
            .collect()
    })
}
