//! Chapter "Collapse and refine": the oracles against closed forms and finite
//! differences, the learners' gradients, and the chapter's claims at quick scale.

use destroy_then_generate::collapse_and_refine::*;
use destroy_then_generate::report::{Outcome, Scale};
use destroy_then_generate::sampling::seeded_rng;
use std::f64::consts::PI;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn bessel_functions_match_tabulated_values_and_each_other() {
    // Abramowitz & Stegun, table 9.8: I_0(2), I_1(2).
    assert!(close(bessel_i_series(0, 2.0), 2.279_585_302_336_067, 1e-13));
    assert!(close(bessel_i_series(1, 2.0), 1.590_636_854_637_329, 1e-13));
    for z in [0.3, 2.0, 10.0, 25.0] {
        for n in [0, 1, 2] {
            let scaled = bessel_i_series(n, z) * (-z).exp();
            assert!(
                close(bessel_i_scaled(n, z), scaled, 1e-12 * scaled.max(1e-3)),
                "n {n}, z {z}"
            );
        }
    }
    // The von Mises normaliser against direct quadrature of e^(κ cos θ).
    let n = 4000;
    let direct: f64 = (0..n)
        .map(|i| (2.0 * (-PI + (i as f64 + 0.5) * 2.0 * PI / n as f64).cos()).exp())
        .sum::<f64>()
        * 2.0
        * PI
        / n as f64;
    assert!(close(von_mises_normaliser(2.0), direct, 1e-10));
    assert!(close(
        mean_resultant_length(2.0),
        0.697_774_657_964_008_5,
        1e-12
    ));
    // Large arguments: A(z) = 1 − 1/(2z) − 1/(8z²) + O(z⁻³).
    let z = 1e4;
    assert!(close(
        bessel_ratio(z),
        1.0 - 0.5 / z - 0.125 / (z * z),
        1e-10
    ));
}

#[test]
fn von_mises_samples_have_the_exact_mean_resultant_length() {
    let mut rng = seeded_rng(1);
    let n = 40_000;
    let angles: Vec<f64> = (0..n).map(|_| sample_von_mises(2.0, &mut rng)).collect();
    let mean_cos = angles.iter().map(|t| t.cos()).sum::<f64>() / n as f64;
    let mean_sin = angles.iter().map(|t| t.sin()).sum::<f64>() / n as f64;
    let se = 0.6 / (n as f64).sqrt();
    assert!(
        close(mean_cos, mean_resultant_length(2.0), 4.0 * se),
        "{mean_cos}"
    );
    assert!(mean_sin.abs() < 4.0 * se);
    assert!(close(
        resultant_length(&angles),
        mean_resultant_length(2.0),
        4.0 * se
    ));
}

#[test]
fn the_circle_sits_in_an_orthonormal_plane_with_exact_distances() {
    let c = Circle::random(16, 2.0, 5);
    assert!(close(dot(&c.e_1, &c.e_1), 1.0, 1e-12) && close(dot(&c.e_2, &c.e_2), 1.0, 1e-12));
    assert!(dot(&c.e_1, &c.e_2).abs() < 1e-12);
    let p = c.point(0.7);
    assert!(c.distance(&p) < 1e-7);
    assert!(close(c.angle(&p), 0.7, 1e-12));
    let outside: Vec<f64> = p.iter().map(|x| 1.5 * x).collect();
    assert!(close(c.distance(&outside), 0.5, 1e-12));
    // A normal offset of length 0.3 (orthogonal to the plane).
    let mut v: Vec<f64> = (0..16).map(|i| (i as f64).sin()).collect();
    let (a, b) = c.plane_coords(&v);
    v.iter_mut()
        .zip(c.e_1.iter().zip(&c.e_2))
        .for_each(|(v, (e1, e2))| *v -= a * e1 + b * e2);
    let norm = dot(&v, &v).sqrt();
    let moved: Vec<f64> = p.iter().zip(&v).map(|(p, v)| p + 0.3 * v / norm).collect();
    assert!(close(c.distance(&moved), 0.3, 1e-12));
}

