//! ShuffleOneRandomToken: pick a position uniformly and replace its word by one drawn
//! uniformly from the vocabulary (possibly the same word). Exact on a tiny language,
//! and repaired by a trained Guess on the corpus.

use crate::destroying_and_generating::{numbered, Channel, Distribution};
use crate::mashing_everything::corpus::{sentences, Message, LENGTH};
use crate::mashing_everything::models::{Guess, VOCAB};
use crate::numbers::Rational;
use serde::Serialize;

// ANCHOR: channel
/// The exact channel on all `vocab^length` sequences (numbered in base `vocab`):
/// `P(y | x) = Σ_i (1/length) (1/vocab) [y equals x outside position i]`.
/// Introduced in chapter "Shuffling everything".
pub fn shuffle_one_random_token(vocab: usize, length: usize) -> Channel<Rational> {
    let n = vocab.pow(length as u32);
    let digit = |x: usize, i: usize| (x / vocab.pow(i as u32)) % vocab;
    let p = Rational::new(1, (vocab * length) as i128);
    let kernel = (0..n)
        .map(|x| {
            let mut row = vec![Rational::ZERO; n];
            for i in 0..length {
                for w in 0..vocab {
                    let y = x - digit(x, i) * vocab.pow(i as u32) + w * vocab.pow(i as u32);
                    row[y] = row[y] + p;
                }
            }
            row
        })
        .collect();
    Channel::new("ShuffleOneRandomToken", numbered(n), numbered(n), kernel).expect("rows sum to 1")
}
// ANCHOR_END: channel

/// Exact facts on a tiny language: is the uniform distribution stationary, and the
/// total-variation distance to it after `1..=steps` shuffles from one fixed sequence.
#[derive(Clone, Debug, Serialize)]
pub struct TinyLanguage {
    pub vocab: usize,
    pub length: usize,
    pub uniform_is_stationary: bool,
    pub distance_to_uniform: Vec<String>,
}

pub fn tiny_language(vocab: usize, length: usize, steps: usize) -> TinyLanguage {
    let channel = shuffle_one_random_token(vocab, length);
    let n = channel.inputs.len();
    let uniform =
        Distribution::new(numbered(n), vec![Rational::new(1, n as i128); n]).expect("uniform");
    let mut point = vec![Rational::ZERO; n];
    point[0] = Rational::ONE;
    let mut current = Distribution::new(numbered(n), point).expect("a point mass");
    let mut distance_to_uniform = Vec::new();
    for _ in 0..steps {
        current = current.through(&channel).expect("same alphabet");
        let tv = current
            .probs
            .iter()
            .map(|&p| {
                if p > uniform.probs[0] {
                    p - uniform.probs[0]
                } else {
                    uniform.probs[0] - p
                }
            })
            .fold(Rational::ZERO, |a, b| a + b)
            * Rational::new(1, 2);
        distance_to_uniform.push(tv.to_string());
    }
    TinyLanguage {
        vocab,
        length,
        uniform_is_stationary: uniform.through(&channel).expect("same alphabet") == uniform,
        distance_to_uniform,
    }
}

/// The exact `P(original word at position q | shuffled sentence y)` when the sentence is
/// uniform over the corpus, the position uniform and the new word uniform.
pub fn exact_repair(y: &Message, q: usize) -> Vec<f64> {
    let mut p = [0.0; VOCAB];
    for s in sentences() {
        for i in 0..LENGTH {
            // y arises from s by writing y[i] at position i (any word is possible there).
            let same_elsewhere = (0..LENGTH).all(|j| j == i || s[j] == y[j]);
            if same_elsewhere {
                p[s[q].expect("a sentence")] += 1.0;
            }
        }
    }
    let total: f64 = p.iter().sum();
    p.iter().map(|v| v / total).collect()
}

/// How well a Guess repairs one shuffled word: over every shuffled version of every
/// corpus sentence and every position, the exact probability that its top answer is
/// right, against the best possible (Bayes) and against copying the word it sees.
#[derive(Clone, Debug, Serialize)]
pub struct RepairScore {
    pub guess: f64,
    pub bayes: f64,
    pub copy: f64,
}

pub fn repair_score(guess: &Guess) -> RepairScore {
    let (mut g, mut b, mut c, mut weight) = (0.0, 0.0, 0.0, 0.0);
    for s in sentences() {
        for i in 0..LENGTH {
            for w in 0..VOCAB {
                let mut y = s;
                y[i] = Some(w);
                for q in 0..LENGTH {
                    let exact = exact_repair(&y, q);
                    let model = guess.probabilities(&y, q);
                    let top = (0..VOCAB)
                        .max_by(|&a, &b| model[a].total_cmp(&model[b]))
                        .expect("words");
                    g += exact[top];
                    b += exact.iter().cloned().fold(0.0, f64::max);
                    c += exact[y[q].expect("a word")];
                    weight += 1.0;
                }
            }
        }
    }
    RepairScore {
        guess: g / weight,
        bayes: b / weight,
        copy: c / weight,
    }
}
