//! Equal-weight isotropic Gaussian mixtures: the 25-mode grid and the 40-mode FAB mixture.

use crate::dfdx::prelude::*;
use crate::sampling_without_data::{Points, Target, Values};
use ndarray::{Array2, ArrayView1};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;
use std::f64::consts::PI;

/// The 40 means of the FAB mixture (Midgley et al., "Flow Annealed Importance Sampling
/// Bootstrap"), one `(x, y)` row per component.
const FAB40_MEANS: [[f64; 2]; 40] = [
    [-0.2995, 21.4577],
    [-32.9218, -29.4376],
    [-15.4062, 10.7263],
    [-0.7925, 31.7156],
    [-3.5498, 10.5845],
    [-12.0885, -7.8626],
    [-38.2139, -26.4913],
    [-16.4889, 1.4817],
    [15.8134, 24.0009],
    [-27.1176, -17.4185],
    [14.5287, 33.2155],
    [-8.2320, 29.9325],
    [-6.4473, 4.2326],
    [36.2190, -37.1068],
    [-25.1815, -10.1266],
    [-15.5920, 34.5600],
    [-25.9272, -18.4133],
    [-27.9456, -37.4624],
    [-23.3496, 34.3839],
    [17.8487, 19.3869],
    [2.1037, -20.5073],
    [6.7674, -37.3478],
    [-28.9026, -20.6212],
    [25.2375, 23.4529],
    [-17.7398, -1.4433],
    [25.5824, 39.7653],
    [15.8753, 5.4037],
    [26.8195, -23.5521],
    [7.4538, -31.0122],
    [-27.7234, -20.6633],
    [18.0989, 16.0864],
    [-23.6941, 12.0843],
    [21.9589, -5.0487],
    [1.5273, 9.2682],
    [24.8151, 38.4078],
    [-30.8249, -14.6588],
    [15.7204, 33.1420],
    [34.8083, 35.2943],
    [7.9606, -34.7833],
    [3.6797, -25.0242],
];

// ANCHOR: gmm
/// An equal-weight isotropic Gaussian mixture on `R^d`,
/// `p(x) = (1/K) Σ_k N(x; μ_k, s² I)`, normalised, so `log Z = 0`:
/// `log p(x) = logsumexp_k[−‖x − μ_k‖² / (2s²)] − log K − (d/2) log(2π s²)`.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug)]
pub struct Gmm {
    name: String,
    means: Array2<f64>,
    std: f64,
    // Constants of the matmul form ‖x − μ‖² = ‖x‖² − 2 x·μ + ‖μ‖², kept in f32 once.
    means_t: Vec<f32>,
    mean_sq: Vec<f32>,
}
// ANCHOR_END: gmm

impl Gmm {
    /// The mixture `(1/K) Σ_k N(μ_k, s² I)` with the `K × d` means `means` (one row per
    /// component) and common standard deviation `std = s > 0`.
    /// Introduced in chapter "Sampling without data".
    pub fn new(name: &str, means: Array2<f64>, std: f64) -> Self {
        assert!(
            means.nrows() > 0 && means.ncols() > 0,
            "a mixture needs means"
        );
        assert!(std > 0.0, "the standard deviation must be positive");
        let means_t = means.t().iter().map(|&m| m as f32).collect();
        let mean_sq = means
            .rows()
            .into_iter()
            .map(|mu| mu.dot(&mu) as f32)
            .collect();
        Self {
            name: name.to_string(),
            means,
            std,
            means_t,
            mean_sq,
        }
    }

    /// `25gmm`: 25 modes on the grid `{−10, −5, 0, 5, 10}²`, variance `s² = 0.3`.
    /// Its per-coordinate variance is `0.3 + 50 = 50.3` (the grid coordinates have
    /// variance 50) and its mean is 0.
    /// Introduced in chapter "Sampling without data".
    pub fn grid25() -> Self {
        let grid = [-10.0, -5.0, 0.0, 5.0, 10.0];
        // Row k is the grid point (grid[k / 5], grid[k % 5]).
        let means = Array2::from_shape_fn((25, 2), |(k, j)| grid[[k / 5, k % 5][j]]);
        Self::new("25gmm", means, 0.3f64.sqrt())
    }

