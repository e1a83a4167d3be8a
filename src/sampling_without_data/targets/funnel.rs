//! Neal's funnel: a scale that depends exponentially on the first coordinate.

use crate::dfdx::prelude::*;
use crate::sampling_without_data::{Points, Target, Values};
use ndarray::Array2;
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;
use std::f64::consts::PI;

// ANCHOR: funnel
/// Neal's funnel in `d = 10` dimensions: `x₁ ∼ N(0, 3²)` and
/// `x₂, …, x₁₀ | x₁ ∼ N(0, e^{x₁} I)`, normalised, so `log Z = 0`:
/// `log p(x) = −x₁²/18 − ½ log(2π·9) − ½ e^{−x₁} Σ_{i≥2} x_i² − ((d−1)/2)(log 2π + x₁)`.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug, Default)]
pub struct Funnel;
// ANCHOR_END: funnel

impl Funnel {
    /// The dimension `d = 10`.
    /// Introduced in chapter "Sampling without data".
    pub const DIM: usize = 10;
    /// The standard deviation `σ = 3` of the neck coordinate `x₁`.
    /// Introduced in chapter "Sampling without data".
    pub const NECK_STD: f64 = 3.0;

    /// The 10-dimensional funnel with `x₁ ∼ N(0, 3²)`.
    /// Introduced in chapter "Sampling without data".
    pub fn new() -> Self {
        Self
    }
}

impl Target for Funnel {
    fn name(&self) -> String {
        "funnel".to_string()
    }

    fn dim(&self) -> usize {
        Self::DIM
    }

    fn log_density(&self, x: Points) -> Values {
        let (n, d) = *x.shape();
        assert_eq!(d, Self::DIM, "points have the wrong dimension");
        let dev = x.device().clone();
        // Column selection by constant masks: dfdx has no differentiable column gather.
        let first: Vec<f32> = (0..d).map(|j| if j == 0 { 1.0 } else { 0.0 }).collect();
        let rest: Vec<f32> = first.iter().map(|m| 1.0 - m).collect();
        let first = dev
            .tensor_from_vec(first, (d,))
            .broadcast_like::<_, Axis<0>>(&(n, d));
        let rest = dev
            .tensor_from_vec(rest, (d,))
            .broadcast_like::<_, Axis<0>>(&(n, d));
        let x1 = (x.with_empty_tape() * first).sum::<(usize,), Axis<1>>();
        let rest_sq = (x.square() * rest).sum::<(usize,), Axis<1>>();
        let var1 = Self::NECK_STD * Self::NECK_STD;
        let half_rest = 0.5 * (d - 1) as f64;
        let constant = 0.5 * (2.0 * PI * var1).ln() + half_rest * (2.0 * PI).ln();
        let neck = x1.with_empty_tape().square() * (-0.5 / var1) as f32;
        let scale = x1.with_empty_tape() * (-half_rest) as f32;
        let body = rest_sq * x1.negate().exp() * -0.5;
        neck + scale + body - constant as f32
    }

    fn log_z(&self) -> Option<f64> {
        Some(0.0)
    }

    fn sample(&self, n: usize, rng: &mut StdRng) -> Option<Array2<f32>> {
        let mut out = Array2::zeros((n, Self::DIM));
        for mut row in out.rows_mut() {
            let x1 = Self::NECK_STD * rng.sample::<f64, _>(StandardNormal);
            let body_std = (0.5 * x1).exp();
            row[0] = x1 as f32;
            for v in row.iter_mut().skip(1) {
                *v = (body_std * rng.sample::<f64, _>(StandardNormal)) as f32;
            }
        }
        Some(out)
    }
}
