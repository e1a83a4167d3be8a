//! The book's pipeline: every generating chapter in reading order, generating or
//! checking their files (with a spot check of the stored training runs), the `reproduce`
//! sweep's files, and the provenance each file records. The command line only parses
//! arguments and calls these.
//!
//! Checking is incremental: a chapter whose inputs ([`fingerprint`]) are those recorded
//! with its files ([`freshness`]) and that takes a minute or more to regenerate is not
//! run again; its files are compared with the hashes recorded when they were written.

pub mod fingerprint;
pub mod freshness;
pub mod notebooks;

use crate::report::{flag_name, GeneratedFiles, Provenance, Scale};
use crate::results::shard::Shard;
use crate::results::{self, Claim};
use crate::run_store::{RunPolicy, RunStore};
use crate::sampling_without_data::experiment as sampling_without_data;
use crate::sampling_without_data::targets::builtin;
use crate::{
    about_the_diagrams, beyond_markov, collapse_and_refine, denoisers_and_scores,
    destroying_and_generating, easy_to_hard, exploration, learning_by_withholding,
    mashing_everything, scaling_up, shuffling_everything, VERSION,
};
use fingerprint::{Fingerprint, SourceTree, SHARED_INPUTS};
use freshness::FreshnessRecord;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A chapter that generates files: its folder name, its generator, the crate modules
/// its generator calls (its inputs are those and everything they import), and the run
/// stores it reads at full scale (checking one that reads the `reproduce` sweep also
/// re-trains a few).
pub struct Chapter {
    pub name: &'static str,
    pub generate: fn(&Job) -> Result<GeneratedFiles, String>,
    pub modules: &'static [&'static str],
    pub stores: &'static [&'static str],
}

impl Chapter {
    fn reads_sweep(&self) -> bool {
        self.stores.contains(&SWEEP_STORE)
    }

    /// The fingerprint of everything this chapter's files are made from at `scale` and
    /// `seed`, and the files besides the modules' that it covers.
    pub fn inputs(
        &self,
        tree: &SourceTree,
        scale: Scale,
        seed: u64,
    ) -> Result<(Fingerprint, Vec<String>), String> {
        // The committed stores hold full-scale runs; a quick run never reads them.
        let store_names: &[&str] = match scale {
            Scale::Full => self.stores,
            Scale::Quick => &[],
        };
        let stores: Vec<&Path> = store_names.iter().map(Path::new).collect();
        let fingerprint = tree.fingerprint(
            self.modules,
            &stores,
            &format!("chapter {} scale {scale} seed {seed}", self.name),
        )?;
        let read = SHARED_INPUTS
            .iter()
            .chain(store_names)
            .map(|f| f.to_string())
            .collect();
        Ok((fingerprint, read))
    }
}

/// One generation of a chapter: its scale and seed, the command line its provenance
/// records, and what to do with its stored runs (if it has any).
pub struct Job<'a> {
    pub scale: Scale,
    pub seed: u64,
    pub command: &'a str,
    pub runs: RunPolicy,
}

/// The committed stores of the `reproduce` sweep and of its convergence sweep.
const SWEEP_STORE: &str = "data/runs/reproduce.jsonl";
const CONVERGED_STORE: &str = "data/runs/converged.jsonl";
const SWEEP_STORES: &[&str] = &[SWEEP_STORE, CONVERGED_STORE];
const RECONSTRUCTION_STORE: &str = results::reconstruction_sweep::STORE;

/// The store a shard writes by default: `runs.jsonl` → `runs.shard-3-of-8.jsonl` (the
/// store itself for the whole sweep).
fn shard_store(store: PathBuf, shard: Shard) -> PathBuf {
    if shard == Shard::WHOLE {
        return store;
    }
    let stem = store
        .file_stem()
        .map_or("runs".into(), |s| s.to_string_lossy().into_owned());
    store.with_file_name(format!(
        "{stem}.shard-{}-of-{}.jsonl",
        shard.index, shard.count
    ))
}

/// The stored runs of the reconstruction sweep (full scale only; none at quick scale).
fn reconstruction_runs(
    scale: Scale,
) -> Result<std::collections::BTreeMap<String, results::RunRecord>, String> {
    match scale {
        Scale::Full => RunStore::at(RECONSTRUCTION_STORE).load(),
        Scale::Quick => Ok(Default::default()),
    }
}

