//! The command line: `generate` writes (or checks) every generated file of the book.

use crate::diffusion_samplers::experiment as sampling_without_data;
use crate::diffusion_samplers::kernels::Destruction;
use crate::diffusion_samplers::objectives::Objective;
use crate::diffusion_samplers::reproduce::{self, Claim};
use crate::diffusion_samplers::run_files::run_files;
use crate::diffusion_samplers::targets::builtin;
use crate::diffusion_samplers::train::TrainConfig;
use crate::diffusion_samplers::training_run::{load_checkpoint, train_builtin};
use crate::progress::Progress;
use crate::report::{flag_name, GeneratedFiles, Provenance, Scale};
use crate::run_store::RunStore;
use crate::{
    about_the_diagrams, beyond_markov, collapse_and_refine, denoisers_and_scores,
    destroying_and_generating, easy_to_hard, mashing_everything, shuffling_everything, VERSION,
};
use clap::{Parser, Subcommand};
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
        /// Compare with the files in `--out` instead of writing; fail if any differ.
        #[arg(long)]
        check: bool,
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
    },
    /// Print the engine fingerprint that stored runs are keyed by (a stored run made by
    /// another engine is re-run by `reproduce`).
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

/// A chapter that generates files: its folder name and its generator.
pub struct Chapter {
    pub name: &'static str,
    pub generate: fn(Scale, u64, &str) -> Result<GeneratedFiles, String>,
}

/// A chapter whose experiment cannot fail: `run`, then `chapter_files`, timed.
macro_rules! chapter {
    ($module:ident) => {
        Chapter {
            name: $module::CHAPTER,
            generate: |scale, seed, command| {
                let started = Instant::now();
                let results = $module::run(scale, seed);
                let provenance = provenance(command, scale, seed, started);
                Ok($module::chapter_files(&results, &provenance))
            },
        }
    };
}

/// Every generating chapter, in reading order.
pub fn chapters() -> Vec<Chapter> {
    vec![
        chapter!(destroying_and_generating),
        chapter!(mashing_everything),
        chapter!(shuffling_everything),
        chapter!(beyond_markov),
        chapter!(about_the_diagrams),
        Chapter {
            name: sampling_without_data::CHAPTER,
            generate: |scale, seed, command| {
                let started = Instant::now();
                let results = sampling_without_data::run(scale, seed)?;
                let provenance = provenance(command, scale, seed, started);
                Ok(sampling_without_data::chapter_files(&results, &provenance))
            },
        },
        // The next three read the stored runs of `reproduce` (seeds are fixed: 0–4).
        Chapter {
            name: reproduce::chapters::ADAPTIVE_DESTRUCTION,
            generate: |scale, _, _| {
                Ok(reproduce::chapters::adaptive_destruction_files(
                    &stored_sweep(scale)?,
                ))
            },
        },
        Chapter {
            name: reproduce::chapters::RESULTS,
            generate: |scale, _, _| Ok(reproduce::chapters::results_files(&stored_sweep(scale)?)),
        },
        Chapter {
            name: reproduce::chapters::SCALING_UP,
            generate: |scale, _, _| {
                Ok(reproduce::chapters::scaling_up_files(&stored_sweep(scale)?))
            },
        },
        chapter!(denoisers_and_scores),
        chapter!(easy_to_hard),
        chapter!(collapse_and_refine),
    ]
}

/// The runs of the whole `reproduce` sweep at `scale`: the committed ones at full scale;
/// at quick scale, run (or resumed) now.
fn stored_sweep(scale: Scale) -> Result<reproduce::summary::Runs, String> {
    let store = RunStore::at(default_run_store(scale));
    if scale == Scale::Quick {
        reproduce::sweep(
            &reproduce::runs(&Claim::ALL, scale),
            &store,
            threads(),
            false,
        )?;
    }
    reproduce::chapters::load(&store, scale)
}

