//! Part IV oracles: the functions of "Collapse and refine" and "Denoisers and scores"
//! that had no independent check, each against a value computed here in `f64` from a
//! closed form (never the crate's function compared with itself):
//!
//! - `sample_reverse` with the exact denoiser of a Gaussian, whose discrete reverse chain
//!   has a Gaussian law with a variance given by a scalar recursion;
//! - `trace_and_rank`: the posterior over the angle is von Mises, so `J*`'s two nonzero
//!   eigenvalues are Bessel-function ratios, and the rank at a threshold between or below
//!   them is 1 or 2, not the trivial value;
//! - `EvalSet::evaluate`'s `collapse_ratio`, `normal_trace`, `radial_gain`, `trace` and
//!   `rank` on maps whose action on the circle is known exactly;
//! - `compare_pipelines`' statistics recomputed from its projected samples, and the
//!   V4 verdict's rule on hand-built outcomes;
//! - the Monte Carlo z-scores of "Denoisers and scores": with the exact denoiser they are
//!   standard normal, so their mean square is 1 (a missing `sqrt(n)` moves it by 2500×).

use destroy_then_generate::collapse_and_refine::*;
use destroy_then_generate::report::{Outcome, Scale};
use destroy_then_generate::sampling::seeded_rng;

// ---------------------------------------------------------------------------------------
// Independent helpers.

/// `I_n(x)` by its power series `Σ_m (x/2)^(2m+n) / (m! (m+n)!)` (all terms positive).
fn bessel_i(n: u32, x: f64) -> f64 {
    let half = x / 2.0;
    let mut term = (1..=n).fold(1.0, |t, k| t * half / k as f64);
    let mut sum = term;
    for m in 1..1000 {
        term *= half * half / (m as f64 * (m + n) as f64);
        sum += term;
        if term < 1e-17 * sum {
            break;
        }
    }
    sum
}

