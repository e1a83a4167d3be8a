//! The chapter's experiment, the data-scarce crossover: the same network trained to guess
//! the next token (autoregressive) or randomly masked tokens (masked diffusion), on
//! training sets of several sizes, with the same number of examples seen by every run,
//! judged by held-out negative log-likelihood per token against the language's exact
//! entropy.

use super::language::Language;
use super::likelihood::{any_order, any_order_bound_estimate, left_to_right_nll, Guesser};
use super::network::{parameter_count, train, GuessModel, Step, Training, LENGTH, VOCAB};
use super::withholding::Withholding;
use crate::progress::Progress;
use crate::report::{anchored_numbers, GeneratedFiles, Outcome, Provenance, Scale};
use crate::sampling::seeded_rng;
use ndarray_rand::rand::seq::SliceRandom;
use ndarray_rand::rand::Rng;
use rayon::prelude::*;
use serde::Serialize;
use std::fmt::Write;

/// The chapter's folder under `book/generated/`.
pub const CHAPTER: &str = "learning-by-withholding";

// ANCHOR: rule
/// The rule, fixed before the runs. At a training-set size, with `d_s` = (masked
/// diffusion's held-out bound) − (autoregressive held-out NLL), per token, paired by seed:
/// masked diffusion is *ahead* if `mean d < 0` and `|mean d| > MARGIN_SE` standard errors
/// of the mean (seeds), *behind* if `mean d > 0` by the same margin. The claim "masked
/// diffusion ends ahead at the smallest size and behind at the largest" is *reproduced*
/// if both hold, *partly* if one does, *not reproduced* if neither. Each run is read at
/// its best checkpoint on a validation set; the numbers compared come from a separate
/// test set. The masked model is judged by its bound (its training objective), not by
/// its exact likelihood, which can only be lower.
pub const MARGIN_SE: f64 = 2.0;
// ANCHOR_END: rule

/// Sizes of one run of the chapter.
#[derive(Clone, Debug, Serialize)]
pub struct Budget {
    /// Unique training sentences, smallest first.
    pub sizes: Vec<usize>,
    pub seeds: usize,
    pub training: Training,
    pub validation_sentences: usize,
    pub test_sentences: usize,
    /// Withheld sets per size in the validation estimate of the masked model's bound.
    pub masks_per_size: usize,
}

impl Budget {
    pub fn at(scale: Scale) -> Self {
        match scale {
            Scale::Quick => Budget {
                sizes: vec![16, 64, 256, 1600],
                seeds: 1,
                training: Training {
                    examples: 65_536,
                    batch: 128,
                    learning_rate: 2e-3,
                },
                validation_sentences: 100,
                test_sentences: 100,
                masks_per_size: 2,
            },
            Scale::Full => Budget {
                sizes: vec![16, 64, 256, 1024, 4096],
                seeds: 5,
                training: Training {
                    examples: 262_144,
                    batch: 128,
                    learning_rate: 2e-3,
                },
                validation_sentences: 200,
                test_sentences: 400,
                masks_per_size: 2,
            },
        }
    }

    /// Checkpoints spaced by factors of `√2` back from the end of training down to one
    /// batch, so that even the smallest training set is seen before it is overfitted.
    pub fn checkpoint_examples(&self) -> Vec<usize> {
        let ratio = self.training.examples as f64 / self.training.batch as f64;
        let count = (2.0 * ratio.log2()).floor() as usize + 1;
        (0..count)
            .map(|j| {
                let back = (count - 1 - j) as f64;
                ((self.training.examples as f64) / 2f64.sqrt().powf(back)).round() as usize
            })
            .collect()
    }
}

/// One checkpoint of one run: held-out NLL per token on the validation set (exact for the
/// autoregressive model, a fixed-mask estimate of the bound for the masked one).
#[derive(Clone, Debug, Serialize)]
pub struct Checkpoint {
    pub examples: usize,
    pub epochs: f64,
    pub training_loss: f64,
    pub validation_nll: f64,
}

