//! The learned destruction: a Gaussian kernel with its own state-dependent mean and
//! variance, as a bounded residual around the bridge, and how one training iteration
//! trains it next to the generation (its own loss, optimiser and target copy).

use super::multiplicative::{multiplicative_destruction, on_shared_embeddings};
use crate::dfdx::prelude::*;
use crate::sampling_without_data::destruction::DestructionProcess;
use crate::sampling_without_data::kernels::{
    Correction, Destruction, GaussianRows, KernelConfig, LearnedParts, SamplerNets,
};
use crate::sampling_without_data::network::{Backbone, Evaluator, HeadOutput, Rows};
use crate::sampling_without_data::objectives::{Loss, Objective, PerTrajectory};
use crate::sampling_without_data::parameters::gradient_norm;
use crate::sampling_without_data::train::{Diverged, Owned, SamplerDevice, Trainer};
use crate::sampling_without_data::trajectory::States;
use std::borrow::Cow;

/// The learned destruction (configuration value `destruction: learned`).
/// Introduced in chapter "Adaptive destruction".
#[derive(Clone, Copy, Debug, Default)]
pub struct LearnedGaussian;

// ANCHOR: learned_destruction
/// The learned destruction at rows `x_{n+1}` (step `n + 1 = next_step[i]`), from the
/// network's raw outputs `(m, s)` there: a bounded residual around the bridge,
/// `mean = n/(n+1)·x_{n+1} + σ√Δt·M·tanh(m/M)`,
/// `log var = log(σ²Δt·n/(n+1)) + R_b·tanh(s)`. A zero head gives back the bridge.
/// With `tied_log_var` (the generation's log-variance correction at the same rows),
/// that replaces `R_b·tanh(s)`; [`LearnedParts`] may also keep either part the
/// bridge's.
pub fn learned_destruction<const D: usize, Dv: Device<f32>, T: Tape<f32, Dv> + Merge<T>>(
    config: &KernelConfig,
    out: HeadOutput<D, Dv, T>,
    x_next: Rows<D, Dv, T>,
    next_step: &[usize],
    tied_log_var: Option<Rows<D, Dv, T>>,
) -> GaussianRows<D, Dv, T> {
    let bridge = config.bridge(x_next, next_step);
    let m_range = config.destruction_mean_range as f32;
    let step_std = (config.sigma2 * config.dt()).sqrt() as f32;
    let shift = |raw: Rows<D, Dv, T>| {
        if config.bounded {
            (raw / m_range).tanh() * (m_range * step_std)
        } else {
            raw * step_std
        }
    };
    let correction = |raw: Rows<D, Dv, T>| config.bound(raw, config.destruction_log_var_range);
    // Each arm takes exactly the outputs it uses, so the pass's backward steps go with
    // them (see `HeadOutput`).
    match (config.learned_parts, tied_log_var) {
        (LearnedParts::MeanOnly, _) => GaussianRows {
            mean: bridge.mean + shift(out.into_mean()),
            log_var: bridge.log_var,
        },
        (LearnedParts::VarianceOnly, _) => GaussianRows {
            mean: bridge.mean,
            log_var: bridge.log_var + correction(out.into_log_var()),
        },
        (_, Some(tied)) => GaussianRows {
            mean: bridge.mean + shift(out.into_mean()),
            log_var: bridge.log_var + tied,
        },
        (_, None) => {
            let (mean, log_var) = out.into_both();
            GaussianRows {
                mean: bridge.mean + shift(mean),
                log_var: bridge.log_var + correction(log_var),
            }
        }
    }
}
// ANCHOR_END: learned_destruction

/// The backbone the destruction head sits on: its own, the generation's when shared, or
/// its own trunk on the generation's embeddings for the multiplicative correction.
fn destruction_backbone<'a, const D: usize, Dv: Device<f32>, P>(
    nets: &'a SamplerNets<D, f32, Dv, LearnedGaussian, P>,
    config: &KernelConfig,
) -> Cow<'a, Backbone<D, f32, Dv>> {
    match (config.correction, config.shared_backbone) {
        (Correction::Multiplicative, _) => Cow::Owned(on_shared_embeddings(
            &nets.generation.backbone,
            &nets.destruction.backbone,
        )),
        (Correction::Residual, true) => Cow::Borrowed(&nets.generation.backbone),
        (Correction::Residual, false) => Cow::Borrowed(&nets.destruction.backbone),
    }
}

