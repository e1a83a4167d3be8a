//! The learned denoisers: a one-hidden-layer tanh network, residual or not, and a
//! bottleneck (linear encoder to the intrinsic dimension, tanh decoder), with
//! hand-written forward and backward passes in `f64` and analytic Jacobians.

use super::evaluation::Denoiser;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;
use serde::Serialize;

/// The shape of `x ↦ V tanh(W x + c) + e` with `W: hidden × n_in`, `V: n_out × hidden`.
/// Parameters live in one flat vector, in the order `W, c, V, e` (row-major).
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Copy, Debug, Serialize)]
pub struct TanhLayer {
    pub n_in: usize,
    pub hidden: usize,
    pub n_out: usize,
}

impl TanhLayer {
    /// Number of parameters, `hidden (n_in + 1) + n_out (hidden + 1)`.
    pub fn len(&self) -> usize {
        self.hidden * (self.n_in + 1) + self.n_out * (self.hidden + 1)
    }

    /// Always false: a layer has at least its biases.
    pub fn is_empty(&self) -> bool {
        false
    }

    fn offsets(&self) -> (usize, usize, usize) {
        let c = self.hidden * self.n_in;
        let v = c + self.hidden;
        (c, v, v + self.n_out * self.hidden)
    }

    /// `W ~ N(0, 1/n_in)`, `c = 0`, `V ~ v_scale · N(0, 1/hidden)`, `e = 0`.
    pub fn init(&self, v_scale: f64, rng: &mut impl Rng) -> Vec<f64> {
        let (oc, ov, oe) = self.offsets();
        let mut theta = vec![0.0; self.len()];
        let w_std = (1.0 / self.n_in as f64).sqrt();
        let v_std = v_scale * (1.0 / self.hidden as f64).sqrt();
        theta[..oc]
            .iter_mut()
            .for_each(|w| *w = w_std * rng.sample::<f64, _>(StandardNormal));
        theta[ov..oe]
            .iter_mut()
            .for_each(|v| *v = v_std * rng.sample::<f64, _>(StandardNormal));
        theta
    }

    // ANCHOR: tanh_layer
    /// Forward pass: returns `V h + e` and leaves `h = tanh(W x + c)` in `h`.
    pub fn forward(&self, theta: &[f64], x: &[f64], h: &mut Vec<f64>) -> Vec<f64> {
        let (oc, ov, oe) = self.offsets();
        h.clear();
        for k in 0..self.hidden {
            let w = &theta[k * self.n_in..(k + 1) * self.n_in];
            h.push((dot(w, x) + theta[oc + k]).tanh());
        }
        (0..self.n_out)
            .map(|i| {
                dot(&theta[ov + i * self.hidden..ov + (i + 1) * self.hidden], h) + theta[oe + i]
            })
            .collect()
    }

    /// Backward pass for the output gradient `g = ∂L/∂out`: adds `∂L/∂θ` to `grad`
    /// (`∂L/∂V = g hᵀ`, `∂L/∂e = g`, `∂L/∂c = (Vᵀg) ⊙ (1 − h²)`, `∂L/∂W = ∂L/∂c xᵀ`) and
    /// returns `∂L/∂x = Wᵀ ∂L/∂c`.
    pub fn backward(
        &self,
        theta: &[f64],
        x: &[f64],
        h: &[f64],
        g: &[f64],
        grad: &mut [f64],
    ) -> Vec<f64> {
        let (oc, ov, oe) = self.offsets();
        let mut g_pre = vec![0.0; self.hidden];
        for i in 0..self.n_out {
            grad[oe + i] += g[i];
            let row = ov + i * self.hidden;
            for k in 0..self.hidden {
                grad[row + k] += g[i] * h[k];
                g_pre[k] += g[i] * theta[row + k];
            }
        }
        let mut g_x = vec![0.0; self.n_in];
        for k in 0..self.hidden {
            let gk = g_pre[k] * (1.0 - h[k] * h[k]);
            grad[oc + k] += gk;
            let row = k * self.n_in;
            for j in 0..self.n_in {
                grad[row + j] += gk * x[j];
                g_x[j] += gk * theta[row + j];
            }
        }
        g_x
    }

