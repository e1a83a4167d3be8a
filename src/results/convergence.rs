//! When a configuration has converged: the criterion chapter "Results" applies to every
//! configuration of the convergence sweep, fixed before its runs, and the regression
//! check added after them. A claim is decided only on configurations that pass both.

use super::rules::ElboCurve;

// ANCHOR: criterion
/// Whether one configuration (one sampler, its seeds) has converged, and by how much.
#[derive(Clone, Debug, PartialEq)]
pub struct Convergence {
    /// Seeds whose run finished (a diverged seed has no curve).
    pub finished: usize,
    /// Seeds in all.
    pub seeds: usize,
    /// How far the seed-mean ELBO moved from the fifth of training before the last to
    /// the last fifth (mean over seeds of each seed's move).
    pub drift: f64,
    /// One seed standard deviation: the spread over seeds of each seed's mean ELBO over
    /// the last fifth.
    pub tolerance: f64,
    /// Every seed finished and `|drift| ≤ tolerance`: the curves stopped changing
    /// (whether they got worse first is [`regressed`](Self::regressed)'s question).
    pub converged: bool,
    /// The standard error of `drift` over seeds (it holds the evaluations' Monte Carlo
    /// noise as well as the seeds' spread): not used by this criterion; the extensions'
    /// criterion reads it (`extension::passes`).
    pub drift_se: f64,
    /// Seeds whose run [`regression`] calls regressed. A configuration with one has not
    /// converged, however flat its curves: a curve that got worse has not settled where
    /// training leads.
    pub regressed: usize,
}

