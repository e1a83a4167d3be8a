//! The chapter's experiment: exact level tables of both processes, the subset claim,
//! the checked diagrams, and the two trained Guesses against the exact distribution.

use super::corpus::{label, sentences, Message, LENGTH};
use super::diagrams::chapter_diagrams;
use super::models::{train, Guess, Task, VOCAB};
use super::processes::{next_token_inside_masked, LevelInformation, Levels, Process};
use crate::destroying_and_generating::diagram::DiagramCheck;
use crate::destroying_and_generating::named_channels::{example_prior, mash, mash_prime};
use crate::destroying_and_generating::Joint;
use crate::numbers::Rational;
use crate::report::{anchored_numbers, GeneratedFiles, Provenance, Scale};
use crate::sampling::seeded_rng;
use ndarray_rand::rand::Rng;
use serde::Serialize;
use std::fmt::Write;

/// The chapter's folder under `book/generated/`.
pub const CHAPTER: &str = "mashing-everything";

/// Sentences drawn (uniformly from the corpus) for training, and, separately, for the
/// held-out evaluation.
pub const TRAIN_DRAWS: usize = 70;
pub const TEST_DRAWS: usize = 700;

/// Fill-in questions for the masked Guess: message and position.
pub fn questions() -> Vec<(Message, usize)> {
    let s = sentences();
    let mask = |m: Message, hide: &[usize]| {
        let mut m = m;
        hide.iter().for_each(|&i| m[i] = None);
        m
    };
    vec![
        (mask(s[0], &[0]), 0),
        (mask(s[0], &[1]), 1),
        (mask(s[3], &[0, 2]), 2),
        (mask(s[4], &[3]), 3),
    ]
}

// ANCHOR: exact_fill_in
/// The exact `P(word at position | visible words)` for uniformly drawn corpus sentences.
pub fn exact_fill_in(message: &Message, position: usize) -> Vec<f64> {
    let consistent: Vec<Message> = sentences()
        .into_iter()
        .filter(|s| (0..LENGTH).all(|i| message[i].is_none() || message[i] == s[i]))
        .collect();
    let mut p = vec![0.0; VOCAB];
    for s in &consistent {
        p[s[position].expect("a sentence")] += 1.0 / consistent.len() as f64;
    }
    p
}
// ANCHOR_END: exact_fill_in

/// One trained Guess, used left to right.
#[derive(Clone, Debug, Serialize)]
pub struct GuessReport {
    pub task: Task,
    /// Mean held-out log-likelihood per sentence (nats).
    pub held_out_log_likelihood: f64,
    /// `q(s)` for each corpus sentence, in corpus order.
    pub sentence_probabilities: Vec<f64>,
    /// `1 − Σ q(s)`: mass on sentences outside the corpus.
    pub outside_mass: f64,
    /// `KL(exact ‖ q)` in nats.
    pub kl_from_exact: f64,
    /// Frequency of each corpus sentence among the samples, then of anything else.
    pub sample_frequencies: Vec<f64>,
    /// The Guess's answer to each fill-in question (a distribution over the vocabulary),
    /// in the order of `questions()`.
    pub fill_in: Vec<Vec<f64>>,
    /// Largest absolute error on the fill-in questions, against the exact answers.
    pub fill_in_error: f64,
}

/// Everything the chapter reports.
#[derive(Clone, Debug, Serialize)]
pub struct ChapterResults {
    pub mash_last_token: Vec<LevelInformation>,
    pub mash_one_random: Vec<LevelInformation>,
    pub next_token_inside_masked: bool,
    pub singleton_entropy: f64,
    pub singleton_information: f64,
    pub diagrams: Vec<DiagramCheck>,
    pub iterations: usize,
    pub uniform_log_likelihood: f64,
    pub exact_log_likelihood: f64,
    pub guesses: Vec<GuessReport>,
    pub samples: usize,
    /// Frequency of each corpus sentence in the training draws.
    pub train_frequencies: Vec<f64>,
}

fn report(guess: &Guess, test: &[Message], samples: usize, seed: u64) -> GuessReport {
    let corpus = sentences();
    let held_out = test
        .iter()
        .map(|s| guess.log_prob_left_to_right(s))
        .sum::<f64>()
        / test.len() as f64;
    let q: Vec<f64> = corpus
        .iter()
        .map(|s| guess.log_prob_left_to_right(s).exp())
        .collect();
    let exact = 1.0 / corpus.len() as f64;
    let mut rng = seeded_rng(seed);
    let mut counts = vec![0usize; corpus.len() + 1];
    for _ in 0..samples {
        let s = guess.sample_left_to_right(&mut rng);
        counts[corpus.iter().position(|c| *c == s).unwrap_or(corpus.len())] += 1;
    }
    let fill_in: Vec<Vec<f64>> = questions()
        .iter()
        .map(|(m, k)| guess.probabilities(m, *k))
        .collect();
    let fill_in_error = questions()
        .iter()
        .zip(&fill_in)
        .flat_map(|((m, k), model)| {
            model
                .iter()
                .zip(exact_fill_in(m, *k))
                .map(|(a, b)| (a - b).abs())
                .collect::<Vec<_>>()
        })
        .fold(0.0, f64::max);
    GuessReport {
        task: guess.task,
        held_out_log_likelihood: held_out,
        outside_mass: 1.0 - q.iter().sum::<f64>(),
        kl_from_exact: q.iter().map(|qs| exact * (exact / qs).ln()).sum(),
        sentence_probabilities: q,
        sample_frequencies: counts.iter().map(|&c| c as f64 / samples as f64).collect(),
        fill_in,
        fill_in_error,
    }
}

