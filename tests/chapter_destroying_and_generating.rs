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

mod exercises {
    use destroy_then_generate::destroying_and_generating::exercises::*;
    use destroy_then_generate::destroying_and_generating::named_channels::example_prior;
    use destroy_then_generate::destroying_and_generating::{numbered, Distribution};
    use destroy_then_generate::numbers::{ExactBits, Rational};

    fn r(n: i128, d: i128) -> Rational {
        Rational::new(n, d)
    }

    /// `c₀ + Σ c_p log₂ p`, built by hand from the closed forms.
    fn bits(constant: Rational, logs: &[(i128, Rational)]) -> ExactBits {
        logs.iter()
            .fold(ExactBits::rational(constant), |acc, &(p, c)| {
                acc + ExactBits::log2(Rational::integer(p)) * c
            })
    }

    #[test]
    fn exercise_1_merging_the_likeliest_messages_destroys_the_most() {
        let prior = example_prior(); // (2/3, 1/12, 1/4)
                                     // (p_i + p_j) h(p_i / (p_i + p_j)), worked by hand for each pair.
        let merge_12 = bits(r(2, 3), &[(3, r(-1, 4))]); // the chapter's Mash
        let merge_01 = bits(r(-2, 1), &[(3, r(3, 2))]);
        let merge_02 = bits(r(-2, 1), &[(11, r(11, 12)), (3, r(-1, 4))]);
        assert_eq!(merge_destroyed(&prior, 1, 2), merge_12);
        assert_eq!(merge_destroyed(&prior, 0, 1), merge_01);
        assert_eq!(merge_destroyed(&prior, 0, 2), merge_02);
        assert!(merge_02.to_f64() > merge_01.to_f64() && merge_01.to_f64() > merge_12.to_f64());
        // Merging two equally likely messages destroys exactly their total mass in bits.
        let quarters = Distribution::new(numbered(4), vec![r(1, 4); 4]).unwrap();
        assert_eq!(
            merge_destroyed(&quarters, 2, 3),
            ExactBits::rational(r(1, 2))
        );
    }

    #[test]
    #[should_panic(expected = "merge needs i < j < n")]
    fn exercise_1_rejects_a_merge_of_a_message_with_itself() {
        merge_destroyed(&example_prior(), 1, 1);
    }

    #[test]
    fn exercise_2_the_composed_channel_obeys_the_data_processing_inequality() {
        let (i_ab, i_ac) = shuffle_then_mash(&example_prior());
        // I(A;B) from the chapter's table; I(A;C) = h(11/24) − 11/12, worked by hand.
        assert_eq!(i_ab, bits(r(5, 3), &[(3, r(1, 4)), (11, r(-11, 24))]));
        assert_eq!(
            i_ac,
            bits(
                r(3, 1) - r(11, 12),
                &[(3, r(1, 1)), (11, r(-11, 24)), (13, r(-13, 24))]
            )
        );
        assert!(i_ac.to_f64() < i_ab.to_f64());
        assert!(
            (i_ac.to_f64() - 0.078_318).abs() < 1e-5,
            "{}",
            i_ac.to_f64()
        );
    }

    #[test]
    fn exercise_3_the_uniform_prior_achieves_shuffles_capacity() {
        let (best, information) = shuffle_capacity_on_grid(12);
        assert_eq!(best.probs, vec![r(1, 3); 3]);
        assert_eq!(information, bits(r(-1, 1), &[(3, r(1, 1))])); // log₂ 3 − 1
                                                                  // Off the grid of thirds, the uniform prior is not reachable: the best is close.
        let (near, near_information) = shuffle_capacity_on_grid(4);
        assert_ne!(near.probs, vec![r(1, 3); 3]);
        assert!(near_information.to_f64() < information.to_f64());
    }
}
