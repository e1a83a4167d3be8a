//! What the mixed cumulant model shows at each order, in closed form, and the Monte Carlo
//! estimates (with standard errors) that the chapter checks against it.

use super::model::{dot, whitening_c, Latent, MixedCumulantModel};
use crate::sampling::seeded_rng;
use ndarray::Array2;
use serde::Serialize;

/// The fourth cumulant of a Rademacher variable (`±1`): `E ν⁴ − 3 = −2`.
/// Introduced in chapter "Easy to hard".
pub const KAPPA4_RADEMACHER: f64 = -2.0;

/// `E[λ ν]` for each latent: `√(2/π)` for `ν = sign(λ)` (that is `E|λ|`) and for its
/// Gaussian control, 0 otherwise.
/// Introduced in chapter "Easy to hard".
pub fn e_lambda_nu(latent: Latent) -> f64 {
    match latent {
        Latent::Sign | Latent::MatchedGaussian => (2.0 / std::f64::consts::PI).sqrt(),
        Latent::Independent | Latent::Parity => 0.0,
    }
}

// ANCHOR: kappa4_oracle
/// The fourth cumulant of the data along `v`:
/// `x·v = (√β_v ν + g)/√(1 + β_v)` with `g ~ N(0, 1)`, so `Var(x·v) = 1` and
/// `κ₄(x·v) = κ₄(ν) β_v² / (1 + β_v)²` (cumulants are additive and scale as the fourth
/// power). At `β_v = 10` with Rademacher `ν`: `−2 · 100/121 ≈ −1.65`.
/// Introduced in chapter "Easy to hard".
pub fn kappa4_along_v(kappa4_nu: f64, beta_v: f64) -> f64 {
    assert!(beta_v >= 0.0, "β_v must be non-negative, got {beta_v}");
    kappa4_nu * beta_v * beta_v / ((1.0 + beta_v) * (1.0 + beta_v))
}
// ANCHOR_END: kappa4_oracle

/// The covariance of `x₀` in closed form:
/// `I + β_u u uᵀ + E[λν] √(β_u β_v/(1 + β_v)) (u vᵀ + v uᵀ)`.
/// With independent (or parity) latents the last term vanishes and only `u` shows.
/// Introduced in chapter "Easy to hard".
pub fn covariance(model: &MixedCumulantModel) -> Array2<f64> {
    let d = model.dim();
    let cross =
        e_lambda_nu(model.latent) * (model.beta_u * model.beta_v / (1.0 + model.beta_v)).sqrt();
    Array2::from_shape_fn((d, d), |(i, j)| {
        let (u, v) = (&model.u, &model.v);
        let identity = if i == j { 1.0 } else { 0.0 };
        identity + model.beta_u * u[i] * u[j] + cross * (u[i] * v[j] + v[i] * u[j])
    })
}

/// `|e·v|` for the top eigenvector `e` of the covariance (the first principal
/// component): the overlap with `v` that a pair-wise method finds. In the plane of `u` and
/// `v` the covariance is `[[1 + β_u, k], [k, 1]]` with `k = E[λν] √(β_u β_v/(1 + β_v))`
/// (1 elsewhere), so `e ∝ (k, λ₊ − 1 − β_u)` with `λ₊` its larger eigenvalue; with
/// `k = 0` the component is `u` itself and the overlap is 0.
/// Introduced in chapter "Easy to hard".
pub fn top_component_overlap(beta_u: f64, beta_v: f64, latent: Latent) -> f64 {
    let k = e_lambda_nu(latent) * (beta_u * beta_v / (1.0 + beta_v)).sqrt();
    let (a, c) = (1.0 + beta_u, 1.0);
    let top = 0.5 * (a + c) + (0.25 * (a - c) * (a - c) + k * k).sqrt();
    let (e_u, e_v) = (k, top - a);
    if k == 0.0 {
        return 0.0;
    }
    e_v.abs() / (e_u * e_u + e_v * e_v).sqrt()
}

/// The whitening matrix `S = I − c v vᵀ`, `c` from [`whitening_c`].
/// Introduced in chapter "Easy to hard".
pub fn whitening_matrix(v: &[f64], beta_v: f64) -> Array2<f64> {
    let c = whitening_c(beta_v);
    let d = v.len();
    Array2::from_shape_fn((d, d), |(i, j)| {
        (if i == j { 1.0 } else { 0.0 }) - c * v[i] * v[j]
    })
}

