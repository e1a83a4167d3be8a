//! Helpers shared by the oracle tests.

/// Asserts that the sample mean of `values` is within 5 standard errors of `expected`
/// (the standard error estimated from the same sample): a false failure has probability
/// ≈ 6e-7 per check.
pub fn assert_mean_within_5_se(values: &[f64], expected: f64, what: &str) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let se = (var / n).sqrt();
    assert!(
        (mean - expected).abs() <= 5.0 * se,
        "{what}: sample mean {mean} vs {expected} (5 SE = {})",
        5.0 * se
    );
}
