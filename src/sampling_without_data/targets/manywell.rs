//! Many-well: 16 independent copies of an asymmetric double well, `2¹⁶` modes in `R³²`.

use crate::dfdx::prelude::*;
use crate::sampling_without_data::{Points, Target, Values};
use ndarray::Array2;
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;
use std::f64::consts::PI;

// ANCHOR: manywell
/// Many-well in `d = 32`: 16 independent pairs `(a, b) = (x_{2i}, x_{2i+1})` with the
/// unnormalised log-density `log R(x) = Σ_pairs [−a⁴ + 6a² + ½a − ½b²]`, so
/// `log Z = 16 (log Z_a + ½ log 2π)` with `Z_a = ∫ exp(−a⁴ + 6a² + ½a) da ≈ 11784.509`,
/// `log Z ≈ 164.6957`.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug)]
pub struct Manywell {
    z_a: f64,
}
// ANCHOR_END: manywell

impl Default for Manywell {
    fn default() -> Self {
        Self::new()
    }
}

impl Manywell {
    /// The number of independent double-well pairs.
    /// Introduced in chapter "Sampling without data".
    pub const PAIRS: usize = 16;
    /// The envelope constant `M` of the rejection sampler for `a`:
    /// `exp(−a⁴ + 6a² + ½a) / Z_a ≤ M q(a)` for every `a`, where `q` is
    /// [`Manywell::proposal_density`]. The supremum of the ratio is ≈ 2.59 (at `a ≈ 1.76`:
    /// the right well is narrower than the proposal's std 0.5), so 3 holds with room and
    /// accepts one proposal in three.
    /// Introduced in chapter "Sampling without data".
    pub const ENVELOPE: f64 = 3.0;

    /// Many-well with its `Z_a` computed once by quadrature.
    /// Introduced in chapter "Sampling without data".
    pub fn new() -> Self {
        Self {
            z_a: double_well_normaliser(),
        }
    }

    /// The double-well log-weight `−a⁴ + 6a² + ½a` of one coordinate `a`.
    /// Introduced in chapter "Sampling without data".
    pub fn well_log_weight(a: f64) -> f64 {
        let a2 = a * a;
        -a2 * a2 + 6.0 * a2 + 0.5 * a
    }

    /// `Z_a = ∫ exp(−a⁴ + 6a² + ½a) da`, by composite Simpson quadrature.
    /// Introduced in chapter "Sampling without data".
    pub fn z_a(&self) -> f64 {
        self.z_a
    }

    /// The proposal of the `a`-sampler, `q(a) = 0.2 N(a; −1.7, 0.5²) + 0.8 N(a; 1.7, 0.5²)`:
    /// one bump per well, weighted roughly as the wells are (≈ 0.15 : 0.85).
    /// Introduced in chapter "Sampling without data".
    pub fn proposal_density(a: f64) -> f64 {
        let normal = |m: f64| (-0.5 * ((a - m) / 0.5).powi(2)).exp() / (0.5 * (2.0 * PI).sqrt());
        0.2 * normal(-1.7) + 0.8 * normal(1.7)
    }

    /// One exact draw of `a ∝ exp(−a⁴ + 6a² + ½a)`, by rejection from
    /// [`Manywell::proposal_density`] with envelope [`Manywell::ENVELOPE`].
    fn sample_a(&self, rng: &mut StdRng) -> f64 {
        loop {
            let centre = if rng.random::<f64>() < 0.2 { -1.7 } else { 1.7 };
            let a = centre + 0.5 * rng.sample::<f64, _>(StandardNormal);
            let p = Self::well_log_weight(a).exp() / self.z_a;
            let u: f64 = rng.random();
            if u * Self::ENVELOPE * Self::proposal_density(a) < p {
                return a;
            }
        }
    }
}

/// Composite Simpson on `[−6, 6]` with 40 000 intervals, in f64. Outside the box the
/// weight is below `e^{−1000}` relative to the peak, far beyond f64 resolution.
fn double_well_normaliser() -> f64 {
    let (lo, hi, intervals) = (-6.0, 6.0, 40_000usize);
    let h = (hi - lo) / intervals as f64;
    let sum: f64 = (0..=intervals)
        .map(|i| {
            let weight = if i == 0 || i == intervals {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            weight * Manywell::well_log_weight(lo + i as f64 * h).exp()
        })
        .sum();
    sum * h / 3.0
}

impl Target for Manywell {
    fn name(&self) -> String {
        "manywell".to_string()
    }

    fn dim(&self) -> usize {
        2 * Self::PAIRS
    }

    fn log_density(&self, x: Points) -> Values {
        let (n, d) = *x.shape();
        assert_eq!(d, self.dim(), "points have the wrong dimension");
        let dev = x.device().clone();
        // Per-column polynomial coefficients: a-columns (even) get −a⁴ + 6a² + ½a,
        // b-columns (odd) get −½b², so one masked polynomial covers both.
        let column = |even: f32, odd: f32| {
            let c: Vec<f32> = (0..d)
                .map(|j| if j % 2 == 0 { even } else { odd })
                .collect();
            dev.tensor_from_vec(c, (d,))
                .broadcast_like::<_, Axis<0>>(&(n, d))
        };
        let (c4, c2, c1) = (column(-1.0, 0.0), column(6.0, -0.5), column(0.5, 0.0));
        let x2 = x.with_empty_tape().square();
        let x4 = x2.with_empty_tape().square();
        (x4 * c4 + x2 * c2 + x * c1).sum::<(usize,), Axis<1>>()
    }

    fn log_z(&self) -> Option<f64> {
        Some(Self::PAIRS as f64 * (self.z_a.ln() + 0.5 * (2.0 * PI).ln()))
    }

    fn sample(&self, n: usize, rng: &mut StdRng) -> Option<Array2<f32>> {
        let mut out = Array2::zeros((n, self.dim()));
        for mut row in out.rows_mut() {
            for pair in 0..Self::PAIRS {
                row[2 * pair] = self.sample_a(rng) as f32;
                row[2 * pair + 1] = rng.sample::<f64, _>(StandardNormal) as f32;
            }
        }
        Some(out)
    }
}
