//! The chapter's experiments: reward as conditioning, the decoding-order question for
//! GRPO on a masked model, and destruction as (entropy-regularised) transport — with the
//! rules fixed before the runs and the verdicts computed from them.

use super::conditioning::{
    condition, conditional, kl_divergence, language_distribution, reward, tilted, total_variation,
};
use super::convergence::{
    convergence, Convergence, CONVERGENCE_SHARE, CONVERGENCE_STANDARD_ERRORS, WINDOWS,
};
use super::grpo::{grpo_tune, Checkpoint, GrpoConfig, RatioOrder, TuningRun};
use super::masked_model::{train_masked_model, MaskedModel, Sentence, LENGTH};
use super::transport::{
    information_destroyed, information_kept, optimal_permutation, plan_cost, plan_distance,
    plan_of_map, sinkhorn_from, squared_distances, Plan,
};
use crate::learning_by_withholding::Language;
use crate::progress::Progress;
use crate::report::{anchored_numbers, GeneratedFiles, Provenance, Scale};
use crate::sampling::seeded_rng;
use ndarray_rand::rand::Rng;
use rayon::prelude::*;
use serde::Serialize;
use std::fmt::Write;

/// The chapter's folder under `book/generated/`.
pub const CHAPTER: &str = "exploration";

/// Unique training sentences the unconditional model sees (drawn from chapter 1's language).
pub const TRAINING_SENTENCES: usize = 2_000;
/// Sentences per pre-training batch.
pub const PRETRAIN_BATCH: usize = 64;

// ANCHOR: grpo_settings
/// GRPO's settings, fixed before the runs and shared by the three ratio orders.
pub const GROUP: usize = 32;
pub const INNER_STEPS: usize = 4;
pub const CLIP: f64 = 0.2;
pub const LEARNING_RATE: f64 = 1e-3;
pub const BETA: f64 = 0.25;
// ANCHOR_END: grpo_settings

// ANCHOR: rule
/// The decoding-order rule, fixed before the runs. Over seeds, pair (a) decoding-order
/// ratios with (b) fresh-random-order ratios (same seed, same base model). "Supported"
/// if (a) beats (b) by more than `RULE_STANDARD_ERRORS` standard errors of the paired
/// difference on the final test reward or on the final `KL(q ‖ q*)` to the tilted target,
/// and is not worse by that margin on the other; "not supported" otherwise.
pub const RULE_STANDARD_ERRORS: f64 = 2.0;
// ANCHOR_END: rule

/// Rejection sampling gives up after this many draws per sentence it was asked for.
pub const MAX_DRAWS_PER_ACCEPTED: usize = 1_000;
/// Rejection sampling's empirical acceptance rate must lie within this many standard
/// errors of the model's exact `q(c)`.
pub const MAX_ACCEPTANCE_Z: f64 = 4.5;
/// Sinkhorn at the smallest regulariser must be this close (L1 over the plan, and in cost)
/// to the exact optimal plan.
pub const PLAN_TOLERANCE: f64 = 1e-3;
/// Points on each side of the transport example.
pub const TRANSPORT_POINTS: usize = 6;
/// The regularisers ε of the transport sweep: `10^(k/4)` for `k = −12..=4`.
pub fn regularisers() -> Vec<f64> {
    (-12..=4).map(|k| 10f64.powf(k as f64 / 4.0)).collect()
}

/// Sizes of one run.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Budget {
    pub pretrain_iterations: usize,
    pub grpo_updates: usize,
    pub seeds: usize,
    pub checkpoints: usize,
    /// Accepted sentences rejection sampling must produce.
    pub accepted: usize,
}

impl Budget {
    pub fn at(scale: Scale) -> Self {
        match scale {
            // One checkpoint in each of the convergence criterion's windows.
            Scale::Quick => Budget {
                pretrain_iterations: 1_500,
                grpo_updates: 30,
                seeds: 3,
                checkpoints: 5,
                accepted: 1_000,
            },
            // Fixed with the convergence criterion, before the runs: 150 updates left the
            // KL curves falling; ten checkpoints in each window of the criterion.
            Scale::Full => Budget {
                pretrain_iterations: 6_000,
                grpo_updates: 2_500,
                seeds: 24,
                checkpoints: 50,
                accepted: 20_000,
            },
        }
    }

    /// GRPO's settings at this budget.
    pub fn grpo(&self) -> GrpoConfig {
        GrpoConfig {
            updates: self.grpo_updates,
            group: GROUP,
            inner_steps: INNER_STEPS,
            clip: CLIP,
            lr: LEARNING_RATE,
            beta: BETA,
            checkpoints: self.checkpoints,
        }
    }
}

/// Section 1: the condition, its exact conditional, and two models' attempts at it.
#[derive(Clone, Debug, Serialize)]
pub struct ConditioningResults {
    /// `p(c)` under the language.
    pub language_pass_rate: f64,
    /// `TV(p, q)` and `KL(p ‖ q)` of the unconditional model.
    pub unconditional_tv: f64,
    pub unconditional_kl: f64,
    /// `q(c)`: the acceptance rate rejection sampling pays (exact).
    pub acceptance_rate: f64,
    /// Draws rejection sampling made, and the share it accepted.
    pub rejection_draws: usize,
    pub empirical_acceptance: f64,
    pub acceptance_z: f64,
    /// Rejection sampling around the unconditional model samples `q(x | c)` exactly:
    /// its distance to `p(x | c)`.
    pub rejection_tv: f64,
    pub rejection_kl: f64,
    /// A model trained on the training sentences that pass, with the same steps.
    pub filtered_sentences: usize,
    pub filtered_tv: f64,
    pub filtered_kl: f64,
    /// How much of the filtered model's own mass passes the condition.
    pub filtered_pass_rate: f64,
}

