//! Oracle tests for the built-in targets of chapter "Sampling without data": every
//! density against its closed form or a quadrature, every `log Z` against an independent
//! integral, every exact sampler against closed-form moments, and every autodiff gradient
//! against a finite difference.

mod common;
use common::assert_mean_within_5_se;
use destroy_then_generate::ndarray::{s, Array1, Array2};
use destroy_then_generate::sampling::seeded_rng;
use destroy_then_generate::sampling_without_data::targets::{
    builtin, Funnel, Gaussian, Gmm, Manywell, BUILTIN_TARGETS,
};
use destroy_then_generate::sampling_without_data::{log_density_values, Target};
use std::f64::consts::PI;

/// `log N(x; m, s²)` in f64, written out independently of the crate.
fn log_normal(x: f64, m: f64, s: f64) -> f64 {
    -0.5 * ((x - m) / s).powi(2) - s.ln() - 0.5 * (2.0 * PI).ln()
}

/// `∫∫ exp(log_density)` over `[lo, hi]²` by the trapezoid rule with step `h`, the
/// density evaluated through the trait in batches of grid rows. For smooth, Gaussian-
/// decaying integrands the trapezoid rule converges like `exp(−2π²s²/h²)`, so `h ≤ s/5`
/// leaves only the f32 rounding of `log_density`.
fn integrate_2d(target: &dyn Target, lo: f64, hi: f64, h: f64) -> f64 {
    assert_eq!(target.dim(), 2);
    let m = ((hi - lo) / h).round() as usize + 1;
    let weight = |i: usize| if i == 0 || i == m - 1 { 0.5 } else { 1.0 };
    let rows_per_batch = (50_000 / m).max(1);
    let mut total = 0.0;
    let mut start = 0;
    while start < m {
        let end = (start + rows_per_batch).min(m);
        let points = Array2::from_shape_fn(((end - start) * m, 2), |(r, j)| {
            let (i, k) = (start + r / m, r % m);
            (lo + h * if j == 0 { i } else { k } as f64) as f32
        });
        let values = log_density_values(target, &points);
        for (r, v) in values.iter().enumerate() {
            let (i, k) = (start + r / m, r % m);
            total += weight(i) * weight(k) * (*v as f64).exp();
        }
        start = end;
    }
    total * h * h
}

fn column(samples: &Array2<f32>, j: usize) -> Vec<f64> {
    samples.column(j).iter().map(|&v| v as f64).collect()
}

#[test]
fn mixtures_and_gaussians_integrate_to_exp_log_z() {
    let shifted = Gaussian::new(vec![1.0, -1.0], vec![1.0, 0.5]).with_log_z(1.25);
    let cases: [(Box<dyn Target>, f64, f64, f64); 4] = [
        // s = √0.3 ≈ 0.55; the outer modes sit at ±10, so ±14 is 7 s beyond them.
        (Box::new(Gmm::grid25()), -14.0, 14.0, 0.05),
        // s ≈ 1.31; the means lie in [−38.3, 39.8], so ±50 is 7.7 s beyond them.
        (Box::new(Gmm::fab40()), -50.0, 50.0, 0.1),
        (builtin("gaussian").unwrap(), -6.0, 6.0, 0.05),
        (Box::new(shifted), -6.0, 6.0, 0.05),
    ];
    for (target, lo, hi, h) in cases {
        let z = integrate_2d(target.as_ref(), lo, hi, h);
        let expected = target.log_z().unwrap().exp();
        assert!(
            ((z - expected) / expected).abs() < 1e-3,
            "{}: ∫ exp(log_density) = {z}, exp(log Z) = {expected}",
            target.name()
        );
    }
}

#[test]
fn funnel_density_is_the_product_of_its_conditionals() {
    let funnel = Funnel::new();
    let mut rng = seeded_rng(11);
    let mut points = funnel.sample(6, &mut rng).unwrap();
    // Both ends of the neck, where e^{±x₁} is extreme.
    points.row_mut(0).fill(0.0);
    points[[0, 0]] = -8.0;
    points[[1, 0]] = 7.5;
    let values = log_density_values(&funnel, &points);
    for (x, v) in points.rows().into_iter().zip(values.iter()) {
        let x1 = x[0] as f64;
        let expected = log_normal(x1, 0.0, 3.0)
            + x.iter()
                .skip(1)
                .map(|&xi| log_normal(xi as f64, 0.0, (0.5 * x1).exp()))
                .sum::<f64>();
        assert!(
            (*v as f64 - expected).abs() < 1e-4 * (1.0 + expected.abs()),
            "funnel at {x}: {v} vs {expected}"
        );
    }
    assert_eq!(funnel.log_z(), Some(0.0));
    assert_eq!(funnel.dim(), 10);
}