/// One trained network, read at its best validation checkpoint.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    pub withholding: Withholding,
    pub size: usize,
    pub seed: u64,
    pub curve: Vec<Checkpoint>,
    pub best_epochs: f64,
    /// Examples seen when the loss stopped being finite, if it did.
    pub diverged_at: Option<usize>,
    /// Test NLL per token: exact for the autoregressive model, the any-order bound for
    /// the masked model (the number the rule compares).
    pub test_nll: f64,
    /// Test NLL per token of the same network decoded left to right (exact).
    pub test_left_to_right: f64,
    /// Masked model only: exact NLL per token of the order mixture.
    pub test_order_mixture: Option<f64>,
    /// The same reading as `test_nll` for the network at the end of training (NaN if it
    /// diverged). Descriptive only, outside the rule: added after the first full run.
    pub final_test_nll: f64,
}

/// Both schemes at one size, averaged over seeds.
#[derive(Clone, Debug, Serialize)]
pub struct SizeSummary {
    pub size: usize,
    pub epochs: f64,
    pub autoregressive: f64,
    pub autoregressive_se: f64,
    pub masked_bound: f64,
    pub masked_bound_se: f64,
    pub masked_order_mixture: f64,
    pub masked_left_to_right: f64,
    /// Mean over seeds of (masked bound − autoregressive), and its standard error.
    pub difference: f64,
    pub difference_se: f64,
    /// "ahead", "behind" or "tied" by the rule.
    pub masked_is: &'static str,
    /// At the end of training instead of the best checkpoint (descriptive, not the rule).
    pub final_autoregressive: f64,
    pub final_masked_bound: f64,
    pub final_difference: f64,
    pub final_difference_se: f64,
}

/// Everything the chapter reports.
#[derive(Clone, Debug, Serialize)]
pub struct ChapterResults {
    pub language: Language,
    pub length: usize,
    pub parameters: usize,
    pub entropy_per_token: f64,
    pub log_vocab: f64,
    pub budget: Budget,
    pub runs: Vec<Run>,
    pub sizes: Vec<SizeSummary>,
    pub outcome: Outcome,
}

fn mean_and_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Mean validation NLL per token of `model` under `withholding`'s own reading.
fn validation_nll(
    withholding: Withholding,
    model: &GuessModel,
    validation: &[Vec<usize>],
    masks: &[Vec<usize>],
) -> f64 {
    let total: f64 = match withholding {
        Withholding::NextToken => validation.iter().map(|s| left_to_right_nll(model, s)).sum(),
        Withholding::RandomMask => validation
            .iter()
            .zip(masks)
            .map(|(s, m)| any_order_bound_estimate(model, s, m))
            .sum(),
    };
    total / (validation.len() * LENGTH) as f64
}

/// `per_size` visible sets for each number `k = 1..=L` of withheld positions.
fn fixed_masks(per_size: usize, rng: &mut impl Rng) -> Vec<usize> {
    let mut out = Vec::new();
    for k in 1..=LENGTH {
        for _ in 0..per_size {
            let mut positions: Vec<usize> = (0..LENGTH).collect();
            positions.shuffle(rng);
            out.push(positions[k..].iter().map(|&i| 1usize << i).sum());
        }
    }
    out
}

/// Exact test numbers of a trained model, per token.
fn test_numbers(
    withholding: Withholding,
    model: &impl Guesser,
    test: &[Vec<usize>],
) -> (f64, f64, Option<f64>) {
    let per_token = |total: f64| total / (test.len() * LENGTH) as f64;
    let left_to_right = per_token(test.iter().map(|s| left_to_right_nll(model, s)).sum());
    match withholding {
        Withholding::NextToken => (left_to_right, left_to_right, None),
        Withholding::RandomMask => {
            let (bound, mixture) = test.iter().fold((0.0, 0.0), |(b, m), s| {
                let a = any_order(model, s);
                (b + a.bound, m + a.mixture)
            });
            (per_token(bound), left_to_right, Some(per_token(mixture)))
        }
    }
}