/// Section 2: one ratio order's runs and their summary over seeds.
#[derive(Clone, Debug, Serialize)]
pub struct OrderSummary {
    pub order: RatioOrder,
    pub label: &'static str,
    /// Every seed's run with its curve: the figure and the tables summarise them, and the
    /// report leaves them out (they made it a megabyte the rendered book would ship).
    #[serde(skip)]
    pub runs: Vec<TuningRun>,
    pub reward: MeanSe,
    pub kl_to_tilted: MeanSe,
    pub tv_to_tilted: MeanSe,
    pub tv_to_conditional: MeanSe,
    pub drift: MeanSe,
    pub clipped_fraction: MeanSe,
    pub diverged_runs: usize,
    /// The convergence criterion on the two measures the verdict reads.
    pub reward_convergence: Convergence,
    pub kl_convergence: Convergence,
    /// Both measures have converged.
    pub converged: bool,
}

/// A mean over seeds and its standard error.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct MeanSe {
    pub mean: f64,
    pub se: f64,
}

impl MeanSe {
    pub fn of(values: &[f64]) -> Self {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = if values.len() > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        MeanSe {
            mean,
            se: (var / n).sqrt(),
        }
    }
}

/// What the base model and the exact targets score on section 2's measures.
#[derive(Clone, Debug, Serialize)]
pub struct TuningReference {
    pub base_reward: f64,
    pub base_kl_to_tilted: f64,
    pub base_tv_to_conditional: f64,
    pub tilted_reward: f64,
    pub tilted_drift: f64,
}

/// Section 2's results.
#[derive(Clone, Debug, Serialize)]
pub struct DecodingOrderResults {
    pub config: GrpoConfig,
    pub reference: TuningReference,
    pub orders: Vec<OrderSummary>,
}

/// Section 3: one regulariser of the Sinkhorn sweep.
#[derive(Clone, Debug, Serialize)]
pub struct RegularisedPlan {
    pub epsilon: f64,
    pub cost: f64,
    pub information_destroyed: f64,
    pub information_kept: f64,
    pub distance_to_exact: f64,
    pub iterations: usize,
    pub marginal_error: f64,
}

/// Section 3's results.
#[derive(Clone, Debug, Serialize)]
pub struct TransportResults {
    pub source: Vec<(f64, f64)>,
    pub target: Vec<(f64, f64)>,
    pub optimal_permutation: Vec<usize>,
    pub optimal_cost: f64,
    /// `H(Y | X)` and `H(X | Y)` of the optimal bijection's plan.
    pub bijection_destroyed: f64,
    pub bijection_destroyed_backwards: f64,
    /// `Σ |Pᵀ − plan of the inverse map|`: zero when the plan is exactly invertible.
    pub inverse_plan_error: f64,
    pub sweep: Vec<RegularisedPlan>,
}

/// Everything the chapter reports.
#[derive(Clone, Debug, Serialize)]
pub struct ChapterResults {
    pub budget: Budget,
    pub length: usize,
    pub training_sentences: usize,
    pub conditioning: ConditioningResults,
    pub decoding_order: DecodingOrderResults,
    pub transport: TransportResults,
}

fn draw_training_set(language: &Language, n: usize, seed: u64) -> Vec<Sentence> {
    let mut rng = seeded_rng(seed);
    (0..n)
        .map(|_| {
            let s = language.sample(LENGTH, &mut rng);
            std::array::from_fn(|i| s[i])
        })
        .collect()
}

// ANCHOR: rejection
/// Rejection sampling around `model`: draw, keep what passes, until `accepted` are kept
/// or `max_draws` were drawn (a model that almost never passes would otherwise loop
/// for ever). Returns the kept sentences and the number of draws it took.
pub fn rejection_sample(
    model: &MaskedModel,
    accepted: usize,
    max_draws: usize,
    seed: u64,
) -> (Vec<Sentence>, usize) {
    let mut rng = seeded_rng(seed);
    let (mut kept, mut draws) = (Vec::with_capacity(accepted), 0);
    while kept.len() < accepted && draws < max_draws {
        for (x, _) in model.generate(256, &mut rng) {
            draws += 1;
            if condition(&x) {
                kept.push(x);
            }
            if kept.len() == accepted || draws == max_draws {
                break;
            }
        }
    }
    (kept, draws)
}
// ANCHOR_END: rejection

fn conditioning_section(
    p: &[f64],
    base: &MaskedModel,
    q0: &[f64],
    train: &[Sentence],
    budget: &Budget,
    seed: u64,
) -> ConditioningResults {
    let (p_c, language_pass_rate) = conditional(p);
    let (q_c, acceptance_rate) = conditional(q0);
    let (kept, draws) = rejection_sample(
        base,
        budget.accepted,
        MAX_DRAWS_PER_ACCEPTED * budget.accepted,
        seed.wrapping_add(11),
    );
    let empirical_acceptance = kept.len() as f64 / draws as f64;
    let acceptance_z = (empirical_acceptance - acceptance_rate)
        / (acceptance_rate * (1.0 - acceptance_rate) / draws as f64).sqrt();
    let filtered: Vec<Sentence> = train.iter().copied().filter(condition).collect();
    let f = train_masked_model(
        &filtered,
        budget.pretrain_iterations,
        PRETRAIN_BATCH,
        seed.wrapping_add(2),
    )
    .exact_distribution();
    ConditioningResults {
        language_pass_rate,
        unconditional_tv: total_variation(p, q0),
        unconditional_kl: kl_divergence(p, q0),
        acceptance_rate,
        rejection_draws: draws,
        empirical_acceptance,
        acceptance_z,
        rejection_tv: total_variation(&p_c, &q_c),
        rejection_kl: kl_divergence(&p_c, &q_c),
        filtered_sentences: filtered.len(),
        filtered_tv: total_variation(&p_c, &f),
        filtered_kl: kl_divergence(&p_c, &f),
        filtered_pass_rate: conditional(&f).1,
    }
}

