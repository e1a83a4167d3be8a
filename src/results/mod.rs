//! Reproducing the claims of "Adaptive Destruction Processes for Diffusion Samplers" at
//! CPU scale (chapters "Results" and "Scaling up"): which runs each claim needs, a
//! resumable parallel sweep over them, and the tables, figures and verdicts.

pub mod best_checkpoint;
pub mod chapters;
pub mod claims;
pub mod convergence;
pub mod convergence_report;
pub mod decoupled_variances;
pub mod exercises;
pub mod extension;
pub mod findings;
pub mod reconstruction_sweep;
pub mod rules;
pub mod shard;
pub mod summary;
pub mod sweep;
pub mod what_we_tried;

pub use claims::{runs, Claim, RunSpec};
pub use sweep::{run_one, sweep, RunRecord};
