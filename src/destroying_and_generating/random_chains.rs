//! Property check: both stories hold on random chains, not just on the named examples.

use super::channel::{numbered, Channel};
use super::information::Distribution;
use super::stories::ChainInformation;
use crate::sampling::seeded_rng;
use ndarray_rand::rand::Rng;
use serde::Serialize;

/// A random probability vector of length `n`; about a third of the entries are exactly
/// zero, so deterministic and merging channels are well represented.
fn random_row(n: usize, rng: &mut impl Rng) -> Vec<f64> {
    let mut row: Vec<f64> = (0..n)
        .map(|_| {
            if rng.random_bool(0.35) {
                0.0
            } else {
                rng.random()
            }
        })
        .collect();
    if row.iter().all(|&p| p == 0.0) {
        row[rng.random_range(0..n)] = 1.0;
    }
    let total: f64 = row.iter().sum();
    row.iter_mut().for_each(|p| *p /= total);
    row
}

fn random_channel(name: &str, inputs: usize, outputs: usize, rng: &mut impl Rng) -> Channel<f64> {
    let kernel = (0..inputs).map(|_| random_row(outputs, rng)).collect();
    Channel::new(name, numbered(inputs), numbered(outputs), kernel).expect("rows are normalised")
}

/// What the check over random chains found.
#[derive(Clone, Debug, Serialize)]
pub struct RandomChainSummary {
    pub chains: usize,
    pub violations: usize,
    /// The tightest of the six inequalities over all chains (0 means an equality was hit).
    pub smallest_gap: f64,
}

/// Draws `chains` random chains `A ⇀ B ⇀ A'` (alphabets of 1 to 6 messages) and checks
/// the destruction and generation stories on each.
pub fn check_random_chains(chains: usize, seed: u64) -> RandomChainSummary {
    let mut rng = seeded_rng(seed);
    let mut violations = 0;
    let mut smallest_gap = f64::INFINITY;
    for _ in 0..chains {
        let (na, nb, nc) = (
            rng.random_range(1..=6),
            rng.random_range(1..=6),
            rng.random_range(1..=6),
        );
        let prior = Distribution::new(numbered(na), random_row(na, &mut rng)).expect("normalised");
        let first = random_channel("first", na, nb, &mut rng);
        let second = random_channel("second", nb, nc, &mut rng);
        let info = ChainInformation::new(&prior, &first, &second).expect("alphabets match");
        let inequalities = info
            .destruction_story()
            .into_iter()
            .chain(info.generation_story());
        for inequality in inequalities {
            smallest_gap = smallest_gap.min(inequality.larger - inequality.smaller);
            violations += usize::from(!inequality.holds);
        }
    }
    RandomChainSummary {
        chains,
        violations,
        smallest_gap: smallest_gap.max(0.0),
    }
}
