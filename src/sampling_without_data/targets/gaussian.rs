//! A diagonal Gaussian: the target where everything (density, `log Z`, samples) is exact.

use crate::dfdx::prelude::*;
use crate::sampling_without_data::{Points, Target, Values};
use ndarray::Array2;
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;
use std::f64::consts::PI;

// ANCHOR: gaussian
/// A diagonal Gaussian `N(m, diag(σ²))` on `R^d`, optionally shifted by a known constant
/// `c`: `log_density(x) = log N(x; m, diag(σ²)) + c` with
/// `log N(x; m, diag(σ²)) = −½ Σ_i ((x_i − m_i)/σ_i)² − Σ_i log σ_i − (d/2) log 2π`,
/// so `log Z = c` (0 unless set with [`Gaussian::with_log_z`]).
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug)]
pub struct Gaussian {
    mean: Vec<f32>,
    std: Vec<f32>,
    log_z: f64,
}
// ANCHOR_END: gaussian

impl Gaussian {
    /// The normalised `N(mean, diag(std²))`; `mean` and `std` have one entry per
    /// coordinate and every `std` is positive.
    /// Introduced in chapter "Sampling without data".
    pub fn new(mean: Vec<f32>, std: Vec<f32>) -> Self {
        assert_eq!(mean.len(), std.len(), "mean and std differ in length");
        assert!(!mean.is_empty(), "a Gaussian needs at least one coordinate");
        assert!(std.iter().all(|&s| s > 0.0), "every std must be positive");
        Self {
            mean,
            std,
            log_z: 0.0,
        }
    }

    /// The same Gaussian made unnormalised: `log_density = log N + c`, `log Z = c`.
    /// Introduced in chapter "Sampling without data".
    pub fn with_log_z(mut self, c: f64) -> Self {
        self.log_z = c;
        self
    }

    /// The mean `m`.
    /// Introduced in chapter "Sampling without data".
    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    /// The per-coordinate standard deviations `σ`.
    /// Introduced in chapter "Sampling without data".
    pub fn std(&self) -> &[f32] {
        &self.std
    }
}

impl Target for Gaussian {
    fn name(&self) -> String {
        "gaussian".to_string()
    }

    fn dim(&self) -> usize {
        self.mean.len()
    }

    fn log_density(&self, x: Points) -> Values {
        let (n, d) = *x.shape();
        assert_eq!(d, self.dim(), "points have the wrong dimension");
        let dev = x.device().clone();
        let mean = dev
            .tensor_from_vec(self.mean.clone(), (d,))
            .broadcast_like::<_, Axis<0>>(&(n, d));
        let inv_std: Vec<f32> = self.std.iter().map(|s| 1.0 / s).collect();
        let inv_std = dev
            .tensor_from_vec(inv_std, (d,))
            .broadcast_like::<_, Axis<0>>(&(n, d));
        let log_std: f64 = self.std.iter().map(|&s| (s as f64).ln()).sum();
        let constant = self.log_z - log_std - 0.5 * d as f64 * (2.0 * PI).ln();
        ((x - mean) * inv_std).square().sum::<(usize,), Axis<1>>() * -0.5 + constant as f32
    }

    fn log_z(&self) -> Option<f64> {
        Some(self.log_z)
    }

    fn sample(&self, n: usize, rng: &mut StdRng) -> Option<Array2<f32>> {
        let mut out = Array2::zeros((n, self.dim()));
        for mut row in out.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                let z: f64 = rng.sample(StandardNormal);
                *v = (self.mean[j] as f64 + self.std[j] as f64 * z) as f32;
            }
        }
        Some(out)
    }
}
