//! The chapter's experiment: exact Shuffle powers, Gaussian shuffles checked on
//! samples, and the DDPM.

use super::ddpm::{train, DdpmConfig, Snapshot, STEPS};
use super::diagrams::{chapter_diagrams, VE_DELTA, VE_STEPS};
use super::figures::draw_panels;
use super::gaussian_shuffle::{gaussian_shuffle, ve_additivity, vp_shuffle};
use super::shuffle_one_random_token::{repair_score, tiny_language, RepairScore, TinyLanguage};
use super::shuffle_power::{
    largest_deviation, shuffle_chain, shuffle_power, smallest_n_within, within, ChainStep,
};
use super::toy_data::{exact_moments, sample_blobs, Moments};
use crate::destroying_and_generating::diagram::{Diagram, DiagramCheck};
use crate::destroying_and_generating::named_channels::example_prior;
use crate::mashing_everything::corpus::sentences;
use crate::mashing_everything::models::{train as train_guess, Task};
use crate::numbers::Rational;
use crate::plot;
use crate::report::{anchored_numbers, GeneratedFiles, Provenance, Scale};
use crate::sampling::seeded_rng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;
use serde::Serialize;
use std::fmt::Write;

/// The chapter's folder under `book/generated/`.
pub const CHAPTER: &str = "shuffling-everything";

/// The small shuffle `δ` of the separation example: measured in units of the accumulated
/// noise scale, two images move closer as the shuffles add up (like `1/sqrt(n)`).
const SEPARATION_DELTA: f64 = 0.01;

/// The tutorial's bound on `P(Z = z)` after 25 Shuffles.
pub fn bounds() -> (Rational, Rational) {
    (
        Rational::new(33_333_331, 100_000_000),
        Rational::new(33_333_335, 100_000_000),
    )
}

/// The closed form of the largest deviation of `Mⁿ` from 1/3 is checked for `n = 1..=` this.
pub const DEVIATION_CHECKED_UP_TO: u32 = 30;

/// The tiny language of ShuffleOneRandomToken: its words...
pub const TINY_VOCAB: usize = 3;
/// ...its positions...
pub const TINY_LENGTH: usize = 2;
/// ...and how many of its total-variation distances to uniform the chapter quotes.
pub const TINY_DISTANCES_SHOWN: usize = 4;

/// Steps of the generation the figure shows.
pub const SHOWN_STEPS: [usize; 5] = [STEPS, 60, 30, 10, 0];

/// Everything the chapter reports.
#[derive(Clone, Debug, Serialize)]
pub struct ChapterResults {
    pub power_25_entries: Vec<String>,
    pub bound_holds_at_25: bool,
    pub smallest_n: Option<u32>,
    pub largest_entry_at_24: String,
    pub deviation_formula_holds: bool,
    pub random_priors: usize,
    pub random_prior_violations: usize,
    pub chain: Vec<ChainStep>,
    pub entropy_never_decreases: bool,
    pub diagrams: Vec<DiagramCheck>,
    pub wrong_additivity: DiagramCheck,
    pub separation: Vec<(usize, f64)>,
    /// Draws per image behind each separation.
    pub separation_draws: usize,
    pub vp_variance: Vec<(usize, f64)>,
    pub ddpm: DdpmConfig,
    pub ddpm_losses: Vec<f64>,
    pub ddpm_samples: usize,
    pub data_moments: Moments,
    pub exact_moments: Moments,
    pub ddpm_moments: Moments,
    pub ddpm_moment_distance: f64,
    pub data_moment_distance: f64,
    pub tiny_language: TinyLanguage,
    pub repair_iterations: usize,
    pub repair: RepairScore,
    #[serde(skip)]
    pub snapshots: Vec<Snapshot>,
    #[serde(skip)]
    pub data: Vec<[f64; 2]>,
}

fn check(name: &str, d: &Diagram, draws: usize, seed: u64) -> DiagramCheck {
    let claims = if d.is_sampled() {
        d.check_sampled(draws, seed)
    } else {
        d.check()
    };
    DiagramCheck::new(
        name,
        claims.expect("the chapter's diagrams are well formed"),
    )
}

