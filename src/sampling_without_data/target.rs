//! What a diffusion sampler is asked to sample: an unnormalised density on `R^d`.
//!
//! A target is evaluated on the CPU, whatever device the sampler trains on: its
//! log-density (and, for PIS, its gradient) is computed on host copies of the final
//! states and enters the losses as a constant per trajectory, never as part of the
//! networks' tape.

use crate::dfdx::prelude::*;
use ndarray::{Array1, Array2};
use ndarray_rand::rand::rngs::StdRng;

/// A batch of points, one per row, as dfdx sees it while differentiating (on the CPU).
pub type Points = Tensor<(usize, usize), f32, Cpu, OwnedTape<f32, Cpu>>;
/// One value per row of a [`Points`] batch.
pub type Values = Tensor<(usize,), f32, Cpu, OwnedTape<f32, Cpu>>;

// ANCHOR: target
/// An unnormalised target `p(x) = exp(log_density(x)) / Z` on `R^dim()`, with `Z` unknown
/// to the sampler. `log R(x) = log_density(x)` is the reward of chapter "Sampling without
/// data". Implement this trait to point the crate's samplers at your own density.
///
/// The target is evaluated on the CPU, also when the sampler trains on a GPU: its
/// values (and gradients) are computed on host copies of the final states and enter
/// the losses as constants.
pub trait Target: Send + Sync {
    /// A short name for reports and figures, e.g. `25gmm`.
    fn name(&self) -> String;

    /// The dimension `d` of the space.
    fn dim(&self) -> usize;

    /// `log p(x) + log Z` for every row of `x` (shape `(n, d)`), written with dfdx
    /// operations so that autodiff can differentiate it.
    fn log_density(&self, x: Points) -> Values;

    /// `∇_x log p(x)` for every row. The default differentiates [`Target::log_density`]
    /// with dfdx; override it with a hand-written gradient when one is cheaper.
    fn grad_log_density(&self, x: &Array2<f32>) -> Array2<f32> {
        autodiff_grad_log_density(self, x)
    }

    /// `log Z`, when it is known exactly (every built-in target knows it).
    fn log_z(&self) -> Option<f64> {
        None
    }

    /// `n` exact samples from `p`, when the target can produce them (needed for the
    /// EUBO and for sample-quality metrics).
    fn sample(&self, _n: usize, _rng: &mut StdRng) -> Option<Array2<f32>> {
        None
    }
}
// ANCHOR_END: target

/// A CPU device, seeded so that weight initialisation repeats: where targets are
/// evaluated, and where samplers train unless told otherwise.
pub fn device(seed: u64) -> Cpu {
    // No `enable_cache`: dfdx 0.13 caches every dropped buffer, including those made by
    // `tensor_from_vec` that are never asked for again, so memory grows without bound.
    Cpu::seed_from_u64(seed)
}

/// `log_density` of each row, as plain numbers (no gradient kept).
pub fn log_density_values<T: Target + ?Sized>(target: &T, x: &Array2<f32>) -> Array1<f32> {
    let dev = device(0);
    let tensor = to_tensor(&dev, x).traced(Gradients::leaky());
    Array1::from(target.log_density(tensor).as_vec())
}

/// `∇_x log p(x)` by dfdx autodiff of [`Target::log_density`].
pub fn autodiff_grad_log_density<T: Target + ?Sized>(target: &T, x: &Array2<f32>) -> Array2<f32> {
    let dev = device(0);
    let leaf = to_tensor(&dev, x);
    let total = target
        .log_density(leaf.clone().traced(Gradients::leaky()))
        .sum();
    let grads = total.backward();
    Array2::from_shape_vec(x.dim(), grads.get(&leaf).as_vec())
        .expect("a gradient has the shape of its input")
}

/// Copies an `(n, d)` array into a dfdx tensor on `dev`.
pub fn to_tensor(dev: &Cpu, x: &Array2<f32>) -> Tensor<(usize, usize), f32, Cpu> {
    let shape = (x.nrows(), x.ncols());
    dev.tensor_from_vec(x.iter().copied().collect(), shape)
}
