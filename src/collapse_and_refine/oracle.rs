//! The Bayes-optimal denoiser by quadrature over the angle, its Jacobian by
//! second-order Tweedie, and the geometry-only oracle (same manifold, uniform density).

use super::circle::Circle;
use super::evaluation::Denoiser;
use super::von_mises::von_mises_log_density;
use std::f64::consts::PI;

/// Which density along the circle the oracle assumes.
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub enum AnglePrior {
    /// The data's own von Mises(0, κ): the Bayes denoiser.
    VonMises,
    /// A uniform angle: knows the manifold but not the density along it.
    Uniform,
}

/// The posterior over the angle, summarised in plane coordinates: the mean and the
/// covariance of `(cos θ, sin θ)` given `y`.
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Copy, Debug)]
pub struct AnglePosterior {
    pub mean: [f64; 2],
    pub cov: [[f64; 2]; 2],
}

/// The oracle denoiser at one noise level σ: `f(y) = E(x_0 | y)` and
/// `J(y) = Cov(x_0 | y) / σ²`, both by midpoint quadrature on `n` angles.
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Debug)]
pub struct BayesDenoiser {
    pub circle: Circle,
    pub sigma: f64,
    pub prior: AnglePrior,
    cos: Vec<f64>,
    sin: Vec<f64>,
    log_prior: Vec<f64>,
}

impl BayesDenoiser {
    /// The oracle with `max(720, ⌈8π/σ⌉)` angles (at least four per posterior width σ).
    pub fn new(circle: &Circle, sigma: f64, prior: AnglePrior) -> Self {
        assert!(sigma > 0.0, "BayesDenoiser: σ must be > 0, got {sigma}");
        let n = 720.max((8.0 * PI / sigma).ceil() as usize);
        Self::with_angles(circle, sigma, prior, n)
    }

    /// The oracle with `n` quadrature angles `θ_i = −π + (i + ½) 2π/n`.
    pub fn with_angles(circle: &Circle, sigma: f64, prior: AnglePrior, n: usize) -> Self {
        assert!(sigma > 0.0, "BayesDenoiser: σ must be > 0, got {sigma}");
        assert!(
            n >= 8,
            "BayesDenoiser: need at least 8 quadrature angles, got {n}"
        );
        let thetas: Vec<f64> = (0..n)
            .map(|i| -PI + (i as f64 + 0.5) * 2.0 * PI / n as f64)
            .collect();
        let log_prior = thetas
            .iter()
            .map(|&t| match prior {
                AnglePrior::VonMises => von_mises_log_density(t, circle.kappa),
                AnglePrior::Uniform => 0.0,
            })
            .collect();
        BayesDenoiser {
            circle: circle.clone(),
            sigma,
            prior,
            cos: thetas.iter().map(|t| t.cos()).collect(),
            sin: thetas.iter().map(|t| t.sin()).collect(),
            log_prior,
        }
    }

    // ANCHOR: posterior
    /// The posterior over θ given `y`. With `‖y − x_0(θ)‖² = ‖y‖² − 2 y·x_0(θ) + 1`, only
    /// the in-plane coordinates `(a, b)` of `y` matter:
    /// `p(θ | y) ∝ p(θ) exp((a cos θ + b sin θ) / σ²)`.
    pub fn posterior(&self, y: &[f64]) -> AnglePosterior {
        let (a, b) = self.circle.plane_coords(y);
        let s2 = self.sigma * self.sigma;
        let logits: Vec<f64> = (0..self.cos.len())
            .map(|i| self.log_prior[i] + (a * self.cos[i] + b * self.sin[i]) / s2)
            .collect();
        let top = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (mut z, mut m, mut second) = (0.0, [0.0; 2], [[0.0; 2]; 2]);
        for (i, l) in logits.iter().enumerate() {
            let w = (l - top).exp(); // log-sum-exp: never overflows at small σ
            let u = [self.cos[i], self.sin[i]];
            z += w;
            for r in 0..2 {
                m[r] += w * u[r];
                for c in 0..2 {
                    second[r][c] += w * u[r] * u[c];
                }
            }
        }
        let mean = [m[0] / z, m[1] / z];
        let mut cov = [[0.0; 2]; 2];
        for r in 0..2 {
            for c in 0..2 {
                cov[r][c] = second[r][c] / z - mean[r] * mean[c];
            }
        }
        AnglePosterior { mean, cov }
    }
    // ANCHOR_END: posterior

    /// The effective dimension `tr J(y) = tr Cov(x_0 | y) / σ²` and the number of
    /// singular values of `J(y)` above `threshold` (the eigenvalues of the in-plane
    /// `Cov / σ²`, since `J` is symmetric positive semi-definite of rank ≤ 2).
    pub fn trace_and_rank(&self, y: &[f64], threshold: f64) -> (f64, usize) {
        let c = self.posterior(y).cov;
        let s2 = self.sigma * self.sigma;
        let (t, det) = (
            (c[0][0] + c[1][1]) / s2,
            (c[0][0] * c[1][1] - c[0][1] * c[1][0]) / (s2 * s2),
        );
        let disc = ((t * t / 4.0) - det).max(0.0).sqrt();
        let rank = [t / 2.0 + disc, t / 2.0 - disc]
            .iter()
            .filter(|&&l| l > threshold)
            .count();
        (t, rank)
    }
}

impl Denoiser for BayesDenoiser {
    fn dim(&self) -> usize {
        self.circle.d
    }

    // ANCHOR: tweedie
    /// `f(y) = E(x_0 | y) = m_1 e_1 + m_2 e_2` with `m` the posterior mean of `(cos θ, sin θ)`.
    fn denoise(&self, y: &[f64]) -> Vec<f64> {
        let m = self.posterior(y).mean;
        let c = &self.circle;
        c.e_1
            .iter()
            .zip(&c.e_2)
            .map(|(a, b)| m[0] * a + m[1] * b)
            .collect()
    }

    /// Second-order Tweedie: `J(y) = ∂f/∂y = Cov(x_0 | y) / σ² = E C Eᵀ / σ²`, with
    /// `E = (e_1 e_2)` and `C` the in-plane posterior covariance; row-major `D × D`.
    fn jacobian(&self, y: &[f64]) -> Vec<f64> {
        let cov = self.posterior(y).cov;
        let (d, s2) = (self.circle.d, self.sigma * self.sigma);
        let e = [&self.circle.e_1, &self.circle.e_2];
        let mut j = vec![0.0; d * d];
        for r in 0..d {
            for c in 0..d {
                let mut v = 0.0;
                for p in 0..2 {
                    for q in 0..2 {
                        v += e[p][r] * cov[p][q] * e[q][c];
                    }
                }
                j[r * d + c] = v / s2;
            }
        }
        j
    }
    // ANCHOR_END: tweedie
}
