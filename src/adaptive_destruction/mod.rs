//! Chapter 9, "Adaptive destruction": both kernels learned, as unconstrained Gaussians
//! with decoupled variances, and what keeps their joint training stable (bounded
//! outputs, separate optimisers, a target network, prioritised replay, a shared
//! backbone).
//!
//! The learned kernel, its loss terms and its update are [`learned::LearnedGaussian`], a
//! destruction process for chapter "Sampling without data"'s trainer
//! ([`DestructionProcess`]); [`training`] trains a configuration with whichever
//! destruction it names. The chapter's generated files come from the stored runs of
//! chapter "Results"'s sweep, which writes them
//! ([`results::chapters`](crate::results::chapters)).
//!
//! [`DestructionProcess`]: crate::sampling_without_data::destruction::DestructionProcess

pub mod base_config;
pub mod exercises;
pub mod learned;
pub mod multiplicative;
pub mod training;
