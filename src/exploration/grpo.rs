//! Reward-tuning a masked model with a group-relative policy gradient (GRPO), with the
//! per-token probability ratios taken in one of three orders — the question the post
//! proposes to settle by experiment. Introduced in chapter "Exploration".

use super::masked_model::{mask, reveal, MaskedModel, Sentence, WeightedRow, LENGTH, VOCAB};
use crate::sampling::seeded_rng;
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::seq::SliceRandom;
use ndarray_rand::rand::Rng;
use serde::{Deserialize, Serialize};

/// Where the per-token probability ratios `q_θ(x_i | context) / q_old(x_i | context)`
/// take their contexts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RatioOrder {
    /// (a) The order in which the sample was actually decoded: token `k` is scored given
    /// the tokens unmasked before it (on-policy credit).
    DecodingOrder,
    /// (b) A freshly drawn uniformly random order, independent of how the sample was made.
    FreshOrder,
    /// (c) One random mask and its complement (DiffuCoder's coupled estimate): each token
    /// is scored once, given the tokens of the other half.
    ComplementaryPair,
}

impl RatioOrder {
    pub const ALL: [RatioOrder; 3] = [
        RatioOrder::DecodingOrder,
        RatioOrder::FreshOrder,
        RatioOrder::ComplementaryPair,
    ];

    /// The label the tables and figures print.
    pub fn label(self) -> &'static str {
        match self {
            RatioOrder::DecodingOrder => "(a) decoding order",
            RatioOrder::FreshOrder => "(b) fresh random order",
            RatioOrder::ComplementaryPair => "(c) complementary pair",
        }
    }
}

// ANCHOR: contexts
/// The `LENGTH` scored tokens of one sample, as `(context, position, token)`: every
/// position exactly once, with the context `order` (or the mask pair) gives it.
pub fn scored_tokens(
    x: &Sentence,
    decoded_in: &[usize; LENGTH],
    order: RatioOrder,
    rng: &mut StdRng,
) -> Vec<(super::masked_model::Partial, usize, usize)> {
    let in_order = |sigma: &[usize; LENGTH]| {
        (0..LENGTH)
            .map(|k| (reveal(x, &sigma[..k]), sigma[k], x[sigma[k]]))
            .collect()
    };
    match order {
        RatioOrder::DecodingOrder => in_order(decoded_in),
        RatioOrder::FreshOrder => {
            let mut sigma: [usize; LENGTH] = std::array::from_fn(|i| i);
            sigma.shuffle(rng);
            in_order(&sigma)
        }
        RatioOrder::ComplementaryPair => {
            // Mask each position with probability t ~ U(0, 1); the complement masks the rest.
            let t: f64 = rng.random();
            let (masked, kept): (Vec<usize>, Vec<usize>) =
                (0..LENGTH).partition(|_| rng.random::<f64>() < t);
            let first = mask(x, &masked);
            let second = mask(x, &kept);
            (0..LENGTH)
                .map(|i| {
                    let context = if masked.contains(&i) { first } else { second };
                    (context, i, x[i])
                })
                .collect()
        }
    }
}
// ANCHOR_END: contexts

/// GRPO's settings.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct GrpoConfig {
    /// Policy updates (one fresh group of samples each).
    pub updates: usize,
    /// Samples per group.
    pub group: usize,
    /// Gradient steps on each group against the same frozen old model.
    pub inner_steps: usize,
    /// Ratios are clipped to `[1 − clip, 1 + clip]`.
    pub clip: f64,
    /// Adam's step size.
    pub lr: f64,
    /// Weight `β` of the per-token penalty that keeps the model near the base model.
    pub beta: f64,
    /// Exact evaluations along the way (plus the start).
    pub checkpoints: usize,
}

/// The tuned model's state at one checkpoint, measured exactly by enumeration.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub update: usize,
    /// `Σ_x q(x) R(x)`: the expected reward of the model's own samples.
    pub reward: f64,
    /// `KL(q ‖ q*)` to the reward-tilted base model `q* ∝ q_0 e^{R/β}` (nats): the gap
    /// `β KL(q ‖ q*)` is how far GRPO's penalised objective is from its optimum.
    pub kl_to_tilted: f64,
    /// Total variation to the same tilted target.
    pub tv_to_tilted: f64,
    /// Total variation to the language's conditional `p(x | c)` (reward as conditioning).
    pub tv_to_conditional: f64,
    /// `KL(q ‖ q_0)`: drift from the base model, in nats.
    pub drift: f64,
}

/// One tuning run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TuningRun {
    pub order: RatioOrder,
    pub seed: u64,
    pub curve: Vec<Checkpoint>,
    /// Share of scored tokens whose ratio was clipped (gradient zeroed), over all steps.
    pub clipped_fraction: f64,
    /// Whether a non-finite log-probability stopped the run early.
    pub diverged: bool,
}

impl TuningRun {
    /// The last checkpoint.
    pub fn last(&self) -> Checkpoint {
        *self.curve.last().expect("at least the starting checkpoint")
    }
}

