//! The chapter's experiment: Tweedie's identities checked on the exact mixture, the
//! denoiser checked against Monte Carlo conditional means, and a network trained on DDPM's
//! loss compared with the exact noise prediction.

use super::learned::train_noise_predictor;
use super::mixture::{chapter_mixture, GaussianMixture};
use super::tweedie::{denoiser_from_score, finite_difference_score, noise_from_score};
use crate::report::{anchored_numbers, GeneratedFiles, Provenance, Scale};
use crate::sampling::seeded_rng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;
use serde::Serialize;
use std::fmt::Write;

/// The chapter's folder under `book/generated/`.
pub const CHAPTER: &str = "denoisers-and-scores";

/// The noise levels `a` (share of the data's variance kept).
pub const LEVELS: [f64; 3] = [0.9, 0.5, 0.1];

/// Rules fixed before the runs.
pub const IDENTITY_TOLERANCE: f64 = 1e-6;
pub const MAX_BIN_Z: f64 = 4.5;
pub const MAX_LOSS_GAP: f64 = 0.02;
pub const MAX_NOISE_RMS: f64 = 0.05;

const BINS: usize = 16;
const GRID: usize = 121;

/// Sizes of one run.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Budget {
    pub monte_carlo_draws: usize,
    pub iterations: usize,
    pub batch: usize,
}

impl Budget {
    pub fn at(scale: Scale) -> Self {
        match scale {
            Scale::Quick => Budget {
                monte_carlo_draws: 40_000,
                iterations: 800,
                batch: 128,
            },
            Scale::Full => Budget {
                monte_carlo_draws: 400_000,
                iterations: 8_000,
                batch: 256,
            },
        }
    }
}

/// One bin of `x_t`: the mean of `x_0 − D*(x_t)` over the draws that fell in it, in
/// standard errors (zero if the denoiser is the conditional mean).
#[derive(Clone, Debug, Serialize)]
pub struct Bin {
    pub y_mean: f64,
    pub x_0_mean: f64,
    pub count: usize,
    pub z_score: f64,
}

/// One level: the identity errors, the Monte Carlo bins, and the learned network.
#[derive(Clone, Debug, Serialize)]
pub struct LevelResult {
    pub a: f64,
    pub denoiser_identity_error: f64,
    pub noise_identity_error: f64,
    pub bins: Vec<Bin>,
    pub max_bin_z: f64,
    pub noise_mmse: f64,
    pub learned_final_loss: f64,
    /// `sqrt(E_y (ε̂(y) − E[z | y])²)` under `p_a`, by quadrature.
    pub learned_noise_rms: f64,
    /// `(y, exact denoiser, denoiser from the learned ε̂ through Tweedie)` on a grid.
    pub curve: Vec<(f64, f64, f64)>,
}

/// Everything the chapter reports.
#[derive(Clone, Debug, Serialize)]
pub struct ChapterResults {
    pub data: GaussianMixture,
    pub budget: Budget,
    pub levels: Vec<LevelResult>,
}

