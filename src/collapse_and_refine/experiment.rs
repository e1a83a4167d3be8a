//! The chapter's experiments: B1 (what the Bayes denoiser keeps, noise level by noise
//! level), B2 (collapse, then refine, in training time), the two caveats, and B3 (the
//! two-stage pipeline against an ambient denoiser), with verdicts by rules fixed before
//! the runs.

use super::circle::Circle;
use super::evaluation::{EvalSet, Metrics, SV_THRESHOLD};
use super::mlp::Mlp;
use super::oracle::{AnglePrior, BayesDenoiser};
use super::training::{log_steps, train_logged, LogPoint, TrainConfig};
use super::two_stage::{compare_pipelines, NoiseRange, PipelineConfig, PipelineOutcome};
use super::verdicts::{verdicts, Verdict};
use super::von_mises::{
    bessel_i_series, mean_resultant_length, resultant_length, von_mises_normaliser,
};
use crate::report::Scale;
use crate::sampling::seeded_rng;
use serde::Serialize;

/// The chapter's folder under `book/generated/`.
pub const CHAPTER_NAME: &str = "collapse-and-refine";

/// The ambient dimension of the main runs.
pub const D: usize = 16;
/// The von Mises concentration along the circle.
pub const KAPPA: f64 = 2.0;
/// Hidden width of every network.
pub const HIDDEN: usize = 64;
/// The noise level of the training-time runs (B2).
pub const SIGMA_B2: f64 = 0.5;
/// The small noise level of the first caveat.
pub const SIGMA_SMALL: f64 = 0.05;
/// The ambient dimension of the second caveat.
pub const D_WIDE: usize = 64;

/// The settings a scale chooses.
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    pub d: usize,
    pub kappa: f64,
    pub hidden: usize,
    pub batch: usize,
    pub lr: f64,
    pub circle_seed: u64,
    pub eval_points: usize,
    pub oracle_sigmas: Vec<f64>,
    pub learned_sigmas: Vec<f64>,
    pub learned_steps: usize,
    pub b2_steps: usize,
    pub b2_seeds: Vec<u64>,
    pub small_sigma_steps: usize,
    pub small_sigma_plain_hidden: usize,
    pub small_sigma_plain_steps: usize,
    pub small_sigma_points: usize,
    pub wide_steps: usize,
    pub wide_points: usize,
    pub pipeline_dims: Vec<usize>,
    pub pipeline_seeds: Vec<u64>,
    pub pipeline: PipelineConfig,
}

impl Settings {
    pub fn new(scale: Scale, seed: u64) -> Self {
        let full = scale == Scale::Full;
        let pipeline = PipelineConfig {
            d: 0,
            hidden: HIDDEN,
            stage_1_steps: if full { 4000 } else { 1500 },
            sigma_1: 0.05,
            stage_2_steps: if full { 4000 } else { 1500 },
            range: NoiseRange {
                sigma_min: 0.02,
                sigma_max: 10.0,
            },
            sampler_steps: if full { 200 } else { 100 },
            samples: if full { 1000 } else { 300 },
        };
        Settings {
            d: D,
            kappa: KAPPA,
            hidden: HIDDEN,
            batch: 64,
            lr: 3e-3,
            circle_seed: 5 + seed,
            eval_points: if full { 400 } else { 200 },
            oracle_sigmas: vec![0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 2.0, 4.0],
            learned_sigmas: if full {
                vec![0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 2.0]
            } else {
                vec![0.1, 0.5, 2.0]
            },
            learned_steps: if full { 3000 } else { 1000 },
            b2_steps: 3000,
            b2_seeds: (11..if full { 16 } else { 14 }).map(|s| s + seed).collect(),
            small_sigma_steps: if full { 12_000 } else { 1000 },
            small_sigma_plain_hidden: 128,
            small_sigma_plain_steps: if full { 6000 } else { 500 },
            small_sigma_points: if full { 200 } else { 50 },
            wide_steps: if full { 3000 } else { 300 },
            wide_points: if full { 100 } else { 30 },
            pipeline_dims: if full { vec![4, 16, 64] } else { vec![4, 16] },
            pipeline_seeds: (0..if full { 2 } else { 1 })
                .map(|s| 31 + s + seed)
                .collect(),
            pipeline,
        }
    }
}

