use crate::numbers::Probability;
use std::fmt;

/// The possible messages of one person, by label (`"0"`, `"head"`, `"*"`, …).
pub type Alphabet = Vec<String>;

/// Labels `"0"`, `"1"`, …, `"n-1"`.
pub fn numbered(n: usize) -> Alphabet {
    (0..n).map(|i| i.to_string()).collect()
}

/// Why a channel or distribution could not be built or composed.
#[derive(Clone, Debug, PartialEq)]
pub enum ChannelError {
    RowDoesNotSumToOne {
        channel: String,
        row: String,
        sum: f64,
    },
    NegativeEntry {
        channel: String,
        row: String,
    },
    WrongShape {
        what: String,
        expected: usize,
        found: usize,
    },
    AlphabetMismatch {
        first: String,
        second: String,
    },
    NotAProbabilityDistribution {
        sum: f64,
    },
}

impl fmt::Display for ChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RowDoesNotSumToOne { channel, row, sum } => {
                write!(f, "channel {channel}: row for message {row} sums to {sum}, not 1")
            }
            Self::NegativeEntry { channel, row } => {
                write!(f, "channel {channel}: row for message {row} has a negative probability")
            }
            Self::WrongShape { what, expected, found } => {
                write!(f, "{what}: expected {expected} entries, found {found}")
            }
            Self::AlphabetMismatch { first, second } => write!(
                f,
                "cannot compose {first} then {second}: the first's outputs are not the second's inputs"
            ),
            Self::NotAProbabilityDistribution { sum } => {
                write!(f, "probabilities must be non-negative and sum to 1 (sum is {sum})")
            }
        }
    }
}

impl std::error::Error for ChannelError {}

// ANCHOR: channel
/// A finite channel from `A` to `B`: a row-stochastic matrix with
/// `kernel[a][b] = P(B = b | A = a)`.
///
/// Deterministic channels (one 1 per row) are functions; the others flip coins.
/// Introduced in chapter "Destroying and generating".
#[derive(Clone, Debug, PartialEq)]
pub struct Channel<P> {
    pub name: String,
    pub inputs: Alphabet,
    pub outputs: Alphabet,
    pub kernel: Vec<Vec<P>>,
}
// ANCHOR_END: channel

impl<P: Probability> Channel<P> {
    /// A channel from explicit rows; every row must be a probability distribution.
    pub fn new(
        name: &str,
        inputs: Alphabet,
        outputs: Alphabet,
        kernel: Vec<Vec<P>>,
    ) -> Result<Self, ChannelError> {
        let shape_error = |what: String, expected, found| ChannelError::WrongShape {
            what,
            expected,
            found,
        };
        if kernel.len() != inputs.len() {
            return Err(shape_error(
                format!("channel {name}: rows"),
                inputs.len(),
                kernel.len(),
            ));
        }
        for (row, label) in kernel.iter().zip(&inputs) {
            if row.len() != outputs.len() {
                let what = format!("channel {name}: row for message {label}");
                return Err(shape_error(what, outputs.len(), row.len()));
            }
            if row.iter().any(|&p| p < P::zero()) {
                return Err(ChannelError::NegativeEntry {
                    channel: name.into(),
                    row: label.clone(),
                });
            }
            let sum: P = row.iter().copied().sum();
            if !sum.close_to(P::one()) {
                let (channel, row, sum) = (name.into(), label.clone(), sum.to_f64());
                return Err(ChannelError::RowDoesNotSumToOne { channel, row, sum });
            }
        }
        Ok(Channel {
            name: name.into(),
            inputs,
            outputs,
            kernel,
        })
    }

    /// The deterministic channel `a ↦ f(a)`, with `f` giving output indices.
    pub fn function(
        name: &str,
        inputs: Alphabet,
        outputs: Alphabet,
        f: impl Fn(usize) -> usize,
    ) -> Self {
        let kernel = (0..inputs.len())
            .map(|a| {
                (0..outputs.len())
                    .map(|b| if f(a) == b { P::one() } else { P::zero() })
                    .collect()
            })
            .collect();
        Channel::new(name, inputs, outputs, kernel).expect("a function's rows are one-hot")
    }

    /// `P(B = b | A = a)`.
    pub fn p(&self, a: usize, b: usize) -> P {
        self.kernel[a][b]
    }

    /// True when every input goes to exactly one output: the channel is a function
    /// (a *morphism* in the diagrams), so it can keep or destroy information but never
    /// create it.
    pub fn is_deterministic(&self) -> bool {
        self.kernel.iter().all(|row| {
            row.iter().filter(|&&p| p != P::zero()).count() == 1
                && row.iter().all(|&p| p == P::zero() || p == P::one())
        })
    }

    // ANCHOR: then
    /// `self` then `next`: `P(C = c | A = a) = Σ_b P(b | a) P(c | b)`.
    pub fn then(&self, next: &Channel<P>) -> Result<Channel<P>, ChannelError> {
        if self.outputs != next.inputs {
            let (first, second) = (self.name.clone(), next.name.clone());
            return Err(ChannelError::AlphabetMismatch { first, second });
        }
        let kernel = self
            .kernel
            .iter()
            .map(|row| {
                (0..next.outputs.len())
                    .map(|c| {
                        row.iter()
                            .enumerate()
                            .map(|(b, &p)| p * next.kernel[b][c])
                            .sum()
                    })
                    .collect()
            })
            .collect();
        let name = format!("{} ∘ {}", next.name, self.name);
        Ok(Channel {
            name,
            inputs: self.inputs.clone(),
            outputs: next.outputs.clone(),
            kernel,
        })
    }
    // ANCHOR_END: then

    /// The same channel with `f64` probabilities (for sampling and fast checks).
    pub fn to_f64(&self) -> Channel<f64> {
        let kernel = self
            .kernel
            .iter()
            .map(|row| row.iter().map(|p| p.to_f64()).collect())
            .collect();
        let (name, inputs, outputs) =
            (self.name.clone(), self.inputs.clone(), self.outputs.clone());
        Channel {
            name,
            inputs,
            outputs,
            kernel,
        }
    }

    /// The same channel under another name.
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }

    /// The nonzero arrows `(a, b, P(b | a))`, i.e. the small arrows of a diagram.
    pub fn arrows(&self) -> Vec<(usize, usize, P)> {
        let mut out = Vec::new();
        for (a, row) in self.kernel.iter().enumerate() {
            for (b, &p) in row.iter().enumerate() {
                if p != P::zero() {
                    out.push((a, b, p));
                }
            }
        }
        out
    }
}
