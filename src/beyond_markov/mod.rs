//! Part II, chapter "Beyond Markov": destruction as an interpolation between data and
//! noise, `x_t = sqrt(a_t) x_0 + sqrt(1 − a_t) z`, the bijection it gives while the
//! noise is kept, and noise prediction as guessing the noise that was dropped.

pub mod diagrams;
pub mod exercises;
mod experiment;
mod interpolation;
mod noise_prediction;

pub use experiment::{chapter_files, run, ChapterResults, LevelRow, CHAPTER, TABLE_ALPHAS};
pub use interpolation::{remix, round_trip_error, x_0_from, x_t, ALPHAS, LEVELS};
pub use noise_prediction::{
    gaussian_noise_mmse, noise_mmse, posterior_noise_mean, sample_posterior_noise, TwoPoints,
};
