//! The checker: every claim a diagram draws, verified. For finite people everything is
//! exact (`Rational`): declared morphisms are functions, bijections round-trip, all
//! morphism paths between two people compose to the same function (commutativity),
//! arrows into one person agree on its marginal, and dashed lines hold.

use super::{Action, ArrowKind, Diagram, Source};
use crate::destroying_and_generating::{Channel, Distribution, Joint};
use crate::numbers::Rational;
use serde::Serialize;
use std::fmt;

/// What a claim is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ClaimKind {
    /// An arrow drawn as a morphism (or bijection) really is a function.
    DeclaredKind,
    /// A bijection's two round trips are identities.
    Inverse,
    /// Every morphism path between two people gives the same function.
    Commutes,
    /// Every arrow into a person gives it the same marginal.
    IncomingAgree,
    /// A plain dashed line: same marginal.
    SameMarginal,
    /// A labelled dashed line: same conditional given the label.
    SameConditional,
}

/// One checked claim: what was claimed, whether it holds, and the evidence.
#[derive(Clone, Debug, Serialize)]
pub struct Claim {
    pub kind: ClaimKind,
    pub statement: String,
    pub holds: bool,
    pub detail: String,
}

/// One diagram's claims as the checker found them, for reports and tables.
#[derive(Clone, Debug, Serialize)]
pub struct DiagramCheck {
    pub diagram: String,
    pub claims: Vec<Claim>,
    pub all_hold: bool,
}

impl DiagramCheck {
    pub fn new(diagram: &str, claims: Vec<Claim>) -> Self {
        DiagramCheck {
            diagram: diagram.into(),
            all_hold: claims.iter().all(|c| c.holds),
            claims,
        }
    }

    /// The claims as a Markdown table: claim, verdict, evidence.
    pub fn to_markdown(&self) -> String {
        let mut t = String::from("| claim | holds | evidence |\n|---|---|---|\n");
        for c in &self.claims {
            let verdict = if c.holds { "yes" } else { "**no**" };
            let cell = |s: &str| s.replace('|', "\\|");
            t.push_str(&format!(
                "| {} | {verdict} | {} |\n",
                cell(&c.statement),
                cell(&c.detail)
            ));
        }
        t
    }

    /// The first false claim, as "statement — evidence".
    pub fn first_failure(&self) -> Option<String> {
        let c = self.claims.iter().find(|c| !c.holds)?;
        Some(format!("{} — {}", c.statement, c.detail))
    }

    /// "k of n" claims hold.
    pub fn tally(&self) -> String {
        let held = self.claims.iter().filter(|c| c.holds).count();
        format!("{held} of {}", self.claims.len())
    }
}

/// Why a diagram could not be checked (a malformed diagram, not a false claim).
#[derive(Clone, Debug, PartialEq)]
pub enum DiagramError {
    Cycle,
    MixedActions,
    UnknownPerson(String),
    NoPath { from: String, to: String },
    Fails(String),
}

impl fmt::Display for DiagramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cycle => write!(f, "diagram: the arrows form a cycle (draw one direction of a two-way conversion as a bijection)"),
            Self::MixedActions => write!(f, "diagram: finite channels and samplers cannot be mixed in one diagram"),
            Self::UnknownPerson(name) => write!(f, "diagram: no person called {name}"),
            Self::NoPath { from, to } => write!(f, "diagram: no chain of arrows joins {from} and {to}"),
            Self::Fails(what) => write!(f, "diagram claim fails: {what}"),
        }
    }
}

impl std::error::Error for DiagramError {}

impl DiagramCheck {
    /// The check of the diagram called `name` among `checks` (a chapter's own list, so a
    /// missing name is a programming error).
    pub fn named<'a>(checks: &'a [DiagramCheck], name: &str) -> &'a DiagramCheck {
        checks
            .iter()
            .find(|d| d.diagram == name)
            .unwrap_or_else(|| panic!("no chapter diagram is called {name}"))
    }
}

/// Adds a chapter's checked diagrams to its generated files: `<name>-claims.md` for every
/// check and `<name>.svg` for every diagram.
pub fn add_checked_diagrams<'a>(
    files: &mut crate::report::GeneratedFiles,
    chapter: &str,
    checks: impl IntoIterator<Item = &'a DiagramCheck>,
    diagrams: Vec<(&str, super::Diagram)>,
) {
    for check in checks {
        files.add(
            format!("{chapter}/{}-claims.md", check.diagram),
            check.to_markdown(),
        );
    }
    for (name, diagram) in diagrams {
        files.add(format!("{chapter}/{name}.svg"), diagram.to_svg());
    }
}