/// A measured value next to its standard error and the closed form it should match.
/// Introduced in chapter "Easy to hard".
#[derive(Clone, Debug, Serialize)]
pub struct Checked {
    pub name: String,
    pub measured: f64,
    pub se: f64,
    pub exact: f64,
}

impl Checked {
    /// `|measured − exact| / se`.
    pub fn z(&self) -> f64 {
        (self.measured - self.exact).abs() / self.se
    }
}

/// Mean and standard error of `values`.
pub fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// The excess kurtosis (standardised fourth cumulant) `m₄/m₂² − 3` of `values`.
pub fn kappa4_estimate(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let (mut m2, mut m4) = (0.0, 0.0);
    for x in values {
        let c2 = (x - mean).powi(2);
        m2 += c2;
        m4 += c2 * c2;
    }
    (m4 / n) / (m2 / n).powi(2) - 3.0
}

/// `κ₄` of `values` with a standard error from 20 batch means.
pub fn kappa4_with_se(values: &[f64]) -> (f64, f64) {
    const BATCHES: usize = 20;
    assert!(
        values.len() >= 10 * BATCHES,
        "need at least {} values for a batched κ₄, got {}",
        10 * BATCHES,
        values.len()
    );
    let size = values.len() / BATCHES;
    let per_batch: Vec<f64> = values
        .chunks_exact(size)
        .take(BATCHES)
        .map(kappa4_estimate)
        .collect();
    let (_, se) = mean_se(&per_batch);
    (kappa4_estimate(values), se)
}

/// Monte Carlo checks of the model's statistics against their closed forms, from `n`
/// samples: the variance along `u` (`1 + β_u`) and along `v` (1), the fourth cumulant
/// along `v` ([`kappa4_along_v`]) and along `u` (0: Gaussian), `E[λν]`, and the largest
/// standardised deviation of the sample covariance from [`covariance`].
/// Introduced in chapter "Easy to hard".
pub fn moment_checks(model: &MixedCumulantModel, n: usize, seed: u64) -> (Vec<Checked>, f64) {
    assert!(n >= 1000, "moment checks need n ≥ 1000 samples, got {n}");
    let d = model.dim();
    let mut rng = seeded_rng(seed);
    let mut x = vec![0.0; d];
    let (mut along_u, mut along_v, mut lambda_nu) = (vec![], vec![], vec![]);
    let mut sum = vec![0.0; d * d];
    let mut sum_sq = vec![0.0; d * d];
    for _ in 0..n {
        let (lambda, nu) = model.sample_into(&mut rng, &mut x);
        along_u.push(dot(&x, &model.u));
        along_v.push(dot(&x, &model.v));
        lambda_nu.push(lambda * nu);
        for i in 0..d {
            for j in 0..d {
                let p = x[i] * x[j];
                sum[i * d + j] += p;
                sum_sq[i * d + j] += p * p;
            }
        }
    }
    let exact = covariance(model);
    let mut worst = 0.0f64;
    for i in 0..d {
        for j in 0..d {
            let mean = sum[i * d + j] / n as f64;
            let var = sum_sq[i * d + j] / n as f64 - mean * mean;
            let se = (var / n as f64).sqrt();
            worst = worst.max((mean - exact[[i, j]]).abs() / se);
        }
    }
    let second = |name: &str, values: &[f64], exact: f64| {
        let squares: Vec<f64> = values.iter().map(|x| x * x).collect();
        let (measured, se) = mean_se(&squares);
        Checked {
            name: name.into(),
            measured,
            se,
            exact,
        }
    };
    let fourth = |name: &str, values: &[f64], exact: f64| {
        let (measured, se) = kappa4_with_se(values);
        Checked {
            name: name.into(),
            measured,
            se,
            exact,
        }
    };
    let (m, se) = mean_se(&lambda_nu);
    // The Gaussian control's ν has no fourth cumulant; every other ν is a coin.
    let kappa4_nu = match model.latent {
        Latent::MatchedGaussian => 0.0,
        _ => KAPPA4_RADEMACHER,
    };
    let checks = vec![
        second("variance along u", &along_u, 1.0 + model.beta_u),
        second("variance along v", &along_v, 1.0),
        fourth("κ₄ along u", &along_u, 0.0),
        fourth(
            "κ₄ along v",
            &along_v,
            kappa4_along_v(kappa4_nu, model.beta_v),
        ),
        Checked {
            name: "E(λν)".into(),
            measured: m,
            se,
            exact: e_lambda_nu(model.latent),
        },
    ];
    (checks, worst)
}