fn summarise(
    order: RatioOrder,
    runs: Vec<TuningRun>,
    updates: usize,
    reference: &TuningReference,
) -> OrderSummary {
    let last = |f: fn(&Checkpoint) -> f64| -> MeanSe {
        MeanSe::of(&runs.iter().map(|r| f(&r.last())).collect::<Vec<_>>())
    };
    let curves = |f: fn(&Checkpoint) -> f64| -> Vec<Vec<(usize, f64)>> {
        runs.iter()
            .map(|r| r.curve.iter().map(|c| (c.update, f(c))).collect())
            .collect()
    };
    // Each measure's gap: from the base model to the tilted target (where KL is zero).
    let reward_convergence = convergence(
        &curves(|c| c.reward),
        updates,
        reference.tilted_reward - reference.base_reward,
    );
    let kl_convergence = convergence(
        &curves(|c| c.kl_to_tilted),
        updates,
        reference.base_kl_to_tilted,
    );
    OrderSummary {
        order,
        label: order.label(),
        reward: last(|c| c.reward),
        kl_to_tilted: last(|c| c.kl_to_tilted),
        tv_to_tilted: last(|c| c.tv_to_tilted),
        tv_to_conditional: last(|c| c.tv_to_conditional),
        drift: last(|c| c.drift),
        clipped_fraction: MeanSe::of(&runs.iter().map(|r| r.clipped_fraction).collect::<Vec<_>>()),
        diverged_runs: runs.iter().filter(|r| r.diverged).count(),
        converged: reward_convergence.converged && kl_convergence.converged,
        reward_convergence,
        kl_convergence,
        runs,
    }
}

/// One GRPO run of section 2: its ratio order and the index of its seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RunId {
    pub order: RatioOrder,
    pub seed_index: u64,
}

impl RunId {
    /// Every run of `seeds` seeds, order by order.
    pub fn all(seeds: usize) -> Vec<RunId> {
        RatioOrder::ALL
            .iter()
            .flat_map(|&order| (0..seeds as u64).map(move |seed_index| RunId { order, seed_index }))
            .collect()
    }
}

/// What every run of section 2 starts from and is measured against: the base model, its
/// exact distribution, the language's conditional and the tilted target. Runs are
/// independent of one another, so they may be trained in any order, or at once.
pub struct TuningSetup {
    pub base: MaskedModel,
    pub q0: Vec<f64>,
    p_c: Vec<f64>,
    target: Vec<f64>,
    pub config: GrpoConfig,
    pub reference: TuningReference,
    /// The chapter's seed; run `s` draws from `seed + 100 + s`.
    seed: u64,
}

impl TuningSetup {
    /// The setup for the language distribution `p` and a pre-trained `base` model.
    pub fn new(p: &[f64], base: MaskedModel, budget: &Budget, seed: u64) -> TuningSetup {
        let q0 = base.exact_distribution();
        let (p_c, _) = conditional(p);
        let target = tilted(&q0, BETA);
        let (_, base_reward) = conditional(&q0);
        let reference = TuningReference {
            base_reward,
            base_kl_to_tilted: kl_divergence(&q0, &target),
            base_tv_to_conditional: total_variation(&q0, &p_c),
            tilted_reward: conditional(&target).1,
            tilted_drift: kl_divergence(&target, &q0),
        };
        TuningSetup {
            base,
            q0,
            p_c,
            target,
            config: budget.grpo(),
            reference,
            seed,
        }
    }

    /// Trains run `id`, measuring the model exactly at every checkpoint.
    pub fn tune(&self, id: RunId) -> TuningRun {
        grpo_tune(
            &self.base,
            reward,
            id.order,
            &self.config,
            self.seed.wrapping_add(100 + id.seed_index),
            |m, u| {
                let q = m.exact_distribution();
                Checkpoint {
                    update: u,
                    reward: conditional(&q).1,
                    kl_to_tilted: kl_divergence(&q, &self.target),
                    tv_to_tilted: total_variation(&q, &self.target),
                    tv_to_conditional: total_variation(&q, &self.p_c),
                    drift: kl_divergence(&q, &self.q0),
                }
            },
        )
    }

    /// Trains every run of `ids` at once (each run's numbers do not depend on the others
    /// or on the thread count); `finished` sees each run and its seconds as it ends.
    /// Results come back in the order of `ids`.
    pub fn tune_all(
        &self,
        ids: &[RunId],
        progress: &mut Progress,
        finished: impl Fn(RunId, &TuningRun, f64) -> Result<(), String> + Sync,
    ) -> Result<Vec<TuningRun>, String> {
        let done = std::sync::Mutex::new((0u64, &mut *progress));
        ids.par_iter()
            .map(|&id| {
                let started = std::time::Instant::now();
                let run = self.tune(id);
                finished(id, &run, started.elapsed().as_secs_f64())?;
                let mut done = done.lock().expect("progress lock");
                done.0 += 1;
                let count = done.0;
                done.1.set(count, id.order.label());
                Ok(run)
            })
            .collect()
    }

