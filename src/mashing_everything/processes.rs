//! The two destroying processes on the corpus, as exact finite channels between the
//! levels they reach: MashLastToken (autoregressive) and MashOneRandomUnmaskedToken
//! (masked diffusion).

use super::corpus::{label, sentences, Message};
use crate::destroying_and_generating::{Channel, Distribution, Joint};
use crate::numbers::Rational;
use serde::Serialize;

/// Which destroying process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Process {
    /// Masks the last unmasked token (keeps a prefix): GuessNextToken undoes it.
    MashLastToken,
    /// Masks one unmasked token chosen uniformly at random.
    MashOneRandomUnmaskedToken,
}

// ANCHOR: step
impl Process {
    /// The possible next messages and their probabilities.
    /// Introduced in chapter "Mashing everything".
    pub fn step(&self, message: &Message) -> Vec<(Message, Rational)> {
        let unmasked: Vec<usize> = (0..message.len())
            .filter(|&i| message[i].is_some())
            .collect();
        let mask = |i: usize| {
            let mut next = *message;
            next[i] = None;
            next
        };
        match self {
            Process::MashLastToken => unmasked
                .last()
                .map(|&i| vec![(mask(i), Rational::ONE)])
                .unwrap_or_default(),
            Process::MashOneRandomUnmaskedToken => {
                let p = Rational::new(1, unmasked.len().max(1) as i128);
                unmasked.iter().map(|&i| (mask(i), p)).collect()
            }
        }
    }
}
// ANCHOR_END: step

/// Every level of a process from the corpus down to the all-mask singleton: the
/// messages of each level (sorted by label) and the channel from each level to the next.
#[derive(Clone, Debug)]
pub struct Levels {
    pub process: Process,
    pub messages: Vec<Vec<Message>>,
    pub channels: Vec<Channel<Rational>>,
}

impl Levels {
    pub fn new(process: Process) -> Levels {
        let truncate = process == Process::MashLastToken;
        let mut messages = vec![sentences()];
        let mut channels = Vec::new();
        while messages
            .last()
            .expect("level 0")
            .iter()
            .any(|m| m.iter().any(Option::is_some))
        {
            let current = messages.last().expect("non-empty").clone();
            let mut next: Vec<Message> = current
                .iter()
                .flat_map(|m| process.step(m))
                .map(|(m, _)| m)
                .collect();
            next.sort_by_key(|m| label(m, truncate));
            next.dedup();
            let kernel = current
                .iter()
                .map(|m| {
                    let mut row = vec![Rational::ZERO; next.len()];
                    for (n, p) in process.step(m) {
                        let j = next.iter().position(|x| *x == n).expect("listed");
                        row[j] = row[j] + p;
                    }
                    row
                })
                .collect();
            let labels = |ms: &[Message]| ms.iter().map(|m| label(m, truncate)).collect();
            let name = format!("{process:?}");
            let channel = Channel::new(&name, labels(&current), labels(&next), kernel)
                .expect("rows sum to 1");
            channels.push(channel);
            messages.push(next);
        }
        Levels {
            process,
            messages,
            channels,
        }
    }

    /// The channel from the corpus to level `k` (`k ≥ 1`).
    pub fn from_corpus(&self, k: usize) -> Channel<Rational> {
        let mut c = self.channels[0].clone();
        for next in &self.channels[1..k] {
            c = c.then(next).expect("levels chain");
        }
        c
    }

    /// Uniform distribution over the seven sentences.
    pub fn uniform_prior(&self) -> Distribution<Rational> {
        let n = self.messages[0].len() as i128;
        Distribution::new(
            self.channels[0].inputs.clone(),
            vec![Rational::new(1, n); n as usize],
        )
        .expect("uniform")
    }

    /// Per level: distinct messages, edges into it, `H`, `I(A; ·)` and `H(· | A)` in bits,
    /// for uniformly drawn sentences.
    pub fn information(&self) -> Vec<LevelInformation> {
        let prior = self.uniform_prior();
        let mut out = vec![LevelInformation {
            messages: self.messages[0].len(),
            edges_in: 0,
            entropy: prior.entropy().to_f64(),
            information_about_a: prior.entropy().to_f64(),
            generated: 0.0,
        }];
        for k in 1..self.messages.len() {
            let joint = Joint::new(&prior, &self.from_corpus(k)).expect("starts at the corpus");
            out.push(LevelInformation {
                messages: self.messages[k].len(),
                edges_in: self.channels[k - 1].arrows().len(),
                entropy: joint.marginal_b().entropy().to_f64(),
                information_about_a: joint.mutual_information().to_f64(),
                generated: joint.entropy_b_given_a().to_f64(),
            });
        }
        out
    }
}

/// One level of a destroying process, with uniformly drawn sentences.
#[derive(Clone, Debug, Serialize)]
pub struct LevelInformation {
    pub messages: usize,
    pub edges_in: usize,
    pub entropy: f64,
    pub information_about_a: f64,
    pub generated: f64,
}

/// The subset claim: every message and edge of MashLastToken (written with masks) is a
/// message and edge of MashOneRandomUnmaskedToken at the same level.
pub fn next_token_inside_masked(ar: &Levels, masked: &Levels) -> bool {
    ar.messages
        .iter()
        .zip(&masked.messages)
        .all(|(a, m)| a.iter().all(|x| m.contains(x)))
        && ar
            .messages
            .iter()
            .enumerate()
            .take(ar.messages.len() - 1)
            .all(|(k, level)| {
                level.iter().all(|m| {
                    let next = ar.process.step(m)[0].0;
                    masked.process.step(m).iter().any(|(n, _)| *n == next)
                        && masked.messages[k].contains(m)
                })
            })
}
