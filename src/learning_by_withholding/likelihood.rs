//! Held-out negative log-likelihoods of a guesser: exact left to right (the
//! autoregressive reading), and the masked model's any-order bound and its exact
//! order-averaged likelihood, both by visiting all `2^L` sets of visible positions.
//! Introduced in chapter "Learning by withholding information".

/// A partly hidden sentence: `None` marks a withheld token.
pub type Partial = Vec<Option<usize>>;

/// Anything that guesses withheld tokens: for each partly hidden sentence in `batch`, one
/// distribution over tokens per position (`q(x_i = v | visible tokens)`). The trained
/// networks and the exact language both are guessers.
pub trait Guesser {
    fn guess(&self, batch: &[Partial]) -> Vec<Vec<Vec<f64>>>;
}

impl Guesser for super::language::Language {
    fn guess(&self, batch: &[Partial]) -> Vec<Vec<Vec<f64>>> {
        batch.iter().map(|p| self.conditionals(p)).collect()
    }
}

/// `sentence` with the positions outside `visible` (a bit set) withheld.
pub fn withhold(sentence: &[usize], visible: usize) -> Partial {
    sentence
        .iter()
        .enumerate()
        .map(|(i, &x)| (visible >> i & 1 == 1).then_some(x))
        .collect()
}

// ANCHOR: left_to_right
/// `−log q(x) = −Σ_k log q(x_k | x_<k)`: the exact negative log-likelihood (nats) of the
/// guesser read left to right, one guess per prefix. Exact for the autoregressive model;
/// for a masked model it is the likelihood of decoding it in order.
pub fn left_to_right_nll(guesser: &impl Guesser, sentence: &[usize]) -> f64 {
    let prefixes: Vec<Partial> = (0..sentence.len())
        .map(|k| withhold(sentence, (1 << k) - 1))
        .collect();
    let guesses = guesser.guess(&prefixes);
    (0..sentence.len())
        .map(|k| -guesses[k][k][sentence[k]].ln())
        .sum()
}
// ANCHOR_END: left_to_right

/// The masked model's two held-out numbers for one sentence (nats, whole sentence).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnyOrder {
    /// `E_σ [−Σ_t log q(x_σ(t) | x_σ(<t))]` over uniform orders σ: the masked-diffusion
    /// training objective's value, an upper bound on `−log` of the order mixture (Jensen).
    pub bound: f64,
    /// `−log (1/L!) Σ_σ Π_t q(x_σ(t) | x_σ(<t))`: the exact negative log-likelihood of the
    /// generative model that draws a uniform order and decodes in it.
    pub mixture: f64,
}

// ANCHOR: any_order
/// Both any-order numbers exactly, from one guess per set `R` of visible positions
/// (`2^L` guesses; `L ≤ 16`). With `c(R, i) = −log q(x_i | x_R)`:
/// `bound = Σ_R Σ_{i∉R} c(R, i) / (C(L, |R|) (L − |R|))` — the revealed set after `|R|`
/// steps of a uniform order is uniform among the `C(L, |R|)` sets, the next position
/// uniform among the `L − |R|` left — and the mixture by dynamic programming over sets,
/// `a(∅) = 1`, `a(R) = (1/|R|) Σ_{i∈R} a(R∖i) q(x_i | x_{R∖i})`, `mixture = −log a(all)`.
pub fn any_order(guesser: &impl Guesser, sentence: &[usize]) -> AnyOrder {
    let length = sentence.len();
    assert!(
        length <= 16,
        "any_order visits 2^L sets; L = {length} is too long"
    );
    let sets = 1usize << length;
    let partials: Vec<Partial> = (0..sets).map(|r| withhold(sentence, r)).collect();
    let guesses = guesser.guess(&partials);
    let q = |r: usize, i: usize| guesses[r][i][sentence[i]];
    let mut bound = 0.0;
    let mut a = vec![0.0; sets];
    a[0] = 1.0;
    for r in 0..sets {
        let revealed = r.count_ones() as usize;
        if revealed < length {
            let weight = 1.0 / (binomial(length, revealed) * (length - revealed) as f64);
            for i in (0..length).filter(|i| r >> i & 1 == 0) {
                bound -= weight * q(r, i).ln();
            }
        }
        if r > 0 {
            let sum: f64 = (0..length)
                .filter(|i| r >> i & 1 == 1)
                .map(|i| a[r ^ (1 << i)] * q(r ^ (1 << i), i))
                .sum();
            a[r] = sum / revealed as f64;
        }
    }
    AnyOrder {
        bound,
        mixture: -a[sets - 1].ln(),
    }
}
// ANCHOR_END: any_order

/// `C(n, k)` as a float.
pub fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |c, j| c * (n - j) as f64 / (j + 1) as f64)
}

/// An unbiased estimate of [`AnyOrder::bound`] from a few withheld sets per size:
/// `Σ_k mean_{M ∈ masks, |M| = k} (1/k) Σ_{i∈M} −log q(x_i | x_{not M})`, where `masks`
/// lists *visible* sets as bit sets. With every set of every size it is the exact bound;
/// the chapter uses a fixed handful per size to follow training cheaply.
pub fn any_order_bound_estimate(
    guesser: &impl Guesser,
    sentence: &[usize],
    masks: &[usize],
) -> f64 {
    let length = sentence.len();
    let full = (1usize << length) - 1;
    let mut per_size = vec![0usize; length + 1];
    for &r in masks {
        assert!(
            r < full,
            "a visible set must withhold at least one position"
        );
        per_size[length - r.count_ones() as usize] += 1;
    }
    let partials: Vec<Partial> = masks.iter().map(|&r| withhold(sentence, r)).collect();
    let guesses = guesser.guess(&partials);
    masks
        .iter()
        .zip(&guesses)
        .map(|(&r, g)| {
            let k = length - r.count_ones() as usize;
            let cost: f64 = (0..length)
                .filter(|i| r >> i & 1 == 0)
                .map(|i| -g[i][sentence[i]].ln())
                .sum();
            cost / (k * per_size[k]) as f64
        })
        .sum()
}
