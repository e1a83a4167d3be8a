//! The data model: a unit circle in a random 2-plane of `R^D`, with a von Mises density
//! along it, destroyed by variance-exploding noise.

use super::von_mises::sample_von_mises;
use crate::sampling::seeded_rng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;

// ANCHOR: circle
/// A unit circle `x_0 = cos θ e_1 + sin θ e_2` in the plane of two orthonormal vectors
/// `e_1, e_2` of `R^D`, with θ ~ von Mises(0, κ): a 1-dimensional manifold carrying a
/// non-uniform density.
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Debug)]
pub struct Circle {
    pub d: usize,
    pub e_1: Vec<f64>,
    pub e_2: Vec<f64>,
    pub kappa: f64,
}

impl Circle {
    /// A circle in a random plane (Gram–Schmidt on two Gaussian vectors drawn from `seed`).
    pub fn random(d: usize, kappa: f64, seed: u64) -> Self {
        assert!(
            d >= 2,
            "Circle::random: the ambient dimension must be ≥ 2, got {d}"
        );
        assert!(kappa >= 0.0, "Circle::random: κ must be ≥ 0, got {kappa}");
        let mut rng = seeded_rng(seed);
        let mut gaussian = || -> Vec<f64> { (0..d).map(|_| rng.sample(StandardNormal)).collect() };
        let e_1 = normalised(gaussian());
        let mut v = gaussian();
        let along = dot(&v, &e_1);
        v.iter_mut().zip(&e_1).for_each(|(v, e)| *v -= along * e);
        Circle {
            d,
            e_1,
            e_2: normalised(v),
            kappa,
        }
    }

    /// The point at angle θ.
    pub fn point(&self, theta: f64) -> Vec<f64> {
        let (s, c) = theta.sin_cos();
        self.e_1
            .iter()
            .zip(&self.e_2)
            .map(|(a, b)| c * a + s * b)
            .collect()
    }

    /// A clean sample: the angle and the point.
    pub fn sample(&self, rng: &mut impl Rng) -> (f64, Vec<f64>) {
        let theta = sample_von_mises(self.kappa, rng);
        (theta, self.point(theta))
    }

    /// VE destruction `x_t = x_0 + σ ξ`, ξ ~ N(0, I_D).
    pub fn noisy(&self, x_0: &[f64], sigma: f64, rng: &mut impl Rng) -> Vec<f64> {
        x_0.iter()
            .map(|x| x + sigma * rng.sample::<f64, _>(StandardNormal))
            .collect()
    }

    /// In-plane coordinates `(y·e_1, y·e_2)`.
    pub fn plane_coords(&self, y: &[f64]) -> (f64, f64) {
        (dot(y, &self.e_1), dot(y, &self.e_2))
    }

    /// Euclidean distance to the circle: with `r` the in-plane radius,
    /// `dist² = ‖y‖² − r² + (r − 1)² = ‖y‖² − 2r + 1`.
    pub fn distance(&self, y: &[f64]) -> f64 {
        let (a, b) = self.plane_coords(y);
        (dot(y, y) - 2.0 * a.hypot(b) + 1.0).max(0.0).sqrt()
    }

    /// The angle of `y`'s projection onto the plane.
    pub fn angle(&self, y: &[f64]) -> f64 {
        let (a, b) = self.plane_coords(y);
        b.atan2(a)
    }
}
// ANCHOR_END: circle

/// `Σ_i a_i b_i`.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn normalised(v: Vec<f64>) -> Vec<f64> {
    let n = dot(&v, &v).sqrt();
    v.into_iter().map(|x| x / n).collect()
}
