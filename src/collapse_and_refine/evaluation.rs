//! Measuring collapse and refinement: the Jacobian's trace and rank (how many
//! directions the denoiser keeps) and the excess error over the Bayes denoiser (how
//! much of the density along the manifold it has learned).

use super::circle::Circle;
use super::linalg::singular_values;
use super::oracle::{AnglePrior, BayesDenoiser};
use crate::sampling::seeded_rng;
use serde::Serialize;

/// A singular value of the Jacobian above this counts as a kept direction.
/// Introduced in chapter "Collapse and refine".
pub const SV_THRESHOLD: f64 = 0.5;

/// A denoiser `f: R^D → R^D` at one noise level, with its Jacobian (row-major `D × D`).
/// Introduced in chapter "Collapse and refine".
pub trait Denoiser {
    fn dim(&self) -> usize;
    fn denoise(&self, y: &[f64]) -> Vec<f64>;
    fn jacobian(&self, y: &[f64]) -> Vec<f64>;
}

/// What a denoiser has learned, averaged over the evaluation points.
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Metrics {
    /// Mean `tr J` (the effective dimension).
    pub trace: f64,
    /// Mean number of singular values of `J` above [`SV_THRESHOLD`].
    pub rank: f64,
    /// Excess error over the Bayes denoiser in units of σ², `E‖f − f*‖² / σ²`.
    pub excess: f64,
    /// `mean dist(f(y), M) / mean dist(y, M)`: 0 when fully collapsed, 1 when untouched.
    pub collapse_ratio: f64,
    /// Mean `tr(P_⊥ J)`: the part of the trace in the `D − 2` flat normal directions.
    pub normal_trace: f64,
    /// Mean `u_rᵀ J u_r` along the in-plane radial direction `u_r` at `y` (curved normal).
    pub radial_gain: f64,
}

// ANCHOR: eval_set
/// Fixed noisy test points `y = x_0 + σ ξ` at one σ, with the Bayes denoiser's outputs
/// and the geometry-only oracle's excess precomputed.
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Debug)]
pub struct EvalSet {
    pub circle: Circle,
    pub sigma: f64,
    pub x_0: Vec<Vec<f64>>,
    pub y: Vec<Vec<f64>>,
    /// `f*(y)` for each test point.
    pub bayes: Vec<Vec<f64>>,
    /// `E‖f* − x_0‖² / σ²`, the Bayes error in units of σ².
    pub bayes_error: f64,
    /// The geometry-only oracle's excess `E‖f_geo − f*‖² / σ²`: what density knowledge buys.
    pub geometry_excess: f64,
}

impl EvalSet {
    pub fn new(circle: &Circle, sigma: f64, points: usize, seed: u64) -> Self {
        assert!(points > 0, "EvalSet: need at least one test point");
        let mut rng = seeded_rng(seed);
        let x_0: Vec<Vec<f64>> = (0..points).map(|_| circle.sample(&mut rng).1).collect();
        let y: Vec<Vec<f64>> = x_0
            .iter()
            .map(|x| circle.noisy(x, sigma, &mut rng))
            .collect();
        let bayes_oracle = BayesDenoiser::new(circle, sigma, AnglePrior::VonMises);
        let geometry = BayesDenoiser::new(circle, sigma, AnglePrior::Uniform);
        let bayes: Vec<Vec<f64>> = y.iter().map(|y| bayes_oracle.denoise(y)).collect();
        let s2 = sigma * sigma;
        let n = points as f64;
        let bayes_error = bayes
            .iter()
            .zip(&x_0)
            .map(|(d, x)| sq_dist(d, x))
            .sum::<f64>()
            / (n * s2);
        let geometry_excess = y
            .iter()
            .zip(&bayes)
            .map(|(y, d)| sq_dist(&geometry.denoise(y), d))
            .sum::<f64>()
            / (n * s2);
        EvalSet {
            circle: circle.clone(),
            sigma,
            x_0,
            y,
            bayes,
            bayes_error,
            geometry_excess,
        }
    }

    /// The metrics of `denoiser`. The excess uses Pythagoras,
    /// `E‖f − x_0‖² − E‖f* − x_0‖² = E‖f − f*‖²` (because `f* = E(x_0 | y)`), which has
    /// no `x_0` noise in it.
    pub fn evaluate(&self, denoiser: &impl Denoiser) -> Metrics {
        let d = self.circle.d;
        let n = self.y.len() as f64;
        let (mut trace, mut rank, mut excess, mut dist_out, mut dist_in) =
            (0.0, 0.0, 0.0, 0.0, 0.0);
        let (mut normal_trace, mut radial_gain) = (0.0, 0.0);
        let e = [&self.circle.e_1, &self.circle.e_2];
        for (y, best) in self.y.iter().zip(&self.bayes) {
            let out = denoiser.denoise(y);
            let j = denoiser.jacobian(y);
            let tr = (0..d).map(|i| j[i * d + i]).sum::<f64>();
            trace += tr;
            // The in-plane block P = Eᵀ J E.
            let mut p = [[0.0; 2]; 2];
            for (r, er) in e.iter().enumerate() {
                for (c, ec) in e.iter().enumerate() {
                    p[r][c] = (0..d)
                        .map(|i| er[i] * (0..d).map(|k| j[i * d + k] * ec[k]).sum::<f64>())
                        .sum();
                }
            }
            normal_trace += tr - p[0][0] - p[1][1];
            let (a, b) = self.circle.plane_coords(y);
            radial_gain +=
                (a * a * p[0][0] + a * b * (p[0][1] + p[1][0]) + b * b * p[1][1]) / (a * a + b * b);
            rank += singular_values(d, &j)
                .iter()
                .filter(|&&s| s > SV_THRESHOLD)
                .count() as f64;
            excess += sq_dist(&out, best);
            dist_out += self.circle.distance(&out);
            dist_in += self.circle.distance(y);
        }
        Metrics {
            trace: trace / n,
            rank: rank / n,
            excess: excess / (n * self.sigma * self.sigma),
            collapse_ratio: dist_out / dist_in,
            normal_trace: normal_trace / n,
            radial_gain: radial_gain / n,
        }
    }
}
// ANCHOR_END: eval_set

/// `‖a − b‖²`.
pub fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}
