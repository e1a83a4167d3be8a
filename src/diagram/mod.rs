//! Diagrams of people (random messages) joined by channels, drawn by the crate.
//!
//! Two kinds of arrowhead, because they mean different things: a **morphism** `→` is a
//! function and can only keep or destroy information; a **harpoon** `⇀` is a stochastic
//! procedure and may also create it. A dashed line joins two people with the same
//! marginal distribution (labelled when it holds *given* some third person).
//! Introduced in chapter "Destroying and generating"; chapter "About the diagrams"
//! builds generative commutative diagrams on the same pieces.

mod draw;

use crate::destroying_and_generating::Channel;
use crate::numbers::{Probability, Rational};

/// How an arrow may act on information.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrowKind {
    /// A function: keeps or destroys information (`→`).
    Morphism,
    /// A stochastic procedure: may also create information (`⇀`).
    Harpoon,
}

impl ArrowKind {
    /// Deterministic channels are drawn as morphisms, the others as harpoons.
    pub fn of<P: Probability>(channel: &Channel<P>) -> ArrowKind {
        if channel.is_deterministic() {
            ArrowKind::Morphism
        } else {
            ArrowKind::Harpoon
        }
    }
}

/// A person: a named box holding its possible messages.
#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub messages: Vec<String>,
}

/// A big arrow between two people: the channel, by name.
#[derive(Clone, Debug)]
pub struct BigArrow {
    pub from: usize,
    pub to: usize,
    pub label: String,
    pub kind: ArrowKind,
}

/// A small arrow: the channel's action on one message, labelled with its probability
/// when that is not 1.
#[derive(Clone, Debug)]
pub struct SmallArrow {
    pub from: (usize, usize),
    pub to: (usize, usize),
    pub label: Option<String>,
    pub kind: ArrowKind,
}

/// A dashed line: the two people share a marginal distribution (given `given`, if set).
#[derive(Clone, Debug)]
pub struct SameMarginal {
    pub between: (usize, usize),
    pub given: Option<String>,
}

/// A whole diagram; people are laid out left to right in the order they were added.
#[derive(Clone, Debug, Default)]
pub struct Diagram {
    pub people: Vec<Person>,
    pub arrows: Vec<BigArrow>,
    pub message_arrows: Vec<SmallArrow>,
    pub same_marginals: Vec<SameMarginal>,
}

impl Diagram {
    pub fn new() -> Diagram {
        Diagram::default()
    }

    /// Adds a person and returns its index.
    pub fn person(&mut self, name: &str, messages: &[String]) -> usize {
        self.people.push(Person {
            name: name.into(),
            messages: messages.to_vec(),
        });
        self.people.len() - 1
    }

    /// Adds a channel between two people: one big arrow, and one small arrow per
    /// message pair it can connect. Panics if the alphabets do not match the people's.
    pub fn channel(&mut self, from: usize, to: usize, channel: &Channel<Rational>) -> &mut Self {
        assert_eq!(
            self.people[from].messages, channel.inputs,
            "{}: inputs differ",
            channel.name
        );
        assert_eq!(
            self.people[to].messages, channel.outputs,
            "{}: outputs differ",
            channel.name
        );
        let kind = ArrowKind::of(channel);
        self.arrows.push(BigArrow {
            from,
            to,
            label: channel.name.clone(),
            kind,
        });
        for (a, b, p) in channel.arrows() {
            let label = (p != Rational::ONE).then(|| p.to_string());
            self.message_arrows.push(SmallArrow {
                from: (from, a),
                to: (to, b),
                label,
                kind,
            });
        }
        self
    }

    /// Adds only the big arrow of a channel (for shortcuts drawn over the chain).
    pub fn shortcut(&mut self, from: usize, to: usize, label: &str, kind: ArrowKind) -> &mut Self {
        self.arrows.push(BigArrow {
            from,
            to,
            label: label.into(),
            kind,
        });
        self
    }

    /// Declares that two people share a marginal (given `given`, when set).
    pub fn same_marginal(&mut self, a: usize, b: usize, given: Option<&str>) -> &mut Self {
        self.same_marginals.push(SameMarginal {
            between: (a, b),
            given: given.map(String::from),
        });
        self
    }
}