/// Re-trains stored runs of the full sweep and compares them with the stored records, so
/// a change to the engine cannot leave the published results stale: for every objective,
/// destruction and dimension class (2-D, 32-D) that the sweep has, its cheapest run of
/// seed 0 (fewest steps).
pub fn spot_check_sweep() -> Result<(), String> {
    let store = RunStore::at(default_run_store(Scale::Full));
    let stored = store.load()?;
    let mut chosen: std::collections::BTreeMap<(String, String, usize), reproduce::RunSpec> =
        std::collections::BTreeMap::new();
    for spec in reproduce::runs(&Claim::ALL, Scale::Full) {
        let c = &spec.config;
        let Ok(target) = builtin(&c.target) else {
            continue;
        };
        if c.seed != 0 || ![2, 32].contains(&target.dim()) {
            continue;
        }
        let key = (
            flag_name(&c.objective),
            flag_name(&c.kernel.destruction),
            target.dim(),
        );
        let cheaper = chosen
            .get(&key)
            .is_none_or(|kept| c.kernel.steps < kept.config.kernel.steps);
        if cheaper {
            chosen.insert(key, spec);
        }
    }
    for spec in chosen.values() {
        let stored = reproduce::sweep::stored_record(&stored, spec)
            .ok_or_else(|| format!("stored run {} is missing or stale", spec.id))?;
        let fresh = reproduce::run_one(spec)?.stored(spec);
        if fresh.without_timing() != stored.without_timing() {
            return Err(format!(
                "re-training {} gives different results from the stored run in {} (the engine changed without changing its fingerprint)",
                spec.id,
                store.path().display()
            ));
        }
        eprintln!("re-trained {}: identical to the stored run", spec.id);
    }
    Ok(())
}

/// The record of a run that started at `started` and ends now.
pub fn provenance(command: &str, scale: Scale, seed: u64, started: Instant) -> Provenance {
    Provenance {
        command: command.to_string(),
        scale,
        seed,
        crate_version: VERSION,
        threads: threads(),
        wall_time_s: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
    }
}

/// Worker threads available to dfdx's rayon pool (`RAYON_NUM_THREADS` if set).
pub fn threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
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
        } => {
            let all = chapters();
            let selected: Vec<&Chapter> = all
                .iter()
                .filter(|c| chapter == "all" || c.name == chapter)
                .collect();
            if selected.is_empty() {
                let names: Vec<&str> = all.iter().map(|c| c.name).collect();
                return Err(format!(
                    "unknown chapter '{chapter}' (expected 'all' or one of: {})",
                    names.join(", ")
                ));
            }
            let mut files = GeneratedFiles::default();
            for c in selected {
                eprintln!("generating {} (scale {scale}, seed {seed}) …", c.name);
                let command = format!(
                    "destroy_then_generate generate --chapter {} --scale {scale} --seed {seed}",
                    c.name
                );
                files.extend((c.generate)(scale, seed, &command)?);
            }
            if check {
                let sweep_chapters = [
                    reproduce::chapters::ADAPTIVE_DESTRUCTION,
                    reproduce::chapters::RESULTS,
                    reproduce::chapters::SCALING_UP,
                ];
                if scale == Scale::Full
                    && all.iter().any(|c| {
                        sweep_chapters.contains(&c.name) && (chapter == "all" || c.name == chapter)
                    })
                {
                    spot_check_sweep()?;
                }
                let mut problems = files.differences_from(&out);
                problems.extend(unexpected_in_generated(&out, &all));
                if !problems.is_empty() {
                    return Err(format!(
                        "generated files are stale: {} (run the README's main command and commit the result)",
                        problems.join("; ")
                    ));
                }
                eprintln!(
                    "all {} generated files under {} are up to date",
                    files.paths().count(),
                    out.display()
                );
            } else {
                files.write_all(&out).map_err(|e| {
                    format!("cannot write generated files under {}: {e}", out.display())
                })?;
                eprintln!(
                    "wrote {} files under {}",
                    files.paths().count(),
                    out.display()
                );
            }
            Ok(())
        }
        Command::Train(args) => train(&args),
        Command::Reproduce {
            claims,
            scale,
            runs,
            workers,
        } => reproduce(&claims, scale, runs, workers),
        Command::Engine => {
            println!("{}", reproduce::sweep::engine_fingerprint());
            Ok(())
        }
    }
}

