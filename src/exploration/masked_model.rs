//! The chapter's masked (any-order) model of short sentences: one network reads a
//! partially masked sentence and gives a distribution over the token at every position.
//! It generates by unmasking positions one at a time in a uniformly random order, and
//! because the sentences are short, the distribution of what it generates can be listed
//! exactly. Introduced in chapter "Exploration".

use crate::dfdx::optim::Adam;
use crate::dfdx::prelude::*;
use crate::sampling::{sample_index, seeded_rng};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::seq::SliceRandom;
use ndarray_rand::rand::Rng;

/// Tokens per sentence in this chapter (short, so that `VOCAB^LENGTH` sentences enumerate).
pub const LENGTH: usize = 5;
/// Tokens `0..VOCAB`: the vocabulary of chapter 1's language.
pub const VOCAB: usize = 6;
/// The code of a masked position in a [`Partial`] sentence's input.
const MASK: usize = VOCAB;
const INPUT: usize = LENGTH * (VOCAB + 1);
const OUTPUT: usize = LENGTH * VOCAB;
const HIDDEN: usize = 64;

/// A sentence with some positions masked (`None`).
pub type Partial = [Option<usize>; LENGTH];
/// A full sentence.
pub type Sentence = [usize; LENGTH];

/// The network: the partial sentence, one-hot per position (word or mask), to logits of
/// every position's token. Introduced in chapter "Exploration".
pub type MaskedNet = (
    Linear<INPUT, HIDDEN>,
    Tanh,
    Linear<HIDDEN, HIDDEN>,
    Tanh,
    Linear<HIDDEN, OUTPUT>,
);
type Net = <MaskedNet as BuildOnDevice<Cpu, f32>>::Built;

/// A trained (or untrained) masked model; cloning it freezes a copy (GRPO's old model).
#[derive(Clone)]
pub struct MaskedModel {
    net: Net,
    device: Cpu,
}

/// One row of a weighted likelihood step: a partial sentence and, for each position,
/// the weight on each token's log-probability (zero where nothing is asked).
pub type WeightedRow = (Partial, [[f64; VOCAB]; LENGTH]);

/// `sentence` with the positions in `hidden` masked.
pub fn mask(sentence: &Sentence, hidden: &[usize]) -> Partial {
    let mut partial = sentence.map(Some);
    hidden.iter().for_each(|&i| partial[i] = None);
    partial
}

/// `sentence` with only the positions in `shown` visible.
pub fn reveal(sentence: &Sentence, shown: &[usize]) -> Partial {
    let mut partial = [None; LENGTH];
    shown.iter().for_each(|&i| partial[i] = Some(sentence[i]));
    partial
}

fn encode(partial: &Partial, into: &mut Vec<f32>) {
    let start = into.len();
    into.resize(start + INPUT, 0.0);
    for (i, w) in partial.iter().enumerate() {
        into[start + i * (VOCAB + 1) + w.unwrap_or(MASK)] = 1.0;
    }
}

/// Log-softmax over the tokens of each position, for each row of logits, in `f64`.
fn log_softmax_rows(logits: &[f32]) -> Vec<[[f64; VOCAB]; LENGTH]> {
    logits
        .chunks(OUTPUT)
        .map(|row| {
            let mut out = [[0.0; VOCAB]; LENGTH];
            for (i, position) in row.chunks(VOCAB).enumerate() {
                let top = position.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)) as f64;
                let lse = top
                    + position
                        .iter()
                        .map(|&l| (l as f64 - top).exp())
                        .sum::<f64>()
                        .ln();
                for (v, &l) in position.iter().enumerate() {
                    out[i][v] = l as f64 - lse;
                }
            }
            out
        })
        .collect()
}

/// Rows per forward pass when evaluating many partial sentences.
const CHUNK: usize = 4096;

impl MaskedModel {
    /// A freshly initialised network (weights drawn from `seed`).
    pub fn untrained(seed: u64) -> Self {
        let device = Cpu::seed_from_u64(seed);
        let net = device.build_module::<MaskedNet, f32>();
        MaskedModel { net, device }
    }

