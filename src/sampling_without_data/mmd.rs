//! Maximum mean discrepancy between two point sets, with a sum of Gaussian (RBF) kernels.
//!
//! The kernel is a sum over bandwidths `h`,
//!
//! ```text
//! k(x, y) = Σ_h exp(−‖x − y‖² / (2 h²)),
//! ```
//!
//! not an average: `k(x, x)` equals the number of bandwidths. A sum of characteristic
//! kernels is characteristic, so the population `MMD²(p, q)` is zero exactly when
//! `p = q`; summing over scales from `0.01` to `100` ([`DEFAULT_BANDWIDTHS`]) spares
//! choosing one bandwidth per target, and is the convention of the diffusion-sampler
//! reference code. Bandwidths far below the distances between points contribute almost
//! nothing across points; those far above contribute almost exactly 1 everywhere and
//! cancel in the MMD.
//!
//! Introduced in chapter "Sampling without data".

use ndarray::Array2;

/// The bandwidths of the reference code's kernel, summed (not averaged) in [`mmd_rbf`].
///
/// Introduced in chapter "Sampling without data".
pub const DEFAULT_BANDWIDTHS: [f64; 5] = [0.01, 0.1, 1.0, 10.0, 100.0];

/// The unbiased estimate (a U-statistic) of the squared MMD between the distributions
/// that produced the rows of `a` (`m` points) and of `b` (`n` points), with the kernel
/// `k(x, y) = Σ_h exp(−‖x − y‖² / (2 h²))` summed over `bandwidths`:
///
/// ```text
/// MMD²_u = 1/(m(m−1)) Σ_{i≠i'} k(a_i, a_i') + 1/(n(n−1)) Σ_{j≠j'} k(b_j, b_j')
///          − 2/(mn) Σ_{i,j} k(a_i, b_j).
/// ```
///
/// Its expectation is the population `MMD²`, so it can be slightly negative when the two
/// distributions are equal. `O((m + n)² d)` time, computed in `f64`; a NaN coordinate
/// gives NaN.
///
/// # Panics
///
/// If a set has fewer than two points, the dimensions differ, or `bandwidths` is empty or
/// holds a bandwidth that is not positive and finite.
///
/// Introduced in chapter "Sampling without data".
pub fn mmd_rbf(a: &Array2<f32>, b: &Array2<f32>, bandwidths: &[f64]) -> f64 {
    let (m, d) = a.dim();
    let (n, e) = b.dim();
    assert!(
        m >= 2 && n >= 2,
        "mmd_rbf needs at least 2 points per set, got {m} and {n}"
    );
    assert_eq!(
        d, e,
        "mmd_rbf needs points of one dimension, got {d} and {e}"
    );
    assert!(
        !bandwidths.is_empty() && bandwidths.iter().all(|h| h.is_finite() && *h > 0.0),
        "mmd_rbf needs positive finite bandwidths, got {bandwidths:?}"
    );
    if d == 0 {
        return 0.0; // both sets sit at the only point of R^0, every kernel term is equal
    }
    // exp(−r² / (2h²)) = exp(r² · c_h) with c_h = −1/(2h²).
    let coefficients: Vec<f64> = bandwidths.iter().map(|h| -0.5 / (h * h)).collect();
    let a: Vec<f64> = a.iter().map(|&x| f64::from(x)).collect();
    let b: Vec<f64> = b.iter().map(|&x| f64::from(x)).collect();
    let (m, n) = (m as f64, n as f64);
    let within_a = off_diagonal_kernel_sum(&a, d, &coefficients);
    let within_b = off_diagonal_kernel_sum(&b, d, &coefficients);
    let across = cross_kernel_sum(&a, &b, d, &coefficients);
    within_a / (m * (m - 1.0)) + within_b / (n * (n - 1.0)) - 2.0 * across / (m * n)
}

/// `k(x, y)` from `‖x − y‖²`.
fn kernel(squared_distance: f64, coefficients: &[f64]) -> f64 {
    coefficients
        .iter()
        .map(|c| (c * squared_distance).exp())
        .sum()
}

/// `‖x − y‖²`.
fn squared_distance(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(p, q)| (p - q) * (p - q)).sum()
}

/// `Σ_{i≠i'} k(x_i, x_i')` over the rows of a row-major matrix with `d ≥ 1` columns,
/// using the kernel's symmetry.
fn off_diagonal_kernel_sum(x: &[f64], d: usize, coefficients: &[f64]) -> f64 {
    let rows = x.len() / d;
    let row = |i: usize| &x[i * d..(i + 1) * d];
    let mut total = 0.0;
    for i in 0..rows {
        for j in 0..i {
            total += kernel(squared_distance(row(i), row(j)), coefficients);
        }
    }
    2.0 * total
}

/// `Σ_{i,j} k(x_i, y_j)` over the rows of two row-major matrices with `d ≥ 1` columns.
fn cross_kernel_sum(x: &[f64], y: &[f64], d: usize, coefficients: &[f64]) -> f64 {
    let mut total = 0.0;
    for xi in x.chunks_exact(d) {
        for yj in y.chunks_exact(d) {
            total += kernel(squared_distance(xi, yj), coefficients);
        }
    }
    total
}
