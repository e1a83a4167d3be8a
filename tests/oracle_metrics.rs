//! Oracle tests for the sample-quality metrics of chapter "Sampling without data": the
//! exact assignment solver against brute force, W2 against closed forms, and the MMD
//! estimator against closed forms and the Gaussian population value.

use destroy_then_generate::sampling_without_data::mmd::{mmd_rbf, DEFAULT_BANDWIDTHS};
use destroy_then_generate::sampling_without_data::transport::{optimal_assignment, wasserstein2};
use ndarray::{Array2, Axis};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::seq::SliceRandom;
use ndarray_rand::rand::{Rng, SeedableRng};
use ndarray_rand::rand_distr::{Normal, StandardNormal};
use ndarray_rand::RandomExt;

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

fn assignment_cost(cost: &[f64], n: usize, sigma: &[usize]) -> f64 {
    sigma
        .iter()
        .enumerate()
        .map(|(i, &j)| cost[i * n + j])
        .sum()
}

fn is_permutation(sigma: &[usize]) -> bool {
    let mut seen = vec![false; sigma.len()];
    sigma
        .iter()
        .all(|&j| j < seen.len() && !std::mem::replace(&mut seen[j], true))
}

/// The cheapest assignment by trying all `n!` permutations (Heap's algorithm).
fn brute_force_minimum(cost: &[f64], n: usize) -> f64 {
    let mut sigma: Vec<usize> = (0..n).collect();
    let mut best = assignment_cost(cost, n, &sigma);
    let mut counters = vec![0; n];
    let mut i = 1;
    while i < n {
        if counters[i] < i {
            let k = if i % 2 == 0 { 0 } else { counters[i] };
            sigma.swap(k, i);
            best = best.min(assignment_cost(cost, n, &sigma));
            counters[i] += 1;
            i = 1;
        } else {
            counters[i] = 0;
            i += 1;
        }
    }
    best
}

/// The rows of `x` in the order `permutation`.
fn permute_rows(x: &Array2<f32>, permutation: &[usize]) -> Array2<f32> {
    x.select(Axis(0), permutation)
}

fn shuffled_indices(n: usize, rng: &mut StdRng) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..n).collect();
    indices.shuffle(rng);
    indices
}

#[test]
fn optimal_assignment_matches_brute_force_on_small_matrices() {
    for seed in 0..6 {
        let mut rng = rng(seed);
        for n in 1..=7 {
            // Real costs of both signs, and small integers (many ties).
            let real: Vec<f64> = (0..n * n).map(|_| rng.random_range(-3.0..10.0)).collect();
            let ties: Vec<f64> = (0..n * n).map(|_| rng.random_range(0..4) as f64).collect();
            for cost in [real, ties] {
                let sigma = optimal_assignment(&cost, n);
                assert!(is_permutation(&sigma), "{sigma:?}");
                let found = assignment_cost(&cost, n, &sigma);
                let best = brute_force_minimum(&cost, n);
                assert!(
                    (found - best).abs() <= 1e-12 * (1.0 + best.abs()),
                    "seed {seed}, n {n}: solver {found}, brute force {best}"
                );
            }
        }
    }
}

#[test]
fn optimal_assignment_handles_empty_and_constant_costs() {
    assert!(optimal_assignment(&[], 0).is_empty());
    let sigma = optimal_assignment(&[2.5; 36], 6);
    assert!(is_permutation(&sigma), "{sigma:?}");
    // An anti-diagonal of zeros among ones.
    let n = 5;
    let cost: Vec<f64> = (0..n * n)
        .map(|k| if k / n + k % n == n - 1 { 0.0 } else { 1.0 })
        .collect();
    assert_eq!(optimal_assignment(&cost, n), vec![4, 3, 2, 1, 0]);
}

#[test]
fn w2_in_one_dimension_is_the_sorted_matching() {
    for seed in 0..3 {
        let mut rng = rng(seed);
        let n = 200;
        let a = Array2::random_using((n, 1), StandardNormal, &mut rng);
        let b = Array2::random_using((n, 1), Normal::new(0.7, 2.0).unwrap(), &mut rng);
        let sorted = |x: &Array2<f32>| {
            let mut v: Vec<f64> = x.iter().map(|&t| f64::from(t)).collect();
            v.sort_by(f64::total_cmp);
            v
        };
        let (sa, sb) = (sorted(&a), sorted(&b));
        let closed_form = (sa
            .iter()
            .zip(&sb)
            .map(|(x, y)| (x - y).powi(2))
            .sum::<f64>()
            / n as f64)
            .sqrt();
        let w2 = wasserstein2(&a, &b).unwrap();
        assert!(
            (w2 - closed_form).abs() <= 1e-9 * closed_form,
            "seed {seed}: solver {w2}, sorted matching {closed_form}"
        );
    }
}

