//! A noise-prediction network trained on DDPM's loss at one noise level, to see that what
//! it learns is the posterior mean of the noise — and so, by Tweedie, the score.

use super::mixture::GaussianMixture;
use crate::dfdx::optim::Adam;
use crate::dfdx::prelude::*;
use crate::sampling::seeded_rng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;

const HIDDEN: usize = 64;

/// `ε̂(y)`: one input, two hidden tanh layers, one output.
/// Introduced in chapter "Denoisers and scores".
pub type NoisePredictor = (
    Linear<1, HIDDEN>,
    Tanh,
    Linear<HIDDEN, HIDDEN>,
    Tanh,
    Linear<HIDDEN, 1>,
);
type Model = <NoisePredictor as BuildOnDevice<Cpu, f32>>::Built;

/// A trained noise predictor at one level `a`, with its mean loss over the last tenth of
/// training.
pub struct LearnedNoise {
    model: Model,
    device: Cpu,
    pub a: f64,
    pub final_loss: f64,
}

// ANCHOR: train_at_one_level
/// DDPM's loss at a single level: draw `x_0` and `z`, form `x_t = sqrt(a) x_0 + sqrt(1 − a) z`,
/// and regress `ε̂(x_t)` onto `z` by mean squared error (Adam, its step size decayed
/// linearly to a tenth so that the last iterations average out the gradient noise).
pub fn train_noise_predictor(
    data: &GaussianMixture,
    a: f64,
    iterations: usize,
    batch: usize,
    seed: u64,
) -> LearnedNoise {
    assert!(
        a > 0.0 && a < 1.0,
        "the level a must lie in (0, 1), got {a}"
    );
    assert!(
        iterations >= 10 && batch > 0,
        "need at least 10 iterations of a non-empty batch"
    );
    let device = Cpu::seed_from_u64(seed);
    let mut model = device.build_module::<NoisePredictor, f32>();
    let mut grads = model.alloc_grads();
    let mut optimiser = Adam::new(
        &model,
        AdamConfig {
            lr: 3e-3,
            ..Default::default()
        },
    );
    let mut rng = seeded_rng(seed);
    let (mut running, tail) = (0.0, iterations / 10);
    for iteration in 0..iterations {
        optimiser.cfg.lr = 3e-3 * (1.0 - 0.9 * iteration as f64 / iterations as f64);
        let (mut inputs, mut noise) = (Vec::with_capacity(batch), Vec::with_capacity(batch));
        for _ in 0..batch {
            let z: f64 = rng.sample(StandardNormal);
            inputs.push((a.sqrt() * data.sample(&mut rng) + (1.0 - a).sqrt() * z) as f32);
            noise.push(z as f32);
        }
        let input = device.tensor_from_vec(inputs, (batch, Const::<1>));
        let target = device.tensor_from_vec(noise, (batch, Const::<1>));
        let loss = mse_loss(model.forward_mut(input.traced(grads)), target);
        if iteration >= iterations - tail {
            running += loss.array() as f64;
        }
        grads = loss.backward();
        optimiser
            .update(&mut model, &grads)
            .expect("every parameter has a gradient");
        model.zero_grads(&mut grads);
    }
    LearnedNoise {
        model,
        device,
        a,
        final_loss: running / tail as f64,
    }
}
// ANCHOR_END: train_at_one_level

impl LearnedNoise {
    /// `ε̂(y)` at each `y`.
    pub fn predict(&self, ys: &[f64]) -> Vec<f64> {
        let input = self.device.tensor_from_vec(
            ys.iter().map(|&y| y as f32).collect(),
            (ys.len(), Const::<1>),
        );
        self.model
            .forward(input)
            .as_vec()
            .into_iter()
            .map(f64::from)
            .collect()
    }
}