#[test]
fn manywell_log_z_and_density_match_closed_forms() {
    let manywell = Manywell::new();
    let log_z = manywell.log_z().unwrap();
    assert!((log_z - 164.6957).abs() < 1e-3, "log Z = {log_z}");
    // An independent quadrature of Z_a: the trapezoid rule on a wider box.
    let h = 1e-4;
    let z_a: f64 = (0..=160_000)
        .map(|i| {
            let a = -8.0 + i as f64 * h;
            (-a.powi(4) + 6.0 * a * a + 0.5 * a).exp() * h
        })
        .sum();
    assert!(((manywell.z_a() - z_a) / z_a).abs() < 1e-9);

    let mut rng = seeded_rng(12);
    let mut points = manywell.sample(4, &mut rng).unwrap();
    points.row_mut(0).fill(0.0);
    points.row_mut(1).fill(1.0);
    let values = log_density_values(&manywell, &points);
    for (x, v) in points.rows().into_iter().zip(values.iter()) {
        let expected: f64 = (0..16)
            .map(|i| {
                let (a, b) = (x[2 * i] as f64, x[2 * i + 1] as f64);
                -a.powi(4) + 6.0 * a * a + 0.5 * a - 0.5 * b * b
            })
            .sum();
        assert!(
            (*v as f64 - expected).abs() < 1e-5 * (1.0 + expected.abs()),
            "manywell at {x}: {v} vs {expected}"
        );
    }
    // At x = 0 log R = 0 exactly; at x = 1 each pair gives −1 + 6 + ½ − ½ = 5.
    assert_eq!(values[0], 0.0);
    assert!((values[1] - 80.0).abs() < 1e-4);
}

#[test]
fn manywell_rejection_envelope_holds_on_a_fine_grid() {
    let manywell = Manywell::new();
    let mut sup: f64 = 0.0;
    for i in 0..=400_000 {
        let a = -20.0 + i as f64 * 1e-4;
        let p = Manywell::well_log_weight(a).exp() / manywell.z_a();
        let q = Manywell::proposal_density(a);
        if p > 0.0 {
            sup = sup.max(p / q);
        }
    }
    // The sup is ≈ 2.59 at a ≈ 1.76: M = 3 is an envelope with room to spare.
    assert!(sup <= Manywell::ENVELOPE, "sup p/q = {sup}");
    assert!(sup > 2.5, "sup p/q = {sup}");
}

#[test]
fn mixture_samplers_match_closed_form_moments() {
    let mut rng = seeded_rng(1);
    let n = 100_000;

    let grid = Gmm::grid25();
    let samples = grid.sample(n, &mut rng).unwrap();
    assert_eq!(samples.dim(), (n, 2));
    for j in 0..2 {
        let x = column(&samples, j);
        assert_mean_within_5_se(&x, 0.0, "25gmm mean");
        // The grid {−10, −5, 0, 5, 10} has variance 50; add the component variance 0.3.
        let x2: Vec<f64> = x.iter().map(|v| v * v).collect();
        assert_mean_within_5_se(&x2, 50.3, "25gmm second moment");
    }
    // The grid spread swamps s² in the moments above; the offset from the nearest grid
    // point (wrong only beyond 4.5 s, p ≈ 1e-5) isolates it: E‖x − μ‖² = d s² = 0.6.
    let offsets: Vec<f64> = samples
        .rows()
        .into_iter()
        .map(|x| {
            x.iter()
                .map(|&v| {
                    let nearest = (5.0 * (v as f64 / 5.0).round()).clamp(-10.0, 10.0);
                    (v as f64 - nearest).powi(2)
                })
                .sum()
        })
        .collect();
    assert_mean_within_5_se(&offsets, 0.6, "25gmm within-mode spread");

    let fab = Gmm::fab40();
    let samples = fab.sample(n, &mut rng).unwrap();
    let s2 = fab.std().powi(2);
    for j in 0..2 {
        let means = fab.means().column(j).to_owned();
        let mu = means.mean().unwrap();
        let spread = means.mapv(|m| (m - mu).powi(2)).mean().unwrap();
        let x = column(&samples, j);
        assert_mean_within_5_se(&x, mu, "40gmm mean");
        let centred: Vec<f64> = x.iter().map(|v| (v - mu).powi(2)).collect();
        assert_mean_within_5_se(&centred, spread + s2, "40gmm variance");
    }

    let gaussian = Gaussian::new(vec![1.0, -1.0, 3.0], vec![1.0, 0.5, 2.0]);
    let samples = gaussian.sample(n, &mut rng).unwrap();
    for j in 0..3 {
        let (m, s) = (gaussian.mean()[j] as f64, gaussian.std()[j] as f64);
        let x = column(&samples, j);
        assert_mean_within_5_se(&x, m, "gaussian mean");
        let centred: Vec<f64> = x.iter().map(|v| (v - m).powi(2)).collect();
        assert_mean_within_5_se(&centred, s * s, "gaussian variance");
    }
}

