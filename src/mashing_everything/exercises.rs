//! Solutions to the exercises of chapter "Mashing everything" (asserted by
//! `tests/chapter_mashing_everything.rs`).

use super::corpus::{sentences, Message, LENGTH};
use super::processes::{Levels, Process};
use crate::destroying_and_generating::Joint;
use crate::numbers::{ExactBits, Rational};

// ANCHOR: exercise_counts
/// Exercise 1: the number of distinct messages at each level when `process` destroys
/// the sentences of `corpus`, from the corpus itself down to the all-mask singleton.
/// For one sentence, MashOneRandomUnmaskedToken reaches `C(4, k)` messages at level `k`,
/// MashLastToken one prefix per level. For the first two sentences the masked counts are
/// `2 · C(4, k) − C(3, k − 1)` (messages that mask the last word are shared), `2, 7, 9, 5, 1`,
/// and MashLastToken gives `2, 1, 1, 1, 1`, since masking the last word merges the two.
/// Introduced in chapter "Mashing everything".
pub fn level_counts(corpus: &[Message], process: Process) -> Vec<usize> {
    assert!(
        !corpus.is_empty(),
        "level_counts needs at least one sentence"
    );
    let mut level: Vec<Message> = corpus.to_vec();
    level.sort();
    level.dedup();
    let mut counts = vec![level.len()];
    for _ in 0..LENGTH {
        let mut next: Vec<Message> = level
            .iter()
            .flat_map(|m| process.step(m))
            .map(|(m, _)| m)
            .collect();
        next.sort();
        next.dedup();
        counts.push(next.len());
        level = next;
    }
    counts
}
// ANCHOR_END: exercise_counts

// ANCHOR: exercise_order_bits
/// Exercise 2: the information `process` generates step by step on uniformly drawn
/// corpus sentences, `Σ_k H(level k+1 | level k)`. For MashOneRandomUnmaskedToken each
/// step picks one of the `4 − k` visible words, so the sum is `log₂ 4! = 3 + log₂ 3`
/// bits: the masking order. The column `H(· | A)` is `H(level k | A) = log₂ C(4, k)`: given
/// the sentence, a level only shows *which* `k` positions are masked, not in which order,
/// so the order generated step by step is destroyed again and the column rises, then falls
/// back to 0 at the singleton. Introduced in chapter "Mashing everything".
pub fn generated_per_step(process: Process) -> Vec<ExactBits> {
    let levels = Levels::new(process);
    let mut marginal = levels.uniform_prior();
    let mut out = Vec::new();
    for channel in &levels.channels {
        let joint = Joint::new(&marginal, channel).expect("levels chain");
        out.push(joint.entropy_b_given_a());
        marginal = joint.marginal_b();
    }
    out
}
// ANCHOR_END: exercise_order_bits

// ANCHOR: exercise_any_order
/// Exercise 3: the probability of `sentence` when the exact fill-in Guess of the
/// chapter (uniform over the corpus) reveals its words in `order`: the chain rule
/// `Π_k P(word at order[k] | words at order[..k])`. With exact conditionals every order
/// gives the corpus probability (1/7 for each sentence, 0 outside the corpus).
/// Only exactness makes the order irrelevant: a trained Guess's conditionals are
/// approximations that need not come from any single joint distribution, so different
/// orders multiply different errors, and left to right is the one order it is used in.
/// Introduced in chapter "Mashing everything".
pub fn probability_in_order(sentence: &Message, order: &[usize]) -> Rational {
    let mut sorted = order.to_vec();
    sorted.sort_unstable();
    assert!(
        sorted == (0..LENGTH).collect::<Vec<_>>(),
        "order must list each of the {LENGTH} positions once, got {order:?}"
    );
    let corpus = sentences();
    let agree = |s: &Message, revealed: &[usize]| revealed.iter().all(|&i| s[i] == sentence[i]);
    let mut probability = Rational::ONE;
    for k in 0..LENGTH {
        let before = corpus.iter().filter(|s| agree(s, &order[..k])).count();
        let after = corpus.iter().filter(|s| agree(s, &order[..=k])).count();
        if after == 0 {
            return Rational::ZERO;
        }
        probability = probability * Rational::new(after as i128, before as i128);
    }
    probability
}
// ANCHOR_END: exercise_any_order