#[test]
fn second_order_tweedie_matches_finite_differences_and_is_symmetric_psd() {
    let c = Circle::random(16, 2.0, 5);
    let mut rng = seeded_rng(3);
    for sigma in [0.2, 0.5, 1.0] {
        let bayes = BayesDenoiser::new(&c, sigma, AnglePrior::VonMises);
        for _ in 0..3 {
            let x = c.sample(&mut rng).1;
            let y = c.noisy(&x, sigma, &mut rng);
            let j = bayes.jacobian(&y);
            let h = 1e-5;
            for col in [0, 3, 7] {
                let (mut up, mut down) = (y.clone(), y.clone());
                up[col] += h;
                down[col] -= h;
                let (du, dd) = (bayes.denoise(&up), bayes.denoise(&down));
                for row in 0..16 {
                    let fd = (du[row] - dd[row]) / (2.0 * h);
                    assert!(
                        close(j[row * 16 + col], fd, 1e-6),
                        "σ {sigma} ({row},{col}): {} vs {fd}",
                        j[row * 16 + col]
                    );
                }
            }
            for r in 0..16 {
                for s in 0..16 {
                    assert!(close(j[r * 16 + s], j[s * 16 + r], 1e-12));
                }
            }
            let eig = symmetric_eigenvalues(16, &j);
            assert!(eig[0] > -1e-10, "J* must be PSD: {eig:?}");
            assert!(eig[13] < 1e-10, "J* has rank ≤ 2: {eig:?}");
        }
    }
}

#[test]
fn at_the_centre_the_posterior_is_the_prior() {
    // y = 0: D*(0) = ρ e_1 and J*(0) = Cov_prior / σ², with E cos²θ = (1 + I_2/I_0)/2 and
    // I_2 = I_0 − (2/κ) I_1.
    let c = Circle::random(16, 2.0, 5);
    let sigma = 0.5;
    let bayes = BayesDenoiser::new(&c, sigma, AnglePrior::VonMises);
    let rho = mean_resultant_length(2.0);
    let (i0, i1) = (bessel_i_series(0, 2.0), bessel_i_series(1, 2.0));
    let i2_ratio = (i0 - i1) / i0; // (2/κ) = 1 at κ = 2
    let post = bayes.posterior(&[0.0; 16]);
    assert!(close(post.mean[0], rho, 1e-10) && post.mean[1].abs() < 1e-10);
    assert!(close(
        post.cov[0][0],
        (1.0 + i2_ratio) / 2.0 - rho * rho,
        1e-10
    ));
    assert!(close(post.cov[1][1], (1.0 - i2_ratio) / 2.0, 1e-10));
    let (trace, _) = bayes.trace_and_rank(&[0.0; 16], 0.5);
    assert!(close(trace, (1.0 - rho * rho) / (sigma * sigma), 1e-9));
    assert!(
        trace > 1.0,
        "pointwise the trace can exceed the intrinsic dimension"
    );
}

#[test]
fn effective_dimension_goes_from_one_to_zero_and_stays_below_one_on_average() {
    let c = Circle::random(16, 2.0, 5);
    let mean_trace = |sigma: f64| {
        let eval = EvalSet::new(&c, sigma, 200, 9);
        let bayes = BayesDenoiser::new(&c, sigma, AnglePrior::VonMises);
        eval.y
            .iter()
            .map(|y| bayes.trace_and_rank(y, 0.5).0)
            .sum::<f64>()
            / 200.0
    };
    assert!(close(mean_trace(0.01), 1.0, 0.01));
    assert!(mean_trace(10.0) < 0.01);
    let mut last = f64::INFINITY;
    for sigma in [0.05, 0.2, 0.5, 1.0, 2.0] {
        let t = mean_trace(sigma);
        assert!(t <= 1.0 && t < last, "σ {sigma}: {t}");
        last = t;
    }
}

