//! The claims of "Adaptive Destruction Processes for Diffusion Samplers" that chapter
//! "Results" tests, and the training runs each one needs.

use crate::report::Scale;
use crate::sampling_without_data::kernels::{Correction, Destruction, LearnedParts};
use crate::sampling_without_data::objectives::Objective;
use crate::sampling_without_data::train::TrainConfig;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One claim of the paper, as chapter "Results" states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Claim {
    /// Learned destruction beats fixed destruction with few steps.
    H1,
    /// Five learned steps match twenty fixed ones.
    H2,
    /// Learned destruction converges faster.
    H3,
    /// TB and VarGrad match or beat reverse KL; TLM diverges at large `T`.
    H4,
    /// What makes joint training stable.
    H5,
    /// Scaling up: a latent-space task.
    H6,
    /// The decoupled variances: learning the destruction's variance apart from the
    /// generation's is what helps (the ablation of the paper's headline mechanism).
    H7,
}

impl Claim {
    /// The claims of the published sweep at the short budget ([`base_config`]).
    pub const ALL: [Claim; 6] = [
        Claim::H1,
        Claim::H2,
        Claim::H3,
        Claim::H4,
        Claim::H5,
        Claim::H6,
    ];

    /// The claims the convergence sweep decides ([`converged_runs`]).
    pub const CONVERGED: [Claim; 4] = [Claim::H1, Claim::H2, Claim::H3, Claim::H7];

    /// `h1` … `h7`.
    pub fn name(self) -> &'static str {
        ["h1", "h2", "h3", "h4", "h5", "h6", "h7"][self as usize]
    }

    /// Parses `h1,h3` or `all` into claims; the error names the bad entry.
    pub fn parse_list(text: &str) -> Result<Vec<Claim>, String> {
        if text == "all" {
            return Ok(Claim::ALL.to_vec());
        }
        let mut claims = Vec::new();
        for part in text.split(',').map(str::trim) {
            let claim = Claim::ALL
                .into_iter()
                .chain([Claim::H7])
                .find(|c| c.name() == part.to_ascii_lowercase())
                .ok_or_else(|| {
                    format!("unknown claim '{part}' (expected 'all' or a list of h1 … h7)")
                })?;
            if !claims.contains(&claim) {
                claims.push(claim);
            }
        }
        Ok(claims)
    }
}

/// Seeds per configuration; runs of two methods with the same seed are paired.
pub const SEEDS: u64 = 5;

/// The four benchmark targets of H1–H3.
pub const TARGETS: [&str; 4] = ["25gmm", "40gmm", "funnel", "manywell"];

// The reproduction's base configuration is chapter "Adaptive destruction"'s.
pub use crate::adaptive_destruction::base_config::{base_config, iterations};

// ANCHOR: converged_budget
/// The convergence sweep's budget at each scale: `(iterations, batch, evaluations)`.
/// Batch 300 is the sampler literature's setting and chapter "Sampling without data"'s;
/// twenty evaluations give the learning curve that [`super::convergence`] reads. Fixed
/// before the sweep ran.
pub fn converged_budget(scale: Scale) -> (usize, usize, usize) {
    match scale {
        // The quick budget is the published sweep's, so the tests' quick sweeps share
        // their fixed and learned runs.
        Scale::Quick => (200, 32, 5),
        Scale::Full => (10_000, 300, 20),
    }
}

/// [`base_config`] at the convergence budget: the same sampler, trained longer on
/// larger batches.
pub fn converged_config(
    target: &str,
    steps: usize,
    destruction: Destruction,
    seed: u64,
    scale: Scale,
) -> TrainConfig {
    let mut config = base_config(target, steps, destruction, seed, scale);
    let (iterations, batch, evaluations) = converged_budget(scale);
    config.iterations = iterations;
    config.batch = batch;
    config.eval_every = iterations / evaluations;
    config
}
// ANCHOR_END: converged_budget