/// Files under the generated folder that no generator writes: folders of renamed or
/// removed chapters, and anything in `benchmarks/` besides the benchmark's own table.
fn unexpected_in_generated(out: &std::path::Path, all: &[Chapter]) -> Vec<String> {
    const BENCHMARK_FILES: [&str; 1] = ["train-iteration.md"];
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(out).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let known = all.iter().any(|c| c.name == name);
        if name == "benchmarks" {
            for file in std::fs::read_dir(entry.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let file = file.file_name().to_string_lossy().into_owned();
                if !BENCHMARK_FILES.contains(&file.as_str()) {
                    problems.push(format!(
                        "benchmarks/{file} is stale (the benchmark does not write it)"
                    ));
                }
            }
        } else if !known {
            problems.push(format!("{name} is stale (no chapter generates it)"));
        }
    }
    problems
}

/// Where `reproduce` stores its runs at each scale unless told otherwise: the full
/// sweep's runs are committed, outside the book's sources.
pub fn default_run_store(scale: Scale) -> PathBuf {
    match scale {
        Scale::Full => PathBuf::from("data/runs/reproduce.jsonl"),
        Scale::Quick => PathBuf::from("target/reproduce-quick/runs.jsonl"),
    }
}

/// `reproduce`: the sweep, resumable; a diverged run is a result, not an error.
fn reproduce(
    claims: &str,
    scale: Scale,
    runs: Option<PathBuf>,
    workers: Option<usize>,
) -> Result<(), String> {
    let claims = Claim::parse_list(claims)?;
    let runs = runs.unwrap_or_else(|| default_run_store(scale));
    let store = RunStore::at(&runs);
    let workers = workers.unwrap_or_else(threads);
    if workers == 0 {
        return Err("workers must be at least 1".into());
    }
    let specs = reproduce::runs(&claims, scale);
    let records = reproduce::sweep(&specs, &store, workers, true)?;
    let diverged = records
        .iter()
        .filter(|r| r.outcome.diverged.is_some())
        .count();
    eprintln!(
        "{} runs stored in {} ({diverged} diverged)",
        records.len(),
        runs.display()
    );
    if claims.len() < Claim::ALL.len() {
        eprintln!("the chapters' tables need every claim: run with --claims all to write them");
        return Ok(());
    }
    let sweep = reproduce::chapters::load(&store, scale)?;
    let mut files = reproduce::chapters::adaptive_destruction_files(&sweep);
    files.extend(reproduce::chapters::results_files(&sweep));
    files.extend(reproduce::chapters::scaling_up_files(&sweep));
    // The book's files come only from the book's own runs.
    let out = if scale == Scale::Full && runs == default_run_store(scale) {
        PathBuf::from("book/generated")
    } else {
        runs.with_file_name("generated")
    };
    files
        .write_all(&out)
        .map_err(|e| format!("cannot write generated files under {}: {e}", out.display()))?;
    eprintln!(
        "wrote {} files under {}",
        files.paths().count(),
        out.display()
    );
    Ok(())
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
        "training {} with T={}, {} destruction, objective {}, {} iterations (seed {})",
        config.target,
        config.kernel.steps,
        flag_name(&config.kernel.destruction),
        flag_name(&config.objective),
        config.iterations,
        config.seed
    );
    let mut progress = Progress::new("train", config.iterations as u64);
    let outcome = train_builtin(
        config.clone(),
        resume,
        Some(&checkpoint_path),
        args.checkpoint_every,
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
