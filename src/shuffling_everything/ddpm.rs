//! A small DDPM on the 2-D toy data: GaussianShuffle (variance preserving) destroys, a
//! network trained to guess the added noise generates, one step at a time.

use super::toy_data::sample_blobs;
use crate::dfdx::optim::Adam;
use crate::dfdx::prelude::*;
use crate::sampling::seeded_rng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;
use serde::Serialize;

/// Number of destruction steps `T`.
pub const STEPS: usize = 100;
const FEATURES: usize = 9;
const HIDDEN: usize = 128;

/// The noise-prediction network: `(x, time features) ↦ ε̂`, two hidden ReLU layers.
/// Introduced in chapter "Shuffling everything".
pub type Denoiser = (
    Linear<FEATURES, HIDDEN>,
    ReLU,
    Linear<HIDDEN, HIDDEN>,
    ReLU,
    Linear<HIDDEN, 2>,
);
type Model = <Denoiser as BuildOnDevice<Cpu, f32>>::Built;

// ANCHOR: schedule
/// The noise schedule: `β_t` linear from `1e-3` to `0.1`, and `ᾱ_t = Π_{s ≤ t} (1 − β_s)`
/// (so `x_t = sqrt(ᾱ_t) x_0 + sqrt(1 − ᾱ_t) z`, chapter "Beyond Markov").
/// Introduced in chapter "Shuffling everything".
pub fn schedule() -> (Vec<f64>, Vec<f64>) {
    let betas: Vec<f64> = (0..STEPS)
        .map(|t| 1e-3 + (0.1 - 1e-3) * t as f64 / (STEPS - 1) as f64)
        .collect();
    let alpha_bars = betas
        .iter()
        .scan(1.0, |acc, b| {
            *acc *= 1.0 - b;
            Some(*acc)
        })
        .collect();
    (betas, alpha_bars)
}
// ANCHOR_END: schedule

/// Input row for `x` at step `t` (0-based): `x`, `s = (t + 1) / T`, `sin(kπs)`, `cos(kπs)`.
fn features(x: [f64; 2], t: usize) -> [f32; FEATURES] {
    let s = (t + 1) as f64 / STEPS as f64;
    let mut f = [0.0f32; FEATURES];
    f[0] = x[0] as f32;
    f[1] = x[1] as f32;
    f[2] = s as f32;
    for k in 1..=3 {
        let angle = std::f64::consts::PI * k as f64 * s;
        f[1 + 2 * k] = angle.sin() as f32;
        f[2 + 2 * k] = angle.cos() as f32;
    }
    f
}

/// Training size: iterations and batch.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct DdpmConfig {
    pub iterations: usize,
    pub batch: usize,
    pub learning_rate: f64,
}

/// A trained DDPM and its loss curve (mean loss per tenth of training).
pub struct Ddpm {
    model: Model,
    device: Cpu,
    pub losses: Vec<f64>,
}

// ANCHOR: train
/// Trains the denoiser on DDPM's simplified objective: draw `x_0`, a step `t` and noise
/// `z`, form `x_t`, and regress `ε̂(x_t, t)` onto `z` (mean squared error).
pub fn train(config: DdpmConfig, seed: u64) -> Ddpm {
    let device = Cpu::seed_from_u64(seed);
    let mut model = device.build_module::<Denoiser, f32>();
    let mut grads = model.alloc_grads();
    let mut optimiser = Adam::new(
        &model,
        AdamConfig {
            lr: config.learning_rate,
            ..Default::default()
        },
    );
    let (_, alpha_bars) = schedule();
    let mut rng = seeded_rng(seed);
    let mut losses = Vec::new();
    let mut running = 0.0;
    let chunk = (config.iterations / 10).max(1);
    for iteration in 0..config.iterations {
        let mut inputs = Vec::with_capacity(config.batch * FEATURES);
        let mut noise = Vec::with_capacity(config.batch * 2);
        for _ in 0..config.batch {
            let x0 = sample_blobs(&mut rng);
            let t = rng.random_range(0..STEPS);
            let z: [f64; 2] = [rng.sample(StandardNormal), rng.sample(StandardNormal)];
            let (keep, add) = (alpha_bars[t].sqrt(), (1.0 - alpha_bars[t]).sqrt());
            let xt = [keep * x0[0] + add * z[0], keep * x0[1] + add * z[1]];
            inputs.extend(features(xt, t));
            noise.extend(z.map(|v| v as f32));
        }
        let input = device.tensor_from_vec(inputs, (config.batch, Const::<FEATURES>));
        let target = device.tensor_from_vec(noise, (config.batch, Const::<2>));
        let prediction = model.forward_mut(input.traced(grads));
        let loss = mse_loss(prediction, target);
        running += loss.array() as f64;
        grads = loss.backward();
        optimiser
            .update(&mut model, &grads)
            .expect("every parameter has a gradient");
        model.zero_grads(&mut grads);
        if (iteration + 1) % chunk == 0 {
            losses.push(running / chunk as f64);
            running = 0.0;
        }
    }
    Ddpm {
        model,
        device,
        losses,
    }
}
// ANCHOR_END: train

/// Samples at chosen steps of the generation (`STEPS` = pure noise, 0 = the output).
#[derive(Clone, Debug, Serialize)]
pub struct Snapshot {
    pub step: usize,
    pub points: Vec<[f64; 2]>,
}

impl Ddpm {
    /// `ε̂(x_t, t)` for a batch of points at step `t`.
    pub fn predict_noise(&self, xs: &[[f64; 2]], t: usize) -> Vec<[f64; 2]> {
        let inputs: Vec<f32> = xs.iter().flat_map(|&x| features(x, t)).collect();
        let input = self
            .device
            .tensor_from_vec(inputs, (xs.len(), Const::<FEATURES>));
        let out = self.model.forward(input).as_vec();
        out.chunks(2).map(|c| [c[0] as f64, c[1] as f64]).collect()
    }

    // ANCHOR: sample
    /// Ancestral sampling: start from `N(0, I)` and undo one step at a time,
    /// `x_{t−1} = (x_t − β_t / sqrt(1 − ᾱ_t) ε̂) / sqrt(1 − β_t) + sqrt(β_t) ξ`
    /// (no fresh noise at the last step). Keeps the points at `keep` steps.
    pub fn sample(&self, n: usize, keep: &[usize], seed: u64) -> Vec<Snapshot> {
        let (betas, alpha_bars) = schedule();
        let mut rng = seeded_rng(seed);
        let mut xs: Vec<[f64; 2]> = (0..n)
            .map(|_| [rng.sample(StandardNormal), rng.sample(StandardNormal)])
            .collect();
        let mut snapshots = Vec::new();
        for t in (0..STEPS).rev() {
            if keep.contains(&(t + 1)) {
                snapshots.push(Snapshot {
                    step: t + 1,
                    points: xs.clone(),
                });
            }
            let eps = self.predict_noise(&xs, t);
            let (beta, alpha_bar) = (betas[t], alpha_bars[t]);
            for (x, e) in xs.iter_mut().zip(&eps) {
                for i in 0..2 {
                    let mean =
                        (x[i] - beta / (1.0 - alpha_bar).sqrt() * e[i]) / (1.0 - beta).sqrt();
                    let fresh = if t > 0 {
                        beta.sqrt() * rng.sample::<f64, _>(StandardNormal)
                    } else {
                        0.0
                    };
                    x[i] = mean + fresh;
                }
            }
        }
        if keep.contains(&0) {
            snapshots.push(Snapshot {
                step: 0,
                points: xs,
            });
        }
        snapshots
    }
    // ANCHOR_END: sample
}