// ANCHOR: h7_arms
/// H7's targets and steps: a mixture and the hardest 32-D target, at few steps.
pub const H7_TARGETS: [&str; 2] = ["25gmm", "manywell"];
pub const H7_STEPS: [usize; 2] = [5, 10];
/// H7's arms: the learned destruction with decoupled mean and variance (the method, H1's
/// learned runs), its variance tied to the generation's, its mean alone, its variance
/// alone.
pub const H7_PARTS: [LearnedParts; 4] = [
    LearnedParts::MeanAndVariance,
    LearnedParts::MeanTiedVariance,
    LearnedParts::MeanOnly,
    LearnedParts::VarianceOnly,
];

/// H7's run of one arm, at the convergence budget.
pub fn h7_config(
    target: &str,
    steps: usize,
    parts: LearnedParts,
    seed: u64,
    scale: Scale,
) -> TrainConfig {
    let mut config = converged_config(target, steps, Destruction::Learned, seed, scale);
    config.kernel.learned_parts = parts;
    config
}
// ANCHOR_END: h7_arms

/// H7's cells (target and steps): all four; at quick scale (the tests), where H1–H3's
/// runs are the published quick sweep's, only 25GMM at `T = 5` adds runs.
pub fn h7_cells(scale: Scale) -> Vec<(&'static str, usize)> {
    let all = H7_TARGETS
        .iter()
        .flat_map(|&t| H7_STEPS.iter().map(move |&s| (t, s)));
    match scale {
        Scale::Quick => all.take(1).collect(),
        Scale::Full => all.collect(),
    }
}

// ANCHOR: diagnostics
/// What we try when the learned destruction falls behind the fixed one at convergence:
/// the knobs of our reconstruction, one at a time, on 25GMM at `T = 5` with the
/// convergence budget. They decide no claim; they say whether a verdict is about the
/// method or about our reconstruction of it.
pub fn diagnostic_variants(scale: Scale, seed: u64) -> Vec<(&'static str, TrainConfig)> {
    let method = converged_config("25gmm", 5, Destruction::Learned, seed, scale);
    let variant = |name: &'static str, edit: &dyn Fn(&mut TrainConfig)| {
        let mut c = method.clone();
        edit(&mut c);
        (name, c)
    };
    vec![
        // The destruction's learning rate against the generation's (the method: 0.3×).
        variant("ratio 0.1", &|c| c.lr_destruction = 0.1 * c.lr_generation),
        variant("ratio 1", &|c| c.lr_destruction = c.lr_generation),
        // The residual's bound around the bridge's mean (the method: 3).
        variant("mean range 1", &|c| c.kernel.destruction_mean_range = 1.0),
        variant("mean range 10", &|c| c.kernel.destruction_mean_range = 10.0),
        // The slowly moving copy the destruction is scored against.
        variant("no target network", &|c| c.target_network = false),
        // Its own backbone instead of the generation's.
        variant("separate backbones", &|c| c.kernel.shared_backbone = false),
    ]
}
// ANCHOR_END: diagnostics

/// `decoupled`, `tied`, `mean-only` or `variance-only`.
pub fn parts_name(parts: LearnedParts) -> &'static str {
    match parts {
        LearnedParts::MeanAndVariance => "decoupled",
        LearnedParts::MeanTiedVariance => "tied",
        LearnedParts::MeanOnly => "mean-only",
        LearnedParts::VarianceOnly => "variance-only",
    }
}

/// How long a sweep's runs train.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Budget {
    /// The published sweep of H1–H6: [`iterations`] at batch 64.
    Short,
    /// The convergence sweep of H1–H3 and H7: [`converged_budget`].
    Converged,
}

impl Budget {
    /// The configuration of a run of this sweep ([`base_config`] or [`converged_config`]).
    pub fn config(
        self,
        target: &str,
        steps: usize,
        destruction: Destruction,
        seed: u64,
        scale: Scale,
    ) -> TrainConfig {
        match self {
            Budget::Short => base_config(target, steps, destruction, seed, scale),
            Budget::Converged => converged_config(target, steps, destruction, seed, scale),
        }
    }
}

