//! The claims of "Adaptive Destruction Processes for Diffusion Samplers" that chapter
//! "Results" tests, and the training runs each one needs.

use crate::report::Scale;
use crate::sampling_without_data::kernels::Destruction;
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
}

impl Claim {
    pub const ALL: [Claim; 6] = [
        Claim::H1,
        Claim::H2,
        Claim::H3,
        Claim::H4,
        Claim::H5,
        Claim::H6,
    ];

    /// `h1` … `h6`.
    pub fn name(self) -> &'static str {
        ["h1", "h2", "h3", "h4", "h5", "h6"][self as usize]
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
                .find(|c| c.name() == part.to_ascii_lowercase())
                .ok_or_else(|| {
                    format!("unknown claim '{part}' (expected 'all' or a list of h1 … h6)")
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

// ANCHOR: budget
/// Training iterations of every run at each scale (the same budget for every method).
pub fn iterations(scale: Scale) -> usize {
    match scale {
        Scale::Quick => 200,
        Scale::Full => 2_000,
    }
}

/// The reproduction's base configuration: the documented defaults at batch 64 (32 at
/// quick scale) with a destruction learning rate of 0.3× the generation rate and a shared
/// backbone; the reference variance `σ²` suits each target's spread.
pub fn base_config(
    target: &str,
    steps: usize,
    destruction: Destruction,
    seed: u64,
    scale: Scale,
) -> TrainConfig {
    let iterations = iterations(scale);
    // The quick sweep checks the pipeline, not the claims, within the tests' time: half
    // the batch, and half as many evaluations on half as many samples (evaluation was
    // half of its time).
    let (batch, evaluations, eval_samples) = match scale {
        Scale::Quick => (32, 5, 500),
        Scale::Full => (64, 10, 1000),
    };
    let mut config = TrainConfig {
        target: target.to_string(),
        iterations,
        batch,
        seed,
        lr_destruction: 3e-4,
        eval_every: iterations / evaluations,
        eval_samples,
        ..TrainConfig::default()
    };
    config.kernel.steps = steps;
    config.kernel.destruction = destruction;
    config.kernel.shared_backbone = true;
    // Wide exploration throws Funnel's and Manywell's trajectories onto their steep walls
    // (Manywell's are quartic); the reference implementation's ε = 0.2 suits them.
    if matches!(target, "funnel" | "manywell") {
        config.exploration_std = 0.2;
    }
    config.kernel.sigma2 = match target {
        "25gmm" => 5.0,
        "40gmm" => 200.0,
        _ => 1.0,
    };
    config
}
// ANCHOR_END: budget

/// One training run of the sweep, named by its configuration: two claims that need the
/// same configuration share the run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    pub id: String,
    pub config: TrainConfig,
    /// Whether a figure draws this run's samples (then the store keeps them).
    pub keep_samples: bool,
}

impl RunSpec {
    pub fn new(config: TrainConfig) -> RunSpec {
        RunSpec {
            id: run_id(&config),
            keep_samples: draws_samples(&config),
            config,
        }
    }
}

/// The number of steps of the runs whose samples chapter "Adaptive destruction" draws.
pub const DRAWN_STEPS: usize = H1_STEPS[0];

/// The runs whose samples chapter "Adaptive destruction" draws: 25GMM at `T = 5`, seed 0.
pub fn draws_samples(config: &TrainConfig) -> bool {
    config.target == "25gmm" && config.kernel.steps == DRAWN_STEPS && config.seed == 0
}

/// `<target>-T<steps>-<destruction>-<objective>-s<seed>-<hash of the configuration>`.
pub fn run_id(config: &TrainConfig) -> String {
    let text = serde_json::to_string(config).expect("configurations serialise");
    format!(
        "{}-T{}-{}-{}-s{}-{:08x}",
        config.target,
        config.kernel.steps,
        destruction_name(config.kernel.destruction),
        objective_name(config.objective),
        config.seed,
        fnv1a(text.as_bytes()) as u32
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

/// FNV-1a, a stable 64-bit hash of bytes (file names must not change between builds).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
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
        variant("unbounded-log-variance", &|c| c.kernel.bounded = false),
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
                            add(RunSpec::new(base_config(target, 10, d, seed, scale)));
                        }
                    }
                }
            }
        }
    }
    specs.into_values().collect()
}
