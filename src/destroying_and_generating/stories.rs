use super::channel::{Channel, ChannelError};
use super::information::{Distribution, Joint};
use crate::numbers::{Probability, F64_TOLERANCE};
use serde::Serialize;

/// Every information quantity of a chain `A =first=> B =second=> A'`.
/// Introduced in chapter "Destroying and generating".
#[derive(Clone, Debug)]
pub struct ChainInformation<P: Probability> {
    pub h_a: P::Bits,
    pub h_b: P::Bits,
    pub h_a2: P::Bits,
    pub i_ab: P::Bits,
    pub i_aa2: P::Bits,
    pub i_ba2: P::Bits,
}

/// One inequality of a story, evaluated: it holds when `larger − smaller ≥ −F64_TOLERANCE`.
#[derive(Clone, Debug, Serialize)]
pub struct Inequality {
    pub statement: &'static str,
    pub larger: f64,
    pub smaller: f64,
    pub holds: bool,
}

impl<P: Probability> ChainInformation<P> {
    pub fn new(
        prior: &Distribution<P>,
        first: &Channel<P>,
        second: &Channel<P>,
    ) -> Result<Self, ChannelError> {
        let ab = Joint::new(prior, first)?;
        let aa2 = Joint::new(prior, &first.then(second)?)?;
        let ba2 = Joint::new(&ab.marginal_b(), second)?;
        Ok(ChainInformation {
            h_a: prior.entropy(),
            h_b: ab.marginal_b().entropy(),
            h_a2: aa2.marginal_b().entropy(),
            i_ab: ab.mutual_information(),
            i_aa2: aa2.mutual_information(),
            i_ba2: ba2.mutual_information(),
        })
    }

    fn at_least(statement: &'static str, larger: &P::Bits, smaller: &P::Bits) -> Inequality {
        // The difference is taken before rounding, so exact equalities give exactly 0.
        let gap = P::bits_to_f64(&(larger.clone() - smaller.clone()));
        let (larger, smaller) = (P::bits_to_f64(larger), P::bits_to_f64(smaller));
        Inequality {
            statement,
            larger,
            smaller,
            holds: gap >= -F64_TOLERANCE,
        }
    }

    // ANCHOR: stories
    /// The data-processing inequality read forwards — nobody downstream can learn what
    /// was forgotten upstream: `I(A;A) ≥ I(A;B) ≥ I(A;A')` and `I(B;B) ≥ I(B;A')`.
    pub fn destruction_story(&self) -> Vec<Inequality> {
        vec![
            Self::at_least("I(A;A) ≥ I(A;B)", &self.h_a, &self.i_ab),
            Self::at_least("I(A;B) ≥ I(A;A')", &self.i_ab, &self.i_aa2),
            Self::at_least("I(B;B) ≥ I(B;A')", &self.h_b, &self.i_ba2),
        ]
    }

    /// The dual, read backwards — nobody upstream can know what is not yet decided:
    /// `I(A';A) ≤ I(A';B) ≤ I(A';A')` and `I(B;A) ≤ I(B;B)`.
    pub fn generation_story(&self) -> Vec<Inequality> {
        vec![
            Self::at_least("I(A';A) ≤ I(A';B)", &self.i_ba2, &self.i_aa2),
            Self::at_least("I(A';B) ≤ I(A';A')", &self.h_a2, &self.i_ba2),
            Self::at_least("I(B;A) ≤ I(B;B)", &self.h_b, &self.i_ab),
        ]
    }
    // ANCHOR_END: stories

    /// True when all six inequalities of both stories hold.
    pub fn both_stories_hold(&self) -> bool {
        self.destruction_story()
            .iter()
            .chain(&self.generation_story())
            .all(|i| i.holds)
    }
}