/// A chapter whose experiment cannot fail: `run`, then `chapter_files`, timed.
macro_rules! chapter {
    ($module:ident) => {
        Chapter {
            name: $module::CHAPTER,
            generate: |job| {
                let started = Instant::now();
                let results = $module::run(job.scale, job.seed);
                let provenance = provenance(job.command, job.scale, job.seed, started);
                Ok($module::chapter_files(&results, &provenance))
            },
            modules: &[stringify!($module)],
            stores: &[],
        }
    };
}

/// Every generating chapter, in reading order.
pub fn chapters() -> Vec<Chapter> {
    vec![
        chapter!(learning_by_withholding),
        Chapter {
            name: exploration::CHAPTER,
            generate: |job| {
                let started = Instant::now();
                let results = match job.scale {
                    // The full scale's GRPO runs are stored (quick runs take seconds).
                    Scale::Full => exploration::stored_runs::run(
                        job.scale,
                        job.seed,
                        &RunStore::at(exploration::stored_runs::STORE),
                        job.runs,
                    )?,
                    Scale::Quick => exploration::run(job.scale, job.seed),
                };
                let provenance = provenance(job.command, job.scale, job.seed, started);
                Ok(exploration::chapter_files(&results, &provenance))
            },
            modules: &["exploration"],
            stores: &[exploration::stored_runs::STORE],
        },
        chapter!(destroying_and_generating),
        chapter!(mashing_everything),
        chapter!(shuffling_everything),
        chapter!(beyond_markov),
        chapter!(about_the_diagrams),
        Chapter {
            name: sampling_without_data::CHAPTER,
            generate: |job| {
                let started = Instant::now();
                let results = sampling_without_data::run(job.scale, job.seed)?;
                let provenance = provenance(job.command, job.scale, job.seed, started);
                Ok(sampling_without_data::chapter_files(&results, &provenance))
            },
            modules: &["sampling_without_data"],
            stores: &[],
        },
        // The next three read the stored runs of `reproduce` (seeds are fixed: 0–4).
        Chapter {
            name: results::chapters::ADAPTIVE_DESTRUCTION,
            generate: |job| {
                Ok(results::chapters::adaptive_destruction_files(
                    &stored_sweep(job.scale)?,
                ))
            },
            modules: &["results"],
            stores: SWEEP_STORES,
        },
        Chapter {
            name: results::chapters::RESULTS,
            generate: |job| {
                Ok(results::chapters::results_files(
                    &stored_sweep(job.scale)?,
                    &converged_sweep(job.scale)?,
                    &reconstruction_runs(job.scale)?,
                ))
            },
            modules: &["results"],
            stores: &[SWEEP_STORE, CONVERGED_STORE, RECONSTRUCTION_STORE],
        },
        Chapter {
            name: scaling_up::experiment::SCALING_UP,
            generate: |job| {
                Ok(scaling_up::experiment::scaling_up_files(&stored_sweep(
                    job.scale,
                )?))
            },
            modules: &["scaling_up"],
            stores: SWEEP_STORES,
        },
        chapter!(denoisers_and_scores),
        chapter!(easy_to_hard),
        chapter!(collapse_and_refine),
    ]
}

/// The runs of the whole `reproduce` sweep at `scale`: the committed ones at full scale;
/// at quick scale, run (or resumed) now.
fn stored_sweep(scale: Scale) -> Result<results::summary::Runs, String> {
    let store = RunStore::at(default_run_store(scale));
    if scale == Scale::Quick {
        results::sweep(&results::runs(&Claim::ALL, scale), &store, threads(), false)?;
    }
    results::chapters::load(&store, scale)
}

/// The stored runs of the convergence sweep at `scale`, however many: the committed ones
/// at full scale; at quick scale, run (or resumed) now.
fn converged_sweep(scale: Scale) -> Result<results::summary::Runs, String> {
    let store = RunStore::at(converged_run_store(scale));
    match scale {
        Scale::Quick => {
            results::chapters::sweep_converged(&store, scale, threads(), false, Shard::WHOLE)
        }
        Scale::Full => results::chapters::load_converged(&store, scale),
    }
}

