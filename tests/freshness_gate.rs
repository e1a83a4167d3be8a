//! The incremental freshness check is safe: a change to a module makes exactly the
//! chapters that import it (directly, through others, or through a shared module's trait
//! impls) look changed, and a chapter that is not regenerated still has every file
//! compared with the hash recorded when it was written.

use destroy_then_generate::book_pipeline::chapters;
use destroy_then_generate::book_pipeline::fingerprint::{SourceTree, CHAPTER_MODULES, CONSUMERS};
use destroy_then_generate::report::Scale;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A copy of the crate's sources and shared inputs in a fresh folder.
fn source_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dtg-gate-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    copy_tree(Path::new("src"), &dir.join("src"));
    for file in ["Cargo.toml", "Cargo.lock", "rust-toolchain.toml"] {
        fs::copy(file, dir.join(file)).unwrap();
    }
    dir
}

fn fingerprints(root: &Path) -> Vec<(String, String)> {
    let tree = SourceTree::at(root).unwrap();
    chapters()
        .iter()
        .map(|c| {
            let (inputs, _) = c.inputs(&tree, Scale::Full, 0).unwrap();
            (c.name.to_string(), inputs.hash)
        })
        .collect()
}

/// The chapters whose fingerprint changes when `file` (under `src/`) gets one more line.
fn chapters_changed_by_editing(file: &str) -> BTreeSet<String> {
    let root = source_copy(&file.replace('/', "-"));
    let before = fingerprints(&root);
    let path = root.join("src").join(file);
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str("\n// One more line.\n");
    fs::write(&path, text).unwrap();
    let after = fingerprints(&root);
    fs::remove_dir_all(&root).unwrap();
    before
        .into_iter()
        .zip(after)
        .filter(|(b, a)| b.1 != a.1)
        .map(|(b, _)| b.0)
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

#[test]
fn editing_a_module_changes_exactly_the_chapters_that_import_it() {
    // GRPO is Exploration's alone.
    assert_eq!(
        chapters_changed_by_editing("exploration/grpo.rs"),
        set(&["exploration"])
    );
    // Chapter 1's language is imported by chapter 2.
    assert_eq!(
        chapters_changed_by_editing("learning_by_withholding/language.rs"),
        set(&["learning-by-withholding", "exploration"])
    );
    // The fused CPU network implements chapter 8's traits: every chapter that trains a
    // sampler depends on it, though none imports it.
    assert_eq!(
        chapters_changed_by_editing("fast_cpu/fused_network.rs"),
        set(&[
            "sampling-without-data",
            "adaptive-destruction",
            "results",
            "scaling-up"
        ])
    );
    // The command line changes no chapter's files.
    assert_eq!(chapters_changed_by_editing("cli.rs"), set(&[]));
}

#[test]
fn every_module_is_a_chapter_a_consumer_or_a_shared_piece_the_gate_counts() {
    let tree = SourceTree::current().unwrap();
    for module in CHAPTER_MODULES.iter().chain(&CONSUMERS) {
        assert!(tree.has_module(module), "no module {module} in src/");
    }
    // Every chapter module is an input of some generating chapter.
    let covered: BTreeSet<String> = chapters()
        .iter()
        .flat_map(|c| tree.closure(c.modules).unwrap())
        .collect();
    for module in CHAPTER_MODULES {
        assert!(covered.contains(module), "{module} is no chapter's input");
    }
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dtg-gate-out-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn generate(out: &Path, check: bool) -> Output {
    let mut args = vec![
        "generate",
        "--chapter",
        "beyond-markov",
        "--scale",
        "quick",
        "--out",
        out.to_str().unwrap(),
    ];
    if check {
        args.push("--check");
    }
    Command::new(env!("CARGO_BIN_EXE_destroy_then_generate"))
        .args(&args)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Rewrites one field of the chapter's freshness record.
fn edit_record(out: &Path, field: &str, value: serde_json::Value) {
    let path = out.join("beyond-markov/fingerprint.json");
    let mut record: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    record[field] = value;
    fs::write(&path, serde_json::to_string_pretty(&record).unwrap()).unwrap();
}

#[test]
fn a_slow_chapter_with_unchanged_inputs_is_checked_by_its_files_hashes() {
    let out = out_dir("hashes");
    assert!(generate(&out, false).status.success());
    // As if the chapter took an hour: the check trusts its unchanged inputs…
    edit_record(&out, "wall_time_s", 3600.0.into());
    let checked = generate(&out, true);
    assert!(checked.status.success(), "{}", stderr(&checked));
    assert!(
        stderr(&checked).contains("checking beyond-markov by its files' hashes: inputs unchanged")
    );
    assert!(
        !stderr(&checked).contains("generating beyond-markov"),
        "{}",
        stderr(&checked)
    );
    // …but not a number edited by hand, which it names.
    let numbers = out.join("beyond-markov/numbers.md");
    let text = fs::read_to_string(&numbers).unwrap();
    let digit = text.find(|c: char| c.is_ascii_digit()).unwrap();
    let mut edited = text.clone();
    let bumped = if &text[digit..=digit] == "9" {
        "8"
    } else {
        "9"
    };
    edited.replace_range(digit..=digit, bumped);
    fs::write(&numbers, edited).unwrap();
    let checked = generate(&out, true);
    assert!(!checked.status.success());
    assert!(
        stderr(&checked).contains("beyond-markov/numbers.md was changed since it was generated"),
        "{}",
        stderr(&checked)
    );
    fs::write(&numbers, text).unwrap();
    // A file the record does not list is stale.
    fs::write(out.join("beyond-markov/extra.md"), "1\n").unwrap();
    assert!(stderr(&generate(&out, true)).contains("beyond-markov/extra.md is stale"));
    fs::remove_file(out.join("beyond-markov/extra.md")).unwrap();
    // Changed inputs: the chapter is regenerated, and its record is then out of date.
    edit_record(&out, "inputs", "0000000000000000".into());
    let checked = generate(&out, true);
    assert!(!checked.status.success());
    assert!(stderr(&checked).contains("generating beyond-markov: its inputs changed"));
    assert!(stderr(&checked).contains("beyond-markov/fingerprint.json is out of date"));
    fs::remove_dir_all(&out).unwrap();
}
