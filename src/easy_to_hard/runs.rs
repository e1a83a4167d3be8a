//! The three kinds of training run behind the chapter's claims: overlaps over time
//! (A1), steps to weak recovery (A2), overlaps after a fixed budget (A3).

use super::training::{OnlineSgd, RunConfig};
use serde::Serialize;

/// An overlap above this counts as the spike found (A1's `t_u(0.8)` and `t_v(0.8)`).
/// Introduced in chapter "Easy to hard".
pub const FOUND: f64 = 0.8;

/// The overlaps `(step, m_u, m_v)` of one run at chosen steps.
/// Introduced in chapter "Easy to hard".
#[derive(Clone, Debug, Serialize)]
pub struct Trajectory {
    pub seed: u64,
    pub points: Vec<(u64, f64, f64)>,
}

/// One A1 run: the trajectory, and the first logged steps at which `m_u` and `m_v`
/// exceed [`FOUND`] (`None`: not within the budget), with `m_v` at the first of them.
/// Introduced in chapter "Easy to hard".
#[derive(Clone, Debug, Serialize)]
pub struct TwoSpikeRun {
    pub trajectory: Trajectory,
    pub t_u: Option<u64>,
    pub t_v: Option<u64>,
    pub m_v_at_t_u: Option<f64>,
}

/// The steps at which a trajectory is recorded: about 20 per decade from 10 on.
pub fn log_checkpoints(total: u64) -> Vec<u64> {
    let mut steps: Vec<u64> = (0..)
        .map(|j| (10f64.powf(1.0 + j as f64 / 20.0)).round() as u64)
        .take_while(|&s| s <= total)
        .collect();
    steps.dedup();
    if steps.last() != Some(&total) {
        steps.push(total);
    }
    steps
}

// ANCHOR: two_spikes
/// Trains `config` for `total` steps, checks `m_u`, `m_v` against [`FOUND`] every `log_every`
/// steps, and records the overlaps at [`log_checkpoints`].
/// Introduced in chapter "Easy to hard".
pub fn two_spike_run(config: &RunConfig, total: u64, log_every: u64, seed: u64) -> TwoSpikeRun {
    assert!(log_every > 0, "log_every must be positive");
    let mut sgd = OnlineSgd::new(config, seed);
    let checkpoints = log_checkpoints(total);
    let mut next_checkpoint = 0;
    let mut points = vec![(0, sgd.m_u(), sgd.m_v())];
    let (mut t_u, mut t_v, mut m_v_at_t_u) = (None, None, None);
    while sgd.steps < total {
        let next_log = (sgd.steps / log_every + 1) * log_every;
        let target = next_log.min(checkpoints[next_checkpoint]).min(total);
        sgd.run(target - sgd.steps);
        let (m_u, m_v) = (sgd.m_u(), sgd.m_v());
        if sgd.steps.is_multiple_of(log_every) {
            if t_u.is_none() && m_u > FOUND {
                (t_u, m_v_at_t_u) = (Some(sgd.steps), Some(m_v));
            }
            if t_v.is_none() && m_v > FOUND {
                t_v = Some(sgd.steps);
            }
        }
        if sgd.steps == checkpoints[next_checkpoint] {
            points.push((sgd.steps, m_u, m_v));
            next_checkpoint = (next_checkpoint + 1).min(checkpoints.len() - 1);
        }
    }
    TwoSpikeRun {
        trajectory: Trajectory { seed, points },
        t_u,
        t_v,
        m_v_at_t_u,
    }
}
// ANCHOR_END: two_spikes

/// Which spike a recovery run watches.
/// Introduced in chapter "Easy to hard".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Spike {
    U,
    V,
}

// ANCHOR: recovery
/// Steps until the watched overlap first reaches `threshold`, checked every `d` steps;
/// `None` if it has not by `cap` steps (a capped run).
/// Introduced in chapter "Easy to hard".
pub fn steps_to_recovery(
    config: &RunConfig,
    spike: Spike,
    threshold: f64,
    cap: u64,
    seed: u64,
) -> Option<u64> {
    let mut sgd = OnlineSgd::new(config, seed);
    let every = config.d as u64;
    while sgd.steps < cap {
        sgd.run(every.min(cap - sgd.steps));
        let m = match spike {
            Spike::U => sgd.m_u(),
            Spike::V => sgd.m_v(),
        };
        if m >= threshold {
            return Some(sgd.steps);
        }
    }
    None
}
// ANCHOR_END: recovery

/// The overlaps `(step, m_u, m_v)` every `every` steps up to `total` (step 0 included).
/// Introduced in chapter "Easy to hard".
pub fn overlaps_every(config: &RunConfig, total: u64, every: u64, seed: u64) -> Trajectory {
    assert!(every > 0, "every must be positive");
    let mut sgd = OnlineSgd::new(config, seed);
    let mut points = vec![(0, sgd.m_u(), sgd.m_v())];
    while sgd.steps < total {
        sgd.run(every.min(total - sgd.steps));
        points.push((sgd.steps, sgd.m_u(), sgd.m_v()));
    }
    Trajectory { seed, points }
}
