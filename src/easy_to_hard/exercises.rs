//! Solutions to the chapter's exercises.

use super::denoiser::Denoiser;
use super::landscape::{linear_coupling, PopulationLoss};
use super::model::{destroy_into, Latent, MixedCumulantModel};
use super::oracle::{e_lambda_nu, kappa4_along_v, mean_se};
use super::training::ALPHA;
use crate::sampling::seeded_rng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;

// ANCHOR: exercise_destroyed_kappa4
/// Exercise 1. Along `v`, destruction at level `α` mixes `x₀·v` (unit variance) with
/// independent Gaussian noise: `x_t·v = α x₀·v + √(1 − α²) ξ` still has unit variance,
/// and cumulants of order ≥ 3 of a Gaussian vanish, so
/// `κ₄(x_t·v) = α⁴ κ₄(x₀·v) = α⁴ κ₄(ν) β_v²/(1 + β_v)²`.
/// The pair-wise excess along `u` only shrinks as `α²`: `Var(x_t·u) − 1 = α² β_u`.
/// The Monte Carlo check is the test `exercise_1_kappa4_after_destruction`: it destroys
/// samples of the model at `α = 0.7` and finds both within four standard errors.
/// Introduced in chapter "Easy to hard".
pub fn kappa4_destroyed(kappa4_nu: f64, beta_v: f64, alpha: f64) -> f64 {
    assert!(
        (0.0..=1.0).contains(&alpha),
        "the level α must lie in [0, 1], got {alpha}"
    );
    alpha.powi(4) * kappa4_along_v(kappa4_nu, beta_v)
}

/// The pair-wise excess along `u` after destruction: `Var(x_t·u) − 1 = α² β_u`.
pub fn variance_excess_destroyed(beta_u: f64, alpha: f64) -> f64 {
    alpha * alpha * beta_u
}
// ANCHOR_END: exercise_destroyed_kappa4

// ANCHOR: exercise_monte_carlo_gain
/// Exercise 2. The population-loss gain `L(e) − L(w)` of a unit direction
/// `w = m_u u + m_v v + √(1 − m_u² − m_v²) e`, estimated by Monte Carlo in `d`
/// dimensions with the real [`Denoiser`]: both losses on the same samples (common random
/// numbers), so the noise of the difference is far smaller than that of each loss.
/// Returns `(gain, standard error)`.
/// Introduced in chapter "Easy to hard".
pub fn monte_carlo_gain(d: usize, m_u: f64, m_v: f64, n: usize, seed: u64) -> (f64, f64) {
    assert!(d >= 3, "the direction needs a third axis: d ≥ 3, got {d}");
    assert!(m_u * m_u + m_v * m_v <= 1.0, "need m_u² + m_v² ≤ 1");
    let mut rng = seeded_rng(seed);
    let model = MixedCumulantModel::random(d, 4.0, 10.0, Latent::Independent, &mut rng);
    // e: a unit vector orthogonal to u and v (Gram–Schmidt on a random draw).
    let mut e: Vec<f64> = (0..d).map(|_| rng.sample(StandardNormal)).collect();
    for dir in [&model.u, &model.v] {
        let c: f64 = e.iter().zip(dir).map(|(a, b)| a * b).sum();
        e.iter_mut().zip(dir).for_each(|(ei, di)| *ei -= c * di);
    }
    super::model::normalise(&mut e);
    let m_e = (1.0 - m_u * m_u - m_v * m_v).sqrt();
    let direction = |a: f64, b: f64, c: f64| Denoiser {
        d,
        k: 1,
        b: ALPHA,
        a: 1.0,
        w: (0..d)
            .map(|i| a * model.u[i] + b * model.v[i] + c * e[i])
            .collect(),
        even: 0.0,
    };
    let (informed, blind) = (direction(m_u, m_v, m_e), direction(0.0, 0.0, 1.0));
    let (mut x0, mut x_t) = (vec![0.0; d], vec![0.0; d]);
    let differences: Vec<f64> = (0..n)
        .map(|_| {
            model.sample_into(&mut rng, &mut x0);
            destroy_into(ALPHA, &x0, &mut rng, &mut x_t);
            blind.loss(&x_t, &x0) - informed.loss(&x_t, &x0)
        })
        .collect();
    mean_se(&differences)
}
// ANCHOR_END: exercise_monte_carlo_gain

// ANCHOR: exercise_partly_correlated
/// Exercise 3. A weaker correlation: with probability `q`, `ν = sign(λ)`; otherwise `ν` is
/// an independent fair coin. Returns `(λ, ν)`.
/// Introduced in chapter "Easy to hard".
pub fn sample_partly_correlated<R: Rng + ?Sized>(q: f64, rng: &mut R) -> (f64, f64) {
    assert!((0.0..=1.0).contains(&q), "q must lie in [0, 1], got {q}");
    let lambda: f64 = rng.sample(StandardNormal);
    let latent = if rng.random::<f64>() < q {
        Latent::Sign
    } else {
        Latent::Independent
    };
    (lambda, latent.draw(lambda, rng))
}

/// The cross-covariance it creates: `E[λν] = q √(2/π)` and
/// `Cov(x·u, x·v) = q √(2/π) √(β_u β_v / (1 + β_v))`.
pub fn partly_correlated_cross_covariance(q: f64, beta_u: f64, beta_v: f64) -> f64 {
    q * e_lambda_nu(Latent::Sign) * (beta_u * beta_v / (1.0 + beta_v)).sqrt()
}

/// The slope `∂ gain/∂ m_v` at `m_v = 0` once `m_u` is reached. The data distribution is
/// the mixture `q · (sign) + (1 − q) · (independent)` and the population loss is linear
/// in the distribution, so the slope is `q` times the sign slope (the independent one is 0).
pub fn partly_correlated_coupling(q: f64, m_u: f64) -> f64 {
    let sign = PopulationLoss::new(ALPHA, 4.0, 10.0, Latent::Sign);
    let independent = PopulationLoss::new(ALPHA, 4.0, 10.0, Latent::Independent);
    q * linear_coupling(&sign, m_u) + (1.0 - q) * linear_coupling(&independent, m_u)
}
// ANCHOR_END: exercise_partly_correlated
