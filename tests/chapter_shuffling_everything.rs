//! Chapter "Shuffling everything" at quick scale: exact Shuffle powers, Gaussian
//! shuffles on samples, and the DDPM's moments.

use destroy_then_generate::numbers::Rational;
use destroy_then_generate::report::Scale;
use destroy_then_generate::shuffling_everything::shuffle_power::*;
use destroy_then_generate::shuffling_everything::toy_data::{exact_moments, CENTRES};
use destroy_then_generate::shuffling_everything::{run, CHAPTER};

#[test]
fn shuffle_powers_match_the_closed_form_exactly() {
    // The largest deviation of Mⁿ from 1/3 is exactly 2 / (3 · 2ⁿ).
    for n in 1..=30u32 {
        assert_eq!(
            largest_deviation(n),
            Rational::new(2, 3 * (1i128 << n)),
            "n = {n}"
        );
    }
    let low = Rational::new(33_333_331, 100_000_000);
    let high = Rational::new(33_333_335, 100_000_000);
    let mut entries: Vec<Rational> = shuffle_power(25).kernel.concat();
    entries.sort_by(|a, b| a.partial_cmp(b).unwrap());
    entries.dedup();
    assert_eq!(
        entries,
        vec![
            Rational::new(5_592_405, 16_777_216),
            Rational::new(11_184_811, 33_554_432)
        ]
    );
    assert!(within(25, low, high) && !within(24, low, high));
    assert_eq!(smallest_n_within(low, high, 40), Some(25));
    // Every column sums to 1 as well: doubly stochastic, uniform is stationary.
    for z in 0..3 {
        let column: Rational = (0..3).map(|a| shuffle_power(7).kernel[a][z]).sum();
        assert_eq!(column, Rational::ONE);
    }
}

#[test]
fn the_chapter_claims_hold_at_quick_scale() {
    let results = run(Scale::Quick, 0);
    assert_eq!(CHAPTER, "shuffling-everything");
    assert!(results.bound_holds_at_25 && results.deviation_formula_holds);
    assert_eq!(results.random_prior_violations, 0);
    assert!(results.entropy_never_decreases);
    assert!((results.chain.last().unwrap().entropy_bits - 3f64.log2()).abs() < 1e-12);
    for d in &results.diagrams {
        assert!(d.all_hold, "{}: {:?}", d.diagram, d.claims);
    }
    assert!(!results.wrong_additivity.all_hold);
    // Two images drift apart less and less, relative to the noise scale.
    assert!(results.separation.windows(2).all(|w| w[1].1 < w[0].1));
    // VP keeps unit variance: within 5 standard errors (sd of x² is √2 for N(0, 1)).
    for &(_, v) in &results.vp_variance {
        assert!((v - 1.0).abs() < 5.0 * (2.0f64 / 2000.0).sqrt(), "{v}");
    }
}

#[test]
fn ddpm_samples_match_the_first_two_moments() {
    let results = run(Scale::Quick, 0);
    let exact = exact_moments();
    assert!((exact.mean[1] - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(CENTRES.len(), 3);
    // Stated tolerance: every mean and covariance entry within 0.15 of the closed form
    // (the data's spread is about 0.7 per axis).
    assert!(
        results.ddpm_moment_distance < 0.15,
        "{:?}",
        results.ddpm_moments
    );
    // Training lowered the loss.
    assert!(results.ddpm_losses.last().unwrap() < results.ddpm_losses.first().unwrap());
    // Untrained, the sampler would return N(0, I): far from the data's mean y = 2/3.
    assert!((results.ddpm_moments.mean[1] - exact.mean[1]).abs() < 0.15);
}

#[test]
fn shuffle_one_random_token_keeps_uniform_and_a_guess_repairs_it() {
    use destroy_then_generate::shuffling_everything::shuffle_one_random_token::*;
    let channel = shuffle_one_random_token(3, 2);
    // Each row: stay put with probability 1/3 (either position redrawn to itself),
    // and each of the 4 one-position neighbours with probability 1/6.
    assert_eq!(channel.kernel[0][0], Rational::new(1, 3));
    assert_eq!(channel.kernel[0][1], Rational::new(1, 6));
    assert_eq!(channel.kernel[0][4], Rational::ZERO);
    let tiny = tiny_language(3, 2, 8);
    assert!(tiny.uniform_is_stationary);
    let tv: Vec<f64> = tiny
        .distance_to_uniform
        .iter()
        .map(|s| {
            let (n, d) = s.split_once('/').unwrap_or((s, "1"));
            n.parse::<f64>().unwrap() / d.parse::<f64>().unwrap()
        })
        .collect();
    assert!(tv.windows(2).all(|w| w[1] < w[0]), "{tv:?}");
    let results = run(Scale::Quick, 0);
    // The trained Guess beats copying the visible word and is within 0.05 of Bayes.
    let r = &results.repair;
    assert!(r.guess > r.copy + 0.05 && r.guess > r.bayes - 0.05, "{r:?}");
    assert!(r.bayes <= 1.0 && r.guess <= r.bayes + 1e-12);
}
