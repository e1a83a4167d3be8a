//! Denoising score matching at one noise level with Adam, logging collapse and
//! refinement as training goes.

use super::circle::Circle;
use super::evaluation::{EvalSet, Metrics};
use super::mlp::Trainable;
use crate::sampling::seeded_rng;
use serde::Serialize;

/// Adam (β₁ 0.9, β₂ 0.999, ε 1e-8) on a flat parameter vector.
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Debug)]
pub struct Adam {
    pub lr: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl Adam {
    pub fn new(lr: f64, len: usize) -> Self {
        assert!(lr > 0.0, "Adam: the learning rate must be > 0, got {lr}");
        Adam {
            lr,
            m: vec![0.0; len],
            v: vec![0.0; len],
            t: 0,
        }
    }

    /// `m ← β₁ m + (1 − β₁) g`, `v ← β₂ v + (1 − β₂) g²`,
    /// `θ ← θ − lr m̂ / (sqrt(v̂) + ε)` with bias-corrected `m̂, v̂`.
    pub fn step(&mut self, theta: &mut [f64], grad: &[f64]) {
        let (b1, b2, eps): (f64, f64, f64) = (0.9, 0.999, 1e-8);
        self.t += 1;
        let (c1, c2) = (1.0 - b1.powi(self.t), 1.0 - b2.powi(self.t));
        for i in 0..theta.len() {
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * grad[i];
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * grad[i] * grad[i];
            theta[i] -= self.lr * (self.m[i] / c1) / ((self.v[i] / c2).sqrt() + eps);
        }
    }
}

/// Training hyper-parameters of one single-σ run (the notes' values: lr 3e-3, batch 64).
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Copy, Debug, Serialize)]
pub struct TrainConfig {
    pub sigma: f64,
    pub steps: usize,
    pub batch: usize,
    pub lr: f64,
}

impl TrainConfig {
    pub fn new(sigma: f64, steps: usize) -> Self {
        TrainConfig {
            sigma,
            steps,
            batch: 64,
            lr: 3e-3,
        }
    }
}

/// The metrics after `step` optimiser steps.
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Copy, Debug, Serialize)]
pub struct LogPoint {
    pub step: usize,
    pub metrics: Metrics,
}

/// The logging steps `0, 25, 50, 100, 150`, then every 250, up to `steps`.
/// Introduced in chapter "Collapse and refine".
pub fn log_steps(steps: usize) -> Vec<usize> {
    let mut out: Vec<usize> = [0, 25, 50, 100, 150]
        .into_iter()
        .filter(|&s| s <= steps)
        .collect();
    out.extend((250..=steps).step_by(250));
    if out.last() != Some(&steps) {
        out.push(steps);
    }
    out
}

// ANCHOR: dsm_step
/// One Adam step on the denoising loss `mean ‖f(x_0 + σ ξ) − x_0‖² / σ²` over a batch
/// of fresh samples; returns the batch loss.
/// Introduced in chapter "Collapse and refine".
pub fn dsm_step<N: Trainable>(
    net: &mut N,
    adam: &mut Adam,
    circle: &Circle,
    config: &TrainConfig,
    rng: &mut impl ndarray_rand::rand::Rng,
) -> f64 {
    let mut grad = vec![0.0; net.theta().len()];
    let weight = 1.0 / (config.batch as f64 * config.sigma * config.sigma);
    let mut loss = 0.0;
    for _ in 0..config.batch {
        let (_, x_0) = circle.sample(rng);
        let y = circle.noisy(&x_0, config.sigma, rng);
        loss += net.loss_grad(&y, &x_0, weight, &mut grad);
    }
    adam.step(net.theta_mut(), &grad);
    loss
}
// ANCHOR_END: dsm_step

/// Trains `net` at one σ for `config.steps` steps from `seed`, evaluating on `eval`
/// after each step count in `log_at` (ascending; those beyond `config.steps` are skipped).
/// Introduced in chapter "Collapse and refine".
pub fn train_logged<N: Trainable>(
    net: &mut N,
    circle: &Circle,
    config: &TrainConfig,
    eval: &EvalSet,
    log_at: &[usize],
    seed: u64,
) -> Vec<LogPoint> {
    assert!(
        config.sigma > 0.0,
        "train_logged: σ must be > 0, got {}",
        config.sigma
    );
    assert_eq!(
        net.dim(),
        circle.d,
        "train_logged: network and circle dimensions differ"
    );
    let mut rng = seeded_rng(seed);
    let mut adam = Adam::new(config.lr, net.theta().len());
    let mut log = Vec::new();
    let mut step = 0;
    for &target in log_at.iter().filter(|&&s| s <= config.steps) {
        while step < target {
            dsm_step(net, &mut adam, circle, config, &mut rng);
            step += 1;
        }
        log.push(LogPoint {
            step,
            metrics: eval.evaluate(net),
        });
    }
    log
}
