//! Part IV, chapter "Denoisers and scores": the bridge from Part II's noise-predicting
//! networks to what Part IV asks of them. DDPM's loss is minimised by the posterior mean of
//! the noise; Tweedie's formula makes that, and the optimal denoiser, a rescaled score —
//! all exact on a Gaussian mixture.

pub mod exercises;
mod experiment;
mod figures;
mod learned;
mod mixture;
mod tweedie;

pub use experiment::{
    chapter_files, run, verdicts, Bin, Budget, ChapterResults, LevelResult, Verdict, CHAPTER,
    IDENTITY_TOLERANCE, LEVELS, MAX_BIN_Z, MAX_LOSS_GAP, MAX_NOISE_RMS,
};
pub use learned::{train_noise_predictor, LearnedNoise, NoisePredictor};
pub use mixture::{chapter_mixture, GaussianMixture};
pub use tweedie::{
    denoiser_from_score, finite_difference_score, noise_from_score, score_from_noise,
};