fn grid(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

fn monte_carlo_bins(data: &GaussianMixture, a: f64, draws: usize, seed: u64) -> Vec<Bin> {
    let mut rng = seeded_rng(seed);
    let pairs: Vec<(f64, f64)> = (0..draws)
        .map(|_| {
            let x0 = data.sample(&mut rng);
            let z: f64 = rng.sample(StandardNormal);
            (a.sqrt() * x0 + (1.0 - a).sqrt() * z, x0)
        })
        .collect();
    // Bins of equal probability: cut at the empirical quantiles of x_t.
    let mut ys: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    ys.sort_by(f64::total_cmp);
    let edges: Vec<f64> = (1..BINS).map(|b| ys[b * draws / BINS]).collect();
    let mut sums = vec![(0usize, 0.0, 0.0, 0.0, 0.0); BINS];
    for &(y, x0) in &pairs {
        let b = edges.partition_point(|&e| e <= y);
        let residual = x0 - data.posterior_mean_x_0(y, a);
        let s = &mut sums[b];
        *s = (
            s.0 + 1,
            s.1 + y,
            s.2 + x0,
            s.3 + residual,
            s.4 + residual * residual,
        );
    }
    sums.iter()
        .map(|&(n, y, x0, r, r2)| {
            let n_f = n as f64;
            let var = (r2 - r * r / n_f) / (n_f - 1.0);
            Bin {
                y_mean: y / n_f,
                x_0_mean: x0 / n_f,
                count: n,
                z_score: (r / n_f) / (var / n_f).sqrt(),
            }
        })
        .collect()
}

fn level(data: &GaussianMixture, a: f64, budget: Budget, seed: u64) -> LevelResult {
    let (lo, hi) = data.support(a);
    let ys = grid(lo / 3.0, hi / 3.0, GRID);
    let mut denoiser_identity_error: f64 = 0.0;
    let mut noise_identity_error: f64 = 0.0;
    for &y in &ys {
        let score = finite_difference_score(|v| data.log_density(v, a), y);
        denoiser_identity_error = denoiser_identity_error
            .max((data.posterior_mean_x_0(y, a) - denoiser_from_score(y, score, a)).abs());
        noise_identity_error = noise_identity_error
            .max((data.posterior_mean_noise(y, a) - noise_from_score(score, a)).abs());
    }
    let bins = monte_carlo_bins(data, a, budget.monte_carlo_draws, seed);
    let max_bin_z = bins.iter().map(|b| b.z_score.abs()).fold(0.0, f64::max);
    let learned = train_noise_predictor(data, a, budget.iterations, budget.batch, seed);
    // Quadrature of the squared gap under p_a on a fine grid.
    let fine = grid(lo, hi, 2_001);
    let eps = learned.predict(&fine);
    let h = fine[1] - fine[0];
    let learned_noise_rms = fine
        .iter()
        .zip(&eps)
        .map(|(&y, &e)| (e - data.posterior_mean_noise(y, a)).powi(2) * data.density(y, a) * h)
        .sum::<f64>()
        .sqrt();
    let learned_on_grid = learned.predict(&ys);
    let curve = ys
        .iter()
        .zip(&learned_on_grid)
        .map(|(&y, &e)| {
            let learned_score = super::tweedie::score_from_noise(e, a);
            (
                y,
                data.posterior_mean_x_0(y, a),
                denoiser_from_score(y, learned_score, a),
            )
        })
        .collect();
    LevelResult {
        a,
        denoiser_identity_error,
        noise_identity_error,
        bins,
        max_bin_z,
        noise_mmse: data.noise_mmse(a),
        learned_final_loss: learned.final_loss,
        learned_noise_rms,
        curve,
    }
}

/// Runs the chapter at `scale`.
pub fn run(scale: Scale, seed: u64) -> ChapterResults {
    let data = chapter_mixture();
    let budget = Budget::at(scale);
    let levels = LEVELS
        .iter()
        .enumerate()
        .map(|(k, &a)| level(&data, a, budget, seed.wrapping_add(k as u64)))
        .collect();
    ChapterResults {
        data,
        budget,
        levels,
    }
}

/// One verdict row: a statement, the rule, what was measured, and whether it holds.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub statement: &'static str,
    pub rule: String,
    pub measured: String,
    pub holds: bool,
}

