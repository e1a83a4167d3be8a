//! The exercises of Part III ("Sampling without data", "Adaptive destruction", "Results",
//! "Scaling up"): each solution against an oracle.

use destroy_then_generate::adaptive_destruction::exercises::*;
use destroy_then_generate::results::exercises::*;
use destroy_then_generate::sampling::seeded_rng;
use destroy_then_generate::sampling_without_data::exercises::*;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;

fn normal(rng: &mut impl Rng) -> f64 {
    rng.sample(StandardNormal)
}

#[test]
fn gaussian_log_z_matches_quadrature() {
    // log Z in d = 3 is three times the log of a one-dimensional integral.
    let s2: f64 = 2.5;
    let h = 1e-3;
    let one_d: f64 = (-20_000..=20_000)
        .map(|i| (-(i as f64 * h).powi(2) / (2.0 * s2)).exp() * h)
        .sum();
    assert!((gaussian_log_z(3, s2) - 3.0 * one_d.ln()).abs() < 1e-9);
}

#[test]
fn the_bridge_by_conditioning_is_the_chapter_kernel() {
    let (sigma2, dt) = (0.7, 0.1);
    for n in [1, 4, 9] {
        let (mean, var) = bridge_by_conditioning(n, 1.3, sigma2, dt);
        let shrink = n as f64 / (n + 1) as f64;
        assert!((mean - shrink * 1.3).abs() < 1e-12);
        assert!((var - sigma2 * dt * shrink).abs() < 1e-12);
    }
}

#[test]
fn balance_makes_every_log_weight_equal_log_z() {
    let (s2, sigma2, steps) = (2.5, 0.8, 4);
    let log_z = 0.5 * (2.0 * std::f64::consts::PI * s2).ln();
    let var =
        destroy_then_generate::sampling_without_data::diagrams::level_variances(s2, sigma2, steps);
    let mut rng = seeded_rng(7);
    let mut fresh_weights = Vec::new();
    for _ in 0..2_000 {
        // A trajectory of the exact sampler: every log-weight is log Z.
        let mut path = Vec::new();
        let mut x = 0.0;
        for n in 0..steps {
            let (c, v) =
                destroy_then_generate::sampling_without_data::diagrams::exact_generation_step(
                    &var, n,
                );
            x = c * x + v.sqrt() * normal(&mut rng);
            path.push(x);
        }
        let log_w = gaussian_sampler_log_weight(&path, s2, sigma2, true);
        assert!((log_w - log_z).abs() < 1e-9, "{log_w} vs {log_z}");
        // A trajectory of the reference walk: log-weights vary, and their mean (the
        // ELBO) lies below log Z.
        let mut walk = Vec::new();
        let mut y = 0.0;
        for _ in 0..steps {
            y += (sigma2 / steps as f64).sqrt() * normal(&mut rng);
            walk.push(y);
        }
        fresh_weights.push(gaussian_sampler_log_weight(&walk, s2, sigma2, false));
    }
    let elbo = fresh_weights.iter().sum::<f64>() / fresh_weights.len() as f64;
    let spread = fresh_weights
        .iter()
        .map(|w| (w - elbo).powi(2))
        .sum::<f64>()
        / 2_000.0;
    assert!(
        elbo < log_z - 0.05 && spread > 0.01,
        "ELBO {elbo}, spread {spread}"
    );
}

