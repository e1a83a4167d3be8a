//! Solutions to the exercises of chapter "Learning by withholding information" (asserted
//! by the tests).

use super::likelihood::{Guesser, Partial};

// ANCHOR: exercise_uniform
/// Exercise 1: a guesser that has learned nothing, `q(x_i = v | …) = 1/V`. Every reading
/// of it gives `−log q(x) = L log V`: left to right, the any-order bound, and the order
/// mixture alike, since every guess costs `log V` whatever is visible.
pub struct UniformGuesser {
    pub vocab: usize,
}

impl Guesser for UniformGuesser {
    fn guess(&self, batch: &[Partial]) -> Vec<Vec<Vec<f64>>> {
        batch
            .iter()
            .map(|p| vec![vec![1.0 / self.vocab as f64; self.vocab]; p.len()])
            .collect()
    }
}
// ANCHOR_END: exercise_uniform

// ANCHOR: exercise_two_tokens
/// Exercise 2: with two tokens there are two orders, so (in nats)
/// `bound = ½ (−log q(x_1) − log q(x_2 | x_1)) + ½ (−log q(x_2) − log q(x_1 | x_2))` and
/// `mixture = −log (½ q(x_1) q(x_2 | x_1) + ½ q(x_2) q(x_1 | x_2))`. Writing `a` and `b`
/// for the two orders' joint probabilities, `bound − mixture = log (½(a + b) / √(ab))`,
/// the log of the arithmetic over the geometric mean: never negative, and zero exactly
/// when `a = b`, that is when the two orders agree.
pub fn two_token_bound_and_mixture(
    q_1: f64,
    q_2_given_1: f64,
    q_2: f64,
    q_1_given_2: f64,
) -> (f64, f64) {
    let (left_first, right_first) = (q_1 * q_2_given_1, q_2 * q_1_given_2);
    let bound = -0.5 * (left_first.ln() + right_first.ln());
    let mixture = -(0.5 * (left_first + right_first)).ln();
    (bound, mixture)
}
// ANCHOR_END: exercise_two_tokens

// ANCHOR: exercise_views
/// Exercise 3: distinct (partly hidden sentence, guessed positions) views of one sentence
/// of `length` tokens: `L` for the next-token scheme (one per prefix), `2^L − 1` for the
/// random-mask scheme (every non-empty withheld set), which between them ask for
/// `L 2^(L−1)` token guesses.
pub fn distinct_views(length: usize) -> (usize, usize, usize) {
    (length, (1 << length) - 1, length << (length - 1))
}
// ANCHOR_END: exercise_views