/// `‖x − y‖²` for every pair of rows, row-major, straight from the points.
fn squared_distances(a: &Array2<f32>, b: &Array2<f32>) -> Vec<f64> {
    let mut cost = Vec::new();
    for x in a.outer_iter() {
        for y in b.outer_iter() {
            let r2: f64 = x
                .iter()
                .zip(&y)
                .map(|(&p, &q)| (f64::from(p) - f64::from(q)).powi(2))
                .sum();
            cost.push(r2);
        }
    }
    cost
}

#[test]
fn w2_matches_brute_force_on_small_sets() {
    // Shifted and rescaled sets: wasserstein2 hands the solver standardised points, whose
    // optimal permutation must be the original costs' one.
    for seed in 0..10 {
        let mut rng = rng(100 + seed);
        for n in 1..=7 {
            let a = Array2::random_using((n, 2), StandardNormal, &mut rng);
            let mut b = Array2::random_using((n, 2), Normal::new(3.0, 0.2).unwrap(), &mut rng);
            b.column_mut(1).mapv_inplace(|y| 5.0 * y); // anisotropic
            let brute_force =
                (brute_force_minimum(&squared_distances(&a, &b), n) / n as f64).sqrt();
            let w2 = wasserstein2(&a, &b).unwrap();
            assert!(
                (w2 - brute_force).abs() <= 1e-12 * (1.0 + brute_force),
                "seed {seed}, n {n}: {w2} vs brute force {brute_force}"
            );
        }
    }
}

#[test]
fn w2_agrees_with_the_solver_on_raw_costs() {
    // A narrow, shifted set against a wide one: the standardised and the raw cost matrices
    // must give the same optimal total.
    let mut rng = rng(13);
    let n = 300;
    let a = Array2::random_using((n, 2), Normal::new(4.0, 0.3).unwrap(), &mut rng);
    let b = Array2::random_using((n, 2), Normal::new(0.0, 5.0).unwrap(), &mut rng);
    let cost = squared_distances(&a, &b);
    let sigma = optimal_assignment(&cost, n);
    assert!(is_permutation(&sigma));
    let raw = (assignment_cost(&cost, n, &sigma) / n as f64).sqrt();
    let w2 = wasserstein2(&a, &b).unwrap();
    assert!((w2 - raw).abs() <= 1e-9 * raw, "{w2} vs {raw}");
    // No permutation beats the optimum: the identity and random ones cost at least as much.
    let identity: Vec<usize> = (0..n).collect();
    assert!(assignment_cost(&cost, n, &identity) >= assignment_cost(&cost, n, &sigma));
    for _ in 0..20 {
        let random = shuffled_indices(n, &mut rng);
        assert!(assignment_cost(&cost, n, &random) >= assignment_cost(&cost, n, &sigma));
    }
}

#[test]
fn w2_of_a_permuted_copy_is_zero() {
    let mut rng = rng(10);
    let a = Array2::random_using((300, 3), StandardNormal, &mut rng);
    let b = permute_rows(&a, &shuffled_indices(300, &mut rng));
    let w2 = wasserstein2(&a, &b).unwrap();
    assert!(w2.abs() <= 1e-9, "{w2}");
}

#[test]
fn w2_of_a_translate_is_the_translation_length() {
    // Multiples of 1/8 are exact in f32 and their squares sum exactly in f64, so the
    // identity "W2(μ, μ + v) = ‖v‖" can be checked to 1e-9. (Any permutation σ costs
    // Σ‖a_i − a_σ(i) − v‖² = Σ‖a_i − a_σ(i)‖² + n‖v‖², since Σ(a_i − a_σ(i)) = 0.)
    let mut rng = rng(11);
    let n = 250;
    let a = Array2::from_shape_fn((n, 3), |_| rng.random_range(-64..=64) as f32 / 8.0);
    let shuffle = shuffled_indices(n, &mut rng);
    for v in [[0.75_f32, -1.5, 0.25], [0.0, 0.0, 40.0], [-0.125, 0.0, 0.0]] {
        let translate = &permute_rows(&a, &shuffle) + &ndarray::arr1(&v);
        let length = v.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
        let w2 = wasserstein2(&a, &translate).unwrap();
        assert!((w2 - length).abs() <= 1e-9, "v {v:?}: {w2} vs {length}");
    }
}

