//! The chapter's synthetic language: a hidden Markov model whose hidden state carries a
//! *topic* chosen once per sentence (long-range structure: the first word tells you about
//! the last) and a *phase* that cycles locally. Small enough that every probability is
//! exact: the forward algorithm for one sentence, enumeration for all of them.
//! Introduced in chapter "Learning by withholding information".

use crate::sampling::sample_index;
use ndarray_rand::rand::rngs::StdRng;
use serde::Serialize;

/// The most sentences [`Language::all_sentences`] will list (`vocab^length`).
pub const MAX_ENUMERATION: usize = 2_000_000;

/// A hidden Markov model over tokens `0..vocab`:
/// `p(x_1..x_L) = Σ_h π(h_1) e(x_1 | h_1) Π_{t≥2} T(h_t | h_{t−1}) e(x_t | h_t)`.
/// Introduced in chapter "Learning by withholding information".
#[derive(Clone, Debug, Serialize)]
pub struct Language {
    /// `π(h)`: the first hidden state's distribution.
    pub initial: Vec<f64>,
    /// `T[h][h']`: the probability of moving from hidden state `h` to `h'`.
    pub transition: Vec<Vec<f64>>,
    /// `e[h][x]`: the probability that hidden state `h` emits token `x`.
    pub emission: Vec<Vec<f64>>,
}

fn check_distribution(p: &[f64], what: &str) {
    let total: f64 = p.iter().sum();
    assert!(
        p.iter().all(|&v| v >= 0.0 && v.is_finite()) && (total - 1.0).abs() < 1e-9,
        "{what} must be non-negative and sum to one (sums to {total})"
    );
}

// ANCHOR: chapter_language
impl Language {
    /// The book's fixed instance: 2 topics × 3 phases = 6 hidden states, 6 tokens.
    /// The topic never changes within a sentence; the phase moves on (0 → 1 → 2 → 0)
    /// with probability 0.7 and stays put otherwise. Each (topic, phase) prefers two
    /// tokens (0.6 and 0.3, the other four 0.025 each); topic 0 favours low tokens and
    /// topic 1 high ones, so a sentence's words agree with each other across its whole
    /// length, and the local order of the phases gives short-range structure.
    pub fn chapter_language() -> Language {
        const TOPICS: usize = 2;
        const PHASES: usize = 3;
        const VOCAB: usize = 6;
        const MOVE_ON: f64 = 0.7;
        // Preferred tokens of (topic, phase), strongest first.
        const FAVOURITES: [[[usize; 2]; PHASES]; TOPICS] =
            [[[0, 1], [2, 3], [1, 2]], [[5, 4], [3, 2], [4, 3]]];
        let hidden = TOPICS * PHASES;
        let state = |topic: usize, phase: usize| topic * PHASES + phase;
        let mut initial = vec![0.0; hidden];
        initial[state(0, 0)] = 0.6;
        initial[state(1, 0)] = 0.4;
        let mut transition = vec![vec![0.0; hidden]; hidden];
        let mut emission = vec![vec![0.0; VOCAB]; hidden];
        for topic in 0..TOPICS {
            for phase in 0..PHASES {
                let h = state(topic, phase);
                transition[h][h] = 1.0 - MOVE_ON;
                transition[h][state(topic, (phase + 1) % PHASES)] = MOVE_ON;
                let [a, b] = FAVOURITES[topic][phase];
                for (x, e) in emission[h].iter_mut().enumerate() {
                    *e = if x == a {
                        0.6
                    } else if x == b {
                        0.3
                    } else {
                        0.025
                    };
                }
            }
        }
        Language::new(initial, transition, emission)
    }
}
// ANCHOR_END: chapter_language

impl Language {
    /// A language from its three tables; panics with a message if a row is not a
    /// probability distribution or the shapes disagree.
    pub fn new(initial: Vec<f64>, transition: Vec<Vec<f64>>, emission: Vec<Vec<f64>>) -> Self {
        let hidden = initial.len();
        assert!(hidden > 0, "a language needs at least one hidden state");
        assert!(
            transition.len() == hidden && emission.len() == hidden,
            "transition and emission need one row per hidden state ({hidden})"
        );
        let vocab = emission[0].len();
        assert!(vocab > 0, "a language needs at least one token");
        check_distribution(&initial, "the initial distribution");
        for row in &transition {
            assert_eq!(
                row.len(),
                hidden,
                "transition rows have one entry per hidden state"
            );
            check_distribution(row, "each transition row");
        }
        for row in &emission {
            assert_eq!(row.len(), vocab, "emission rows have one entry per token");
            check_distribution(row, "each emission row");
        }
        Language {
            initial,
            transition,
            emission,
        }
    }