    /// Section 2's results from its runs, given in the order of [`RunId::all`].
    pub fn results(&self, runs: Vec<TuningRun>, budget: &Budget) -> DecodingOrderResults {
        let mut runs = runs.into_iter();
        let orders = RatioOrder::ALL
            .iter()
            .map(|&order| {
                let of_order = runs.by_ref().take(budget.seeds).collect();
                summarise(order, of_order, budget.grpo_updates, &self.reference)
            })
            .collect();
        DecodingOrderResults {
            config: self.config,
            reference: self.reference.clone(),
            orders,
        }
    }
}

// ANCHOR: transport_section
fn transport_section(seed: u64) -> TransportResults {
    let mut rng = seeded_rng(seed.wrapping_add(7));
    let mut cloud = |dx: f64| -> Vec<(f64, f64)> {
        (0..TRANSPORT_POINTS)
            .map(|_| (dx + rng.random::<f64>(), rng.random::<f64>()))
            .collect()
    };
    let source = cloud(0.0);
    let target = cloud(0.5);
    let cost = squared_distances(&source, &target);
    let uniform = vec![1.0 / TRANSPORT_POINTS as f64; TRANSPORT_POINTS];
    let (permutation, optimal_cost) = optimal_permutation(&cost);
    let exact: Plan = plan_of_map(&uniform, &permutation, TRANSPORT_POINTS);
    let mut inverse = vec![0; TRANSPORT_POINTS];
    permutation
        .iter()
        .enumerate()
        .for_each(|(i, &j)| inverse[j] = i);
    let transposed: Plan = (0..TRANSPORT_POINTS)
        .map(|j| exact.iter().map(|row| row[j]).collect())
        .collect();
    // From the largest ε down, each run warm-started from the previous potentials.
    let mut potentials = (vec![0.0; TRANSPORT_POINTS], vec![0.0; TRANSPORT_POINTS]);
    let mut sweep: Vec<RegularisedPlan> = regularisers()
        .into_iter()
        .rev()
        .map(|epsilon| {
            let s = sinkhorn_from(&uniform, &uniform, &cost, epsilon, potentials.clone());
            potentials = s.potentials.clone();
            RegularisedPlan {
                epsilon,
                cost: plan_cost(&s.plan, &cost),
                information_destroyed: information_destroyed(&s.plan),
                information_kept: information_kept(&s.plan),
                distance_to_exact: plan_distance(&s.plan, &exact),
                iterations: s.iterations,
                marginal_error: s.marginal_error,
            }
        })
        .collect();
    sweep.reverse();
    TransportResults {
        optimal_permutation: permutation,
        optimal_cost,
        bijection_destroyed: information_destroyed(&exact),
        bijection_destroyed_backwards: information_destroyed(&transposed),
        inverse_plan_error: plan_distance(
            &transposed,
            &plan_of_map(&uniform, &inverse, TRANSPORT_POINTS),
        ),
        source,
        target,
        sweep,
    }
}
// ANCHOR_END: transport_section

/// Runs the chapter at `scale`, training every GRPO run.
pub fn run(scale: Scale, seed: u64) -> ChapterResults {
    run_with(scale, seed, |setup, ids| {
        // Quick runs are tests and notebooks: no progress lines in their output.
        let mut progress = match scale {
            Scale::Quick => Progress::hidden(),
            Scale::Full => Progress::new("exploration", ids.len() as u64),
        };
        let runs = setup.tune_all(ids, &mut progress, |_, _, _| Ok(()));
        progress.finish("done");
        runs
    })
    .expect("training without a store cannot fail")
}

/// Runs the chapter at `scale`, with section 2's GRPO runs (given as [`RunId::all`]
/// lists them) from `tuning_runs`: trained now, or read from a store.
pub fn run_with(
    scale: Scale,
    seed: u64,
    tuning_runs: impl FnOnce(&TuningSetup, &[RunId]) -> Result<Vec<TuningRun>, String>,
) -> Result<ChapterResults, String> {
    let budget = Budget::at(scale);
    let language = Language::chapter_language();
    let p = language_distribution(&language);
    let train = draw_training_set(&language, TRAINING_SENTENCES, seed);
    let base = train_masked_model(
        &train,
        budget.pretrain_iterations,
        PRETRAIN_BATCH,
        seed.wrapping_add(1),
    );
    let setup = TuningSetup::new(&p, base, &budget, seed);
    let conditioning = conditioning_section(&p, &setup.base, &setup.q0, &train, &budget, seed);
    let runs = tuning_runs(&setup, &RunId::all(budget.seeds))?;
    Ok(ChapterResults {
        budget,
        length: LENGTH,
        training_sentences: TRAINING_SENTENCES,
        conditioning,
        decoding_order: setup.results(runs, &budget),
        transport: transport_section(seed),
    })
}

/// One verdict row: a statement, the rule, what was measured, and the verdict's word.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub statement: &'static str,
    pub rule: String,
    pub measured: String,
    pub holds: bool,
    pub word: &'static str,
}

/// Paired comparison of two ratio orders over seeds, on one final measure.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Paired {
    /// Mean over seeds of `first − second`, and its standard error.
    pub difference: MeanSe,
}

