//! Small dense linear algebra for Jacobians: eigenvalues of a symmetric matrix by
//! cyclic Jacobi rotations, and the singular values they give.

/// Eigenvalues (ascending) of the symmetric `n × n` row-major matrix `a`, by cyclic
/// Jacobi rotations until the off-diagonal mass is below `1e-22` of the total.
/// Introduced in chapter "Collapse and refine".
pub fn symmetric_eigenvalues(n: usize, a: &[f64]) -> Vec<f64> {
    assert_eq!(
        a.len(),
        n * n,
        "symmetric_eigenvalues: expected {} entries, got {}",
        n * n,
        a.len()
    );
    let mut m = a.to_vec();
    let total: f64 = m.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * n + j] * m[i * n + j])
            .sum();
        if off <= 1e-22 * total {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (m[k * n + p], m[k * n + q]);
                    m[k * n + p] = c * akp - s * akq;
                    m[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (m[p * n + k], m[q * n + k]);
                    m[p * n + k] = c * apk - s * aqk;
                    m[q * n + k] = s * apk + c * aqk;
                }
            }
        }
    }
    let mut eig: Vec<f64> = (0..n).map(|i| m[i * n + i]).collect();
    eig.sort_by(f64::total_cmp);
    eig
}

/// Singular values (ascending) of the square row-major `n × n` matrix `j`: the square
/// roots of the eigenvalues of `JᵀJ`.
/// Introduced in chapter "Collapse and refine".
pub fn singular_values(n: usize, j: &[f64]) -> Vec<f64> {
    let mut jtj = vec![0.0; n * n];
    for r in 0..n {
        for c in 0..n {
            jtj[r * n + c] = (0..n).map(|k| j[k * n + r] * j[k * n + c]).sum();
        }
    }
    symmetric_eigenvalues(n, &jtj)
        .into_iter()
        .map(|l| l.max(0.0).sqrt())
        .collect()
}
