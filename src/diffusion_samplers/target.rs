//! What a diffusion sampler is asked to sample: an unnormalised density on `R^d`.

use super::Dev;
use crate::dfdx::prelude::*;
use ndarray::{Array1, Array2};
use ndarray_rand::rand::rngs::StdRng;

/// A batch of points, one per row, as dfdx sees it while differentiating.
pub type Points = Tensor<(usize, usize), f32, Dev, OwnedTape<f32, Dev>>;
/// One value per row of a [`Points`] batch.
pub type Values = Tensor<(usize,), f32, Dev, OwnedTape<f32, Dev>>;

// ANCHOR: target
/// An unnormalised target `p(x) = exp(log_density(x)) / Z` on `R^dim()`, with `Z` unknown
/// to the sampler. `log R(x) = log_density(x)` is the reward of chapter "Sampling without
/// data". Implement this trait to point the crate's samplers at your own density.
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

/// The CPU device every sampler runs on; seeded so that weight initialisation repeats.
pub fn device(seed: u64) -> Dev {
    // No `enable_cache`: dfdx 0.13 caches every dropped buffer, including those made by
    // `tensor_from_vec` that are never asked for again, so memory grows without bound.
    Dev::seed_from_u64(seed)
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
pub fn to_tensor(dev: &Dev, x: &Array2<f32>) -> Tensor<(usize, usize), f32, Dev> {
    let shape = (x.nrows(), x.ncols());
    dev.tensor_from_vec(x.iter().copied().collect(), shape)
}
