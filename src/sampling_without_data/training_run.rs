//! A whole training run as the command line, the chapters and the notebooks use it: pick
//! the sampler for the target's dimension, train (or resume), evaluate, and report.

use super::destruction::{Bridge, DestructionProcess};
use super::diagnostics::{update_windows, Diagnostics};
use super::evaluate::Evaluation;
use super::padding::{unpadded, Padded};
use super::target::{device, Target};
use super::targets::{builtin, BuiltinTarget};
use super::train::{Checkpoint, Diverged, SamplerDevice, TrainConfig, Trainer};
use crate::progress::Progress;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Where a training run computes: the CPU, or the CUDA GPU of the given ordinal (in a
/// build with the `cuda` feature). Written `cpu`, `cuda` (GPU 0) or `cuda:N`.
/// Introduced in the appendix "Running on a GPU".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ComputeDevice {
    #[default]
    Cpu,
    Cuda(usize),
}

/// Why a CUDA device cannot be used by a build without the `cuda` feature.
pub const NO_CUDA: &str = "this build has no CUDA support: rebuild with --features cuda";

impl std::str::FromStr for ComputeDevice {
    type Err = String;

    /// Parses `cpu`, `cuda` or `cuda:N`; a CUDA device is refused by a build without
    /// the `cuda` feature.
    fn from_str(text: &str) -> Result<Self, String> {
        let device = match text {
            "cpu" => ComputeDevice::Cpu,
            "cuda" => ComputeDevice::Cuda(0),
            _ => match text.strip_prefix("cuda:").map(str::parse) {
                Some(Ok(ordinal)) => ComputeDevice::Cuda(ordinal),
                _ => return Err(format!("unknown device '{text}': use cpu, cuda or cuda:N")),
            },
        };
        if device != ComputeDevice::Cpu && !cfg!(feature = "cuda") {
            return Err(NO_CUDA.to_string());
        }
        Ok(device)
    }
}

impl std::fmt::Display for ComputeDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ComputeDevice::Cpu => write!(f, "cpu"),
            ComputeDevice::Cuda(ordinal) => write!(f, "cuda:{ordinal}"),
        }
    }
}

/// Dimensions for which a sampler is compiled (dfdx 0.13 fixes layer sizes at compile
/// time). A target of any other dimension up to the largest is sampled in the next
/// compiled one, padded with Gaussian coordinates (see [`Padded`]).
pub const COMPILED_DIMENSIONS: [usize; 5] = [2, 10, 16, 32, 64];

/// The share of samples a mode must hold to count as covered.
/// Introduced in chapter "Sampling without data".
pub const MODE_SHARE: f64 = 0.01;

/// How many modes hold at least [`MODE_SHARE`] of the samples, given each mode's share.
/// Introduced in chapter "Sampling without data".
pub fn modes_covered(shares: &[f64]) -> usize {
    shares.iter().filter(|&&s| s >= MODE_SHARE).count()
}

/// What a finished (or diverged) run reports.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunOutcome {
    pub config: TrainConfig,
    pub target: String,
    pub dimension: usize,
    /// Evaluations during training (no sample metrics).
    pub history: Vec<Evaluation>,
    /// The final evaluation, with W2 and MMD.
    pub last: Option<Evaluation>,
    /// Share of final samples nearest each mode, for mixture targets.
    pub mode_shares: Option<Vec<f64>>,
    pub diverged: Option<Diverged>,
    pub iterations_done: usize,
    /// Mean training loss over consecutive windows of `eval_every` iterations.
    pub loss_curve: Vec<f64>,
    /// The compiled dimension the target was padded to, if its own is not compiled
    /// (then `history` and `last` are those of the padded target, whose `log Z` is the
    /// target's; `samples` are the target's own coordinates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padded_to: Option<usize>,
    /// Gradient norms, clipping and the destruction's log-variance correction during
    /// training.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Diagnostics>,
    /// Final samples (the first two coordinates are what the figures show).
    #[serde(skip)]
    pub samples: Option<Array2<f32>>,
}

/// Trains `config` on the built-in target it names, from scratch or from `resume`,
/// saving a checkpoint to `checkpoint_path` every `checkpoint_every` iterations and at
/// the end, with this chapter's fixed destruction (chapter "Adaptive destruction"'s
/// `training::train_builtin` trains either).
pub fn train_builtin(
    config: TrainConfig,
    resume: Option<Checkpoint>,
    checkpoint_path: Option<&Path>,
    checkpoint_every: usize,
    progress: &mut Progress,
) -> Result<RunOutcome, String> {
    let target = builtin(&config.target)?;
    train_target(
        config,
        target.as_ref(),
        resume,
        checkpoint_path,
        checkpoint_every,
        progress,
    )
}