#[test]
fn the_bayes_denoiser_beats_the_geometry_only_oracle() {
    let c = Circle::random(16, 2.0, 5);
    for sigma in [0.3, 0.7] {
        let eval = EvalSet::new(&c, sigma, 2000, 4);
        let geo = BayesDenoiser::new(&c, sigma, AnglePrior::Uniform);
        let geo_error: f64 = eval
            .y
            .iter()
            .zip(&eval.x_0)
            .map(|(y, x)| sq_dist(&geo.denoise(y), x))
            .sum::<f64>()
            / (2000.0 * sigma * sigma);
        assert!(eval.bayes_error < geo_error, "σ {sigma}");
        // Pythagoras: the error difference estimates the same excess as E‖D_geo − D*‖².
        assert!(
            close(geo_error - eval.bayes_error, eval.geometry_excess, 0.03),
            "σ {sigma}"
        );
        assert!(eval.geometry_excess > 0.1);
        // The Bayes denoiser has zero excess over itself.
        let bayes = BayesDenoiser::new(&c, sigma, AnglePrior::VonMises);
        assert!(eval.evaluate(&bayes).excess < 1e-20);
    }
}

#[test]
fn exercise_uniform_circle_trace_matches_quadrature_and_its_limit() {
    let c = Circle::random(16, 2.0, 5);
    for (r, sigma) in [(1.0, 0.3), (0.6, 0.5), (1.4, 1.0), (1.0, 0.05)] {
        let geo = BayesDenoiser::new(&c, sigma, AnglePrior::Uniform);
        // A point at in-plane radius r, angle 1.1, plus a normal offset (irrelevant).
        let mut y: Vec<f64> = c.point(1.1).iter().map(|x| r * x).collect();
        y[3] += 0.4 - 0.4 * (c.e_1[3] * c.e_1[3] + c.e_2[3] * c.e_2[3]);
        let (a, b) = c.plane_coords(&y);
        let r_plane = a.hypot(b);
        let quadrature = geo.trace_and_rank(&y, 0.5).0;
        assert!(
            close(uniform_circle_trace(r_plane, sigma), quadrature, 1e-8),
            "r {r}, σ {sigma}"
        );
    }
    for r in [0.8, 1.0, 1.25] {
        assert!(close(uniform_circle_trace(r, 0.01), 1.0 / r, 1e-3 / r));
    }
}

#[test]
fn symmetric_eigenvalues_match_known_spectra() {
    assert_eq!(
        symmetric_eigenvalues(2, &[2.0, 1.0, 1.0, 2.0])
            .iter()
            .map(|x| (x * 1e12).round() / 1e12)
            .collect::<Vec<_>>(),
        vec![1.0, 3.0]
    );
    let n = 7;
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let v = ((i * 31 + j * 17) as f64).sin();
            a[i * n + j] = v;
            a[j * n + i] = v;
        }
    }
    let eig = symmetric_eigenvalues(n, &a);
    let trace: f64 = (0..n).map(|i| a[i * n + i]).sum();
    let frob: f64 = a.iter().map(|x| x * x).sum();
    assert!(close(eig.iter().sum(), trace, 1e-10));
    assert!(close(eig.iter().map(|x| x * x).sum(), frob, 1e-10));
    assert!(eig.windows(2).all(|w| w[0] <= w[1]));
    // Singular values of a rotation times diag(3, 0.5) are 0.5 and 3.
    let (s, co) = (0.3f64.sin(), 0.3f64.cos());
    let j = [3.0 * co, -0.5 * s, 3.0 * s, 0.5 * co];
    let sv = singular_values(2, &j);
    assert!(close(sv[0], 0.5, 1e-12) && close(sv[1], 3.0, 1e-12));
}

/// Central finite differences of `loss_grad` against its analytic gradient.
fn check_gradient(net: &mut impl Trainable, y: &[f64], x_0: &[f64]) {
    let mut grad = vec![0.0; net.theta().len()];
    net.loss_grad(y, x_0, 0.7, &mut grad);
    let h = 1e-6;
    let len = net.theta().len();
    for k in (0..len).step_by(len / 40 + 1).chain([len - 1]) {
        let keep = net.theta()[k];
        net.theta_mut()[k] = keep + h;
        let up = net.loss_grad(y, x_0, 0.7, &mut vec![0.0; len]);
        net.theta_mut()[k] = keep - h;
        let down = net.loss_grad(y, x_0, 0.7, &mut vec![0.0; len]);
        net.theta_mut()[k] = keep;
        let fd = (up - down) / (2.0 * h);
        assert!(
            close(grad[k], fd, 1e-6 * (1.0 + fd.abs())),
            "parameter {k}: {} vs {fd}",
            grad[k]
        );
    }
}

