use super::Rational;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Add, Mul, Neg, Sub};

/// An exact amount of information in bits: `c₀ + Σ_p c_p · log₂ p` over odd primes `p`,
/// with rational coefficients.
///
/// The entropy of a distribution with rational probabilities is always of this form,
/// because `log₂(n/d)` splits into logs of primes and `log₂ 2 = 1`. Two entropies are
/// equal exactly when their coefficients are (the `log₂ p` of distinct primes are
/// linearly independent over the rationals), so "Product adds exactly one bit" is an
/// equality test, not a tolerance. Introduced in chapter "Destroying and generating".
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ExactBits {
    constant: Rational,
    log2_primes: BTreeMap<u64, Rational>,
}

impl Default for Rational {
    fn default() -> Rational {
        Rational::ZERO
    }
}

/// Prime factorisation by trial division (the book's denominators are small).
fn prime_factors(mut n: u128) -> Vec<(u64, i128)> {
    let mut factors = Vec::new();
    let mut p = 2u128;
    while p * p <= n {
        let mut k = 0;
        while n.is_multiple_of(p) {
            n /= p;
            k += 1;
        }
        if k > 0 {
            factors.push((p as u64, k));
        }
        p += 1;
    }
    if n > 1 {
        factors.push((n as u64, 1));
    }
    factors
}

impl ExactBits {
    pub fn zero() -> ExactBits {
        ExactBits::default()
    }

    pub fn rational(value: Rational) -> ExactBits {
        ExactBits {
            constant: value,
            log2_primes: BTreeMap::new(),
        }
    }

    /// `log₂ r` for a positive rational `r`. Panics if `r ≤ 0`.
    pub fn log2(r: Rational) -> ExactBits {
        assert!(r > Rational::ZERO, "log2 of a non-positive number {r}");
        let mut out = ExactBits::zero();
        for (value, sign) in [(r.numerator(), 1), (r.denominator(), -1)] {
            for (p, k) in prime_factors(value as u128) {
                let term = Rational::integer(sign * k);
                if p == 2 {
                    out.constant = out.constant + term;
                } else {
                    let coefficient = out.log2_primes.entry(p).or_default();
                    *coefficient = *coefficient + term;
                }
            }
        }
        out.normalised()
    }

    /// The surprisal-weighted term `−p log₂ p` of an entropy sum (0 when `p = 0`).
    pub fn neg_p_log2_p(p: Rational) -> ExactBits {
        if p.is_zero() {
            ExactBits::zero()
        } else {
            ExactBits::log2(p) * (-p)
        }
    }

    pub fn is_zero(&self) -> bool {
        self.constant.is_zero() && self.log2_primes.is_empty()
    }

    /// `Some(q)` when the value is the rational number `q` (no logarithms left).
    pub fn as_rational(&self) -> Option<Rational> {
        self.log2_primes.is_empty().then_some(self.constant)
    }

    pub fn to_f64(&self) -> f64 {
        self.log2_primes
            .iter()
            .map(|(&p, c)| c.to_f64() * (p as f64).log2())
            .sum::<f64>()
            + self.constant.to_f64()
    }

    fn normalised(mut self) -> ExactBits {
        self.log2_primes.retain(|_, c| !c.is_zero());
        self
    }

    /// LaTeX for KaTeX, e.g. `\log_2 3 - \tfrac{2}{3}`.
    pub fn to_latex(&self) -> String {
        let mut terms: Vec<(bool, String)> = Vec::new();
        for (&p, &c) in &self.log2_primes {
            let magnitude = if c < Rational::ZERO { -c } else { c };
            let coefficient = if magnitude == Rational::ONE {
                String::new()
            } else {
                magnitude.to_latex()
            };
            terms.push((c < Rational::ZERO, format!(r"{coefficient}\log_2 {p}")));
        }
        if !self.constant.is_zero() || terms.is_empty() {
            let c = self.constant;
            let magnitude = if c < Rational::ZERO { -c } else { c };
            terms.push((c < Rational::ZERO, magnitude.to_latex()));
        }
        let mut out = String::new();
        for (i, (negative, term)) in terms.iter().enumerate() {
            match (i, negative) {
                (0, true) => out.push('-'),
                (0, false) => {}
                (_, true) => out.push_str(" - "),
                (_, false) => out.push_str(" + "),
            }
            out.push_str(term);
        }
        out
    }
}

impl fmt::Display for ExactBits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let latex = self.to_latex();
        let text = latex
            .replace(r"}\log_2 ", "} log2 ")
            .replace(r"\log_2 ", "log2 ");
        let text = text.replace(r"\tfrac", "").replace("}{", "/");
        write!(f, "{}", text.replace(['{', '}'], ""))
    }
}

impl Add for ExactBits {
    type Output = ExactBits;
    fn add(mut self, rhs: ExactBits) -> ExactBits {
        self.constant = self.constant + rhs.constant;
        for (p, c) in rhs.log2_primes {
            let entry = self.log2_primes.entry(p).or_default();
            *entry = *entry + c;
        }
        self.normalised()
    }
}

impl Neg for ExactBits {
    type Output = ExactBits;
    fn neg(self) -> ExactBits {
        self * Rational::integer(-1)
    }
}

impl Sub for ExactBits {
    type Output = ExactBits;
    fn sub(self, rhs: ExactBits) -> ExactBits {
        self + (-rhs)
    }
}

impl Mul<Rational> for ExactBits {
    type Output = ExactBits;
    fn mul(mut self, rhs: Rational) -> ExactBits {
        self.constant = self.constant * rhs;
        for c in self.log2_primes.values_mut() {
            *c = *c * rhs;
        }
        self.normalised()
    }
}

impl std::iter::Sum for ExactBits {
    fn sum<I: Iterator<Item = ExactBits>>(iter: I) -> ExactBits {
        iter.fold(ExactBits::zero(), |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_split_into_primes() {
        let third = ExactBits::log2(Rational::new(1, 3));
        assert_eq!(third.to_latex(), r"-\log_2 3");
        assert_eq!(
            ExactBits::log2(Rational::new(8, 1)).as_rational(),
            Some(Rational::integer(3))
        );
        let x = ExactBits::log2(Rational::new(12, 5));
        assert!((x.to_f64() - (12.0f64 / 5.0).log2()).abs() < 1e-15);
    }

    #[test]
    fn binary_entropy_of_two_thirds_is_log2_3_minus_two_thirds() {
        let h = ExactBits::neg_p_log2_p(Rational::new(2, 3))
            + ExactBits::neg_p_log2_p(Rational::new(1, 3));
        assert_eq!(h.to_latex(), r"\log_2 3 - \tfrac{2}{3}");
        assert_eq!(h.to_string(), "log2 3 - 2/3");
        assert_eq!(
            (ExactBits::log2(Rational::integer(3)) * Rational::new(3, 4)).to_string(),
            "3/4 log2 3"
        );
        assert!((h.to_f64() - 0.918_295_834_054_489_6).abs() < 1e-15);
    }
}