/// Re-trains stored runs of the full sweep and compares them with the stored records, so
/// a change to the engine cannot leave the published results stale: for every objective,
/// destruction and dimension class (2-D, 32-D) that the sweep has, its cheapest run of
/// seed 0 (fewest steps).
pub fn spot_check_sweep() -> Result<(), String> {
    let store = RunStore::at(default_run_store(Scale::Full));
    let stored = store.load()?;
    let mut chosen: std::collections::BTreeMap<(String, String, usize), results::RunSpec> =
        std::collections::BTreeMap::new();
    for spec in results::runs(&Claim::ALL, Scale::Full) {
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
        let stored = results::sweep::stored_record(&stored, spec)
            .ok_or_else(|| format!("stored run {} is missing or stale", spec.id))?;
        let fresh = results::run_one(spec)?.stored(spec);
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

/// What `generate` does with the files under its output folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Regenerate and write every selected chapter's files.
    Write,
    /// Compare with the files on disk, regenerating only the chapters whose inputs
    /// changed since their files were written, or that regenerate in under a minute;
    /// the others' files are compared with the hashes in their freshness record.
    Check,
    /// Compare with the files on disk after regenerating every selected chapter.
    CheckAll,
}

/// `generate`: writes every generated file of `chapter` (or `all`), each chapter's with
/// its freshness record, or checks them (see [`Mode`]) and fails on any difference.
pub fn generate(
    chapter: &str,
    scale: Scale,
    seed: u64,
    out: &Path,
    mode: Mode,
) -> Result<(), String> {
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
    let tree = SourceTree::current()?;
    let mut files = GeneratedFiles::default();
    let mut problems = Vec::new();
    let mut regenerated = Vec::new();
    for c in &selected {
        let (inputs, read) = c.inputs(&tree, scale, seed)?;
        if mode == Mode::Check {
            if let Some(record) = FreshnessRecord::read(out, c.name) {
                let unchanged =
                    record.inputs == inputs.hash && record.scale == scale && record.seed == seed;
                if unchanged && !record.is_cheap() {
                    let edited = record.differences_on_disk(out);
                    eprintln!(
                        "checking {} by its files' hashes: inputs unchanged (fingerprint {}), {} of {} files match",
                        c.name,
                        inputs.hash,
                        record.files.len() - edited.len().min(record.files.len()),
                        record.files.len()
                    );
                    problems.extend(edited);
                    continue;
                }
                if !unchanged {
                    eprintln!(
                        "generating {}: its inputs changed (fingerprint {}, recorded {})",
                        c.name, inputs.hash, record.inputs
                    );
                }
            }
        }
        eprintln!("generating {} (scale {scale}, seed {seed}) …", c.name);
        let command = format!(
            "destroy_then_generate generate --chapter {} --scale {scale} --seed {seed}",
            c.name
        );
        let started = Instant::now();
        let chapter_files = (c.generate)(&Job {
            scale,
            seed,
            command: &command,
            runs: match mode {
                Mode::Write => RunPolicy::TrainMissing,
                Mode::Check => RunPolicy::UseStored { spot_check: true },
                Mode::CheckAll => RunPolicy::RetrainAll,
            },
        })?;
        // Writing may have added runs to the chapter's store: fingerprint it as it is now.
        let (inputs, _) = c.inputs(&tree, scale, seed)?;
        let record = FreshnessRecord::of(
            c.name,
            scale,
            seed,
            &inputs,
            &read,
            started.elapsed().as_secs_f64(),
            &chapter_files,
        );
        files.extend(chapter_files);
        files.add_json(FreshnessRecord::path(c.name), &record);
        regenerated.push(*c);
    }
    if mode == Mode::Write {
        return write_generated(&files, out);
    }
    if scale == Scale::Full && selected.iter().any(|c| c.reads_sweep()) {
        spot_check_sweep()?;
    }
    problems.extend(files.differences_from(out));
    problems.extend(unexpected_in_generated(out, &all));
    if !problems.is_empty() {
        return Err(format!(
            "generated files are stale: {} (run the README's main command and commit the result)",
            problems.join("; ")
        ));
    }
    eprintln!(
        "generated files under {} are up to date ({} of {} chapters regenerated and compared, the others' inputs unchanged)",
        out.display(),
        regenerated.len(),
        selected.len()
    );
    Ok(())
}

/// Writes `files` under `out` (all or nothing) and says how many.
fn write_generated(files: &GeneratedFiles, out: &Path) -> Result<(), String> {
    files
        .write_all(out)
        .map_err(|e| format!("cannot write generated files under {}: {e}", out.display()))?;
    eprintln!(
        "wrote {} files under {}",
        files.paths().count(),
        out.display()
    );
    Ok(())
}

/// Files under the generated folder that no generator writes: folders of renamed or
/// removed chapters, and anything in `benchmarks/` besides the benchmark's own table.
fn unexpected_in_generated(out: &Path, all: &[Chapter]) -> Vec<String> {
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
        Scale::Full => PathBuf::from(SWEEP_STORE),
        Scale::Quick => PathBuf::from("target/reproduce-quick/runs.jsonl"),
    }
}