/// Runs the chapter; `scale` sets the sample sizes and the DDPM's training.
pub fn run(scale: Scale, seed: u64) -> ChapterResults {
    let (draws, ddpm, samples) = match scale {
        Scale::Quick => (
            2_000,
            DdpmConfig {
                iterations: 3_000,
                batch: 128,
                learning_rate: 2e-3,
            },
            2_000,
        ),
        Scale::Full => (
            4_000,
            DdpmConfig {
                iterations: 12_000,
                batch: 256,
                learning_rate: 1e-3,
            },
            4_000,
        ),
    };
    let (low, high) = bounds();
    let mut power_25_entries: Vec<String> = shuffle_power(25)
        .kernel
        .iter()
        .flatten()
        .map(Rational::to_string)
        .collect();
    power_25_entries.sort();
    power_25_entries.dedup();
    let largest_24 = shuffle_power(24)
        .kernel
        .iter()
        .flatten()
        .copied()
        .fold(Rational::ZERO, |a, b| if b > a { b } else { a });
    let deviation_formula_holds = (1..=DEVIATION_CHECKED_UP_TO)
        .all(|n| largest_deviation(n) == Rational::new(2, 3 * (1i128 << n)));
    // Random priors in f64, as a second opinion on the convexity argument.
    let mut rng = seeded_rng(seed);
    let m25 = shuffle_power(25).to_f64();
    let random_priors = 10_000;
    let random_prior_violations = (0..random_priors)
        .filter(|_| {
            let w: Vec<f64> = (0..3).map(|_| -rng.random::<f64>().ln()).collect();
            let total: f64 = w.iter().sum();
            (0..3).any(|z| {
                let p: f64 = (0..3).map(|a| w[a] / total * m25.kernel[a][z]).sum();
                !(p > 0.33333331 && p < 0.33333335)
            })
        })
        .count();
    let chain = shuffle_chain(&example_prior(), 25);
    let entropy_never_decreases = chain
        .windows(2)
        .all(|w| w[1].entropy_bits >= w[0].entropy_bits - 1e-12);
    let diagrams = chapter_diagrams()
        .iter()
        .map(|(name, d)| check(name, d, draws, seed))
        .collect();
    // The shortcut forgets that variances add: one step of δ instead of n δ.
    let wrong = ve_additivity(VE_STEPS, VE_DELTA, VE_DELTA);
    let separation = [1, 10, 100, 1000]
        .iter()
        .map(|&n| {
            (
                n,
                super::gaussian_shuffle::separation_after(
                    n,
                    |x, r| gaussian_shuffle(x, SEPARATION_DELTA, r),
                    draws / 4,
                    &mut rng,
                ),
            )
        })
        .collect();
    let vp_variance = [1, 10, 100]
        .iter()
        .map(|&n| {
            let values: Vec<f64> = (0..draws)
                .map(|_| {
                    let mut x = vec![rng.sample::<f64, _>(StandardNormal)];
                    for _ in 0..n {
                        x = vp_shuffle(&x, 0.05, &mut rng);
                    }
                    x[0]
                })
                .collect();
            (n, values.iter().map(|v| v * v).sum::<f64>() / draws as f64)
        })
        .collect();
    let repair_iterations = match scale {
        Scale::Quick => 800,
        Scale::Full => 4_000,
    };
    let corpus: Vec<_> = sentences().into_iter().cycle().take(70).collect();
    let repairer = train_guess(
        Task::RepairShuffledToken,
        &corpus,
        repair_iterations,
        64,
        seed.wrapping_add(3),
    );
    let model = train(ddpm, seed);
    let snapshots = model.sample(samples, &SHOWN_STEPS, seed.wrapping_add(1));
    let generated = &snapshots.last().expect("step 0 is kept").points;
    let mut data_rng = seeded_rng(seed.wrapping_add(2));
    let data: Vec<[f64; 2]> = (0..samples).map(|_| sample_blobs(&mut data_rng)).collect();
    let exact = exact_moments();
    let ddpm_moments = Moments::of(generated);
    let data_moments = Moments::of(&data);
    ChapterResults {
        power_25_entries,
        bound_holds_at_25: within(25, low, high),
        smallest_n: smallest_n_within(low, high, 40),
        largest_entry_at_24: format!("{largest_24} ≈ {:.10}", largest_24.to_f64()),
        deviation_formula_holds,
        random_priors,
        random_prior_violations,
        chain,
        entropy_never_decreases,
        diagrams,
        wrong_additivity: check("wrong-additivity", &wrong, draws, seed),
        separation,
        separation_draws: draws / 4,
        vp_variance,
        ddpm,
        ddpm_losses: model.losses.clone(),
        ddpm_samples: samples,
        data_moment_distance: data_moments.distance(&exact),
        ddpm_moment_distance: ddpm_moments.distance(&exact),
        data_moments,
        exact_moments: exact,
        ddpm_moments,
        tiny_language: tiny_language(TINY_VOCAB, TINY_LENGTH, 8),
        repair_iterations,
        repair: repair_score(&repairer),
        snapshots,
        data,
    }
}

