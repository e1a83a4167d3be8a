//! The chapter's cast: Alice's prior and the named channels Bob may sit behind.

use super::channel::{numbered, Alphabet, Channel};
use super::information::{Distribution, Joint};
use crate::numbers::{Probability, Rational};

fn labels(names: &[&str]) -> Alphabet {
    names.iter().map(|s| s.to_string()).collect()
}

/// The message is delivered unchanged.
pub fn identity<P: Probability>(n: usize) -> Channel<P> {
    Channel::function("Identity", numbered(n), numbered(n), |a| a)
}

// ANCHOR: cypher
/// Relabels Alice's three messages: `0 ↦ 1, 1 ↦ 2, 2 ↦ 0`.
pub fn cypher<P: Probability>() -> Channel<P> {
    Channel::function("Cypher", numbered(3), numbered(3), |a| (a + 1) % 3)
}

/// Undoes `cypher`: `1 ↦ 0, 2 ↦ 1, 0 ↦ 2`.
pub fn decrypt<P: Probability>() -> Channel<P> {
    Channel::function("Decrypt", numbered(3), numbered(3), |b| (b + 2) % 3)
}
// ANCHOR_END: cypher

// ANCHOR: product
/// Flips a coin and sends the pair: `a ↦ a` on heads, `a ↦ a + 3` on tails.
/// `B = A × Coin` has six messages.
pub fn product<P: Probability>(p_heads: P) -> Channel<P> {
    let kernel = (0..3)
        .map(|a| {
            (0..6)
                .map(|b| match b {
                    _ if b == a => p_heads,
                    _ if b == a + 3 => P::one() - p_heads,
                    _ => P::zero(),
                })
                .collect()
        })
        .collect();
    Channel::new("Product", numbered(3), numbered(6), kernel).expect("each row is a coin")
}

/// Forgets the coin: `b ↦ b mod 3`.
pub fn project<P: Probability>() -> Channel<P> {
    Channel::function("Project", numbered(6), numbered(3), |b| b % 3)
}

/// Forgets Alice and keeps the coin: `0, 1, 2 ↦ head` and `3, 4, 5 ↦ tail`.
pub fn project_prime<P: Probability>() -> Channel<P> {
    Channel::function("Project'", numbered(6), labels(&["head", "tail"]), |b| {
        b / 3
    })
}
// ANCHOR_END: product

// ANCHOR: mash
/// Merges Alice's messages 1 and 2: `0 ↦ 0, 1 ↦ 1, 2 ↦ 1`.
pub fn mash<P: Probability>() -> Channel<P> {
    Channel::function("Mash", numbered(3), numbered(2), |a| a.min(1))
}

/// Merges everything that is left into the singleton `*`.
pub fn mash_prime<P: Probability>() -> Channel<P> {
    Channel::function("Mash'", numbered(2), labels(&["*"]), |_| 0)
}
// ANCHOR_END: mash

/// A fair coin decides whether the message stays (`a ↦ a`) or moves on to the next one
/// (`a ↦ a + 1 mod 3`). It destroys and creates information at once. Used again in
/// chapter "Shuffling everything".
pub fn shuffle<P: Probability>() -> Channel<P> {
    let half = P::ratio(1, 2);
    let kernel = (0..3)
        .map(|a| {
            (0..3)
                .map(|b| {
                    if b == a || b == (a + 1) % 3 {
                        half
                    } else {
                        P::zero()
                    }
                })
                .collect()
        })
        .collect();
    Channel::new("Shuffle", numbered(3), numbered(3), kernel).expect("each row is a fair coin")
}

/// A Guess that ignores Bob's message and samples Alice's prior: it gets the marginal
/// right (`P(A') = P(A)`) while knowing nothing about `A`.
pub fn prior_guess<P: Probability>(inputs: Alphabet, prior: &Distribution<P>) -> Channel<P> {
    let kernel = vec![prior.probs.clone(); inputs.len()];
    Channel::new("Guess (prior)", inputs, prior.alphabet.clone(), kernel)
        .expect("rows are the prior")
}

/// The Bayes posterior `P(A | B)` of `channel` under `prior`, as a channel back to `A`.
pub fn posterior_guess<P: Probability>(
    prior: &Distribution<P>,
    channel: &Channel<P>,
) -> Channel<P> {
    Joint::new(prior, channel)
        .expect("prior and channel share an alphabet")
        .posterior("Guess")
}

// ANCHOR: example_pairs
/// The tutorial's stream of `(a, b)` training pairs observed through Cypher.
pub const EXAMPLE_PAIRS: [(usize, usize); 12] = [
    (0, 1),
    (2, 0),
    (0, 1),
    (0, 1),
    (1, 2),
    (0, 1),
    (2, 0),
    (0, 1),
    (2, 0),
    (0, 1),
    (0, 1),
    (0, 1),
];
// ANCHOR_END: example_pairs

/// Alice's prior used throughout the chapter: the frequencies of `a` in `EXAMPLE_PAIRS`.
pub fn example_prior() -> Distribution<Rational> {
    let n = EXAMPLE_PAIRS.len() as i128;
    let probs = (0..3)
        .map(|a| Rational::new(EXAMPLE_PAIRS.iter().filter(|p| p.0 == a).count() as i128, n))
        .collect();
    Distribution::new(numbered(3), probs).expect("frequencies sum to one")
}
