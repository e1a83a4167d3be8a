//! Continuous people: sources and arrows are samplers on real vectors, and the checker
//! works on samples. Functions are compared to float precision on the very same draws;
//! "same marginal" is a two-sample Kolmogorov–Smirnov test on independent draws.

use super::check::{claim, Claim, ClaimKind, DiagramError};
use super::{Action, ArrowKind, Diagram, Source};
use crate::sampling::seeded_rng;
use ndarray_rand::rand::rngs::StdRng;
use std::fmt;
use std::rc::Rc;

/// Family-wise false-alarm rate of one statistical claim: a true "same marginal" claim
/// is rejected with probability at most this (Bonferroni over its coordinates).
pub const KS_ALPHA: f64 = 1e-3;

/// Round trips and commuting paths must agree within `FLOAT_TOLERANCE · (1 + |x|)`.
pub const FLOAT_TOLERANCE: f64 = 1e-9;

type Draw = Rc<dyn Fn(&mut StdRng) -> Vec<f64>>;
type Apply = Rc<dyn Fn(&[f64], &mut StdRng) -> Vec<f64>>;
type Feature = Box<dyn Fn(&[f64]) -> f64>;

/// A continuous source: draws one message (a real vector) per call.
/// Introduced in chapter "About the diagrams".
#[derive(Clone)]
pub struct SampledSource {
    pub name: String,
    pub draw: Draw,
}

/// A continuous arrow: maps one message to the next, possibly using randomness.
/// Introduced in chapter "About the diagrams".
#[derive(Clone)]
pub struct SampledArrow {
    pub name: String,
    pub apply: Apply,
}

impl fmt::Debug for SampledSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SampledSource({})", self.name)
    }
}

impl fmt::Debug for SampledArrow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SampledArrow({})", self.name)
    }
}

impl SampledSource {
    pub fn new(name: &str, draw: impl Fn(&mut StdRng) -> Vec<f64> + 'static) -> Self {
        SampledSource {
            name: name.into(),
            draw: Rc::new(draw),
        }
    }
}

impl SampledArrow {
    /// A deterministic arrow `x ↦ f(x)`.
    pub fn function(name: &str, f: impl Fn(&[f64]) -> Vec<f64> + 'static) -> Self {
        SampledArrow {
            name: name.into(),
            apply: Rc::new(move |x, _| f(x)),
        }
    }

    /// A stochastic arrow `x ↦ f(x, randomness)`.
    pub fn stochastic(name: &str, f: impl Fn(&[f64], &mut StdRng) -> Vec<f64> + 'static) -> Self {
        SampledArrow {
            name: name.into(),
            apply: Rc::new(f),
        }
    }
}

/// The two-sample Kolmogorov–Smirnov statistic `D = sup_x |F_a(x) − F_b(x)|`.
pub fn ks_statistic(a: &[f64], b: &[f64]) -> f64 {
    let sorted = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        s
    };
    let (a, b) = (sorted(a), sorted(b));
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
    }
    d
}

/// The asymptotic critical value of `D` at level `alpha` for sample sizes `n`, `m`:
/// `sqrt(−ln(alpha / 2) / 2) · sqrt((n + m) / (n m))`.
pub fn ks_critical_value(alpha: f64, n: usize, m: usize) -> f64 {
    let (n, m) = (n as f64, m as f64);
    (-(alpha / 2.0).ln() / 2.0).sqrt() * ((n + m) / (n * m)).sqrt()
}

type Samples = Vec<Option<Vec<Vec<f64>>>>;

/// Largest `|x − y| / (1 + |x|)` over paired draws.
fn max_relative_error(xs: &[Vec<f64>], ys: &[Vec<f64>]) -> f64 {
    xs.iter()
        .zip(ys)
        .flat_map(|(x, y)| {
            x.iter()
                .zip(y)
                .map(|(a, b)| (a - b).abs() / (1.0 + a.abs()))
        })
        .fold(0.0, f64::max)
}

/// KS tests on every coordinate (and, with `products`, every pairwise product, which
/// also sees dependence); returns (holds, detail).
fn same_distribution(a: &[Vec<f64>], b: &[Vec<f64>], products: bool) -> (bool, String) {
    let dim = a[0].len();
    if dim != b[0].len() {
        return (
            false,
            format!("dimensions {} and {} differ", dim, b[0].len()),
        );
    }
    let mut features: Vec<Feature> = (0..dim)
        .map(|i| Box::new(move |x: &[f64]| x[i]) as Feature)
        .collect();
    if products {
        for i in 0..dim {
            for j in i + 1..dim {
                features.push(Box::new(move |x: &[f64]| x[i] * x[j]));
            }
        }
    }
    let critical = ks_critical_value(KS_ALPHA / features.len() as f64, a.len(), b.len());
    let worst = features
        .iter()
        .map(|f| {
            let fa: Vec<f64> = a.iter().map(|x| f(x)).collect();
            let fb: Vec<f64> = b.iter().map(|x| f(x)).collect();
            ks_statistic(&fa, &fb)
        })
        .fold(0.0, f64::max);
    let tests = match features.len() {
        1 => "1 test".to_string(),
        k => format!("{k} tests"),
    };
    let detail = format!(
        "KS: largest D = {worst:.4}, critical {critical:.4} ({tests}, n = {})",
        a.len()
    );
    (worst <= critical, detail)
}

impl Diagram {
    fn sampled_arrow(&self, k: usize) -> Result<&SampledArrow, DiagramError> {
        match &self.arrows[k].action {
            Some(Action::Sampled(s)) => Ok(s),
            _ => Err(DiagramError::MixedActions),
        }
    }

