//! Solutions to the exercises of chapter "Exploration" (asserted by the tests).

use super::masked_model::{reveal, MaskedModel, Sentence, LENGTH};

// ANCHOR: exercise_two_points
/// Exercise 1: two source and two target points, each with mass ½. Every plan with these
/// marginals is `[[p, ½ − p], [½ − p, p]]`, and the entropic optimum has the Gibbs form
/// `P_ij ∝ u_i v_j e^{−C_ij/ε}`, so `p² / (½ − p)² = e^{−Δ/ε}` with
/// `Δ = C_11 + C_22 − C_12 − C_21`. Solving: `p = ½ s / (1 + s)`, `s = e^{−Δ/(2ε)}`.
pub fn two_point_entropic_mass(delta: f64, epsilon: f64) -> f64 {
    let s = (-delta / (2.0 * epsilon)).exp();
    0.5 * s / (1.0 + s)
}
// ANCHOR_END: exercise_two_points

// ANCHOR: exercise_tilted_reward
/// Exercise 2: with a 0/1 reward, tilting `q_0` by `e^{R/β}` multiplies the passing mass
/// by `e^{1/β}` and leaves the rest, so the tilted model passes with probability
/// `q_0(c) e^{1/β} / (q_0(c) e^{1/β} + 1 − q_0(c))`. As `β → 0` the tilt dominates and
/// this tends to 1; as `β → ∞` the tilt `e^{1/β}` tends to 1 and it tends to `q_0(c)`, the
/// untilted model's pass rate.
pub fn tilted_pass_rate(base_pass_rate: f64, beta: f64) -> f64 {
    let lifted = base_pass_rate * (1.0 / beta).exp();
    lifted / (lifted + 1.0 - base_pass_rate)
}
// ANCHOR_END: exercise_tilted_reward

/// Every permutation of `0..LENGTH`.
fn orders() -> Vec<[usize; LENGTH]> {
    let mut out = Vec::new();
    let mut order: [usize; LENGTH] = std::array::from_fn(|i| i);
    fn heap(k: usize, order: &mut [usize; LENGTH], out: &mut Vec<[usize; LENGTH]>) {
        if k == 1 {
            out.push(*order);
            return;
        }
        for i in 0..k {
            heap(k - 1, order, out);
            let j = if k.is_multiple_of(2) { i } else { 0 };
            order.swap(j, k - 1);
        }
    }
    heap(LENGTH, &mut order, &mut out);
    out
}

// ANCHOR: exercise_brute_force
/// Exercise 3: the probability that the masked model generates `x`, by brute force over
/// all `LENGTH!` decoding orders: `q(x) = (1/LENGTH!) Σ_σ Π_k q(x_σk | x_σ1..x_σ(k−1))`.
/// (The chapter's dynamic programme gets the same number with far fewer products.)
pub fn order_averaged_probability(model: &MaskedModel, x: &Sentence) -> f64 {
    let all = orders();
    let total: f64 = all
        .iter()
        .map(|sigma| {
            let queries: Vec<_> = (0..LENGTH)
                .map(|k| (reveal(x, &sigma[..k]), sigma[k], x[sigma[k]]))
                .collect();
            model.log_prob_of(&queries).iter().sum::<f64>().exp()
        })
        .sum();
    total / all.len() as f64
}
// ANCHOR_END: exercise_brute_force
