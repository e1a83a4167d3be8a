//! Part IV, chapter "Easy to hard": the mixed cumulant model (a covariance spike along
//! `u`, a fourth-cumulant spike along `v`), a shallow denoiser trained by online SGD at one
//! noise level, and what it learns first — pair-wise statistics after about `d` samples,
//! the fourth cumulant after about `d³`, unless the two share a latent variable.

pub mod denoiser;
pub mod exercises;
mod experiment;
pub mod figures;
mod files;
pub mod landscape;
pub mod model;
pub mod oracle;
pub mod runs;
pub mod training;

pub use denoiser::{phi, phi_prime, Denoiser};
pub use exercises::*;
pub use experiment::{
    a1_checks, a3_arms, beyond_covariance_holds, hidden_coupling_holds, log_log_slope,
    outcome_from_count, recovery_sweep, run, run_seed, signal, thousands, upper_median,
    ChapterResults, Correlated, EasyBeforeHard, Exponents, LatentRuns, ModelChecks, Outcome,
    Settings, Signal, Sweep, SweepPoint, Verdict,
};
pub use files::{chapter_files, CHAPTER};
pub use landscape::{gain_table, linear_coupling, local_order, GainRow, PopulationLoss};
pub use model::{destroy_into, random_spikes, whitening_c, Latent, MixedCumulantModel};
pub use oracle::{
    covariance, e_lambda_nu, kappa4_along_v, moment_checks, top_component_overlap, whitening_matrix,
};
pub use runs::{
    overlaps_every, steps_to_recovery, two_spike_run, Spike, Trajectory, TwoSpikeRun, FOUND,
};
pub use training::{OnlineSgd, RunConfig, ALPHA};