/// Runs the chapter at `scale`.
pub fn run(scale: Scale, seed: u64) -> ChapterResults {
    let language = Language::chapter_language();
    assert_eq!(
        language.vocab(),
        VOCAB,
        "the network is built for the chapter language"
    );
    let budget = Budget::at(scale);
    // Held-out sentences are shared by every run; training pools differ by seed and
    // are nested (the first n sentences of the pool).
    let mut held_out_rng = seeded_rng(seed ^ 0x005e_ed0f_7e57);
    let validation = language.sample_many(budget.validation_sentences, LENGTH, &mut held_out_rng);
    let test = language.sample_many(budget.test_sentences, LENGTH, &mut held_out_rng);
    let masks: Vec<Vec<usize>> = (0..validation.len())
        .map(|_| fixed_masks(budget.masks_per_size, &mut held_out_rng))
        .collect();
    let largest = *budget.sizes.iter().max().expect("at least one size");
    let checkpoints = budget.checkpoint_examples();
    let runs_total = budget.sizes.len() * budget.seeds * 2;
    let progress = std::sync::Mutex::new(RunsProgress {
        bar: match scale {
            Scale::Quick => Progress::hidden(),
            Scale::Full => {
                Progress::new("crossover", (runs_total * budget.training.examples) as u64)
            }
        },
        seen: vec![0; runs_total],
    });
    let pools: Vec<Vec<Vec<usize>>> = (0..budget.seeds as u64)
        .map(|s| language.sample_many(largest, LENGTH, &mut seeded_rng(seed.wrapping_add(1 + s))))
        .collect();
    let jobs: Vec<(u64, usize, Withholding)> = (0..budget.seeds as u64)
        .flat_map(|s| {
            let sizes = budget.sizes.clone();
            sizes
                .into_iter()
                .flat_map(move |size| Withholding::BOTH.map(|w| (s, size, w)))
        })
        .collect();
    // Every run is independent and deterministic, so they train at once, in any order.
    let runs: Vec<Run> = jobs
        .par_iter()
        .enumerate()
        .map(|(job, &(s, size, withholding))| {
            let run_seed = seed.wrapping_add(1 + s);
            let pool = &pools[s as usize];
            let progress = |seen: u64| progress.lock().expect("progress lock").seen(job, seen);
            let mut curve = Vec::new();
            let mut best: Option<(f64, f64, GuessModel)> = None;
            let trained = train(
                withholding,
                &pool[..size],
                &budget.training,
                &checkpoints,
                run_seed,
                |seen| progress(seen as u64),
                |step: Step| {
                    let nll = validation_nll(withholding, step.model, &validation, &masks);
                    let epochs = step.examples as f64 / size as f64;
                    curve.push(Checkpoint {
                        examples: step.examples,
                        epochs,
                        training_loss: step.mean_loss,
                        validation_nll: nll,
                    });
                    if best.as_ref().is_none_or(|b| nll < b.0) {
                        best = Some((nll, epochs, step.model.clone()));
                    }
                },
            );
            let final_test_nll = match &trained {
                Ok(last) => test_numbers(withholding, last, &test).0,
                Err(_) => f64::NAN,
            };
            let diverged_at = trained.err();
            let (_, best_epochs, model) =
                best.unwrap_or_else(|| (f64::NAN, 0.0, GuessModel::new(run_seed)));
            let (test_nll, test_left_to_right, test_order_mixture) =
                test_numbers(withholding, &model, &test);
            Run {
                withholding,
                size,
                seed: run_seed,
                curve,
                best_epochs,
                diverged_at,
                test_nll,
                test_left_to_right,
                test_order_mixture,
                final_test_nll,
            }
        })
        .collect();
    progress
        .into_inner()
        .expect("progress lock")
        .bar
        .finish("done");
    let sizes = summarise(&budget, &runs);
    let outcome = outcome(&sizes);
    ChapterResults {
        entropy_per_token: language.entropy_per_token(LENGTH),
        log_vocab: (VOCAB as f64).ln(),
        language,
        length: LENGTH,
        parameters: parameter_count(),
        budget,
        runs,
        sizes,
        outcome,
    }
}

