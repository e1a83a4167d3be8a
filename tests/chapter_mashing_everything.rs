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

mod exercises {
    use destroy_then_generate::mashing_everything::corpus::{sentences, vocabulary, Message};
    use destroy_then_generate::mashing_everything::exact_fill_in;
    use destroy_then_generate::mashing_everything::exercises::*;
    use destroy_then_generate::mashing_everything::processes::{Levels, Process};
    use destroy_then_generate::numbers::{ExactBits, Rational};

    #[test]
    fn exercise_1_level_counts_are_binomial_for_one_sentence_and_match_the_corpus() {
        let s = sentences();
        use Process::*;
        // One sentence: C(4, k) masked messages at level k; one prefix per level.
        assert_eq!(
            level_counts(&s[..1], MashOneRandomUnmaskedToken),
            vec![1, 4, 6, 4, 1]
        );
        assert_eq!(level_counts(&s[..1], MashLastToken), vec![1, 1, 1, 1, 1]);
        // Two sentences differing only in the last word share every message that masks
        // it: 4 + 4 − 1 = 7 at level 1, 6 + 6 − 3 = 9 at level 2, 4 + 4 − 3 = 5 at level 3.
        assert_eq!(
            level_counts(&s[..2], MashOneRandomUnmaskedToken),
            vec![2, 7, 9, 5, 1]
        );
        // The whole corpus: the chapter's enumeration.
        for (process, expected) in [
            (MashLastToken, vec![7, 4, 3, 2, 1]),
            (MashOneRandomUnmaskedToken, vec![7, 22, 24, 10, 1]),
        ] {
            assert_eq!(level_counts(&s, process), expected);
            let levels = Levels::new(process);
            let from_levels: Vec<usize> = levels.messages.iter().map(Vec::len).collect();
            assert_eq!(from_levels, expected);
        }
    }

    #[test]
    fn exercise_2_the_masking_order_carries_log2_of_4_factorial_bits() {
        let steps = generated_per_step(Process::MashOneRandomUnmaskedToken);
        let log2 = |n: i128| ExactBits::log2(Rational::integer(n));
        assert_eq!(steps, vec![log2(4), log2(3), log2(2), ExactBits::zero()]);
        let total = steps.into_iter().fold(ExactBits::zero(), |a, b| a + b);
        assert_eq!(total, log2(24));
        assert_eq!(total, ExactBits::rational(Rational::integer(3)) + log2(3));
        // MashLastToken is a function at every step: it generates nothing.
        assert!(generated_per_step(Process::MashLastToken)
            .iter()
            .all(ExactBits::is_zero));
    }

    #[test]
    fn exercise_3_exact_conditionals_give_the_same_probability_in_every_order() {
        let mut orders = Vec::new();
        for a in 0..4 {
            for b in 0..4 {
                for c in 0..4 {
                    if a != b && a != c && b != c {
                        orders.push(vec![a, b, c, 6 - a - b - c]);
                    }
                }
            }
        }
        assert_eq!(orders.len(), 24);
        for s in sentences() {
            for order in &orders {
                assert_eq!(
                    probability_in_order(&s, order),
                    Rational::new(1, 7),
                    "{order:?}"
                );
            }
            // Left to right, the factors are the chapter's exact fill-in answers.
            let mut shown: Message = [None; 4];
            let mut product = 1.0;
            for i in 0..4 {
                product *= exact_fill_in(&shown, i)[s[i].unwrap()];
                shown[i] = s[i];
            }
            assert!((product - 1.0 / 7.0).abs() < 1e-12);
        }
        // "Your dog is black" is not in the corpus: probability 0 in every order.
        let vocab = vocabulary();
        let word = |w: &str| Some(vocab.iter().position(|v| *v == w).unwrap());
        let outside: Message = [word("Your"), word("dog"), word("is"), word("black")];
        assert!(orders
            .iter()
            .all(|o| probability_in_order(&outside, o) == Rational::ZERO));
    }
}