#[test]
fn w2_is_a_metric_on_small_sets() {
    let mut rng = rng(12);
    let sets: Vec<Array2<f32>> = (0..3)
        .map(|k| {
            Array2::random_using(
                (60, 2),
                Normal::new(k as f32, 1.0 + k as f32).unwrap(),
                &mut rng,
            )
        })
        .collect();
    let w = |i: usize, j: usize| wasserstein2(&sets[i], &sets[j]).unwrap();
    for i in 0..3 {
        for j in 0..3 {
            assert!((w(i, j) - w(j, i)).abs() <= 1e-9);
            for k in 0..3 {
                assert!(w(i, k) <= w(i, j) + w(j, k) + 1e-9);
            }
        }
    }
}

#[test]
fn w2_errors_name_the_sizes_and_dimensions() {
    let a = Array2::<f32>::zeros((3, 2));
    let error = wasserstein2(&a, &Array2::zeros((4, 2))).unwrap_err();
    assert!(error.contains('3') && error.contains('4'), "{error}");
    assert!(!error.contains('\n'));
    let error = wasserstein2(&a, &Array2::zeros((3, 5))).unwrap_err();
    assert!(error.contains('2') && error.contains('5'), "{error}");
    let error = wasserstein2(&Array2::zeros((0, 2)), &Array2::zeros((0, 2))).unwrap_err();
    assert!(error.contains("empty"), "{error}");
    let mut nan = Array2::<f32>::zeros((3, 2));
    nan[[1, 0]] = f32::NAN;
    let error = wasserstein2(&a, &nan).unwrap_err();
    assert!(error.contains("finite"), "{error}");
}

/// `k(x, y)` summed over `bandwidths`, written out independently of the crate.
fn rbf(x: &[f64], y: &[f64], bandwidths: &[f64]) -> f64 {
    let r2: f64 = x.iter().zip(y).map(|(p, q)| (p - q).powi(2)).sum();
    bandwidths.iter().map(|h| (-r2 / (2.0 * h * h)).exp()).sum()
}

fn rows(x: &Array2<f32>) -> Vec<Vec<f64>> {
    x.outer_iter()
        .map(|r| r.iter().map(|&t| f64::from(t)).collect())
        .collect()
}

#[test]
fn mmd_of_a_permuted_copy_has_the_closed_form() {
    // With b a permutation of a, S = Σ_{i≠j} k(a_i, a_j) and K = k(x, x) = #bandwidths:
    // MMD²_u = 2S/(n(n−1)) − 2(S + nK)/n² = 2S/(n²(n−1)) − 2K/n.
    let mut rng = rng(20);
    let n = 300;
    let a = Array2::random_using((n, 2), StandardNormal, &mut rng);
    let b = permute_rows(&a, &shuffled_indices(n, &mut rng));
    let points = rows(&a);
    let mut s = 0.0;
    for i in 0..n {
        for j in 0..n {
            if i != j {
                s += rbf(&points[i], &points[j], &DEFAULT_BANDWIDTHS);
            }
        }
    }
    let (nf, k) = (n as f64, DEFAULT_BANDWIDTHS.len() as f64);
    let closed_form = 2.0 * s / (nf * nf * (nf - 1.0)) - 2.0 * k / nf;
    let mmd = mmd_rbf(&a, &b, &DEFAULT_BANDWIDTHS);
    assert!((mmd - closed_form).abs() <= 1e-12, "{mmd} vs {closed_form}");

    // Points so far apart that every cross term underflows to 0: MMD²_u = −2K/n exactly.
    let far = Array2::from_shape_fn((10, 1), |(i, _)| 1.0e4 * i as f32);
    let far_shuffled = permute_rows(&far, &[3, 7, 0, 9, 1, 5, 2, 8, 4, 6]);
    assert_eq!(
        mmd_rbf(&far, &far_shuffled, &DEFAULT_BANDWIDTHS),
        -2.0 * 5.0 / 10.0
    );
}

