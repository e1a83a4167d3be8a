//! The chapter's diagrams, built from the very channels the chapter computes with.

use super::channel::{numbered, Channel};
use super::information::Distribution;
use super::named_channels::*;
use crate::destroying_and_generating::diagram::Diagram;
use crate::numbers::Rational;

/// `A =first=> B`, with Alice's prior when it fits her messages (so the checker can
/// verify every claim).
fn single(first: &Channel<Rational>) -> Diagram {
    let mut d = Diagram::new();
    let a = d.person("A", &first.inputs);
    let b = d.person("B", &first.outputs);
    if first.inputs == example_prior().alphabet {
        d.prior(a, example_prior());
    }
    d.channel(a, b, first);
    d
}

/// `A =first=> B =second=> third`; returns the diagram and the indices of A and `third`.
fn chain(
    first: &Channel<Rational>,
    second: &Channel<Rational>,
    third: &str,
) -> (Diagram, usize, usize) {
    let mut d = single(first);
    let c = d.person(third, &second.outputs);
    d.channel(1, c, second);
    (d, 0, c)
}

/// Every diagram the chapter shows, by file stem, in reading order.
pub fn chapter_diagrams(prior: &Distribution<Rational>) -> Vec<(&'static str, Diagram)> {
    let identity_shortcut = |mut d: Diagram, a, a2| {
        d.shortcut_channel(a, a2, &identity(3));
        d
    };
    let (cypher_decrypt, a, a2) = chain(&cypher(), &decrypt(), "A'");
    let (product_project, p, p2) = chain(&product(Rational::new(1, 2)), &project(), "A'");
    let (product_coin, _, _) = chain(&product(Rational::new(1, 2)), &project_prime(), "Coin");
    let (mut mash_guess, m, m2) = chain(&mash(), &posterior_guess(prior, &mash()), "A'");
    mash_guess.same_marginal(m, m2, Some("B"));
    let (mut mash_prior_guess, q, q2) = chain(&mash(), &prior_guess(numbered(2), prior), "A'");
    mash_prior_guess.same_marginal(q, q2, None);
    let (singleton, _, _) = chain(&mash(), &mash_prime(), "C");
    vec![
        ("identity", single(&identity(3))),
        ("cypher", single(&cypher())),
        ("cypher-decrypt", identity_shortcut(cypher_decrypt, a, a2)),
        ("product", single(&product(Rational::new(1, 2)))),
        ("product-project", identity_shortcut(product_project, p, p2)),
        ("product-project-prime", product_coin),
        ("mash", single(&mash())),
        ("mash-guess", mash_guess),
        ("mash-prior-guess", mash_prior_guess),
        ("mash-to-singleton", singleton),
    ]
}