    /// Tokens are `0..vocab`.
    pub fn vocab(&self) -> usize {
        self.emission[0].len()
    }

    /// Number of hidden states.
    pub fn hidden_states(&self) -> usize {
        self.initial.len()
    }

    /// One sentence of `length` tokens: walk the hidden chain, emit a token at each step.
    pub fn sample(&self, length: usize, rng: &mut StdRng) -> Vec<usize> {
        let mut sentence = Vec::with_capacity(length);
        let mut h = sample_index(&self.initial, rng);
        for t in 0..length {
            if t > 0 {
                h = sample_index(&self.transition[h], rng);
            }
            sentence.push(sample_index(&self.emission[h], rng));
        }
        sentence
    }

    /// `n` sentences of `length` tokens, one after the other from `rng`.
    pub fn sample_many(&self, n: usize, length: usize, rng: &mut StdRng) -> Vec<Vec<usize>> {
        (0..n).map(|_| self.sample(length, rng)).collect()
    }

    /// One step of the forward algorithm: `α'(h') = e(x | h') Σ_h α(h) T(h' | h)`, or
    /// `α'(h') = π(h') e(x | h')` at the first token (`alpha` empty).
    fn forward_step(&self, alpha: &[f64], x: usize) -> Vec<f64> {
        assert!(
            x < self.vocab(),
            "token {x} is outside the vocabulary 0..{}",
            self.vocab()
        );
        (0..self.hidden_states())
            .map(|next| {
                let reach = if alpha.is_empty() {
                    self.initial[next]
                } else {
                    alpha
                        .iter()
                        .zip(&self.transition)
                        .map(|(a, row)| a * row[next])
                        .sum()
                };
                reach * self.emission[next][x]
            })
            .collect()
    }

    // ANCHOR: log_prob
    /// `log p(x_1..x_L)` in nats, exactly, by the forward algorithm with rescaling:
    /// `α_t(h) = p(x_1..x_t, h_t = h)`, normalised at each step and the log-normalisers
    /// summed, so long sentences do not underflow. `−∞` for an impossible sentence.
    pub fn log_prob(&self, sentence: &[usize]) -> f64 {
        let mut alpha: Vec<f64> = Vec::new();
        let mut log_p = 0.0;
        for &x in sentence {
            alpha = self.forward_step(&alpha, x);
            let total: f64 = alpha.iter().sum();
            if total == 0.0 {
                return f64::NEG_INFINITY;
            }
            log_p += total.ln();
            alpha.iter_mut().for_each(|a| *a /= total);
        }
        log_p
    }
    // ANCHOR_END: log_prob

    /// `p(x_{t+1} = · | x_1..x_t)`: the exact next-token distribution after a prefix
    /// (the ideal autoregressive model). At the empty prefix, the first token's marginal.
    pub fn next_token_probabilities(&self, prefix: &[usize]) -> Vec<f64> {
        let mut alpha: Vec<f64> = Vec::new();
        for &x in prefix {
            alpha = self.forward_step(&alpha, x);
            let total: f64 = alpha.iter().sum();
            assert!(total > 0.0, "the prefix {prefix:?} is impossible");
            alpha.iter_mut().for_each(|a| *a /= total);
        }
        let hidden: Vec<f64> = if alpha.is_empty() {
            self.initial.clone()
        } else {
            (0..self.hidden_states())
                .map(|next| {
                    alpha
                        .iter()
                        .zip(&self.transition)
                        .map(|(a, row)| a * row[next])
                        .sum()
                })
                .collect()
        };
        (0..self.vocab())
            .map(|x| {
                hidden
                    .iter()
                    .zip(&self.emission)
                    .map(|(h, e)| h * e[x])
                    .sum()
            })
            .collect()
    }

    /// Every sentence of `length` tokens with its exact probability, in lexicographic
    /// order. Panics if `vocab^length` exceeds [`MAX_ENUMERATION`].
    pub fn all_sentences(&self, length: usize) -> Vec<(Vec<usize>, f64)> {
        let count = enumeration_size(self.vocab(), length);
        let mut out = Vec::with_capacity(count);
        self.visit_all(length, &mut |s, p| out.push((s.to_vec(), p)));
        out
    }

