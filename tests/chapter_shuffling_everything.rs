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
    // Measured in units of the noise scale, two images get closer with every step.
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

mod exercises {
    use destroy_then_generate::destroying_and_generating::named_channels::{
        example_prior, shuffle,
    };
    use destroy_then_generate::destroying_and_generating::{numbered, Distribution};
    use destroy_then_generate::numbers::{ExactBits, Rational};
    use destroy_then_generate::sampling::seeded_rng;
    use destroy_then_generate::shuffling_everything::ddpm::schedule;
    use destroy_then_generate::shuffling_everything::exercises::*;
    use destroy_then_generate::shuffling_everything::gaussian_shuffle::{
        gaussian_shuffle, separation_after,
    };
    use ndarray_rand::rand::Rng;
    use ndarray_rand::rand_distr::StandardNormal;

    fn r(n: i128, d: i128) -> Rational {
        Rational::new(n, d)
    }

    fn prior(probs: [Rational; 3]) -> Distribution<Rational> {
        Distribution::new(numbered(3), probs.to_vec()).unwrap()
    }

    #[test]
    fn exercise_1_bob_learns_nothing_about_the_coin_when_alice_is_uniform() {
        let (stay, information) = coin_given_b(&prior([r(1, 3); 3]));
        assert_eq!(stay, vec![r(1, 2); 3]);
        assert!(information.is_zero());
        // Alice's habits (2/3, 1/12, 1/4): B = 0 is (0, stay) or (2, move), so
        // P(stay | B = 0) = (2/3) / (2/3 + 1/4) = 8/11; likewise 1/9 and 3/4.
        let (stay, information) = coin_given_b(&example_prior());
        assert_eq!(stay, vec![r(8, 11), r(1, 9), r(3, 4)]);
        // I(B; coin) = H(B) − H(A) = −½ log₂ 3 − (11/24) log₂ 11 + 8/3 ≈ 0.2886.
        let log2 = |p: i128| ExactBits::log2(Rational::integer(p));
        let expected = ExactBits::rational(r(8, 3)) + log2(3) * r(-1, 2) + log2(11) * r(-11, 24);
        assert_eq!(information, expected);
        assert!((information.to_f64() - 0.2886).abs() < 1e-4);
        // If Alice never says 2, B = 0 can only mean "stay": then Bob knows the coin.
        let (stay, _) = coin_given_b(&prior([r(1, 2), r(1, 2), r(0, 1)]));
        assert_eq!(stay, vec![r(1, 1), r(1, 2), r(0, 1)]);
    }

    #[test]
    fn exercise_2_the_separation_shrinks_like_one_over_root_n() {
        let (x1, x2, delta) = (0.9, -0.6, 0.01);
        assert!((separation_closed_form(x1, x2, 100, delta) - 1.5).abs() < 1e-12);
        assert!((separation_closed_form(x1, x2, 1, delta) - 15.0).abs() < 1e-12);
        // Against the chapter's Monte Carlo measurement (4 standard errors ≈ 4 %).
        let mut rng = seeded_rng(7);
        for n in [1, 10, 100] {
            let measured =
                separation_after(n, |x, r| gaussian_shuffle(x, delta, r), 10_000, &mut rng);
            let exact = separation_closed_form(x1, x2, n, delta);
            assert!(
                (measured / exact - 1.0).abs() < 0.05,
                "n = {n}: {measured} vs {exact}"
            );
        }
    }

    #[test]
    fn exercise_3_a_sticky_shuffle_settles_where_it_moves_least() {
        let fair = sticky_shuffle(&[r(1, 2); 3]);
        assert_eq!(fair.kernel, shuffle::<Rational>().kernel);
        assert_eq!(stationary(&fair).probs, vec![r(1, 3); 3]);
        let sticky = sticky_shuffle(&[r(1, 2), r(1, 4), r(1, 4)]);
        let pi = stationary(&sticky);
        // π_a ∝ 1 / m_a = (2, 4, 4).
        assert_eq!(pi.probs, vec![r(1, 5), r(2, 5), r(2, 5)]);
        assert_eq!(pi.through(&sticky).unwrap(), pi);
        let four = sticky_shuffle(&[r(1, 1), r(1, 2), r(1, 3), r(1, 4)]);
        assert_eq!(
            stationary(&four).probs,
            vec![r(1, 10), r(2, 10), r(3, 10), r(4, 10)]
        );
    }

    #[test]
    #[should_panic(expected = "not unique")]
    fn exercise_3_a_shuffle_that_never_moves_has_no_unique_stationary_distribution() {
        stationary(&sticky_shuffle(&[Rational::ZERO; 3]));
    }

    #[test]
    fn exercise_4_the_ideal_sampler_nearly_reproduces_the_data_variance() {
        let (betas, _) = schedule();
        // s² = 1: the ideal update keeps unit variance; only the last, noise-free step
        // loses β_1.
        assert!((ideal_sampler_variance(1.0) - (1.0 - betas[0])).abs() < 1e-12);
        // Other variances: the recursion against a simulation of the same update.
        let mut rng = seeded_rng(11);
        let (_, alpha_bars) = schedule();
        for s2 in [0.25, 4.0] {
            let n = 20_000;
            let mut xs: Vec<f64> = (0..n).map(|_| rng.sample(StandardNormal)).collect();
            for t in (0..betas.len()).rev() {
                let v_t = alpha_bars[t] * s2 + 1.0 - alpha_bars[t];
                for x in xs.iter_mut() {
                    let eps = (1.0 - alpha_bars[t]).sqrt() * *x / v_t;
                    let mean = (*x - betas[t] / (1.0 - alpha_bars[t]).sqrt() * eps)
                        / (1.0 - betas[t]).sqrt();
                    let fresh = if t > 0 {
                        betas[t].sqrt() * rng.sample::<f64, _>(StandardNormal)
                    } else {
                        0.0
                    };
                    *x = mean + fresh;
                }
            }
            let simulated = xs.iter().map(|x| x * x).sum::<f64>() / n as f64;
            let exact = ideal_sampler_variance(s2);
            let se = exact * (2.0 / n as f64).sqrt();
            assert!(
                (simulated - exact).abs() < 4.0 * se,
                "s² = {s2}: {simulated} vs {exact}"
            );
            assert!((exact / s2 - 1.0).abs() < 0.1, "s² = {s2}: {exact}");
        }
    }
}