    /// `n` joint draws of every person reached from a source, seeded by `seed`.
    fn draw_all(&self, n: usize, seed: u64) -> Result<Samples, DiagramError> {
        let order = self.topological_order()?;
        let mut rng = seeded_rng(seed);
        let mut samples: Samples = vec![None; self.people.len()];
        for &i in &order {
            if let Some((_, source)) = self.sources.iter().find(|(p, _)| *p == i) {
                let Source::Sampled(s) = source else {
                    return Err(DiagramError::MixedActions);
                };
                samples[i] = Some((0..n).map(|_| (s.draw)(&mut rng)).collect());
                continue;
            }
            let first = (0..self.arrows.len()).find(|&k| {
                self.arrows[k].to == i
                    && self.arrows[k].action.is_some()
                    && samples[self.arrows[k].from].is_some()
            });
            if let Some(k) = first {
                let arrow = self.sampled_arrow(k)?;
                let inputs = samples[self.arrows[k].from].as_ref().expect("checked");
                samples[i] = Some(inputs.iter().map(|x| (arrow.apply)(x, &mut rng)).collect());
            }
        }
        Ok(samples)
    }

    /// Checks every claim of a continuous diagram on `n` draws (seeded): functions and
    /// bijections to float precision, same marginals by KS tests at level [`KS_ALPHA`]
    /// on two independent sets of draws. A labelled dashed line is tested on the joint
    /// of all coordinates through their pairwise products (a necessary condition).
    pub fn check_sampled(&self, n: usize, seed: u64) -> Result<Vec<Claim>, DiagramError> {
        let first = self.draw_all(n, seed)?;
        let second = self.draw_all(n, seed ^ 0x5EED_5EED_5EED_5EED)?;
        let mut rng = seeded_rng(seed.wrapping_add(1));
        let mut claims = Vec::new();
        for (k, a) in self.arrows.iter().enumerate() {
            let Some(xs) = first[a.from].as_ref() else {
                continue;
            };
            let arrow = self.sampled_arrow(k)?;
            if a.kind != ArrowKind::Harpoon {
                let once: Vec<Vec<f64>> = xs.iter().map(|x| (arrow.apply)(x, &mut rng)).collect();
                let again: Vec<Vec<f64>> = xs.iter().map(|x| (arrow.apply)(x, &mut rng)).collect();
                let error = max_relative_error(&once, &again);
                let statement = format!("{} is a function", self.arrow_name(k));
                let detail = format!("two calls differ by at most {}", small(error));
                claims.push(claim(
                    ClaimKind::DeclaredKind,
                    statement,
                    error <= FLOAT_TOLERANCE,
                    detail,
                ));
            }
            if let Some(Action::Sampled(back)) = &a.back {
                let forward: Vec<Vec<f64>> =
                    xs.iter().map(|x| (arrow.apply)(x, &mut rng)).collect();
                let round: Vec<Vec<f64>> =
                    forward.iter().map(|y| (back.apply)(y, &mut rng)).collect();
                let error = max_relative_error(xs, &round);
                let statement = format!("{} then {} is Identity", arrow.name, back.name);
                let detail = format!("largest round-trip error {error:.1e} (relative)");
                claims.push(claim(
                    ClaimKind::Inverse,
                    statement,
                    error <= FLOAT_TOLERANCE,
                    detail,
                ));
            }
        }
        let keep = |k: usize| self.is_function_arrow(k);
        for (u, drawn) in first.iter().enumerate() {
            let Some(xs) = drawn.as_ref() else {
                continue;
            };
            for v in 0..self.people.len() {
                let paths = self.paths(u, v, &keep);
                if paths.len() < 2 {
                    continue;
                }
                let run =
                    |path: &[usize], rng: &mut StdRng| -> Result<Vec<Vec<f64>>, DiagramError> {
                        let mut values = xs.clone();
                        for &k in path {
                            let arrow = self.sampled_arrow(k)?;
                            values = values.iter().map(|x| (arrow.apply)(x, rng)).collect();
                        }
                        Ok(values)
                    };
                let reference = run(&paths[0], &mut rng)?;
                let mut error = 0.0f64;
                for p in &paths[1..] {
                    error = error.max(max_relative_error(&reference, &run(p, &mut rng)?));
                }
                let statement = self.commutes_statement(u, v, &paths);
                let detail = format!("paths differ by at most {} (relative)", small(error));
                claims.push(claim(
                    ClaimKind::Commutes,
                    statement,
                    error <= FLOAT_TOLERANCE,
                    detail,
                ));
            }
        }
        for line in &self.same_marginals {
            let (a, b) = line.between;
            let (na, nb) = (&self.people[a].name, &self.people[b].name);
            let (Some(xa), Some(xb)) = (first[a].as_ref(), second[b].as_ref()) else {
                let statement = format!("P({na}) = P({nb})");
                let detail = "a side has no samples".to_string();
                claims.push(claim(ClaimKind::SameMarginal, statement, false, detail));
                continue;
            };
            let (kind, statement, products) = match &line.given {
                None => (ClaimKind::SameMarginal, format!("P({na}) = P({nb})"), false),
                Some(g) => (
                    ClaimKind::SameConditional,
                    format!("P({na} | {g}) = P({nb} | {g})"),
                    true,
                ),
            };
            let (holds, detail) = same_distribution(xa, xb, products);
            claims.push(claim(kind, statement, holds, detail));
        }
        Ok(claims)
    }
}

/// A floating-point discrepancy: exactly `0`, or in scientific notation.
fn small(error: f64) -> String {
    match error {
        0.0 => "0".into(),
        e => format!("{e:.1e}"),
    }
}