#[test]
fn mmd_is_near_zero_for_one_distribution_and_positive_for_a_shift() {
    let mut rng = rng(21);
    let n = 1000;
    let a = Array2::random_using((n, 2), StandardNormal, &mut rng);
    let same = Array2::random_using((n, 2), StandardNormal, &mut rng);
    let shifted = Array2::random_using((n, 2), StandardNormal, &mut rng) + 0.5;
    let null = mmd_rbf(&a, &same, &DEFAULT_BANDWIDTHS);
    let alternative = mmd_rbf(&a, &shifted, &DEFAULT_BANDWIDTHS);
    // Under p = q the estimator has mean 0 and a standard deviation of order 1/n (about
    // 8e-4 here, over 40 seeds); the shift's population value is Σ_h 2h²/(h² + 2) ·
    // (1 − exp(−0.25/(h² + 2))) ≈ 0.059, estimated with a standard deviation of 0.008.
    assert!(null.abs() < 5e-3, "same distribution: {null}");
    assert!(alternative > 0.03, "shifted by (0.5, 0.5): {alternative}");
    // Unequal set sizes are allowed (standard deviation about 1.7e-3 here).
    let fewer = same.slice(ndarray::s![..300, ..]).to_owned();
    assert!(mmd_rbf(&a, &fewer, &DEFAULT_BANDWIDTHS).abs() < 1e-2);
}

#[test]
fn mmd_matches_the_gaussian_population_value() {
    // 1-D, p = N(0, s²), q = N(m, s²), one bandwidth h:
    // MMD² = 2h/sqrt(h² + 2s²) · (1 − exp(−m²/(2(h² + 2s²)))).
    let (s, m, h) = (1.0_f64, 1.0_f64, 1.0_f64);
    let population = 2.0 * h / (h * h + 2.0 * s * s).sqrt()
        * (1.0 - (-m * m / (2.0 * (h * h + 2.0 * s * s))).exp());
    let n = 2000;
    let mut rng = rng(22);
    let a = Array2::random_using((n, 1), Normal::new(0.0, s as f32).unwrap(), &mut rng);
    let b = Array2::random_using((n, 1), Normal::new(m as f32, s as f32).unwrap(), &mut rng);
    let estimate = mmd_rbf(&a, &b, &[h]);

    // Naive sums, for an independent value of the estimator and for its standard error
    // from the first-order (Hoeffding) projections:
    // Var ≈ 4/n Var[g_a(x)] + 4/n Var[g_b(y)], g_a(x) = E k(x, x') − E k(x, y), and
    // g_b(y) = E k(y, y') − E k(x, y).
    let (pa, pb) = (rows(&a), rows(&b));
    let nf = n as f64;
    let mut within_a = vec![0.0; n];
    let mut within_b = vec![0.0; n];
    let mut across_a = vec![0.0; n];
    let mut across_b = vec![0.0; n];
    for i in 0..n {
        for j in 0..n {
            if i != j {
                within_a[i] += rbf(&pa[i], &pa[j], &[h]);
                within_b[i] += rbf(&pb[i], &pb[j], &[h]);
            }
            let k = rbf(&pa[i], &pb[j], &[h]);
            across_a[i] += k;
            across_b[j] += k;
        }
    }
    let total = |v: &[f64]| v.iter().sum::<f64>();
    let naive = total(&within_a) / (nf * (nf - 1.0)) + total(&within_b) / (nf * (nf - 1.0))
        - 2.0 * total(&across_a) / (nf * nf);
    assert!((estimate - naive).abs() <= 1e-10, "{estimate} vs {naive}");

    let variance = |within: &[f64], across: &[f64]| {
        let g: Vec<f64> = within
            .iter()
            .zip(across)
            .map(|(w, c)| w / (nf - 1.0) - c / nf)
            .collect();
        let mean = total(&g) / nf;
        g.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (nf - 1.0)
    };
    let standard_error =
        (4.0 / nf * (variance(&within_a, &across_a) + variance(&within_b, &across_b))).sqrt();
    assert!(
        standard_error > 0.0 && standard_error < 0.02,
        "{standard_error}"
    );
    assert!(
        (estimate - population).abs() <= 4.0 * standard_error,
        "estimate {estimate}, population {population}, standard error {standard_error}"
    );
}

#[test]
#[should_panic(expected = "got 1 and 5")]
fn mmd_needs_two_points_per_set() {
    mmd_rbf(&Array2::zeros((1, 2)), &Array2::zeros((5, 2)), &[1.0]);
}
