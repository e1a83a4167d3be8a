//! The command line: parses arguments and dispatches to the book's pipeline
//! ([`crate::book_pipeline`]) and to training.

use crate::adaptive_destruction::training::train_target_on;
use crate::book_pipeline::{self, threads};
use crate::progress::Progress;
use crate::report::{flag_name, Provenance, Scale};
use crate::results;
use crate::results::claims::Budget;
use crate::results::shard::Shard;
use crate::sampling_without_data::kernels::{Destruction, LearnedParts};
use crate::sampling_without_data::objectives::Objective;
use crate::sampling_without_data::run_files::run_files;
use crate::sampling_without_data::targets::builtin;
use crate::sampling_without_data::train::TrainConfig;
use crate::sampling_without_data::training_run::{load_checkpoint, ComputeDevice};
use crate::VERSION;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(
    name = "destroy_then_generate",
    version,
    about = "Computes everything the book \"Destroy, then Generate\" shows."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Regenerate the book's generated files (numbers, tables, figures, reports).
    Generate {
        /// Which chapter to generate, or `all`.
        #[arg(long, default_value = "all")]
        chapter: String,
        /// `quick` for tests, `full` for the published book.
        #[arg(long, value_enum, default_value_t = Scale::Full)]
        scale: Scale,
        /// Seed for every random stream.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Folder that receives one sub-folder per chapter.
        #[arg(long, default_value = "book/generated")]
        out: PathBuf,
        /// Compare with the files in `--out` instead of writing; fail if any differ. Only
        /// chapters whose inputs changed (or that take under a minute) are regenerated;
        /// the others' files are checked against the hashes recorded with them.
        #[arg(long)]
        check: bool,
        /// With `--check`: regenerate every chapter, whatever its inputs (before a
        /// release, or after a dependency or toolchain update).
        #[arg(long, requires = "check")]
        all_chapters: bool,
    },
    /// Train a diffusion sampler on a built-in target (chapter "Sampling without data").
    Train(Box<TrainArgs>),
    /// Reproduce the adaptive-destruction claims H1–H6 (chapters "Results", "Scaling up"):
    /// runs every training run they need that is not already stored, then writes the
    /// chapters' tables and figures from the stored runs.
    Reproduce {
        /// Claims to run: `all` or a comma-separated list such as `h1,h4`.
        #[arg(long, default_value = "all")]
        claims: String,
        /// `quick` (minutes, for tests) or `full` (the published results).
        #[arg(long, value_enum, default_value_t = Scale::Full)]
        scale: Scale,
        /// File of the stored runs (one JSON line per run; finished runs are not redone).
        #[arg(long)]
        runs: Option<PathBuf>,
        /// Runs trained at once, one thread each (default: the available threads).
        #[arg(long)]
        workers: Option<usize>,
        /// `short` (the published sweep of H1–H6) or `converged` (H1–H3 and H7 at batch
        /// 300 for 10,000 iterations, and twice and four times as long for configurations
        /// that have not converged; read by chapter "Results"; `--claims` is ignored).
        #[arg(long, value_enum, default_value_t = Budget::Short)]
        budget: Budget,
        /// Run only the K-th of N disjoint slices of the sweep (whole configurations),
        /// into its own store (default: the store's name with `.shard-K-of-N`), to spread
        /// a sweep over a cluster; join the stores with `merge`.
        #[arg(long, value_parser = Shard::parse, default_value = "1/1")]
        shard: Shard,
    },
    /// The reconstruction sweep of chapter "Results": on 25GMM at T = 5, the fixed
    /// destruction, each learned part alone, the lineage's multiplicative correction and
    /// the method over range × backbone × exploration, to convergence; resumable.
    ReconstructionSweep {
        /// File of the stored runs (default: data/runs/reconstruction.jsonl).
        #[arg(long)]
        runs: Option<PathBuf>,
        /// Runs trained at once, one thread each (default: the available threads).
        #[arg(long)]
        workers: Option<usize>,
        /// Run only the K-th of N disjoint slices (see `reproduce --shard`).
        #[arg(long, value_parser = Shard::parse, default_value = "1/1")]
        shard: Shard,
    },
    /// Join the run stores of a sharded sweep into one: runs stored twice must agree
    /// (timing aside), or nothing is written.
    Merge {
        /// The store to join into (created if missing; its own runs are kept).
        #[arg(long)]
        into: PathBuf,
        /// The shards' stores.
        #[arg(required = true)]
        stores: Vec<PathBuf>,
    },
    /// Which notebooks must run again in the kernel (their inputs changed since their
    /// last green run), or record that some just ran green.
    Notebooks {
        /// Print the names of the notebooks whose inputs changed since their last green run.
        #[arg(long, conflicts_with = "ran_green")]
        stale: bool,
        /// Record that these notebooks (names, as in `notebooks/src/NAME.md`) just ran green.
        #[arg(long, num_args = 1..)]
        ran_green: Vec<String>,
    },
    /// Print the engine fingerprints that stored runs are keyed by, the base one and
    /// each learned-destruction arm's (a stored run made by another engine is re-run by
    /// `reproduce`).
    Engine,
}

