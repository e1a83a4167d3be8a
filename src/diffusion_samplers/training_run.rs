//! A whole training run as the command line, the chapters and the notebooks use it: pick
//! the sampler for the target's dimension, train (or resume), evaluate, and report.

use super::evaluate::Evaluation;
use super::padding::{unpadded, Padded};
use super::target::Target;
use super::targets::{builtin, BuiltinTarget};
use super::train::{Checkpoint, Diverged, TrainConfig, Trainer};
use crate::progress::Progress;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::path::Path;

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
    /// Final samples (the first two coordinates are what the figures show).
    #[serde(skip)]
    pub samples: Option<Array2<f32>>,
}

/// Trains `config` on the built-in target it names, from scratch or from `resume`,
/// saving a checkpoint to `checkpoint_path` every `checkpoint_every` iterations and at
/// the end.
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
    let d = target.dim();
    let largest = COMPILED_DIMENSIONS[COMPILED_DIMENSIONS.len() - 1];
    let Some(&compiled) = COMPILED_DIMENSIONS.iter().find(|&&c| c >= d && d > 0) else {
        return Err(format!(
            "target '{}' has dimension {d}; samplers train on dimensions 1 to {largest}",
            target.name()
        ));
    };
    let io = (resume, checkpoint_path, checkpoint_every);
    if compiled == d {
        return run_compiled(config, target, io, progress);
    }
    // The padding is the reference walk's own terminal distribution, N(0, σ²).
    let padded = Padded::new(target, compiled, config.kernel.sigma2);
    let mut outcome = run_compiled(config, &padded, io, progress)?;
    outcome.samples = outcome.samples.map(|x| unpadded(&x, d));
    outcome.dimension = d;
    outcome.padded_to = Some(compiled);
    Ok(outcome)
}

/// Dispatches to the sampler compiled for the target's dimension.
fn run_compiled<Tg: Target + ?Sized>(
    config: TrainConfig,
    target: &Tg,
    io: CheckpointIo,
    progress: &mut Progress,
) -> Result<RunOutcome, String> {
    match target.dim() {
        2 => run::<2, Tg>(config, target, io, progress),
        10 => run::<10, Tg>(config, target, io, progress),
        16 => run::<16, Tg>(config, target, io, progress),
        32 => run::<32, Tg>(config, target, io, progress),
        64 => run::<64, Tg>(config, target, io, progress),
        d => unreachable!("dimension {d} is not in COMPILED_DIMENSIONS"),
    }
}

type CheckpointIo<'a> = (Option<Checkpoint>, Option<&'a Path>, usize);

fn run<const D: usize, Tg: Target + ?Sized>(
    config: TrainConfig,
    target: &Tg,
    (resume, checkpoint_path, checkpoint_every): CheckpointIo,
    progress: &mut Progress,
) -> Result<RunOutcome, String> {
    let mut trainer = match resume {
        Some(checkpoint) => Trainer::<D>::restore(checkpoint, target)?,
        None => Trainer::<D>::new(config, target)?,
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