impl Paired {
    fn of(first: &OrderSummary, second: &OrderSummary, f: fn(&Checkpoint) -> f64) -> Self {
        let d: Vec<f64> = first
            .runs
            .iter()
            .zip(&second.runs)
            .map(|(a, b)| f(&a.last()) - f(&b.last()))
            .collect();
        Paired {
            difference: MeanSe::of(&d),
        }
    }

    /// The difference is above `+k` standard errors.
    pub fn above(&self) -> bool {
        self.difference.mean > RULE_STANDARD_ERRORS * self.difference.se
    }

    /// The difference is below `−k` standard errors.
    pub fn below(&self) -> bool {
        self.difference.mean < -RULE_STANDARD_ERRORS * self.difference.se
    }
}

fn summary(results: &ChapterResults, order: RatioOrder) -> &OrderSummary {
    results
        .decoding_order
        .orders
        .iter()
        .find(|s| s.order == order)
        .expect("every order was run")
}

/// The paired differences `first − second` in final reward and in final `KL(q ‖ q*)`.
pub fn compare(
    results: &ChapterResults,
    first: RatioOrder,
    second: RatioOrder,
) -> (Paired, Paired) {
    let (a, b) = (summary(results, first), summary(results, second));
    (
        Paired::of(a, b, |c| c.reward),
        Paired::of(a, b, |c| c.kl_to_tilted),
    )
}

/// Whether every order in `orders` has converged by the criterion (both measures).
pub fn converged(results: &ChapterResults, orders: &[RatioOrder]) -> bool {
    orders.iter().all(|&o| summary(results, o).converged)
}

// ANCHOR: decided
/// The verdict compares (a) with (b), so it is decided only when both have converged;
/// otherwise the verdict row says so instead of reading the rule.
pub fn decoding_order_converged(results: &ChapterResults) -> bool {
    converged(
        results,
        &[RatioOrder::DecodingOrder, RatioOrder::FreshOrder],
    )
}
// ANCHOR_END: decided

// ANCHOR: decide
/// The decoding-order verdict, by the rule fixed before the runs: (a) must beat (b) on
/// reward (higher) or on distance to the tilted target (lower), by more than two standard
/// errors of the paired difference, without being worse by that margin on the other.
pub fn decoding_order_supported(reward: &Paired, kl: &Paired) -> bool {
    (reward.above() && !kl.above()) || (kl.below() && !reward.below())
}
// ANCHOR_END: decide

/// The chapter's verdicts, computed from the results with the rules fixed above.
pub fn verdicts(results: &ChapterResults) -> Vec<Verdict> {
    let c = &results.conditioning;
    let t = &results.transport;
    let first = &t.sweep[0];
    let last = &t.sweep[t.sweep.len() - 1];
    let log_n = (TRANSPORT_POINTS as f64).ln();
    let monotone = t
        .sweep
        .windows(2)
        .all(|w| w[1].information_destroyed >= w[0].information_destroyed - 1e-9);
    let (reward, kl) = compare(results, RatioOrder::DecodingOrder, RatioOrder::FreshOrder);
    let decided = decoding_order_converged(results);
    let supported = decided && decoding_order_supported(&reward, &kl);
    let holds = |ok: bool| if ok { "holds" } else { "does not hold" };
    let bijection_error = t
        .bijection_destroyed
        .abs()
        .max(t.bijection_destroyed_backwards.abs())
        .max(t.inverse_plan_error);
    vec![
        Verdict {
            statement: "rejection sampling around a model accepts at the model's exact q(c)",
            rule: format!("empirical acceptance within {MAX_ACCEPTANCE_Z} standard errors of q(c)"),
            measured: format!("z = {:.2} over {} draws", c.acceptance_z, c.rejection_draws),
            holds: c.acceptance_z.abs() <= MAX_ACCEPTANCE_Z,
            word: holds(c.acceptance_z.abs() <= MAX_ACCEPTANCE_Z),
        },
        Verdict {
            statement: "a bijective destruction is an exact, invertible transport plan that destroys nothing",
            rule: "H(Y∣X) = H(X∣Y) = 0 and the transposed plan is the inverse map's plan, to 1e-12".into(),
            measured: format!("largest error {bijection_error:.1e}"),
            holds: bijection_error <= 1e-12,
            word: holds(bijection_error <= 1e-12),
        },
        Verdict {
            statement: "as ε → 0, Sinkhorn's plan tends to the exact optimal plan",
            rule: format!("at ε = {:.0e}: L1 distance to the enumerated optimum and cost gap ≤ {PLAN_TOLERANCE:.0e}", first.epsilon),
            measured: format!(
                "L1 {:.1e}, cost gap {:.1e}",
                first.distance_to_exact,
                (first.cost - t.optimal_cost).abs()
            ),
            holds: first.distance_to_exact <= PLAN_TOLERANCE
                && (first.cost - t.optimal_cost).abs() <= PLAN_TOLERANCE,
            word: holds(
                first.distance_to_exact <= PLAN_TOLERANCE
                    && (first.cost - t.optimal_cost).abs() <= PLAN_TOLERANCE,
            ),
        },
        Verdict {
            statement: "the information a plan destroys grows with ε, from none to all of it",
            rule: format!("H(Y∣X) non-decreasing in ε; ≤ 1e-3 at the smallest ε; ≥ 0.9 log {TRANSPORT_POINTS} at the largest"),
            measured: format!(
                "{:.1e} → {:.3} nats (log {TRANSPORT_POINTS} = {log_n:.3}); monotone: {monotone}",
                first.information_destroyed, last.information_destroyed
            ),
            holds: monotone && first.information_destroyed <= 1e-3 && last.information_destroyed >= 0.9 * log_n,
            word: holds(monotone && first.information_destroyed <= 1e-3 && last.information_destroyed >= 0.9 * log_n),
        },
        Verdict {
            statement: "GRPO ratios in the sample's own decoding order tune better than ratios in a fresh random order",
            rule: format!(
                "(a) − (b) beyond {RULE_STANDARD_ERRORS} paired standard errors on final reward (higher) or KL to the tilted target (lower), not worse on the other"
            ),
            measured: format!(
                "reward {:+.4} ± {:.4}; KL {:+.4} ± {:.4} ({} seeds, {} updates; converged: (a) {}, (b) {})",
                reward.difference.mean, reward.difference.se, kl.difference.mean, kl.difference.se, results.budget.seeds,
                results.budget.grpo_updates,
                yes_no(summary(results, RatioOrder::DecodingOrder).converged),
                yes_no(summary(results, RatioOrder::FreshOrder).converged),
            ),
            holds: supported,
            word: order_word(decided, supported),
        },
    ]
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// The decoding-order verdict's word: the rule's answer once (a) and (b) have converged.
fn order_word(decided: bool, supported: bool) -> &'static str {
    match (decided, supported) {
        (false, _) => "not decided: not converged",
        (true, true) => "supported",
        (true, false) => "not supported",
    }
}

