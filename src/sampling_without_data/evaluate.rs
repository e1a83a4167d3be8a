//! How good is a sampler? Bounds on `log Z` from its log-weights, and distances between
//! its samples and exact target samples. One `evaluate` serves the CLI, the tests, the
//! chapters and the notebooks.

use super::destruction::DestructionProcess;
use super::kernels::{KernelConfig, SamplerNets};
use super::mmd::{mmd_rbf, DEFAULT_BANDWIDTHS};
use super::network::Evaluator;
use super::target::Target;
use super::trajectory::final_states;
use super::transport::wasserstein2;
use crate::dfdx::prelude::*;
use ndarray::{Array1, Array2};
use ndarray_rand::rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

/// One evaluation of a sampler.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Evaluation {
    pub iteration: usize,
    /// `ELBO = mean_i log w(τ_i)`, `τ_i ~ P→` (no exploration): a lower bound on `log Z`.
    pub elbo: f64,
    /// `log Ẑ = log mean_i exp(log w(τ_i))`, same trajectories: importance sampling.
    pub log_z_hat: f64,
    /// `EUBO = mean_j log w(τ_j)`, `x_j ~ p` exactly, `τ_j ~ P←(·|x_j)`: an upper bound.
    pub eubo: Option<f64>,
    /// The learned `log Z` of trajectory balance.
    pub log_z_learned: f64,
    /// The true `log Z`, when known.
    pub log_z: Option<f64>,
    /// Exact 2-Wasserstein distance between model and target samples (when computed).
    pub w2: Option<f64>,
    /// Squared MMD with a sum of RBF kernels (when computed).
    pub mmd: Option<f64>,
}

impl Evaluation {
    /// `log Z − ELBO` (≥ 0 in expectation).
    pub fn elbo_gap(&self) -> Option<f64> {
        self.log_z.map(|z| z - self.elbo)
    }
    /// `|log Ẑ − log Z|`.
    pub fn log_z_hat_error(&self) -> Option<f64> {
        self.log_z.map(|z| (self.log_z_hat - z).abs())
    }
    /// `EUBO − log Z` (≥ 0 in expectation).
    pub fn eubo_gap(&self) -> Option<f64> {
        Some(self.eubo? - self.log_z?)
    }
}

/// `log mean_i exp(v_i)`, computed stably.
pub fn log_mean_exp(values: &Array1<f64>) -> f64 {
    let max = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + (values.iter().map(|v| (v - max).exp()).sum::<f64>() / values.len() as f64).ln()
}

// ANCHOR: evaluate
/// Evaluates `nets` on `n` fresh trajectories (and `n` exact target samples when the
/// target has a sampler). `sample_metrics` adds W2 and MMD, which cost O(n³) and O(n²).
pub fn evaluate<
    const D: usize,
    Dv: Device<f32>,
    P: Evaluator<Dv>,
    K: DestructionProcess,
    Tg: Target + ?Sized,
>(
    nets: &SamplerNets<D, f32, Dv, K, P>,
    config: &KernelConfig,
    target: &Tg,
    n: usize,
    sample_metrics: bool,
    rng: &mut StdRng,
) -> (Evaluation, Array2<f32>) {
    let states = nets.generate(config, n, 0.0, rng);
    let log_w = nets.log_weights(config, target, &states);
    let samples = final_states(&states);
    let exact = target.sample(n, rng);
    let eubo = exact.as_ref().map(|x| {
        let backward = nets.destroy(config, x, rng);
        nets.log_weights(config, target, &backward)
            .mean()
            .unwrap_or(f64::NAN)
    });
    let (w2, mmd) = match (&exact, sample_metrics) {
        (Some(x), true) => (
            wasserstein2(&samples, x).ok(),
            Some(mmd_rbf(&samples, x, &DEFAULT_BANDWIDTHS)),
        ),
        _ => (None, None),
    };
    let evaluation = Evaluation {
        iteration: 0,
        elbo: log_w.mean().unwrap_or(f64::NAN),
        log_z_hat: log_mean_exp(&log_w),
        eubo,
        log_z_learned: nets.log_z.value.as_vec()[0] as f64,
        log_z: target.log_z(),
        w2,
        mmd,
    };
    (evaluation, samples)
}
// ANCHOR_END: evaluate
