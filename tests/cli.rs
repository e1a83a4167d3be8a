//! The command line: bad input gets one line and a non-zero exit; nothing is half-written.

use std::process::Command;

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_destroy_then_generate"))
        .args(args)
        .output()
        .unwrap()
}

fn assert_one_line_error(output: &std::process::Output, mentions: &str) {
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("generating ") && !l.starts_with("checking "))
        .collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(
        lines[0].starts_with("error:") && lines[0].contains(mentions),
        "{stderr}"
    );
}

#[test]
fn bad_arguments_give_one_line_and_fail() {
    assert_one_line_error(&cli(&["generate", "--scale", "huge"]), "huge");
    assert_one_line_error(&cli(&["generate", "--seed", "-1"]), "-1");
    assert_one_line_error(&cli(&["frobnicate"]), "frobnicate");
    assert_one_line_error(
        &cli(&["generate", "--chapter", "nope", "--scale", "quick"]),
        "unknown chapter 'nope'",
    );
    assert_one_line_error(
        &cli(&["reproduce", "--claims", "h1,h9"]),
        "unknown claim 'h9'",
    );
    assert_one_line_error(
        &cli(&["reproduce", "--scale", "quick", "--workers", "0"]),
        "workers must be at least 1",
    );
}

#[test]
fn an_unknown_or_unavailable_device_gives_one_line_and_fails() {
    assert_one_line_error(&cli(&["train", "--device", "tpu"]), "unknown device 'tpu'");
    if !cfg!(feature = "cuda") {
        assert_one_line_error(
            &cli(&["train", "--device", "cuda:0"]),
            "this build has no CUDA support: rebuild with --features cuda",
        );
    }
}

#[test]
fn generate_writes_then_checks_and_never_half_writes() {
    let dir = std::env::temp_dir().join(format!("dtg-cli-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.to_str().unwrap();
    // One chapter with a trained model, so that a different seed changes its files (every
    // chapter's quick run is its own test's business, and the book's check runs them all).
    let chapter = ["--chapter", "shuffling-everything", "--scale", "quick"];
    let generate =
        |extra: &[&str]| cli(&[&["generate", "--out", out], &chapter[..], extra].concat());
    assert!(generate(&[]).status.success());
    assert!(generate(&["--check"]).status.success());
    // A different seed changes the learning curve, so the check must fail.
    assert_one_line_error(&generate(&["--seed", "1", "--check"]), "stale");
    // An output path that cannot be a folder: one line, and no stray partial files.
    let blocker = dir.join("blocker");
    std::fs::write(&blocker, "a file, not a folder").unwrap();
    assert_one_line_error(
        &cli(&[
            &["generate", "--out", blocker.to_str().unwrap()],
            &chapter[..],
        ]
        .concat()),
        "cannot write",
    );
    assert_eq!(
        std::fs::read_to_string(&blocker).unwrap(),
        "a file, not a folder"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn freshness_does_not_depend_on_the_machine_but_finds_stale_folders() {
    let dir = std::env::temp_dir().join(format!("dtg-cli-threads-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.to_str().unwrap();
    let generate = |threads: &str, check: bool| {
        let mut args = vec![
            "generate",
            "--chapter",
            "beyond-markov",
            "--scale",
            "quick",
            "--out",
            out,
        ];
        if check {
            args.push("--check");
        }
        Command::new(env!("CARGO_BIN_EXE_destroy_then_generate"))
            .args(&args)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap()
    };
    assert!(generate("1", false).status.success());
    // Another machine (another thread count) finds the same files fresh.
    for threads in ["3", "8"] {
        let checked = generate(threads, true);
        assert!(
            checked.status.success(),
            "{}",
            String::from_utf8_lossy(&checked.stderr)
        );
    }
    // A folder no chapter writes (a renamed chapter) and a stray benchmark file are stale.
    std::fs::create_dir_all(dir.join("renamed-chapter")).unwrap();
    std::fs::write(dir.join("renamed-chapter/numbers.md"), "1\n").unwrap();
    assert_one_line_error(&generate("1", true), "renamed-chapter is stale");
    std::fs::remove_dir_all(dir.join("renamed-chapter")).unwrap();
    std::fs::create_dir_all(dir.join("benchmarks")).unwrap();
    std::fs::write(dir.join("benchmarks/old.md"), "1\n").unwrap();
    assert_one_line_error(&generate("1", true), "benchmarks/old.md is stale");
    std::fs::remove_dir_all(&dir).unwrap();
}
