//! Part III, "Learning the destruction": diffusion samplers that learn to sample an
//! unnormalised density without data, with a fixed or a learned destruction process.
//!
//! Chapter "Sampling without data" introduces the targets, the two Gaussian kernels, the
//! trajectory log-weight, the objectives and the bounds `ELBO ≤ log Z ≤ EUBO`; chapter
//! "Adaptive destruction" the learned destruction kernel and what keeps joint training
//! stable.

pub mod bounds_figure;
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
pub mod reproduce;
pub mod run_files;
pub mod sampler_diagram;
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
