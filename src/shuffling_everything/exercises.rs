//! Solutions to the exercises of chapter "Shuffling everything" (asserted by
//! `tests/chapter_shuffling_everything.rs`).

use super::ddpm::schedule;
use crate::destroying_and_generating::{numbered, Channel, Distribution, Joint};
use crate::numbers::{ExactBits, Rational};

// ANCHOR: exercise_coin
/// Exercise 1: what Bob's `B` says about Shuffle's coin. The pair (Alice's message, coin)
/// is drawn from `prior` and a fair coin (`stay` = 0, `move` = 1) and sent to
/// `B = a + coin mod 3`. Returns `P(coin = stay | B = b)` for each `b`, and `I(B; coin)`.
/// Given the coin, `B` is a relabelling of `A`, so `I(B; coin) = H(B) − H(A)`: zero
/// exactly when Alice's messages are equally likely. `B = 0` is `(0, stay)` or `(2, move)`,
/// so `P(stay | B = 0) = p_0 / (p_0 + p_2)`: Bob knows the coin for sure exactly when one of
/// `p_0`, `p_2` is zero and the other is not (`p_2 = 0` means stay, `p_0 = 0` means move).
/// Introduced in chapter "Shuffling everything".
pub fn coin_given_b(prior: &Distribution<Rational>) -> (Vec<Rational>, ExactBits) {
    assert_eq!(prior.probs.len(), 3, "Shuffle has three messages");
    let half = Rational::new(1, 2);
    // Joint over (coin, b): P(coin, b) = P(A = b − coin mod 3) / 2.
    let joint: Vec<Vec<Rational>> = (0..2)
        .map(|coin| {
            (0..3)
                .map(|b| half * prior.probs[(b + 3 - coin) % 3])
                .collect()
        })
        .collect();
    let p_b: Vec<Rational> = (0..3).map(|b| joint[0][b] + joint[1][b]).collect();
    let stay_given_b = (0..3)
        .map(|b| {
            if p_b[b] == Rational::ZERO {
                half // B = b never happens: the coin keeps its prior.
            } else {
                joint[0][b] / p_b[b]
            }
        })
        .collect();
    let coin = Distribution::new(numbered(2), vec![half, half]).expect("a fair coin");
    let b_given_coin = Channel::new("B given coin", numbered(2), numbered(3), {
        joint
            .iter()
            .map(|row| row.iter().map(|&p| p / half).collect())
            .collect()
    })
    .expect("each row is Alice's prior, relabelled");
    let information = Joint::new(&coin, &b_given_coin)
        .expect("two coin faces")
        .mutual_information();
    (stay_given_b, information)
}
// ANCHOR_END: exercise_coin

// ANCHOR: exercise_separation
/// Exercise 2: two images `x1`, `x2` after `n` steps of GaussianShuffle(δ), measured in
/// units of the noise scale: each coordinate keeps its mean and gains variance `n δ`,
/// so the separation is `|x1 − x2| / sqrt(n δ)` — it shrinks like `1 / sqrt(n)`. Halving
/// it takes four times the steps, `3n` more. The test
/// `exercise_2_the_separation_shrinks_like_one_over_root_n` compares it with measured values.
/// Introduced in chapter "Shuffling everything".
pub fn separation_closed_form(x1: f64, x2: f64, n: usize, delta: f64) -> f64 {
    assert!(
        n > 0 && delta > 0.0,
        "need n > 0 and δ > 0, got n = {n}, δ = {delta}"
    );
    (x1 - x2).abs() / (n as f64 * delta).sqrt()
}
// ANCHOR_END: exercise_separation

// ANCHOR: exercise_stationary
/// Exercise 3: a sticky Shuffle on `n` messages, where message `a` moves on to
/// `a + 1 mod n` with probability `move_probs[a]` and stays otherwise.
/// Introduced in chapter "Shuffling everything".
pub fn sticky_shuffle(move_probs: &[Rational]) -> Channel<Rational> {
    let n = move_probs.len();
    let kernel = (0..n)
        .map(|a| {
            let mut row = vec![Rational::ZERO; n];
            row[a] = Rational::ONE - move_probs[a];
            row[(a + 1) % n] = row[(a + 1) % n] + move_probs[a];
            row
        })
        .collect();
    Channel::new("Sticky Shuffle", numbered(n), numbered(n), kernel)
        .expect("move probabilities must lie in [0, 1]")
}