    /// `40gmm`: the 40 FAB means in `[−40, 40]²` with `s = softplus(1) = ln(1 + e)`.
    /// Introduced in chapter "Sampling without data".
    pub fn fab40() -> Self {
        let means = Array2::from_shape_fn((40, 2), |(k, j)| FAB40_MEANS[k][j]);
        Self::new("40gmm", means, 1f64.exp().ln_1p())
    }

    /// The `K × d` means `μ_k`, one row per component.
    /// Introduced in chapter "Sampling without data".
    pub fn means(&self) -> &Array2<f64> {
        &self.means
    }

    /// The common standard deviation `s` of every component.
    /// Introduced in chapter "Sampling without data".
    pub fn std(&self) -> f64 {
        self.std
    }

    /// How many rows of `samples` lie nearest to each mean: entry `k` counts the `x` with
    /// `argmin_j ‖x − μ_j‖ = k`. Mode coverage reads off this histogram.
    /// Introduced in chapter "Sampling without data".
    pub fn mode_counts(&self, samples: &Array2<f32>) -> Vec<usize> {
        assert_eq!(
            samples.ncols(),
            self.dim(),
            "samples have the wrong dimension"
        );
        let mut counts = vec![0; self.means.nrows()];
        for x in samples.rows() {
            counts[self.nearest_mean(x)] += 1;
        }
        counts
    }

    fn nearest_mean(&self, x: ArrayView1<f32>) -> usize {
        let sq_dist = |mu: ArrayView1<f64>| -> f64 {
            mu.iter()
                .zip(x.iter())
                .map(|(&m, &xi)| (xi as f64 - m).powi(2))
                .sum()
        };
        self.means
            .rows()
            .into_iter()
            .map(sq_dist)
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(k, _)| k)
            .expect("a mixture has at least one mean")
    }
}

impl Target for Gmm {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn dim(&self) -> usize {
        self.means.ncols()
    }

    // ANCHOR: gmm_log_density
    fn log_density(&self, x: Points) -> Values {
        let (n, d) = *x.shape();
        assert_eq!(d, self.dim(), "points have the wrong dimension");
        let k = self.means.nrows();
        let dev = x.device().clone();
        let means_t = dev.tensor_from_vec(self.means_t.clone(), (d, k));
        let mean_sq = dev.tensor_from_vec(self.mean_sq.clone(), (k,));
        // One (n, d) × (d, K) matmul instead of an (n, K, d) difference tensor.
        let x_sq = x.with_empty_tape().square().sum::<(usize,), Axis<1>>();
        let cross = x.matmul(means_t);
        let sq_dist = x_sq.broadcast_like::<_, Axis<1>>(&(n, k)) - cross * 2.0
            + mean_sq.broadcast_like::<_, Axis<0>>(&(n, k));
        let var = self.std * self.std;
        let log_norm = (k as f64).ln() + 0.5 * d as f64 * (2.0 * PI * var).ln();
        (sq_dist * (-0.5 / var) as f32).logsumexp::<(usize,), Axis<1>>() - log_norm as f32
    }
    // ANCHOR_END: gmm_log_density

    fn log_z(&self) -> Option<f64> {
        Some(0.0)
    }

    fn sample(&self, n: usize, rng: &mut StdRng) -> Option<Array2<f32>> {
        let (k, d) = self.means.dim();
        let mut out = Array2::zeros((n, d));
        for mut row in out.rows_mut() {
            // Each sample picks its own component: i.i.d., so mode counts are multinomial.
            let c = rng.random_range(0..k);
            for (j, v) in row.iter_mut().enumerate() {
                let z: f64 = rng.sample(StandardNormal);
                *v = (self.means[[c, j]] + self.std * z) as f32;
            }
        }
        Some(out)
    }
}
