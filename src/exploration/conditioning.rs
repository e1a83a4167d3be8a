//! Reward as conditioning: a boolean condition on sentences, the data distribution
//! restricted to the sentences that pass it, and two ways to sample it with a model —
//! rejection sampling around an unconditional model, and a model trained only on the
//! sentences that pass. Introduced in chapter "Exploration".

use super::masked_model::{all_sentences, Sentence};
use crate::learning_by_withholding::Language;

// ANCHOR: condition
/// The chapter's condition (its reward is 1 when it holds, 0 otherwise): the sentence
/// ends on the token it starts with. It ties the two ends of the sentence together, so
/// a model can only satisfy it by planning across the whole sentence.
pub fn condition(sentence: &Sentence) -> bool {
    sentence[0] == sentence[sentence.len() - 1]
}
// ANCHOR_END: condition

/// The reward of a sentence: `R(x) = 1` if [`condition`] holds, else 0.
pub fn reward(sentence: &Sentence) -> f64 {
    if condition(sentence) {
        1.0
    } else {
        0.0
    }
}

/// `p(x)` for every sentence of [`all_sentences`], exactly (chapter 1's language).
pub fn language_distribution(language: &Language) -> Vec<f64> {
    all_sentences()
        .iter()
        .map(|x| language.log_prob(x).exp())
        .collect()
}

// ANCHOR: conditional
/// The conditional distribution `p(x | c) = p(x) [c(x)] / p(c)` of a listed distribution:
/// restrict to the sentences that pass, renormalise, change nothing else. Returns it with
/// `p(c)`, the probability that a draw passes (what rejection sampling accepts).
pub fn conditional(distribution: &[f64]) -> (Vec<f64>, f64) {
    let sentences = all_sentences();
    let passing: f64 = distribution
        .iter()
        .zip(&sentences)
        .filter(|(_, x)| condition(x))
        .map(|(p, _)| p)
        .sum();
    assert!(
        passing > 0.0,
        "no sentence with positive probability passes the condition"
    );
    let restricted = distribution
        .iter()
        .zip(&sentences)
        .map(|(p, x)| if condition(x) { p / passing } else { 0.0 })
        .collect();
    (restricted, passing)
}
// ANCHOR_END: conditional

/// Total variation `½ Σ_x |p(x) − q(x)|`: the largest difference in probability the two
/// distributions give any set of sentences.
pub fn total_variation(p: &[f64], q: &[f64]) -> f64 {
    0.5 * p.iter().zip(q).map(|(a, b)| (a - b).abs()).sum::<f64>()
}

/// `KL(p ‖ q) = Σ_x p(x) log(p(x) / q(x))` in nats (`+∞` if `q` misses mass of `p`).
pub fn kl_divergence(p: &[f64], q: &[f64]) -> f64 {
    p.iter()
        .zip(q)
        .filter(|(a, _)| **a > 0.0)
        .map(|(a, b)| {
            if *b > 0.0 {
                a * (a / b).ln()
            } else {
                f64::INFINITY
            }
        })
        .sum()
}

// ANCHOR: tilted
/// The reward-tilted distribution `q*(x) = q_0(x) e^{R(x)/β} / Z`: the exact maximiser of
/// `E_q R − β KL(q ‖ q_0)`, whose value is `β log Z`; any other `q` falls short by exactly
/// `β KL(q ‖ q*)`. As `β → 0` it tends to `q_0(x | c)`: reward-tuning with a vanishing
/// penalty is conditioning.
pub fn tilted(base: &[f64], beta: f64) -> Vec<f64> {
    assert!(
        beta > 0.0,
        "the penalty weight β must be positive, got {beta}"
    );
    let weights: Vec<f64> = base
        .iter()
        .zip(all_sentences())
        .map(|(q, x)| q * (reward(&x) / beta).exp())
        .collect();
    let z: f64 = weights.iter().sum();
    weights.iter().map(|w| w / z).collect()
}
// ANCHOR_END: tilted
