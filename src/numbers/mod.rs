//! Numbers the book can print exactly: rationals for probabilities, and exact entropies
//! written as rational combinations of `log₂ p` for primes `p`.
//!
//! Introduced in chapter "Destroying and generating".

mod exact_bits;
mod probability;
mod rational;

pub use exact_bits::ExactBits;
pub use probability::{Probability, F64_TOLERANCE};
pub use rational::Rational;