#[test]
fn funnel_sampler_matches_closed_form_moments() {
    let mut rng = seeded_rng(2);
    let n = 100_000;
    let samples = Funnel::new().sample(n, &mut rng).unwrap();
    let x1 = column(&samples, 0);
    assert_mean_within_5_se(&x1, 0.0, "funnel E[x₁]");
    let x1_sq: Vec<f64> = x1.iter().map(|v| v * v).collect();
    assert_mean_within_5_se(&x1_sq, 9.0, "funnel E[x₁²]");
    // E[x_i²] = E[e^{x₁}] = e^{4.5} is dominated by rare draws (its SE estimate is
    // unreliable); E[x_i² e^{−x₁}] = E[z²] = 1 tests the same scale, well conditioned.
    for i in 1..10 {
        let whitened: Vec<f64> = samples
            .column(i)
            .iter()
            .zip(&x1)
            .map(|(&xi, &x1)| (xi as f64).powi(2) * (-x1).exp())
            .collect();
        assert_mean_within_5_se(&whitened, 1.0, "funnel E[x_i² e^{−x₁}]");
        let odd: Vec<f64> = samples
            .column(i)
            .iter()
            .zip(&x1)
            .map(|(&xi, &x1)| xi as f64 * (-0.5 * x1).exp())
            .collect();
        assert_mean_within_5_se(&odd, 0.0, "funnel E[x_i e^{−x₁/2}]");
    }
}

#[test]
fn manywell_sampler_matches_quadrature_moments() {
    let manywell = Manywell::new();
    // Moments of the a-marginal by the trapezoid rule on [−8, 8].
    let h = 1e-4;
    let (mut m1, mut m2, mut right) = (0.0, 0.0, 0.0);
    for i in 0..=160_000 {
        let a = -8.0 + i as f64 * h;
        let w = Manywell::well_log_weight(a).exp() * h / manywell.z_a();
        m1 += a * w;
        m2 += a * a * w;
        if a > 0.0 {
            right += w;
        }
    }
    let mut rng = seeded_rng(3);
    let samples = manywell.sample(10_000, &mut rng).unwrap();
    // The 16 pairs are i.i.d., so pool their columns.
    let pooled = |offset: usize| -> Vec<f64> {
        (0..16)
            .flat_map(|i| column(&samples, 2 * i + offset))
            .collect()
    };
    let a = pooled(0);
    let b = pooled(1);
    assert_mean_within_5_se(&a, m1, "manywell E[a]");
    let a2: Vec<f64> = a.iter().map(|v| v * v).collect();
    assert_mean_within_5_se(&a2, m2, "manywell E[a²]");
    let in_right: Vec<f64> = a.iter().map(|&v| f64::from(v > 0.0)).collect();
    assert_mean_within_5_se(&in_right, right, "manywell P(a > 0)");
    assert_mean_within_5_se(&b, 0.0, "manywell E[b]");
    let b2: Vec<f64> = b.iter().map(|v| v * v).collect();
    assert_mean_within_5_se(&b2, 1.0, "manywell E[b²]");
}

#[test]
fn grid25_exact_samples_cover_every_mode_evenly() {
    let grid = Gmm::grid25();
    let n = 50_000;
    let samples = grid.sample(n, &mut seeded_rng(4)).unwrap();
    let counts = grid.mode_counts(&samples);
    assert_eq!(counts.len(), 25);
    assert_eq!(counts.iter().sum::<usize>(), n);
    // Counts are multinomial(n, 1/25): mean 2000, standard deviation √(n·(1/25)·(24/25)).
    let expected = n as f64 / 25.0;
    let sd = (expected * 24.0 / 25.0).sqrt();
    for (k, &c) in counts.iter().enumerate() {
        assert!(
            (c as f64 - expected).abs() <= 5.0 * sd,
            "mode {k}: {c} samples, expected {expected} ± {}",
            5.0 * sd
        );
    }
    // Points placed exactly on the means are counted where they sit.
    let on_means = grid.means().mapv(|m| m as f32);
    assert_eq!(grid.mode_counts(&on_means), vec![1; 25]);
}

