//! Chapter "Sampling without data" at quick scale: its claims hold and its files exist.

use destroy_then_generate::book_pipeline::provenance;
use destroy_then_generate::report::Scale;
use destroy_then_generate::sampling_without_data::experiment::{chapter_files, run};
use std::time::Instant;

#[test]
fn quick_chapter_bounds_hold_and_files_are_complete() {
    let started = Instant::now();
    let results = run(Scale::Quick, 0).unwrap();
    for run in [&results.off_policy, &results.on_policy] {
        assert!(run.diverged.is_none(), "{:?}", run.diverged);
        let last = run.last.as_ref().unwrap();
        // Jensen on the same trajectories: ELBO ≤ log Ẑ exactly.
        assert!(last.elbo <= last.log_z_hat + 1e-9, "{last:?}");
        // The ELBO is a lower bound on log Z = 0 (2000 samples: far below noise level).
        assert!(last.elbo < 0.05, "{last:?}");
        // 25 modes, shares summing to one.
        let shares = run.mode_shares.as_ref().unwrap();
        assert_eq!(shares.len(), 25);
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        // Training improves the ELBO from the first evaluation to the last.
        assert!(last.elbo > run.history[0].elbo, "{:?}", run.history);
    }
    let files = chapter_files(&results, &provenance("test", Scale::Quick, 0, started));
    for name in [
        "report.json",
        "summary.md",
        "numbers.md",
        "provenance.md",
        "off-policy-samples.svg",
        "off-policy-bounds.svg",
        "on-policy-samples.svg",
        "on-policy-bounds.svg",
    ] {
        let path = format!("sampling-without-data/{name}");
        assert!(files.get(&path).is_some(), "{path} missing");
    }
}