impl DestructionProcess for LearnedGaussian {
    const KIND: Destruction = Destruction::Learned;

    fn kernel<const D: usize, Dv: Device<f32>, P: Evaluator<Dv>, T: Tape<f32, Dv> + Merge<T>>(
        nets: &SamplerNets<D, f32, Dv, Self, P>,
        config: &KernelConfig,
        x_next: Rows<D, Dv, T>,
        next_step: &[usize],
    ) -> GaussianRows<D, Dv, T> {
        let out = destruction_backbone(nets, config).forward::<P, T>(
            &nets.destruction.head,
            x_next.retaped::<T>(),
            &config.times(),
            next_step,
        );
        if config.correction == Correction::Multiplicative {
            return multiplicative_destruction(config, out, x_next, next_step);
        }
        let tied = (config.learned_parts == LearnedParts::MeanTiedVariance).then(|| {
            let generation = nets.generation.backbone.forward::<P, T>(
                &nets.generation.head,
                x_next.retaped::<T>(),
                &config.times(),
                next_step,
            );
            config.bound(generation.into_log_var(), config.log_var_range)
        });
        learned_destruction(config, out, x_next, next_step, tied)
    }

    // ANCHOR: second_moment_loss
    /// TB / VarGrad for the generation side, plus the destruction's own loss: the
    /// destruction terms seen by the generation update come from the target copy `φ̄`
    /// (when on) and carry no gradient; the destruction update sees the generation terms
    /// as constants. Summing the two losses gives each head exactly its own gradient in a
    /// single backward pass (a shared trunk and `log Z` receive both). Without the target
    /// copy (and without TLM) the two are trained jointly on one `Δ`.
    fn second_moment_loss<const D: usize, Dv: SamplerDevice, P: Evaluator<Dv>>(
        trainer: &Trainer<D, Dv, Self, P>,
        states: &States,
        log_pf: PerTrajectory<Dv, Owned<Dv>>,
        reward: PerTrajectory<Dv, NoneTape>,
        backward: bool,
    ) -> Loss<Dv> {
        let config = &trainer.config;
        let kernel = &config.kernel;
        let joint = config.objective != Objective::Tlm && !config.target_network;
        let log_pb_for_generation = if joint {
            trainer.nets.log_pb::<Owned<Dv>>(kernel, states)
        } else {
            let source = if config.target_network {
                &trainer.target_nets
            } else {
                &trainer.nets
            };
            source
                .log_pb::<NoneTape>(kernel, states)
                .retaped::<Owned<Dv>>()
        };
        let pf_values = log_pf.retaped::<NoneTape>();
        let delta = log_pf - log_pb_for_generation - reward.clone();
        let mut loss = trainer.balance(delta);
        // TLM fits the destruction to the generator's own trajectories only.
        let tlm_on_replay = config.objective == Objective::Tlm && backward;
        if !joint && !tlm_on_replay {
            let log_pb = trainer.nets.log_pb::<Owned<Dv>>(kernel, states);
            loss = loss
                + match config.objective {
                    Objective::Tlm => log_pb.negate().mean(),
                    _ => trainer.balance(log_pb.negate() + pf_values - reward),
                };
        }
        loss
    }
    // ANCHOR_END: second_moment_loss

    fn check_gradients<const D: usize, Dv: SamplerDevice, P: Evaluator<Dv>>(
        trainer: &Trainer<D, Dv, Self, P>,
        grads: &Gradients<f32, Dv>,
    ) -> Result<(), Diverged> {
        let norm = gradient_norm(&trainer.nets.destruction, grads);
        if !norm.is_finite() {
            return Err(trainer.diverged(format!("the destruction gradient norm is {norm}")));
        }
        Ok(())
    }

    // ANCHOR: update
    /// The destruction's own optimiser step, then the Polyak update of the target copy:
    /// `φ̄ ← (1 − ρ)φ̄ + ρφ`.
    fn update<const D: usize, Dv: SamplerDevice, P: Evaluator<Dv>>(
        trainer: &mut Trainer<D, Dv, Self, P>,
        grads: &Gradients<f32, Dv>,
    ) -> Option<f64> {
        let clip = trainer.config.grad_clip;
        let norm =
            trainer
                .optimisers
                .destruction
                .update(&mut trainer.nets.destruction, grads, clip);
        let keep = 1.0 - trainer.config.polyak as f32;
        trainer.target_nets.ema(&trainer.nets, keep);
        Some(norm)
    }
    // ANCHOR_END: update
}
