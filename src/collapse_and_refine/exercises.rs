//! Solutions to the chapter's exercises.

use super::circle::Circle;
use super::evaluation::EvalSet;
use super::mlp::{Bottleneck, Mlp};
use super::training::{train_logged, LogPoint, TrainConfig};
use super::von_mises::bessel_ratio;
use crate::sampling::seeded_rng;

// ANCHOR: exercise_uniform
/// Exercise 1. For a *uniform* angle the posterior given a point at in-plane radius `r`
/// is von Mises with concentration `z = r/σ²` around the point's angle, so
/// `‖E(x_0 | y)‖ = A(z) = I_1(z)/I_0(z)` and
/// `tr J*(y) = tr Cov(x_0 | y) / σ² = (1 − A(z)²) / σ²` (using `‖x_0‖ = 1`).
/// As σ → 0, `A(z) ≈ 1 − 1/(2z)`, so `tr J* → 1/r`: exactly 1 on the circle.
/// Introduced in chapter "Collapse and refine".
pub fn uniform_circle_trace(r: f64, sigma: f64) -> f64 {
    assert!(
        r > 0.0 && sigma > 0.0,
        "uniform_circle_trace: need r > 0 and σ > 0, got {r}, {sigma}"
    );
    let a = bessel_ratio(r / (sigma * sigma));
    (1.0 - a * a) / (sigma * sigma)
}
// ANCHOR_END: exercise_uniform

// ANCHOR: exercise_bottleneck
/// Exercise 2. The residual MLP and a bottleneck denoiser `dec(A x + b)` (latent
/// dimension 2) trained side by side at σ on a circle in `R^d`, same width, same steps,
/// same evaluation points; returns both logs and the geometry-only excess.
/// The residual network is the one that depends on `d`: it starts at `tr J = d` and must
/// unlearn the `d − 2` normal directions, while the bottleneck's Jacobian has rank at
/// most 2 from its first step, so its `tr J` at step 100 is below 2 whatever `d` is, and
/// at the same budget it ends with the smaller excess (the test asserts both at `d = 64`).
/// Introduced in chapter "Collapse and refine".
pub fn bottleneck_against_residual(
    d: usize,
    sigma: f64,
    steps: usize,
    points: usize,
    seed: u64,
) -> (Vec<LogPoint>, Vec<LogPoint>, f64) {
    let circle = Circle::random(d, 2.0, 5);
    let eval = EvalSet::new(&circle, sigma, points, seed + 1000);
    let log_at = [0, 100, steps / 2, steps];
    let config = TrainConfig::new(sigma, steps);
    let mut residual = Mlp::new(d, 64, true, &mut seeded_rng(seed));
    let mut bottleneck = Bottleneck::new(d, 2, 64, &mut seeded_rng(seed));
    (
        train_logged(&mut residual, &circle, &config, &eval, &log_at, seed),
        train_logged(&mut bottleneck, &circle, &config, &eval, &log_at, seed),
        eval.geometry_excess,
    )
}
// ANCHOR_END: exercise_bottleneck

// ANCHOR: exercise_kappa
/// Exercise 3. The density's share of the error (the geometry-only oracle's excess over
/// Bayes, in units of σ²) at each σ for a circle with concentration κ: zero for κ = 0,
/// where the angle is uniform and the geometry-only oracle *is* the Bayes denoiser. A
/// sharper density peaks higher and at a smaller σ (the test checks both for κ = 2 and 8
/// on a grid of σ): the density matters most when the noise is comparable to its angular
/// width, and a sharper density is narrower.
/// Introduced in chapter "Collapse and refine".
pub fn density_share(kappa: f64, sigmas: &[f64], points: usize, seed: u64) -> Vec<f64> {
    let circle = Circle::random(16, kappa, 5);
    sigmas
        .iter()
        .map(|&sigma| EvalSet::new(&circle, sigma, points, seed).geometry_excess)
        .collect()
}
// ANCHOR_END: exercise_kappa