/// The criterion on the ELBO curves of one configuration's seeds (each `(iteration,
/// ELBO)` at every evaluation, `None` for a diverged run). Each seed's curve is averaged
/// over its last fifth of evaluations and over the fifth before; the configuration has
/// converged if every seed finished and the mean move between the two is at most one
/// seed standard deviation of the last fifth's means. `None` with fewer than two finished
/// seeds or fewer than five evaluations (a fifth must hold one).
pub fn convergence(curves: &[ElboCurve]) -> Option<Convergence> {
    let finished: Vec<&Vec<(usize, f64)>> = curves.iter().flatten().collect();
    let evaluations = finished.iter().map(|c| c.len()).min()?;
    let window = evaluations / 5;
    if finished.len() < 2 || window == 0 {
        return None;
    }
    let mean =
        |values: &[(usize, f64)]| values.iter().map(|(_, e)| e).sum::<f64>() / values.len() as f64;
    let last: Vec<f64> = finished
        .iter()
        .map(|c| mean(&c[c.len() - window..]))
        .collect();
    let before: Vec<f64> = finished
        .iter()
        .map(|c| mean(&c[c.len() - 2 * window..c.len() - window]))
        .collect();
    let n = finished.len() as f64;
    let average = |values: &[f64]| values.iter().sum::<f64>() / n;
    let std = |values: &[f64]| {
        let centre = average(values);
        (values.iter().map(|v| (v - centre).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    };
    let moves: Vec<f64> = last.iter().zip(&before).map(|(l, b)| l - b).collect();
    let drift = average(&moves);
    let tolerance = std(&last);
    Some(Convergence {
        finished: finished.len(),
        seeds: curves.len(),
        drift,
        tolerance,
        converged: finished.len() == curves.len() && drift.is_finite() && drift.abs() <= tolerance,
        drift_se: std(&moves) / n.sqrt(),
        regressed: finished.iter().filter(|c| regression(c).regressed).count(),
    })
}
// ANCHOR_END: criterion

// ANCHOR: regression
/// A run has regressed when the mean ELBO of its last fifth of evaluations is more than
/// this many nats below the best evaluation it reached. Fixed before the sweep was
/// judged with it, on the control arm alone: of the 145 fixed-destruction runs of the
/// convergence sweep none ends more than 0.21 nats below its best (Monte Carlo noise of
/// an evaluation and ordinary training do that much), and this is over twice as far.
pub const REGRESSION_NATS: f64 = 0.5;

/// One run's curve read for regression: the best ELBO it reached, the mean of its last
/// fifth of evaluations (its final ELBO, as the criterion reads it), and whether it fell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Regression {
    pub best: f64,
    pub last: f64,
    pub regressed: bool,
}

/// [`Regression`] of one run's `(iteration, ELBO)` curve (at least one evaluation).
pub fn regression(curve: &[(usize, f64)]) -> Regression {
    let window = (curve.len() / 5).max(1);
    let tail = &curve[curve.len() - window..];
    let last = tail.iter().map(|(_, e)| e).sum::<f64>() / window as f64;
    let best = curve
        .iter()
        .map(|&(_, e)| e)
        .fold(f64::NEG_INFINITY, f64::max);
    Regression {
        best,
        last,
        regressed: best - last > REGRESSION_NATS,
    }
}
// ANCHOR_END: regression

#[cfg(test)]
mod tests {
    use super::*;

    /// A curve of `n` evaluations every 500 iterations with ELBO `f(k)` at evaluation k.
    fn curve(n: usize, f: impl Fn(usize) -> f64) -> ElboCurve {
        Some((1..=n).map(|k| (500 * k, f(k))).collect())
    }

    #[test]
    fn a_flat_curve_with_seed_spread_has_converged() {
        // Seeds at −2.3, −2.1, −1.9 (standard deviation 0.2), each moving by 0.05.
        let curves: Vec<ElboCurve> = [-2.3, -2.1, -1.9]
            .into_iter()
            .map(|level| curve(20, move |k| level + if k > 16 { 0.05 } else { 0.0 }))
            .collect();
        let c = convergence(&curves).unwrap();
        assert!((c.drift - 0.05).abs() < 1e-12, "{c:?}");
        assert!((c.tolerance - 0.2).abs() < 1e-12, "{c:?}");
        assert!(c.converged);
    }

    #[test]
    fn a_curve_still_rising_has_not_converged() {
        // Rising 0.1 per evaluation: the last fifth (17–20) sits 0.4 above the one
        // before (13–16), more than the seeds' spread of 0.2.
        let curves: Vec<ElboCurve> = [-2.3, -2.1, -1.9]
            .into_iter()
            .map(|level| curve(20, move |k| level + 0.1 * k as f64))
            .collect();
        let c = convergence(&curves).unwrap();
        assert!((c.drift - 0.4).abs() < 1e-9, "{c:?}");
        assert!(!c.converged);
        // Falling just as fast is no better.
        let falling: Vec<ElboCurve> = [-2.3, -2.1, -1.9]
            .into_iter()
            .map(|level| curve(20, move |k| level - 0.1 * k as f64))
            .collect();
        let c = convergence(&falling).unwrap();
        assert!((c.drift + 0.4).abs() < 1e-9 && !c.converged, "{c:?}");
    }

    #[test]
    fn the_drift_has_a_standard_error_over_seeds() {
        // Seeds at −2.3, −2.1, −1.9 move by 0.1, 0.3 and 0.5 in their last fifth: the
        // moves have mean 0.3 and standard deviation 0.2, so a standard error 0.2/√3.
        let curves: Vec<ElboCurve> = [(-2.3, 0.1), (-2.1, 0.3), (-1.9, 0.5)]
            .into_iter()
            .map(|(level, step)| curve(20, move |k| level + if k > 16 { step } else { 0.0 }))
            .collect();
        let c = convergence(&curves).unwrap();
        assert!((c.drift - 0.3).abs() < 1e-12, "{c:?}");
        assert!((c.drift_se - 0.2 / 3f64.sqrt()).abs() < 1e-12, "{c:?}");
    }

    #[test]
    fn a_curve_that_peaked_and_fell_has_regressed_and_a_noisy_flat_one_has_not() {
        // Rises to −2.3 at evaluation 6, then falls to −5 and stays there, flat.
        let peaked = |k: usize| match k {
            1..=6 => -5.0 + 0.45 * k as f64,
            7..=10 => -2.3 - 0.675 * (k - 6) as f64,
            _ => -5.0,
        };
        let r = regression(&curve(20, peaked).unwrap());
        assert!(
            (r.best + 2.3).abs() < 1e-12 && (r.last + 5.0).abs() < 1e-12,
            "{r:?}"
        );
        assert!(r.regressed);
        // Flat with ±0.2 evaluation noise: its last fifth averages 0.2 below its best.
        let noisy = curve(20, |k| -2.0 + if k % 2 == 0 { 0.2 } else { -0.2 }).unwrap();
        let r = regression(&noisy);
        assert!(
            (r.best - r.last - 0.2).abs() < 1e-12 && !r.regressed,
            "{r:?}"
        );
        // Five seeds flat at −5 after peaking: the criterion sees no drift, and the
        // regression check stops it calling them converged.
        let curves: Vec<ElboCurve> = (0..5)
            .map(|s| curve(20, move |k| peaked(k) + 0.01 * s as f64))
            .collect();
        let c = convergence(&curves).unwrap();
        assert!(c.converged, "flat at the end: {c:?}");
        assert_eq!(c.regressed, 5);
    }

    #[test]
    fn a_diverged_seed_means_not_converged_and_one_seed_decides_nothing() {
        let mut curves: Vec<ElboCurve> = [-2.3, -2.1, -1.9]
            .into_iter()
            .map(|level| curve(20, move |_| level))
            .collect();
        curves.push(None);
        let c = convergence(&curves).unwrap();
        assert_eq!((c.finished, c.seeds), (3, 4));
        assert!(!c.converged);
        assert_eq!(convergence(&curves[..1]), None);
        assert_eq!(convergence(&[curve(4, |_| 1.0), curve(4, |_| 2.0)]), None);
    }
}