/// The von Mises(φ, k) moments of `u = (cos θ, sin θ)` in the frame of its mean direction:
/// `E u_∥ = A_1`, `Var u_∥ = (1 + A_2)/2 − A_1²`, `Var u_⊥ = (1 − A_2)/2`, `A_n = I_n/I_0`.
fn von_mises_variances(k: f64) -> (f64, f64, f64) {
    let i0 = bessel_i(0, k);
    let (a1, a2) = (bessel_i(1, k) / i0, bessel_i(2, k) / i0);
    (a1, (1.0 + a2) / 2.0 - a1 * a1, (1.0 - a2) / 2.0)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// A unit vector orthogonal to the circle's plane (Gram–Schmidt on a fixed vector).
fn unit_normal(c: &Circle) -> Vec<f64> {
    let mut v: Vec<f64> = (0..c.d).map(|i| (1.3 * i as f64 + 0.2).cos()).collect();
    let (a, b) = (dot(&v, &c.e_1), dot(&v, &c.e_2));
    v.iter_mut()
        .zip(c.e_1.iter().zip(&c.e_2))
        .for_each(|(v, (e1, e2))| *v -= a * e1 + b * e2);
    let norm = dot(&v, &v).sqrt();
    v.into_iter().map(|x| x / norm).collect()
}

/// `r (cos φ e_1 + sin φ e_2) + h n` with `n` a unit normal to the plane.
fn point_at(c: &Circle, r: f64, phi: f64, h: f64) -> Vec<f64> {
    let n = unit_normal(c);
    (0..c.d)
        .map(|i| r * (phi.cos() * c.e_1[i] + phi.sin() * c.e_2[i]) + h * n[i])
        .collect()
}

/// The distance to the circle computed as `‖y − π(y)‖`, `π(y)` the nearest point.
fn distance_to_circle(c: &Circle, y: &[f64]) -> f64 {
    let (a, b) = (dot(y, &c.e_1), dot(y, &c.e_2));
    let r = a.hypot(b);
    (0..c.d)
        .map(|i| {
            let p = (a * c.e_1[i] + b * c.e_2[i]) / r;
            (y[i] - p) * (y[i] - p)
        })
        .sum::<f64>()
        .sqrt()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

// ---------------------------------------------------------------------------------------
// sample_reverse with the exact denoiser of a Gaussian.

#[test]
fn sample_reverse_with_the_exact_gaussian_denoiser_has_the_discrete_chains_law() {
    // All-zero weights make F ≡ 0, so f(y, σ) = c_skip(σ) y = s²/(s² + σ²) y: the Bayes
    // denoiser of x_0 ~ N(0, s² I), s = SIGMA_DATA. The score is then −x/(s² + σ²) and
    // each step is the linear Gaussian map x ← (1 − Δ/(s² + σ_i²)) x + sqrt(Δ) z,
    // Δ = σ_i² − σ_(i+1)², so the output is N(0, v I) with v from a scalar recursion.
    let mut net = ConditionalDenoiser::new(2, 3, &mut seeded_rng(1));
    net.theta.iter_mut().for_each(|t| *t = 0.0);
    let s2 = SIGMA_DATA * SIGMA_DATA;
    for sigma in [0.3, 1.7] {
        let y = [0.8, -1.3];
        let f = net.denoise(&y, sigma);
        for k in 0..2 {
            assert!((f[k] - s2 / (s2 + sigma * sigma) * y[k]).abs() < 1e-15);
        }
    }
    let range = NoiseRange {
        sigma_min: 0.2,
        sigma_max: 2.0,
    };
    let steps = 12;
    // The exact law of the discrete chain.
    let ratio = (range.sigma_min / range.sigma_max).powf(1.0 / steps as f64);
    let (mut v, mut sigma) = (range.sigma_max * range.sigma_max, range.sigma_max);
    for _ in 0..steps {
        let next = sigma * ratio;
        let dv = sigma * sigma - next * next;
        let a = 1.0 - dv / (s2 + sigma * sigma);
        v = a * a * v + dv;
        sigma = next;
    }
    let c_min = s2 / (s2 + sigma * sigma);
    let exact = c_min * c_min * v;
    // Far from the continuous-time limit s⁴/(s² + σ_min²): the test sees the Euler chain.
    assert!(exact / (s2 * s2 / (s2 + 0.04)) > 1.1, "{exact}");

    let count = 30_000;
    let out = sample_reverse(&net, count, steps, range, &mut seeded_rng(7));
    assert_eq!(out.len(), count);
    assert!(out.iter().all(|x| x.len() == 2));
    let values: Vec<f64> = out.iter().flatten().copied().collect();
    let n = values.len() as f64;
    let m = mean(&values);
    let var = values.iter().map(|x| x * x).sum::<f64>() / n;
    let cross = out.iter().map(|x| x[0] * x[1]).sum::<f64>() / count as f64;
    // Standard errors of a Gaussian's mean, second moment and cross moment.
    assert!(
        m.abs() < 5.0 * (exact / n).sqrt(),
        "mean {m} (exact 0, se {})",
        (exact / n).sqrt()
    );
    let se_var = exact * (2.0 / n).sqrt();
    assert!(
        (var - exact).abs() < 5.0 * se_var,
        "variance {var} vs the chain's exact {exact} (se {se_var})"
    );
    assert!(
        cross.abs() < 5.0 * exact / (count as f64).sqrt(),
        "cross moment {cross}"
    );
}

// ---------------------------------------------------------------------------------------
// trace_and_rank: J* = Cov(x_0 | y)/σ² with a von Mises posterior over the angle.

#[test]
fn trace_and_rank_match_the_von_mises_posterior_eigenvalues() {
    let c = Circle::random(16, 2.0, 5);
    let kappa = 2.0;
    // (prior, σ, in-plane radius, angle, normal offset)
    let cases = [
        (AnglePrior::VonMises, 0.5, 0.0, 0.0, 0.0),
        (AnglePrior::VonMises, 0.7, 0.8, 2.0, 0.6),
        (AnglePrior::Uniform, 0.6, 1.1, -0.9, -0.3),
        (AnglePrior::Uniform, 0.25, 1.0, 0.4, 0.2),
        (AnglePrior::VonMises, 0.3, 1.2, -2.5, 0.0),
        // Near the centre, on the side opposite the prior's mode: a flat posterior.
        (AnglePrior::VonMises, 0.6, 0.6, 2.9, 0.4),
        (AnglePrior::Uniform, 0.9, 1.3, 0.5, -0.7),
    ];
    let mut rank_two_at_chapter_threshold = 0;
    for (prior, sigma, r, phi, h) in cases {
        let y = point_at(&c, r, phi, h);
        // The posterior p(θ | y) ∝ exp(κ' cos θ + (a cos θ + b sin θ)/σ²): von Mises with
        // natural parameter (κ' + a/σ², b/σ²), κ' = κ or 0.
        let s2 = sigma * sigma;
        let k0 = if prior == AnglePrior::VonMises {
            kappa
        } else {
            0.0
        };
        let k = (k0 + r * phi.cos() / s2).hypot(r * phi.sin() / s2);
        let (_, var_par, var_perp) = von_mises_variances(k);
        let (lo, hi) = (var_par.min(var_perp) / s2, var_par.max(var_perp) / s2);
        assert!(hi / lo > 1.05, "eigenvalues too close to split: {lo} {hi}");
        let bayes = BayesDenoiser::new(&c, sigma, prior);
        let (trace, _) = bayes.trace_and_rank(&y, 0.5);
        assert!(
            (trace - (lo + hi)).abs() < 1e-9 * (lo + hi),
            "{prior:?} σ {sigma} r {r}: trace {trace} vs {}",
            lo + hi
        );
        for (threshold, expected) in [(lo / 2.0, 2), ((lo + hi) / 2.0, 1), (2.0 * hi, 0)] {
            let (_, rank) = bayes.trace_and_rank(&y, threshold);
            assert_eq!(
                rank, expected,
                "{prior:?} σ {sigma} r {r} φ {phi}: threshold {threshold}, eigenvalues {lo} {hi}"
            );
        }
        // At the chapter's threshold.
        assert!((lo - SV_THRESHOLD).abs() > 1e-3 && (hi - SV_THRESHOLD).abs() > 1e-3);
        let expected = [lo, hi].iter().filter(|&&l| l > SV_THRESHOLD).count();
        assert_eq!(bayes.trace_and_rank(&y, SV_THRESHOLD).1, expected);
        rank_two_at_chapter_threshold += usize::from(expected == 2);
    }
    assert!(rank_two_at_chapter_threshold >= 2);
}

// ---------------------------------------------------------------------------------------
// EvalSet::evaluate on maps with a known action on the circle.

/// `f(y) = λ y + (1 − λ) π(y)`, `π(y) = (a e_1 + b e_2)/r` the nearest point of the
/// circle: moves every point a fraction `1 − λ` of the way to the circle along its normal.
/// `J = λ I + (1 − λ)/r · E (I − u uᵀ) Eᵀ` with `u = (a, b)/r`.
struct Shrink {
    circle: Circle,
    lambda: f64,
}

impl Denoiser for Shrink {
    fn dim(&self) -> usize {
        self.circle.d
    }
    fn denoise(&self, y: &[f64]) -> Vec<f64> {
        let c = &self.circle;
        let (a, b) = (dot(y, &c.e_1), dot(y, &c.e_2));
        let r = a.hypot(b);
        (0..c.d)
            .map(|i| self.lambda * y[i] + (1.0 - self.lambda) * (a * c.e_1[i] + b * c.e_2[i]) / r)
            .collect()
    }
    fn jacobian(&self, y: &[f64]) -> Vec<f64> {
        let c = &self.circle;
        let d = c.d;
        let (a, b) = (dot(y, &c.e_1), dot(y, &c.e_2));
        let r = a.hypot(b);
        let u = [a / r, b / r];
        let e = [&c.e_1, &c.e_2];
        let mut j = vec![0.0; d * d];
        for row in 0..d {
            for col in 0..d {
                let mut v = 0.0;
                for p in 0..2 {
                    for q in 0..2 {
                        let m = f64::from(u8::from(p == q)) - u[p] * u[q];
                        v += e[p][row] * m * e[q][col];
                    }
                }
                j[row * d + col] =
                    self.lambda * f64::from(u8::from(row == col)) + (1.0 - self.lambda) * v / r;
            }
        }
        j
    }
}

#[test]
fn a_shrink_toward_the_circle_has_its_known_collapse_ratio_and_gains() {
    let d = 8;
    let c = Circle::random(d, 2.0, 3);
    let eval = EvalSet::new(&c, 0.4, 120, 17);
    for lambda in [0.3, 0.8] {
        let shrink = Shrink {
            circle: c.clone(),
            lambda,
        };
        // The test's own Jacobian against central differences of its map.
        let y = &eval.y[0];
        let j = shrink.jacobian(y);
        for col in [0, 3, 7] {
            let (mut up, mut down) = (y.clone(), y.clone());
            up[col] += 1e-6;
            down[col] -= 1e-6;
            let (fu, fd) = (shrink.denoise(&up), shrink.denoise(&down));
            for row in 0..d {
                assert!((j[row * d + col] - (fu[row] - fd[row]) / 2e-6).abs() < 1e-7);
            }
        }
        let m = eval.evaluate(&shrink);
        // dist(f(y), M) = λ dist(y, M) at every point, so the ratio is λ.
        assert!(
            (m.collapse_ratio - lambda).abs() < 1e-10,
            "λ {lambda}: collapse ratio {}",
            m.collapse_ratio
        );
        // The D − 2 flat normals keep λ; the radial direction keeps λ; the tangent keeps
        // λ + (1 − λ)/r.
        assert!(
            (m.normal_trace - lambda * (d - 2) as f64).abs() < 1e-10,
            "λ {lambda}: normal trace {}",
            m.normal_trace
        );
        assert!(
            (m.radial_gain - lambda).abs() < 1e-10,
            "λ {lambda}: radial gain {}",
            m.radial_gain
        );
        let trace = mean(
            &eval
                .y
                .iter()
                .map(|y| lambda * d as f64 + (1.0 - lambda) / dot(y, &c.e_1).hypot(dot(y, &c.e_2)))
                .collect::<Vec<_>>(),
        );
        assert!(
            (m.trace - trace).abs() < 1e-10,
            "λ {lambda}: trace {}",
            m.trace
        );
    }
}

/// `y ↦ A y` with `A = E R Eᵀ + β P_⊥`: `R` acts on the plane's coordinates, `β` on the
/// flat normals.
struct Linear {
    circle: Circle,
    r: [[f64; 2]; 2],
    beta: f64,
}

impl Linear {
    fn matrix(&self) -> Vec<f64> {
        let c = &self.circle;
        let d = c.d;
        let e = [&c.e_1, &c.e_2];
        let mut a = vec![0.0; d * d];
        for row in 0..d {
            for col in 0..d {
                let mut plane = 0.0;
                let mut proj = 0.0;
                for p in 0..2 {
                    proj += e[p][row] * e[p][col];
                    for q in 0..2 {
                        plane += e[p][row] * self.r[p][q] * e[q][col];
                    }
                }
                let identity = f64::from(u8::from(row == col));
                a[row * d + col] = plane + self.beta * (identity - proj);
            }
        }
        a
    }
}

impl Denoiser for Linear {
    fn dim(&self) -> usize {
        self.circle.d
    }
    fn denoise(&self, y: &[f64]) -> Vec<f64> {
        let d = self.circle.d;
        let a = self.matrix();
        (0..d).map(|i| dot(&a[i * d..(i + 1) * d], y)).collect()
    }
    fn jacobian(&self, _y: &[f64]) -> Vec<f64> {
        self.matrix()
    }
}

#[test]
fn a_linear_map_has_its_known_trace_rank_gains_ratio_and_excess() {
    let d = 6;
    let c = Circle::random(d, 2.0, 8);
    let sigma = 0.5;
    let eval = EvalSet::new(&c, sigma, 80, 23);
    let r = [[2.0, 0.4], [-0.3, 0.2]];
    let beta = 0.7;
    let map = Linear {
        circle: c.clone(),
        r,
        beta,
    };
    let m = eval.evaluate(&map);
    // tr A = tr R + β (D − 2); tr(P_⊥ A) = β (D − 2).
    let normal = beta * (d - 2) as f64;
    assert!((m.trace - (r[0][0] + r[1][1] + normal)).abs() < 1e-10);
    assert!(
        (m.normal_trace - normal).abs() < 1e-10,
        "normal trace {}",
        m.normal_trace
    );
    // Singular values: β (D − 2 times) and those of R, from RᵀR's trace and determinant.
    let frob: f64 = r.iter().flatten().map(|x| x * x).sum();
    let det = r[0][0] * r[1][1] - r[0][1] * r[1][0];
    let disc = (frob * frob - 4.0 * det * det).sqrt();
    let sv_r = [((frob - disc) / 2.0).sqrt(), ((frob + disc) / 2.0).sqrt()];
    let rank = sv_r.iter().filter(|&&s| s > SV_THRESHOLD).count() + (d - 2);
    assert_eq!(rank, 5, "{sv_r:?}");
    assert!(
        (m.rank - rank as f64).abs() < 1e-12,
        "rank {} vs {rank}",
        m.rank
    );
    // Radial gain uᵀ R u with u the in-plane direction of y, averaged.
    let radial: Vec<f64> = eval
        .y
        .iter()
        .map(|y| {
            let (a, b) = (dot(y, &c.e_1), dot(y, &c.e_2));
            (r[0][0] * a * a + (r[0][1] + r[1][0]) * a * b + r[1][1] * b * b) / (a * a + b * b)
        })
        .collect();
    assert!(
        (m.radial_gain - mean(&radial)).abs() < 1e-10,
        "radial gain {} vs {}",
        m.radial_gain,
        mean(&radial)
    );
    // The collapse ratio and the excess, with the map applied and distances measured here.
    let image = |y: &[f64]| -> Vec<f64> {
        let (a, b) = (dot(y, &c.e_1), dot(y, &c.e_2));
        let (pa, pb) = (r[0][0] * a + r[0][1] * b, r[1][0] * a + r[1][1] * b);
        (0..d)
            .map(|i| pa * c.e_1[i] + pb * c.e_2[i] + beta * (y[i] - a * c.e_1[i] - b * c.e_2[i]))
            .collect()
    };
    let out: f64 = eval
        .y
        .iter()
        .map(|y| distance_to_circle(&c, &image(y)))
        .sum();
    let inp: f64 = eval.y.iter().map(|y| distance_to_circle(&c, y)).sum();
    assert!(
        (m.collapse_ratio - out / inp).abs() < 1e-10,
        "collapse ratio {} vs {}",
        m.collapse_ratio,
        out / inp
    );
    let excess = eval
        .y
        .iter()
        .zip(&eval.bayes)
        .map(|(y, f)| {
            let g = image(y);
            g.iter().zip(f).map(|(g, f)| (g - f) * (g - f)).sum::<f64>()
        })
        .sum::<f64>()
        / (eval.y.len() as f64 * sigma * sigma);
    assert!((m.excess - excess).abs() < 1e-10 * excess);
}

// ---------------------------------------------------------------------------------------
// compare_pipelines and V4.

fn small_pipeline(d: usize) -> PipelineConfig {
    PipelineConfig {
        d,
        hidden: 16,
        stage_1_steps: 150,
        sigma_1: 0.05,
        stage_2_steps: 120,
        range: NoiseRange {
            sigma_min: 0.02,
            sigma_max: 10.0,
        },
        sampler_steps: 30,
        samples: 200,
    }
}

#[test]
fn compare_pipelines_statistics_match_its_samples_in_the_plane() {
    // In D = 2 the plane is the whole space: the projected points are the samples, so the
    // mean distance is mean |r − 1| and the resultant length is |mean e^{iθ}|.
    let c = Circle::random(2, 2.0, 4);
    let config = small_pipeline(2);
    let p = compare_pipelines(&c, &config, 9);
    assert_eq!(p.d, 2);
    assert_eq!(p.ambient_steps, 270);
    for (stats, points) in [
        (p.two_stage, &p.two_stage_points),
        (p.ambient, &p.ambient_points),
    ] {
        assert_eq!(points.len(), config.samples);
        let dist = mean(
            &points
                .iter()
                .map(|q| (q[0].hypot(q[1]) - 1.0).abs())
                .collect::<Vec<_>>(),
        );
        let (cs, sn): (Vec<f64>, Vec<f64>) = points
            .iter()
            .map(|q| {
                let t = q[1].atan2(q[0]);
                (t.cos(), t.sin())
            })
            .unzip();
        let resultant = mean(&cs).hypot(mean(&sn));
        assert!(
            (stats.mean_distance - dist).abs() < 1e-10,
            "{} vs {dist}",
            stats.mean_distance
        );
        assert!(
            (stats.resultant_length - resultant).abs() < 1e-10,
            "{} vs {resultant}",
            stats.resultant_length
        );
    }
    // In D = 4 the plane misses the normal part: |r − 1| is a lower bound, and only 300
    // points are kept.
    let c4 = Circle::random(4, 2.0, 4);
    let config4 = PipelineConfig {
        samples: 320,
        ..small_pipeline(4)
    };
    let p4 = compare_pipelines(&c4, &config4, 9);
    for (stats, points) in [
        (p4.two_stage, &p4.two_stage_points),
        (p4.ambient, &p4.ambient_points),
    ] {
        assert_eq!(points.len(), 300);
        // Σ_kept |r − 1| ≤ Σ_kept dist ≤ Σ_all dist = 320 × mean distance.
        let kept: f64 = points.iter().map(|q| (q[0].hypot(q[1]) - 1.0).abs()).sum();
        assert!(
            kept <= 320.0 * stats.mean_distance * (1.0 + 1e-12),
            "{stats:?} vs Σ|r − 1| = {kept}"
        );
    }
}

#[test]
fn compare_pipelines_two_stage_samples_sit_on_the_circle_with_the_exact_density() {
    // The chapter's B3 rule against I_1(2)/I_0(2) from the series, at D = 4 on the
    // chapter's circle and seed. Stage 1 gets the full scale's 4000 steps: at the quick
    // scale's 1500 the decoded samples are 0.09 from the circle (seed 31) and B3 fails.
    let c = Circle::random(4, 2.0, 5);
    let config = PipelineConfig {
        d: 4,
        hidden: 64,
        stage_1_steps: 4000,
        sigma_1: 0.05,
        stage_2_steps: 1500,
        range: NoiseRange {
            sigma_min: 0.02,
            sigma_max: 10.0,
        },
        sampler_steps: 100,
        samples: 300,
    };
    let exact = bessel_i(1, 2.0) / bessel_i(0, 2.0);
    let p = compare_pipelines(&c, &config, 31);
    assert!(
        p.two_stage.mean_distance < B3_ON_CIRCLE,
        "two-stage mean distance {}",
        p.two_stage.mean_distance
    );
    assert!(
        (p.two_stage.resultant_length - exact).abs() < B3_RESULTANT_TOLERANCE,
        "two-stage resultant {} vs exact {exact}",
        p.two_stage.resultant_length
    );
    assert!(two_stage_passes(&p, exact));
}

fn metrics() -> Metrics {
    Metrics {
        trace: 1.0,
        rank: 1.0,
        excess: 0.1,
        collapse_ratio: 0.5,
        normal_trace: 0.0,
        radial_gain: 0.5,
    }
}

/// A ChapterResults whose only content that matters is `pipelines` (V4 reads nothing else
/// but the exact resultant length and the dimensions).
fn results_with(dims: Vec<usize>, exact: f64, pipelines: Vec<PipelineOutcome>) -> ChapterResults {
    let mut settings = Settings::new(Scale::Quick, 0);
    settings.pipeline_dims = dims;
    ChapterResults {
        settings,
        constants: Constants {
            i_0: bessel_i(0, 2.0),
            i_1: bessel_i(1, 2.0),
            normaliser: 0.0,
            resultant_length: exact,
            sampled_resultant_length: exact,
        },
        noise_levels: vec![NoiseLevelRow {
            sigma: 0.5,
            bayes_trace: 0.5,
            bayes_rank: 1.0,
            bayes_error: 0.5,
            geometry_excess: 0.3,
            trace_at_centre: 2.0,
            learned: None,
        }],
        b2_residual: Vec::new(),
        b2_plain: Vec::new(),
        small_sigma: Vec::new(),
        wide: TrainingRun {
            label: "synthetic".into(),
            d: 64,
            sigma: 0.5,
            hidden: 64,
            residual: true,
            seed: 0,
            geometry_excess: 0.3,
            bayes: metrics(),
            log: vec![LogPoint {
                step: 0,
                metrics: metrics(),
            }],
        },
        pipelines,
        verdicts: Vec::new(),
    }
}

fn outcome(d: usize, two_stage: (f64, f64), ambient_distance: f64) -> PipelineOutcome {
    PipelineOutcome {
        d,
        two_stage: SampleStats {
            mean_distance: two_stage.0,
            resultant_length: two_stage.1,
        },
        ambient: SampleStats {
            mean_distance: ambient_distance,
            resultant_length: 0.7,
        },
        ambient_steps: 3000,
        two_stage_points: Vec::new(),
        ambient_points: Vec::new(),
    }
}

#[test]
fn the_v4_verdict_follows_its_stated_rule() {
    let exact = bessel_i(1, 2.0) / bessel_i(0, 2.0);
    let v4 = |dims: Vec<usize>, pipelines: Vec<PipelineOutcome>| {
        let r = results_with(dims, exact, pipelines);
        let v = verdicts(&r)
            .into_iter()
            .find(|v| v.id.starts_with("V4"))
            .expect("a V4 verdict");
        (v.outcome, v.observed)
    };
    let good = (0.03, exact + 0.04);
    // Both halves: two-stage passes everywhere; the ambient mean distance at D = 16,
    // averaged over seeds, (0.30 + 0.07)/2 = 0.185, is above 2 × (0.08 + 0.10)/2 = 0.18.
    let (o, observed) = v4(
        vec![4, 16],
        vec![
            outcome(4, good, 0.08),
            outcome(4, (0.049, exact - 0.049), 0.10),
            outcome(16, good, 0.30),
            outcome(16, good, 0.07),
        ],
    );
    assert_eq!(o, Outcome::Reproduced, "{observed}");
    assert!(observed.contains("4 of 4 runs"), "{observed}");
    // Averaged, D = 16 is (0.30 + 0.05)/2 = 0.175 < 0.18: no degradation, though the
    // first seed alone (0.30 > 0.16) and the largest value would say otherwise.
    let (o, _) = v4(
        vec![4, 16],
        vec![
            outcome(4, good, 0.08),
            outcome(4, good, 0.10),
            outcome(16, good, 0.30),
            outcome(16, good, 0.05),
        ],
    );
    assert_eq!(o, Outcome::Partly);
    // One two-stage run's resultant is 0.051 off (below the exact value): degradation only.
    let (o, observed) = v4(
        vec![4, 16],
        vec![
            outcome(4, good, 0.08),
            outcome(16, (0.01, exact - 0.051), 0.5),
        ],
    );
    assert_eq!(o, Outcome::Partly);
    assert!(observed.contains("1 of 2 runs"), "{observed}");
    // Mean distance exactly at the bound fails (strict), and no degradation: neither half.
    let (o, _) = v4(
        vec![4, 16],
        vec![
            outcome(4, good, 0.08),
            outcome(16, (B3_ON_CIRCLE, exact), 0.1),
        ],
    );
    assert_eq!(o, Outcome::NotReproduced);
    // The comparison is largest D against smallest: D = 64, not the middle D = 16.
    let (o, _) = v4(
        vec![4, 16, 64],
        vec![
            outcome(4, good, 0.08),
            outcome(16, good, 1.0),
            outcome(64, good, 0.15),
        ],
    );
    assert_eq!(o, Outcome::Partly);
    let (o, _) = v4(
        vec![4, 16, 64],
        vec![
            outcome(4, good, 0.08),
            outcome(16, good, 0.1),
            outcome(64, good, 0.17),
        ],
    );
    assert_eq!(o, Outcome::Reproduced);
}

// ---------------------------------------------------------------------------------------
// Denoisers and scores: the Monte Carlo z-scores' scale.

#[test]
fn monte_carlo_z_scores_of_the_exact_denoiser_are_standard_normal() {
    use destroy_then_generate::denoisers_and_scores as ds;
    // The residual x_0 − E[x_0 | y] has conditional mean zero in every bin of y, so each
    // bin's z = mean / (sd/sqrt(n)) is t-distributed with ~2500 degrees of freedom:
    // E z = 0 and E z² = 1. Pooled over 3 levels × 16 bins, Σ z² ~ χ²_48.
    let results = ds::run(Scale::Quick, 3);
    let draws = results.budget.monte_carlo_draws;
    let z: Vec<f64> = results
        .levels
        .iter()
        .flat_map(|l| {
            assert_eq!(l.bins.iter().map(|b| b.count).sum::<usize>(), draws);
            // Equal-probability bins.
            assert!(l.bins.iter().all(|b| b.count == draws / l.bins.len()));
            assert!(l.bins.windows(2).all(|w| w[0].y_mean < w[1].y_mean));
            l.bins.iter().map(|b| b.z_score)
        })
        .collect();
    let k = z.len() as f64;
    assert_eq!(k, 48.0);
    let mean_z = mean(&z);
    let mean_square = z.iter().map(|z| z * z).sum::<f64>() / k;
    assert!(mean_z.abs() < 5.0 / k.sqrt(), "mean z {mean_z}");
    // χ²_48/48 lies in [0.5, 1.7] with probability > 1 − 1e-4; the count per bin is
    // 2500, so an error of sqrt(n) in the standard error moves this by a factor 2500.
    assert!(
        (0.5..1.7).contains(&mean_square),
        "mean z² {mean_square}: the z-scores are not on the scale of a standard error"
    );
    let n = (draws / 16) as f64;
    assert!(!(0.5..1.7).contains(&(mean_square / n)));
    assert!(!(0.5..1.7).contains(&(mean_square * n)));
}