/// A progress bar over runs trained at once: the examples each run has seen, summed.
struct RunsProgress {
    bar: Progress,
    seen: Vec<u64>,
}

impl RunsProgress {
    fn seen(&mut self, run: usize, examples: u64) {
        self.seen[run] = examples;
        self.bar.set(self.seen.iter().sum(), "");
    }
}

fn summarise(budget: &Budget, runs: &[Run]) -> Vec<SizeSummary> {
    budget
        .sizes
        .iter()
        .map(|&size| {
            let of = |w: Withholding| -> Vec<&Run> {
                runs.iter()
                    .filter(|r| r.size == size && r.withholding == w)
                    .collect()
            };
            let (ar, md) = (of(Withholding::NextToken), of(Withholding::RandomMask));
            let values =
                |rs: &[&Run], f: fn(&Run) -> f64| rs.iter().map(|r| f(r)).collect::<Vec<f64>>();
            let (autoregressive, autoregressive_se) = mean_and_se(&values(&ar, |r| r.test_nll));
            let (masked_bound, masked_bound_se) = mean_and_se(&values(&md, |r| r.test_nll));
            let (masked_order_mixture, _) =
                mean_and_se(&values(&md, |r| r.test_order_mixture.unwrap_or(f64::NAN)));
            let (masked_left_to_right, _) = mean_and_se(&values(&md, |r| r.test_left_to_right));
            let differences: Vec<f64> = ar
                .iter()
                .zip(&md)
                .map(|(a, m)| m.test_nll - a.test_nll)
                .collect();
            let (difference, difference_se) = mean_and_se(&differences);
            let final_differences: Vec<f64> = ar
                .iter()
                .zip(&md)
                .map(|(a, m)| m.final_test_nll - a.final_test_nll)
                .collect();
            let (final_difference, final_difference_se) = mean_and_se(&final_differences);
            SizeSummary {
                size,
                epochs: budget.training.examples as f64 / size as f64,
                autoregressive,
                autoregressive_se,
                masked_bound,
                masked_bound_se,
                masked_order_mixture,
                masked_left_to_right,
                difference,
                difference_se,
                masked_is: standing(difference, difference_se),
                final_autoregressive: mean_and_se(&values(&ar, |r| r.final_test_nll)).0,
                final_masked_bound: mean_and_se(&values(&md, |r| r.final_test_nll)).0,
                final_difference,
                final_difference_se,
            }
        })
        .collect()
}

// ANCHOR: verdict
/// "ahead", "behind" or "tied", by the rule.
pub fn standing(difference: f64, difference_se: f64) -> &'static str {
    if !difference.is_finite() || difference.abs() <= MARGIN_SE * difference_se {
        "tied"
    } else if difference < 0.0 {
        "ahead"
    } else {
        "behind"
    }
}

/// The claim's verdict from the smallest and the largest size.
pub fn outcome(sizes: &[SizeSummary]) -> Outcome {
    let ahead_when_scarce = sizes.first().is_some_and(|s| s.masked_is == "ahead");
    let behind_when_plenty = sizes.last().is_some_and(|s| s.masked_is == "behind");
    match (ahead_when_scarce, behind_when_plenty) {
        (true, true) => Outcome::Reproduced,
        (false, false) => Outcome::NotReproduced,
        _ => Outcome::Partly,
    }
}
// ANCHOR_END: verdict

