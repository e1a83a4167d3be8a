//! A replay buffer of terminal states, sampled with rank-based priorities, so that
//! training can revisit good states the generator found earlier (off-policy training).

use ndarray::{Array1, Array2};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::Rng;
use serde::{Deserialize, Serialize};

/// Terminal states `x_T` with their log-rewards, kept sorted by log-reward (best first)
/// and evicted oldest-first once `capacity` is reached.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReplayBuffer {
    pub capacity: usize,
    /// Rank-prioritised sampling (`P(rank r) ∝ 1/(k·N + r)`); uniform when false.
    pub prioritised: bool,
    /// The `k` of the rank weights: smaller favours the best states more strongly.
    pub rank_k: f64,
    dim: usize,
    next_seq: u64,
    entries: Vec<Entry>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
struct Entry {
    log_reward: f32,
    seq: u64,
    x: Vec<f32>,
}

impl ReplayBuffer {
    pub fn new(capacity: usize, dim: usize, prioritised: bool) -> ReplayBuffer {
        ReplayBuffer {
            capacity,
            prioritised,
            rank_k: 0.01,
            dim,
            next_seq: 0,
            entries: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds the rows of `x` with their log-rewards; states with a non-finite reward are
    /// skipped.
    pub fn push(&mut self, x: &Array2<f32>, log_reward: &Array1<f32>) {
        for (row, &log_reward) in x.rows().into_iter().zip(log_reward) {
            if log_reward.is_finite() && row.iter().all(|v| v.is_finite()) {
                self.entries.push(Entry {
                    log_reward,
                    seq: self.next_seq,
                    x: row.to_vec(),
                });
                self.next_seq += 1;
            }
        }
        if self.entries.len() > self.capacity {
            let oldest_kept = self.next_seq - self.capacity as u64;
            self.entries.retain(|e| e.seq >= oldest_kept);
        }
        // Two sorted runs (old entries, new entries): the stable sort merges them in O(N).
        self.entries.sort_by(|a, b| {
            b.log_reward
                .total_cmp(&a.log_reward)
                .then(a.seq.cmp(&b.seq))
        });
    }

    /// `n` states drawn with replacement, by rank priority or uniformly.
    pub fn sample(&self, n: usize, rng: &mut StdRng) -> Array2<f32> {
        assert!(!self.is_empty(), "cannot sample an empty replay buffer");
        let size = self.entries.len();
        let cumulative: Vec<f64> = if self.prioritised {
            let k_n = self.rank_k * size as f64;
            (0..size)
                .scan(0.0, |sum, rank| {
                    *sum += 1.0 / (k_n + rank as f64);
                    Some(*sum)
                })
                .collect()
        } else {
            (1..=size).map(|r| r as f64).collect()
        };
        let total = cumulative[size - 1];
        let mut out = Array2::zeros((n, self.dim));
        for mut row in out.rows_mut() {
            let u = rng.random::<f64>() * total;
            let rank = cumulative.partition_point(|&c| c <= u).min(size - 1);
            row.assign(&Array1::from(self.entries[rank].x.clone()));
        }
        out
    }
}
