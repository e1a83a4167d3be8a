//! When a configuration has converged: the criterion chapter "Results" applies to every
//! configuration of the convergence sweep, fixed before its runs. A claim is decided only
//! on configurations that pass it.

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
    /// Every seed finished and `|drift| ≤ tolerance`.
    pub converged: bool,
    /// The standard error of `drift` over seeds (it holds the evaluations' Monte Carlo
    /// noise as well as the seeds' spread): not used by this criterion; the extensions'
    /// criterion reads it (`extension::passes`).
    pub drift_se: f64,
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
    })
}
// ANCHOR_END: criterion

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