/// The chapter's verdicts, computed from the results with the rules fixed above.
pub fn verdicts(results: &ChapterResults) -> Vec<Verdict> {
    let worst = |f: fn(&LevelResult) -> f64| results.levels.iter().map(f).fold(0.0, f64::max);
    let d = worst(|l| l.denoiser_identity_error);
    let n = worst(|l| l.noise_identity_error);
    let z = worst(|l| l.max_bin_z);
    let gap = worst(|l| l.learned_final_loss - l.noise_mmse);
    let rms = worst(|l| l.learned_noise_rms);
    let identity = |statement, error: f64| Verdict {
        statement,
        rule: format!("largest error ≤ {IDENTITY_TOLERANCE:.0e} on the grid, every level"),
        measured: format!("{error:.1e}"),
        holds: error <= IDENTITY_TOLERANCE,
    };
    vec![
        identity("optimal denoiser = (y + (1 − a) score) / sqrt(a)", d),
        identity("optimal noise prediction = −sqrt(1 − a) score", n),
        Verdict {
            statement: "the exact denoiser is the conditional mean of sampled pairs",
            rule: format!("every bin's mean residual within {MAX_BIN_Z} standard errors"),
            measured: format!("largest z-score {z:.2}"),
            holds: z <= MAX_BIN_Z,
        },
        Verdict {
            statement: "DDPM's loss is minimised by the posterior mean of the noise",
            rule: format!(
                "final loss − irreducible error ≤ {MAX_LOSS_GAP} and RMS of ε̂ minus the posterior mean of z ≤ {MAX_NOISE_RMS}, every level"
            ),
            measured: format!("largest gap {gap:.4}, largest RMS {rms:.3}"),
            holds: gap <= MAX_LOSS_GAP && rms <= MAX_NOISE_RMS,
        },
    ]
}

fn levels_table(results: &ChapterResults) -> String {
    let mut t = String::from(
        "| $a$ | denoiser identity, largest error | noise identity, largest error | Monte Carlo, largest bin $\\lvert z \\rvert$ | irreducible loss $\\mathbb E\\,\\mathrm{Var}(z \\mid x_t)$ | learned final loss | learned RMS error of $\\hat\\varepsilon$ |\n|---|---|---|---|---|---|---|\n",
    );
    for l in &results.levels {
        writeln!(
            t,
            "| {} | {:.1e} | {:.1e} | {:.2} | {:.4} | {:.4} | {:.3} |",
            l.a,
            l.denoiser_identity_error,
            l.noise_identity_error,
            l.max_bin_z,
            l.noise_mmse,
            l.learned_final_loss,
            l.learned_noise_rms
        )
        .unwrap();
    }
    t
}

fn verdict_table(results: &ChapterResults) -> String {
    let mut t = String::from(
        "| statement | rule (fixed before the runs) | measured | verdict |\n|---|---|---|---|\n",
    );
    for v in verdicts(results) {
        let verdict = if v.holds { "holds" } else { "does not hold" };
        writeln!(
            t,
            "| {} | {} | {} | **{verdict}** |",
            v.statement, v.rule, v.measured
        )
        .unwrap();
    }
    t
}

fn numbers(results: &ChapterResults) -> String {
    let d = &results.data;
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let all_hold = verdicts(results).iter().all(|v| v.holds);
    let entries = [
        ("weights", list(&d.weights)),
        ("means", list(&d.means)),
        ("stds", list(&d.stds)),
        ("levels", list(&LEVELS)),
        ("draws", results.budget.monte_carlo_draws.to_string()),
        ("bins", BINS.to_string()),
        ("iterations", results.budget.iterations.to_string()),
        ("batch", results.budget.batch.to_string()),
        (
            "verdict_sentence",
            if all_hold {
                "All four statements hold at every level.".to_string()
            } else {
                "Not every statement holds: see the rows marked \"does not hold\".".to_string()
            },
        ),
    ];
    anchored_numbers(&entries)
}

/// The chapter's generated files.
pub fn chapter_files(results: &ChapterResults, provenance: &Provenance) -> GeneratedFiles {
    let mut files = GeneratedFiles::with_report(CHAPTER, provenance, results);
    let path = |name: &str| format!("{CHAPTER}/{name}");
    files.add(path("numbers.md"), numbers(results));
    files.add(path("levels.md"), levels_table(results));
    files.add(path("verdicts.md"), verdict_table(results));
    files.add(
        path("denoisers.svg"),
        super::figures::denoisers_figure(results),
    );
    files.add(path("provenance.md"), provenance.to_markdown());
    files
}
