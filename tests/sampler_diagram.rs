//! Chapter "Sampling without data": the sampler drawn as a generative commutative
//! diagram, checked where balance holds exactly and where it visibly fails.

use destroy_then_generate::destroying_and_generating::diagram::ClaimKind;
use destroy_then_generate::sampling_without_data::diagrams::*;

#[test]
fn when_the_target_is_the_reference_walk_the_exact_generation_is_the_walk() {
    // Target N(0, σ²) is where the reference walk ends, so reversing "sample, then
    // destroy by the bridge" must give back the walk: x_{n+1} = x_n + σ sqrt(Δt) ξ.
    let (sigma2, steps) = (1.7, 5);
    let var = level_variances(sigma2, sigma2, steps);
    for (n, v) in var.iter().enumerate() {
        assert!(
            (v - sigma2 * n as f64 / steps as f64).abs() < 1e-12,
            "Var_{n} = {v}"
        );
    }
    for n in 0..steps {
        let (c, v) = exact_generation_step(&var, n);
        if n > 0 {
            assert!((c - 1.0).abs() < 1e-12, "step {n}: c = {c}");
        }
        assert!(
            (v - sigma2 / steps as f64).abs() < 1e-12,
            "step {n}: v = {v}"
        );
    }
}

#[test]
fn the_exact_generation_reaches_the_target_variance() {
    let (s2, sigma2, steps) = (2.5, 0.6, 4);
    let var = level_variances(s2, sigma2, steps);
    // Forward: Var_{n+1} = c² Var_n + v must climb back to s².
    let mut forward = 0.0;
    for n in 0..steps {
        let (c, v) = exact_generation_step(&var, n);
        forward = c * c * forward + v;
    }
    assert!((forward - s2).abs() < 1e-12, "{forward}");
}

#[test]
fn balance_holds_for_the_exact_sampler_and_fails_for_a_fresh_one() {
    let exact = sampler_diagram(true).check_sampled(4_000, 0).unwrap();
    assert!(exact.iter().all(|c| c.holds), "{exact:?}");
    assert!(exact.iter().any(|c| c.kind == ClaimKind::SameConditional));
    let fresh = sampler_diagram(false).check_sampled(4_000, 0).unwrap();
    let failed: Vec<_> = fresh.iter().filter(|c| !c.holds).collect();
    // The walk ends at N(0, σ²), not N(0, s²): both the marginal and the balance fail.
    assert_eq!(failed.len(), 2, "{fresh:?}");
}