/// Central finite differences of `denoise` against the analytic Jacobian.
fn check_jacobian(net: &impl Denoiser, y: &[f64]) {
    let d = net.dim();
    let j = net.jacobian(y);
    let h = 1e-6;
    for col in 0..d {
        let (mut up, mut down) = (y.to_vec(), y.to_vec());
        up[col] += h;
        down[col] -= h;
        let (a, b) = (net.denoise(&up), net.denoise(&down));
        for row in 0..d {
            assert!(close(j[row * d + col], (a[row] - b[row]) / (2.0 * h), 1e-7));
        }
    }
}

#[test]
fn hand_written_backward_passes_match_finite_differences() {
    let mut rng = seeded_rng(8);
    let c = Circle::random(6, 2.0, 5);
    let x = c.sample(&mut rng).1;
    let y = c.noisy(&x, 0.4, &mut rng);
    for residual in [true, false] {
        let mut net = Mlp::new(6, 9, residual, &mut rng);
        // Move away from the initial (near-zero) output weights.
        net.theta
            .iter_mut()
            .enumerate()
            .for_each(|(i, t)| *t += 0.1 * (i as f64).cos());
        check_gradient(&mut net, &y, &x);
        check_jacobian(&net, &y);
    }
    let mut b = Bottleneck::new(6, 2, 9, &mut rng);
    check_gradient(&mut b, &y, &x);
    check_jacobian(&b, &y);
    // The noise-conditional denoiser of the two-stage pipeline.
    let mut cond = ConditionalDenoiser::new(6, 9, &mut rng);
    let mut grad = vec![0.0; cond.theta.len()];
    cond.loss_grad(&y, &x, 0.3, 1.0, &mut grad);
    for k in [0, 17, 60, cond.theta.len() - 1] {
        let keep = cond.theta[k];
        cond.theta[k] = keep + 1e-6;
        let up = cond.loss_grad(&y, &x, 0.3, 1.0, &mut vec![0.0; grad.len()]);
        cond.theta[k] = keep - 1e-6;
        let down = cond.loss_grad(&y, &x, 0.3, 1.0, &mut vec![0.0; grad.len()]);
        cond.theta[k] = keep;
        assert!(
            close(grad[k], (up - down) / 2e-6, 1e-5 * (1.0 + grad[k].abs())),
            "parameter {k}"
        );
    }
    // Its loss is ‖D(y, σ) − x_0‖² / c_out².
    let s2 = SIGMA_DATA * SIGMA_DATA;
    let c_out2 = 0.09 * s2 / (0.09 + s2);
    let direct = sq_dist(&cond.denoise(&y, 0.3), &x) / c_out2;
    assert!(close(
        cond.loss_grad(&y, &x, 0.3, 1.0, &mut grad),
        direct,
        1e-9 * direct
    ));
}

#[test]
fn adams_first_step_moves_every_parameter_by_the_learning_rate() {
    let mut adam = Adam::new(0.01, 3);
    let mut theta = vec![1.0, 2.0, 3.0];
    adam.step(&mut theta, &[0.5, -2.0, 1e-3]);
    for (t, (start, sign)) in theta.iter().zip([(1.0, -1.0), (2.0, 1.0), (3.0, -1.0)]) {
        assert!(close(*t, start + sign * 0.01, 1e-7), "{t}");
    }
}

