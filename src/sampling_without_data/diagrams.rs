//! Chapter "Sampling without data" in Part II's language: a diffusion sampler as a
//! generative commutative diagram. Generation harpoons run from the point mass `δ₀` to
//! `x_T`; destruction harpoons run from a target sample back; **balance** — the two ways
//! of producing a trajectory agree — is the dashed line the diagram claims.
//!
//! Checked on the one case where everything is exact: a Gaussian target `N(0, s²)`, the
//! Brownian-bridge destruction, and the generation kernel that exactly reverses it.

use crate::destroying_and_generating::diagram::{ArrowKind, Diagram, SampledArrow, SampledSource};
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;

/// Steps of the drawn sampler.
pub const DIAGRAM_STEPS: usize = 3;
/// The reference diffusion coefficient `σ²`.
pub const DIAGRAM_SIGMA2: f64 = 1.0;
/// The target's variance `s²` (the target is `N(0, s²)`, so `log Z = ½ log 2π s²` for
/// `log R(x) = −x² / 2s²`).
pub const DIAGRAM_TARGET_VAR: f64 = 2.5;

// ANCHOR: exact_gaussian_sampler
/// `Var(x_n)` when a target sample `x_T ~ N(0, s²)` is destroyed by the bridge
/// `x_n | x_{n+1} ~ N(n/(n+1) x_{n+1}, σ²Δt n/(n+1))`:
/// `Var_n = (n/(n+1))² Var_{n+1} + σ²Δt n/(n+1)`, from `Var_T = s²` down to `Var_0 = 0`.
/// Introduced in chapter "Sampling without data".
pub fn level_variances(target_var: f64, sigma2: f64, steps: usize) -> Vec<f64> {
    let dt = 1.0 / steps as f64;
    let mut var = vec![0.0; steps + 1];
    var[steps] = target_var;
    for n in (0..steps).rev() {
        let shrink = n as f64 / (n + 1) as f64;
        var[n] = shrink * shrink * var[n + 1] + sigma2 * dt * shrink;
    }
    var
}

/// The generation kernel that reverses "sample the target, then destroy" exactly:
/// `x_{n+1} | x_n ~ N(c x_n, v)` with `Cov(x_n, x_{n+1}) = n/(n+1) Var_{n+1}`,
/// `c = Cov / Var_n` and `v = Var_{n+1} − Cov² / Var_n` (from `x_0 = 0`: `N(0, Var_1)`).
pub fn exact_generation_step(var: &[f64], n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, var[1]);
    }
    let cov = n as f64 / (n + 1) as f64 * var[n + 1];
    (cov / var[n], var[n + 1] - cov * cov / var[n])
}
// ANCHOR_END: exact_gaussian_sampler

// ANCHOR: sampler_diagram
/// The sampler as a diagram. People hold trajectories: generation appends `x_{n+1}` to
/// `(x_1, …, x_n)`, destruction prepends `x_n` to `(x_{n+1}, …, x_T)`. Claims: the last
/// generated state matches the target, and the generated and destroyed trajectories
/// match (balance, given the shared start `x_0 = 0`). With `trained = false` generation
/// is a fresh sampler — the reference random walk `x_{n+1} = x_n + σ sqrt(Δt) ξ`.
pub fn sampler_diagram(trained: bool) -> Diagram {
    let (steps, sigma2) = (DIAGRAM_STEPS, DIAGRAM_SIGMA2);
    let var = level_variances(DIAGRAM_TARGET_VAR, sigma2, steps);
    let dt = 1.0 / steps as f64;
    let mut d = Diagram::new();
    d.column_gap = Some(96);
    let start = d.node("δ₀", &[]);
    d.sampled_source(start, SampledSource::new("x₀ = 0", |_| vec![]))
        .place(start, 0, 0);
    let mut previous = start;
    for n in 0..steps {
        let name = if n + 1 == steps {
            "τ→".to_string()
        } else {
            format!("x₁…x{}", n + 1)
        };
        let person = d.node(&name, &[]);
        let (c, v) = exact_generation_step(&var, n);
        let step = SampledArrow::stochastic("P→", move |path, rng| {
            let x_n = path.last().copied().unwrap_or(0.0);
            let xi: f64 = rng.sample(StandardNormal);
            let x_next = if trained {
                c * x_n + v.sqrt() * xi
            } else {
                x_n + (sigma2 * dt).sqrt() * xi
            };
            path.iter().copied().chain([x_next]).collect()
        });
        d.sampled(previous, person, ArrowKind::Harpoon, step)
            .place(person, n + 1, 0);
        previous = person;
    }
    let generated = previous;
    let last = d.node(&format!("x{}", subscript(steps)), &[]);
    let keep_last = SampledArrow::function("keep the last", |path| vec![path[path.len() - 1]]);
    d.sampled(generated, last, ArrowKind::Morphism, keep_last)
        .place(last, steps + 1, 0);
    let target = d.node("p", &[]);
    d.sampled_source(
        target,
        SampledSource::new("target", |rng| {
            let z: f64 = rng.sample(StandardNormal);
            vec![DIAGRAM_TARGET_VAR.sqrt() * z]
        }),
    )
    .place(target, steps + 1, 1);
    let mut previous = target;
    for n in (1..steps).rev() {
        let name = if n == 1 {
            "τ←".to_string()
        } else {
            format!("x{n}…x{steps}")
        };
        let person = d.node(&name, &[]);
        let shrink = n as f64 / (n + 1) as f64;
        let bridge = SampledArrow::stochastic("P←", move |path, rng| {
            let xi: f64 = rng.sample(StandardNormal);
            let x_n = shrink * path[0] + (sigma2 * dt * shrink).sqrt() * xi;
            [x_n].into_iter().chain(path.iter().copied()).collect()
        });
        d.sampled(previous, person, ArrowKind::Harpoon, bridge)
            .place(person, n, 1);
        previous = person;
    }
    d.same_marginal(last, target, None)
        .same_marginal(generated, previous, Some("x₀ = 0"));
    d
}
// ANCHOR_END: sampler_diagram

/// `12` as `₁₂`, for names in the drawing.
fn subscript(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32('₀' as u32 + c.to_digit(10).unwrap_or(0)).unwrap_or(c))
        .collect()
}