fn sizes_table(results: &ChapterResults) -> String {
    let mut t = String::from(
        "| unique sentences | epochs | autoregressive (exact) | masked diffusion (bound) | masked − autoregressive | masked diffusion is | masked, order mixture (exact) | masked, decoded left to right (exact) |\n|---|---|---|---|---|---|---|---|\n",
    );
    for s in &results.sizes {
        writeln!(
            t,
            "| {} | {:.0} | {:.4} ± {:.4} | {:.4} ± {:.4} | {:+.4} ± {:.4} | {} | {:.4} | {:.4} |",
            s.size,
            s.epochs,
            s.autoregressive,
            s.autoregressive_se,
            s.masked_bound,
            s.masked_bound_se,
            s.difference,
            s.difference_se,
            s.masked_is,
            s.masked_order_mixture,
            s.masked_left_to_right
        )
        .unwrap();
    }
    t
}

fn end_of_training_table(results: &ChapterResults) -> String {
    let mut t = String::from(
        "| unique sentences | epochs | autoregressive (exact) | masked diffusion (bound) | masked − autoregressive |\n|---|---|---|---|---|\n",
    );
    for s in &results.sizes {
        writeln!(
            t,
            "| {} | {:.0} | {:.4} | {:.4} | {:+.4} ± {:.4} |",
            s.size,
            s.epochs,
            s.final_autoregressive,
            s.final_masked_bound,
            s.final_difference,
            s.final_difference_se
        )
        .unwrap();
    }
    t
}

fn verdict_table(results: &ChapterResults) -> String {
    let (first, last) = (&results.sizes[0], &results.sizes[results.sizes.len() - 1]);
    let mut t = String::from("| claim (Ni et al. 2025, at toy scale) | rule (fixed before the runs) | measured | verdict |\n|---|---|---|---|\n");
    writeln!(
        t,
        "| masked diffusion ends ahead at the smallest size and behind at the largest | held-out bound − AR NLL per token, mean over {} seed(s), beyond {MARGIN_SE} standard errors | {} sentences: {:+.4} ± {:.4} ({}); {} sentences: {:+.4} ± {:.4} ({}) | **{}** |",
        results.budget.seeds,
        first.size, first.difference, first.difference_se, first.masked_is,
        last.size, last.difference, last.difference_se, last.masked_is,
        results.outcome.word()
    )
    .unwrap();
    t
}

/// The sentence the chapter prints about the outcome, from the records.
fn verdict_sentence(results: &ChapterResults) -> String {
    let (first, last) = (&results.sizes[0], &results.sizes[results.sizes.len() - 1]);
    let diverged = results
        .runs
        .iter()
        .filter(|r| r.diverged_at.is_some())
        .count();
    let mut text = format!(
        "With {} unique sentences the masked-diffusion model is {} ({:+.4} nats per token against the autoregressive model); with {} it is {} ({:+.4}). By the rule, the claim is **{}** at this scale.",
        first.size, first.masked_is, first.difference, last.size, last.masked_is, last.difference,
        results.outcome.word()
    );
    let crossings: Vec<String> = results
        .sizes
        .windows(2)
        .filter(|w| (w[0].difference < 0.0) != (w[1].difference < 0.0))
        .map(|w| format!("between {} and {} sentences", w[0].size, w[1].size))
        .collect();
    if crossings.is_empty() {
        text.push_str(" The sign of the mean difference never changes across the sizes tried.");
    } else {
        write!(
            text,
            " The sign of the mean difference changes {}.",
            crossings.join(" and ")
        )
        .unwrap();
    }
    if diverged > 0 {
        write!(text, " {diverged} run(s) diverged (non-finite loss) and are read at their last finite checkpoint.").unwrap();
    } else {
        text.push_str(" No run diverged.");
    }
    text
}

