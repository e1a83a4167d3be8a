//! The chapter's experiment: round trips, variances, the irreducible noise-prediction
//! error per level, and the checked diagrams.

use super::diagrams::{chapter_diagrams, full_picture, DATA};
use super::interpolation::{round_trip_error, x_t};
use super::noise_prediction::{gaussian_noise_mmse, noise_mmse};
use crate::destroying_and_generating::diagram::DiagramCheck;
use crate::report::{anchored_numbers, GeneratedFiles, Provenance, Scale};
use crate::sampling::seeded_rng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;
use serde::Serialize;
use std::fmt::Write;

/// The chapter's folder under `book/generated/`.
pub const CHAPTER: &str = "beyond-markov";

/// The levels `a` of the table.
pub const TABLE_ALPHAS: [f64; 7] = [0.99, 0.9, 0.7, 0.5, 0.3, 0.1, 0.01];

/// One level `a`: the round trip, `Var(x_t)` against `a Var(x_0) + (1 − a)`, and the
/// irreducible error of guessing `z` from `x_t`.
#[derive(Clone, Debug, Serialize)]
pub struct LevelRow {
    pub a: f64,
    pub round_trip_error: f64,
    pub var_x_t: f64,
    pub var_x_t_se: f64,
    pub var_expected: f64,
    pub mmse_two_points: f64,
    pub mmse_two_points_se: f64,
    pub mmse_gaussian: f64,
}

/// Everything the chapter reports.
#[derive(Clone, Debug, Serialize)]
pub struct ChapterResults {
    pub draws: usize,
    pub levels: Vec<LevelRow>,
    pub diagrams: Vec<DiagramCheck>,
    /// The full picture with a Guess that ignores `B'`: its claims, as checked.
    pub blind_guess: DiagramCheck,
}

fn level_row(a: f64, n: usize, seed: u64) -> LevelRow {
    let mut rng = seeded_rng(seed);
    let pairs: Vec<(f64, f64)> = (0..n)
        .map(|_| (DATA.sample(&mut rng), rng.sample(StandardNormal)))
        .collect();
    let xs: Vec<f64> = pairs.iter().map(|&(x0, z)| x_t(x0, z, a)).collect();
    let mean = xs.iter().sum::<f64>() / n as f64;
    let centred: Vec<f64> = xs.iter().map(|x| (x - mean).powi(2)).collect();
    let var = centred.iter().sum::<f64>() / (n - 1) as f64;
    let var_of_sq = centred.iter().map(|c| (c - var).powi(2)).sum::<f64>() / (n - 1) as f64;
    let (mmse, mmse_se) = noise_mmse(&DATA, a, n, &mut rng);
    LevelRow {
        a,
        round_trip_error: round_trip_error(&pairs, a),
        var_x_t: var,
        var_x_t_se: (var_of_sq / n as f64).sqrt(),
        var_expected: a * DATA.m * DATA.m + 1.0 - a,
        mmse_two_points: mmse,
        mmse_two_points_se: mmse_se,
        mmse_gaussian: gaussian_noise_mmse(DATA.m * DATA.m, a),
    }
}

/// Runs the chapter; `scale` sets the number of draws.
pub fn run(scale: Scale, seed: u64) -> ChapterResults {
    let draws = match scale {
        Scale::Quick => 4_000,
        Scale::Full => 40_000,
    };
    let check = |name: &str, d: &crate::destroying_and_generating::diagram::Diagram| {
        let claims = d
            .check_sampled(draws, seed)
            .expect("the chapter's diagrams are well formed");
        DiagramCheck::new(name, claims)
    };
    ChapterResults {
        draws,
        levels: TABLE_ALPHAS
            .iter()
            .enumerate()
            .map(|(k, &a)| level_row(a, draws, seed.wrapping_add(k as u64)))
            .collect(),
        diagrams: chapter_diagrams()
            .iter()
            .map(|(name, d)| check(name, d))
            .collect(),
        blind_guess: check("blind-guess", &full_picture(true)),
    }
}

fn levels_table(results: &ChapterResults) -> String {
    let mut t = String::from(
        "| $a$ | round trip, largest error | $\\mathrm{Var}(x_t)$ measured | $a\\,\\mathrm{Var}(x_0) + 1 - a$ | error of guessing $z$ (two points) | same, Gaussian data (closed form) |\n|---|---|---|---|---|---|\n",
    );
    for r in &results.levels {
        writeln!(
            t,
            "| {} | {:.1e} | {:.3} ± {:.3} | {:.3} | {:.4} ± {:.4} | {:.4} |",
            r.a,
            r.round_trip_error,
            r.var_x_t,
            r.var_x_t_se,
            r.var_expected,
            r.mmse_two_points,
            r.mmse_two_points_se,
            r.mmse_gaussian
        )
        .unwrap();
    }
    t
}

fn numbers(results: &ChapterResults) -> String {
    let worst_round_trip = results
        .levels
        .iter()
        .map(|r| r.round_trip_error)
        .fold(0.0, f64::max);
    let find = |name: &str| {
        crate::destroying_and_generating::diagram::DiagramCheck::named(&results.diagrams, name)
    };
    let peak = results
        .levels
        .iter()
        .max_by(|a, b| a.mmse_two_points.total_cmp(&b.mmse_two_points))
        .expect("levels");
    let entries = [
        ("draws", results.draws.to_string()),
        ("worst_round_trip", format!("{worst_round_trip:.1e}")),
        ("data_m", format!("{}", DATA.m)),
        ("data_var", format!("{}", DATA.m * DATA.m)),
        ("spine_holds", find("markov-spine").tally()),
        (
            "interpolation_holds",
            find("markov-and-interpolation").tally(),
        ),
        ("full_holds", find("full-picture").tally()),
        ("blind_holds", results.blind_guess.tally()),
        (
            "blind_failure",
            results
                .blind_guess
                .first_failure()
                .unwrap_or_else(|| "none".into()),
        ),
        ("peak_a", format!("{}", peak.a)),
        ("peak_mmse", format!("{:.3}", peak.mmse_two_points)),
        (
            "ks_alpha",
            format!("{}", crate::destroying_and_generating::diagram::KS_ALPHA),
        ),
    ];
    anchored_numbers(&entries)
}

/// The chapter's generated files: report, tables, numbers, diagrams, provenance.
pub fn chapter_files(results: &ChapterResults, provenance: &Provenance) -> GeneratedFiles {
    let mut files = GeneratedFiles::with_report(CHAPTER, provenance, results);
    let path = |name: &str| format!("{CHAPTER}/{name}");
    files.add(path("numbers.md"), numbers(results));
    files.add(path("levels.md"), levels_table(results));
    files.add(path("provenance.md"), provenance.to_markdown());
    crate::destroying_and_generating::diagram::add_checked_diagrams(
        &mut files,
        CHAPTER,
        results.diagrams.iter().chain([&results.blind_guess]),
        chapter_diagrams(),
    );
    files
}
