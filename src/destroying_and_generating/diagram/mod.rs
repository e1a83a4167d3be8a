//! Generative commutative diagrams: people (random messages) joined by arrows, built,
//! checked and drawn by the crate.
//!
//! Three kinds of arrow, because they mean different things: a **morphism** `→` is a
//! function and can only keep or destroy information; a **harpoon** `⇀` is a stochastic
//! procedure and may also create it; a **bijection** `↔` is a pair of mutually inverse
//! functions and preserves information exactly. A dashed line joins two people with the
//! same marginal distribution (labelled when it holds *given* some third person).
//!
//! A diagram is more than a drawing: each arrow may carry its action (an exact finite
//! [`Channel`], or a sampler on real vectors), so [`Diagram::check`] can verify every
//! claim the drawing makes. Introduced in this chapter, on its exact channels, which is
//! why the machinery lives here; every later chapter that draws a diagram imports it from
//! here, and chapter "About the diagrams" builds generative commutative diagrams on it.

mod check;
mod draw;
mod layout;
mod sampled;

pub use check::{add_checked_diagrams, Claim, ClaimKind, DiagramCheck, DiagramError};
pub use sampled::{ks_critical_value, ks_statistic, SampledArrow, SampledSource, KS_ALPHA};

use crate::destroying_and_generating::{Channel, Distribution};
use crate::numbers::{Probability, Rational};

/// How an arrow may act on information.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrowKind {
    /// A function: keeps or destroys information (`→`).
    Morphism,
    /// A stochastic procedure: may also create information (`⇀`).
    Harpoon,
    /// A function with an inverse: preserves information (`↔`, drawn double-headed).
    Bijection,
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

/// A person: a named box holding its possible messages. When `show_messages` is false
/// the box is drawn zoomed out, with its name only.
#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub messages: Vec<String>,
    pub show_messages: bool,
    /// Where to draw it, `(column, row)`; `None` lets the layout choose.
    pub place: Option<(usize, usize)>,
}

/// What an arrow does, when the diagram knows it: an exact finite channel, or a
/// sampler on real vectors (for continuous people).
#[derive(Clone, Debug)]
pub enum Action {
    Channel(Channel<Rational>),
    Sampled(SampledArrow),
}

/// A big arrow between two people: the channel, by name. A bijection also carries its
/// inverse (`back`, from `to` to `from`).
#[derive(Clone, Debug)]
pub struct BigArrow {
    pub from: usize,
    pub to: usize,
    pub label: String,
    pub kind: ArrowKind,
    pub action: Option<Action>,
    pub back: Option<Action>,
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

/// A dashed line: the two people share a marginal distribution, or, when `given` names
/// a third person `G`, the stronger `P(first | G) = P(second | G)`.
#[derive(Clone, Debug)]
pub struct SameMarginal {
    pub between: (usize, usize),
    pub given: Option<String>,
}

/// Where a source person's messages come from.
#[derive(Clone, Debug)]
pub enum Source {
    Prior(Distribution<Rational>),
    Sampled(SampledSource),
}

/// A whole diagram. Without explicit places, people are laid out in columns by their
/// distance from the sources along arrows (see `layout`).
#[derive(Clone, Debug, Default)]
pub struct Diagram {
    pub people: Vec<Person>,
    pub arrows: Vec<BigArrow>,
    pub message_arrows: Vec<SmallArrow>,
    pub same_marginals: Vec<SameMarginal>,
    pub sources: Vec<(usize, Source)>,
    /// Pixels between grid columns; `None` picks a width from the names.
    pub column_gap: Option<i32>,
}

impl Diagram {
    pub fn new() -> Diagram {
        Diagram::default()
    }

    /// How the claims name arrow `k`: its label, with its ends when another arrow has the
    /// same label (a diagram may re-mix at several levels).
    pub fn arrow_name(&self, k: usize) -> String {
        let a = &self.arrows[k];
        match self.arrows.iter().filter(|b| b.label == a.label).count() {
            1 => a.label.clone(),
            _ => format!(
                "{} ({} to {})",
                a.label, self.people[a.from].name, self.people[a.to].name
            ),
        }
    }

    /// Adds a person, drawn with its messages, and returns its index.
    pub fn person(&mut self, name: &str, messages: &[String]) -> usize {
        self.people.push(Person {
            name: name.into(),
            messages: messages.to_vec(),
            show_messages: true,
            place: None,
        });
        self.people.len() - 1
    }

