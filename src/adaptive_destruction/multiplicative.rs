//! The learned destruction of the code this method descends from: the bridge, corrected
//! multiplicatively by a small bounded factor (the learned backward policy of
//! gfn-diffusion, Sendera et al. 2024). Chapter "Results" runs it next to this book's
//! reconstruction ([`learned_destruction`](super::learned::learned_destruction)),
//! which may move the bridge much further.

use crate::dfdx::prelude::*;
use crate::sampling_without_data::kernels::{column, GaussianRows, KernelConfig, LearnedParts};
use crate::sampling_without_data::network::{Backbone, HeadOutput, Rows};

// ANCHOR: multiplicative_destruction
/// The multiplicatively corrected bridge at rows `x_{n+1}` (step `n + 1 = next_step[i]`)
/// from the network's raw outputs `(a, b)` there. The bridge pulls `x_{n+1}` towards the
/// origin by `x_{n+1}/(n+1)` with variance `σ²Δt·n/(n+1)`; the correction scales the
/// pull and the variance, per coordinate, by factors in `[1 − r, 1 + r]`:
/// `mean = x_{n+1} − x_{n+1}/(n+1)·(1 + r·tanh a)`,
/// `var = σ²Δt·n/(n+1)·(1 + r·tanh b)`. A zero head gives back the bridge; a part that
/// [`LearnedParts`] keeps stays the bridge's.
pub fn multiplicative_destruction<const D: usize, Dv: Device<f32>, T: Tape<f32, Dv> + Merge<T>>(
    config: &KernelConfig,
    out: HeadOutput<D, Dv, T>,
    x_next: Rows<D, Dv, T>,
    next_step: &[usize],
) -> GaussianRows<D, Dv, T> {
    let r = config.correction_range as f32;
    let dev = x_next.device().clone();
    let per_row = next_step.iter().map(|&m| 1.0 / m as f32).collect();
    let pull = x_next.retaped::<T>() * column::<D, Dv>(&dev, per_row);
    let bridge = config.bridge(x_next, next_step);
    let extra_pull = |a: Rows<D, Dv, T>| pull * (a.tanh() * r);
    let log_factor = |b: Rows<D, Dv, T>| (b.tanh() * r + 1.0).ln();
    // Each arm takes exactly the outputs it uses (see `HeadOutput`).
    match config.learned_parts {
        LearnedParts::MeanOnly => GaussianRows {
            mean: bridge.mean - extra_pull(out.into_mean()),
            log_var: bridge.log_var,
        },
        LearnedParts::VarianceOnly => GaussianRows {
            mean: bridge.mean,
            log_var: bridge.log_var + log_factor(out.into_log_var()),
        },
        LearnedParts::MeanAndVariance | LearnedParts::MeanTiedVariance => {
            let (a, b) = out.into_both();
            GaussianRows {
                mean: bridge.mean - extra_pull(a),
                log_var: bridge.log_var + log_factor(b),
            }
        }
    }
}
// ANCHOR_END: multiplicative_destruction

/// The destruction's own trunk on the generation's state and time embeddings: the
/// embedding layers are the generation's own tensors (a clone shares them, gradients
/// included), so the destruction loss trains them too, as in the lineage code.
pub fn on_shared_embeddings<const D: usize, Dv: Device<f32>>(
    generation: &Backbone<D, f32, Dv>,
    own: &Backbone<D, f32, Dv>,
) -> Backbone<D, f32, Dv> {
    Backbone {
        time: generation.time.clone(),
        state: generation.state.clone(),
        hidden1: own.hidden1.clone(),
        hidden2: own.hidden2.clone(),
    }
}
