//! When a tuning run has stopped moving: the convergence criterion the decoding-order
//! verdict waits for, read from the stored curves. Introduced in chapter "Exploration".

use super::experiment::MeanSe;
use serde::Serialize;

// ANCHOR: convergence_rule
/// The convergence criterion, fixed before the runs it judges. A curve is read over two
/// windows of equal length at its end: the last fifth of the updates, `(4U/5, U]`, and the
/// fifth before it, `(3U/5, 4U/5]`. For each seed, the drift is the mean over the
/// checkpoints in the last window minus the mean over those in the window before. An arm
/// has converged on a measure when the seed-mean drift `D` satisfies
/// `|D| ≤ max(CONVERGENCE_STANDARD_ERRORS · se(D), CONVERGENCE_SHARE · gap)`: it is either
/// not told apart from noise at the verdict rule's own two-standard-error margin, or
/// smaller than one hundredth of the gap the measure has to cross (from the base model to
/// the tilted target).
pub const WINDOWS: usize = 5;
pub const CONVERGENCE_STANDARD_ERRORS: f64 = 2.0;
pub const CONVERGENCE_SHARE: f64 = 0.01;

/// One measure's convergence over seeds: the seed-mean of each window, the paired drift,
/// the tolerance it is held to, and the answer.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Convergence {
    pub previous_window: f64,
    pub last_window: f64,
    /// Mean over seeds of (last window − previous window), and its standard error.
    pub drift: MeanSe,
    /// `max(CONVERGENCE_STANDARD_ERRORS · se(D), CONVERGENCE_SHARE · gap)`.
    pub tolerance: f64,
    pub converged: bool,
}

/// Mean of the values of `curve` (points `(update, value)`) whose update lies in
/// `(from, to]`, with the bounds given in fifths of `updates` (exact integer arithmetic,
/// so a checkpoint on a boundary belongs to the earlier window); NaN if there are none.
pub fn window_mean(curve: &[(usize, f64)], updates: usize, from: usize, to: usize) -> f64 {
    let inside: Vec<f64> = curve
        .iter()
        .filter(|(u, _)| u * WINDOWS > from * updates && u * WINDOWS <= to * updates)
        .map(|p| p.1)
        .collect();
    if inside.is_empty() {
        f64::NAN
    } else {
        inside.iter().sum::<f64>() / inside.len() as f64
    }
}

/// The criterion on one measure: `curves` holds one curve per seed, `updates` is the
/// run's length and `gap` the distance the measure has to cross. A curve that stopped
/// early (a diverged run) has an empty window, a NaN drift, and does not converge.
pub fn convergence(curves: &[Vec<(usize, f64)>], updates: usize, gap: f64) -> Convergence {
    let (w, u) = (WINDOWS, updates);
    let previous: Vec<f64> = curves
        .iter()
        .map(|c| window_mean(c, u, w - 2, w - 1))
        .collect();
    let last: Vec<f64> = curves.iter().map(|c| window_mean(c, u, w - 1, w)).collect();
    let drifts: Vec<f64> = last.iter().zip(&previous).map(|(l, p)| l - p).collect();
    let drift = MeanSe::of(&drifts);
    let tolerance = (CONVERGENCE_STANDARD_ERRORS * drift.se).max(CONVERGENCE_SHARE * gap.abs());
    Convergence {
        previous_window: MeanSe::of(&previous).mean,
        last_window: MeanSe::of(&last).mean,
        drift,
        tolerance,
        converged: drift.mean.abs() <= tolerance,
    }
}
// ANCHOR_END: convergence_rule
