//! A sweep spread over shards and merged holds exactly the runs of the same sweep run
//! whole, and a merge refuses two different results for one run.

use destroy_then_generate::results::shard::{merge, Shard};
use destroy_then_generate::results::{sweep, RunRecord, RunSpec};
use destroy_then_generate::run_store::RunStore;
use destroy_then_generate::sampling_without_data::kernels::Destruction;
use destroy_then_generate::sampling_without_data::train::TrainConfig;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Twelve tiny runs: six configurations (steps × destruction) of two seeds each.
fn specs() -> Vec<RunSpec> {
    let mut specs = Vec::new();
    for steps in [2, 3, 4] {
        for destruction in [Destruction::Fixed, Destruction::Learned] {
            for seed in 0..2 {
                let mut config = TrainConfig {
                    iterations: 12,
                    batch: 16,
                    eval_every: 6,
                    eval_samples: 32,
                    seed,
                    ..TrainConfig::default()
                };
                config.kernel.steps = steps;
                config.kernel.destruction = destruction;
                specs.push(RunSpec::new(config));
            }
        }
    }
    specs
}

fn dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dtg-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn timeless(store: &RunStore) -> BTreeMap<String, RunRecord> {
    let records: BTreeMap<String, RunRecord> = store.load().unwrap();
    records
        .into_iter()
        .map(|(id, r)| (id, r.without_timing()))
        .collect()
}

#[test]
fn shards_merged_equal_the_whole_sweep_and_conflicts_are_refused() {
    let dir = dir();
    let specs = specs();
    let whole = RunStore::at(dir.join("whole.jsonl"));
    sweep(&specs, &whole, 2, false).unwrap();

    let mut shard_paths = Vec::new();
    for index in 1..=3 {
        let shard = Shard { index, count: 3 };
        let mine: Vec<RunSpec> = specs
            .iter()
            .filter(|s| shard.takes(&s.config))
            .cloned()
            .collect();
        assert!(!mine.is_empty(), "shard {index}/3 is empty");
        assert_eq!(
            mine.len() % 2,
            0,
            "both seeds of a configuration go together"
        );
        let path = dir.join(format!("shard-{index}.jsonl"));
        sweep(&mine, &RunStore::at(&path), 1, false).unwrap();
        shard_paths.push(path);
    }
    let merged = dir.join("merged.jsonl");
    let from: Vec<&std::path::Path> = shard_paths.iter().map(|p| p.as_path()).collect();
    assert_eq!(merge(&merged, &from).unwrap(), specs.len());
    assert_eq!(timeless(&RunStore::at(&merged)), timeless(&whole));
    // Merging the same shards again changes nothing.
    assert_eq!(merge(&merged, &from).unwrap(), specs.len());

    // A shard whose copy of a run differs is refused, and the target is left as it was.
    let mut records: BTreeMap<String, RunRecord> = RunStore::at(&shard_paths[0]).load().unwrap();
    let (id, record) = records.iter_mut().next().unwrap();
    record.outcome.iterations_done += 1;
    let id = id.clone();
    let forged = dir.join("forged.jsonl");
    RunStore::at(&forged)
        .rewrite(&records.values().collect::<Vec<_>>())
        .unwrap();
    let before = std::fs::read(&merged).unwrap();
    let error = merge(&merged, &[forged.as_path()]).unwrap_err();
    assert!(
        error.contains(&id) && error.contains("different results"),
        "{error}"
    );
    assert_eq!(std::fs::read(&merged).unwrap(), before);
    std::fs::remove_dir_all(&dir).ok();
}
