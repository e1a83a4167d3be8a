//! The interpolation view of destruction.

// ANCHOR: interpolation
/// The destroyed message at level `a` (`1` = clean, `0` = pure noise):
/// `x_t = sqrt(a) x_0 + sqrt(1 − a) z`. Introduced in chapter "Beyond Markov".
pub fn x_t(x_0: f64, z: f64, a: f64) -> f64 {
    a.sqrt() * x_0 + (1.0 - a).sqrt() * z
}

/// The inverse while the noise is kept (needs `a > 0`):
/// `x_0 = (x_t − sqrt(1 − a) z) / sqrt(a)`. Introduced in chapter "Beyond Markov".
pub fn x_0_from(x_t: f64, z: f64, a: f64) -> f64 {
    (x_t - (1.0 - a).sqrt() * z) / a.sqrt()
}

/// Moves `(x_s, z)` at level `from` to `(x_t, z)` at level `to`: recover `x_0`, then
/// mix again with the same noise. A bijection for `from, to > 0`.
pub fn remix(x_s: f64, z: f64, from: f64, to: f64) -> f64 {
    x_t(x_0_from(x_s, z, from), z, to)
}
// ANCHOR_END: interpolation

/// The levels the chapter's diagrams show, and their `a` values (`A` clean, `Z` noise).
pub const LEVELS: [&str; 4] = ["A", "B", "C", "Z"];
pub const ALPHAS: [f64; 4] = [1.0, 0.7, 0.3, 0.0];

/// The largest relative error `|x_0 − x̂_0| / (1 + |x_0|)` of the round trip
/// `(x_0, z) → (x_t, z) → (x̂_0, z)` over the given pairs.
pub fn round_trip_error(pairs: &[(f64, f64)], a: f64) -> f64 {
    pairs
        .iter()
        .map(|&(x0, z)| (x_0_from(x_t(x0, z, a), z, a) - x0).abs() / (1.0 + x0.abs()))
        .fold(0.0, f64::max)
}
