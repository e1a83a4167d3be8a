//! The book's pipeline: every generating chapter in reading order, generating or
//! checking their files (with a spot check of the stored training runs), the `reproduce`
//! sweep's files, and the provenance each file records. The command line only parses
//! arguments and calls these.

use crate::report::{flag_name, GeneratedFiles, Provenance, Scale};
use crate::results::{self, Claim};
use crate::run_store::RunStore;
use crate::sampling_without_data::experiment as sampling_without_data;
use crate::sampling_without_data::targets::builtin;
use crate::{
    about_the_diagrams, beyond_markov, collapse_and_refine, denoisers_and_scores,
    destroying_and_generating, easy_to_hard, exploration, learning_by_withholding,
    mashing_everything, scaling_up, shuffling_everything, VERSION,
};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A chapter that generates files: its folder name, its generator, and whether it reads
/// the stored runs of the `reproduce` sweep (then checking it also re-trains a few).
pub struct Chapter {
    pub name: &'static str,
    pub generate: fn(Scale, u64, &str) -> Result<GeneratedFiles, String>,
    pub reads_sweep: bool,
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
            reads_sweep: false,
        }
    };
}

/// Every generating chapter, in reading order.
pub fn chapters() -> Vec<Chapter> {
    vec![
        chapter!(learning_by_withholding),
        chapter!(exploration),
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
            reads_sweep: false,
        },
        // The next three read the stored runs of `reproduce` (seeds are fixed: 0–4).
        Chapter {
            name: results::chapters::ADAPTIVE_DESTRUCTION,
            generate: |scale, _, _| {
                Ok(results::chapters::adaptive_destruction_files(
                    &stored_sweep(scale)?,
                ))
            },
            reads_sweep: true,
        },
        Chapter {
            name: results::chapters::RESULTS,
            generate: |scale, _, _| {
                Ok(results::chapters::results_files(
                    &stored_sweep(scale)?,
                    &converged_sweep(scale)?,
                ))
            },
            reads_sweep: true,
        },
        Chapter {
            name: scaling_up::experiment::SCALING_UP,
            generate: |scale, _, _| {
                Ok(scaling_up::experiment::scaling_up_files(&stored_sweep(
                    scale,
                )?))
            },
            reads_sweep: true,
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
        Scale::Quick => results::chapters::sweep_converged(&store, scale, threads(), false),
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

/// `generate`: writes every generated file of `chapter` (or `all`), or with `check`
/// compares them with the files under `out` and fails on any difference.
pub fn generate(
    chapter: &str,
    scale: Scale,
    seed: u64,
    out: &Path,
    check: bool,
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
    let mut files = GeneratedFiles::default();
    for c in &selected {
        eprintln!("generating {} (scale {scale}, seed {seed}) …", c.name);
        let command = format!(
            "destroy_then_generate generate --chapter {} --scale {scale} --seed {seed}",
            c.name
        );
        files.extend((c.generate)(scale, seed, &command)?);
    }
    if check {
        if scale == Scale::Full && selected.iter().any(|c| c.reads_sweep) {
            spot_check_sweep()?;
        }
        let mut problems = files.differences_from(out);
        problems.extend(unexpected_in_generated(out, &all));
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
        write_generated(&files, out)?;
    }
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
        Scale::Full => PathBuf::from("data/runs/reproduce.jsonl"),
        Scale::Quick => PathBuf::from("target/reproduce-quick/runs.jsonl"),
    }
}

/// Where the convergence sweep ([`results::claims::converged_runs`]) stores its runs.
pub fn converged_run_store(scale: Scale) -> PathBuf {
    match scale {
        Scale::Full => PathBuf::from("data/runs/converged.jsonl"),
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
) -> Result<(), String> {
    let runs = runs.unwrap_or_else(|| converged_run_store(scale));
    let workers = workers.unwrap_or_else(threads);
    if workers == 0 {
        return Err("workers must be at least 1".into());
    }
    let stored = results::chapters::sweep_converged(&RunStore::at(&runs), scale, workers, true)?;
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

/// `reproduce`: the sweep, resumable; a diverged run is a result, not an error.
pub fn reproduce(
    claims: &str,
    scale: Scale,
    runs: Option<PathBuf>,
    workers: Option<usize>,
) -> Result<(), String> {
    let claims = Claim::parse_list(claims)?;
    if claims.contains(&Claim::H7) {
        return Err(
            "claim h7 runs only at the convergence budget: reproduce --budget converged".into(),
        );
    }
    let runs = runs.unwrap_or_else(|| default_run_store(scale));
    let store = RunStore::at(&runs);
    let workers = workers.unwrap_or_else(threads);
    if workers == 0 {
        return Err("workers must be at least 1".into());
    }
    let specs = results::runs(&claims, scale);
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
    let sweep = results::chapters::load(&store, scale)?;
    let mut files = results::chapters::adaptive_destruction_files(&sweep);
    let converged = converged_sweep(scale)?;
    files.extend(results::chapters::results_files(&sweep, &converged));
    files.extend(scaling_up::experiment::scaling_up_files(&sweep));
    // The book's files come only from the book's own runs.
    let out = if scale == Scale::Full && runs == default_run_store(scale) {
        PathBuf::from("book/generated")
    } else {
        runs.with_file_name("generated")
    };
    write_generated(&files, &out)
}