/// Flags of `train`; each overrides the same field of `--config`.
#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// A JSON file with any fields of the training configuration.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Continue from a checkpoint written by an earlier run (its configuration is used;
    /// only --iterations may extend it).
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// Target: 25gmm, 40gmm, funnel, manywell or gaussian.
    #[arg(long)]
    pub target: Option<String>,
    /// Number of steps T.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Training objective (default tb).
    #[arg(long, value_enum)]
    pub objective: Option<Objective>,
    /// Destruction process (default fixed).
    #[arg(long, value_enum)]
    pub destruction: Option<Destruction>,
    /// Training iterations (default 5000).
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Trajectories per iteration (default 300).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Seed of every random stream (default 0).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Reference diffusion coefficient σ².
    #[arg(long)]
    pub sigma2: Option<f64>,
    /// Adam learning rate of the generation network (default 1e-3).
    #[arg(long, allow_negative_numbers = true)]
    pub lr_generation: Option<f64>,
    /// Adam learning rate of a learned destruction network (default 1e-3).
    #[arg(long, allow_negative_numbers = true)]
    pub lr_destruction: Option<f64>,
    /// Adam learning rate of the learned log Z (default 0.1).
    #[arg(long, allow_negative_numbers = true)]
    pub lr_log_z: Option<f64>,
    /// Initial exploration noise ε: each step's variance is widened by ε² (default 1).
    #[arg(long)]
    pub exploration_std: Option<f64>,
    /// Replay buffer size in terminal states; 0 turns replay off (default 50000).
    #[arg(long)]
    pub buffer_capacity: Option<usize>,
    /// Every k-th iteration trains on destroyed buffer states; 0: never (default 2).
    #[arg(long)]
    pub backward_every: Option<usize>,
    /// Evaluate (ELBO, log Ẑ, EUBO, W2, MMD) every this many iterations (default 250).
    #[arg(long)]
    pub eval_every: Option<usize>,
    /// Folder for report.json, the figures and the checkpoint.
    #[arg(long, default_value = "target/runs/latest")]
    pub out: PathBuf,
    /// Save a checkpoint every this many iterations (and at the end).
    #[arg(long, default_value_t = 1000)]
    pub checkpoint_every: usize,
    /// Where the networks train: cpu, cuda (GPU 0) or cuda:N (builds with --features cuda).
    #[arg(long, default_value_t = ComputeDevice::Cpu)]
    pub device: ComputeDevice,
}

impl TrainArgs {
    /// The configuration: defaults, then the config file, then the flags.
    pub fn config(&self) -> Result<TrainConfig, String> {
        let mut c = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
                serde_json::from_str(&text)
                    .map_err(|e| format!("config {} is invalid: {e}", path.display()))?
            }
            None => TrainConfig::default(),
        };
        macro_rules! set {
            ($($flag:ident => $($field:ident).+),*) => {
                $(if let Some(v) = self.$flag.clone() { c.$($field).+ = v; })*
            };
        }
        set!(target => target, steps => kernel.steps, objective => objective,
             destruction => kernel.destruction, iterations => iterations, batch => batch,
             seed => seed, sigma2 => kernel.sigma2, lr_generation => lr_generation,
             lr_destruction => lr_destruction, lr_log_z => lr_log_z,
             exploration_std => exploration_std, buffer_capacity => buffer_capacity,
             backward_every => backward_every, eval_every => eval_every);
        builtin(&c.target)?;
        c.validate()?;
        Ok(c)
    }
}