fn pm(m: &MeanSe, digits: usize) -> String {
    format!("{:.*} ± {:.*}", digits, m.mean, digits, m.se)
}

fn conditioning_table(results: &ChapterResults) -> String {
    let c = &results.conditioning;
    let mut t = String::from(
        "| sampler | compared with | total variation | KL (nats) | pass rate of its samples | training sentences |\n|---|---|---|---|---|---|\n",
    );
    let n = results.training_sentences;
    writeln!(
        t,
        "| unconditional masked model $q$ | $p$ | {:.4} | {:.4} | {:.4} | {n} |",
        c.unconditional_tv, c.unconditional_kl, c.acceptance_rate
    )
    .unwrap();
    writeln!(t, "| rejection sampling around $q$, i.e. $q(\\cdot \\mid c)$ | $p(\\cdot \\mid c)$ | {:.4} | {:.4} | 1 | {n} |", c.rejection_tv, c.rejection_kl).unwrap();
    writeln!(t, "| masked model trained on the passing sentences | $p(\\cdot \\mid c)$ | {:.4} | {:.4} | {:.4} | {} |", c.filtered_tv, c.filtered_kl, c.filtered_pass_rate, c.filtered_sentences).unwrap();
    t
}

fn decoding_order_table(results: &ChapterResults) -> String {
    let d = &results.decoding_order;
    let r = &d.reference;
    let mut t = String::from(
        "| ratios computed in | test reward $\\mathbb E_q R$ | $\\mathrm{KL}(q \\Vert q^\\ast)$ | TV to $q^\\ast$ | TV to $p(\\cdot \\mid c)$ | drift $\\mathrm{KL}(q \\Vert q_0)$ | clipped tokens | diverged runs |\n|---|---|---|---|---|---|---|---|\n",
    );
    writeln!(
        t,
        "| base model $q_0$ (before tuning) | {:.4} | {:.4} | — | {:.4} | 0 | — | — |",
        r.base_reward, r.base_kl_to_tilted, r.base_tv_to_conditional
    )
    .unwrap();
    for o in &d.orders {
        writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            o.label,
            pm(&o.reward, 4),
            pm(&o.kl_to_tilted, 4),
            pm(&o.tv_to_tilted, 4),
            pm(&o.tv_to_conditional, 4),
            pm(&o.drift, 4),
            pm(&o.clipped_fraction, 4),
            o.diverged_runs
        )
        .unwrap();
    }
    writeln!(
        t,
        "| the tilted target $q^\\ast$ itself | {:.4} | 0 | 0 | — | {:.4} | — | — |",
        r.tilted_reward, r.tilted_drift
    )
    .unwrap();
    t
}

fn convergence_table(results: &ChapterResults) -> String {
    let updates = results.budget.grpo_updates;
    let mut t = format!(
        "| ratios computed in | order converged | measure | seed-mean over updates {} | over updates {} | drift $D$ (last − previous) | tolerance $\\max({}\\,\\mathrm{{se}}(D), \\text{{gap}}/{})$ | $\\lvert D \\rvert$ / tolerance | measure converged |\n|---|---|---|---|---|---|---|---|---|\n",
        window_bounds(updates, WINDOWS - 2),
        window_bounds(updates, WINDOWS - 1),
        CONVERGENCE_STANDARD_ERRORS,
        (1.0 / CONVERGENCE_SHARE).round()
    );
    for o in &results.decoding_order.orders {
        for (name, c) in [
            ("test reward", &o.reward_convergence),
            ("$\\mathrm{KL}(q \\Vert q^\\ast)$", &o.kl_convergence),
        ] {
            writeln!(
                t,
                "| {} | {} | {name} | {:.4} | {:.4} | {:+.5} ± {:.5} | {:.5} | {:.4} | {} |",
                o.label,
                yes_no(o.converged),
                c.previous_window,
                c.last_window,
                c.drift.mean,
                c.drift.se,
                c.tolerance,
                c.drift.mean.abs() / c.tolerance,
                yes_no(c.converged)
            )
            .unwrap();
        }
    }
    t
}

