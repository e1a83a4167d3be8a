//! Tweedie's formula: the optimal denoiser and the optimal noise prediction are the score,
//! rescaled. Written for the interpolation `x_t = sqrt(a) x_0 + sqrt(1 − a) z`.

// ANCHOR: tweedie
/// The optimal denoiser from the score (Tweedie's formula):
/// `E[x_0 | x_t = y] = (y + (1 − a) ∇ log p_a(y)) / sqrt(a)`.
/// Introduced in chapter "Denoisers and scores".
pub fn denoiser_from_score(y: f64, score: f64, a: f64) -> f64 {
    (y + (1.0 - a) * score) / a.sqrt()
}

/// The optimal noise prediction from the score: `E[z | x_t = y] = −sqrt(1 − a) ∇ log p_a(y)`.
pub fn noise_from_score(score: f64, a: f64) -> f64 {
    -(1.0 - a).sqrt() * score
}

/// The score from a noise prediction: `∇ log p_a(y) = −ε̂(y) / sqrt(1 − a)`, so a network
/// trained on DDPM's loss is a score model.
pub fn score_from_noise(noise: f64, a: f64) -> f64 {
    -noise / (1.0 - a).sqrt()
}
// ANCHOR_END: tweedie

/// The score by central finite differences of a log-density, `(log p(y + h) − log p(y − h)) / 2h`:
/// an estimate that shares no formula with the posterior means it is compared with.
pub fn finite_difference_score(log_density: impl Fn(f64) -> f64, y: f64) -> f64 {
    let h = 1e-4;
    (log_density(y + h) - log_density(y - h)) / (2.0 * h)
}
