//! Part IV, chapter "Collapse and refine": data on a circle in `R^D`; at small noise the
//! denoiser collapses onto the manifold, at moderate noise it learns the density along it.

mod circle;
mod evaluation;
mod exercises;
mod experiment;
mod figures;
mod files;
mod linalg;
mod mlp;
mod oracle;
mod training;
mod two_stage;
mod verdicts;
mod von_mises;

pub use circle::{dot, Circle};
pub use evaluation::{sq_dist, Denoiser, EvalSet, Metrics, SV_THRESHOLD};
pub use exercises::{bottleneck_against_residual, density_share, uniform_circle_trace};
pub use experiment::{
    run, ChapterResults, Constants, NoiseLevelRow, Settings, TrainingRun, D, D_WIDE, HIDDEN, KAPPA,
    SIGMA_B2, SIGMA_SMALL,
};
pub use figures::{draw_caveats, draw_noise_levels, draw_pipelines, draw_training};
pub use files::chapter_files;
pub use linalg::{singular_values, symmetric_eigenvalues};
pub use mlp::{Bottleneck, Mlp, TanhLayer, Trainable};
pub use oracle::{AnglePosterior, AnglePrior, BayesDenoiser};
pub use training::{dsm_step, log_steps, train_logged, Adam, LogPoint, TrainConfig};
pub use two_stage::{
    compare_pipelines, sample_reverse, train_conditional, ConditionalDenoiser, NoiseRange,
    PipelineConfig, PipelineOutcome, SampleStats, SIGMA_DATA,
};
pub use verdicts::{
    b2_rule, caveats_hold, two_stage_passes, verdicts, Verdict, B2_COLLAPSED_TRACE, B2_COLLAPSE_BY,
    B2_NOT_YET_REFINED, B2_REFINED, B2_REFINE_BY, B3_AMBIENT_DEGRADES_BY, B3_ON_CIRCLE,
    B3_RESULTANT_TOLERANCE,
};
pub use von_mises::{
    bessel_i_scaled, bessel_i_series, bessel_ratio, mean_resultant_length, resultant_length,
    sample_von_mises, von_mises_log_density, von_mises_normaliser,
};

/// The chapter's folder under `book/generated/`.
pub const CHAPTER: &str = experiment::CHAPTER_NAME;
