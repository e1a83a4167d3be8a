//! Solutions to the exercises of chapter "About the diagrams" (asserted by
//! `tests/chapter_about_the_diagrams.rs`).

use super::morphisms::mismatch;
use crate::destroying_and_generating::{Channel, Distribution};
use crate::numbers::Rational;
use crate::shuffling_everything::shuffle_power::shuffle_power;

// ANCHOR: exercise_commute
/// Exercise 1: does the triangle `X →f Y →g Z`, `X →h Z` commute? The functions are
/// tables (`f[x]` is the image of `x`). Returns the first `x` with `g(f(x)) ≠ h(x)`, or
/// `None` when the diagram commutes. With the chapter's `f = (0, 0, 1)` and `g` the
/// identity, `g ∘ f = (0, 0, 1)`, so exactly one of the eight `h` commutes: the chapter's.
/// The test `exercise_1_agrees_with_the_checker_on_every_triangle` finds the crate's
/// checker agrees on all eight. Introduced in chapter "About the diagrams".
pub fn first_disagreement(f: &[usize], g: &[usize], h: &[usize]) -> Option<usize> {
    assert_eq!(f.len(), h.len(), "f and h must have the same domain X");
    (0..f.len()).find(|&x| g[f[x]] != h[x])
}
// ANCHOR_END: exercise_commute

// ANCHOR: exercise_self_mismatch
/// Exercise 2: run `n` Shuffles twice on the same message, with independent coins: how
/// often do the two runs disagree? Each row of `Mⁿ` is the law of a Binomial(n, 1/2)
/// count modulo 3, and the answer is `2/3 · (1 − 4⁻ⁿ)` whatever the prior: runs from `a`
/// disagree with probability `1 − Σ_b P(b | a)²`, the same for every row since the rows are
/// shifts of one another. For `n = 2` it is `2/3 · 15/16 = 5/8`. As `n → ∞` it tends to
/// `2/3`, as for two independent uniform draws: the dashed line holds at every `n`, yet
/// promises nothing about the draws agreeing.
/// Introduced in chapter "About the diagrams".
pub fn shuffle_self_mismatch(prior: &Distribution<Rational>, n: u32) -> Rational {
    let power = shuffle_power(n);
    mismatch(prior, &power, &power)
}
// ANCHOR_END: exercise_self_mismatch

// ANCHOR: exercise_coins
/// Exercise 3: any harpoon with rational probabilities is a morphism that reads extra
/// coins. With `D` the least common denominator of the channel's entries, the harpoon
/// `Coins: a ↦ (a, u)`, `u` uniform on `0..D`, is followed by the function
/// `(a, u) ↦` the `b` whose slice of `[0, 1)` (cumulative `P(b | a)`) contains `u / D`.
/// Returns `(Coins, the function)`; their composition is the channel, exactly. `u` needs
/// `D` values and no fewer (with `k` values every probability is a multiple of `1/k`, so `k`
/// must be a common multiple of the denominators): 2 for Shuffle,
/// 4 for the ideal Guess after Mash under Alice's prior (rows `(1, 0, 0)`, `(0, 1/4, 3/4)`).
/// Only the harpoon Coins creates information; the function after it cannot.
/// Introduced in chapter "About the diagrams".
pub fn as_morphism_with_coins(
    channel: &Channel<Rational>,
) -> (Channel<Rational>, Channel<Rational>) {
    fn gcd(a: i128, b: i128) -> i128 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    let d = channel
        .kernel
        .iter()
        .flatten()
        .fold(1i128, |l, p| l / gcd(l, p.denominator()) * p.denominator());
    let size = usize::try_from(d).expect("a positive denominator");
    let n = channel.inputs.len();
    let pairs: Vec<String> = (0..n * size)
        .map(|k| format!("({}, {})", channel.inputs[k / size], k % size))
        .collect();
    let coins_kernel = (0..n)
        .map(|a| {
            (0..n * size)
                .map(|k| {
                    if k / size == a {
                        Rational::new(1, d)
                    } else {
                        Rational::ZERO
                    }
                })
                .collect()
        })
        .collect();
    let coins = Channel::new("Coins", channel.inputs.clone(), pairs.clone(), coins_kernel)
        .expect("each row is a uniform draw of u");
    let kernel = channel.kernel.clone();
    let morphism = Channel::function("f", pairs, channel.outputs.clone(), move |k| {
        let (a, u) = (k / size, Rational::new((k % size) as i128, d));
        let mut upper = Rational::ZERO;
        kernel[a]
            .iter()
            .position(|&p| {
                upper = upper + p;
                u < upper
            })
            .expect("u / D < 1 = the last cumulative probability")
    });
    (coins, morphism)
}
// ANCHOR_END: exercise_coins