    /// The Jacobian `∂out/∂x = V diag(1 − h²) W`, row-major `n_out × n_in`.
    pub fn jacobian(&self, theta: &[f64], x: &[f64]) -> Vec<f64> {
        let (_, ov, _) = self.offsets();
        let mut h = Vec::new();
        self.forward(theta, x, &mut h);
        let mut j = vec![0.0; self.n_out * self.n_in];
        for k in 0..self.hidden {
            let slope = 1.0 - h[k] * h[k];
            let w = &theta[k * self.n_in..(k + 1) * self.n_in];
            for i in 0..self.n_out {
                let a = theta[ov + i * self.hidden + k] * slope;
                for (jj, wj) in j[i * self.n_in..(i + 1) * self.n_in].iter_mut().zip(w) {
                    *jj += a * wj;
                }
            }
        }
        j
    }
    // ANCHOR_END: tanh_layer
}

/// A denoiser whose parameters can be trained by gradient descent.
/// Introduced in chapter "Collapse and refine".
pub trait Trainable: Denoiser {
    fn theta(&self) -> &[f64];
    fn theta_mut(&mut self) -> &mut [f64];
    /// Returns `weight · ‖f(y) − x_0‖²` and adds its gradient with respect to θ to `grad`.
    fn loss_grad(&self, y: &[f64], x_0: &[f64], weight: f64, grad: &mut [f64]) -> f64;
}

// ANCHOR: mlp
/// The one-hidden-layer tanh denoiser in `R^D`: residual `f(x) = x + V tanh(W x + c) + e`
/// (Jacobian `I + V diag(1 − h²) W`) or plain `f(x) = V tanh(W x + c) + e`.
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Debug)]
pub struct Mlp {
    pub layer: TanhLayer,
    pub residual: bool,
    pub theta: Vec<f64>,
}

impl Mlp {
    /// Initialised as in the notes: `V` scaled by 0.01 for the residual network (so it
    /// starts near the identity, `tr J ≈ D`), by 1 for the plain one.
    pub fn new(d: usize, hidden: usize, residual: bool, rng: &mut impl Rng) -> Self {
        assert!(
            d > 0 && hidden > 0,
            "Mlp::new: need d > 0 and hidden > 0, got {d}, {hidden}"
        );
        let layer = TanhLayer {
            n_in: d,
            hidden,
            n_out: d,
        };
        let theta = layer.init(if residual { 0.01 } else { 1.0 }, rng);
        Mlp {
            layer,
            residual,
            theta,
        }
    }
}

impl Denoiser for Mlp {
    fn dim(&self) -> usize {
        self.layer.n_in
    }

    fn denoise(&self, y: &[f64]) -> Vec<f64> {
        let mut out = self.layer.forward(&self.theta, y, &mut Vec::new());
        if self.residual {
            out.iter_mut().zip(y).for_each(|(o, y)| *o += y);
        }
        out
    }

    fn jacobian(&self, y: &[f64]) -> Vec<f64> {
        let mut j = self.layer.jacobian(&self.theta, y);
        if self.residual {
            let d = self.layer.n_in;
            (0..d).for_each(|i| j[i * d + i] += 1.0);
        }
        j
    }
}

impl Trainable for Mlp {
    fn theta(&self) -> &[f64] {
        &self.theta
    }

    fn theta_mut(&mut self) -> &mut [f64] {
        &mut self.theta
    }

    fn loss_grad(&self, y: &[f64], x_0: &[f64], weight: f64, grad: &mut [f64]) -> f64 {
        let mut h = Vec::with_capacity(self.layer.hidden);
        let mut out = self.layer.forward(&self.theta, y, &mut h);
        if self.residual {
            out.iter_mut().zip(y).for_each(|(o, y)| *o += y);
        }
        let r: Vec<f64> = out.iter().zip(x_0).map(|(o, x)| o - x).collect();
        let g: Vec<f64> = r.iter().map(|r| 2.0 * weight * r).collect();
        self.layer.backward(&self.theta, y, &h, &g, grad);
        weight * dot(&r, &r)
    }
}
// ANCHOR_END: mlp

