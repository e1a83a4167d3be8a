use super::{ExactBits, Rational};
use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Sub};

/// Tolerance for `f64` probability arithmetic: row sums and information inequalities
/// are accepted when off by at most this much. Exact (`Rational`) arithmetic needs none.
pub const F64_TOLERANCE: f64 = 1e-12;

/// A number a probability can be: `Rational` (exact, for what the book prints) or `f64`
/// (fast, for random property tests).
///
/// `Bits` is the matching type of information values: `ExactBits` or `f64`.
/// Introduced in chapter "Destroying and generating".
pub trait Probability:
    Copy
    + Debug
    + PartialEq
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + std::iter::Sum
{
    type Bits: Clone + Debug + Add<Output = Self::Bits> + Sub<Output = Self::Bits> + std::iter::Sum;

    fn ratio(num: i64, den: i64) -> Self;
    fn zero() -> Self {
        Self::ratio(0, 1)
    }
    fn one() -> Self {
        Self::ratio(1, 1)
    }
    fn to_f64(self) -> f64;
    /// True when `self` equals `other` exactly (`Rational`) or within `F64_TOLERANCE`.
    fn close_to(self, other: Self) -> bool;
    /// `−p log₂ p`, with the convention `0 log 0 = 0`.
    fn neg_p_log2_p(self) -> Self::Bits;
    fn bits_to_f64(bits: &Self::Bits) -> f64;
}

impl Probability for Rational {
    type Bits = ExactBits;
    fn ratio(num: i64, den: i64) -> Rational {
        Rational::new(num.into(), den.into())
    }
    fn to_f64(self) -> f64 {
        Rational::to_f64(&self)
    }
    fn close_to(self, other: Rational) -> bool {
        self == other
    }
    fn neg_p_log2_p(self) -> ExactBits {
        ExactBits::neg_p_log2_p(self)
    }
    fn bits_to_f64(bits: &ExactBits) -> f64 {
        bits.to_f64()
    }
}

impl Probability for f64 {
    type Bits = f64;
    fn ratio(num: i64, den: i64) -> f64 {
        num as f64 / den as f64
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn close_to(self, other: f64) -> bool {
        (self - other).abs() <= F64_TOLERANCE
    }
    fn neg_p_log2_p(self) -> f64 {
        if self > 0.0 {
            -self * self.log2()
        } else {
            0.0
        }
    }
    fn bits_to_f64(bits: &f64) -> f64 {
        *bits
    }
}
