//! Destruction as transport: a bijective destroying process is an exact transport plan
//! (nothing is destroyed), and entropy-regularised transport, solved by Sinkhorn's
//! iterations, is the picture for destroying processes that do lose information.
//! Introduced in chapter "Exploration".

/// A transport plan between two finite distributions: `mass[i][j]` is the probability
/// moved from source point `i` to target point `j` (a joint distribution whose marginals
/// are the source and the target).
pub type Plan = Vec<Vec<f64>>;

/// `Σ_ij P_ij C_ij`: what moving the mass along `plan` costs.
pub fn plan_cost(plan: &Plan, cost: &[Vec<f64>]) -> f64 {
    plan.iter()
        .zip(cost)
        .flat_map(|(p, c)| p.iter().zip(c).map(|(p, c)| p * c))
        .sum()
}

/// `H(p) = −Σ p log p` in nats (terms with `p = 0` count as 0).
pub fn entropy(probabilities: impl IntoIterator<Item = f64>) -> f64 {
    probabilities
        .into_iter()
        .filter(|&p| p > 0.0)
        .map(|p| -p * p.ln())
        .sum()
}

/// The source marginal `a_i = Σ_j P_ij`.
pub fn source_marginal(plan: &Plan) -> Vec<f64> {
    plan.iter().map(|row| row.iter().sum()).collect()
}

/// The target marginal `b_j = Σ_i P_ij`.
pub fn target_marginal(plan: &Plan) -> Vec<f64> {
    (0..plan[0].len())
        .map(|j| plan.iter().map(|row| row[j]).sum())
        .collect()
}

// ANCHOR: splat
/// The information a plan destroys, `H(Y | X) = H(P) − H(a)` in nats: how far each
/// shovelful of source mass is splatted over the target. Zero exactly when every source
/// point is sent to a single target point (a deterministic map).
pub fn information_destroyed(plan: &Plan) -> f64 {
    entropy(plan.iter().flatten().copied()) - entropy(source_marginal(plan))
}

/// The information a plan keeps, `I(X; Y) = H(a) + H(b) − H(P)` in nats.
pub fn information_kept(plan: &Plan) -> f64 {
    entropy(source_marginal(plan)) + entropy(target_marginal(plan))
        - entropy(plan.iter().flatten().copied())
}
// ANCHOR_END: splat

// ANCHOR: bijection_plan
/// The plan of a deterministic destroying map `x ↦ map[x]` applied to `source`:
/// `P_ij = a_i [j = map(i)]`. When the map is a bijection the plan is exactly invertible
/// (its transpose is the plan of the inverse map) and destroys nothing, `H(Y | X) = 0`.
pub fn plan_of_map(source: &[f64], map: &[usize], targets: usize) -> Plan {
    assert_eq!(source.len(), map.len(), "one destination per source point");
    let mut plan = vec![vec![0.0; targets]; source.len()];
    for (i, (&a, &j)) in source.iter().zip(map).enumerate() {
        assert!(j < targets, "destination {j} out of range 0..{targets}");
        plan[i][j] = a;
    }
    plan
}
// ANCHOR_END: bijection_plan

/// Every permutation of `0..n`, in lexicographic order (Heap-free, by recursion).
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for rest in permutations(n - 1) {
        for slot in 0..n {
            let mut p = rest.clone();
            p.insert(slot, n - 1);
            out.push(p);
        }
    }
    out.sort();
    out
}

// ANCHOR: exact_plan
/// The exact optimal plan between two uniform distributions on `n` points each, by
/// enumerating the `n!` permutations: the extreme points of the set of plans with uniform
/// marginals are the permutation plans (Birkhoff), so the cheapest of them is optimal.
/// Returns the best permutation and its cost `(1/n) Σ_i C_{i, σ(i)}`.
pub fn optimal_permutation(cost: &[Vec<f64>]) -> (Vec<usize>, f64) {
    let n = cost.len();
    assert!(
        (1..=9).contains(&n),
        "enumerating n! permutations needs 1 ≤ n ≤ 9, got n = {n}"
    );
    assert!(
        cost.iter().all(|row| row.len() == n),
        "the cost must be n × n"
    );
    permutations(n)
        .into_iter()
        .map(|p| {
            let c = p.iter().enumerate().map(|(i, &j)| cost[i][j]).sum::<f64>() / n as f64;
            (p, c)
        })
        .min_by(|x, y| x.1.total_cmp(&y.1))
        .expect("at least one permutation")
}
// ANCHOR_END: exact_plan

/// The monotone (north-west corner) plan between two distributions on sorted points of
/// the real line: mass is moved in order, the first source mass to the first target
/// point, and so on. For a convex cost `c(x − y)` on the line it is an optimal plan.
pub fn monotone_plan(source: &[f64], target: &[f64]) -> Plan {
    let mut plan = vec![vec![0.0; target.len()]; source.len()];
    let (mut a, mut b) = (source.to_vec(), target.to_vec());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let moved = a[i].min(b[j]);
        plan[i][j] += moved;
        a[i] -= moved;
        b[j] -= moved;
        if a[i] <= b[j] {
            i += 1;
        } else {
            j += 1;
        }
    }
    plan
}

