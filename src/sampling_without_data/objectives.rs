//! Training objectives. All of them score trajectories by
//! `Δ(τ) = Σ log p→ − Σ log p← − log R(x_T) = −log w(τ)`.

use crate::dfdx::prelude::*;
use serde::{Deserialize, Serialize};

/// Which loss trains the sampler.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// Trajectory balance: `E_π[(log Z_ψ + Δ)²]` with a learned `log Z_ψ`; off-policy.
    Tb,
    /// Log-variance: `E_π[(Δ − E_π Δ)²]` with the batch mean as baseline; off-policy.
    Vargrad,
    /// Reverse KL `E_{P→}[Δ]` through reparametrised trajectories (PIS); on-policy.
    Pis,
    /// Trajectory balance for generation; the destruction process by maximum likelihood
    /// of generated trajectories (TLM), with its own optimiser and a target copy.
    Tlm,
}

/// Per-trajectory values, on device `Dv`.
pub type PerTrajectory<Dv, T> = Tensor<(usize,), f32, Dv, T>;
/// A scalar loss, with the tape of everything it depends on.
pub type Loss<Dv> = Tensor<Rank0, f32, Dv, OwnedTape<f32, Dv>>;

// ANCHOR: trajectory_balance
/// Trajectory balance `mean_i (log Z + Δ_i)²`.
pub fn trajectory_balance<Dv: Device<f32>>(
    delta: PerTrajectory<Dv, OwnedTape<f32, Dv>>,
    log_z: Loss<Dv>,
) -> Loss<Dv> {
    let batch = delta.shape().0;
    (delta + log_z.broadcast_like(&(batch,))).square().mean()
}
// ANCHOR_END: trajectory_balance

// ANCHOR: vargrad
/// Log-variance (VarGrad) `mean_i (Δ_i − mean_j Δ_j)²`: trajectory balance with the
/// optimal constant in place of a learned `log Z`.
pub fn log_variance<Dv: Device<f32>>(delta: PerTrajectory<Dv, OwnedTape<f32, Dv>>) -> Loss<Dv> {
    let batch = delta.shape().0;
    let mean = delta.retaped::<OwnedTape<f32, Dv>>().mean();
    (delta - mean.broadcast_like(&(batch,))).square().mean()
}
// ANCHOR_END: vargrad
