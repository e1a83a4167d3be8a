//! Morphisms cannot create information; harpoons can. Checked exactly on the named
//! channels and as a property over random functions and priors.

use crate::destroying_and_generating::named_channels::*;
use crate::destroying_and_generating::{numbered, Channel, Distribution};
use crate::numbers::{ExactBits, Rational};
use crate::sampling::seeded_rng;
use ndarray_rand::rand::Rng;
use serde::Serialize;

/// One named channel: is it a function (a possible morphism), and how does it change the
/// entropy of the message it receives in the tutorial, `H(B) − H(A)`?
/// Introduced in chapter "About the diagrams".
#[derive(Clone, Debug, Serialize)]
pub struct KindRow {
    pub name: String,
    pub morphism: bool,
    pub entropy_change: String,
    pub entropy_change_bits: f64,
}

/// Every named channel of chapter "Destroying and generating" with the input it gets
/// there (Alice's prior, or what Product or Mash made of it).
pub fn kind_table(prior: &Distribution<Rational>) -> Vec<KindRow> {
    let half = Rational::new(1, 2);
    let after_product = prior.through(&product(half)).expect("Alice's alphabet");
    let after_mash = prior.through(&mash()).expect("Alice's alphabet");
    let cases: Vec<(Distribution<Rational>, Channel<Rational>)> = vec![
        (prior.clone(), identity(3)),
        (prior.clone(), cypher()),
        (prior.clone(), decrypt()),
        (after_product.clone(), project()),
        (after_product, project_prime()),
        (prior.clone(), mash()),
        (after_mash.clone(), mash_prime()),
        (prior.clone(), product(half)),
        (prior.clone(), shuffle()),
        (after_mash, posterior_guess(prior, &mash())),
    ];
    cases
        .into_iter()
        .map(|(input, channel)| {
            let output = input.through(&channel).expect("alphabets match");
            let change: ExactBits = output.entropy() - input.entropy();
            KindRow {
                name: channel.name.clone(),
                morphism: channel.is_deterministic(),
                entropy_change: change.to_latex(),
                entropy_change_bits: change.to_f64(),
            }
        })
        .collect()
}

/// The result of the random check `H(f(X)) ≤ H(X)`.
#[derive(Clone, Debug, Serialize)]
pub struct MorphismCheck {
    pub trials: usize,
    pub violations: usize,
    /// The largest `H(f(X)) − H(X)` seen (at most 0 when the claim holds).
    pub largest_change: f64,
}

// ANCHOR: never_create
/// Draws `trials` random functions `f: {0..n} → {0..m}` (`n, m ≤ 6`) and random priors,
/// and counts the cases with `H(f(X)) > H(X)` (beyond `f64` rounding, 1e-12 bits).
pub fn morphisms_never_create(trials: usize, seed: u64) -> MorphismCheck {
    let mut rng = seeded_rng(seed);
    let (mut violations, mut largest_change) = (0, f64::NEG_INFINITY);
    for _ in 0..trials {
        let (n, m) = (rng.random_range(1..=6), rng.random_range(1..=6));
        let table: Vec<usize> = (0..n).map(|_| rng.random_range(0..m)).collect();
        let f = Channel::<f64>::function("f", numbered(n), numbered(m), |x| table[x]);
        let weights: Vec<f64> = (0..n).map(|_| -rng.random::<f64>().ln()).collect();
        let total: f64 = weights.iter().sum();
        let probs = weights.iter().map(|w| w / total).collect();
        let x = Distribution::new(numbered(n), probs).expect("normalised");
        let change = x.through(&f).expect("alphabets match").entropy() - x.entropy();
        largest_change = largest_change.max(change);
        if change > 1e-12 {
            violations += 1;
        }
    }
    MorphismCheck {
        trials,
        violations,
        largest_change,
    }
}
// ANCHOR_END: never_create

// ANCHOR: mismatch
/// `P(chain output ≠ shortcut output)` when both run on the same `x ~ prior` with their
/// own coins: `Σ_x P(x) Σ_{z ≠ z'} P_chain(z | x) P_shortcut(z' | x)`. Zero for two
/// equal functions; positive as soon as a harpoon flips a coin.
pub fn mismatch(
    prior: &Distribution<Rational>,
    chain: &Channel<Rational>,
    shortcut: &Channel<Rational>,
) -> Rational {
    let mut total = Rational::ZERO;
    for (x, &px) in prior.probs.iter().enumerate() {
        for (z, &p) in chain.kernel[x].iter().enumerate() {
            for (z2, &q) in shortcut.kernel[x].iter().enumerate() {
                if chain.outputs[z] != shortcut.outputs[z2] {
                    total = total + px * p * q;
                }
            }
        }
    }
    total
}
// ANCHOR_END: mismatch
