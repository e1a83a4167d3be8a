//! Solutions to the exercises of chapter "Adaptive destruction" (asserted by
//! `tests/exercises_samplers.rs`).

// ANCHOR: exercise_gaussian_kl
/// "Adaptive destruction", exercise 1: `KL(N(m₁, v₁) ‖ N(m₂, v₂)) = ½ (log(v₂/v₁) + (v₁ + (m₁ − m₂)²)/v₂ − 1)`.
pub fn gaussian_kl(m1: f64, v1: f64, m2: f64, v2: f64) -> f64 {
    0.5 * ((v2 / v1).ln() + (v1 + (m1 - m2).powi(2)) / v2 - 1.0)
}

/// "Adaptive destruction", exercise 1 (continued): two `T`-step walks with the same means
/// whose step variances differ by the factor `ratio` are `T · KL(N(0, 1) ‖ N(0, ratio))`
/// apart — finite for every `T`, and unbounded as `T → ∞` unless `ratio = 1`. That is
/// why decoupled variances need discrete time.
pub fn walks_kl_with_variance_ratio(steps: usize, ratio: f64) -> f64 {
    steps as f64 * gaussian_kl(0.0, 1.0, 0.0, ratio)
}
// ANCHOR_END: exercise_gaussian_kl

// ANCHOR: exercise_polyak
/// "Adaptive destruction", exercise 2: one Polyak (exponential moving average) update of
/// a target parameter towards the online one, `θ̄ ← (1 − ρ) θ̄ + ρ θ`, with `ρ = polyak`.
pub fn polyak_update(target: f64, online: f64, polyak: f64) -> f64 {
    (1.0 - polyak) * target + polyak * online
}
// ANCHOR_END: exercise_polyak