    /// Calls `visit(sentence, probability)` on every sentence of `length` tokens in
    /// lexicographic order, sharing the forward pass of common prefixes (cost about
    /// `vocab^length` forward steps, no list kept). Same size limit as `all_sentences`.
    pub fn visit_all(&self, length: usize, visit: &mut impl FnMut(&[usize], f64)) {
        enumeration_size(self.vocab(), length);
        let mut prefix = Vec::with_capacity(length);
        self.visit_from(&[], &mut prefix, length, visit);
    }

    fn visit_from(
        &self,
        alpha: &[f64],
        prefix: &mut Vec<usize>,
        length: usize,
        visit: &mut impl FnMut(&[usize], f64),
    ) {
        if prefix.len() == length {
            // Unnormalised forward vector: its sum is p(prefix).
            let p = if length == 0 { 1.0 } else { alpha.iter().sum() };
            visit(prefix, p);
            return;
        }
        for x in 0..self.vocab() {
            let next = self.forward_step(alpha, x);
            prefix.push(x);
            self.visit_from(&next, prefix, length, visit);
            prefix.pop();
        }
    }

    /// `H(X_1..X_L) / L = −(1/L) Σ_x p(x) log p(x)`: the exact entropy per token of
    /// sentences of `length` tokens, in nats, by enumeration. No model of these sentences
    /// can have a lower expected negative log-likelihood per token (the chapter's floor).
    pub fn entropy_per_token(&self, length: usize) -> f64 {
        let mut h = 0.0;
        self.visit_all(length, &mut |_, p| {
            if p > 0.0 {
                h -= p * p.ln();
            }
        });
        h / length as f64
    }
}

impl Language {
    /// The exact guesser: `p(x_i = v | the visible tokens of the other positions)` for every
    /// position `i` of a partly hidden sentence (`None` = withheld), by the forward-backward
    /// algorithm with withheld positions emitting with probability one. A visible position's
    /// row is its distribution as if it were withheld. This is the ideal that every
    /// withholding model of the chapter approximates.
    /// Introduced in chapter "Learning by withholding information".
    pub fn conditionals(&self, partial: &[Option<usize>]) -> Vec<Vec<f64>> {
        let (hidden, vocab, length) = (self.hidden_states(), self.vocab(), partial.len());
        let emit = |h: usize, x: Option<usize>| x.map_or(1.0, |x| self.emission[h][x]);
        // before[t][h] = p(h_t = h, visible x_<t), normalised per step (ratios are all we need).
        let mut before = vec![vec![0.0; hidden]; length];
        for t in 0..length {
            before[t] = if t == 0 {
                self.initial.clone()
            } else {
                (0..hidden)
                    .map(|g| {
                        (0..hidden)
                            .map(|h| {
                                before[t - 1][h] * emit(h, partial[t - 1]) * self.transition[h][g]
                            })
                            .sum()
                    })
                    .collect()
            };
            let total: f64 = before[t].iter().sum();
            assert!(total > 0.0, "the visible tokens {partial:?} are impossible");
            before[t].iter_mut().for_each(|a| *a /= total);
        }
        // after[t][h] = p(visible x_>t | h_t = h), normalised per step.
        let mut after = vec![vec![1.0; hidden]; length];
        for t in (0..length.saturating_sub(1)).rev() {
            after[t] = (0..hidden)
                .map(|h| {
                    (0..hidden)
                        .map(|g| self.transition[h][g] * emit(g, partial[t + 1]) * after[t + 1][g])
                        .sum()
                })
                .collect();
            let total: f64 = after[t].iter().sum();
            assert!(total > 0.0, "the visible tokens {partial:?} are impossible");
            after[t].iter_mut().for_each(|b| *b /= total);
        }
        (0..length)
            .map(|t| {
                let mut row: Vec<f64> = (0..vocab)
                    .map(|v| {
                        (0..hidden)
                            .map(|h| before[t][h] * self.emission[h][v] * after[t][h])
                            .sum()
                    })
                    .collect();
                let total: f64 = row.iter().sum();
                row.iter_mut().for_each(|p| *p /= total);
                row
            })
            .collect()
    }
}

fn enumeration_size(vocab: usize, length: usize) -> usize {
    let count = (vocab as u128)
        .checked_pow(length as u32)
        .unwrap_or(u128::MAX);
    assert!(
        count <= MAX_ENUMERATION as u128,
        "cannot enumerate {vocab}^{length} sentences (more than {MAX_ENUMERATION}); use a shorter length"
    );
    count as usize
}
