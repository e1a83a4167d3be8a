//! Exploration's stored GRPO runs: the chapter derived from the store equals the chapter
//! trained from scratch, a missing run is an error, and a stored run whose numbers were
//! changed is caught by re-training (the spot check when it samples that run, always by
//! re-training all).

use destroy_then_generate::exploration::stored_runs::{self, StoredRun};
use destroy_then_generate::exploration::{self, RunId};
use destroy_then_generate::report::Scale;
use destroy_then_generate::run_store::{RunPolicy, RunStore};
use std::fs;

fn report(results: &exploration::ChapterResults) -> String {
    serde_json::to_string(results).unwrap()
}

#[test]
fn the_store_gives_the_trained_chapter_and_catches_changed_runs() {
    let path = std::env::temp_dir().join(format!(
        "dtg-exploration-store-{}.jsonl",
        std::process::id()
    ));
    let _ = fs::remove_file(&path);
    let store = RunStore::at(&path);
    let (scale, seed) = (Scale::Quick, 3);
    let use_stored = RunPolicy::UseStored { spot_check: true };

    let missing = stored_runs::run(scale, seed, &store, use_stored).unwrap_err();
    assert!(
        missing.contains("9 of 9 GRPO runs are not stored"),
        "{missing}"
    );

    let trained = stored_runs::run(scale, seed, &store, RunPolicy::TrainMissing).unwrap();
    assert_eq!(report(&trained), report(&exploration::run(scale, seed)));
    let from_store = stored_runs::run(scale, seed, &store, use_stored).unwrap();
    assert_eq!(report(&from_store), report(&trained));
    assert_eq!(fs::read_to_string(&path).unwrap().lines().count(), 9);

    // Change one number of a run the spot check does not re-train (seed 1), then of one
    // it does (seed 0).
    let tamper = |id: RunId| {
        let key = stored_runs::key(id, scale, seed);
        let text = fs::read_to_string(&path).unwrap();
        let lines: Vec<String> = text
            .lines()
            .map(|line| {
                let mut record: StoredRun = serde_json::from_str(line).unwrap();
                if record.key == key {
                    record.run.curve.last_mut().unwrap().reward += 0.01;
                }
                serde_json::to_string(&record).unwrap()
            })
            .collect();
        fs::write(&path, lines.join("\n") + "\n").unwrap();
    };
    let order = exploration::grpo::RatioOrder::FreshOrder;
    tamper(RunId {
        order,
        seed_index: 1,
    });
    assert!(stored_runs::run(scale, seed, &store, use_stored).is_ok());
    let all = stored_runs::run(scale, seed, &store, RunPolicy::RetrainAll).unwrap_err();
    assert!(
        all.contains("gives different results from the stored run"),
        "{all}"
    );
    tamper(RunId {
        order,
        seed_index: 0,
    });
    let spot = stored_runs::run(scale, seed, &store, use_stored).unwrap_err();
    assert!(spot.contains("fresh-order/seed-0"), "{spot}");
    fs::remove_file(&path).unwrap();
}
