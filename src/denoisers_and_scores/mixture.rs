//! A one-dimensional Gaussian mixture noised by the interpolation of chapter "Beyond
//! Markov": the one data distribution where the noised density, its score, the optimal
//! denoiser and the optimal noise prediction are all exact.

use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;
use serde::Serialize;

/// `p(x_0) = Σ_k w_k N(x_0; μ_k, s_k²)`.
/// Introduced in chapter "Denoisers and scores".
#[derive(Clone, Debug, Serialize)]
pub struct GaussianMixture {
    pub weights: Vec<f64>,
    pub means: Vec<f64>,
    pub stds: Vec<f64>,
}

/// The chapter's data: two unequal, unequally wide bumps.
pub fn chapter_mixture() -> GaussianMixture {
    GaussianMixture::new(vec![0.3, 0.7], vec![-2.0, 1.5], vec![0.5, 0.8])
}

fn normal_pdf(y: f64, mean: f64, var: f64) -> f64 {
    (-(y - mean).powi(2) / (2.0 * var)).exp() / (2.0 * std::f64::consts::PI * var).sqrt()
}

impl GaussianMixture {
    /// Panics with a message naming the problem on weights that are not a distribution
    /// or widths that are not positive.
    pub fn new(weights: Vec<f64>, means: Vec<f64>, stds: Vec<f64>) -> Self {
        assert!(
            weights.len() == means.len() && means.len() == stds.len() && !weights.is_empty(),
            "a mixture needs as many weights, means and widths, at least one of each"
        );
        assert!(
            weights.iter().all(|&w| w >= 0.0) && (weights.iter().sum::<f64>() - 1.0).abs() < 1e-12,
            "mixture weights must be non-negative and sum to one, got {weights:?}"
        );
        assert!(
            stds.iter().all(|&s| s > 0.0),
            "mixture widths must be positive, got {stds:?}"
        );
        GaussianMixture {
            weights,
            means,
            stds,
        }
    }

    /// Draws `x_0`.
    pub fn sample(&self, rng: &mut impl Rng) -> f64 {
        let k = crate::sampling::sample_index(&self.weights, rng);
        let z: f64 = rng.sample(StandardNormal);
        self.means[k] + self.stds[k] * z
    }

    /// Component `k` after noising at level `a`: mean `sqrt(a) μ_k`, variance
    /// `v_k = a s_k² + 1 − a`.
    fn noised(&self, k: usize, a: f64) -> (f64, f64) {
        (a.sqrt() * self.means[k], a * self.stds[k].powi(2) + 1.0 - a)
    }

    /// The posterior weights `r_k(y) = P(component k | x_t = y)`.
    fn responsibilities(&self, y: f64, a: f64) -> Vec<f64> {
        let joint: Vec<f64> = (0..self.weights.len())
            .map(|k| {
                let (m, v) = self.noised(k, a);
                self.weights[k] * normal_pdf(y, m, v)
            })
            .collect();
        let total: f64 = joint.iter().sum();
        joint.iter().map(|j| j / total).collect()
    }

    // ANCHOR: noised_density
    /// `p_a(y) = Σ_k w_k N(y; sqrt(a) μ_k, a s_k² + 1 − a)`, the density of
    /// `x_t = sqrt(a) x_0 + sqrt(1 − a) z`.
    pub fn density(&self, y: f64, a: f64) -> f64 {
        (0..self.weights.len())
            .map(|k| {
                let (m, v) = self.noised(k, a);
                self.weights[k] * normal_pdf(y, m, v)
            })
            .sum()
    }
    // ANCHOR_END: noised_density

    /// `log p_a(y)`.
    pub fn log_density(&self, y: f64, a: f64) -> f64 {
        self.density(y, a).ln()
    }

    /// The exact score `∇ log p_a(y) = Σ_k r_k(y) (sqrt(a) μ_k − y) / v_k`.
    pub fn score(&self, y: f64, a: f64) -> f64 {
        let r = self.responsibilities(y, a);
        (0..r.len())
            .map(|k| {
                let (m, v) = self.noised(k, a);
                r[k] * (m - y) / v
            })
            .sum()
    }

    // ANCHOR: posterior_means
    /// The optimal denoiser `E[x_0 | x_t = y]`, by Bayes within each component:
    /// `Σ_k r_k(y) (μ_k + sqrt(a) s_k² (y − sqrt(a) μ_k) / v_k)`.
    pub fn posterior_mean_x_0(&self, y: f64, a: f64) -> f64 {
        let r = self.responsibilities(y, a);
        (0..r.len())
            .map(|k| {
                let (m, v) = self.noised(k, a);
                r[k] * (self.means[k] + a.sqrt() * self.stds[k].powi(2) * (y - m) / v)
            })
            .sum()
    }

    /// The optimal noise prediction `E[z | x_t = y] = Σ_k r_k(y) sqrt(1 − a) (y − sqrt(a) μ_k) / v_k`.
    pub fn posterior_mean_noise(&self, y: f64, a: f64) -> f64 {
        let r = self.responsibilities(y, a);
        (0..r.len())
            .map(|k| {
                let (m, v) = self.noised(k, a);
                r[k] * (1.0 - a).sqrt() * (y - m) / v
            })
            .sum()
    }
    // ANCHOR_END: posterior_means

    /// The irreducible error of guessing the noise, `E[Var(z | x_t)]`: the lowest value
    /// DDPM's loss can reach at level `a`, by quadrature over `y` (the component-wise
    /// variance plus the spread of the component means).
    pub fn noise_mmse(&self, a: f64) -> f64 {
        let (lo, hi) = self.support(a);
        let n = 4_000;
        let h = (hi - lo) / n as f64;
        (0..n)
            .map(|i| {
                let y = lo + (i as f64 + 0.5) * h;
                let r = self.responsibilities(y, a);
                let mut second_moment = 0.0;
                for (k, rk) in r.iter().enumerate() {
                    let (m, v) = self.noised(k, a);
                    // z | y, k is Gaussian: mean sqrt(1 − a)(y − m)/v, variance a s_k²/v.
                    let mean = (1.0 - a).sqrt() * (y - m) / v;
                    second_moment += rk * (mean * mean + a * self.stds[k].powi(2) / v);
                }
                let mean = self.posterior_mean_noise(y, a);
                (second_moment - mean * mean) * self.density(y, a) * h
            })
            .sum()
    }

    /// An interval that holds all but a negligible part of `p_a`.
    pub fn support(&self, a: f64) -> (f64, f64) {
        (0..self.weights.len())
            .map(|k| {
                let (m, v) = self.noised(k, a);
                (m - 9.0 * v.sqrt(), m + 9.0 * v.sqrt())
            })
            .fold((f64::MAX, f64::MIN), |(lo, hi), (l, h)| {
                (lo.min(l), hi.max(h))
            })
    }
}