/// `log Σ_k exp(v_k)`, computed stably.
fn log_sum_exp(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let top = values.clone().fold(f64::NEG_INFINITY, f64::max);
    if top == f64::NEG_INFINITY {
        return top;
    }
    top + values.map(|v| (v - top).exp()).sum::<f64>().ln()
}

/// Sinkhorn's answer at one regulariser.
#[derive(Clone, Debug)]
pub struct Sinkhorn {
    pub plan: Plan,
    pub iterations: usize,
    /// `Σ_i |Σ_j P_ij − a_i|` when the iterations stopped (the columns are exact).
    pub marginal_error: f64,
    /// The potentials `(f, g)`, to warm-start a run at a nearby regulariser.
    pub potentials: (Vec<f64>, Vec<f64>),
}

// ANCHOR: sinkhorn
/// Entropy-regularised transport: the plan minimising `Σ P_ij C_ij − ε H(P)` with
/// marginals `a` and `b`, which has the form `P_ij = exp((f_i + g_j − C_ij) / ε)`.
/// Sinkhorn's iterations fit the potentials `f` and `g` to one marginal at a time (here in
/// the log domain, so that small `ε` does not underflow):
/// `f_i = ε log a_i − ε log Σ_j exp((g_j − C_ij) / ε)`, then the same for `g`.
/// As `ε → 0` the plan tends to an optimal transport plan; as `ε → ∞` to `a bᵀ`.
pub fn sinkhorn(a: &[f64], b: &[f64], cost: &[Vec<f64>], epsilon: f64) -> Sinkhorn {
    let zero = (vec![0.0; a.len()], vec![0.0; b.len()]);
    sinkhorn_from(a, b, cost, epsilon, zero)
}
// ANCHOR_END: sinkhorn

/// [`sinkhorn`] started from given potentials `(f, g)` instead of zeros. Sinkhorn
/// converges slowly at small `ε` (each sweep shrinks the error by a factor close to 1), so
/// a sweep over decreasing `ε` starts each run from the previous one's potentials
/// ("ε-scaling").
pub fn sinkhorn_from(
    a: &[f64],
    b: &[f64],
    cost: &[Vec<f64>],
    epsilon: f64,
    (mut f, mut g): (Vec<f64>, Vec<f64>),
) -> Sinkhorn {
    assert!(
        epsilon > 0.0,
        "the regulariser ε must be positive, got {epsilon}"
    );
    let (n, m) = (a.len(), b.len());
    assert!(f.len() == n && g.len() == m, "one potential per point");
    let plan_at = |f: &[f64], g: &[f64]| -> Plan {
        (0..n)
            .map(|i| {
                (0..m)
                    .map(|j| ((f[i] + g[j] - cost[i][j]) / epsilon).exp())
                    .collect()
            })
            .collect()
    };
    let mut iterations = 0;
    let mut marginal_error = f64::INFINITY;
    while iterations < SINKHORN_MAX_ITERATIONS {
        iterations += 1;
        for i in 0..n {
            let lse = log_sum_exp((0..m).map(|j| (g[j] - cost[i][j]) / epsilon));
            f[i] = epsilon * (a[i].ln() - lse);
        }
        for j in 0..m {
            let lse = log_sum_exp((0..n).map(|i| (f[i] - cost[i][j]) / epsilon));
            g[j] = epsilon * (b[j].ln() - lse);
        }
        if iterations % 10 == 0 {
            let rows = source_marginal(&plan_at(&f, &g));
            marginal_error = rows.iter().zip(a).map(|(r, a)| (r - a).abs()).sum();
            if marginal_error < SINKHORN_TOLERANCE {
                break;
            }
        }
    }
    Sinkhorn {
        plan: plan_at(&f, &g),
        iterations,
        marginal_error,
        potentials: (f, g),
    }
}

/// Sinkhorn stops when the source marginal is this close (L1) to `a`.
pub const SINKHORN_TOLERANCE: f64 = 1e-10;
/// …or after this many sweeps.
pub const SINKHORN_MAX_ITERATIONS: usize = 100_000;

/// `Σ_ij |P_ij − Q_ij|`.
pub fn plan_distance(p: &Plan, q: &Plan) -> f64 {
    p.iter()
        .flatten()
        .zip(q.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .sum()
}

/// Squared Euclidean distances between two point clouds.
pub fn squared_distances(from: &[(f64, f64)], to: &[(f64, f64)]) -> Vec<Vec<f64>> {
    from.iter()
        .map(|&(x, y)| {
            to.iter()
                .map(|&(u, v)| (x - u).powi(2) + (y - v).powi(2))
                .collect()
        })
        .collect()
}
