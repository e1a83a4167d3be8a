//! Chapter "Beyond Markov" at quick scale, against closed forms.

use destroy_then_generate::beyond_markov::diagrams::full_picture;
use destroy_then_generate::beyond_markov::*;
use destroy_then_generate::destroying_and_generating::diagram::ClaimKind;
use destroy_then_generate::report::Scale;
use destroy_then_generate::sampling::seeded_rng;

#[test]
fn interpolation_is_a_bijection_while_the_noise_is_kept() {
    for a in [1.0, 0.9, 0.5, 0.1, 1e-3] {
        for (x0, z) in [(2.0, -0.3), (-2.0, 1.7), (0.5, 0.0)] {
            assert!((x_0_from(x_t(x0, z, a), z, a) - x0).abs() < 1e-12);
        }
        // Any level is reachable from any other with the same noise.
        assert!((remix(x_t(1.0, 0.4, a), 0.4, a, 0.3) - x_t(1.0, 0.4, 0.3)).abs() < 1e-12);
    }
    assert_eq!(x_t(3.0, -1.0, 1.0), 3.0);
    assert_eq!(x_t(3.0, -1.0, 0.0), -1.0);
}

#[test]
fn the_chapter_claims_hold_at_quick_scale() {
    let results = run(Scale::Quick, 0);
    for d in &results.diagrams {
        assert!(d.all_hold, "{}: {:?}", d.diagram, d.claims);
    }
    for r in &results.levels {
        assert!(r.round_trip_error < 1e-14, "a = {}", r.a);
        // Var(x_t) = a Var(x_0) + 1 − a within 4 standard errors.
        assert!(
            (r.var_x_t - r.var_expected).abs() < 4.0 * r.var_x_t_se,
            "{r:?}"
        );
        // The dropped noise cannot always be guessed: strictly positive error inside.
        assert!(r.mmse_gaussian > 0.0 && r.mmse_gaussian < 1.0);
    }
    let middle = results.levels.iter().find(|r| r.a == 0.3).unwrap();
    assert!(middle.mmse_two_points > 10.0 * middle.mmse_two_points_se);
}

#[test]
fn a_guess_that_ignores_b_fails_exactly_the_labelled_lines() {
    let claims = full_picture(true).check_sampled(4000, 1).unwrap();
    let failed: Vec<_> = claims.iter().filter(|c| !c.holds).map(|c| c.kind).collect();
    assert_eq!(
        failed,
        vec![ClaimKind::SameConditional, ClaimKind::SameConditional]
    );
}

#[test]
fn monte_carlo_noise_error_matches_the_closed_form_for_gaussian_like_limits() {
    // At a → 0 the two-point error approaches the Gaussian closed form a s² / (a s² + 1 − a).
    let mut rng = seeded_rng(2);
    let data = TwoPoints { m: 2.0 };
    let (mmse, se) = noise_mmse(&data, 0.001, 20_000, &mut rng);
    let exact = gaussian_noise_mmse(4.0, 0.001);
    assert!((mmse - exact).abs() < 4.0 * se + 1e-4, "{mmse} vs {exact}");
    // E[z | x_t] is odd in x_t (the data are symmetric).
    assert!(
        (posterior_noise_mean(&data, 0.7, 0.3) + posterior_noise_mean(&data, -0.7, 0.3)).abs()
            < 1e-12
    );
}

#[test]
fn same_seed_same_report() {
    let a = serde_json::to_string(&run(Scale::Quick, 3)).unwrap();
    let b = serde_json::to_string(&run(Scale::Quick, 3)).unwrap();
    assert_eq!(a, b);
}

mod exercises {
    use destroy_then_generate::beyond_markov::exercises::*;
    use destroy_then_generate::beyond_markov::{
        gaussian_noise_mmse, noise_mmse, TwoPoints, ALPHAS,
    };
    use destroy_then_generate::sampling::seeded_rng;

    #[test]
    fn exercise_1_markov_steps_reproduce_the_levels() {
        let betas = markov_betas(&ALPHAS); // 1, 0.7, 0.3, 0
        let expected = [0.3, 4.0 / 7.0, 1.0];
        assert_eq!(betas.len(), 3);
        for (b, e) in betas.iter().zip(expected) {
            assert!((b - e).abs() < 1e-12, "{betas:?}");
        }
        // Π (1 − β) telescopes to a_last / a_first, level by level.
        let mut a = 1.0;
        for (k, b) in betas.iter().enumerate() {
            a *= 1.0 - b;
            assert!((a - ALPHAS[k + 1]).abs() < 1e-12);
        }
    }

    #[test]
    #[should_panic(expected = "levels must decrease")]
    fn exercise_1_rejects_increasing_levels() {
        markov_betas(&[0.5, 0.7]);
    }

    #[test]
    fn exercise_2_signal_and_noise_share_the_variance_equally() {
        for s2 in [0.5, 1.0, 4.0] {
            let a = equal_share_level(s2);
            assert!((a * s2 - (1.0 - a)).abs() < 1e-12);
        }
        assert!((equal_share_level(4.0) - 0.2).abs() < 1e-12); // the chapter's ±2 data
        assert!((equal_share_level(1.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn exercise_3_quadrature_matches_monte_carlo_and_the_gaussian_limit() {
        let data = TwoPoints { m: 2.0 };
        let mut rng = seeded_rng(5);
        for a in [0.1, 0.3, 0.5, 0.7] {
            let exact = two_point_noise_mmse(2.0, a, 4_001);
            let (mc, se) = noise_mmse(&data, a, 100_000, &mut rng);
            assert!(
                (exact - mc).abs() < 4.0 * se,
                "a = {a}: {exact} vs {mc} ± {se}"
            );
            // More nodes change nothing: the rule has converged.
            assert!((exact - two_point_noise_mmse(2.0, a, 16_001)).abs() < 1e-9);
        }
        // Near a = 0 the data hardly matter: the Gaussian closed form a s² / (a s² + 1 − a).
        let a = 1e-4;
        let small = two_point_noise_mmse(2.0, a, 4_001);
        assert!(
            (small / gaussian_noise_mmse(4.0, a) - 1.0).abs() < 1e-3,
            "{small}"
        );
        // Near a = 1 the two points are told apart and the noise is recovered.
        assert!(two_point_noise_mmse(2.0, 0.99, 4_001) < 1e-6);
    }
}
