//! The two withholding schemes of the chapter's experiment, as training examples for the
//! same network: hide the next token (autoregressive), or hide a random set of tokens
//! (masked diffusion). Introduced in chapter "Learning by withholding information".

use super::likelihood::Partial;
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::seq::SliceRandom;
use ndarray_rand::rand::Rng;
use serde::Serialize;

/// What the network is asked to guess back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Withholding {
    /// Autoregressive: a prefix is visible, the next token is withheld.
    NextToken,
    /// Masked diffusion: a uniformly drawn number of tokens, at uniformly drawn
    /// positions, is withheld; every withheld token is guessed.
    RandomMask,
}

impl Withholding {
    /// Both schemes, in the order the chapter's tables list them.
    pub const BOTH: [Withholding; 2] = [Withholding::NextToken, Withholding::RandomMask];

    /// The name the tables and figures print.
    pub fn name(self) -> &'static str {
        match self {
            Withholding::NextToken => "autoregressive",
            Withholding::RandomMask => "masked diffusion",
        }
    }

    // ANCHOR: example
    /// One training example from `sentence`: the partly hidden sentence and a loss weight
    /// per position (zero where nothing is guessed). The loss `−Σ_i w_i log q(x_i | …)`
    /// is, in expectation, the sentence's negative log-likelihood per token for
    /// `NextToken` (`k` uniform in `0..L`, weight 1 at `k`), and the any-order bound per
    /// token for `RandomMask` (`k` uniform in `1..=L` withheld, weight `1/k` on each).
    pub fn example(self, sentence: &[usize], rng: &mut StdRng) -> (Partial, Vec<f64>) {
        let length = sentence.len();
        let mut weights = vec![0.0; length];
        let mut partial: Partial = sentence.iter().map(|&x| Some(x)).collect();
        match self {
            Withholding::NextToken => {
                let k = rng.random_range(0..length);
                partial[k..].iter_mut().for_each(|x| *x = None);
                weights[k] = 1.0;
            }
            Withholding::RandomMask => {
                let k = rng.random_range(1..=length);
                let mut positions: Vec<usize> = (0..length).collect();
                positions.shuffle(rng);
                for &i in &positions[..k] {
                    partial[i] = None;
                    weights[i] = 1.0 / k as f64;
                }
            }
        }
        (partial, weights)
    }
    // ANCHOR_END: example
}
