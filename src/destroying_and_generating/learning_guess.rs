//! Bob learns `Guess ≈ P(A | B)` from a stream of `(a, b)` training pairs.

use super::channel::Channel;
use super::information::{Distribution, Joint};
use crate::sampling::{sample_index, seeded_rng};
use serde::Serialize;

// ANCHOR: bob
/// Bob's running counts `n[b][a]` of the pairs he has seen.
pub struct Bob {
    counts: Vec<Vec<u64>>,
}

impl Bob {
    pub fn new(b_size: usize, a_size: usize) -> Bob {
        Bob {
            counts: vec![vec![0; a_size]; b_size],
        }
    }

    pub fn observe(&mut self, a: usize, b: usize) {
        self.counts[b][a] += 1;
    }

    /// Bayesian Bob: the posterior-predictive Guess under a uniform Dirichlet prior on
    /// each row, `P^θ(a | b) = (n_ba + 1) / (n_b + |A|)`. Never certain, always consistent.
    pub fn bayes_guess(&self) -> Vec<Vec<f64>> {
        self.rows(|n_ba, n_b, a_size| (n_ba + 1) as f64 / (n_b + a_size) as f64)
    }

    /// Frequentist Bob: the empirical conditional `n_ba / n_b` (uniform for unseen `b`).
    pub fn frequency_guess(&self) -> Vec<Vec<f64>> {
        self.rows(|n_ba, n_b, a_size| match n_b {
            0 => 1.0 / a_size as f64,
            _ => n_ba as f64 / n_b as f64,
        })
    }
    // ANCHOR_END: bob

    fn rows(&self, estimate: impl Fn(u64, u64, u64) -> f64) -> Vec<Vec<f64>> {
        self.counts
            .iter()
            .map(|row| {
                let n_b: u64 = row.iter().sum();
                row.iter()
                    .map(|&n_ba| estimate(n_ba, n_b, row.len() as u64))
                    .collect()
            })
            .collect()
    }
}

/// How far a learned Guess is from the true posterior: the total-variation distance
/// between rows, averaged over `b ~ P(B)`:
/// `Σ_b P(b) · ½ Σ_a |P^θ(a | b) − P(a | b)|`.
pub fn guess_error(guess: &[Vec<f64>], posterior: &Channel<f64>, p_b: &Distribution<f64>) -> f64 {
    let row_tv = |b: usize| {
        0.5 * guess[b]
            .iter()
            .zip(&posterior.kernel[b])
            .map(|(x, y)| (x - y).abs())
            .sum::<f64>()
    };
    (0..p_b.probs.len()).map(|b| p_b.probs[b] * row_tv(b)).sum()
}

/// The learning curve: mean Guess error over `repeats` independent streams, at each
/// checkpoint (number of pairs seen).
#[derive(Clone, Debug, Serialize)]
pub struct LearningCurve {
    pub channel: String,
    pub checkpoints: Vec<u64>,
    pub bayes_error: Vec<f64>,
    pub frequency_error: Vec<f64>,
    pub repeats: usize,
}

impl LearningCurve {
    /// Least-squares slope of log(error) against log(pairs) over the last decade of
    /// checkpoints: about −½ when the error shrinks like `1/√n`.
    pub fn final_log_log_slope(&self, errors: &[f64]) -> f64 {
        let last = *self.checkpoints.last().expect("at least one checkpoint") as f64;
        let points: Vec<(f64, f64)> = self
            .checkpoints
            .iter()
            .zip(errors)
            .filter(|(&n, _)| n as f64 >= last / 10.0)
            .map(|(&n, &e)| ((n as f64).ln(), e.ln()))
            .collect();
        let k = points.len() as f64;
        let (mx, my) = points
            .iter()
            .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x / k, sy + y / k));
        let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
        let sxx: f64 = points.iter().map(|(x, _)| (x - mx) * (x - mx)).sum();
        sxy / sxx
    }
}

/// Log-spaced checkpoints `1, 2, 5, 10, 20, 50, …` up to `max_pairs`.
pub fn checkpoints(max_pairs: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut decade = 1;
    while decade <= max_pairs {
        out.extend(
            [decade, 2 * decade, 5 * decade]
                .into_iter()
                .filter(|&n| n <= max_pairs),
        );
        decade *= 10;
    }
    out
}

// ANCHOR: learn
/// Alice draws `a ~ prior`, the channel turns it into `b`, Bob observes `(a, b)`.
/// Repeated over `repeats` streams seeded `seed, seed + 1, …`.
pub fn learning_curve(
    prior: &Distribution<f64>,
    channel: &Channel<f64>,
    max_pairs: u64,
    repeats: usize,
    seed: u64,
) -> LearningCurve {
    let joint = Joint::new(prior, channel).expect("prior and channel share an alphabet");
    let (posterior, p_b) = (joint.posterior("Guess"), joint.marginal_b());
    let checkpoints = checkpoints(max_pairs);
    let mut bayes_error = vec![0.0; checkpoints.len()];
    let mut frequency_error = vec![0.0; checkpoints.len()];
    for r in 0..repeats {
        let mut rng = seeded_rng(seed + r as u64);
        let mut bob = Bob::new(channel.outputs.len(), channel.inputs.len());
        let mut seen = 0;
        for (k, &n) in checkpoints.iter().enumerate() {
            while seen < n {
                let a = sample_index(&prior.probs, &mut rng);
                let b = sample_index(&channel.kernel[a], &mut rng);
                bob.observe(a, b);
                seen += 1;
            }
            bayes_error[k] += guess_error(&bob.bayes_guess(), &posterior, &p_b) / repeats as f64;
            frequency_error[k] +=
                guess_error(&bob.frequency_guess(), &posterior, &p_b) / repeats as f64;
        }
    }
    LearningCurve {
        channel: channel.name.clone(),
        checkpoints,
        bayes_error,
        frequency_error,
        repeats,
    }
}
// ANCHOR_END: learn