pub(super) fn claim(kind: ClaimKind, statement: String, holds: bool, detail: String) -> Claim {
    Claim {
        kind,
        statement,
        holds,
        detail,
    }
}

impl Diagram {
    /// People in an order where every arrow goes forward (bijections count in their
    /// declared direction); arrows without an action are ignored.
    pub(super) fn topological_order(&self) -> Result<Vec<usize>, DiagramError> {
        let n = self.people.len();
        let mut indegree = vec![0; n];
        for a in self.arrows.iter().filter(|a| a.action.is_some()) {
            indegree[a.to] += 1;
        }
        let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).rev().collect();
        let mut order = Vec::new();
        while let Some(i) = ready.pop() {
            order.push(i);
            for a in self
                .arrows
                .iter()
                .filter(|a| a.action.is_some() && a.from == i)
            {
                indegree[a.to] -= 1;
                if indegree[a.to] == 0 {
                    ready.push(a.to);
                }
            }
        }
        if order.len() == n {
            Ok(order)
        } else {
            Err(DiagramError::Cycle)
        }
    }

    /// Every path of actioned arrows from `from` to `to` (as arrow indices), keeping only
    /// arrows for which `keep` holds.
    pub(super) fn paths(
        &self,
        from: usize,
        to: usize,
        keep: &dyn Fn(usize) -> bool,
    ) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        let mut stack = vec![(from, Vec::new())];
        while let Some((at, path)) = stack.pop() {
            if at == to && !path.is_empty() {
                out.push(path.clone());
                continue;
            }
            for (k, a) in self.arrows.iter().enumerate() {
                if a.from == at && a.action.is_some() && keep(k) {
                    let mut next = path.clone();
                    next.push(k);
                    stack.push((a.to, next));
                }
            }
        }
        out.sort();
        out
    }

    /// True for arrows the drawing asserts are functions.
    pub(super) fn is_function_arrow(&self, k: usize) -> bool {
        matches!(
            self.arrows[k].kind,
            ArrowKind::Morphism | ArrowKind::Bijection
        )
    }

    pub(super) fn index(&self, name: &str) -> Result<usize, DiagramError> {
        self.find(name)
            .ok_or_else(|| DiagramError::UnknownPerson(name.into()))
    }

    /// "`u` to `v` commutes: path = path = …", the claim that all `paths` agree.
    pub(super) fn commutes_statement(&self, u: usize, v: usize, paths: &[Vec<usize>]) -> String {
        let names: Vec<String> = paths.iter().map(|p| self.path_names(p)).collect();
        format!(
            "{} to {} commutes: {}",
            self.people[u].name,
            self.people[v].name,
            names.join(" = ")
        )
    }

    pub(super) fn path_names(&self, path: &[usize]) -> String {
        path.iter()
            .map(|&k| self.arrows[k].label.clone())
            .collect::<Vec<_>>()
            .join(" then ")
    }

    fn channel_of(&self, k: usize) -> Result<&Channel<Rational>, DiagramError> {
        match &self.arrows[k].action {
            Some(Action::Channel(c)) => Ok(c),
            _ => Err(DiagramError::MixedActions),
        }
    }

    fn compose(&self, path: &[usize]) -> Result<Channel<Rational>, DiagramError> {
        let mut composed = self.channel_of(path[0])?.clone();
        for &k in &path[1..] {
            composed = composed
                .then(self.channel_of(k)?)
                .map_err(|e| DiagramError::Fails(e.to_string()))?;
        }
        Ok(composed)
    }

    /// True when any arrow or source is a sampler.
    pub fn is_sampled(&self) -> bool {
        self.arrows
            .iter()
            .any(|a| matches!(a.action, Some(Action::Sampled(_))))
            || self
                .sources
                .iter()
                .any(|(_, s)| matches!(s, Source::Sampled(_)))
    }

    /// The exact marginal of every person that a prior reaches (finite diagrams).
    /// A person with one message and no arrow in is a singleton: its marginal is sure.
    pub fn marginals(&self) -> Result<Vec<Option<Distribution<Rational>>>, DiagramError> {
        if self.is_sampled() {
            return Err(DiagramError::MixedActions);
        }
        let mut marginals: Vec<Option<Distribution<Rational>>> = vec![None; self.people.len()];
        for (i, source) in &self.sources {
            if let Source::Prior(p) = source {
                marginals[*i] = Some(p.clone());
            }
        }
        for i in self.topological_order()? {
            if marginals[i].is_none() && self.people[i].messages.len() == 1 {
                let sure = Distribution::new(self.people[i].messages.clone(), vec![Rational::ONE]);
                marginals[i] = sure.ok();
            }
            for (k, a) in self.arrows.iter().enumerate() {
                if a.to != i || a.action.is_none() || marginals[i].is_some() {
                    continue;
                }
                if let Some(p) = &marginals[a.from] {
                    let through = p
                        .through(self.channel_of(k)?)
                        .map_err(|e| DiagramError::Fails(e.to_string()))?;
                    marginals[i] = Some(through);
                }
            }
        }
        Ok(marginals)
    }

    /// Checks every claim of a finite diagram exactly. Returns all claims, true or not;
    /// `Err` only for a diagram that cannot be checked. Continuous diagrams go through
    /// [`Diagram::check_sampled`].
    pub fn check(&self) -> Result<Vec<Claim>, DiagramError> {
        let marginals = self.marginals()?;
        let mut claims = Vec::new();
        for (k, a) in self.arrows.iter().enumerate() {
            let Some(Action::Channel(c)) = &a.action else {
                continue;
            };
            if a.kind != ArrowKind::Harpoon {
                let holds = c.is_deterministic();
                let detail = if holds {
                    "one 1 per row".into()
                } else {
                    "some message has several possible outcomes".into()
                };
                let statement = format!("{} is a function", self.arrow_name(k));
                claims.push(claim(ClaimKind::DeclaredKind, statement, holds, detail));
            }
            if let Some(Action::Channel(back)) = &a.back {
                for (first, second) in [(c, back), (back, c)] {
                    let round = first
                        .then(second)
                        .map_err(|e| DiagramError::Fails(e.to_string()))?;
                    let identity =
                        Channel::function("", round.inputs.clone(), round.outputs.clone(), |x| x);
                    let holds = round.kernel == identity.kernel;
                    let statement = format!("{} then {} is Identity", first.name, second.name);
                    claims.push(claim(ClaimKind::Inverse, statement, holds, String::new()));
                }
            }
        }
        claims.extend(self.commutativity_claims()?);
        for (i, person) in self.people.iter().enumerate() {
            let incoming: Vec<usize> = (0..self.arrows.len())
                .filter(|&k| self.arrows[k].to == i && self.arrows[k].action.is_some())
                .collect();
            if incoming.len() < 2 {
                continue;
            }
            let results: Vec<Option<Distribution<Rational>>> = incoming
                .iter()
                .map(|&k| {
                    let from = marginals[self.arrows[k].from].as_ref()?;
                    from.through(self.channel_of(k).ok()?).ok()
                })
                .collect();
            if results.iter().all(Option::is_none) {
                continue; // no prior reaches this person: nothing to compare
            }
            let holds = results.iter().all(|r| r.is_some() && *r == results[0]);
            let statement = format!(
                "every arrow into {} gives it the same marginal",
                person.name
            );
            let detail = describe(results.first().cloned().flatten().as_ref());
            claims.push(claim(ClaimKind::IncomingAgree, statement, holds, detail));
        }
        for line in &self.same_marginals {
            let (a, b) = line.between;
            let (na, nb) = (&self.people[a].name, &self.people[b].name);
            match &line.given {
                None => {
                    let (pa, pb) = (&marginals[a], &marginals[b]);
                    let holds = match (pa, pb) {
                        (Some(x), Some(y)) => x.probs == y.probs,
                        _ => false,
                    };
                    let detail = format!(
                        "P({na}) = {}, P({nb}) = {}",
                        describe(pa.as_ref()),
                        describe(pb.as_ref())
                    );
                    let statement = format!("P({na}) = P({nb})");
                    claims.push(claim(ClaimKind::SameMarginal, statement, holds, detail));
                }
                Some(given) => {
                    let g = self.index(given)?;
                    let ca = self.conditional(g, a, &marginals)?;
                    let cb = self.conditional(g, b, &marginals)?;
                    // Rows of messages `g` never sends are arbitrary: compare the others.
                    let sent = |r: usize| {
                        marginals[g]
                            .as_ref()
                            .is_none_or(|p| p.probs[r] != Rational::ZERO)
                    };
                    let holds =
                        (0..ca.kernel.len()).all(|r| !sent(r) || ca.kernel[r] == cb.kernel[r]);
                    let statement = format!("P({na} | {given}) = P({nb} | {given})");
                    let detail = format!("rows {} vs {}", rows(&ca), rows(&cb));
                    claims.push(claim(ClaimKind::SameConditional, statement, holds, detail));
                }
            }
        }
        Ok(claims)
    }

    /// Like [`Diagram::check`], but a false claim is an error naming it.
    pub fn verify(&self) -> Result<Vec<Claim>, DiagramError> {
        let claims = if self.is_sampled() {
            self.check_sampled(4000, 0)?
        } else {
            self.check()?
        };
        match claims.iter().find(|c| !c.holds) {
            Some(c) => Err(DiagramError::Fails(format!(
                "{} ({})",
                c.statement, c.detail
            ))),
            None => Ok(claims),
        }
    }

    /// Every pair of people joined by two or more morphism paths: do they agree?
    fn commutativity_claims(&self) -> Result<Vec<Claim>, DiagramError> {
        let mut claims = Vec::new();
        let keep = |k: usize| self.is_function_arrow(k);
        for u in 0..self.people.len() {
            for v in 0..self.people.len() {
                let paths = self.paths(u, v, &keep);
                if paths.len() < 2 {
                    continue;
                }
                let composed: Vec<Channel<Rational>> = paths
                    .iter()
                    .map(|p| self.compose(p))
                    .collect::<Result<_, _>>()?;
                let mut detail = String::from("agree on every message");
                let mut holds = true;
                'outer: for (p, c) in paths.iter().zip(&composed).skip(1) {
                    for x in 0..c.inputs.len() {
                        if c.kernel[x] != composed[0].kernel[x] {
                            holds = false;
                            let image = |ch: &Channel<Rational>| {
                                let y = ch.kernel[x].iter().position(|q| *q == Rational::ONE);
                                y.map_or("?".to_string(), |y| ch.outputs[y].clone())
                            };
                            detail = format!(
                                "at {}: {} gives {}, {} gives {}",
                                c.inputs[x],
                                self.path_names(&paths[0]),
                                image(&composed[0]),
                                self.path_names(p),
                                image(c)
                            );
                            break 'outer;
                        }
                    }
                }
                let statement = self.commutes_statement(u, v, &paths);
                claims.push(claim(ClaimKind::Commutes, statement, holds, detail));
            }
        }
        Ok(claims)
    }

    /// `P(x | g)` as a channel from `g` to `x`: composed along arrows when `x` lies
    /// downstream of `g`, the Bayes posterior when it lies upstream.
    fn conditional(
        &self,
        g: usize,
        x: usize,
        marginals: &[Option<Distribution<Rational>>],
    ) -> Result<Channel<Rational>, DiagramError> {
        let all = |_: usize| true;
        if let Some(path) = self.paths(g, x, &all).first() {
            return self.compose(path);
        }
        if let Some(path) = self.paths(x, g, &all).first() {
            let prior = marginals[x].as_ref().ok_or_else(|| DiagramError::NoPath {
                from: "a prior".into(),
                to: self.people[x].name.clone(),
            })?;
            let joint = Joint::new(prior, &self.compose(path)?)
                .map_err(|e| DiagramError::Fails(e.to_string()))?;
            return Ok(joint.posterior("posterior"));
        }
        Err(DiagramError::NoPath {
            from: self.people[g].name.clone(),
            to: self.people[x].name.clone(),
        })
    }
}

fn describe(d: Option<&Distribution<Rational>>) -> String {
    d.map_or("unknown".into(), |d| {
        let p: Vec<String> = d.probs.iter().map(Rational::to_string).collect();
        format!("({})", p.join(", "))
    })
}

fn rows(c: &Channel<Rational>) -> String {
    let r: Vec<String> = c
        .kernel
        .iter()
        .map(|row| {
            let p: Vec<String> = row.iter().map(Rational::to_string).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    r.join(" ")
}