/// The stationary distribution `π = π M` of a square channel, solved exactly by
/// Gaussian elimination on `(Mᵀ − I) π = 0` with `Σ π = 1`. Panics if it is not unique.
/// For the sticky Shuffle the flow around the cycle balances, `π_a m_a = const`, so
/// `π_a ∝ 1 / m_a`; for `m = (½, ¼, ¼)`, `π = (1/5, 2/5, 2/5)`. So the end is uniform, of
/// maximal entropy, only when every `m_a` is equal: the uniform end relied on Shuffle's
/// columns summing to one (a doubly stochastic matrix), and column `b` of the sticky
/// matrix sums to `1 − m_b + m_{b−1 mod n}`. Introduced in chapter "Shuffling everything".
pub fn stationary(channel: &Channel<Rational>) -> Distribution<Rational> {
    let n = channel.inputs.len();
    assert_eq!(
        n,
        channel.outputs.len(),
        "a stationary distribution needs a square channel"
    );
    // Rows: the equations Σ_a π_a M[a][b] − π_b = 0 for b < n − 1, then Σ π = 1.
    let mut rows: Vec<Vec<Rational>> = (0..n)
        .map(|b| {
            let mut row: Vec<Rational> = if b + 1 < n {
                (0..n).map(|a| channel.kernel[a][b]).collect()
            } else {
                vec![Rational::ONE; n]
            };
            if b + 1 < n {
                row[b] = row[b] - Rational::ONE;
            }
            row.push(if b + 1 < n {
                Rational::ZERO
            } else {
                Rational::ONE
            });
            row
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n)
            .find(|&r| rows[r][col] != Rational::ZERO)
            .expect("the stationary distribution is not unique");
        rows.swap(col, pivot);
        let p = rows[col][col];
        rows[col] = rows[col].iter().map(|&v| v / p).collect();
        for r in 0..n {
            if r != col && rows[r][col] != Rational::ZERO {
                let factor = rows[r][col];
                rows[r] = (0..=n)
                    .map(|k| rows[r][k] - factor * rows[col][k])
                    .collect();
            }
        }
    }
    let probs = rows.iter().map(|row| row[n]).collect();
    Distribution::new(channel.inputs.clone(), probs).expect("π sums to one")
}
// ANCHOR_END: exercise_stationary

// ANCHOR: exercise_ideal_sampler
/// Exercise 4: the variance of the DDPM sampler's output for data `x_0 ~ N(0, s²)` when
/// the noise guess is ideal, `ε̂(x_t) = E[z | x_t] = sqrt(1 − ᾱ_t) x_t / v_t` with
/// `v_t = ᾱ_t s² + 1 − ᾱ_t`. The chapter's update is then linear,
/// `x_{t−1} = c_t x_t + sqrt(β_t) ξ` with `c_t = (1 − β_t / v_t) / sqrt(1 − β_t)`, so
/// `Var(x_{t−1}) = c_t² Var(x_t) + β_t`, from `Var(x_T) = 1` and with no fresh noise at
/// the last step. For `s² = 1`, `v_t = 1` and `c_t = sqrt(1 − β_t)`: the variance stays 1
/// until the noise-free last step leaves `1 − β_1`. For `s² = ¼` and `4`, see the test
/// `exercise_4_the_ideal_sampler_nearly_reproduces_the_data_variance`. Only each step's
/// mean is exact: its noise `β_t` is the true `β_t v_{t−1} / v_t` only for `s² = 1`, `x_T`
/// starts at `N(0, 1)`, not `N(0, v_T)`, and the last step drops its noise.
/// Introduced in chapter "Shuffling everything".
pub fn ideal_sampler_variance(s2: f64) -> f64 {
    assert!(s2 > 0.0, "the data variance must be positive, got {s2}");
    let (betas, alpha_bars) = schedule();
    let mut variance = 1.0;
    for t in (0..betas.len()).rev() {
        let v_t = alpha_bars[t] * s2 + 1.0 - alpha_bars[t];
        let c_t = (1.0 - betas[t] / v_t) / (1.0 - betas[t]).sqrt();
        let fresh = if t > 0 { betas[t] } else { 0.0 };
        variance = c_t * c_t * variance + fresh;
    }
    variance
}
// ANCHOR_END: exercise_ideal_sampler