/// Runs a parsed command line; `Err` holds a one-line message for the user.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Generate {
            chapter,
            scale,
            seed,
            out,
            check,
            all_chapters,
        } => {
            let mode = match (check, all_chapters) {
                (false, _) => book_pipeline::Mode::Write,
                (true, false) => book_pipeline::Mode::Check,
                (true, true) => book_pipeline::Mode::CheckAll,
            };
            book_pipeline::generate(&chapter, scale, seed, &out, mode)
        }
        Command::Train(args) => train(&args),
        Command::Reproduce {
            claims,
            scale,
            runs,
            workers,
            budget: Budget::Short,
            shard,
        } => book_pipeline::reproduce(&claims, scale, runs, workers, shard),
        Command::Reproduce {
            scale,
            runs,
            workers,
            budget: Budget::Converged,
            shard,
            ..
        } => book_pipeline::reproduce_converged(scale, runs, workers, shard),
        Command::ReconstructionSweep {
            runs,
            workers,
            shard,
        } => book_pipeline::reconstruction_sweep(runs, workers, shard),
        Command::Merge { into, stores } => {
            let from: Vec<&std::path::Path> = stores.iter().map(|p| p.as_path()).collect();
            let n = results::shard::merge(&into, &from)?;
            eprintln!("{n} runs in {}", into.display());
            Ok(())
        }
        Command::Notebooks { stale, ran_green } => {
            if stale {
                for name in book_pipeline::notebooks::stale()? {
                    println!("{name}");
                }
                Ok(())
            } else if !ran_green.is_empty() {
                book_pipeline::notebooks::record_green(&ran_green)
            } else {
                Err("notebooks: say --stale or --ran-green NAME…".into())
            }
        }
        Command::Engine => {
            println!("{}", results::sweep::engine_fingerprint());
            for parts in LearnedParts::value_variants() {
                let mut config = TrainConfig::default();
                config.kernel.destruction = Destruction::Learned;
                config.kernel.learned_parts = *parts;
                let arm = flag_name(parts);
                println!("{arm}: {}", results::sweep::engine_fingerprint_for(&config));
            }
            Ok(())
        }
    }
}

/// `train`: runs, then writes report.json and the figures all-or-nothing.
fn train(args: &TrainArgs) -> Result<(), String> {
    let started = Instant::now();
    let resume = args.resume.as_deref().map(load_checkpoint).transpose()?;
    let config = match &resume {
        Some(checkpoint) => {
            let mut c = checkpoint.config.clone();
            c.iterations = args.iterations.unwrap_or(c.iterations);
            c.validate()?;
            c
        }
        None => args.config()?,
    };
    let mut resume = resume;
    if let Some(checkpoint) = resume.as_mut() {
        checkpoint.config = config.clone();
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let checkpoint_path = args.out.join("checkpoint.json");
    eprintln!(
        "training {} with T={}, {} destruction, objective {}, {} iterations (seed {}) on {}",
        config.target,
        config.kernel.steps,
        flag_name(&config.kernel.destruction),
        flag_name(&config.objective),
        config.iterations,
        config.seed,
        args.device
    );
    let mut progress = Progress::new("train", config.iterations as u64);
    let target = builtin(&config.target)?;
    let outcome = train_target_on(
        args.device,
        config.clone(),
        target.as_ref(),
        (resume, Some(&checkpoint_path), args.checkpoint_every),
        &mut progress,
    )?;
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let provenance = Provenance {
        command,
        scale: Scale::Full,
        seed: config.seed,
        crate_version: VERSION,
        threads: threads(),
        wall_time_s: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
    };
    let files = run_files(&outcome, &provenance);
    files
        .write_all(&args.out)
        .map_err(|e| format!("cannot write results under {}: {e}", args.out.display()))?;
    if let Some(d) = &outcome.diverged {
        return Err(format!("{d} (report written to {})", args.out.display()));
    }
    eprintln!(
        "wrote report.json, samples.svg and bounds.svg under {}",
        args.out.display()
    );
    Ok(())
}