/// [`train_builtin`] for any target, including your own.
pub fn train_target<Tg: Target + ?Sized>(
    config: TrainConfig,
    target: &Tg,
    resume: Option<Checkpoint>,
    checkpoint_path: Option<&Path>,
    checkpoint_every: usize,
    progress: &mut Progress,
) -> Result<RunOutcome, String> {
    let io = (resume, checkpoint_path, checkpoint_every);
    train_target_on::<Bridge, Tg>(ComputeDevice::Cpu, config, target, io, progress)
}

/// [`train_target`] with destruction process `K` on a chosen device:
/// `ComputeDevice::Cuda(n)` trains the networks on GPU `n` with the plain dfdx network
/// (the target is still evaluated on the CPU).
pub fn train_target_on<K: DestructionProcess, Tg: Target + ?Sized>(
    compute: ComputeDevice,
    config: TrainConfig,
    target: &Tg,
    io: CheckpointIo,
    progress: &mut Progress,
) -> Result<RunOutcome, String> {
    let d = target.dim();
    let largest = COMPILED_DIMENSIONS[COMPILED_DIMENSIONS.len() - 1];
    let Some(&compiled) = COMPILED_DIMENSIONS.iter().find(|&&c| c >= d && d > 0) else {
        return Err(format!(
            "target '{}' has dimension {d}; samplers train on dimensions 1 to {largest}",
            target.name()
        ));
    };
    if compiled == d {
        return run_on::<K, Tg>(compute, config, target, io, progress);
    }
    // The padding is the reference walk's own terminal distribution, N(0, σ²).
    let padded = Padded::new(target, compiled, config.kernel.sigma2);
    let mut outcome = run_on::<K, _>(compute, config, &padded, io, progress)?;
    outcome.samples = outcome.samples.map(|x| unpadded(&x, d));
    outcome.dimension = d;
    outcome.padded_to = Some(compiled);
    Ok(outcome)
}

/// Creates the device, seeded with the run's seed (the weights are drawn from it).
fn run_on<K: DestructionProcess, Tg: Target + ?Sized>(
    compute: ComputeDevice,
    config: TrainConfig,
    target: &Tg,
    io: CheckpointIo,
    progress: &mut Progress,
) -> Result<RunOutcome, String> {
    let seed = io.0.as_ref().map_or(config.seed, |c| c.config.seed);
    match compute {
        ComputeDevice::Cpu => run_compiled::<K, _, _>(&device(seed), config, target, io, progress),
        #[cfg(feature = "cuda")]
        ComputeDevice::Cuda(ordinal) => {
            let dev = crate::dfdx::prelude::Cuda::try_build(ordinal, seed)
                .map_err(|e| format!("cannot open CUDA device {ordinal}: {e}"))?;
            run_compiled::<K, _, _>(&dev, config, target, io, progress)
        }
        #[cfg(not(feature = "cuda"))]
        ComputeDevice::Cuda(_) => Err(NO_CUDA.to_string()),
    }
}

/// Dispatches to the sampler compiled for the target's dimension.
fn run_compiled<K: DestructionProcess, Dv: SamplerDevice, Tg: Target + ?Sized>(
    dev: &Dv,
    config: TrainConfig,
    target: &Tg,
    io: CheckpointIo,
    progress: &mut Progress,
) -> Result<RunOutcome, String> {
    match target.dim() {
        2 => run::<2, K, Dv, Tg>(dev, config, target, io, progress),
        10 => run::<10, K, Dv, Tg>(dev, config, target, io, progress),
        16 => run::<16, K, Dv, Tg>(dev, config, target, io, progress),
        32 => run::<32, K, Dv, Tg>(dev, config, target, io, progress),
        64 => run::<64, K, Dv, Tg>(dev, config, target, io, progress),
        d => unreachable!("dimension {d} is not in COMPILED_DIMENSIONS"),
    }
}

/// A checkpoint to resume from, where to save checkpoints, and every how many
/// iterations (0: only at the end).
pub type CheckpointIo<'a> = (Option<Checkpoint>, Option<&'a Path>, usize);

