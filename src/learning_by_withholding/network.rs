//! The one network both withholding schemes train: a multilayer perceptron from a partly
//! hidden sentence (one-hot token or `[MASK]` per position) to a distribution over tokens
//! at every position. Same architecture, same parameter count; only the examples differ.
//! Introduced in chapter "Learning by withholding information".

use super::likelihood::{Guesser, Partial};
use super::withholding::Withholding;
use crate::dfdx::optim::Adam;
use crate::dfdx::prelude::*;
use crate::sampling::seeded_rng;
use ndarray_rand::rand::seq::SliceRandom;
use serde::Serialize;

/// Tokens per sentence in the experiment.
pub const LENGTH: usize = 8;
/// Tokens of the chapter language.
pub const VOCAB: usize = 6;
const INPUT: usize = LENGTH * (VOCAB + 1);
const OUTPUT: usize = LENGTH * VOCAB;
const HIDDEN: usize = 128;
/// Rows per forward pass when evaluating.
const CHUNK: usize = 2048;

// ANCHOR: network
/// `partly hidden sentence ↦ logits of every position's token`, shared by both schemes.
pub type GuessNetwork = (
    Linear<INPUT, HIDDEN>,
    ReLU,
    Linear<HIDDEN, HIDDEN>,
    ReLU,
    Linear<HIDDEN, OUTPUT>,
);
// ANCHOR_END: network
type Model = <GuessNetwork as BuildOnDevice<Cpu, f32>>::Built;

/// Trainable parameters of [`GuessNetwork`] (the same for both schemes).
pub fn parameter_count() -> usize {
    Cpu::seed_from_u64(0)
        .build_module::<GuessNetwork, f32>()
        .num_trainable_params()
}

fn encode(batch: &[Partial]) -> Vec<f32> {
    let mut x = vec![0.0f32; batch.len() * INPUT];
    for (b, partial) in batch.iter().enumerate() {
        assert_eq!(
            partial.len(),
            LENGTH,
            "the network reads sentences of {LENGTH} tokens"
        );
        for (i, token) in partial.iter().enumerate() {
            x[b * INPUT + i * (VOCAB + 1) + token.unwrap_or(VOCAB)] = 1.0;
        }
    }
    x
}

/// A trained (or untrained) guess network.
#[derive(Clone)]
pub struct GuessModel {
    model: Model,
    device: Cpu,
}

impl GuessModel {
    /// A freshly initialised network (dfdx's default initialisation, seeded).
    pub fn new(seed: u64) -> Self {
        let device = Cpu::seed_from_u64(seed);
        let model = device.build_module::<GuessNetwork, f32>();
        GuessModel { model, device }
    }

    /// A network whose last layer is all zeros: every logit is 0, every guess uniform.
    pub fn uniform(seed: u64) -> Self {
        let mut net = GuessModel::new(seed);
        net.model.4.weight = net.device.zeros();
        net.model.4.bias = net.device.zeros();
        net
    }
}

impl Guesser for GuessModel {
    fn guess(&self, batch: &[Partial]) -> Vec<Vec<Vec<f64>>> {
        let mut out = Vec::with_capacity(batch.len());
        for chunk in batch.chunks(CHUNK) {
            let n = chunk.len();
            let x = self
                .device
                .tensor_from_vec(encode(chunk), (n, Const::<INPUT>));
            // Log-softmax in f32, exponentiated in f64: an overfitted network's tiny
            // probabilities stay positive instead of underflowing to zero.
            let log_p = self
                .model
                .forward(x)
                .reshape_like(&(n, Const::<LENGTH>, Const::<VOCAB>))
                .log_softmax::<Axis<2>>()
                .as_vec();
            for b in 0..n {
                out.push(
                    (0..LENGTH)
                        .map(|i| {
                            let row =
                                &log_p[(b * LENGTH + i) * VOCAB..(b * LENGTH + i + 1) * VOCAB];
                            row.iter().map(|&v| (v as f64).exp()).collect()
                        })
                        .collect(),
                );
            }
        }
        out
    }
}

/// How long and how fast to train.
#[derive(Clone, Debug, Serialize)]
pub struct Training {
    /// Training examples in all (one example = one sentence, partly hidden): the same for
    /// every data size and both schemes, so every run sees the same number of tokens.
    pub examples: usize,
    pub batch: usize,
    pub learning_rate: f64,
}

/// What the training loop reports at a checkpoint.
pub struct Step<'a> {
    pub examples: usize,
    pub mean_loss: f64,
    pub model: &'a GuessModel,
}

// ANCHOR: train
/// Trains a fresh network on examples of `withholding` drawn from `train`, visiting the
/// sentences in a new random order each epoch. Calls `checkpoint` after every step whose
/// example count reaches the next entry of `checkpoints`. Returns `Err(examples seen)` if
/// the loss stops being finite (divergence). `seen(examples)` is told after every step
/// (for a progress bar).
pub fn train(
    withholding: Withholding,
    train: &[Vec<usize>],
    training: &Training,
    checkpoints: &[usize],
    seed: u64,
    mut seen_so_far: impl FnMut(usize),
    mut checkpoint: impl FnMut(Step),
) -> Result<GuessModel, usize> {
    let mut net = GuessModel::new(seed);
    let mut grads = net.model.alloc_grads();
    let mut optimiser = Adam::new(
        &net.model,
        AdamConfig {
            lr: training.learning_rate,
            ..Default::default()
        },
    );
    let mut rng = seeded_rng(seed);
    let mut order: Vec<usize> = Vec::new();
    let (mut seen, mut next_checkpoint) = (0, 0);
    let (mut loss_sum, mut loss_count) = (0.0, 0);
    while seen < training.examples {
        let batch = training.batch.min(training.examples - seen);
        let mut partials = Vec::with_capacity(batch);
        let mut weights = vec![0.0f32; batch * OUTPUT];
        for b in 0..batch {
            if order.is_empty() {
                order = (0..train.len()).collect();
                order.shuffle(&mut rng);
            }
            let sentence = &train[order.pop().expect("refilled above")];
            let (partial, w) = withholding.example(sentence, &mut rng);
            for (i, &wi) in w.iter().enumerate() {
                weights[b * OUTPUT + i * VOCAB + sentence[i]] = wi as f32;
            }
            partials.push(partial);
        }
        let x = net
            .device
            .tensor_from_vec(encode(&partials), (batch, Const::<INPUT>));
        let w = net
            .device
            .tensor_from_vec(weights, (batch, Const::<LENGTH>, Const::<VOCAB>));
        let log_q = net
            .model
            .forward_mut(x.traced(grads))
            .reshape_like(&(batch, Const::<LENGTH>, Const::<VOCAB>))
            .log_softmax::<Axis<2>>();
        // Mean over the batch of −Σ_i w_i log q(x_i | partial).
        let loss = (log_q * w).sum::<Rank0, _>().negate() / batch as f32;
        let value = loss.array() as f64;
        if !value.is_finite() {
            return Err(seen);
        }
        grads = loss.backward();
        optimiser
            .update(&mut net.model, &grads)
            .expect("every parameter has a gradient");
        net.model.zero_grads(&mut grads);
        seen += batch;
        loss_sum += value * batch as f64;
        loss_count += batch;
        while next_checkpoint < checkpoints.len() && seen >= checkpoints[next_checkpoint] {
            checkpoint(Step {
                examples: seen,
                mean_loss: loss_sum / loss_count as f64,
                model: &net,
            });
            (loss_sum, loss_count) = (0.0, 0);
            next_checkpoint += 1;
        }
        seen_so_far(seen);
    }
    Ok(net)
}
// ANCHOR_END: train
