//! Chapter "Beyond Markov" at quick scale, against closed forms.

use destroy_then_generate::beyond_markov::diagrams::full_picture;
use destroy_then_generate::beyond_markov::*;
use destroy_then_generate::diagram::ClaimKind;
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
