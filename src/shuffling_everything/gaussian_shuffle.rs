//! GaussianShuffle: drown the message in Gaussian noise, variance exploding or
//! variance preserving, and the diagrams that say n small steps equal one big one.

use crate::destroying_and_generating::diagram::{ArrowKind, Diagram, SampledArrow, SampledSource};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;

// ANCHOR: gaussian_shuffle
/// GaussianShuffle(δ), variance exploding: every entry gets its own `N(0, δ)` noise,
/// `x ← x + sqrt(δ) ξ`. Introduced in chapter "Shuffling everything".
pub fn gaussian_shuffle(x: &[f64], delta: f64, rng: &mut StdRng) -> Vec<f64> {
    x.iter()
        .map(|v| v + delta.sqrt() * rng.sample::<f64, _>(StandardNormal))
        .collect()
}

/// The variance-preserving version: `x ← sqrt(1 − β) x + sqrt(β) ξ`, which keeps unit
/// variance when the input has unit variance. Introduced in chapter "Shuffling everything".
pub fn vp_shuffle(x: &[f64], beta: f64, rng: &mut StdRng) -> Vec<f64> {
    x.iter()
        .map(|v| (1.0 - beta).sqrt() * v + beta.sqrt() * rng.sample::<f64, _>(StandardNormal))
        .collect()
}
// ANCHOR_END: gaussian_shuffle

/// The two fixed 2-pixel "images", with entries in `[−1, 1]`.
/// Introduced in chapter "Shuffling everything".
pub const TWO_IMAGES: [[f64; 2]; 2] = [[0.9, -0.4], [-0.6, 0.7]];

/// One of the [`TWO_IMAGES`], each with probability ½.
fn two_images() -> SampledSource {
    SampledSource::new("two images", |rng| {
        let first = rng.random_bool(0.5);
        TWO_IMAGES[if first { 0 } else { 1 }].to_vec()
    })
}

/// `A ⇀ B ⇀ … ⇀` (`n` steps of `step`) next to one shortcut step, with the end points
/// joined by a dashed line.
fn n_steps_vs_one(n: usize, step: SampledArrow, shortcut: SampledArrow) -> Diagram {
    let mut d = Diagram::new();
    let a = d.node("A", &[]);
    d.sampled_source(a, two_images());
    let mut last = a;
    for k in 1..=n {
        let name = if k == n {
            "Z".to_string()
        } else {
            format!("x{k}")
        };
        let next = d.node(&name, &[]);
        d.sampled(last, next, ArrowKind::Harpoon, step.clone());
        last = next;
    }
    let z2 = d.node("Z'", &[]);
    d.sampled(a, z2, ArrowKind::Harpoon, shortcut)
        .place(z2, n, 1)
        .same_marginal(last, z2, None);
    d
}

// ANCHOR: additivity
/// `n` GaussianShuffle(δ) steps against one GaussianShuffle(n δ).
pub fn ve_additivity(n: usize, delta: f64, shortcut_delta: f64) -> Diagram {
    let step = SampledArrow::stochastic(&format!("δ = {delta}"), move |x, rng| {
        gaussian_shuffle(x, delta, rng)
    });
    let one = SampledArrow::stochastic(&format!("δ = {shortcut_delta}"), move |x, rng| {
        gaussian_shuffle(x, shortcut_delta, rng)
    });
    n_steps_vs_one(n, step, one)
}

/// `n` VP steps of `β` against one VP step of `1 − (1 − β)ⁿ`.
pub fn vp_composition(n: usize, beta: f64) -> Diagram {
    let total = 1.0 - (1.0 - beta).powi(n as i32);
    let step = SampledArrow::stochastic(&format!("β = {beta}"), move |x, rng| {
        vp_shuffle(x, beta, rng)
    });
    let one = SampledArrow::stochastic(&format!("β = {total:.3}"), move |x, rng| {
        vp_shuffle(x, total, rng)
    });
    n_steps_vs_one(n, step, one)
}
// ANCHOR_END: additivity

/// Sample mean and variance of the first entry after `n` steps of `step` from both
/// images, on `draws` draws each: how far the two images still are apart, in units of
/// the noise scale.
pub fn separation_after(
    n: usize,
    step: impl Fn(&[f64], &mut StdRng) -> Vec<f64>,
    draws: usize,
    rng: &mut StdRng,
) -> f64 {
    let run = |start: [f64; 2], rng: &mut StdRng| -> (f64, f64) {
        let values: Vec<f64> = (0..draws)
            .map(|_| {
                let mut x = start.to_vec();
                for _ in 0..n {
                    x = step(&x, rng);
                }
                x[0]
            })
            .collect();
        let mean = values.iter().sum::<f64>() / draws as f64;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (draws - 1) as f64;
        (mean, var)
    };
    let (m1, v1) = run(TWO_IMAGES[0], rng);
    let (m2, v2) = run(TWO_IMAGES[1], rng);
    (m1 - m2).abs() / ((v1 + v2) / 2.0).sqrt()
}
