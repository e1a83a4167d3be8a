//! The shallow denoiser `f(x) = b x + a Σ_k w_k φ(w_k·x)` with unit-norm directions `w_k`,
//! its loss, its gradient, and the Riemannian online-SGD step on the sphere. Its
//! activation is the odd `φ`, or `φ(p) + e p²` with an even part `e` (the one experiment
//! that needs to see a coupling an odd activation is blind to).

use super::model::{dot, normalise};
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;

/// The activation `φ(p) = 0.1 p + 0.8 tanh(4p)`: odd, steep near 0, linear far out.
/// Introduced in chapter "Easy to hard".
pub fn phi(p: f64) -> f64 {
    0.1 * p + 0.8 * (4.0 * p).tanh()
}

/// `φ'(p) = 0.1 + 3.2 (1 − tanh²(4p))`.
/// Introduced in chapter "Easy to hard".
pub fn phi_prime(p: f64) -> f64 {
    let t = (4.0 * p).tanh();
    0.1 + 3.2 * (1.0 - t * t)
}

/// A denoiser with `k` unit-norm directions in `R^d`, a frozen skip coefficient `b` and a
/// frozen output amplitude `a`: `f(x) = b x + a Σ_k w_k σ(w_k·x)` with activation
/// `σ(p) = φ(p) + e p²` (`e = even`, 0 unless an experiment needs an even part). The rows
/// `w_k` are stored one after another in `w` (`k × d`).
/// Introduced in chapter "Easy to hard".
#[derive(Clone, Debug)]
pub struct Denoiser {
    pub d: usize,
    pub k: usize,
    pub b: f64,
    pub a: f64,
    pub w: Vec<f64>,
    /// The coefficient `e` of the activation's even part `e p²`.
    pub even: f64,
}

impl Denoiser {
    /// Random directions: `w_k ~ N(0, I/d)` normalised to unit length, and made
    /// orthonormal (Gram–Schmidt) when `k > 1`.
    pub fn random<R: Rng + ?Sized>(d: usize, k: usize, b: f64, a: f64, rng: &mut R) -> Self {
        assert!(
            d >= 1 && k >= 1,
            "need d ≥ 1 and k ≥ 1, got d = {d}, k = {k}"
        );
        assert!(
            k <= d,
            "k = {k} orthonormal directions do not fit in d = {d}"
        );
        let w = (0..k * d).map(|_| rng.sample(StandardNormal)).collect();
        let mut net = Denoiser {
            d,
            k,
            b,
            a,
            w,
            even: 0.0,
        };
        net.orthonormalise();
        net
    }

    /// The row `w_k`.
    pub fn row(&self, k: usize) -> &[f64] {
        &self.w[k * self.d..(k + 1) * self.d]
    }

    /// The activation `σ(p) = φ(p) + e p²`.
    pub fn activation(&self, p: f64) -> f64 {
        phi(p) + self.even * p * p
    }

    /// `σ'(p) = φ'(p) + 2 e p`.
    pub fn activation_prime(&self, p: f64) -> f64 {
        phi_prime(p) + 2.0 * self.even * p
    }

    /// Writes `f(x)` into `out`.
    pub fn denoise_into(&self, x: &[f64], out: &mut [f64]) {
        out.iter_mut().zip(x).for_each(|(o, xi)| *o = self.b * xi);
        for k in 0..self.k {
            let w = self.row(k);
            let h = self.a * self.activation(dot(w, x));
            out.iter_mut().zip(w).for_each(|(o, wi)| *o += h * wi);
        }
    }

    /// The loss `½‖f(x_t) − x₀‖²` (allocates; for checks, not for the training loop).
    pub fn loss(&self, x_t: &[f64], x0: &[f64]) -> f64 {
        let mut f = vec![0.0; self.d];
        self.denoise_into(x_t, &mut f);
        0.5 * f
            .iter()
            .zip(x0)
            .map(|(fi, x)| (fi - x).powi(2))
            .sum::<f64>()
    }

    // ANCHOR: gradient
    /// The Euclidean gradient of `½‖r‖²`, `r = f(x_t) − x₀`, with respect to each row:
    /// `g_k = a (σ(p_k) r + (w_k·r) σ'(p_k) x_t)`, `p_k = w_k·x_t`. Writes `r` into
    /// `residual` and the gradients (`k × d`) into `grad`; returns the loss. No allocation.
    pub fn gradient_into(
        &self,
        x_t: &[f64],
        x0: &[f64],
        residual: &mut [f64],
        grad: &mut [f64],
    ) -> f64 {
        self.denoise_into(x_t, residual);
        residual.iter_mut().zip(x0).for_each(|(r, x)| *r -= x);
        for k in 0..self.k {
            let w = self.row(k);
            let p = dot(w, x_t);
            let (h, h_prime) = (
                self.a * self.activation(p),
                self.a * self.activation_prime(p) * dot(w, residual),
            );
            let g = &mut grad[k * self.d..(k + 1) * self.d];
            for ((gi, r), x) in g.iter_mut().zip(&*residual).zip(x_t) {
                *gi = h * r + h_prime * x;
            }
        }
        0.5 * dot(residual, residual)
    }
    // ANCHOR_END: gradient

    // ANCHOR: riemannian_step
    /// One step on the sphere: remove the radial part of each row's gradient,
    /// `w_k ← w_k − η (g_k − (g_k·w_k) w_k)`, renormalise, and with `k > 1` restore
    /// orthonormality by Gram–Schmidt.
    pub fn riemannian_step(&mut self, grad: &[f64], eta: f64) {
        let d = self.d;
        for k in 0..self.k {
            let (w, g) = (&mut self.w[k * d..(k + 1) * d], &grad[k * d..(k + 1) * d]);
            let radial = dot(g, w);
            for (wi, gi) in w.iter_mut().zip(g) {
                *wi -= eta * (gi - radial * *wi);
            }
            normalise(w);
        }
        if self.k > 1 {
            self.orthonormalise();
        }
    }
    // ANCHOR_END: riemannian_step

    /// Gram–Schmidt on the rows, in order (the first row is only normalised).
    pub fn orthonormalise(&mut self) {
        let d = self.d;
        for k in 0..self.k {
            let (done, rest) = self.w.split_at_mut(k * d);
            let w = &mut rest[..d];
            for j in 0..k {
                let earlier = &done[j * d..(j + 1) * d];
                let c = dot(earlier, w);
                w.iter_mut().zip(earlier).for_each(|(wi, ei)| *wi -= c * ei);
            }
            normalise(w);
        }
    }

    // ANCHOR: overlap
    /// The overlap with a unit direction: `m = max_k |w_k·dir| / ‖w_k‖`.
    pub fn overlap(&self, dir: &[f64]) -> f64 {
        (0..self.k)
            .map(|k| {
                let w = self.row(k);
                dot(w, dir).abs() / dot(w, w).sqrt()
            })
            .fold(0.0, f64::max)
    }
    // ANCHOR_END: overlap
}