/// Runs the chapter; `scale` sets the training length.
pub fn run(scale: Scale, seed: u64) -> ChapterResults {
    let (iterations, samples) = match scale {
        Scale::Quick => (800, 1_000),
        Scale::Full => (4_000, 5_000),
    };
    let prior = example_prior();
    let ar = Levels::new(Process::MashLastToken);
    let masked = Levels::new(Process::MashOneRandomUnmaskedToken);
    let to_singleton = mash::<Rational>().then(&mash_prime()).expect("composes");
    let singleton = Joint::new(&prior, &to_singleton).expect("Alice");
    let corpus = sentences();
    let mut rng = seeded_rng(seed);
    let mut draw = |n: usize| -> Vec<Message> {
        (0..n)
            .map(|_| corpus[rng.random_range(0..corpus.len())])
            .collect()
    };
    let train_set = draw(TRAIN_DRAWS);
    let test_set = draw(TEST_DRAWS);
    let guesses = [Task::GuessNextToken, Task::GuessOneRandomMaskToken]
        .iter()
        .enumerate()
        .map(|(k, &task)| {
            let guess = train(
                task,
                &train_set,
                iterations,
                64,
                seed.wrapping_add(k as u64 + 1),
            );
            report(&guess, &test_set, samples, seed.wrapping_add(10 + k as u64))
        })
        .collect();
    ChapterResults {
        mash_last_token: ar.information(),
        mash_one_random: masked.information(),
        next_token_inside_masked: next_token_inside_masked(&ar, &masked),
        singleton_entropy: singleton.marginal_b().entropy().to_f64(),
        singleton_information: singleton.mutual_information().to_f64(),
        diagrams: chapter_diagrams(&prior)
            .iter()
            .map(|(name, d)| {
                DiagramCheck::new(
                    name,
                    d.check().expect("the chapter's diagrams are well formed"),
                )
            })
            .collect(),
        iterations,
        uniform_log_likelihood: LENGTH as f64 * (1.0 / VOCAB as f64).ln(),
        exact_log_likelihood: (1.0 / corpus.len() as f64).ln(),
        guesses,
        samples,
        train_frequencies: corpus
            .iter()
            .map(|c| train_set.iter().filter(|s| *s == c).count() as f64 / TRAIN_DRAWS as f64)
            .collect(),
    }
}

fn levels_table(results: &ChapterResults) -> String {
    let mut t = String::from("| level | process | messages | arrows in | $\\mathrm{H}$ | $\\mathrm{I}(A;\\cdot)$ | $\\mathrm{H}(\\cdot \\mid A)$ |\n|---|---|---|---|---|---|---|\n");
    let names = ["A", "B", "C", "D", "E"];
    for (k, name) in names.iter().enumerate() {
        for (process, levels) in [
            ("MashLastToken", &results.mash_last_token),
            ("MashOneRandomUnmaskedToken", &results.mash_one_random),
        ] {
            let l = &levels[k];
            writeln!(
                t,
                "| {name} | {process} | {} | {} | {:.3} | {:.3} | {:.3} |",
                l.messages, l.edges_in, l.entropy, l.information_about_a, l.generated
            )
            .unwrap();
        }
    }
    t
}

fn models_table(results: &ChapterResults) -> String {
    let corpus = sentences();
    let mut t = String::from("| sentence | exact | training draws | GuessNextToken $q(s)$ | sampled | GuessOneRandomMaskToken, left to right $q(s)$ | sampled |\n|---|---|---|---|---|---|---|\n");
    let (ar, masked) = (&results.guesses[0], &results.guesses[1]);
    for (i, s) in corpus.iter().enumerate() {
        writeln!(
            t,
            "| {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            label(s, false),
            1.0 / corpus.len() as f64,
            results.train_frequencies[i],
            ar.sentence_probabilities[i],
            ar.sample_frequencies[i],
            masked.sentence_probabilities[i],
            masked.sample_frequencies[i]
        )
        .unwrap();
    }
    let n = corpus.len();
    writeln!(
        t,
        "| anything else | 0 | 0 | {:.3} | {:.3} | {:.3} | {:.3} |",
        ar.outside_mass,
        ar.sample_frequencies[n],
        masked.outside_mass,
        masked.sample_frequencies[n]
    )
    .unwrap();
    t
}

