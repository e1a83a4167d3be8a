//! The destruction process as a type: what the kernel `p←(x_n | x_{n+1})` is, what a
//! training iteration's loss makes of it, and whether its parameters are updated. This
//! chapter's is the fixed [`Bridge`]; chapter "Adaptive destruction" implements a learned
//! one, and the same trainer, trajectories and evaluation run either.

use super::kernels::{Destruction, GaussianRows, KernelConfig, SamplerNets};
use super::network::{Evaluator, Rows};
use super::objectives::{Loss, PerTrajectory};
use super::train::{Diverged, SamplerDevice, Trainer};
use super::trajectory::States;
use crate::dfdx::prelude::*;

/// A destruction process a sampler can be built and trained with.
/// Introduced in chapter "Sampling without data".
pub trait DestructionProcess: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The configuration value (`kernel.destruction`) that selects this process.
    const KIND: Destruction;

    /// The kernel at rows `x_{n+1}` (step `n + 1 = next_step[i] ≥ 2`).
    fn kernel<const D: usize, Dv: Device<f32>, P: Evaluator<Dv>, T: Tape<f32, Dv> + Merge<T>>(
        nets: &SamplerNets<D, f32, Dv, Self, P>,
        config: &KernelConfig,
        x_next: Rows<D, Dv, T>,
        next_step: &[usize],
    ) -> GaussianRows<D, Dv, T>;

    /// The loss of one trajectory-balance or VarGrad iteration on `states`: `log_pf`
    /// carries the generation network's tape, `log_reward` is a constant, `backward`
    /// says whether the states were drawn backwards from replayed ones.
    fn second_moment_loss<const D: usize, Dv: SamplerDevice, P: Evaluator<Dv>>(
        trainer: &Trainer<D, Dv, Self, P>,
        states: &States,
        log_pf: PerTrajectory<Dv, OwnedTape<f32, Dv>>,
        log_reward: PerTrajectory<Dv, NoneTape>,
        backward: bool,
    ) -> Loss<Dv>;

    /// Checks the process's own gradients before any parameter changes.
    fn check_gradients<const D: usize, Dv: SamplerDevice, P: Evaluator<Dv>>(
        trainer: &Trainer<D, Dv, Self, P>,
        grads: &Gradients<f32, Dv>,
    ) -> Result<(), Diverged>;

    /// Updates the process's own parameters, after the generation's; returns their
    /// gradient norm before clipping (`None`: it has none).
    fn update<const D: usize, Dv: SamplerDevice, P: Evaluator<Dv>>(
        trainer: &mut Trainer<D, Dv, Self, P>,
        grads: &Gradients<f32, Dv>,
    ) -> Option<f64>;
}

/// The fixed destruction: the exact time reversal of the reference walk, a Brownian
/// bridge to `x_0 = 0`. It has no parameters, so training only scores trajectories
/// with it.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Copy, Debug, Default)]
pub struct Bridge;

impl DestructionProcess for Bridge {
    const KIND: Destruction = Destruction::Fixed;

    fn kernel<const D: usize, Dv: Device<f32>, P: Evaluator<Dv>, T: Tape<f32, Dv> + Merge<T>>(
        _nets: &SamplerNets<D, f32, Dv, Self, P>,
        config: &KernelConfig,
        x_next: Rows<D, Dv, T>,
        next_step: &[usize],
    ) -> GaussianRows<D, Dv, T> {
        config.bridge(x_next, next_step)
    }

    // ANCHOR: fixed_loss
    /// `Δ = log p→ − log p← − log R`, with the bridge's `log p←` a constant.
    fn second_moment_loss<const D: usize, Dv: SamplerDevice, P: Evaluator<Dv>>(
        trainer: &Trainer<D, Dv, Self, P>,
        states: &States,
        log_pf: PerTrajectory<Dv, OwnedTape<f32, Dv>>,
        log_reward: PerTrajectory<Dv, NoneTape>,
        _backward: bool,
    ) -> Loss<Dv> {
        let kernel = &trainer.config.kernel;
        let log_pb = trainer.nets.log_pb::<NoneTape>(kernel, states);
        trainer.balance(log_pf - log_pb.retaped::<OwnedTape<f32, Dv>>() - log_reward)
    }
    // ANCHOR_END: fixed_loss

    fn check_gradients<const D: usize, Dv: SamplerDevice, P: Evaluator<Dv>>(
        _trainer: &Trainer<D, Dv, Self, P>,
        _grads: &Gradients<f32, Dv>,
    ) -> Result<(), Diverged> {
        Ok(())
    }

    fn update<const D: usize, Dv: SamplerDevice, P: Evaluator<Dv>>(
        _trainer: &mut Trainer<D, Dv, Self, P>,
        _grads: &Gradients<f32, Dv>,
    ) -> Option<f64> {
        None
    }
}
