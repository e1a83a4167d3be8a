//! The chapter's diagrams: continuous people, checked on samples.

use super::interpolation::{remix, x_t, ALPHAS, LEVELS};
use super::noise_prediction::{sample_posterior_noise, TwoPoints};
use crate::destroying_and_generating::diagram::{
    Action, ArrowKind, Diagram, SampledArrow, SampledSource,
};
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;

/// The chapter's data: two points `±2`.
pub const DATA: TwoPoints = TwoPoints { m: 2.0 };

fn data_source() -> SampledSource {
    SampledSource::new("data", |rng| vec![DATA.sample(rng)])
}

/// One variance-preserving Markov step from level `from` to level `to`:
/// `x ← sqrt(1 − β) x + sqrt(β) ξ` with `1 − β = a_to / a_from`.
fn markov_step(from: f64, to: f64) -> SampledArrow {
    let keep = to / from;
    SampledArrow::stochastic("VP step", move |x, rng| {
        let xi: f64 = rng.sample(StandardNormal);
        vec![keep.sqrt() * x[0] + (1.0 - keep).sqrt() * xi]
    })
}

/// The Markov row `A ⇀ B ⇀ C ⇀ Z` in `row`, starting at `columns[0]`.
fn markov_row(d: &mut Diagram, row: usize, columns: [usize; 4]) -> Vec<usize> {
    let people: Vec<usize> = LEVELS.iter().map(|name| d.node(name, &[])).collect();
    d.sampled_source(people[0], data_source());
    for k in 0..3 {
        d.sampled(
            people[k],
            people[k + 1],
            ArrowKind::Harpoon,
            markov_step(ALPHAS[k], ALPHAS[k + 1]),
        );
    }
    for (k, &p) in people.iter().enumerate() {
        d.place(p, columns[k], row);
    }
    people
}

// ANCHOR: spine
/// The common spine: Markov steps from the data `A` to noise `Z`, which matches a
/// standard normal `N` drawn on its own.
pub fn markov_spine() -> Diagram {
    let mut d = Diagram::new();
    let people = markov_row(&mut d, 0, [0, 1, 2, 3]);
    let normal = d.node("N(0,1)", &[]);
    d.sampled_source(
        normal,
        SampledSource::new("normal", |rng| vec![rng.sample(StandardNormal)]),
    )
    .place(normal, 3, 1)
    .same_marginal(people[3], normal, None);
    d
}
// ANCHOR_END: spine

/// Markov (top) against interpolation (bottom): `A'×Z'` computes every level at once,
/// and each level matches its Markov counterpart in distribution.
pub fn markov_and_interpolation() -> Diagram {
    let mut d = Diagram::new();
    let markov = markov_row(&mut d, 0, [1, 2, 3, 4]);
    let both = d.node("A'×Z'", &[]);
    d.sampled_source(
        both,
        SampledSource::new("data × noise", |rng| {
            vec![DATA.sample(rng), rng.sample(StandardNormal)]
        }),
    )
    .place(both, 0, 2);
    for (k, name) in LEVELS.iter().enumerate() {
        let level = d.node(&format!("{name}'"), &[]);
        let a = ALPHAS[k];
        let mix = SampledArrow::function(&format!("a = {a}"), move |v| vec![x_t(v[0], v[1], a)]);
        d.sampled(both, level, ArrowKind::Morphism, mix)
            .place(level, k + 1, 1)
            .same_marginal(level, markov[k], None);
    }
    d
}

/// `(x_s, z) ↦ (x_t, z)` as a bijection between levels `from` and `to`.
fn remix_pair(from: f64, to: f64) -> (Action, Action) {
    let there = SampledArrow::function("remix", move |v| vec![remix(v[0], v[1], from, to), v[1]]);
    let back = SampledArrow::function("remix back", move |v| {
        vec![remix(v[0], v[1], to, from), v[1]]
    });
    (Action::Sampled(there), Action::Sampled(back))
}

/// The noise guess for level `a`: keep `x_t`, draw `z` from `P(z | x_t)` (or, with
/// `blind`, from `N(0, 1)` without looking).
fn guess_noise(a: f64, blind: bool) -> SampledArrow {
    SampledArrow::stochastic("guess noise", move |v, rng| {
        let z = if blind {
            rng.sample(StandardNormal)
        } else {
            sample_posterior_noise(&DATA, v[0], a, rng)
        };
        vec![v[0], z]
    })
}

// ANCHOR: full_picture
/// The full picture: keep the noise and every level is a bijection away from the data;
/// drop it and a Guess must restore it, matching `B'×Z'` given `B'`. With `blind`, the
/// Guess ignores `B'` and the labelled lines must fail.
pub fn full_picture(blind: bool) -> Diagram {
    let mut d = Diagram::new();
    d.column_gap = Some(92);
    let a2 = d.node("A'", &[]);
    d.sampled_source(a2, data_source()).place(a2, 0, 0);
    let pairs: Vec<usize> = ["A'×Z'", "B'×Z'", "C'×Z'"]
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let p = d.node(name, &[]);
            d.place(p, 2 + 2 * k, 0);
            p
        })
        .collect();
    let draw_noise =
        SampledArrow::stochastic("draw Z'", |v, rng| vec![v[0], rng.sample(StandardNormal)]);
    d.sampled(a2, pairs[0], ArrowKind::Harpoon, draw_noise);
    for k in 0..2 {
        let (there, back) = remix_pair(ALPHAS[k], ALPHAS[k + 1]);
        d.bijection(pairs[k], pairs[k + 1], "re-mix", there, back);
    }
    let (there, back) = remix_pair(ALPHAS[0], ALPHAS[2]);
    d.bijection(pairs[0], pairs[2], "re-mix", there, back);
    let z2 = d.node("Z'", &[]);
    let keep_noise = SampledArrow::function("keep Z'", |v| vec![v[1]]);
    d.sampled(pairs[2], z2, ArrowKind::Morphism, keep_noise)
        .place(z2, 8, 0);
    let a3 = d.node("A''", &[]);
    let first = SampledArrow::function("drop Z'", |v| vec![v[0]]);
    d.sampled(pairs[0], a3, ArrowKind::Morphism, first)
        .place(a3, 3, 1);
    let markov = markov_row(&mut d, 3, [0, 5, 7, 8]);
    d.same_marginal(a2, markov[0], None)
        .same_marginal(a3, markov[0], None)
        .same_marginal(z2, markov[3], None);
    for (k, primes) in [(1, "''"), (2, "'''")] {
        let name = LEVELS[k];
        let level = d.node(&format!("{name}'"), &[]);
        let drop = SampledArrow::function("drop Z'", |v| vec![v[0]]);
        d.sampled(pairs[k], level, ArrowKind::Morphism, drop)
            .place(level, 3 + 2 * k, 1);
        let guessed = d.node(&format!("{name}'×Z{primes}"), &[]);
        d.sampled(
            level,
            guessed,
            ArrowKind::Harpoon,
            guess_noise(ALPHAS[k], blind),
        )
        .place(guessed, 2 + 2 * k, 2)
        .same_marginal(guessed, pairs[k], Some(&format!("{name}'")))
        .same_marginal(level, markov[k], None);
    }
    d
}
// ANCHOR_END: full_picture

/// Every diagram the chapter draws, by file stem, in reading order.
pub fn chapter_diagrams() -> Vec<(&'static str, Diagram)> {
    vec![
        ("markov-spine", markov_spine()),
        ("markov-and-interpolation", markov_and_interpolation()),
        ("full-picture", full_picture(false)),
    ]
}