fn transport_table(results: &ChapterResults) -> String {
    let tr = &results.transport;
    let mut t = String::from(
        "| regulariser $\\varepsilon$ | transport cost | information destroyed $H(Y \\mid X)$ (nats) | information kept $I(X; Y)$ (nats) | L1 distance to the exact plan | Sinkhorn sweeps | marginal error left |\n|---|---|---|---|---|---|---|\n",
    );
    writeln!(
        t,
        "| exact optimal bijection | {:.5} | {:.1e} | {:.4} | 0 | — | — |",
        tr.optimal_cost,
        tr.bijection_destroyed,
        (TRANSPORT_POINTS as f64).ln()
    )
    .unwrap();
    for s in &tr.sweep {
        writeln!(
            t,
            "| {:.4} | {:.5} | {:.4} | {:.4} | {:.1e} | {} | {:.1e} |",
            s.epsilon,
            s.cost,
            s.information_destroyed,
            s.information_kept,
            s.distance_to_exact,
            s.iterations,
            s.marginal_error
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
        writeln!(
            t,
            "| {} | {} | {} | **{}** |",
            v.statement, v.rule, v.measured, v.word
        )
        .unwrap();
    }
    t
}

/// How a paired difference reads in a sentence: which way it points (or that it is within
/// the rule's margin), its value ± standard error, and its size in standard errors.
fn reading(p: &Paired, higher: &str, lower: &str) -> String {
    let d = p.difference;
    let verdict = if p.above() {
        higher
    } else if p.below() {
        lower
    } else {
        "within two standard errors"
    };
    let z = if d.se > 0.0 { d.mean / d.se } else { 0.0 };
    format!(
        "{verdict} ({:+.4} ± {:.4}, {z:+.1} standard errors)",
        d.mean, d.se
    )
}

/// The updates of window `k` (counting from zero) of the criterion, as "first–last".
fn window_bounds(updates: usize, k: usize) -> String {
    format!(
        "{}–{}",
        k * updates / WINDOWS + 1,
        (k + 1) * updates / WINDOWS
    )
}

/// "(a) has" or "(a) and (b) have": those of `orders` that have not converged.
fn unconverged(results: &ChapterResults, orders: &[RatioOrder]) -> String {
    let names: Vec<&str> = orders
        .iter()
        .filter(|&&o| !summary(results, o).converged)
        .map(|&o| &o.label()[..3])
        .collect();
    let verb = if names.len() == 1 { "has" } else { "have" };
    format!("{} {verb}", names.join(" and "))
}

/// Which orders have converged by the criterion, and what the drifts that passed still say.
fn convergence_sentence(results: &ChapterResults) -> String {
    let orders = &results.decoding_order.orders;
    let names = |converged: bool| -> Vec<&str> {
        orders
            .iter()
            .filter(|o| o.converged == converged)
            .map(|o| &o.label[..3])
            .collect()
    };
    let (yes, no) = (names(true), names(false));
    let updates = results.budget.grpo_updates;
    let mut text = if no.is_empty() {
        format!("By the criterion, all three orders have converged after {updates} updates.")
    } else if yes.is_empty() {
        format!("By the criterion, none of the three orders has converged after {updates} updates.")
    } else {
        format!(
            "By the criterion, after {updates} updates {} {} converged and {} {} not.",
            yes.join(" and "),
            if yes.len() == 1 { "has" } else { "have" },
            no.join(" and "),
            if no.len() == 1 { "has" } else { "have" },
        )
    };
    // Measures that passed, with what they passed by and whether their drift is noise.
    let passed: Vec<(&str, &str, &Convergence)> = orders
        .iter()
        .flat_map(|o| {
            [
                (&o.label[..3], "reward", &o.reward_convergence),
                (&o.label[..3], "KL", &o.kl_convergence),
            ]
        })
        .filter(|m| m.2.converged)
        .collect();
    let list = |keep: &dyn Fn(&Convergence) -> bool| -> Vec<String> {
        passed
            .iter()
            .filter(|m| keep(m.2))
            .map(|(o, name, c)| format!("{o} on {name} ({:+.5})", c.drift.mean))
            .collect()
    };
    let close_calls: Vec<String> = passed
        .iter()
        .filter(|m| m.2.drift.mean.abs() > 0.9 * m.2.tolerance)
        .map(|(o, name, c)| {
            format!(
                "{o} on {name} ({:.2} % of its tolerance)",
                100.0 * c.drift.mean.abs() / c.tolerance
            )
        })
        .collect();
    if !close_calls.is_empty() {
        write!(
            text,
            " Passing with almost no room: {}.",
            close_calls.join(", ")
        )
        .unwrap();
    }
    let trends =
        list(&|c: &Convergence| c.drift.mean.abs() > CONVERGENCE_STANDARD_ERRORS * c.drift.se);
    if !trends.is_empty() {
        write!(
            text,
            " Drifts beyond two of their standard errors remain in {}: the criterion accepts them as under a hundredth of the gap, so those curves still move, slowly, at this budget.",
            trends.join(", ")
        )
        .unwrap();
    }
    let above: Vec<&str> = orders
        .iter()
        .filter(|o| o.reward.mean > results.decoding_order.reference.tilted_reward)
        .map(|o| &o.label[..3])
        .collect();
    if !above.is_empty() {
        write!(
            text,
            " {} {} with a test reward above the tilted target's: dividing by the group's standard deviation weighs the reward more than β alone would (the caveat above), so GRPO aims past $q^\\ast$ and the KL to it need not fall to zero.",
            above.join(" and "),
            if above.len() == 1 { "ends" } else { "end" }
        )
        .unwrap();
    }
    text
}

fn numbers(results: &ChapterResults) -> String {
    let c = &results.conditioning;
    let d = &results.decoding_order;
    let b = &results.budget;
    let (reward_ab, kl_ab) = compare(results, RatioOrder::DecodingOrder, RatioOrder::FreshOrder);
    let (reward_ca, kl_ca) = compare(
        results,
        RatioOrder::ComplementaryPair,
        RatioOrder::DecodingOrder,
    );
    let decided = decoding_order_converged(results);
    let supported = decoding_order_supported(&reward_ab, &kl_ab);
    let pair_converged = converged(
        results,
        &[RatioOrder::ComplementaryPair, RatioOrder::DecodingOrder],
    );
    let diverged: usize = d.orders.iter().map(|o| o.diverged_runs).sum();
    let closer = if c.rejection_tv < c.filtered_tv {
        "closer to"
    } else {
        "farther from"
    };
    let entries = [
        ("length", LENGTH.to_string()),
        ("training_sentences", results.training_sentences.to_string()),
        ("pretrain_iterations", b.pretrain_iterations.to_string()),
        ("pretrain_batch", PRETRAIN_BATCH.to_string()),
        ("pass_rate", format!("{:.4}", c.language_pass_rate)),
        ("acceptance_rate", format!("{:.4}", c.acceptance_rate)),
        ("draws_per_sample", format!("{:.2}", 1.0 / c.acceptance_rate)),
        ("accepted", b.accepted.to_string()),
        ("filtered_sentences", c.filtered_sentences.to_string()),
        (
            "conditioning_sentence",
            format!(
                "Rejection sampling around the unconditional model ends {closer} the exact conditional than the model trained on the {} passing sentences (total variation {:.4} against {:.4}), and pays {:.2} draws per accepted sentence.",
                c.filtered_sentences, c.rejection_tv, c.filtered_tv, 1.0 / c.acceptance_rate
            ),
        ),
        ("group", GROUP.to_string()),
        ("inner_steps", INNER_STEPS.to_string()),
        ("clip", CLIP.to_string()),
        ("learning_rate", LEARNING_RATE.to_string()),
        ("beta", BETA.to_string()),
        ("updates", b.grpo_updates.to_string()),
        ("seeds", b.seeds.to_string()),
        ("checkpoints", b.checkpoints.to_string()),
        ("checkpoint_every", (b.grpo_updates / b.checkpoints).to_string()),
        ("checkpoints_per_window", (b.checkpoints / WINDOWS).to_string()),
        ("window_previous", window_bounds(b.grpo_updates, WINDOWS - 2)),
        ("window_last", window_bounds(b.grpo_updates, WINDOWS - 1)),
        ("tilted_reward", format!("{:.4}", d.reference.tilted_reward)),
        ("base_reward", format!("{:.4}", d.reference.base_reward)),
        (
            "decoding_order_sentence",
            format!(
                "Over {} seeds, against a fresh random order, the decoding order's final test reward is {}, and its KL to the tilted target is {}. {}{}",
                b.seeds,
                reading(&reward_ab, "higher", "lower"),
                reading(&kl_ab, "larger (farther)", "smaller (closer)"),
                if decided {
                    format!("Both orders have converged by the criterion, so the rule applies: **{}**.", order_word(true, supported))
                } else {
                    format!("{} not converged by the criterion, so the rule is not applied: the verdict is **not decided**.", unconverged(results, &[RatioOrder::DecodingOrder, RatioOrder::FreshOrder]))
                },
                if diverged > 0 { format!(" {diverged} runs diverged and are reported as such.") } else { String::new() }
            ),
        ),
        (
            "complementary_sentence",
            format!(
                "Against the decoding order, the complementary pair's final test reward is {}, and its KL to the tilted target is {}{}.",
                reading(&reward_ca, "higher", "lower"),
                reading(&kl_ca, "larger (farther)", "smaller (closer)"),
                if pair_converged { String::new() } else { format!(" (at the last update: {} not converged, so this compares the budget, not converged runs)", unconverged(results, &[RatioOrder::ComplementaryPair, RatioOrder::DecodingOrder])) },
            ),
        ),
        ("convergence_sentence", convergence_sentence(results)),
        ("points", TRANSPORT_POINTS.to_string()),
        ("optimal_cost", format!("{:.5}", results.transport.optimal_cost)),
        ("log_points", format!("{:.4}", (TRANSPORT_POINTS as f64).ln())),
        ("smallest_epsilon", format!("{:.0e}", results.transport.sweep[0].epsilon)),
        ("largest_epsilon", format!("{}", results.transport.sweep[results.transport.sweep.len() - 1].epsilon)),
    ];
    anchored_numbers(&entries)
}

/// The chapter's generated files.
pub fn chapter_files(results: &ChapterResults, provenance: &Provenance) -> GeneratedFiles {
    let mut files = GeneratedFiles::with_report(CHAPTER, provenance, results);
    let path = |name: &str| format!("{CHAPTER}/{name}");
    files.add(path("numbers.md"), numbers(results));
    files.add(path("conditioning.md"), conditioning_table(results));
    files.add(path("decoding-order.md"), decoding_order_table(results));
    files.add(path("convergence.md"), convergence_table(results));
    files.add(path("transport.md"), transport_table(results));
    files.add(path("verdicts.md"), verdict_table(results));
    files.add(
        path("decoding-order.svg"),
        super::figures::decoding_order_figure(results),
    );
    files.add(
        path("transport.svg"),
        super::figures::transport_figure(results),
    );
    files.add(path("provenance.md"), provenance.to_markdown());
    files
}
