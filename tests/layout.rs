//! The crate's layout rules, read off its source: `unsafe` lives only in the CPU
//! accelerator, the chapters' sampler code does not import the accelerator (it makes
//! itself the CPU's default evaluator), and nothing imports the command line (no import
//! circles with it); no chapter imports a later one, and the shared pieces import none.

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

// Every chapter's module, in the book's reading order: the list the freshness check's
// fingerprints rely on (a module not in it counts as a shared piece), kept honest here.
use destroy_then_generate::book_pipeline::fingerprint::CHAPTER_MODULES as CHAPTERS_IN_READING_ORDER;

/// The chapter modules a code line names by a `crate::` path.
fn chapters_named(line: &str) -> Vec<&'static str> {
    CHAPTERS_IN_READING_ORDER
        .into_iter()
        .filter(|c| line.contains(&format!("crate::{c}")))
        .collect()
}

#[test]
fn no_chapter_imports_a_later_chapter() {
    let mut offenders = Vec::new();
    for (file, line) in code_lines() {
        let Some(position) = CHAPTERS_IN_READING_ORDER
            .iter()
            .position(|c| file.starts_with(&format!("{c}/")))
        else {
            continue;
        };
        let later = &CHAPTERS_IN_READING_ORDER[position + 1..];
        if chapters_named(&line).iter().any(|c| later.contains(c)) {
            offenders.push((file, line));
        }
    }
    assert!(offenders.is_empty(), "{offenders:?}");
}

/// A new folder under `src/` is a chapter, and must take its place in the reading order,
/// unless it is one of the shared pieces.
#[test]
fn every_chapter_module_is_in_the_reading_order() {
    // Shared pieces, and the book's pipeline (which calls every chapter).
    let shared_folders = ["fast_cpu", "numbers", "plot", "book_pipeline"];
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut folders: Vec<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|name| !shared_folders.contains(&name.as_str()))
        .collect();
    folders.sort();
    let mut chapters = CHAPTERS_IN_READING_ORDER.map(String::from).to_vec();
    chapters.sort();
    assert_eq!(folders, chapters);
}

#[test]
fn shared_pieces_import_no_chapter() {
    let shared = [
        "plot/",
        "report.rs",
        "run_store.rs",
        "progress.rs",
        "sampling.rs",
        "numbers/",
        "notebook.rs",
    ];
    let importers: Vec<_> = code_lines()
        .into_iter()
        .filter(|(file, line)| {
            shared.iter().any(|s| file.starts_with(s)) && !chapters_named(line).is_empty()
        })
        .collect();
    assert!(importers.is_empty(), "{importers:?}");
}