/// Exact constants of the von Mises density along the circle.
#[derive(Clone, Debug, Serialize)]
pub struct Constants {
    pub i_0: f64,
    pub i_1: f64,
    pub normaliser: f64,
    pub resultant_length: f64,
    /// The resultant length of the data's own angles in the B3 sample size (sampling noise).
    pub sampled_resultant_length: f64,
}

/// B1, one noise level: the Bayes denoiser's effective dimension and the density's share
/// of the error, with the learned denoiser trained at that σ where there is one.
#[derive(Clone, Debug, Serialize)]
pub struct NoiseLevelRow {
    pub sigma: f64,
    pub bayes_trace: f64,
    pub bayes_rank: f64,
    /// `E‖f* − x_0‖² / σ²`.
    pub bayes_error: f64,
    /// The density's share: the geometry-only oracle's excess over Bayes, `/σ²`.
    pub geometry_excess: f64,
    /// `tr J*` at the centre of the circle, `(1 − I_1(κ)²/I_0(κ)²) / σ²`: the trace is not
    /// below 1 pointwise.
    pub trace_at_centre: f64,
    pub learned: Option<LogPoint>,
}

/// One training run at one σ, logged over training.
#[derive(Clone, Debug, Serialize)]
pub struct TrainingRun {
    pub label: String,
    pub d: usize,
    pub sigma: f64,
    pub hidden: usize,
    pub residual: bool,
    pub seed: u64,
    pub geometry_excess: f64,
    /// The Bayes denoiser's metrics on the same evaluation points: what `log` tends to.
    pub bayes: Metrics,
    pub log: Vec<LogPoint>,
}

impl TrainingRun {
    /// The log entry at `step` (panics if it was not logged).
    pub fn at(&self, step: usize) -> &LogPoint {
        self.log
            .iter()
            .find(|p| p.step == step)
            .unwrap_or_else(|| panic!("{}: step {step} was not logged", self.label))
    }

    /// The last log entry.
    pub fn last(&self) -> &LogPoint {
        self.log.last().expect("a run logs at least step 0")
    }
}

/// Everything the chapter reports.
#[derive(Clone, Debug, Serialize)]
pub struct ChapterResults {
    pub settings: Settings,
    pub constants: Constants,
    pub noise_levels: Vec<NoiseLevelRow>,
    pub b2_residual: Vec<TrainingRun>,
    pub b2_plain: Vec<TrainingRun>,
    pub small_sigma: Vec<TrainingRun>,
    pub wide: TrainingRun,
    pub pipelines: Vec<PipelineOutcome>,
    pub verdicts: Vec<Verdict>,
}

fn run_one(
    label: &str,
    circle: &Circle,
    (sigma, steps, hidden, residual): (f64, usize, usize, bool),
    (points, log_at): (usize, &[usize]),
    seed: u64,
) -> TrainingRun {
    let eval = EvalSet::new(circle, sigma, points, seed + 1000);
    let mut net = Mlp::new(circle.d, hidden, residual, &mut seeded_rng(seed));
    let log = train_logged(
        &mut net,
        circle,
        &TrainConfig::new(sigma, steps),
        &eval,
        log_at,
        seed,
    );
    TrainingRun {
        label: label.to_string(),
        d: circle.d,
        sigma,
        hidden,
        residual,
        seed,
        geometry_excess: eval.geometry_excess,
        bayes: eval.evaluate(&BayesDenoiser::new(circle, sigma, AnglePrior::VonMises)),
        log,
    }
}

fn noise_level(circle: &Circle, sigma: f64, settings: &Settings, seed: u64) -> NoiseLevelRow {
    let eval = EvalSet::new(circle, sigma, settings.eval_points, settings.circle_seed);
    let bayes = BayesDenoiser::new(circle, sigma, AnglePrior::VonMises);
    let n = eval.y.len() as f64;
    let (mut trace, mut rank) = (0.0, 0.0);
    for y in &eval.y {
        let (t, r) = bayes.trace_and_rank(y, SV_THRESHOLD);
        trace += t;
        rank += r as f64;
    }
    let learned = settings.learned_sigmas.contains(&sigma).then(|| {
        let mut net = Mlp::new(circle.d, settings.hidden, true, &mut seeded_rng(seed));
        let config = TrainConfig::new(sigma, settings.learned_steps);
        let log = train_logged(
            &mut net,
            circle,
            &config,
            &eval,
            &[settings.learned_steps],
            seed,
        );
        log[0]
    });
    let (tc, _) = bayes.trace_and_rank(&vec![0.0; circle.d], SV_THRESHOLD);
    NoiseLevelRow {
        sigma,
        bayes_trace: trace / n,
        bayes_rank: rank / n,
        bayes_error: eval.bayes_error,
        geometry_excess: eval.geometry_excess,
        trace_at_centre: tc,
        learned,
    }
}

