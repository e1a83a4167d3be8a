//! Online SGD on the denoising loss at one noise level: one fresh MCM sample per step,
//! no allocation inside the loop.

use super::denoiser::Denoiser;
use super::model::{destroy_into, Latent, MixedCumulantModel};
use crate::sampling::seeded_rng;
use ndarray_rand::rand::rngs::StdRng;
use serde::Serialize;

/// The noise level of every run in the chapter: `x_t = 0.9 x₀ + √0.19 ξ`.
/// Introduced in chapter "Easy to hard".
pub const ALPHA: f64 = 0.9;

/// The settings of one run.
/// Introduced in chapter "Easy to hard".
#[derive(Clone, Copy, Debug, Serialize)]
pub struct RunConfig {
    /// Dimension of the data.
    pub d: usize,
    /// Number of directions (neurons); with `k > 1` they are kept orthonormal.
    pub k: usize,
    pub beta_u: f64,
    pub beta_v: f64,
    pub latent: Latent,
    /// The step size `η` (the chapter uses `0.05/d` or `0.8/d²`).
    pub eta: f64,
    /// The even part `e` of the activation `φ(p) + e p²` (0: the odd `φ`).
    pub even: f64,
}

impl RunConfig {
    /// The chapter's common model: `β_u = 4`, `β_v = 10`, independent latents,
    /// `η = 0.05/d`, the odd activation.
    pub fn standard(d: usize, k: usize) -> Self {
        assert!(d >= 2, "the MCM needs d ≥ 2, got d = {d}");
        RunConfig {
            d,
            k,
            beta_u: 4.0,
            beta_v: 10.0,
            latent: Latent::Independent,
            eta: 0.05 / d as f64,
            even: 0.0,
        }
    }
}

/// One run's state: the data model (its spikes drawn from the run's seed), the denoiser,
/// the random stream and the buffers the step reuses.
/// Introduced in chapter "Easy to hard".
pub struct OnlineSgd {
    pub model: MixedCumulantModel,
    pub net: Denoiser,
    pub eta: f64,
    pub steps: u64,
    rng: StdRng,
    x0: Vec<f64>,
    x_t: Vec<f64>,
    residual: Vec<f64>,
    grad: Vec<f64>,
}

impl OnlineSgd {
    /// A fresh run: spikes, then the initial directions, from `seeded_rng(seed)`. The
    /// skip coefficient is frozen at `b = α` and the output amplitude at `a = 1`.
    pub fn new(config: &RunConfig, seed: u64) -> Self {
        assert!(config.eta > 0.0, "η must be positive, got {}", config.eta);
        let mut rng = seeded_rng(seed);
        let d = config.d;
        let model =
            MixedCumulantModel::random(d, config.beta_u, config.beta_v, config.latent, &mut rng);
        let mut net = Denoiser::random(d, config.k, ALPHA, 1.0, &mut rng);
        net.even = config.even;
        OnlineSgd {
            model,
            net,
            eta: config.eta,
            steps: 0,
            rng,
            x0: vec![0.0; d],
            x_t: vec![0.0; d],
            residual: vec![0.0; d],
            grad: vec![0.0; d * config.k],
        }
    }

    // ANCHOR: step
    /// One online step: a fresh sample, destroyed at level `α`, one Riemannian SGD step
    /// on `½‖f(x_t) − x₀‖²`. Returns the sample's loss.
    pub fn step(&mut self) -> f64 {
        self.model.sample_into(&mut self.rng, &mut self.x0);
        destroy_into(ALPHA, &self.x0, &mut self.rng, &mut self.x_t);
        let loss = self
            .net
            .gradient_into(&self.x_t, &self.x0, &mut self.residual, &mut self.grad);
        self.net.riemannian_step(&self.grad, self.eta);
        self.steps += 1;
        loss
    }
    // ANCHOR_END: step

    /// Runs `n` steps; returns the mean loss per coordinate, `½‖f − x₀‖²/d`, over them.
    pub fn run(&mut self, n: u64) -> f64 {
        let mut total = 0.0;
        for _ in 0..n {
            total += self.step();
        }
        total / (n.max(1) as f64 * self.net.d as f64)
    }

    /// `m_u`, the overlap of the directions with the covariance spike.
    pub fn m_u(&self) -> f64 {
        self.net.overlap(&self.model.u)
    }

    /// `m_v`, the overlap of the directions with the cumulant spike.
    pub fn m_v(&self) -> f64 {
        self.net.overlap(&self.model.v)
    }
}