// ANCHOR: advantages
/// Group-relative advantages `A_g = (R_g − mean R) / (std R + 10⁻⁸)`: a sample is
/// credited for beating its own group, so no value network is needed.
pub fn group_advantages(rewards: &[f64]) -> Vec<f64> {
    let n = rewards.len() as f64;
    let mean = rewards.iter().sum::<f64>() / n;
    let std = (rewards.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / n).sqrt();
    rewards.iter().map(|r| (r - mean) / (std + 1e-8)).collect()
}
// ANCHOR_END: advantages

// ANCHOR: clipped_weight
/// The gradient weight of one token in GRPO's clipped surrogate
/// `min(r A, clip(r, 1 − ε, 1 + ε) A)`, whose gradient is `A r ∇ log q_θ` while the
/// unclipped branch is the smaller one and zero once the ratio has moved past the clip in
/// the advantage's direction.
pub fn clipped_weight(ratio: f64, advantage: f64, clip: f64) -> f64 {
    let past_clip =
        (advantage > 0.0 && ratio > 1.0 + clip) || (advantage < 0.0 && ratio < 1.0 - clip);
    if past_clip {
        0.0
    } else {
        advantage * ratio
    }
}
// ANCHOR_END: clipped_weight

// ANCHOR: kl_weight
/// The gradient weight of one token in GRPO's penalty `−β k₃`, with DeepSeekMath's
/// per-token estimate `k₃ = q_0/q_θ − log(q_0/q_θ) − 1 ≥ 0` of the drift from the base
/// model `q_0`: its derivative in `log q_θ` is `1 − q_0/q_θ`, so the weight is
/// `−β (1 − q_0/q_θ)`.
pub fn kl_weight(log_q: f64, log_q_base: f64, beta: f64) -> f64 {
    -beta * (1.0 - (log_q_base - log_q).exp())
}
// ANCHOR_END: kl_weight

// ANCHOR: grpo
/// Tunes a copy of `base` with GRPO: each update draws a group from the current model
/// (the frozen old model `q_old`), scores each sample with `reward`, normalises the
/// rewards within the group, and takes `inner_steps` Adam steps on
/// `(1 / (G·LENGTH)) Σ_g Σ_i [min(r_gi A_g, clip(r_gi) A_g) − β k₃(q_θ, q_0)]`, with each
/// ratio `r_gi = q_θ(x_i | context) / q_old(x_i | context)` and the penalty in the
/// contexts `order` picks. `evaluate` measures the model exactly at each checkpoint.
pub fn grpo_tune(
    base: &MaskedModel,
    reward: impl Fn(&Sentence) -> f64,
    order: RatioOrder,
    config: &GrpoConfig,
    seed: u64,
    mut evaluate: impl FnMut(&MaskedModel, usize) -> Checkpoint,
) -> TuningRun {
    let mut model = base.clone();
    let mut optimiser = model.optimiser(config.lr);
    let mut rng = seeded_rng(seed);
    let every = (config.updates / config.checkpoints.max(1)).max(1);
    let mut curve = vec![evaluate(&model, 0)];
    let (mut clipped, mut scored) = (0usize, 0usize);
    let mut diverged = false;
    'updates: for update in 1..=config.updates {
        let old = model.clone();
        let samples = old.generate(config.group, &mut rng);
        let rewards: Vec<f64> = samples.iter().map(|(x, _)| reward(x)).collect();
        let advantages = group_advantages(&rewards);
        let mut tokens = Vec::with_capacity(config.group * LENGTH);
        let mut token_advantage = Vec::with_capacity(config.group * LENGTH);
        for ((x, decoded_in), &a) in samples.iter().zip(&advantages) {
            tokens.extend(scored_tokens(x, decoded_in, order, &mut rng));
            token_advantage.extend([a; LENGTH]);
        }
        let old_log_q = old.log_prob_of(&tokens);
        let base_log_q = base.log_prob_of(&tokens);
        for _ in 0..config.inner_steps {
            let new_log_q = model.log_prob_of(&tokens);
            if new_log_q.iter().any(|l| !l.is_finite()) {
                diverged = true;
                break 'updates;
            }
            let rows: Vec<WeightedRow> = tokens
                .iter()
                .zip(new_log_q.iter().zip(&old_log_q).zip(&base_log_q))
                .zip(&token_advantage)
                .map(|((&(context, i, v), ((new, old), base)), &a)| {
                    let policy = clipped_weight((new - old).exp(), a, config.clip);
                    clipped += usize::from(policy == 0.0 && a != 0.0);
                    let weight = policy + kl_weight(*new, *base, config.beta);
                    scored += 1;
                    let mut weights = [[0.0; VOCAB]; LENGTH];
                    weights[i][v] = weight;
                    (context, weights)
                })
                .collect();
            model.weighted_step(&mut optimiser, &rows);
        }
        if update % every == 0 || update == config.updates {
            let checkpoint = evaluate(&model, update);
            curve.push(checkpoint);
            if !checkpoint.reward.is_finite() {
                diverged = true;
                break;
            }
        }
    }
    TuningRun {
        order,
        seed,
        curve,
        clipped_fraction: clipped as f64 / scored.max(1) as f64,
        diverged,
    }
}
// ANCHOR_END: grpo