    /// `log q(x_i = v | partial)` for every position `i` and token `v`, for each partial.
    pub fn log_probabilities(&self, partials: &[Partial]) -> Vec<[[f64; VOCAB]; LENGTH]> {
        let mut out = Vec::with_capacity(partials.len());
        for chunk in partials.chunks(CHUNK) {
            let mut input = Vec::with_capacity(chunk.len() * INPUT);
            chunk.iter().for_each(|p| encode(p, &mut input));
            let x = self
                .device
                .tensor_from_vec(input, (chunk.len(), Const::<INPUT>));
            out.extend(log_softmax_rows(&self.net.forward(x).as_vec()));
        }
        out
    }

    /// `log q(sentence_k | partial_k)` at the asked position of each query.
    pub fn log_prob_of(&self, queries: &[(Partial, usize, usize)]) -> Vec<f64> {
        let partials: Vec<Partial> = queries.iter().map(|q| q.0).collect();
        self.log_probabilities(&partials)
            .iter()
            .zip(queries)
            .map(|(lp, &(_, i, v))| lp[i][v])
            .collect()
    }

    // ANCHOR: weighted_step
    /// One Adam step on `−(1/rows) Σ_rows Σ_i Σ_v weight_iv log q(x_i = v | partial)`:
    /// with weights one-hot on the true tokens this is maximum likelihood; GRPO passes
    /// per-token weights (advantage × ratio) instead.
    pub fn weighted_step(&mut self, optimiser: &mut Adam<Net, f32, Cpu>, rows: &[WeightedRow]) {
        let n = rows.len();
        let mut input = Vec::with_capacity(n * INPUT);
        let mut weights = Vec::with_capacity(n * OUTPUT);
        for (partial, w) in rows {
            encode(partial, &mut input);
            weights.extend(w.iter().flatten().map(|&v| v as f32));
        }
        let x = self.device.tensor_from_vec(input, (n, Const::<INPUT>));
        let w = self
            .device
            .tensor_from_vec(weights, (n * LENGTH, Const::<VOCAB>));
        let grads = self.net.alloc_grads();
        let log_q = self
            .net
            .forward_mut(x.traced(grads))
            .reshape_like(&(n * LENGTH, Const::<VOCAB>))
            .log_softmax::<Axis<1>>();
        let loss = (log_q * w).sum::<(), _>() * (-1.0 / n as f32);
        let grads = loss.backward();
        optimiser
            .update(&mut self.net, &grads)
            .expect("every parameter has a gradient");
    }
    // ANCHOR_END: weighted_step

    /// An Adam optimiser for this model's parameters at step size `lr`.
    pub fn optimiser(&self, lr: f64) -> Adam<Net, f32, Cpu> {
        Adam::new(
            &self.net,
            AdamConfig {
                lr,
                ..Default::default()
            },
        )
    }

    // ANCHOR: generate
    /// Draws `count` sentences, each by unmasking its positions one at a time in a fresh
    /// uniformly random order, sampling each token from `q(x_i | what is unmasked so far)`.
    /// Returns each sentence with the order in which it was decoded.
    pub fn generate(&self, count: usize, rng: &mut StdRng) -> Vec<(Sentence, [usize; LENGTH])> {
        let orders: Vec<[usize; LENGTH]> = (0..count)
            .map(|_| {
                let mut order = std::array::from_fn(|i| i);
                order.shuffle(rng);
                order
            })
            .collect();
        let mut partials: Vec<Partial> = vec![[None; LENGTH]; count];
        for step in 0..LENGTH {
            let log_q = self.log_probabilities(&partials);
            for ((partial, order), lp) in partials.iter_mut().zip(&orders).zip(&log_q) {
                let i = order[step];
                let probs: Vec<f64> = lp[i].iter().map(|l| l.exp()).collect();
                partial[i] = Some(sample_index(&probs, rng));
            }
        }
        let sentences = partials.iter().map(|p| p.map(|w| w.expect("all unmasked")));
        sentences.zip(orders).collect()
    }
    // ANCHOR_END: generate

