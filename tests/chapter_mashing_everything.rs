//! Chapter "Mashing everything" at quick scale: exact level tables (the tutorial's
//! counts), the subset claim, checked diagrams, and trained Guesses against baselines.

use destroy_then_generate::mashing_everything::corpus::{sentences, vocabulary};
use destroy_then_generate::mashing_everything::models::VOCAB;
use destroy_then_generate::mashing_everything::processes::{Levels, Process};
use destroy_then_generate::mashing_everything::{exact_fill_in, run, CHAPTER};
use destroy_then_generate::report::Scale;

#[test]
fn level_counts_and_information_match_the_enumeration() {
    let ar = Levels::new(Process::MashLastToken).information();
    let masked = Levels::new(Process::MashOneRandomUnmaskedToken).information();
    let counts =
        |l: &[destroy_then_generate::mashing_everything::processes::LevelInformation]| {
            l.iter().map(|x| x.messages).collect::<Vec<_>>()
        };
    assert_eq!(counts(&ar), vec![7, 4, 3, 2, 1]);
    assert_eq!(counts(&masked), vec![7, 22, 24, 10, 1]);
    let edges: Vec<usize> = masked[1..].iter().map(|l| l.edges_in).collect();
    assert_eq!(edges, vec![28, 66, 48, 10]);
    // Uniform sentences: H(A) = log2 7; a deterministic channel generates nothing.
    assert!((ar[0].entropy - 7f64.log2()).abs() < 1e-12);
    assert!(ar
        .iter()
        .all(|l| l.generated.abs() < 1e-12 && (l.entropy - l.information_about_a).abs() < 1e-12));
    // The masking position is uniform: H(B | A) = log2 4, H(C | A) = log2 6, H(D | A) = log2 4.
    for (k, n) in [(1, 4.0f64), (2, 6.0), (3, 4.0)] {
        assert!((masked[k].generated - n.log2()).abs() < 1e-12, "level {k}");
    }
    assert!(
        masked[1].entropy > masked[0].entropy,
        "masking generates information"
    );
    assert!(masked
        .windows(2)
        .all(|w| w[1].information_about_a <= w[0].information_about_a + 1e-12));
    assert_eq!(masked[4].entropy, 0.0);
}

#[test]
fn the_chapter_claims_hold_at_quick_scale() {
    let results = run(Scale::Quick, 0);
    assert_eq!(CHAPTER, "mashing-everything");
    assert_eq!(
        (results.singleton_entropy, results.singleton_information),
        (0.0, 0.0)
    );
    assert!(results.next_token_inside_masked);
    for d in &results.diagrams {
        assert!(d.all_hold, "{}: {:?}", d.diagram, d.claims);
    }
    assert_eq!(vocabulary().len(), VOCAB);
    // Stated margin: both Guesses beat the uniform baseline (4 ln(1/10) = −9.21 nats per
    // sentence) by at least 5 nats in held-out log-likelihood, and no model beats the
    // exact distribution (−ln 7) by more than sampling noise of the test draws.
    for g in &results.guesses {
        assert!(
            g.held_out_log_likelihood > results.uniform_log_likelihood + 5.0,
            "{g:?}"
        );
        assert!(
            g.held_out_log_likelihood < results.exact_log_likelihood + 0.2,
            "{g:?}"
        );
        assert!(g.outside_mass < 0.1, "{g:?}");
    }
    // The masked Guess answers fill-in questions the next-token Guess never trained on.
    let (ar, masked) = (&results.guesses[0], &results.guesses[1]);
    assert!(
        masked.fill_in_error < 0.2 && masked.fill_in_error < ar.fill_in_error,
        "{masked:?}"
    );
}

#[test]
fn exact_fill_in_is_the_corpus_conditional() {
    let s = sentences();
    let mut question = s[0];
    question[1] = None; // (The, _, is, black): cat or dog, one sentence each.
    let p = exact_fill_in(&question, 1);
    let vocab = vocabulary();
    let at = |w: &str| p[vocab.iter().position(|v| *v == w).unwrap()];
    assert_eq!((at("cat"), at("dog")), (0.5, 0.5));
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
}
