//! The chapter's diagrams, checked exactly.

use super::processes::{Levels, Process};
use crate::destroying_and_generating::diagram::Diagram;
use crate::destroying_and_generating::named_channels::*;
use crate::destroying_and_generating::{numbered, Channel, Distribution, Joint};
use crate::numbers::Rational;

fn star() -> Vec<String> {
    vec!["*".to_string()]
}

// ANCHOR: singleton
/// Mash then Mash' down to Carol, a singleton: `C ~~ *`.
pub fn mash_to_singleton(prior: &Distribution<Rational>) -> Diagram {
    let mut d = Diagram::new();
    let a = d.person("A", &prior.alphabet);
    let b = d.person("B", &numbered(2));
    let c = d.person("C", &star());
    let s = d.node("*", &star());
    d.prior(a, prior.clone())
        .channel(a, b, &mash())
        .channel(b, c, &mash_prime())
        .place(s, 2, 1)
        .same_marginal(c, s, None);
    d
}
// ANCHOR_END: singleton

/// The two Guesses that undo Mash and Mash': Alice given Bob, and Bob given Carol.
fn guesses(prior: &Distribution<Rational>) -> (Channel<Rational>, Channel<Rational>) {
    let p_b = prior.through(&mash()).expect("Alice's alphabet");
    let guess_prime = Joint::new(&p_b, &mash_prime())
        .expect("Bob's alphabet")
        .posterior("Guess'");
    (posterior_guess(prior, &mash()), guess_prime)
}

/// The "conquer" half: Guesses trained on the destruction pairs rebuild Bob and Alice.
pub fn conquer(prior: &Distribution<Rational>) -> Diagram {
    let (guess, guess_prime) = guesses(prior);
    let mut d = Diagram::new();
    let a = d.node("A", &prior.alphabet);
    let b = d.node("B", &numbered(2));
    let c = d.node("C", &star());
    let b2 = d.node("B'", &numbered(2));
    let a2 = d.node("A'", &prior.alphabet);
    let s = d.node("*", &star());
    d.prior(a, prior.clone())
        .channel(a, b, &mash())
        .channel(b, c, &mash_prime())
        .channel(c, b2, &guess_prime)
        .channel(b, a2, &guess)
        .place(a2, 1, 1)
        .place(s, 2, 1)
        .same_marginal(a, a2, None)
        .same_marginal(b, b2, None)
        .same_marginal(c, s, None);
    d
}

/// Generation from nothing: `* ⇀ B'' ⇀ A''`, which matches Alice.
pub fn from_nothing(prior: &Distribution<Rational>) -> Diagram {
    let (guess, guess_prime) = guesses(prior);
    let mut d = Diagram::new();
    let s = d.node("*", &star());
    let b2 = d.node("B''", &numbered(2));
    let a2 = d.node("A''", &prior.alphabet);
    let a = d.node("A", &prior.alphabet);
    d.prior(a, prior.clone())
        .channel(s, b2, &guess_prime)
        .channel(b2, a2, &guess)
        .place(a, 2, 1)
        .same_marginal(a2, a, None);
    d
}

/// The levels of a destroying process on the corpus, zoomed out, ending at `*`.
pub fn process_levels(process: Process) -> Diagram {
    let levels = Levels::new(process);
    let mut d = Diagram::new();
    let names = ["A", "B", "C", "D", "E"];
    let people: Vec<usize> = levels
        .channels
        .iter()
        .map(|c| c.inputs.clone())
        .chain([levels.channels.last().expect("levels").outputs.clone()])
        .enumerate()
        .map(|(k, alphabet)| d.node(names[k], &alphabet))
        .collect();
    d.prior(people[0], levels.uniform_prior());
    let short = match process {
        Process::MashLastToken => "mask last",
        Process::MashOneRandomUnmaskedToken => "mask one",
    };
    for (k, c) in levels.channels.iter().enumerate() {
        d.channel(people[k], people[k + 1], &c.clone().named(short));
    }
    let s = d.node("*", &star());
    let last = *people.last().expect("levels");
    d.place(s, people.len() - 1, 1).same_marginal(last, s, None);
    d
}

/// Every diagram the chapter draws, by file stem, in reading order.
pub fn chapter_diagrams(prior: &Distribution<Rational>) -> Vec<(&'static str, Diagram)> {
    vec![
        ("mash-to-singleton", mash_to_singleton(prior)),
        ("conquer", conquer(prior)),
        ("from-nothing", from_nothing(prior)),
        ("mash-last-token", process_levels(Process::MashLastToken)),
        (
            "mash-one-random-unmasked-token",
            process_levels(Process::MashOneRandomUnmaskedToken),
        ),
    ]
}
