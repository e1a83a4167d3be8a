//! Solutions to the exercises of chapter "Destroying and generating" (asserted by
//! `tests/chapter_destroying_and_generating.rs`). Every answer is exact.

use super::channel::{numbered, Channel};
use super::information::{Distribution, Joint};
use super::named_channels::{mash, shuffle};
use crate::numbers::{ExactBits, Rational};

// ANCHOR: exercise_merge
/// Exercise 1: the channel that merges messages `i < j` of an `n`-message alphabet
/// (`j ↦ i`, the others keep their order) and the information it destroys under `prior`,
/// `H(A | B) = (p_i + p_j) · h(p_i / (p_i + p_j))` with `h` the binary entropy.
/// Under Alice's prior `(2/3, 1/12, 1/4)` merging 0 and 2 destroys most, then 0 and 1, then
/// Mash's 1 and 2: `B` reveals `A` unless `B = i`, so the loss is the merged mass times the
/// doubt between the two, and 0 and 2 are the two likeliest messages (mass `11/12`, odds
/// `8 : 3`). Asserted by `exercise_1_merging_the_likeliest_messages_destroys_the_most`.
/// Introduced in chapter "Destroying and generating".
pub fn merge_destroyed(prior: &Distribution<Rational>, i: usize, j: usize) -> ExactBits {
    let n = prior.probs.len();
    assert!(
        i < j && j < n,
        "merge needs i < j < n, got i = {i}, j = {j}, n = {n}"
    );
    // After the merge, messages above j move down by one.
    let target = |a: usize| if a == j { i } else { a - usize::from(a > j) };
    let merge = Channel::function("Merge", numbered(n), numbered(n - 1), target);
    Joint::new(prior, &merge)
        .expect("the prior has n messages")
        .entropy_a_given_b()
}
// ANCHOR_END: exercise_merge

// ANCHOR: exercise_composed
/// Exercise 2: Shuffle then Mash, `A ⇀ B → C`. Returns `(I(A;B), I(A;C))`; the
/// data-processing inequality says `I(A;C) ≤ I(A;B)`. Shuffle generates information
/// (its coin adds `H(B | A) = 1` bit) while it also destroys some; Mash is a function, so
/// it generates nothing (`H(C | B) = 0`) and only destroys.
/// Introduced in chapter "Destroying and generating".
pub fn shuffle_then_mash(prior: &Distribution<Rational>) -> (ExactBits, ExactBits) {
    let a_to_b = shuffle::<Rational>();
    let a_to_c = a_to_b
        .then(&mash())
        .expect("Shuffle outputs Alice's three messages");
    let information = |channel: &Channel<Rational>| {
        Joint::new(prior, channel)
            .expect("the prior has three messages")
            .mutual_information()
    };
    (information(&a_to_b), information(&a_to_c))
}
// ANCHOR_END: exercise_composed

// ANCHOR: exercise_capacity
/// Exercise 3: the prior that lets the most information through Shuffle, searched over
/// every prior `(i, j, k) / n` with `i + j + k = n`. Returns the best prior and its
/// `I(A;B)` (the first one found on ties). Since `H(B | A) = 1` bit for every prior,
/// `I(A;B) = H(B) − 1`, largest when `B` — hence `A` — is uniform: `log₂ 3 − 1` bits.
/// Introduced in chapter "Destroying and generating".
pub fn shuffle_capacity_on_grid(n: i128) -> (Distribution<Rational>, ExactBits) {
    assert!(n >= 1, "the grid needs n ≥ 1, got {n}");
    let mut best: Option<(Distribution<Rational>, ExactBits)> = None;
    for i in 0..=n {
        for j in 0..=n - i {
            let probs = [i, j, n - i - j].map(|k| Rational::new(k, n)).to_vec();
            let prior = Distribution::new(numbered(3), probs).expect("sums to one");
            let information = Joint::new(&prior, &shuffle())
                .expect("three messages")
                .mutual_information();
            if best
                .as_ref()
                .is_none_or(|(_, b)| information.to_f64() > b.to_f64())
            {
                best = Some((prior, information));
            }
        }
    }
    best.expect("the grid is not empty")
}
// ANCHOR_END: exercise_capacity