/// Runs the chapter; `scale` sets the sizes (see [`Settings::new`]).
pub fn run(scale: Scale, seed: u64) -> ChapterResults {
    let settings = Settings::new(scale, seed);
    let circle = Circle::random(D, KAPPA, settings.circle_seed);
    let constants = {
        let mut rng = seeded_rng(seed + 77);
        let angles: Vec<f64> = (0..settings.pipeline.samples)
            .map(|_| circle.sample(&mut rng).0)
            .collect();
        Constants {
            i_0: bessel_i_series(0, KAPPA),
            i_1: bessel_i_series(1, KAPPA),
            normaliser: von_mises_normaliser(KAPPA),
            resultant_length: mean_resultant_length(KAPPA),
            sampled_resultant_length: resultant_length(&angles),
        }
    };
    let noise_levels = settings
        .oracle_sigmas
        .iter()
        .enumerate()
        .map(|(k, &sigma)| noise_level(&circle, sigma, &settings, seed + 21 + k as u64))
        .collect();
    let b2_log = log_steps(settings.b2_steps);
    let b2 = |residual: bool| -> Vec<TrainingRun> {
        settings
            .b2_seeds
            .iter()
            .map(|&s| {
                let label = format!("{} seed {s}", if residual { "residual" } else { "plain" });
                run_one(
                    &label,
                    &circle,
                    (SIGMA_B2, settings.b2_steps, HIDDEN, residual),
                    (settings.eval_points, &b2_log),
                    s,
                )
            })
            .collect()
    };
    let (b2_residual, b2_plain) = (b2(true), b2(false));
    let sparse = |steps: usize| -> Vec<usize> {
        let mut v: Vec<usize> = [
            0, 25, 50, 100, 150, 250, 500, 1000, 2000, 3000, 4000, 6000, 8000, 10_000, 12_000,
        ]
        .into_iter()
        .filter(|&s| s < steps)
        .collect();
        v.push(steps);
        v
    };
    let small_sigma = vec![
        run_one(
            "residual, H = 64",
            &circle,
            (SIGMA_SMALL, settings.small_sigma_steps, HIDDEN, true),
            (
                settings.small_sigma_points,
                &sparse(settings.small_sigma_steps),
            ),
            seed + 11,
        ),
        run_one(
            &format!("plain, H = {}", settings.small_sigma_plain_hidden),
            &circle,
            (
                SIGMA_SMALL,
                settings.small_sigma_plain_steps,
                settings.small_sigma_plain_hidden,
                false,
            ),
            (
                settings.small_sigma_points,
                &sparse(settings.small_sigma_plain_steps),
            ),
            seed + 11,
        ),
    ];
    let wide_circle = Circle::random(D_WIDE, KAPPA, settings.circle_seed);
    let wide = run_one(
        "residual, H = 64",
        &wide_circle,
        (SIGMA_B2, settings.wide_steps, HIDDEN, true),
        (settings.wide_points, &sparse(settings.wide_steps)),
        seed + 11,
    );
    let mut pipelines = Vec::new();
    for &d in &settings.pipeline_dims {
        let c = Circle::random(d, KAPPA, settings.circle_seed);
        for &s in &settings.pipeline_seeds {
            pipelines.push(compare_pipelines(
                &c,
                &PipelineConfig {
                    d,
                    ..settings.pipeline
                },
                s,
            ));
        }
    }
    let mut results = ChapterResults {
        settings,
        constants,
        noise_levels,
        b2_residual,
        b2_plain,
        small_sigma,
        wide,
        pipelines,
        verdicts: Vec::new(),
    };
    results.verdicts = verdicts(&results);
    results
}
