//! Solutions to the exercises of chapter "Sampling without data" (asserted by
//! `tests/exercises_samplers.rs`).

use super::diagrams::{exact_generation_step, level_variances};
use std::f64::consts::PI;

fn log_normal(x: f64, mean: f64, var: f64) -> f64 {
    -0.5 * ((x - mean).powi(2) / var + (2.0 * PI * var).ln())
}

// ANCHOR: exercise_gaussian_log_z
/// "Sampling without data", exercise 1: the normalising constant of
/// `log R(x) = −|x|² / 2s²` on `R^d` is `log Z = (d/2) log(2π s²)`.
/// `log Z = 0` is a poor test because the learned `log Z` starts at 0, so a scalar that
/// never learned would look exact, and any error that multiplies `log Z` (a sign, a wrong
/// factor of `d`) leaves 0 unchanged.
pub fn gaussian_log_z(d: usize, s2: f64) -> f64 {
    0.5 * d as f64 * (2.0 * PI * s2).ln()
}
// ANCHOR_END: exercise_gaussian_log_z

// ANCHOR: exercise_bridge
/// "Sampling without data", exercise 2: the bridge by Gaussian conditioning. Under the
/// reference walk from 0, `Var(x_n) = σ² n Δt`, `Var(x_{n+1}) = σ² (n+1) Δt` and
/// `Cov(x_n, x_{n+1}) = Var(x_n)`; conditioning gives `(mean, variance)` of `x_n | x_{n+1}`.
pub fn bridge_by_conditioning(n: usize, x_next: f64, sigma2: f64, dt: f64) -> (f64, f64) {
    let var_n = sigma2 * n as f64 * dt;
    let var_next = sigma2 * (n + 1) as f64 * dt;
    let cov = var_n;
    (cov / var_next * x_next, var_n - cov * cov / var_next)
}
// ANCHOR_END: exercise_bridge

// ANCHOR: exercise_log_weight
/// "Sampling without data", exercise 3: the log-weight
/// `log R(x_T) + Σ log p←(x_n | x_{n+1}) − Σ log p→(x_{n+1} | x_n)` of a trajectory
/// `(x_1, …, x_T)` of the exact Gaussian sampler (target `N(0, s²)`, bridge destruction),
/// with `log R(x) = −x² / 2s²`. Balance says it is `log Z = ½ log(2π s²)` for *every*
/// trajectory; with `exact = false` generation is the reference walk instead. Its bridge
/// terms cancel all but the walk's end law, `log w = log R(x_T) − log N(x_T; 0, σ²)`, so
/// the ELBO is `log Z − KL(N(0, σ²) ‖ N(0, s²))`, below `log Z` unless `σ² = s²` (Jensen,
/// in general). Asserted by `balance_makes_every_log_weight_equal_log_z`.
pub fn gaussian_sampler_log_weight(path: &[f64], s2: f64, sigma2: f64, exact: bool) -> f64 {
    let steps = path.len();
    let dt = 1.0 / steps as f64;
    let var = level_variances(s2, sigma2, steps);
    let x = |n: usize| if n == 0 { 0.0 } else { path[n - 1] };
    let mut log_w = -x(steps).powi(2) / (2.0 * s2);
    for n in 0..steps {
        let (c, v) = if exact {
            exact_generation_step(&var, n)
        } else {
            (1.0, sigma2 * dt)
        };
        log_w -= log_normal(x(n + 1), c * x(n), v);
        if n > 0 {
            let shrink = n as f64 / (n + 1) as f64;
            log_w += log_normal(x(n), shrink * x(n + 1), sigma2 * dt * shrink);
        }
    }
    log_w
}
// ANCHOR_END: exercise_log_weight