/// Every run of the convergence sweep (H1–H3, H7 and, at full scale, the
/// [`diagnostic_variants`] at [`converged_budget`]), seed 0 of every configuration first, so that an interrupted sweep has covered every
/// configuration before it repeats one.
pub fn converged_runs(scale: Scale) -> Vec<RunSpec> {
    let mut specs = Vec::new();
    for seed in 0..SEEDS {
        for target in TARGETS {
            for t in H1_STEPS {
                for d in [Destruction::Fixed, Destruction::Learned] {
                    specs.push(RunSpec::new(converged_config(target, t, d, seed, scale)));
                }
            }
        }
        for (target, t) in h7_cells(scale) {
            // The decoupled arm is H1's learned run, listed above.
            for parts in &H7_PARTS[1..] {
                specs.push(RunSpec::new(h7_config(target, t, *parts, seed, scale)));
            }
        }
        if scale == Scale::Full {
            for (_, config) in diagnostic_variants(scale, seed) {
                specs.push(RunSpec::new(config));
            }
        }
    }
    specs
}

/// One training run of the sweep, named by its configuration: two claims that need the
/// same configuration share the run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    pub id: String,
    pub config: TrainConfig,
    /// Whether a figure draws this run's samples (then the store keeps them).
    pub keep_samples: bool,
    /// Whether the store keeps the run's training diagnostics (the diagnostic sweep's).
    pub keep_diagnostics: bool,
}

impl RunSpec {
    pub fn new(config: TrainConfig) -> RunSpec {
        RunSpec {
            id: run_id(&config),
            keep_samples: draws_samples(&config),
            keep_diagnostics: false,
            config,
        }
    }
}

/// The number of steps of the runs whose samples chapter "Adaptive destruction" draws.
pub const DRAWN_STEPS: usize = H1_STEPS[0];
/// The seed of the runs whose samples are drawn.
pub const DRAWN_SEED: u64 = 0;

/// The runs whose samples chapter "Adaptive destruction" draws: 25GMM at `T = 5`, seed
/// [`DRAWN_SEED`].
pub fn draws_samples(config: &TrainConfig) -> bool {
    config.target == "25gmm" && config.kernel.steps == DRAWN_STEPS && config.seed == DRAWN_SEED
}

/// `<target>-T<steps>-<destruction>[-<learned parts>]-<objective>-s<seed>-<hash of the
/// configuration>`.
pub fn run_id(config: &TrainConfig) -> String {
    let text = serde_json::to_string(config).expect("configurations serialise");
    // H7's arms name their learned parts (the method's own, the default, adds nothing,
    // so the ids of runs stored before H7 existed stay as they were).
    let mut parts = match config.kernel.learned_parts {
        LearnedParts::MeanAndVariance => String::new(),
        parts => format!("-{}", parts_name(parts)),
    };
    // Likewise the lineage's multiplicative correction.
    if config.kernel.correction == Correction::Multiplicative {
        parts.push_str("-multiplicative");
    }
    format!(
        "{}-T{}-{}{parts}-{}-s{}-{:08x}",
        config.target,
        config.kernel.steps,
        destruction_name(config.kernel.destruction),
        objective_name(config.objective),
        config.seed,
        crate::report::stable_hash(text.as_bytes()) as u32
    )
}

/// `tb`, `vargrad`, `pis` or `tlm`.
pub fn objective_name(o: Objective) -> &'static str {
    match o {
        Objective::Tb => "tb",
        Objective::Vargrad => "vargrad",
        Objective::Pis => "pis",
        Objective::Tlm => "tlm",
    }
}

/// The H5 variants: the full method, then one stabiliser removed at a time, then the
/// destruction/generation learning-rate ratios.
pub fn stability_variants(scale: Scale, seed: u64) -> Vec<(String, TrainConfig)> {
    let full = base_config("25gmm", h5_steps(scale), Destruction::Learned, seed, scale);
    let variant = |name: &str, edit: &dyn Fn(&mut TrainConfig)| {
        let mut c = full.clone();
        edit(&mut c);
        (name.to_string(), c)
    };
    let mut variants = vec![
        variant("full", &|_| {}),
        variant("no-target-network", &|c| c.target_network = false),
        variant("same-learning-rate", &|c| {
            c.lr_destruction = c.lr_generation
        }),
        variant("no-replay", &|c| {
            c.buffer_capacity = 0;
            c.backward_every = 0;
        }),
        variant("uniform-replay", &|c| c.prioritised = false),
        variant("unbounded-outputs", &|c| c.kernel.bounded = false),
        variant("separate-backbones", &|c| c.kernel.shared_backbone = false),
    ];
    for ratio in LEARNING_RATE_RATIOS {
        variants.push(variant(&format!("ratio-{ratio}"), &|c| {
            c.lr_destruction = ratio * c.lr_generation
        }));
    }
    variants
}