fn numbers(results: &ChapterResults) -> String {
    let find = |name: &str| {
        crate::destroying_and_generating::diagram::DiagramCheck::named(&results.diagrams, name)
    };
    let counts = |levels: &[LevelInformation]| {
        levels
            .iter()
            .map(|l| l.messages.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let edges = |levels: &[LevelInformation]| {
        levels[1..]
            .iter()
            .map(|l| l.edges_in.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (ar, masked) = (&results.guesses[0], &results.guesses[1]);
    let entries = [
        (
            "singleton_entropy",
            format!("{}", results.singleton_entropy),
        ),
        (
            "singleton_information",
            format!("{}", results.singleton_information),
        ),
        ("singleton_holds", find("mash-to-singleton").tally()),
        ("conquer_holds", find("conquer").tally()),
        ("from_nothing_holds", find("from-nothing").tally()),
        ("ar_levels_holds", find("mash-last-token").tally()),
        (
            "masked_levels_holds",
            find("mash-one-random-unmasked-token").tally(),
        ),
        ("ar_counts", counts(&results.mash_last_token)),
        ("masked_counts", counts(&results.mash_one_random)),
        ("masked_edges", edges(&results.mash_one_random)),
        (
            "masked_h_b",
            format!("{:.3}", results.mash_one_random[1].entropy),
        ),
        ("h_a", format!("{:.3}", results.mash_one_random[0].entropy)),
        (
            "subset",
            (if results.next_token_inside_masked {
                "Yes"
            } else {
                "No"
            })
            .to_string(),
        ),
        ("train_draws", TRAIN_DRAWS.to_string()),
        ("test_draws", TEST_DRAWS.to_string()),
        ("iterations", results.iterations.to_string()),
        ("samples", results.samples.to_string()),
        (
            "uniform_ll",
            format!("{:.3}", results.uniform_log_likelihood),
        ),
        ("exact_ll", format!("{:.3}", results.exact_log_likelihood)),
        ("ar_ll", format!("{:.3}", ar.held_out_log_likelihood)),
        (
            "masked_ll",
            format!("{:.3}", masked.held_out_log_likelihood),
        ),
        ("ar_kl", format!("{:.3}", ar.kl_from_exact)),
        ("masked_kl", format!("{:.3}", masked.kl_from_exact)),
        ("ar_fill_in", format!("{:.3}", ar.fill_in_error)),
        ("masked_fill_in", format!("{:.3}", masked.fill_in_error)),
    ];
    anchored_numbers(&entries)
}

/// Each fill-in question with the exact answer and both Guesses' answers: the probability
/// each gives the exact answer's words, then the mass it puts anywhere else.
fn questions_table(results: &ChapterResults) -> String {
    let mut t = String::from("| message | position | exact answer | GuessNextToken | GuessOneRandomMaskToken |\n|---|---|---|---|---|\n");
    let vocab = super::corpus::vocabulary();
    let (ar, masked) = (&results.guesses[0], &results.guesses[1]);
    for (i, (m, k)) in questions().into_iter().enumerate() {
        let exact = exact_fill_in(&m, k);
        let words: Vec<usize> = (0..exact.len()).filter(|&w| exact[w] > 0.0).collect();
        let answer = |p: &[f64], other: bool| {
            let mut parts: Vec<String> = words
                .iter()
                .map(|&w| format!("{} {:.2}", vocab[w], p[w]))
                .collect();
            if other {
                let rest = 1.0 - words.iter().map(|&w| p[w]).sum::<f64>();
                parts.push(format!("other {:.2}", rest.max(0.0)));
            }
            parts.join(", ")
        };
        writeln!(
            t,
            "| {} | {k} | {} | {} | {} |",
            label(&m, false),
            answer(&exact, false),
            answer(&ar.fill_in[i], true),
            answer(&masked.fill_in[i], true)
        )
        .unwrap();
    }
    t
}

/// The chapter's generated files: report, tables, numbers, diagrams, provenance.
pub fn chapter_files(results: &ChapterResults, provenance: &Provenance) -> GeneratedFiles {
    let mut files = GeneratedFiles::with_report(CHAPTER, provenance, results);
    let path = |name: &str| format!("{CHAPTER}/{name}");
    files.add(path("numbers.md"), numbers(results));
    files.add(path("levels.md"), levels_table(results));
    files.add(path("models.md"), models_table(results));
    files.add(path("questions.md"), questions_table(results));
    files.add(path("provenance.md"), provenance.to_markdown());
    crate::destroying_and_generating::diagram::add_checked_diagrams(
        &mut files,
        CHAPTER,
        &results.diagrams,
        chapter_diagrams(&example_prior()),
    );
    files
}
