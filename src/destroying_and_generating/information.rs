use super::channel::{Alphabet, Channel, ChannelError};
use crate::numbers::Probability;

/// A distribution over one person's messages: `probs[a] = P(A = a)`.
/// Introduced in chapter "Destroying and generating".
#[derive(Clone, Debug, PartialEq)]
pub struct Distribution<P> {
    pub alphabet: Alphabet,
    pub probs: Vec<P>,
}

impl<P: Probability> Distribution<P> {
    pub fn new(alphabet: Alphabet, probs: Vec<P>) -> Result<Self, ChannelError> {
        if probs.len() != alphabet.len() {
            let what = "distribution".to_string();
            return Err(ChannelError::WrongShape {
                what,
                expected: alphabet.len(),
                found: probs.len(),
            });
        }
        let sum: P = probs.iter().copied().sum();
        if probs.iter().any(|&p| p < P::zero()) || !sum.close_to(P::one()) {
            return Err(ChannelError::NotAProbabilityDistribution { sum: sum.to_f64() });
        }
        Ok(Distribution { alphabet, probs })
    }

    /// The same distribution with `f64` probabilities.
    pub fn to_f64(&self) -> Distribution<f64> {
        let probs = self.probs.iter().map(|p| p.to_f64()).collect();
        Distribution {
            alphabet: self.alphabet.clone(),
            probs,
        }
    }

    // ANCHOR: entropy
    /// The entropy `H(A) = −Σ_a P(a) log₂ P(a)`, in bits.
    pub fn entropy(&self) -> P::Bits {
        self.probs.iter().map(|&p| p.neg_p_log2_p()).sum()
    }
    // ANCHOR_END: entropy

    /// The distribution of `B` when `A ~ self` is sent through `channel`:
    /// `P(b) = Σ_a P(a) P(b | a)`.
    pub fn through(&self, channel: &Channel<P>) -> Result<Distribution<P>, ChannelError> {
        Ok(Joint::new(self, channel)?.marginal_b())
    }
}

/// The joint distribution of `(A, B)` when `A ~ prior` and `B` is `A` sent through a
/// channel: `joint[a][b] = P(a) P(b | a)`.
/// Introduced in chapter "Destroying and generating".
#[derive(Clone, Debug, PartialEq)]
pub struct Joint<P> {
    pub a_alphabet: Alphabet,
    pub b_alphabet: Alphabet,
    pub joint: Vec<Vec<P>>,
}

impl<P: Probability> Joint<P> {
    pub fn new(prior: &Distribution<P>, channel: &Channel<P>) -> Result<Self, ChannelError> {
        if prior.alphabet != channel.inputs {
            let (first, second) = ("the prior".to_string(), channel.name.clone());
            return Err(ChannelError::AlphabetMismatch { first, second });
        }
        let joint = prior
            .probs
            .iter()
            .zip(&channel.kernel)
            .map(|(&pa, row)| row.iter().map(|&pb| pa * pb).collect())
            .collect();
        let (a_alphabet, b_alphabet) = (channel.inputs.clone(), channel.outputs.clone());
        Ok(Joint {
            a_alphabet,
            b_alphabet,
            joint,
        })
    }

    pub fn marginal_a(&self) -> Distribution<P> {
        let probs = self
            .joint
            .iter()
            .map(|row| row.iter().copied().sum())
            .collect();
        Distribution {
            alphabet: self.a_alphabet.clone(),
            probs,
        }
    }

    pub fn marginal_b(&self) -> Distribution<P> {
        let probs = (0..self.b_alphabet.len())
            .map(|b| self.joint.iter().map(|row| row[b]).sum())
            .collect();
        Distribution {
            alphabet: self.b_alphabet.clone(),
            probs,
        }
    }

    /// `H(A, B)`.
    pub fn entropy(&self) -> P::Bits {
        self.joint.iter().flatten().map(|&p| p.neg_p_log2_p()).sum()
    }

    // ANCHOR: information
    /// `H(B | A) = H(A, B) − H(A)`: the information the channel *generates*.
    pub fn entropy_b_given_a(&self) -> P::Bits {
        self.entropy() - self.marginal_a().entropy()
    }

    /// `H(A | B) = H(A, B) − H(B)`: the information the channel *destroys*.
    pub fn entropy_a_given_b(&self) -> P::Bits {
        self.entropy() - self.marginal_b().entropy()
    }

    /// `I(A; B) = H(A) + H(B) − H(A, B)`.
    pub fn mutual_information(&self) -> P::Bits {
        self.marginal_a().entropy() + self.marginal_b().entropy() - self.entropy()
    }
    // ANCHOR_END: information

    // ANCHOR: posterior
    /// The Bayes posterior as a channel from `B` back to `A`:
    /// `P(a | b) = P(a, b) / P(b)` — the ideal *Guess*. Messages `b` that never occur
    /// get the prior `P(A)` (any choice would do: they are never sent).
    pub fn posterior(&self, name: &str) -> Channel<P> {
        let pa = self.marginal_a();
        let pb = self.marginal_b();
        let kernel = (0..self.b_alphabet.len())
            .map(|b| {
                if pb.probs[b] == P::zero() {
                    pa.probs.clone()
                } else {
                    self.joint.iter().map(|row| row[b] / pb.probs[b]).collect()
                }
            })
            .collect();
        let (inputs, outputs) = (self.b_alphabet.clone(), self.a_alphabet.clone());
        Channel {
            name: name.into(),
            inputs,
            outputs,
            kernel,
        }
    }
    // ANCHOR_END: posterior

    /// `P(A ≠ B)` for two people sharing one alphabet: how often the copy differs.
    pub fn probability_different(&self) -> P {
        let mut total = P::zero();
        for (a, row) in self.joint.iter().enumerate() {
            for (b, &p) in row.iter().enumerate() {
                if self.a_alphabet[a] != self.b_alphabet[b] {
                    total = total + p;
                }
            }
        }
        total
    }
}
