//! Guessing the destroyed noise: for data on two points the ideal guess is known in
//! closed form, and so is its irreducible error for Gaussian data.

use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;

/// Data on two points, `x_0 = ±m` with probability 1/2 each (variance `m²`).
/// Introduced in chapter "Beyond Markov".
#[derive(Clone, Copy, Debug)]
pub struct TwoPoints {
    pub m: f64,
}

impl TwoPoints {
    pub fn sample(&self, rng: &mut StdRng) -> f64 {
        if rng.random_bool(0.5) {
            self.m
        } else {
            -self.m
        }
    }

    /// `P(x_0 = +m | x_t) = σ(2 sqrt(a) m x_t / (1 − a))`, for `0 < a < 1`.
    pub fn p_plus(&self, x_t: f64, a: f64) -> f64 {
        let logit = 2.0 * a.sqrt() * self.m * x_t / (1.0 - a);
        1.0 / (1.0 + (-logit).exp())
    }
}

// ANCHOR: posterior_noise
/// The ideal noise prediction `E[z | x_t] = (x_t − sqrt(a) E[x_0 | x_t]) / sqrt(1 − a)`,
/// with `E[x_0 | x_t] = m tanh(sqrt(a) m x_t / (1 − a))` for two-point data.
/// Introduced in chapter "Beyond Markov".
pub fn posterior_noise_mean(data: &TwoPoints, x_t: f64, a: f64) -> f64 {
    let x0_mean = data.m * (a.sqrt() * data.m * x_t / (1.0 - a)).tanh();
    (x_t - a.sqrt() * x0_mean) / (1.0 - a).sqrt()
}

/// A draw from `P(z | x_t)`: draw `x_0` from its posterior, then solve for the noise.
pub fn sample_posterior_noise(data: &TwoPoints, x_t: f64, a: f64, rng: &mut StdRng) -> f64 {
    let x0 = if rng.random_bool(data.p_plus(x_t, a)) {
        data.m
    } else {
        -data.m
    };
    (x_t - a.sqrt() * x0) / (1.0 - a).sqrt()
}
// ANCHOR_END: posterior_noise

/// Monte Carlo estimate of the irreducible error `E[(z − E[z | x_t])²]` for two-point
/// data at level `a`, and its standard error, from `n` draws.
pub fn noise_mmse(data: &TwoPoints, a: f64, n: usize, rng: &mut StdRng) -> (f64, f64) {
    let errors: Vec<f64> = (0..n)
        .map(|_| {
            let (x0, z) = (data.sample(rng), rng.sample::<f64, _>(StandardNormal));
            let xt = a.sqrt() * x0 + (1.0 - a).sqrt() * z;
            (z - posterior_noise_mean(data, xt, a)).powi(2)
        })
        .collect();
    let mean = errors.iter().sum::<f64>() / n as f64;
    let var = errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, (var / n as f64).sqrt())
}

/// The same error for Gaussian data `x_0 ~ N(0, s²)`, in closed form:
/// `E[(z − E[z | x_t])²] = a s² / (a s² + 1 − a)`.
pub fn gaussian_noise_mmse(s2: f64, a: f64) -> f64 {
    a * s2 / (a * s2 + 1.0 - a)
}
