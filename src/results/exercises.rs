//! Solutions to the exercises of chapters "Results" and "Scaling up" (asserted by
//! `tests/exercises_samplers.rs`).

use crate::sampling_without_data::evaluate::log_mean_exp;
use ndarray::Array1;

/// "Results", exercise 1: the two-sided exact sign test on paired seeds — the one every
/// verdict of chapter "Results" reports (see [`super::rules::sign_test_p_value`]).
pub use super::rules::sign_test_p_value;

// ANCHOR: exercise_elbo_gap
/// "Results", exercise 2: if the log-weights of a sampler's trajectories are Gaussian with
/// variance `v`, then `log Z = log E w = E log w + v/2`, so the ELBO gap is exactly `v/2`.
pub fn elbo_gap_of_gaussian_log_weights(v: f64) -> f64 {
    v / 2.0
}
// ANCHOR_END: exercise_elbo_gap

// ANCHOR: exercise_log_mean_exp
/// "Scaling up", exercise 1: `log Z ≈ log mean_i r(z_i)` over prior draws `z_i`, from the
/// log-rewards (the crate's stable `log_mean_exp`), with its standard error by the delta
/// method: `se(mean) / mean`, computed on the rewards divided by their mean.
pub fn log_mean_exp_with_se(log_values: &[f64]) -> (f64, f64) {
    let n = log_values.len() as f64;
    let estimate = log_mean_exp(&Array1::from(log_values.to_vec()));
    // r_i / mean_j r_j, so the ratio se(mean) / mean needs no overflow-prone exponent.
    let ratios: Vec<f64> = log_values.iter().map(|l| (l - estimate).exp()).collect();
    let var = ratios.iter().map(|r| (r - 1.0).powi(2)).sum::<f64>() / (n - 1.0);
    (estimate, (var / n).sqrt())
}
// ANCHOR_END: exercise_log_mean_exp
