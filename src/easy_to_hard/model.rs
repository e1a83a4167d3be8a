//! The mixed cumulant model (MCM): a covariance spike along `u` carried by a Gaussian
//! latent, a non-Gaussian latent along `v` hidden from the covariance by a whitening, and
//! the variance-preserving noise that destroys a sample at one level.

use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;

/// The median of `|N(0, 1)|`: `P(|λ| < 0.6745) = 1/2`, so `sign(|λ| − 0.6745)` is a fair
/// coin that is uncorrelated with `λ` yet depends on it.
/// Introduced in chapter "Easy to hard".
pub const MEDIAN_ABS_NORMAL: f64 = 0.674_489_750_196_081_7;

/// `E[λ sign(λ)] = E|λ| = √(2/π)`: the correlation the Gaussian control copies.
pub const MATCHED_RHO: f64 = 0.797_884_560_802_865_4;

/// How the non-Gaussian latent `ν` is drawn, given the Gaussian latent `λ`.
/// Introduced in chapter "Easy to hard".
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Latent {
    /// `ν = ±1` with probability ½ each, independent of `λ`.
    Independent,
    /// `ν = sign(λ)`: `E[λν] = √(2/π)`, so `u` and `v` share a cross-covariance.
    Sign,
    /// `ν = sign(|λ| − 0.6745)`: `E[λν] = 0` but `E[λ²ν] ≠ 0` (third-order coupling).
    Parity,
    /// The control for [`Latent::Sign`]: `ν = ρλ + √(1 − ρ²) g` with `g ~ N(0, 1)` and
    /// `ρ = √(2/π)`, a Gaussian with the sign latent's `E[λν]`. The data then have exactly
    /// the sign latent's covariance and no higher-order structure at all, so whatever a
    /// denoiser learns here, a pair-wise learner could.
    MatchedGaussian,
}

impl Latent {
    /// Draws `ν` given `λ` (mean 0, variance 1 in every case; a Rademacher variable in all
    /// but the Gaussian control).
    pub fn draw<R: Rng + ?Sized>(self, lambda: f64, rng: &mut R) -> f64 {
        let sign = |x: f64| if x >= 0.0 { 1.0 } else { -1.0 };
        match self {
            Latent::Independent => {
                if rng.random::<bool>() {
                    1.0
                } else {
                    -1.0
                }
            }
            Latent::Sign => sign(lambda),
            Latent::Parity => sign(lambda.abs() - MEDIAN_ABS_NORMAL),
            Latent::MatchedGaussian => {
                let rho = MATCHED_RHO;
                let g: f64 = rng.sample(StandardNormal);
                rho * lambda + (1.0 - rho * rho).sqrt() * g
            }
        }
    }

    /// A short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Latent::Independent => "independent",
            Latent::Sign => "ν = sign(λ)",
            Latent::Parity => "ν = sign(|λ| − 0.6745)",
            Latent::MatchedGaussian => "Gaussian ν, same covariance as sign(λ)",
        }
    }
}

/// The whitening coefficient `c = 1 − 1/√(1 + β_v)`, so that `S = I − c v vᵀ` satisfies
/// `S² = (I + β_v v vᵀ)⁻¹`.
/// Introduced in chapter "Easy to hard".
pub fn whitening_c(beta_v: f64) -> f64 {
    assert!(beta_v >= 0.0, "β_v must be non-negative, got {beta_v}");
    1.0 - 1.0 / (1.0 + beta_v).sqrt()
}

/// Two random orthonormal directions `(u, v)` in `R^d`: Gaussian vectors, normalised, with
/// `v` made orthogonal to `u` (Gram–Schmidt).
/// Introduced in chapter "Easy to hard".
pub fn random_spikes<R: Rng + ?Sized>(d: usize, rng: &mut R) -> (Vec<f64>, Vec<f64>) {
    assert!(d >= 2, "two orthogonal spikes need d ≥ 2, got d = {d}");
    let mut draw = || -> Vec<f64> { (0..d).map(|_| rng.sample(StandardNormal)).collect() };
    let mut u = draw();
    normalise(&mut u);
    let mut v = draw();
    let uv = dot(&u, &v);
    v.iter_mut().zip(&u).for_each(|(vi, ui)| *vi -= uv * ui);
    normalise(&mut v);
    (u, v)
}

// ANCHOR: model
/// The mixed cumulant model
/// `x₀ = √β_u λ u + S(√β_v ν v + z)`, with `S = I − c v vᵀ` (see [`whitening_c`]),
/// `λ ~ N(0, 1)`, `ν` from [`Latent`] and `z ~ N(0, I_d)`.
/// With independent latents `Cov(x₀) = I + β_u u uᵀ`: only `u` shows in the covariance;
/// `v` hides in the fourth cumulant.
/// Introduced in chapter "Easy to hard".
#[derive(Clone, Debug)]
pub struct MixedCumulantModel {
    pub u: Vec<f64>,
    pub v: Vec<f64>,
    pub beta_u: f64,
    pub beta_v: f64,
    pub latent: Latent,
}

impl MixedCumulantModel {
    /// Writes one sample `x₀` into `x0` (no allocation) and returns `(λ, ν)`.
    pub fn sample_into<R: Rng + ?Sized>(&self, rng: &mut R, x0: &mut [f64]) -> (f64, f64) {
        let lambda: f64 = rng.sample(StandardNormal);
        let nu = self.latent.draw(lambda, rng);
        for x in x0.iter_mut() {
            *x = rng.sample(StandardNormal); // z
        }
        // S(√β_v ν v + z) = √β_v ν v + z − c (√β_v ν + z·v) v
        let signal_v = self.beta_v.sqrt() * nu;
        let along_v = signal_v - whitening_c(self.beta_v) * (signal_v + dot(&self.v, x0));
        let along_u = self.beta_u.sqrt() * lambda;
        for ((x, u), v) in x0.iter_mut().zip(&self.u).zip(&self.v) {
            *x += along_u * u + along_v * v;
        }
        (lambda, nu)
    }
}

/// Variance-preserving destruction at one level:
/// `x_t = α x₀ + √(1 − α²) ξ`, with `ξ ~ N(0, I_d)`, written into `x_t`.
pub fn destroy_into<R: Rng + ?Sized>(alpha: f64, x0: &[f64], rng: &mut R, x_t: &mut [f64]) {
    let s = (1.0 - alpha * alpha).sqrt();
    for (xt, x) in x_t.iter_mut().zip(x0) {
        let xi: f64 = rng.sample(StandardNormal);
        *xt = alpha * x + s * xi;
    }
}
// ANCHOR_END: model

impl MixedCumulantModel {
    /// A model with fresh random spikes in `R^d`.
    pub fn random<R: Rng + ?Sized>(
        d: usize,
        beta_u: f64,
        beta_v: f64,
        latent: Latent,
        rng: &mut R,
    ) -> Self {
        assert!(beta_u >= 0.0, "β_u must be non-negative, got {beta_u}");
        assert!(beta_v >= 0.0, "β_v must be non-negative, got {beta_v}");
        let (u, v) = random_spikes(d, rng);
        MixedCumulantModel {
            u,
            v,
            beta_u,
            beta_v,
            latent,
        }
    }

    /// The dimension `d`.
    pub fn dim(&self) -> usize {
        self.u.len()
    }
}

/// `a · b`.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Scales `w` to unit length (panics on the zero vector).
pub fn normalise(w: &mut [f64]) {
    let norm = dot(w, w).sqrt();
    assert!(norm > 0.0, "cannot normalise the zero vector");
    w.iter_mut().for_each(|x| *x /= norm);
}
