//! The convergence sweep's extension: a configuration that has not converged at the
//! convergence budget is trained again, from scratch, with twice the iterations, and at
//! most [`EXTENSIONS`] times. Chapter "Results" reads each configuration at the stage
//! where it stopped: the first that converged, or the last one run.

use super::convergence::{convergence, Convergence};
use super::rules::ElboCurve;
use crate::sampling_without_data::train::TrainConfig;

// ANCHOR: extension
/// How many times a configuration that has not converged is trained again, each time
/// with twice the iterations of the last (so at most 4× the convergence budget).
pub const EXTENSIONS: usize = 2;

/// `config` at `stage`: `2^stage` times its iterations, evaluated as often (the same
/// number of evaluations, so a fifth of training is still a fifth of the curve).
pub fn at_stage(config: &TrainConfig, stage: usize) -> TrainConfig {
    let mut c = config.clone();
    c.iterations <<= stage;
    c.eval_every <<= stage;
    c
}

/// Whether `c`, measured at `stage`, passes. The first stage uses the criterion fixed
/// before the sweep. The extensions, fixed after the first stage's runs showed curves
/// failing it by less than their own evaluation noise, also pass a drift within two
/// standard errors of zero: `|drift| ≤ max(seed-std, 2·se(drift))`.
pub fn passes(c: &Convergence, stage: usize) -> bool {
    let within_noise = c.finished == c.seeds && c.drift.abs() <= 2.0 * c.drift_se;
    c.converged || (stage > 0 && within_noise)
}
// ANCHOR_END: extension

/// Where a configuration stands in the convergence sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Settled {
    /// The stage its tables read: the first that passed, the last complete one, or 0
    /// while the first is incomplete.
    pub stage: usize,
    /// Seeds stored at `stage`.
    pub stored: usize,
    /// The criterion at `stage`, once every seed is in (`None` with too few finished).
    pub convergence: Option<Convergence>,
    /// [`passes`] at `stage`, with no seed regressed there.
    pub converged: bool,
    /// The extension being run now, if any.
    pub extending: Option<usize>,
}

