//! Chapter 8, "Sampling without data" (Part III, "Learning the destruction"): diffusion
//! samplers that learn to sample an unnormalised density without data.
//!
//! The targets, the kernel network, the two Gaussian kernels, the trajectory log-weight,
//! the objectives, the trainer and the bounds `ELBO ≤ log Z ≤ EUBO`: one engine, generic
//! over the dfdx device and over the destruction process, that the later chapters of
//! Part III train. This chapter's destruction is the fixed Brownian bridge
//! ([`destruction::Bridge`]); chapter "Adaptive destruction" adds a learned one.

pub mod bounds_figure;
pub mod destruction;
pub mod diagnostics;
pub mod diagrams;
pub mod evaluate;
pub mod exercises;
pub mod experiment;
pub mod kernels;
pub mod mmd;
pub mod network;
pub mod objectives;
pub mod padding;
pub mod parameters;
pub mod replay;
pub mod run_files;
mod target;
pub mod targets;
pub mod train;
pub mod training_run;
pub mod trajectory;
pub mod transport;
pub mod values;

pub use network::{HARMONICS, WIDTH};
pub use target::{
    autodiff_grad_log_density, device, log_density_values, to_tensor, Points, Target, Values,
};
