//! Solutions to the exercises of chapter "Beyond Markov" (asserted by
//! `tests/chapter_beyond_markov.rs`).

use super::interpolation::x_t;
use super::noise_prediction::{posterior_noise_mean, TwoPoints};

// ANCHOR: exercise_betas
/// Exercise 1: the Markov steps behind a schedule of levels `a_0 ≥ a_1 ≥ …`: the step
/// from level `k` to `k + 1` uses `β_k = 1 − a_{k+1} / a_k`, so that
/// `Π_k (1 − β_k) = a_last / a_0`. For `a = 1, 0.7, 0.3, 0` that is `β = 0.3, 4/7, 1`.
/// The last step, into `a = 0`, has `β = 1`: it scales the message by `sqrt(1 − β) = 0` and
/// replaces it with pure noise, destroying all that is left at once.
/// Introduced in chapter "Beyond Markov".
pub fn markov_betas(levels: &[f64]) -> Vec<f64> {
    levels
        .windows(2)
        .map(|w| {
            assert!(
                w[0] > 0.0 && (0.0..=w[0]).contains(&w[1]),
                "levels must decrease from a positive value, got {} then {}",
                w[0],
                w[1]
            );
            1.0 - w[1] / w[0]
        })
        .collect()
}
// ANCHOR_END: exercise_betas

// ANCHOR: exercise_balance
/// Exercise 2: the level at which data of variance `s²` and the noise contribute equally
/// to `Var(x_t) = a s² + (1 − a)`: `a s² = 1 − a`, i.e. `a = 1 / (1 + s²)`. For the
/// chapter's two points `±2`, `s² = 4` and `a = 1/5`. In the table, the largest error of guessing the
/// noise is at one of the two levels that bracket it: the noise is hardest to guess
/// around the level where signal and noise share the variance (the table's grid of
/// levels cannot place the peak more precisely).
/// Introduced in chapter "Beyond Markov".
pub fn equal_share_level(s2: f64) -> f64 {
    assert!(s2 > 0.0, "the data variance must be positive, got {s2}");
    1.0 / (1.0 + s2)
}
// ANCHOR_END: exercise_balance

// ANCHOR: exercise_quadrature
/// Exercise 3: the irreducible error of guessing the noise, `E[(z − E[z | x_t])²]`, for
/// two-point data `±m` at level `0 < a < 1`, without Monte Carlo. By symmetry condition
/// on `x_0 = +m`; then `x_t = sqrt(a) m + sqrt(1 − a) z` and the error is a Gaussian
/// integral over `z`, computed with the trapezoid rule on `[−12, 12]` (`nodes` points).
/// Introduced in chapter "Beyond Markov".
pub fn two_point_noise_mmse(m: f64, a: f64, nodes: usize) -> f64 {
    assert!(0.0 < a && a < 1.0, "the level must lie in (0, 1), got {a}");
    assert!(
        nodes >= 3,
        "the trapezoid rule needs at least 3 nodes, got {nodes}"
    );
    let data = TwoPoints { m };
    let (lo, hi) = (-12.0, 12.0);
    let h = (hi - lo) / (nodes - 1) as f64;
    let density = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    (0..nodes)
        .map(|k| {
            let z = lo + k as f64 * h;
            let error = z - posterior_noise_mean(&data, x_t(m, z, a), a);
            let weight = if k == 0 || k == nodes - 1 { 0.5 } else { 1.0 };
            weight * h * density(z) * error * error
        })
        .sum()
}
// ANCHOR_END: exercise_quadrature