    // ANCHOR: exact_distribution
    /// The exact distribution of [`MaskedModel::generate`]'s sentences, listed in
    /// lexicographic order: the average over the `LENGTH!` decoding orders σ of
    /// `Π_k q(x_σk | x_σ1..x_σ(k−1))`. Summing over orders by dynamic programming over the
    /// set `S` of unmasked positions, `g(S) = Σ_{i∈S} g(S∖i) q(x_i | x_{S∖i})` with
    /// `g(∅) = 1`, gives `q(x) = g(all) / LENGTH!` for `2^LENGTH · LENGTH` products per
    /// sentence instead of `LENGTH! · LENGTH`.
    pub fn exact_distribution(&self) -> Vec<f64> {
        // Every partial sentence once: base-(VOCAB + 1) digits, MASK = VOCAB.
        let partials: Vec<Partial> = (0..(VOCAB + 1).pow(LENGTH as u32))
            .map(|mut code| {
                std::array::from_fn(|_| {
                    let digit = code % (VOCAB + 1);
                    code /= VOCAB + 1;
                    (digit != MASK).then_some(digit)
                })
            })
            .collect();
        let table = self.log_probabilities(&partials);
        let factorial: f64 = (1..=LENGTH).map(|k| k as f64).product();
        all_sentences()
            .iter()
            .map(|x| {
                let mut g = vec![0.0; 1 << LENGTH];
                g[0] = 1.0;
                for set in 1usize..1 << LENGTH {
                    for i in (0..LENGTH).filter(|i| set & (1 << i) != 0) {
                        let rest = set & !(1 << i);
                        let code: usize = (0..LENGTH).rev().fold(0, |c, j| {
                            c * (VOCAB + 1) + if rest & (1 << j) != 0 { x[j] } else { MASK }
                        });
                        g[set] += g[rest] * table[code][i][x[i]].exp();
                    }
                }
                g[(1 << LENGTH) - 1] / factorial
            })
            .collect()
    }
    // ANCHOR_END: exact_distribution
}

/// Every sentence of `LENGTH` tokens in lexicographic order (the order of
/// [`MaskedModel::exact_distribution`] and of chapter 1's `Language::all_sentences`).
pub fn all_sentences() -> Vec<Sentence> {
    (0..VOCAB.pow(LENGTH as u32))
        .map(|mut code| {
            let mut s = [0; LENGTH];
            for i in (0..LENGTH).rev() {
                s[i] = code % VOCAB;
                code /= VOCAB;
            }
            s
        })
        .collect()
}

/// The position of `sentence` in [`all_sentences`].
pub fn sentence_index(sentence: &Sentence) -> usize {
    sentence.iter().fold(0, |c, &w| c * VOCAB + w)
}

// ANCHOR: pretrain
/// Maximum likelihood for a masked model: each example is a training sentence with a
/// uniformly random number `m ∈ 1..=LENGTH` of uniformly chosen positions masked, and the
/// loss is the mean of `−log q(x_i | visible)` over the masked positions. Its minimiser is
/// the exact conditional of the training distribution at every partial sentence.
pub fn train_masked_model(
    sentences: &[Sentence],
    iterations: usize,
    batch: usize,
    seed: u64,
) -> MaskedModel {
    assert!(
        !sentences.is_empty(),
        "cannot train on an empty set of sentences"
    );
    let mut model = MaskedModel::untrained(seed);
    let mut optimiser = model.optimiser(3e-3);
    let mut rng = seeded_rng(seed ^ 0x5eed);
    for iteration in 0..iterations {
        // Step size decayed linearly to a tenth, so the last steps average out noise.
        optimiser.cfg.lr = 3e-3 * (1.0 - 0.9 * iteration as f64 / iterations as f64);
        let rows: Vec<WeightedRow> = (0..batch)
            .map(|_| {
                let x = &sentences[rng.random_range(0..sentences.len())];
                let m = rng.random_range(1..=LENGTH);
                let mut order: [usize; LENGTH] = std::array::from_fn(|i| i);
                order.shuffle(&mut rng);
                let mut weights = [[0.0; VOCAB]; LENGTH];
                order[..m]
                    .iter()
                    .for_each(|&i| weights[i][x[i]] = 1.0 / m as f64);
                (mask(x, &order[..m]), weights)
            })
            .collect();
        model.weighted_step(&mut optimiser, &rows);
    }
    model
}
// ANCHOR_END: pretrain
