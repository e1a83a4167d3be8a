//! Two small networks trained on the corpus: GuessNextToken (the autoregressive
//! Guess of MashLastToken) and GuessOneRandomMaskToken (the masked-diffusion Guess of
//! MashOneRandomUnmaskedToken). Same architecture, different training examples.

use super::corpus::{Message, LENGTH};
use crate::dfdx::optim::Adam;
use crate::dfdx::prelude::*;
use crate::sampling::{sample_index, seeded_rng};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::seq::SliceRandom;
use ndarray_rand::rand::Rng;
use serde::Serialize;

/// Words in the corpus vocabulary.
pub const VOCAB: usize = 10;
/// Input: one-hot word-or-mask per position, then the one-hot position to fill.
const INPUT: usize = LENGTH * (VOCAB + 1) + LENGTH;
const HIDDEN: usize = 64;

/// The Guess network: `(message, position) ↦ logits of the word at that position`.
/// Introduced in chapter "Mashing everything".
pub type GuessNet = (
    Linear<INPUT, HIDDEN>,
    ReLU,
    Linear<HIDDEN, HIDDEN>,
    ReLU,
    Linear<HIDDEN, VOCAB>,
);
type Model = <GuessNet as BuildOnDevice<Cpu, f32>>::Built;

/// Which training examples a Guess sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Task {
    /// A prefix is visible; fill the next position.
    GuessNextToken,
    /// A random non-empty set of positions is masked; fill one of them.
    GuessOneRandomMaskToken,
    /// One random position holds a uniformly drawn word (ShuffleOneRandomToken); give
    /// the original word at a random position. Introduced in chapter "Shuffling everything".
    RepairShuffledToken,
}

fn encode(message: &Message, position: usize) -> [f32; INPUT] {
    let mut x = [0.0f32; INPUT];
    for (i, w) in message.iter().enumerate() {
        x[i * (VOCAB + 1) + w.unwrap_or(VOCAB)] = 1.0;
    }
    x[LENGTH * (VOCAB + 1) + position] = 1.0;
    x
}

/// `sentence` with positions `from..` masked.
pub fn prefix(sentence: &Message, from: usize) -> Message {
    let mut m = *sentence;
    m.iter_mut().skip(from).for_each(|w| *w = None);
    m
}

// ANCHOR: example
impl Task {
    /// One training example from `sentence`: the destroyed message, the position to
    /// fill, and the word that was there.
    pub fn example(&self, sentence: &Message, rng: &mut StdRng) -> (Message, usize, usize) {
        match self {
            Task::GuessNextToken => {
                let k = rng.random_range(0..LENGTH);
                (prefix(sentence, k), k, sentence[k].expect("a sentence"))
            }
            Task::GuessOneRandomMaskToken => {
                let masks = rng.random_range(1..=LENGTH);
                let mut order: Vec<usize> = (0..LENGTH).collect();
                order.shuffle(rng);
                let mut m = *sentence;
                order[..masks].iter().for_each(|&i| m[i] = None);
                let k = order[rng.random_range(0..masks)];
                (m, k, sentence[k].expect("a sentence"))
            }
            Task::RepairShuffledToken => {
                let mut m = *sentence;
                m[rng.random_range(0..LENGTH)] = Some(rng.random_range(0..VOCAB));
                let k = rng.random_range(0..LENGTH);
                (m, k, sentence[k].expect("a sentence"))
            }
        }
    }
}
// ANCHOR_END: example

/// A trained Guess.
pub struct Guess {
    pub task: Task,
    model: Model,
    device: Cpu,
}

/// Trains a Guess on examples from `train` (sentences drawn from the corpus).
pub fn train(task: Task, train: &[Message], iterations: usize, batch: usize, seed: u64) -> Guess {
    let device = Cpu::seed_from_u64(seed);
    let mut model = device.build_module::<GuessNet, f32>();
    let mut grads = model.alloc_grads();
    let mut optimiser = Adam::new(
        &model,
        AdamConfig {
            lr: 3e-3,
            ..Default::default()
        },
    );
    let mut rng = seeded_rng(seed);
    for _ in 0..iterations {
        let mut inputs = Vec::with_capacity(batch * INPUT);
        let mut targets = vec![0.0f32; batch * VOCAB];
        for b in 0..batch {
            let sentence = &train[rng.random_range(0..train.len())];
            let (message, position, word) = task.example(sentence, &mut rng);
            inputs.extend(encode(&message, position));
            targets[b * VOCAB + word] = 1.0;
        }
        let x = device.tensor_from_vec(inputs, (batch, Const::<INPUT>));
        let y = device.tensor_from_vec(targets, (batch, Const::<VOCAB>));
        let logits = model.forward_mut(x.traced(grads));
        let loss = cross_entropy_with_logits_loss(logits, y);
        grads = loss.backward();
        optimiser
            .update(&mut model, &grads)
            .expect("every parameter has a gradient");
        model.zero_grads(&mut grads);
    }
    Guess {
        task,
        model,
        device,
    }
}

impl Guess {
    /// `P(word at position | message)` for every word.
    pub fn probabilities(&self, message: &Message, position: usize) -> Vec<f64> {
        let x = self.device.tensor_from_vec(
            encode(message, position).to_vec(),
            (Const::<1>, Const::<INPUT>),
        );
        let p = self.model.forward(x).softmax::<Axis<1>>().as_vec();
        p.iter().map(|&v| v as f64).collect()
    }

    // ANCHOR: left_to_right
    /// `log q(s) = Σ_k log q(s_k | s_<k)`: the sentence's log-probability when the Guess
    /// fills positions left to right (nats). Either Guess can be used this way.
    pub fn log_prob_left_to_right(&self, sentence: &Message) -> f64 {
        (0..LENGTH)
            .map(|k| {
                self.probabilities(&prefix(sentence, k), k)[sentence[k].expect("a sentence")].ln()
            })
            .sum()
    }
    // ANCHOR_END: left_to_right

    /// A sentence generated left to right from the all-mask message.
    pub fn sample_left_to_right(&self, rng: &mut StdRng) -> Message {
        let mut m: Message = [None; LENGTH];
        for k in 0..LENGTH {
            m[k] = Some(sample_index(&self.probabilities(&m, k), rng));
        }
        m
    }
}
