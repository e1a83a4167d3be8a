//! Seeded randomness shared by every chapter: same seed, same stream.

use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::{Rng, SeedableRng};

/// The crate's random number generator, seeded explicitly (never from the clock).
pub fn seeded_rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Draws an index `i` with probability `probs[i]` (inverse-CDF sampling).
pub fn sample_index(probs: &[f64], rng: &mut impl Rng) -> usize {
    let u: f64 = rng.random();
    let mut cumulative = 0.0;
    for (i, &p) in probs.iter().enumerate() {
        cumulative += p;
        if u < cumulative {
            return i;
        }
    }
    // Rounding can leave the cumulative sum a hair below 1: fall back to the last
    // index with positive probability.
    probs
        .iter()
        .rposition(|&p| p > 0.0)
        .expect("probabilities must not all be zero")
}
