//! The density along the manifold: the von Mises distribution on the angle, and the
//! modified Bessel functions that normalise it.

use ndarray_rand::rand::Rng;
use std::f64::consts::PI;

/// Modified Bessel function of the first kind by its power series,
/// `I_n(z) = Σ_k (z/2)^(2k+n) / (k! (k+n)!)`; accurate for `0 ≤ z ≲ 30`.
/// Introduced in chapter "Collapse and refine".
pub fn bessel_i_series(n: u32, z: f64) -> f64 {
    assert!(z >= 0.0, "bessel_i_series: z must be ≥ 0, got {z}");
    let half = z / 2.0;
    let mut term = (0..n).fold(1.0, |t, j| t * half / (j + 1) as f64);
    let mut sum = term;
    for k in 1..500 {
        term *= half * half / (k as f64 * (k + n as usize) as f64);
        sum += term;
        if term < 1e-17 * sum {
            break;
        }
    }
    sum
}

/// The exponentially scaled Bessel function `e^(−z) I_n(z) = (1/π) ∫_0^π e^(z (cos t − 1)) cos(n t) dt`,
/// by the trapezoid rule (exponentially accurate for this periodic integrand); safe for
/// large `z`, where `I_n` itself overflows.
/// Introduced in chapter "Collapse and refine".
pub fn bessel_i_scaled(n: u32, z: f64) -> f64 {
    assert!(z >= 0.0, "bessel_i_scaled: z must be ≥ 0, got {z}");
    let points = 200 + (40.0 * z.sqrt()) as usize;
    let h = PI / points as f64;
    let f = |t: f64| (z * (t.cos() - 1.0)).exp() * (n as f64 * t).cos();
    let inner: f64 = (1..points).map(|i| f(i as f64 * h)).sum();
    (inner + 0.5 * (f(0.0) + f(PI))) * h / PI
}

/// The Bessel ratio `A(z) = I_1(z) / I_0(z)`: the mean resultant length of a von Mises
/// angle with concentration `z`.
/// Introduced in chapter "Collapse and refine".
pub fn bessel_ratio(z: f64) -> f64 {
    bessel_i_scaled(1, z) / bessel_i_scaled(0, z)
}

/// The von Mises normaliser `∫_(−π)^π e^(κ cos θ) dθ = 2π I_0(κ)`.
/// Introduced in chapter "Collapse and refine".
pub fn von_mises_normaliser(kappa: f64) -> f64 {
    2.0 * PI * bessel_i_series(0, kappa)
}

/// The mean resultant length `|E e^(iθ)| = I_1(κ) / I_0(κ)` of θ ~ von Mises(0, κ).
/// Introduced in chapter "Collapse and refine".
pub fn mean_resultant_length(kappa: f64) -> f64 {
    bessel_ratio(kappa)
}

// ANCHOR: von_mises
/// The von Mises log density `κ cos θ − ln(2π I_0(κ))` of the angle along the circle.
/// Introduced in chapter "Collapse and refine".
pub fn von_mises_log_density(theta: f64, kappa: f64) -> f64 {
    kappa * theta.cos() - von_mises_normaliser(kappa).ln()
}

/// Draws θ ~ von Mises(0, κ) by rejection from the uniform angle: accept a uniform θ
/// with probability `e^(κ (cos θ − 1))`.
/// Introduced in chapter "Collapse and refine".
pub fn sample_von_mises(kappa: f64, rng: &mut impl Rng) -> f64 {
    assert!(kappa >= 0.0, "sample_von_mises: κ must be ≥ 0, got {kappa}");
    loop {
        let theta = PI * (2.0 * rng.random::<f64>() - 1.0);
        if rng.random::<f64>() < (kappa * (theta.cos() - 1.0)).exp() {
            return theta;
        }
    }
}
// ANCHOR_END: von_mises

/// The circular mean resultant length of sample angles, `|mean of e^(iθ_j)|`.
/// Introduced in chapter "Collapse and refine".
pub fn resultant_length(angles: &[f64]) -> f64 {
    assert!(!angles.is_empty(), "resultant_length: no angles");
    let n = angles.len() as f64;
    let c: f64 = angles.iter().map(|t| t.cos()).sum::<f64>() / n;
    let s: f64 = angles.iter().map(|t| t.sin()).sum::<f64>() / n;
    c.hypot(s)
}