#[test]
fn gaussian_kl_matches_monte_carlo_and_walks_drift_apart() {
    let (m1, v1, m2, v2) = (0.3, 0.8, -0.5, 1.9);
    let mut rng = seeded_rng(11);
    let n = 400_000;
    let log_ratio = |x: f64| {
        let lp = |m: f64, v: f64| -0.5 * ((x - m).powi(2) / v + v.ln());
        lp(m1, v1) - lp(m2, v2)
    };
    let draws: Vec<f64> = (0..n)
        .map(|_| log_ratio(m1 + v1.sqrt() * normal(&mut rng)))
        .collect();
    let mean = draws.iter().sum::<f64>() / n as f64;
    let se = (draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64 / n as f64).sqrt();
    assert!((gaussian_kl(m1, v1, m2, v2) - mean).abs() < 4.0 * se);
    assert_eq!(walks_kl_with_variance_ratio(10, 1.0), 0.0);
    let one = walks_kl_with_variance_ratio(10, 1.5);
    assert!(one > 0.0);
    assert!((walks_kl_with_variance_ratio(20, 1.5) - 2.0 * one).abs() < 1e-12);
}

#[test]
fn polyak_updates_close_the_gap_geometrically() {
    let (start, online, rate) = (2.0, -1.0, 0.05);
    let mut target = start;
    for _ in 0..30 {
        target = polyak_update(target, online, rate);
    }
    let expected = online + (start - online) * (1.0f64 - rate).powi(30);
    assert!((target - expected).abs() < 1e-12, "{target} vs {expected}");
}

#[test]
fn sign_test_p_values_are_exact_binomial_tails() {
    assert_eq!(sign_test_p_value(5, 0), 2.0 / 32.0);
    assert_eq!(sign_test_p_value(0, 5), 2.0 / 32.0);
    assert_eq!(sign_test_p_value(4, 1), 12.0 / 32.0);
    assert!((sign_test_p_value(9, 1) - 22.0 / 1024.0).abs() < 1e-15);
    assert_eq!(sign_test_p_value(0, 0), 1.0);
}

#[test]
fn gaussian_log_weights_have_an_elbo_gap_of_half_their_variance() {
    let (log_z, v) = (1.7, 0.6);
    let mu = log_z - elbo_gap_of_gaussian_log_weights(v);
    let mut rng = seeded_rng(5);
    let log_w: Vec<f64> = (0..400_000)
        .map(|_| mu + v.sqrt() * normal(&mut rng))
        .collect();
    let (log_z_hat, se) = log_mean_exp_with_se(&log_w);
    assert!((log_z_hat - log_z).abs() < 4.0 * se, "{log_z_hat} ± {se}");
}

#[test]
fn log_mean_exp_estimates_a_known_normaliser_with_an_honest_error() {
    // z ~ N(0, 1), r(z) = exp(a z): Z = E r = exp(a²/2).
    let a = 0.8;
    let mut rng = seeded_rng(9);
    let estimates: Vec<(f64, f64)> = (0..40)
        .map(|_| {
            let logs: Vec<f64> = (0..5_000).map(|_| a * normal(&mut rng)).collect();
            log_mean_exp_with_se(&logs)
        })
        .collect();
    let truth = a * a / 2.0;
    let mean = estimates.iter().map(|e| e.0).sum::<f64>() / 40.0;
    let spread = (estimates.iter().map(|e| (e.0 - mean).powi(2)).sum::<f64>() / 39.0).sqrt();
    let claimed = estimates.iter().map(|e| e.1).sum::<f64>() / 40.0;
    assert!(
        (mean - truth).abs() < 4.0 * spread / 40f64.sqrt(),
        "{mean} vs {truth}"
    );
    // The delta-method error matches the spread of the estimates within a third.
    assert!(
        (claimed / spread - 1.0).abs() < 0.33,
        "{claimed} vs {spread}"
    );
}

#[test]
fn diversity_of_a_square_is_its_mean_side_and_diagonal() {
    use destroy_then_generate::ndarray::array;
    use destroy_then_generate::sampling_without_data::targets::mean_pairwise_distance;
    let square = array![[0.0f32, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
    let expected = (4.0 + 2.0 * 2f64.sqrt()) / 6.0;
    assert!((mean_pairwise_distance(&square, 4) - expected).abs() < 1e-6);
    // Only the first `max_rows` count: the first two corners are one apart.
    assert!((mean_pairwise_distance(&square, 2) - 1.0).abs() < 1e-6);
}
