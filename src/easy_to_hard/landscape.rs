//! The population denoising loss as a function of the overlaps `(m_u, m_v)` of one unit
//! direction, by deterministic quadrature: how large a learning signal each statistic
//! gives near a random start.

use super::denoiser::{phi, phi_prime};
use super::model::{Latent, MATCHED_RHO, MEDIAN_ABS_NORMAL};
use serde::Serialize;

/// Five-point Gauss–Legendre nodes and weights on `[−1, 1]`.
const GL_NODES: [f64; 5] = [
    -0.906_179_845_938_664,
    -0.538_469_310_105_683_1,
    0.0,
    0.538_469_310_105_683_1,
    0.906_179_845_938_664,
];
const GL_WEIGHTS: [f64; 5] = [
    0.236_926_885_056_189_1,
    0.478_628_670_499_366_5,
    0.568_888_888_888_888_9,
    0.478_628_670_499_366_5,
    0.236_926_885_056_189_1,
];

/// Nodes `t` and weights `w · N(t; 0, 1)` of composite Gauss–Legendre quadrature for
/// `E g(T)`, `T ~ N(0, 1)`, on `[−10, 10]`, with panel edges at `breaks` and panels no
/// wider than `width`.
fn normal_rule(breaks: &[f64], width: f64) -> Vec<(f64, f64)> {
    let mut edges = vec![-10.0];
    edges.extend(breaks.iter().copied());
    edges.push(10.0);
    let mut rule = Vec::new();
    for pair in edges.windows(2) {
        let panels = ((pair[1] - pair[0]) / width).ceil().max(1.0) as usize;
        let h = (pair[1] - pair[0]) / panels as f64;
        for p in 0..panels {
            let mid = pair[0] + (p as f64 + 0.5) * h;
            for (x, w) in GL_NODES.iter().zip(GL_WEIGHTS) {
                let t = mid + 0.5 * h * x;
                let density = (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt();
                rule.push((t, 0.5 * h * w * density));
            }
        }
    }
    rule
}

/// The population loss of `f(x) = b x + a w φ(w·x)` with one unit direction
/// `w = m_u u + m_v v + √(1 − m_u² − m_v²) e` (`e` orthogonal to both spikes), on MCM data
/// destroyed at level `α`, with `b = α` and `a = 1` as in training.
/// Introduced in chapter "Easy to hard".
#[derive(Clone, Debug)]
pub struct PopulationLoss {
    pub alpha: f64,
    pub beta_u: f64,
    pub beta_v: f64,
    pub latent: Latent,
    outer: Vec<(f64, f64)>,
    inner: Vec<(f64, f64)>,
}

impl PopulationLoss {
    /// The loss at level `alpha` for the MCM with `(β_u, β_v, latent)`.
    pub fn new(alpha: f64, beta_u: f64, beta_v: f64, latent: Latent) -> Self {
        assert!(
            alpha > 0.0 && alpha < 1.0,
            "the level α must lie in (0, 1), got {alpha}"
        );
        assert!(
            beta_u >= 0.0 && beta_v >= 0.0,
            "β_u and β_v must be non-negative"
        );
        let c = MEDIAN_ABS_NORMAL;
        PopulationLoss {
            alpha,
            beta_u,
            beta_v,
            latent,
            outer: normal_rule(&[-c, 0.0, c], 0.2),
            inner: normal_rule(&[], 0.1),
        }
    }

    // ANCHOR: population_loss
    /// The part of `E ½‖f(x_t) − x₀‖²` that depends on `w`:
    /// `E[a φ(p) q + ½ a² φ(p)²]` with `p = w·x_t`, `q = w·(b x_t − x₀)`. Given the latents,
    /// `(p, q)` is Gaussian, so `E[φ(p) q] = μ_q E φ(p) + Cov(p, q) E φ'(p)` (Stein's
    /// lemma); the remaining integrals over `p` and `λ` are done by quadrature.
    pub fn loss(&self, m_u: f64, m_v: f64) -> f64 {
        let m_e2 = 1.0 - m_u * m_u - m_v * m_v;
        assert!(m_e2 >= -1e-12, "need m_u² + m_v² ≤ 1, got ({m_u}, {m_v})");
        let (alpha, b, a) = (self.alpha, self.alpha, 1.0);
        let s2 = 1.0 - alpha * alpha;
        // Var(w·x₀ | λ, ν): the whitening shrinks the noise along v to 1/(1 + β_v). The
        // Gaussian control's ν is not fixed by λ: its conditional variance 1 − ρ² adds to it.
        let nu_spread = match self.latent {
            Latent::MatchedGaussian => 1.0 - MATCHED_RHO * MATCHED_RHO,
            _ => 0.0,
        };
        let var_a = m_u * m_u
            + m_v * m_v * (1.0 + self.beta_v * nu_spread) / (1.0 + self.beta_v)
            + m_e2.max(0.0);
        let var_p = alpha * alpha * var_a + s2;
        let cov_pq = alpha * (b * alpha - 1.0) * var_a + b * s2;
        let sd_p = var_p.sqrt();
        let mut total = 0.0;
        for &(lambda, weight) in &self.outer {
            let nus: &[(f64, f64)] = match self.latent {
                Latent::Independent => &[(1.0, 0.5), (-1.0, 0.5)],
                _ => &[(self.latent_of(lambda), 1.0)],
            };
            for &(nu, p_nu) in nus {
                let mean0 = m_u * self.beta_u.sqrt() * lambda
                    + m_v * (self.beta_v / (1.0 + self.beta_v)).sqrt() * nu;
                let (mu_p, mu_q) = (alpha * mean0, (b * alpha - 1.0) * mean0);
                let (mut e_phi, mut e_dphi, mut e_phi2) = (0.0, 0.0, 0.0);
                for &(t, w) in &self.inner {
                    let p = mu_p + sd_p * t;
                    let f = phi(p);
                    e_phi += w * f;
                    e_dphi += w * phi_prime(p);
                    e_phi2 += w * f * f;
                }
                let value = a * (mu_q * e_phi + cov_pq * e_dphi) + 0.5 * a * a * e_phi2;
                total += weight * p_nu * value;
            }
        }
        total
    }
    // ANCHOR_END: population_loss

    fn latent_of(&self, lambda: f64) -> f64 {
        // E[ν | λ] (ν itself for the deterministic latents); a node never sits on a break.
        let sign = |x: f64| if x >= 0.0 { 1.0 } else { -1.0 };
        match self.latent {
            Latent::Sign => sign(lambda),
            Latent::Parity => sign(lambda.abs() - MEDIAN_ABS_NORMAL),
            // E[ν | λ]; the rest of ν is Gaussian and sits in the variance above.
            Latent::MatchedGaussian => MATCHED_RHO * lambda,
            Latent::Independent => unreachable!("independent latents are summed over"),
        }
    }

    /// The loss decrease from the uninformed direction:
    /// `gain(m_u, m_v) = L(0, 0) − L(m_u, m_v)`.
    pub fn gain(&self, m_u: f64, m_v: f64) -> f64 {
        self.loss(0.0, 0.0) - self.loss(m_u, m_v)
    }
}

/// The local order of `gain(m)` between `m₁` and `m₂`: `log(g(m₂)/g(m₁)) / log(m₂/m₁)`.
/// An order of `ℓ` means the learning signal near `m ≈ d^(−1/2)` is about `m^ℓ`.
/// Introduced in chapter "Easy to hard".
pub fn local_order(gain: impl Fn(f64) -> f64, m1: f64, m2: f64) -> f64 {
    assert!(0.0 < m1 && m1 < m2, "need 0 < m₁ < m₂, got {m1}, {m2}");
    (gain(m2) / gain(m1)).ln() / (m2 / m1).ln()
}

/// One row of the signal-size table.
/// Introduced in chapter "Easy to hard".
#[derive(Clone, Debug, Serialize)]
pub struct GainRow {
    pub m: f64,
    pub gain_u: f64,
    pub gain_v: f64,
}

/// `gain(m, 0)` and `gain(0, m)` on a grid of `m`, for the chapter's model.
/// Introduced in chapter "Easy to hard".
pub fn gain_table(loss: &PopulationLoss, ms: &[f64]) -> Vec<GainRow> {
    let zero = loss.loss(0.0, 0.0);
    ms.iter()
        .map(|&m| GainRow {
            m,
            gain_u: zero - loss.loss(m, 0.0),
            gain_v: zero - loss.loss(0.0, m),
        })
        .collect()
}

/// The slope of the gain in `m_v` at `m_v = 0` once `u` is found (`m_u` fixed),
/// `∂ gain / ∂ m_v`, by a central difference of step `1e-3`. Zero by symmetry for
/// independent latents; non-zero when `m_u^k m_v` terms couple the two spikes.
/// Introduced in chapter "Easy to hard".
pub fn linear_coupling(loss: &PopulationLoss, m_u: f64) -> f64 {
    let h = 1e-3;
    (loss.gain(m_u, h) - loss.gain(m_u, -h)) / (2.0 * h)
}