    /// Adds a person drawn zoomed out (name only); `messages` may be empty for a
    /// continuous person.
    pub fn node(&mut self, name: &str, messages: &[String]) -> usize {
        let i = self.person(name, messages);
        self.people[i].show_messages = false;
        i
    }

    /// Pins a person to a grid cell `(column, row)`.
    pub fn place(&mut self, person: usize, column: usize, row: usize) -> &mut Self {
        self.people[person].place = Some((column, row));
        self
    }

    /// Index of the person called `name`, if any.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.people.iter().position(|p| p.name == name)
    }

    /// Gives a source person its distribution `P(A)` (exact, finite).
    pub fn prior(&mut self, person: usize, prior: Distribution<Rational>) -> &mut Self {
        self.sources.push((person, Source::Prior(prior)));
        self
    }

    /// Gives a source person a sampler (continuous).
    pub fn sampled_source(&mut self, person: usize, source: SampledSource) -> &mut Self {
        self.sources.push((person, Source::Sampled(source)));
        self
    }

    /// Adds a channel between two people: one big arrow (a morphism when the channel is
    /// deterministic, else a harpoon) and, when both people show their messages, one
    /// small arrow per message pair it can connect. Panics if the alphabets do not match
    /// the people's.
    pub fn channel(&mut self, from: usize, to: usize, channel: &Channel<Rational>) -> &mut Self {
        self.channel_as(from, to, channel, ArrowKind::of(channel))
    }

    /// Like [`Diagram::channel`], with the arrow kind *declared* (the checker verifies
    /// that a declared morphism is deterministic).
    pub fn channel_as(
        &mut self,
        from: usize,
        to: usize,
        channel: &Channel<Rational>,
        kind: ArrowKind,
    ) -> &mut Self {
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
        self.arrows.push(BigArrow {
            from,
            to,
            label: channel.name.clone(),
            kind,
            action: Some(Action::Channel(channel.clone())),
            back: None,
        });
        if self.people[from].show_messages && self.people[to].show_messages {
            for (a, b, p) in channel.arrows() {
                let label = (p != Rational::ONE).then(|| p.to_string());
                self.message_arrows.push(SmallArrow {
                    from: (from, a),
                    to: (to, b),
                    label,
                    kind,
                });
            }
        }
        self
    }

    /// Adds a bijection: `forward` from `from` to `to` and its inverse `back`; the
    /// checker verifies both round trips.
    pub fn bijection(
        &mut self,
        from: usize,
        to: usize,
        label: &str,
        forward: Action,
        back: Action,
    ) -> &mut Self {
        self.arrows.push(BigArrow {
            from,
            to,
            label: label.into(),
            kind: ArrowKind::Bijection,
            action: Some(forward),
            back: Some(back),
        });
        self
    }

    /// Adds a sampled arrow (continuous people) of the given kind.
    pub fn sampled(
        &mut self,
        from: usize,
        to: usize,
        kind: ArrowKind,
        arrow: SampledArrow,
    ) -> &mut Self {
        self.arrows.push(BigArrow {
            from,
            to,
            label: arrow.name.clone(),
            kind,
            action: Some(Action::Sampled(arrow)),
            back: None,
        });
        self
    }

    /// Adds the big arrow of a channel without its message-level arrows (for shortcuts
    /// drawn over a chain); the checker still uses the channel.
    pub fn shortcut_channel(
        &mut self,
        from: usize,
        to: usize,
        channel: &Channel<Rational>,
    ) -> &mut Self {
        self.arrows.push(BigArrow {
            from,
            to,
            label: channel.name.clone(),
            kind: ArrowKind::of(channel),
            action: Some(Action::Channel(channel.clone())),
            back: None,
        });
        self
    }

    /// Adds only the big arrow, with no action (drawn, not checked).
    pub fn shortcut(&mut self, from: usize, to: usize, label: &str, kind: ArrowKind) -> &mut Self {
        self.arrows.push(BigArrow {
            from,
            to,
            label: label.into(),
            kind,
            action: None,
            back: None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arrow_is_named_by_its_ends_only_when_its_label_repeats() {
        let mut d = Diagram::new();
        let (a, b, c) = (d.node("A", &[]), d.node("B", &[]), d.node("C", &[]));
        d.shortcut(a, b, "re-mix", ArrowKind::Morphism)
            .shortcut(b, c, "re-mix", ArrowKind::Morphism)
            .shortcut(a, c, "keep", ArrowKind::Morphism);
        assert_eq!(d.arrow_name(0), "re-mix (A to B)");
        assert_eq!(d.arrow_name(1), "re-mix (B to C)");
        assert_eq!(d.arrow_name(2), "keep");
    }
}
