//! The crate's layout rules, read off its source: `unsafe` lives only in the CPU
//! accelerator, the chapters' sampler code does not import the accelerator (it makes
//! itself the CPU's default evaluator), and nothing imports the command line (no import
//! circles with it).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Source lines of `src/`, without comments, as (file relative to `src/`, line).
fn code_lines() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut lines = Vec::new();
    for file in rust_files(&src) {
        let name = file.strip_prefix(&src).unwrap().display().to_string();
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            let code = line.split("//").next().unwrap().to_string();
            lines.push((name.clone(), code));
        }
    }
    lines
}

#[test]
fn unsafe_code_lives_only_in_the_cpu_accelerator() {
    let outside: Vec<_> = code_lines()
        .into_iter()
        .filter(|(file, line)| line.contains("unsafe") && !file.starts_with("fast_cpu/"))
        .filter(|(_, line)| !line.contains("deny(unsafe_code)"))
        .collect();
    assert!(outside.is_empty(), "unsafe outside fast_cpu: {outside:?}");
}

/// The accelerator makes itself the CPU's default (it implements `SamplerDevice` for
/// `Cpu`), so no chapter's code, the trainer included, needs to name it.
#[test]
fn only_the_binary_names_the_cpu_accelerator() {
    let allowed = ["lib.rs", "main.rs"];
    let importers: Vec<_> = code_lines()
        .into_iter()
        .filter(|(file, line)| {
            line.contains("fast_cpu")
                && !file.starts_with("fast_cpu/")
                && !allowed.contains(&file.as_str())
        })
        .collect();
    assert!(importers.is_empty(), "{importers:?}");
}

#[test]
fn nothing_imports_the_command_line() {
    let importers: Vec<_> = code_lines()
        .into_iter()
        .filter(|(file, line)| line.contains("crate::cli") && file != "main.rs")
        .collect();
    assert!(importers.is_empty(), "{importers:?}");
}

#[test]
fn shared_pieces_import_no_chapter() {
    // `diagram` still draws chapter "Destroying and generating"'s channels (open work).
    let shared = [
        "plot/",
        "report.rs",
        "run_store.rs",
        "progress.rs",
        "sampling.rs",
        "numbers/",
        "notebook.rs",
    ];
    let chapters = [
        "about_the_diagrams",
        "beyond_markov",
        "destroying_and_generating",
        "mashing_everything",
        "shuffling_everything",
        "diffusion_samplers",
        "denoisers_and_scores",
        "easy_to_hard",
        "collapse_and_refine",
        "learning_by_withholding",
        "exploration",
    ];
    let importers: Vec<_> = code_lines()
        .into_iter()
        .filter(|(file, line)| {
            shared.iter().any(|s| file.starts_with(s))
                && chapters
                    .iter()
                    .any(|c| line.contains(&format!("crate::{c}")))
        })
        .collect();
    assert!(importers.is_empty(), "{importers:?}");
}