/// Where the convergence sweep ([`results::claims::converged_runs`]) stores its runs.
pub fn converged_run_store(scale: Scale) -> PathBuf {
    match scale {
        Scale::Full => PathBuf::from(CONVERGED_STORE),
        // The quick budgets are equal, so the quick sweeps share one store and their runs.
        Scale::Quick => default_run_store(scale),
    }
}

/// `reproduce --budget converged`: the convergence sweep of H1–H3 and H7, resumable, seed
/// 0 of every configuration first, then each extension the stored runs call for. Chapter "Results" reads whatever it has stored.
pub fn reproduce_converged(
    scale: Scale,
    runs: Option<PathBuf>,
    workers: Option<usize>,
    shard: Shard,
) -> Result<(), String> {
    let runs = runs.unwrap_or_else(|| shard_store(converged_run_store(scale), shard));
    let workers = workers.unwrap_or_else(threads);
    if workers == 0 {
        return Err("workers must be at least 1".into());
    }
    let store = RunStore::at(&runs);
    let stored = results::chapters::sweep_converged(&store, scale, workers, true, shard)?;
    let records = stored.all();
    let diverged = records
        .iter()
        .filter(|r| r.outcome.diverged.is_some())
        .count();
    eprintln!(
        "{} runs stored in {} ({diverged} diverged); regenerate chapter \"Results\" to read them",
        records.len(),
        runs.display()
    );
    Ok(())
}

/// `reconstruction-sweep`: chapter "Results"'s reconstruction sweep, resumable; prints
/// the rule's verdict once every arm has stopped.
pub fn reconstruction_sweep(
    runs: Option<PathBuf>,
    workers: Option<usize>,
    shard: Shard,
) -> Result<(), String> {
    use results::reconstruction_sweep as sweep;
    let store = RunStore::at(runs.unwrap_or_else(|| shard_store(sweep::STORE.into(), shard)));
    let workers = workers.unwrap_or_else(threads);
    if workers == 0 {
        return Err("workers must be at least 1".into());
    }
    sweep::run(&store, Scale::Full, workers, true, shard)?;
    if shard != Shard::WHOLE {
        eprintln!(
            "shard {}/{} done; merge the shards' stores to decide",
            shard.index, shard.count
        );
        return Ok(());
    }
    let results = sweep::results(Scale::Full, &store.load()?)
        .ok_or("the reconstruction sweep stopped before every arm settled")?;
    eprintln!("{}", sweep::decide(&results).verdict);
    Ok(())
}

/// `reproduce`: the sweep, resumable; a diverged run is a result, not an error.
pub fn reproduce(
    claims: &str,
    scale: Scale,
    runs: Option<PathBuf>,
    workers: Option<usize>,
    shard: Shard,
) -> Result<(), String> {
    let claims = Claim::parse_list(claims)?;
    if claims.contains(&Claim::H7) {
        return Err(
            "claim h7 runs only at the convergence budget: reproduce --budget converged".into(),
        );
    }
    let runs = runs.unwrap_or_else(|| shard_store(default_run_store(scale), shard));
    let store = RunStore::at(&runs);
    let workers = workers.unwrap_or_else(threads);
    if workers == 0 {
        return Err("workers must be at least 1".into());
    }
    let mut specs = results::runs(&claims, scale);
    specs.retain(|s| shard.takes(&s.config));
    let records = results::sweep(&specs, &store, workers, true)?;
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
    if shard != Shard::WHOLE {
        eprintln!("a shard holds part of the sweep: merge the shards' stores (merge --into …) before writing chapters");
        return Ok(());
    }
    // The book's files come only from the book's own runs, with their freshness records.
    if scale == Scale::Full && runs == default_run_store(scale) {
        for c in chapters().iter().filter(|c| c.reads_sweep()) {
            generate(c.name, scale, 0, Path::new("book/generated"), Mode::Write)?;
        }
        return Ok(());
    }
    let sweep = results::chapters::load(&store, scale)?;
    let mut files = results::chapters::adaptive_destruction_files(&sweep);
    let converged = converged_sweep(scale)?;
    files.extend(results::chapters::results_files(
        &sweep,
        &converged,
        &reconstruction_runs(scale)?,
    ));
    files.extend(scaling_up::experiment::scaling_up_files(&sweep));
    write_generated(&files, &runs.with_file_name("generated"))
}