// ANCHOR: bottleneck
/// A bottleneck denoiser `f(x) = dec(A x + b)`: a linear encoder `A: k × D` to the
/// intrinsic dimension `k`, and a tanh decoder `dec(z) = V tanh(W z + c) + e` back to
/// `R^D`. Its Jacobian `J_dec(z) A` has rank at most `k` from the first step.
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Debug)]
pub struct Bottleneck {
    pub d: usize,
    pub k: usize,
    pub decoder: TanhLayer,
    /// `A` (row-major `k × D`), `b`, then the decoder's parameters.
    pub theta: Vec<f64>,
}

impl Bottleneck {
    /// `A ~ N(0, 1/D)`, `b = 0`, decoder initialised like the plain [`Mlp`].
    pub fn new(d: usize, k: usize, hidden: usize, rng: &mut impl Rng) -> Self {
        assert!(
            k > 0 && k <= d,
            "Bottleneck::new: need 0 < k ≤ d, got k = {k}, d = {d}"
        );
        let decoder = TanhLayer {
            n_in: k,
            hidden,
            n_out: d,
        };
        let a_std = (1.0 / d as f64).sqrt();
        let mut theta: Vec<f64> = (0..k * d)
            .map(|_| a_std * rng.sample::<f64, _>(StandardNormal))
            .collect();
        theta.extend(std::iter::repeat_n(0.0, k));
        theta.extend(decoder.init(1.0, rng));
        Bottleneck {
            d,
            k,
            decoder,
            theta,
        }
    }

    /// The latent code `z = A x + b`.
    pub fn encode(&self, x: &[f64]) -> Vec<f64> {
        (0..self.k)
            .map(|r| {
                dot(&self.theta[r * self.d..(r + 1) * self.d], x) + self.theta[self.k * self.d + r]
            })
            .collect()
    }

    /// The decoder `dec(z)`.
    pub fn decode(&self, z: &[f64]) -> Vec<f64> {
        self.decoder
            .forward(self.decoder_theta(), z, &mut Vec::new())
    }

    fn decoder_theta(&self) -> &[f64] {
        &self.theta[self.k * (self.d + 1)..]
    }
}

impl Denoiser for Bottleneck {
    fn dim(&self) -> usize {
        self.d
    }

    fn denoise(&self, y: &[f64]) -> Vec<f64> {
        self.decode(&self.encode(y))
    }

    fn jacobian(&self, y: &[f64]) -> Vec<f64> {
        let j_dec = self.decoder.jacobian(self.decoder_theta(), &self.encode(y));
        let mut j = vec![0.0; self.d * self.d];
        for r in 0..self.d {
            for q in 0..self.k {
                let a = j_dec[r * self.k + q];
                for c in 0..self.d {
                    j[r * self.d + c] += a * self.theta[q * self.d + c];
                }
            }
        }
        j
    }
}

impl Trainable for Bottleneck {
    fn theta(&self) -> &[f64] {
        &self.theta
    }

    fn theta_mut(&mut self) -> &mut [f64] {
        &mut self.theta
    }

    fn loss_grad(&self, y: &[f64], x_0: &[f64], weight: f64, grad: &mut [f64]) -> f64 {
        let z = self.encode(y);
        let mut h = Vec::with_capacity(self.decoder.hidden);
        let out = self.decoder.forward(self.decoder_theta(), &z, &mut h);
        let r: Vec<f64> = out.iter().zip(x_0).map(|(o, x)| o - x).collect();
        let g: Vec<f64> = r.iter().map(|r| 2.0 * weight * r).collect();
        let split = self.k * (self.d + 1);
        let (grad_enc, grad_dec) = grad.split_at_mut(split);
        let g_z = self
            .decoder
            .backward(self.decoder_theta(), &z, &h, &g, grad_dec);
        for q in 0..self.k {
            for c in 0..self.d {
                grad_enc[q * self.d + c] += g_z[q] * y[c];
            }
            grad_enc[self.k * self.d + q] += g_z[q];
        }
        weight * dot(&r, &r)
    }
}
// ANCHOR_END: bottleneck

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
