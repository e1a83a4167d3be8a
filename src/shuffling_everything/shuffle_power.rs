//! Shuffle applied again and again: exactly how close to uniform Zalgo gets.

use crate::destroying_and_generating::named_channels::shuffle;
use crate::destroying_and_generating::{Channel, Distribution};
use crate::numbers::Rational;
use serde::Serialize;

// ANCHOR: power
/// The channel of `n` Shuffles in a row, `Mⁿ`, computed exactly (`n ≥ 1`).
/// Introduced in chapter "Shuffling everything".
pub fn shuffle_power(n: u32) -> Channel<Rational> {
    let step = shuffle::<Rational>();
    let mut power = step.clone();
    for _ in 1..n {
        power = power.then(&step).expect("Shuffle maps 3 messages to 3");
    }
    power.named(&format!("Shuffle^{n}"))
}

/// The largest `|P(z | a) − 1/3|` over all entries of `Mⁿ`; it equals `2 / (3 · 2ⁿ)`.
pub fn largest_deviation(n: u32) -> Rational {
    let third = Rational::new(1, 3);
    shuffle_power(n)
        .kernel
        .iter()
        .flatten()
        .map(|&p| if p > third { p - third } else { third - p })
        .max_by(|a, b| a.partial_cmp(b).expect("rationals are ordered"))
        .expect("non-empty")
}
// ANCHOR_END: power

/// Whether every entry of `Mⁿ` lies strictly inside `(low, high)`. `P(Z) = Mⁿ P(A)` is a
/// convex combination of the rows, so then `low < P(Z = z) < high` for **every** prior.
pub fn within(n: u32, low: Rational, high: Rational) -> bool {
    shuffle_power(n)
        .kernel
        .iter()
        .flatten()
        .all(|&p| low < p && p < high)
}

/// The smallest `n` for which [`within`] holds (searching up to `limit`).
pub fn smallest_n_within(low: Rational, high: Rational, limit: u32) -> Option<u32> {
    (1..=limit).find(|&n| within(n, low, high))
}

/// One step of the chain `A → B → … → Z`: the exact distribution and its entropy.
#[derive(Clone, Debug, Serialize)]
pub struct ChainStep {
    pub step: u32,
    pub distribution: Vec<String>,
    pub entropy_bits: f64,
}

/// The distributions of the first `steps` people of the Shuffle chain from `prior`.
pub fn shuffle_chain(prior: &Distribution<Rational>, steps: u32) -> Vec<ChainStep> {
    let mut current = prior.clone();
    let mut out = Vec::new();
    for step in 0..=steps {
        out.push(ChainStep {
            step,
            distribution: current.probs.iter().map(Rational::to_string).collect(),
            entropy_bits: current.entropy().to_f64(),
        });
        current = current.through(&shuffle()).expect("3 messages");
    }
    out
}