fn run<const D: usize, K: DestructionProcess, Dv: SamplerDevice, Tg: Target + ?Sized>(
    dev: &Dv,
    config: TrainConfig,
    target: &Tg,
    (resume, checkpoint_path, checkpoint_every): CheckpointIo,
    progress: &mut Progress,
) -> Result<RunOutcome, String> {
    let mut trainer = match resume {
        Some(checkpoint) => Trainer::<D, Dv, K>::restore_on(dev, checkpoint, target)?,
        None => Trainer::<D, Dv, K>::new_on(dev, config, target)?,
    };
    let total = trainer.config.iterations;
    let every = if checkpoint_every == 0 {
        total
    } else {
        checkpoint_every
    };
    let mut diverged = None;
    while trainer.iteration < total && diverged.is_none() {
        let until = ((trainer.iteration / every) + 1) * every;
        if let Err(d) = trainer.run(target, until, progress) {
            diverged = Some(d);
        }
        if let Some(path) = checkpoint_path {
            save_checkpoint(&trainer.checkpoint(), path)?;
        }
    }
    let (last, samples) = match diverged {
        Some(_) => (None, None),
        None => {
            let (evaluation, samples) = trainer.evaluate(target, true);
            (Some(evaluation), Some(samples))
        }
    };
    progress.finish(&match (&diverged, &last) {
        (Some(d), _) => d.to_string(),
        (None, Some(e)) => format!("ELBO {:.3}  log Ẑ {:.3}", e.elbo, e.log_z_hat),
        _ => String::new(),
    });
    let mixture = BuiltinTarget::from_name(&trainer.config.target)
        .ok()
        .and_then(BuiltinTarget::mixture);
    let mode_shares = match (mixture, &samples) {
        (Some(gmm), Some(x)) if target.name() == trainer.config.target => {
            let counts = gmm.mode_counts(x);
            Some(
                counts
                    .iter()
                    .map(|&c| c as f64 / x.nrows() as f64)
                    .collect(),
            )
        }
        _ => None,
    };
    let window = trainer.config.eval_every;
    Ok(RunOutcome {
        target: target.name(),
        dimension: D,
        history: trainer.history.clone(),
        last,
        mode_shares,
        diverged,
        iterations_done: trainer.iteration,
        loss_curve: trainer
            .losses
            .chunks(window)
            .map(|c| c.iter().sum::<f64>() / c.len() as f64)
            .collect(),
        padded_to: None,
        samples,
        diagnostics: Some(Diagnostics {
            updates: update_windows(&trainer.norms, window, trainer.config.grad_clip),
            log_var_correction: trainer.corrections,
        }),
        config: trainer.config,
    })
}

/// Writes a checkpoint atomically (temporary file, then rename).
pub fn save_checkpoint(checkpoint: &Checkpoint, path: &Path) -> Result<(), String> {
    let text = serde_json::to_string(checkpoint).expect("checkpoints serialise");
    let temporary = path.with_extension("partial");
    std::fs::write(&temporary, text)
        .and_then(|_| std::fs::rename(&temporary, path))
        .map_err(|e| format!("cannot write checkpoint {}: {e}", path.display()))
}

/// Reads a checkpoint written by [`save_checkpoint`].
pub fn load_checkpoint(path: &Path) -> Result<Checkpoint, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read checkpoint {}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a checkpoint of this crate: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_written_as_on_the_command_line() {
        assert_eq!("cpu".parse(), Ok(ComputeDevice::Cpu));
        assert_eq!(ComputeDevice::Cuda(1).to_string(), "cuda:1");
        for bad in ["gpu", "cuda:", "cuda:x", "cuda:-1", "CPU"] {
            let err = bad.parse::<ComputeDevice>().unwrap_err();
            assert!(err.contains(&format!("unknown device '{bad}'")), "{err}");
        }
        let cuda = ["cuda", "cuda:0", "cuda:3"].map(str::parse::<ComputeDevice>);
        if cfg!(feature = "cuda") {
            let expected = [0, 0, 3].map(|n| Ok(ComputeDevice::Cuda(n)));
            assert_eq!(cuda, expected);
        } else {
            assert!(cuda.iter().all(|r| r.as_ref().unwrap_err() == NO_CUDA));
        }
    }

    #[test]
    fn a_cuda_device_is_refused_by_a_build_without_cuda() {
        if cfg!(feature = "cuda") {
            return;
        }
        let target = crate::sampling_without_data::targets::Gmm::grid25();
        let io = (None, None, 0);
        let err = train_target_on::<Bridge, _>(
            ComputeDevice::Cuda(0),
            TrainConfig::default(),
            &target,
            io,
            &mut Progress::hidden(),
        )
        .unwrap_err();
        assert_eq!(err, NO_CUDA);
    }
}
