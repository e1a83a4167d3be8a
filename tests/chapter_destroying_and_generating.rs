//! The chapter's experiment at quick scale asserts the chapter's claims.

use destroy_then_generate::destroying_and_generating::{checkpoints, run, CHAPTER};
use destroy_then_generate::report::Scale;

#[test]
fn the_chapter_claims_hold_at_quick_scale() {
    let results = run(Scale::Quick, 0);
    assert!(results.pairs_consistent_with_cypher && results.empirical_guess_is_decrypt);
    assert_eq!(results.product_extra_bits.exact, "1");
    assert!(results.guess_marginal_equals_prior);
    assert_eq!(results.guess_p_differ, "1/8");
    assert_eq!(results.random_chains.violations, 0);
    for chain in &results.chains {
        assert!(
            chain
                .destruction
                .iter()
                .chain(&chain.generation)
                .all(|i| i.holds),
            "{}",
            chain.chain
        );
    }
    // Bob's Guess converges to the posterior at the 1/√n rate.
    let learning = &results.learning;
    assert!(learning.bayes_error.last().unwrap() < &0.02);
    assert!(learning.bayes_error.last().unwrap() * 10.0 < learning.bayes_error[3]);
    assert!(
        (-0.65..-0.35).contains(&results.bayes_slope),
        "slope {}",
        results.bayes_slope
    );
    assert!(
        (-0.65..-0.35).contains(&results.frequency_slope),
        "slope {}",
        results.frequency_slope
    );
}

#[test]
fn same_seed_same_results_and_different_seed_different_curve() {
    let a = serde_json::to_string(&run(Scale::Quick, 3)).unwrap();
    let b = serde_json::to_string(&run(Scale::Quick, 3)).unwrap();
    let c = serde_json::to_string(&run(Scale::Quick, 4)).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn checkpoints_are_log_spaced() {
    assert_eq!(
        checkpoints(1000),
        vec![1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
    );
    assert_eq!(CHAPTER, "destroying-and-generating");
}