/// The number of steps of H5's runs: `T = 10` in the full sweep; at quick scale `T = 5`,
/// so that its full method is H1's run and its variants cost half (tests' time).
pub fn h5_steps(scale: Scale) -> usize {
    match scale {
        Scale::Full => 10,
        Scale::Quick => 5,
    }
}

/// Destruction/generation learning-rate ratios swept by H5.
pub const LEARNING_RATE_RATIOS: [f64; 4] = [0.1, 0.3, 1.0, 3.0];

/// Steps compared by H1 (and H2's endpoints).
pub const H1_STEPS: [usize; 3] = [5, 10, 20];
/// Steps compared by H4 in the full sweep.
pub const H4_STEPS: [usize; 3] = [5, 20, 50];

/// Steps compared by H4 at `scale`. The quick sweep checks the pipeline, not the claim, in
/// the tests' time budget: it compares the objectives at H1's steps (`T = 50` alone was
/// a third of its time), so TB's runs are H1's.
pub fn h4_steps(scale: Scale) -> [usize; 3] {
    match scale {
        Scale::Full => H4_STEPS,
        Scale::Quick => H1_STEPS,
    }
}
/// Objectives compared by H4.
pub const H4_OBJECTIVES: [Objective; 4] = [
    Objective::Tb,
    Objective::Vargrad,
    Objective::Pis,
    Objective::Tlm,
];
/// Latent dimensions of H6.
pub const H6_LATENTS: [&str; 2] = ["latent-16", "latent-32"];
/// Steps of H6's samplers.
pub const H6_STEPS: usize = 10;

/// H4's run of `objective` at `steps` (learned destruction on 25GMM). Reverse KL is
/// on-policy, so it runs without exploration and replay.
pub fn objective_config(
    objective: Objective,
    steps: usize,
    seed: u64,
    scale: Scale,
) -> TrainConfig {
    let mut c = base_config("25gmm", steps, Destruction::Learned, seed, scale);
    c.objective = objective;
    if objective == Objective::Pis {
        c.exploration_std = 0.0;
        c.buffer_capacity = 0;
        c.backward_every = 0;
    }
    c
}

/// `fixed` or `learned`.
pub fn destruction_name(d: Destruction) -> &'static str {
    match d {
        Destruction::Fixed => "fixed",
        Destruction::Learned => "learned",
    }
}

/// Every run the chosen claims need, each once, in a stable order.
pub fn runs(claims: &[Claim], scale: Scale) -> Vec<RunSpec> {
    let mut specs: BTreeMap<String, RunSpec> = BTreeMap::new();
    let mut add = |spec: RunSpec| {
        if let Some(existing) = specs.get(&spec.id) {
            assert_eq!(
                existing.config, spec.config,
                "two configurations share id {}",
                spec.id
            );
        }
        specs.insert(spec.id.clone(), spec);
    };
    let both = [Destruction::Fixed, Destruction::Learned];
    for seed in 0..SEEDS {
        for &claim in claims {
            match claim {
                // H2 and H3 read H1's runs.
                Claim::H1 | Claim::H2 | Claim::H3 => {
                    for target in TARGETS {
                        for steps in H1_STEPS {
                            for d in both {
                                add(RunSpec::new(base_config(target, steps, d, seed, scale)));
                            }
                        }
                    }
                }
                Claim::H4 => {
                    for steps in h4_steps(scale) {
                        for objective in H4_OBJECTIVES {
                            add(RunSpec::new(objective_config(
                                objective, steps, seed, scale,
                            )));
                        }
                    }
                }
                Claim::H5 => {
                    for (_, c) in stability_variants(scale, seed) {
                        add(RunSpec::new(c));
                    }
                }
                Claim::H6 => {
                    for target in H6_LATENTS {
                        for d in both {
                            add(RunSpec::new(base_config(target, H6_STEPS, d, seed, scale)));
                        }
                    }
                }
                // Decided only at the convergence budget: see [`converged_runs`].
                Claim::H7 => {}
            }
        }
    }
    specs.into_values().collect()
}
