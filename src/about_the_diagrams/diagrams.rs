//! The chapter's diagrams, each an object the checker verifies before it is drawn.

use crate::destroying_and_generating::diagram::{Action, ArrowKind, Diagram};
use crate::destroying_and_generating::named_channels::*;
use crate::destroying_and_generating::{numbered, Channel, Distribution};
use crate::numbers::Rational;

// ANCHOR: notation
/// The notation on one page: a morphism (Mash), a harpoon (Product), a bijection
/// (Cypher with its inverse Decrypt) and a Guess whose output matches Alice given Bob.
pub fn notation(prior: &Distribution<Rational>) -> Diagram {
    let mut d = Diagram::new();
    let a = d.node("A", &prior.alphabet);
    let b = d.node("B", &numbered(2));
    let c = d.node("C", &numbered(6));
    let e = d.node("D", &numbered(3));
    let a2 = d.node("A'", &prior.alphabet);
    d.prior(a, prior.clone())
        .channel(a, b, &mash())
        .channel(a, c, &product(Rational::new(1, 2)))
        .bijection(
            a,
            e,
            "Cypher",
            Action::Channel(cypher()),
            Action::Channel(decrypt()),
        )
        .channel(b, a2, &posterior_guess(prior, &mash()))
        .same_marginal(a, a2, Some("B"));
    d.place(a2, 2, 0);
    d
}
// ANCHOR_END: notation

/// The triangle `X →f Y →g Z`, `X →h Z` with elements; `h` is given as a function.
pub fn triangle(h: &[usize]) -> Diagram {
    let f = Channel::function("f", numbered(3), numbered(2), |x| [0, 0, 1][x]);
    let g = Channel::function("g", numbered(2), numbered(2), |y| y);
    let h = Channel::function("h", numbered(3), numbered(2), |x| h[x]);
    let mut d = Diagram::new();
    let x = d.person("X", &numbered(3));
    let y = d.person("Y", &numbered(2));
    let z = d.person("Z", &numbered(2));
    d.channel(x, y, &f).channel(y, z, &g).channel(x, z, &h);
    d
}

// ANCHOR: commuting
/// The chapter's commutative triangle: `g(f(x)) = h(x)` for every `x`.
pub fn commuting_triangle() -> Diagram {
    triangle(&[0, 0, 1])
}

/// The same triangle with `h` changed at `x = 1`: it no longer commutes.
pub fn broken_triangle() -> Diagram {
    triangle(&[0, 1, 1])
}
// ANCHOR_END: commuting

/// Harpoons compose only in distribution: `X ⇀f Y ⇀g Z` next to the shortcut
/// `X ⇀(g∘f) Z'`, with `Z' ~~ Z`. Both harpoons are Shuffle.
pub fn harpoon_composition(prior: &Distribution<Rational>) -> Diagram {
    let f = shuffle::<Rational>().named("f");
    let g = shuffle::<Rational>().named("g");
    let gf = f.then(&g).expect("alphabets match").named("g∘f");
    let mut d = Diagram::new();
    let x = d.node("X", &numbered(3));
    let y = d.node("Y", &numbered(3));
    let z = d.node("Z", &numbered(3));
    let z2 = d.node("Z'", &numbered(3));
    d.prior(x, prior.clone())
        .channel(x, y, &f)
        .channel(y, z, &g)
        .channel(x, z2, &gf)
        .same_marginal(z, z2, None);
    d.place(z2, 2, 1);
    d
}

/// A wrong claim for the checker to reject: Shuffle keeps Alice's marginal.
pub fn wrong_marginal(prior: &Distribution<Rational>) -> Diagram {
    let mut d = Diagram::new();
    let a = d.node("A", &prior.alphabet);
    let b = d.node("B", &prior.alphabet);
    d.prior(a, prior.clone())
        .channel(a, b, &shuffle())
        .same_marginal(a, b, None);
    d
}

/// A wrong claim for the checker to reject: the Guess that ignores Bob matches Alice
/// *given* Bob (it only matches her marginal).
pub fn wrong_conditional(prior: &Distribution<Rational>) -> Diagram {
    let mut d = Diagram::new();
    let a = d.node("A", &prior.alphabet);
    let b = d.node("B", &numbered(2));
    let a2 = d.node("A'", &prior.alphabet);
    d.prior(a, prior.clone())
        .channel(a, b, &mash())
        .channel(b, a2, &prior_guess(numbered(2), prior))
        .same_marginal(a, a2, Some("B"));
    d
}

/// The chain of both stories, `A ⇀ B ⇀ A'` with Shuffle and its posterior Guess, and
/// the dashed line the Guess earns.
pub fn stories_chain(prior: &Distribution<Rational>) -> Diagram {
    let mut d = Diagram::new();
    let a = d.person("A", &prior.alphabet);
    let b = d.person("B", &numbered(3));
    let a2 = d.person("A'", &prior.alphabet);
    d.prior(a, prior.clone())
        .channel(a, b, &shuffle())
        .channel(b, a2, &posterior_guess(prior, &shuffle()))
        .same_marginal(a, a2, Some("B"));
    d
}

/// Morphisms into one person: Mash then Mash' next to the one-step shortcut `A → *`.
pub fn morphism_composition(prior: &Distribution<Rational>) -> Diagram {
    let to_singleton = mash::<Rational>()
        .then(&mash_prime())
        .expect("composes")
        .named("Mash'∘Mash");
    let mut d = Diagram::new();
    let a = d.person("A", &prior.alphabet);
    let b = d.person("B", &numbered(2));
    let c = d.person("C", &mash_prime::<Rational>().outputs);
    d.prior(a, prior.clone())
        .channel(a, b, &mash())
        .channel(b, c, &mash_prime())
        .channel_as(a, c, &to_singleton, ArrowKind::Morphism);
    d
}

/// Every diagram the chapter draws, by file stem, in reading order.
pub fn chapter_diagrams(prior: &Distribution<Rational>) -> Vec<(&'static str, Diagram)> {
    vec![
        ("notation", notation(prior)),
        ("commuting-triangle", commuting_triangle()),
        ("broken-triangle", broken_triangle()),
        ("morphism-composition", morphism_composition(prior)),
        ("harpoon-composition", harpoon_composition(prior)),
        ("wrong-marginal", wrong_marginal(prior)),
        ("wrong-conditional", wrong_conditional(prior)),
        ("stories-chain", stories_chain(prior)),
    ]
}