fn chain_table(results: &ChapterResults) -> String {
    let mut t =
        String::from("| person | $\\mathrm{P}(\\cdot)$ | entropy (bits) |\n|---|---|---|\n");
    let names = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for step in results
        .chain
        .iter()
        .filter(|s| s.step <= 3 || s.step % 5 == 0 || s.step == 25)
    {
        let name = names.chars().nth(step.step as usize).unwrap_or('?');
        let shown = if step.step <= 3 {
            format!("({})", step.distribution.join(", "))
        } else {
            "…".into()
        };
        writeln!(t, "| {name} | {shown} | {:.8} |", step.entropy_bits).unwrap();
    }
    t
}

fn moments_table(results: &ChapterResults) -> String {
    let mut t = String::from(
        "| | mean $x$ | mean $y$ | var $x$ | cov $xy$ | var $y$ |\n|---|---|---|---|---|---|\n",
    );
    for (name, m) in [
        ("exact (closed form)", &results.exact_moments),
        ("data sample", &results.data_moments),
        ("DDPM samples", &results.ddpm_moments),
    ] {
        writeln!(
            t,
            "| {name} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            m.mean[0], m.mean[1], m.cov[0], m.cov[1], m.cov[2]
        )
        .unwrap();
    }
    t
}

fn numbers(results: &ChapterResults) -> String {
    let find = |name: &str| {
        crate::destroying_and_generating::diagram::DiagramCheck::named(&results.diagrams, name)
    };
    let yes_no = |b: bool| (if b { "Yes" } else { "No" }).to_string();
    let separations: Vec<String> = results
        .separation
        .iter()
        .map(|(n, s)| format!("{s:.2} after {n}"))
        .collect();
    let variances: Vec<String> = results
        .vp_variance
        .iter()
        .map(|(n, v)| format!("{v:.3} after {n}"))
        .collect();
    let entries = [
        ("power_25_entries", results.power_25_entries.join(" and ")),
        (
            "power_25_decimals",
            results
                .power_25_entries
                .iter()
                .map(|e| {
                    let (n, d) = e.split_once('/').expect("a fraction");
                    format!(
                        "{:.10}",
                        n.parse::<f64>().expect("numerator")
                            / d.parse::<f64>().expect("denominator")
                    )
                })
                .collect::<Vec<_>>()
                .join(" and "),
        ),
        ("bound_holds", yes_no(results.bound_holds_at_25)),
        (
            "smallest_n",
            results.smallest_n.map_or("none".into(), |n| n.to_string()),
        ),
        ("largest_at_24", results.largest_entry_at_24.clone()),
        ("deviation_formula", yes_no(results.deviation_formula_holds)),
        ("random_priors", results.random_priors.to_string()),
        (
            "random_violations",
            results.random_prior_violations.to_string(),
        ),
        (
            "entropy_never_decreases",
            yes_no(results.entropy_never_decreases),
        ),
        (
            "final_entropy",
            format!("{:.8}", results.chain.last().expect("steps").entropy_bits),
        ),
        ("log2_3", format!("{:.8}", 3f64.log2())),
        ("two_shuffles_holds", find("two-shuffles").tally()),
        ("ve_holds", find("ve-additivity").tally()),
        ("vp_holds", find("vp-composition").tally()),
        (
            "wrong_additivity",
            results
                .wrong_additivity
                .first_failure()
                .unwrap_or_else(|| "none".into()),
        ),
        ("separation_delta", SEPARATION_DELTA.to_string()),
        (
            "deviation_checked_up_to",
            DEVIATION_CHECKED_UP_TO.to_string(),
        ),
        ("tiny_vocab", TINY_VOCAB.to_string()),
        ("tiny_length", TINY_LENGTH.to_string()),
        (
            "tiny_sequences",
            TINY_VOCAB.pow(TINY_LENGTH as u32).to_string(),
        ),
        ("tiny_shown", TINY_DISTANCES_SHOWN.to_string()),
        ("separation_draws", results.separation_draws.to_string()),
        ("separations", separations.join(", ")),
        ("vp_variances", variances.join(", ")),
        (
            "tiny_stationary",
            yes_no(results.tiny_language.uniform_is_stationary),
        ),
        (
            "tiny_distances",
            results
                .tiny_language
                .distance_to_uniform
                .iter()
                .take(TINY_DISTANCES_SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("repair_iterations", results.repair_iterations.to_string()),
        ("repair_guess", format!("{:.3}", results.repair.guess)),
        ("repair_bayes", format!("{:.3}", results.repair.bayes)),
        ("repair_copy", format!("{:.3}", results.repair.copy)),
        ("ddpm_steps", STEPS.to_string()),
        ("ddpm_iterations", results.ddpm.iterations.to_string()),
        ("ddpm_batch", results.ddpm.batch.to_string()),
        ("ddpm_samples", results.ddpm_samples.to_string()),
        (
            "ddpm_first_loss",
            format!(
                "{:.3}",
                results.ddpm_losses.first().copied().unwrap_or(f64::NAN)
            ),
        ),
        (
            "ddpm_last_loss",
            format!(
                "{:.3}",
                results.ddpm_losses.last().copied().unwrap_or(f64::NAN)
            ),
        ),
        (
            "ddpm_distance",
            format!("{:.3}", results.ddpm_moment_distance),
        ),
        (
            "data_distance",
            format!("{:.3}", results.data_moment_distance),
        ),
    ];
    anchored_numbers(&entries)
}

/// The chapter's generated files: report, tables, numbers, diagrams, figure, provenance.
pub fn chapter_files(results: &ChapterResults, provenance: &Provenance) -> GeneratedFiles {
    let mut files = GeneratedFiles::with_report(CHAPTER, provenance, results);
    let path = |name: &str| format!("{CHAPTER}/{name}");
    files.add(path("numbers.md"), numbers(results));
    files.add(path("chain.md"), chain_table(results));
    files.add(path("moments.md"), moments_table(results));
    files.add(path("provenance.md"), provenance.to_markdown());
    crate::destroying_and_generating::diagram::add_checked_diagrams(
        &mut files,
        CHAPTER,
        results.diagrams.iter().chain([&results.wrong_additivity]),
        chapter_diagrams(),
    );
    files.add(path("ddpm-steps.svg"), ddpm_figure(results, 500));
    files
}

/// The DDPM's samples step by step (first `shown` points of each), after the data.
pub fn ddpm_figure(results: &ChapterResults, shown: usize) -> String {
    let mut panels = vec![(
        "data".to_string(),
        results.data.iter().take(shown).copied().collect(),
        true,
    )];
    for s in &results.snapshots {
        let title = if s.step == STEPS {
            format!("t = {} (noise)", s.step)
        } else {
            format!("t = {}", s.step)
        };
        panels.push((title, s.points.iter().take(shown).copied().collect(), false));
    }
    let count = panels.len() as u32;
    plot::svg((210 * count, 230), |area| draw_panels(&panels, area))
}
