//! Solutions to the exercises of chapter "Denoisers and scores" (asserted by the tests).

// ANCHOR: exercise_gaussian
/// Exercise 1: Gaussian data `x_0 ~ N(0, s²)`. The noised density is `N(0, a s² + 1 − a)`,
/// its score `−y / (a s² + 1 − a)`, and Tweedie gives the linear denoiser
/// `E[x_0 | x_t = y] = sqrt(a) s² y / (a s² + 1 − a)` (a Wiener filter).
pub fn gaussian_denoiser(y: f64, s2: f64, a: f64) -> f64 {
    a.sqrt() * s2 * y / (a * s2 + 1.0 - a)
}
// ANCHOR_END: exercise_gaussian

// ANCHOR: exercise_variance_exploding
/// Exercise 2: Tweedie for variance-exploding noise `y = x_0 + σ ξ`:
/// `E[x_0 | y] = y + σ² ∇ log p_σ(y)` (the form chapter "Collapse and refine" uses).
/// From `x_t = y`, the variable `u = y / sqrt(a) = x_0 + σ z` has `σ² = (1 − a)/a` and
/// density score `sqrt(a) ∇ log p_a(y)`, so the denoiser at `u` is
/// `u + σ² sqrt(a) ∇ log p_a(y) = (y + (1 − a) ∇ log p_a(y)) / sqrt(a)`, the chapter's form.
pub fn ve_denoiser_from_score(y: f64, score: f64, sigma: f64) -> f64 {
    y + sigma * sigma * score
}
// ANCHOR_END: exercise_variance_exploding

// ANCHOR: exercise_errors
/// Exercise 3: since `x_0 − E[x_0 | x_t] = −sqrt((1 − a)/a) (z − E[z | x_t])`, the optimal
/// denoiser's mean squared error is the irreducible noise-prediction error times `(1 − a)/a`.
/// The Monte Carlo check, in `the_irreducible_noise_error_matches_closed_forms`: average
/// `(x_0 − E[x_0 | x_t])²` over sampled pairs of a three-bump mixture at `a = 0.6`; it
/// matches this prediction, from the quadrature noise error, within four standard errors.
pub fn denoiser_mmse_from_noise_mmse(noise_mmse: f64, a: f64) -> f64 {
    (1.0 - a) / a * noise_mmse
}
// ANCHOR_END: exercise_errors