#[test]
fn exercise_density_share_vanishes_without_a_density_and_grows_with_kappa() {
    let sigmas = [0.1, 0.3, 0.5, 0.7, 2.0];
    assert!(density_share(0.0, &sigmas, 100, 2)
        .iter()
        .all(|&s| s < 1e-20));
    let two = density_share(2.0, &sigmas, 300, 2);
    let eight = density_share(8.0, &sigmas, 300, 2);
    let argmax = |v: &[f64]| (0..v.len()).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
    assert!(
        sigmas[argmax(&two)] >= 0.3 && sigmas[argmax(&two)] <= 1.0,
        "{two:?}"
    );
    assert!(two[0] < 0.05);
    // A sharper density peaks higher, and at a smaller σ: the noise that blurs the angle
    // shrinks with the density's angular width.
    assert!(
        eight[argmax(&eight)] > two[argmax(&two)],
        "{eight:?} vs {two:?}"
    );
    assert!(
        sigmas[argmax(&eight)] < sigmas[argmax(&two)],
        "{eight:?} vs {two:?}"
    );
}

#[test]
fn exercise_a_bottleneck_collapses_fast_in_64_dimensions() {
    let (residual, bottleneck, geo) = bottleneck_against_residual(64, 0.5, 400, 40, 11);
    let at = |log: &[LogPoint], s: usize| log.iter().find(|p| p.step == s).unwrap().metrics;
    // The bottleneck's Jacobian has rank ≤ 2 from the start; the residual net still
    // carries many of the 62 flat normal directions after 100 steps.
    assert!(at(&bottleneck, 0).rank <= 2.0);
    assert!(
        at(&bottleneck, 100).trace < 2.0,
        "{:?}",
        at(&bottleneck, 100)
    );
    assert!(at(&residual, 100).trace > 4.0, "{:?}", at(&residual, 100));
    assert!(
        at(&bottleneck, 400).excess < at(&residual, 400).excess,
        "geometry-only {geo}"
    );
}

#[test]
fn bad_inputs_are_refused_with_a_message() {
    assert!(std::panic::catch_unwind(|| Circle::random(1, 2.0, 0)).is_err());
    let c = Circle::random(4, 2.0, 0);
    assert!(
        std::panic::catch_unwind(|| BayesDenoiser::new(&c, 0.0, AnglePrior::VonMises)).is_err()
    );
    assert!(std::panic::catch_unwind(|| uniform_circle_trace(1.0, -1.0)).is_err());
}

#[test]
fn the_chapter_claims_hold_at_quick_scale() {
    let r = run(Scale::Quick, 0);
    let outcome = |prefix: &str| {
        r.verdicts
            .iter()
            .find(|v| v.id.starts_with(prefix))
            .unwrap()
            .outcome
    };
    assert_eq!(outcome("V1"), Outcome::Reproduced);
    assert_eq!(outcome("V2"), Outcome::Reproduced);
    assert_ne!(outcome("V3"), Outcome::NotReproduced);
    // Collapse within 100 steps in every seed, for both networks.
    for run in r.b2_residual.iter().chain(&r.b2_plain) {
        assert!(b2_rule(run)[0], "{}", run.label);
    }
    // The plain network refines faster than the residual one (notes, B2).
    let mean = |runs: &[TrainingRun]| {
        runs.iter().map(|x| x.at(1000).metrics.excess).sum::<f64>() / runs.len() as f64
    };
    assert!(mean(&r.b2_plain) < mean(&r.b2_residual));
    // Small σ: the flat normal directions are gone by step 250, the radial one is not.
    assert!(caveats_hold(&r)[0]);
    // The ambient denoiser is further from the circle at D = 16 than at D = 4.
    assert!(r.pipelines[1].ambient.mean_distance > r.pipelines[0].ambient.mean_distance);
    // Exact constants.
    assert!(close(
        r.constants.normaliser,
        2.0 * PI * 2.279_585_302_336_067,
        1e-12
    ));
}

#[test]
fn same_seed_same_training_log() {
    let c = Circle::random(16, 2.0, 5);
    let eval = EvalSet::new(&c, 0.5, 50, 1);
    let log = |seed| {
        let mut net = Mlp::new(16, 64, true, &mut seeded_rng(seed));
        serde_json::to_string(&train_logged(
            &mut net,
            &c,
            &TrainConfig::new(0.5, 60),
            &eval,
            &[0, 30, 60],
            seed,
        ))
        .unwrap()
    };
    assert_eq!(log(4), log(4));
    assert_ne!(log(4), log(5));
}