/// Sentences about the secondary readings (descriptive, outside the rule).
fn secondary_sentences(results: &ChapterResults) -> (String, String) {
    let n = results.sizes.len();
    let ahead_at_end: Vec<String> = results
        .sizes
        .iter()
        .filter(|s| s.final_difference < 0.0)
        .map(|s| s.size.to_string())
        .collect();
    let widest = results
        .sizes
        .iter()
        .max_by(|a, b| {
            a.final_difference
                .abs()
                .total_cmp(&b.final_difference.abs())
        })
        .expect("at least one size");
    let end = format!(
        "At the end of training, the masked model's bound is below the autoregressive NLL at {} of the {n} sizes{}; the difference largest in size, {:+.4} nats per token, is at {} sentences.",
        ahead_at_end.len(),
        if ahead_at_end.is_empty() { String::new() } else { format!(" ({} sentences)", ahead_at_end.join(", ")) },
        widest.final_difference,
        widest.size
    );
    let gaps: Vec<f64> = results
        .sizes
        .iter()
        .map(|s| s.masked_bound - s.masked_order_mixture)
        .collect();
    let (lo, hi) = gaps
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &g| (l.min(g), h.max(g)));
    let in_order_better = results
        .sizes
        .iter()
        .filter(|s| s.masked_left_to_right < s.masked_bound)
        .count();
    let readings = format!(
        "Across the sizes, the masked model's exact order-mixture NLL is below its bound by {lo:.4} to {hi:.4} nats per token, and decoding the same network left to right gives a lower exact NLL than its bound at {in_order_better} of the {n} sizes."
    );
    (end, readings)
}

fn numbers(results: &ChapterResults) -> String {
    let (end_sentence, readings_sentence) = secondary_sentences(results);
    let b = &results.budget;
    let list = |v: &[usize]| {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let entries = [
        ("length", results.length.to_string()),
        ("vocab", VOCAB.to_string()),
        (
            "hidden_states",
            results.language.hidden_states().to_string(),
        ),
        ("parameters", results.parameters.to_string()),
        (
            "entropy_per_token",
            format!("{:.4}", results.entropy_per_token),
        ),
        ("log_vocab", format!("{:.4}", results.log_vocab)),
        ("sizes", list(&b.sizes)),
        ("smallest_size", b.sizes[0].to_string()),
        ("largest_size", b.sizes[b.sizes.len() - 1].to_string()),
        ("seeds", b.seeds.to_string()),
        ("examples", b.training.examples.to_string()),
        ("tokens_seen", (b.training.examples * LENGTH).to_string()),
        ("batch", b.training.batch.to_string()),
        ("learning_rate", b.training.learning_rate.to_string()),
        ("checkpoints", b.checkpoint_examples().len().to_string()),
        ("validation_sentences", b.validation_sentences.to_string()),
        ("test_sentences", b.test_sentences.to_string()),
        ("masks_per_size", b.masks_per_size.to_string()),
        ("margin_se", MARGIN_SE.to_string()),
        ("outcome", results.outcome.word().to_string()),
        ("verdict_sentence", verdict_sentence(results)),
        ("end_sentence", end_sentence),
        ("readings_sentence", readings_sentence),
    ];
    anchored_numbers(&entries)
}

/// The chapter's generated files.
pub fn chapter_files(results: &ChapterResults, provenance: &Provenance) -> GeneratedFiles {
    let mut files = GeneratedFiles::with_report(CHAPTER, provenance, results);
    let path = |name: &str| format!("{CHAPTER}/{name}");
    files.add(path("numbers.md"), numbers(results));
    files.add(path("crossover.md"), sizes_table(results));
    files.add(path("verdicts.md"), verdict_table(results));
    files.add(path("end-of-training.md"), end_of_training_table(results));
    files.add(path("curves.svg"), super::figures::curves_figure(results));
    files.add(path("best.svg"), super::figures::best_figure(results));
    files.add(path("provenance.md"), provenance.to_markdown());
    files
}
