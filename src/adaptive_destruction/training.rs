//! Training runs with either destruction: the configuration's `kernel.destruction`
//! picks chapter "Sampling without data"'s fixed bridge or this chapter's learned
//! kernel, and the same trainer trains it. The command line, the sweep and the
//! notebooks train through here.

use super::learned::LearnedGaussian;
use crate::progress::Progress;
use crate::sampling_without_data::destruction::Bridge;
use crate::sampling_without_data::kernels::Destruction;
use crate::sampling_without_data::targets::builtin;
use crate::sampling_without_data::train::TrainConfig;
use crate::sampling_without_data::training_run::{self, CheckpointIo, ComputeDevice, RunOutcome};
use crate::sampling_without_data::Target;

/// Trains `config` with the destruction it names on `target`, on `compute`, from
/// scratch or from a checkpoint (see [`CheckpointIo`]).
/// Introduced in chapter "Adaptive destruction".
pub fn train_target_on<Tg: Target + ?Sized>(
    compute: ComputeDevice,
    config: TrainConfig,
    target: &Tg,
    io: CheckpointIo,
    progress: &mut Progress,
) -> Result<RunOutcome, String> {
    // A resumed run continues the checkpoint's configuration.
    let destruction =
        io.0.as_ref()
            .map_or(config.kernel.destruction, |c| c.config.kernel.destruction);
    match destruction {
        Destruction::Fixed => {
            training_run::train_target_on::<Bridge, Tg>(compute, config, target, io, progress)
        }
        Destruction::Learned => training_run::train_target_on::<LearnedGaussian, Tg>(
            compute, config, target, io, progress,
        ),
    }
}

/// [`train_target_on`] on the CPU, from scratch, for any target, including your own.
/// Introduced in chapter "Adaptive destruction".
pub fn train_target<Tg: Target + ?Sized>(
    config: TrainConfig,
    target: &Tg,
    progress: &mut Progress,
) -> Result<RunOutcome, String> {
    train_target_on(
        ComputeDevice::Cpu,
        config,
        target,
        (None, None, 0),
        progress,
    )
}

/// [`train_target`] on the built-in target the configuration names.
/// Introduced in chapter "Adaptive destruction".
pub fn train_builtin(config: TrainConfig, progress: &mut Progress) -> Result<RunOutcome, String> {
    let target = builtin(&config.target)?;
    train_target(config, target.as_ref(), progress)
}
