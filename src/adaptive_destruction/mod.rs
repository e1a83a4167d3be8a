//! Chapter 9, "Adaptive destruction": both kernels learned, as unconstrained Gaussians
//! with decoupled variances, and what keeps their joint training stable (bounded
//! outputs, separate optimisers, a target network, prioritised replay, a shared
//! backbone).
//!
//! The learned destruction kernel and the stabilisers are switches of chapter "Sampling
//! without data"'s engine ([`Destruction::Learned`], [`KernelConfig::learned_destruction`],
//! the trainer's target network and replay buffer): that trainer trains both
//! destructions, and a chapter imports only earlier ones. Making the trainer generic over
//! the destruction, so that the learned one could live here, is open work. The chapter's
//! generated files come from the stored runs of chapter "Results"'s sweep, which writes
//! them ([`results::chapters`](crate::results::chapters)).
//!
//! [`Destruction::Learned`]: crate::sampling_without_data::kernels::Destruction::Learned
//! [`KernelConfig::learned_destruction`]: crate::sampling_without_data::kernels::KernelConfig::learned_destruction

pub mod base_config;
pub mod exercises;