#[test]
fn autodiff_gradients_match_central_differences() {
    let mut targets: Vec<Box<dyn Target>> = BUILTIN_TARGETS
        .iter()
        .map(|n| builtin(n).unwrap())
        .collect();
    targets.push(Box::new(
        Gaussian::new(vec![0.5, 2.0, -3.0], vec![0.3, 1.5, 2.0]).with_log_z(-4.0),
    ));
    let mut rng = seeded_rng(5);
    // f32 log-densities: h balances rounding (≈ 1e-7 |log p| / h) against truncation
    // (≈ h² |∂³ log p| / 6).
    let h = 1e-2f32;
    for target in &targets {
        // Targets without an exact sampler (the latent tasks) are probed at prior draws.
        let x = target.sample(4, &mut rng).unwrap_or_else(|| {
            use ndarray_rand::rand::Rng;
            Array2::from_shape_fn((4, target.dim()), |_| {
                rng.sample::<f32, _>(ndarray_rand::rand_distr::StandardNormal)
            })
        });
        let grad = target.grad_log_density(&x);
        assert_eq!(grad.dim(), x.dim());
        let (n, d) = x.dim();
        for j in 0..d {
            let mut plus = x.clone();
            let mut minus = x.clone();
            plus.column_mut(j).mapv_inplace(|v| v + h);
            minus.column_mut(j).mapv_inplace(|v| v - h);
            let fd: Array1<f32> = (log_density_values(target.as_ref(), &plus)
                - log_density_values(target.as_ref(), &minus))
                / (2.0 * h);
            for i in 0..n {
                let (g, f) = (grad[[i, j]], fd[i]);
                assert!(
                    (g - f).abs() <= 2e-2 * (1.0 + g.abs()),
                    "{}: ∂/∂x_{j} at {}: autodiff {g}, finite difference {f}",
                    target.name(),
                    x.slice(s![i, ..])
                );
            }
        }
    }
}

#[test]
fn builtin_names_build_their_targets_and_reject_others() {
    let dims = [2, 2, 10, 32, 2];
    for (name, d) in BUILTIN_TARGETS.iter().zip(dims) {
        let target = builtin(name).unwrap();
        assert_eq!(target.name(), *name);
        assert_eq!(target.dim(), d);
        assert!(target.log_z().is_some());
        let x = target.sample(3, &mut seeded_rng(6)).unwrap();
        assert_eq!(x.dim(), (3, d));
        assert!(log_density_values(target.as_ref(), &x)
            .iter()
            .all(|v| v.is_finite()));
    }
    let err = builtin("nope").err().expect("'nope' is not a target");
    assert!(err.contains("'nope'"), "{err}");
    for name in BUILTIN_TARGETS {
        assert!(err.contains(name), "{err}");
    }
}

#[test]
fn latent_task_log_density_is_prior_plus_log_reward() {
    use destroy_then_generate::sampling_without_data::targets::LatentClassifier;
    use ndarray_rand::rand::Rng;
    let task = LatentClassifier::new(16);
    let mut rng = seeded_rng(3);
    let z = ndarray::Array2::from_shape_fn((64, 16), |_| {
        rng.sample::<f32, _>(ndarray_rand::rand_distr::StandardNormal)
    });
    // The dfdx log-density (what the sampler trains on) against the plain-array
    // decoder and classifier: log N(z; 0, I) + log Σ_{c∈S} softmax_c.
    let dfdx = log_density_values(&task, &z);
    let reward = task.log_reward(&z);
    let half_log_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
    for i in 0..z.nrows() {
        let prior: f64 = z
            .row(i)
            .iter()
            .map(|&v| -0.5 * (v as f64).powi(2) - half_log_2pi)
            .sum();
        assert!(
            (dfdx[i] as f64 - (prior + reward[i])).abs() < 1e-3,
            "row {i}"
        );
        assert!(reward[i] <= 0.0, "a probability's log is at most 0");
    }
    // A sample whose most likely class is a target class has reward ≥ 1/C.
    for (i, class) in task.classes(&z).into_iter().enumerate() {
        if class < LatentClassifier::TARGET_CLASSES {
            assert!(reward[i] >= -(LatentClassifier::CLASSES as f64).ln() - 1e-9);
        }
    }
    let (log_z, se) = task.log_z_monte_carlo(20_000, 1);
    assert!(log_z < 0.0 && se > 0.0 && se < 0.1, "{log_z} ± {se}");
}