/// Where the configuration whose runs are `base(seed)` at the first stage stands, given
/// `stored`, the ELBO curve of a stored run (`None`: not stored). A configuration is
/// extended only if every seed finished and the criterion failed: a diverged seed ends
/// it.
pub fn settled(
    seeds: u64,
    base: impl Fn(u64) -> TrainConfig,
    stored: impl Fn(&TrainConfig) -> Option<ElboCurve>,
) -> Settled {
    let mut settled = Settled {
        stage: 0,
        stored: 0,
        convergence: None,
        converged: false,
        extending: None,
    };
    for stage in 0..=EXTENSIONS {
        let curves: Vec<ElboCurve> = (0..seeds)
            .filter_map(|s| stored(&at_stage(&base(s), stage)))
            .collect();
        if curves.len() < seeds as usize {
            match stage {
                0 => settled.stored = curves.len(),
                _ => settled.extending = Some(stage),
            }
            return settled;
        }
        let criterion = convergence(&curves);
        let passed = criterion.as_ref().is_some_and(|c| passes(c, stage));
        // A regressed configuration is not extended: the stage rule, fixed before the
        // sweep, asks only whether the curves stopped changing.
        let extend = criterion
            .as_ref()
            .is_some_and(|c| c.finished == c.seeds && !passed);
        let converged = passed && criterion.as_ref().is_some_and(|c| c.regressed == 0);
        settled = Settled {
            stage,
            stored: curves.len(),
            convergence: criterion,
            converged,
            extending: None,
        };
        if !extend {
            break;
        }
    }
    settled
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_stage_doubles_the_iterations_and_keeps_the_evaluations() {
        let mut base = TrainConfig::default();
        (base.iterations, base.eval_every) = (10_000, 500);
        let c = at_stage(&base, 2);
        assert_eq!((c.iterations, c.eval_every), (40_000, 2_000));
        assert_eq!(at_stage(&base, 0), base);
    }

    /// A criterion with `drift` and standard error `se` against a seed-std of 0.1.
    fn measured(drift: f64, se: f64) -> Convergence {
        Convergence {
            finished: 5,
            seeds: 5,
            drift,
            tolerance: 0.1,
            converged: drift.abs() <= 0.1,
            drift_se: se,
            regressed: 0,
        }
    }

    #[test]
    fn extensions_also_pass_a_drift_within_its_noise() {
        // 0.3 is beyond one seed-std (0.1) but within two standard errors (0.4).
        let noisy = measured(0.3, 0.2);
        assert!(
            !passes(&noisy, 0),
            "the first stage keeps the criterion as fixed"
        );
        assert!(passes(&noisy, 1));
        assert!(!passes(&measured(0.5, 0.2), 2), "beyond both");
        assert!(passes(&measured(-0.05, 0.0), 0));
        let diverged = Convergence {
            finished: 4,
            converged: false,
            ..noisy
        };
        assert!(!passes(&diverged, 1), "a diverged seed never passes");
    }

    /// Curves of five seeds per stage (keyed by iterations): flat at `level + seed/10`,
    /// or rising by `rise` per evaluation.
    fn store(stages: &[(usize, f64)]) -> BTreeMap<(u64, usize), ElboCurve> {
        let mut curves = BTreeMap::new();
        for &(iterations, rise) in stages {
            for seed in 0..5 {
                let curve = (1..=20)
                    .map(|k| {
                        (
                            k * iterations / 20,
                            -2.0 + seed as f64 / 10.0 + rise * k as f64,
                        )
                    })
                    .collect();
                curves.insert((seed, iterations), Some(curve));
            }
        }
        curves
    }

    fn settle(curves: &BTreeMap<(u64, usize), ElboCurve>) -> Settled {
        let base = |seed| TrainConfig {
            seed,
            iterations: 10_000,
            eval_every: 500,
            ..TrainConfig::default()
        };
        settled(5, base, |c| curves.get(&(c.seed, c.iterations)).cloned())
    }

    #[test]
    fn a_configuration_is_read_where_it_stopped() {
        // Flat at the first stage: read there.
        let s = settle(&store(&[(10_000, 0.0)]));
        assert_eq!((s.stage, s.converged, s.extending), (0, true, None));
        // Rising at the first stage (0.4 over the last fifth, seed-std 0.16): extended,
        // and read at the first stage until the extension is stored.
        let rising = store(&[(10_000, 0.1)]);
        let s = settle(&rising);
        assert_eq!((s.stage, s.converged, s.extending), (0, false, Some(1)));
        // Flat once extended: read at the extension.
        let s = settle(&store(&[(10_000, 0.1), (20_000, 0.0)]));
        assert_eq!((s.stage, s.converged, s.extending), (1, true, None));
        // Rising at every stage: read at the last, not converged, and not extended again.
        let s = settle(&store(&[(10_000, 0.1), (20_000, 0.1), (40_000, 0.1)]));
        assert_eq!((s.stage, s.converged, s.extending), (2, false, None));
        // A diverged seed ends the configuration at its stage.
        let mut diverged = rising;
        diverged.insert((3, 10_000), None);
        let s = settle(&diverged);
        assert_eq!((s.stage, s.converged, s.extending), (0, false, None));
        // Flat at the end after falling 1 nat from a peak: not converged, not extended.
        let mut fallen = store(&[(10_000, 0.0)]);
        for seed in 0..5 {
            let curve = fallen.get_mut(&(seed, 10_000)).unwrap().as_mut().unwrap();
            curve[2].1 += 1.0;
        }
        let s = settle(&fallen);
        assert_eq!((s.stage, s.converged, s.extending), (0, false, None));
        assert_eq!(s.convergence.unwrap().regressed, 5);
        // An incomplete first stage is pending.
        let mut partial = store(&[(10_000, 0.0)]);
        partial.remove(&(4, 10_000));
        let s = settle(&partial);
        assert_eq!((s.stage, s.stored, s.convergence), (0, 4, None));
    }
}
