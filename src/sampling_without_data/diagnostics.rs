//! What a run's optimisers and destruction did while it trained, for telling an unstable
//! method from a mis-tuned one: per window of `eval_every` iterations, each parameter
//! group's gradient norm before clipping and the share of updates the clip cut; at each
//! evaluation, how far a learned destruction's log-variance sits from the bridge's at
//! every step. Read by chapter "Results"'s diagnostic sweep.

use super::destruction::DestructionProcess;
use super::kernels::{KernelConfig, SamplerNets};
use super::network::Evaluator;
use super::trajectory::rows;
use crate::dfdx::prelude::*;
use ndarray_rand::rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

/// One update's gradient norms before clipping (`None`: the group was not updated).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroupNorms {
    pub generation: f64,
    pub destruction: Option<f64>,
    pub log_z: Option<f64>,
}

/// One parameter group over a window of updates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupWindow {
    /// Mean gradient norm before clipping.
    pub mean_norm: f64,
    /// Share of the window's updates whose norm the clip cut.
    pub clipped: f64,
}

/// Every group over the window of updates that ends at `iteration`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpdateWindow {
    pub iteration: usize,
    pub generation: GroupWindow,
    pub destruction: Option<GroupWindow>,
    pub log_z: Option<GroupWindow>,
}

/// The learned destruction's log-variance minus the bridge's, averaged over states and
/// coordinates, at each step `n = 1 … T−1` (index `n − 1`), at an evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorrectionAt {
    pub iteration: usize,
    pub per_step: Vec<f64>,
}

/// A run's diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Diagnostics {
    pub updates: Vec<UpdateWindow>,
    pub log_var_correction: Vec<CorrectionAt>,
}

/// `norms` (one per update, from the first) summarised over consecutive windows of
/// `window` updates, against the clip `max_norm`.
pub fn update_windows(
    norms: &[GroupNorms],
    window: usize,
    max_norm: Option<f64>,
) -> Vec<UpdateWindow> {
    let summary = |values: Vec<f64>| -> Option<GroupWindow> {
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let cut = values.iter().filter(|&&v| max_norm.is_some_and(|m| v > m));
        Some(GroupWindow {
            mean_norm: values.iter().sum::<f64>() / n,
            clipped: cut.count() as f64 / n,
        })
    };
    norms
        .chunks(window.max(1))
        .enumerate()
        .map(|(k, chunk)| UpdateWindow {
            iteration: k * window + chunk.len(),
            generation: summary(chunk.iter().map(|g| g.generation).collect())
                .expect("a window holds an update"),
            destruction: summary(chunk.iter().filter_map(|g| g.destruction).collect()),
            log_z: summary(chunk.iter().filter_map(|g| g.log_z).collect()),
        })
        .collect()
}

/// [`CorrectionAt`]'s `per_step` for `nets` on `batch` fresh trajectories of its own
/// generation (no exploration), drawn from `rng`.
pub fn log_var_correction<
    const D: usize,
    Dv: Device<f32>,
    P: Evaluator<Dv>,
    K: DestructionProcess,
>(
    nets: &SamplerNets<D, f32, Dv, K, P>,
    config: &KernelConfig,
    batch: usize,
    rng: &mut StdRng,
) -> Vec<f64> {
    let states = nets.generate(config, batch, 0.0, rng);
    let dev = nets.log_z.value.device().clone();
    (2..=config.steps)
        .map(|next| {
            let x_next = || rows::<D, Dv>(&dev, &states, next, next + 1);
            let at = vec![next; batch];
            let learned = nets
                .destruction_kernel(config, x_next(), &at)
                .log_var
                .as_vec();
            let bridge = config.bridge(x_next(), &at).log_var.as_vec();
            let gap: f64 = learned
                .iter()
                .zip(&bridge)
                .map(|(l, b)| (l - b) as f64)
                .sum();
            gap / learned.len() as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_average_norms_and_count_clipped_updates() {
        let norms: Vec<GroupNorms> = [50.0, 150.0, 100.0, 300.0, 20.0]
            .into_iter()
            .enumerate()
            .map(|(i, g)| GroupNorms {
                generation: g,
                destruction: (i % 2 == 0).then_some(g / 10.0),
                log_z: None,
            })
            .collect();
        let w = update_windows(&norms, 2, Some(100.0));
        assert_eq!(w.len(), 3);
        assert_eq!(w.iter().map(|u| u.iteration).collect::<Vec<_>>(), [2, 4, 5]);
        assert_eq!(
            w[0].generation,
            GroupWindow {
                mean_norm: 100.0,
                clipped: 0.5
            }
        );
        // A norm equal to the clip is not cut.
        assert_eq!(
            w[1].generation,
            GroupWindow {
                mean_norm: 200.0,
                clipped: 0.5
            }
        );
        assert_eq!(
            w[2].generation,
            GroupWindow {
                mean_norm: 20.0,
                clipped: 0.0
            }
        );
        assert_eq!(
            w[0].destruction,
            Some(GroupWindow {
                mean_norm: 5.0,
                clipped: 0.0
            })
        );
        assert_eq!(w[0].log_z, None);
        let unclipped = update_windows(&norms, 5, None);
        assert_eq!(unclipped[0].generation.clipped, 0.0);
    }
}
