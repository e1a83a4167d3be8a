//! The command line: `generate` writes (or checks) every generated file of the book.

use crate::report::{GeneratedFiles, Provenance, Scale};
use crate::{destroying_and_generating, VERSION};
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
}

/// A chapter that generates files: its folder name and its generator.
pub struct Chapter {
    pub name: &'static str,
    pub generate: fn(Scale, u64, &str) -> GeneratedFiles,
}

/// Every generating chapter, in reading order.
pub fn chapters() -> Vec<Chapter> {
    vec![Chapter {
        name: destroying_and_generating::CHAPTER,
        generate: |scale, seed, command| {
            let started = Instant::now();
            let results = destroying_and_generating::run(scale, seed);
            let provenance = provenance(command, scale, seed, started);
            destroying_and_generating::chapter_files(&results, &provenance)
        },
    }]
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
                files.extend((c.generate)(scale, seed, &command));
            }
            if check {
                let problems = files.differences_from(&out);
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
    }
}
