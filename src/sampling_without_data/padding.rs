//! Any dimension from the few that are compiled: a target of dimension `d` is sampled in
//! a compiled dimension `D ≥ d`, its density extended by independent Gaussian
//! coordinates `N(0, s²)`.
//!
//! dfdx 0.13 fixes layer sizes at compile time, so the crate compiles samplers for a few
//! dimensions only. The padded target
//! `p̃(x, y) = p(x) · Π_j N(y_j; 0, s²)` on `R^D` has the same normaliser `Z` (each
//! Gaussian factor integrates to one), its first `d` coordinates are distributed as `p`,
//! and with `s² = σ²` the padding is exactly the reference walk's terminal distribution:
//! a fresh sampler already generates it, and training has nothing to add there.
//! Introduced in chapter "Sampling without data".

use super::target::{Points, Target, Values};
use crate::dfdx::prelude::*;
use ndarray::{concatenate, s, Array2, Axis as NdAxis};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand_distr::{Distribution, StandardNormal};

/// `target` on `R^dim`, padded with independent `N(0, variance)` coordinates.
pub struct Padded<'a, Tg: Target + ?Sized> {
    pub target: &'a Tg,
    pub dim: usize,
    pub variance: f64,
}

impl<'a, Tg: Target + ?Sized> Padded<'a, Tg> {
    /// Pads `target` to `dim ≥ target.dim()` coordinates of variance `variance > 0`.
    pub fn new(target: &'a Tg, dim: usize, variance: f64) -> Self {
        assert!(dim >= target.dim(), "padding cannot remove coordinates");
        assert!(variance > 0.0, "the padding variance must be positive");
        Padded {
            target,
            dim,
            variance,
        }
    }

    /// Number of padding coordinates, `D − d`.
    fn extra(&self) -> usize {
        self.dim - self.target.dim()
    }
}

/// The first `d` columns of points in a padded space: the target's own coordinates.
pub fn unpadded(x: &Array2<f32>, d: usize) -> Array2<f32> {
    x.slice(s![.., ..d]).to_owned()
}

impl<Tg: Target + ?Sized> Target for Padded<'_, Tg> {
    fn name(&self) -> String {
        self.target.name()
    }

    fn dim(&self) -> usize {
        self.dim
    }

    // ANCHOR: padded_density
    /// `log p(x) + log Z + Σ_j log N(y_j; 0, s²)`.
    fn log_density(&self, points: Points) -> Values {
        let (n, d, extra) = (points.shape().0, self.target.dim(), self.extra());
        if extra == 0 {
            return self.target.log_density(points);
        }
        let own = self.target.log_density(points.retaped().slice((.., ..d)));
        let y = points.slice((.., d..));
        let constant = -0.5 * extra as f64 * (2.0 * std::f64::consts::PI * self.variance).ln();
        let gaussian = (y.square() * (-0.5 / self.variance) as f32).sum::<(usize,), Axis<1>>()
            + constant as f32;
        debug_assert_eq!(gaussian.shape().0, n);
        own + gaussian
    }
    // ANCHOR_END: padded_density

    fn grad_log_density(&self, x: &Array2<f32>) -> Array2<f32> {
        let d = self.target.dim();
        let own = self.target.grad_log_density(&unpadded(x, d));
        let padding = x.slice(s![.., d..]).mapv(|y| -y / self.variance as f32);
        concatenate![NdAxis(1), own, padding]
    }

    fn log_z(&self) -> Option<f64> {
        self.target.log_z()
    }

    fn sample(&self, n: usize, rng: &mut StdRng) -> Option<Array2<f32>> {
        let own = self.target.sample(n, rng)?;
        let std = self.variance.sqrt();
        let padding = Array2::from_shape_simple_fn((n, self.extra()), || {
            let z: f64 = StandardNormal.sample(rng);
            (std * z) as f32
        });
        Some(concatenate![NdAxis(1), own, padding])
    }
}
