use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// An exact fraction `num / den` in lowest terms with `den > 0`.
///
/// Arithmetic panics on `i128` overflow rather than silently wrapping: the book only uses
/// small denominators, so an overflow means a bug, not a large number.
/// Introduced in chapter "Destroying and generating".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rational {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

impl Rational {
    pub const ZERO: Rational = Rational { num: 0, den: 1 };
    pub const ONE: Rational = Rational { num: 1, den: 1 };

    /// `num / den` reduced to lowest terms. Panics if `den == 0`.
    pub fn new(num: i128, den: i128) -> Rational {
        assert!(den != 0, "Rational::new: zero denominator");
        let sign = if den < 0 { -1 } else { 1 };
        let g = gcd(num, den).max(1);
        Rational {
            num: sign * num / g,
            den: sign * den / g,
        }
    }

    pub fn integer(n: i128) -> Rational {
        Rational { num: n, den: 1 }
    }

    pub fn numerator(&self) -> i128 {
        self.num
    }

    pub fn denominator(&self) -> i128 {
        self.den
    }

    pub fn is_zero(&self) -> bool {
        self.num == 0
    }

    pub fn to_f64(&self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// `self` raised to a non-negative integer power.
    pub fn pow(self, exponent: u32) -> Rational {
        (0..exponent).fold(Rational::ONE, |acc, _| acc * self)
    }

    /// LaTeX for KaTeX: `\tfrac{2}{3}`, `-\tfrac{1}{8}` or `5`.
    pub fn to_latex(&self) -> String {
        match (self.num < 0, self.den) {
            (_, 1) => self.num.to_string(),
            (true, d) => format!(r"-\tfrac{{{}}}{{{}}}", -self.num, d),
            (false, d) => format!(r"\tfrac{{{}}}{{{}}}", self.num, d),
        }
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

fn checked(value: Option<i128>) -> i128 {
    value.expect("Rational arithmetic overflowed i128")
}

impl Add for Rational {
    type Output = Rational;
    fn add(self, rhs: Rational) -> Rational {
        let g = gcd(self.den, rhs.den);
        let (l, r) = (rhs.den / g, self.den / g);
        let num =
            checked(checked(self.num.checked_mul(l)).checked_add(checked(rhs.num.checked_mul(r))));
        Rational::new(num, checked(self.den.checked_mul(l)))
    }
}

impl Sub for Rational {
    type Output = Rational;
    fn sub(self, rhs: Rational) -> Rational {
        self + (-rhs)
    }
}

impl Neg for Rational {
    type Output = Rational;
    fn neg(self) -> Rational {
        Rational {
            num: -self.num,
            den: self.den,
        }
    }
}

impl Mul for Rational {
    type Output = Rational;
    fn mul(self, rhs: Rational) -> Rational {
        // Cross-reduce first so intermediate products stay small.
        let g1 = gcd(self.num, rhs.den).max(1);
        let g2 = gcd(rhs.num, self.den).max(1);
        Rational::new(
            checked((self.num / g1).checked_mul(rhs.num / g2)),
            checked((self.den / g2).checked_mul(rhs.den / g1)),
        )
    }
}

impl Div for Rational {
    type Output = Rational;
    fn div(self, rhs: Rational) -> Rational {
        assert!(!rhs.is_zero(), "Rational division by zero");
        self * Rational::new(rhs.den, rhs.num)
    }
}

impl PartialOrd for Rational {
    fn partial_cmp(&self, other: &Rational) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Rational {
    fn cmp(&self, other: &Rational) -> Ordering {
        (*self - *other).num.cmp(&0)
    }
}

impl std::iter::Sum for Rational {
    fn sum<I: Iterator<Item = Rational>>(iter: I) -> Rational {
        iter.fold(Rational::ZERO, |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_is_exact_and_reduced() {
        let third = Rational::new(1, 3);
        let sixth = Rational::new(-2, -12);
        assert_eq!(third + sixth, Rational::new(1, 2));
        assert_eq!(third - sixth, sixth);
        assert_eq!(third * Rational::integer(3), Rational::ONE);
        assert_eq!(third / sixth, Rational::integer(2));
        assert_eq!(Rational::new(3, -6).to_string(), "-1/2");
        assert!(third > sixth && -third < Rational::ZERO);
        assert_eq!(Rational::new(1, 2).pow(10), Rational::new(1, 1024));
        assert_eq!(Rational::new(-1, 8).to_latex(), r"-\tfrac{1}{8}");
    }
}
