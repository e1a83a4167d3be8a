//! The chapter's experiment: every number, table and figure the chapter shows.

use super::channel::Channel;
use super::diagrams::chapter_diagrams;
use super::information::{Distribution, Joint};
use super::learning_guess::{learning_curve, LearningCurve};
use super::named_channels::*;
use super::random_chains::{check_random_chains, RandomChainSummary};
use super::stories::{ChainInformation, Inequality};
use crate::numbers::{ExactBits, Rational};
use crate::plot;
use crate::report::{anchored_numbers, GeneratedFiles, Provenance, Scale};
use serde::Serialize;
use std::fmt::Write;

/// The chapter's folder under `book/generated/`.
pub const CHAPTER: &str = "destroying-and-generating";

/// An exact information value and its decimal reading.
#[derive(Clone, Debug, Serialize)]
pub struct Bits {
    pub exact: String,
    pub bits: f64,
}

impl From<ExactBits> for Bits {
    fn from(x: ExactBits) -> Bits {
        Bits {
            exact: x.to_latex(),
            bits: x.to_f64(),
        }
    }
}

impl Bits {
    /// `$exact$` followed by `≈ decimal` when the exact form is not already a number.
    fn markdown(&self) -> String {
        if self.exact.parse::<f64>().is_ok() {
            format!("${}$", self.exact)
        } else {
            format!("${}$ ≈ {:.4}", self.exact, self.bits)
        }
    }
}

/// One named channel under Alice's prior.
#[derive(Clone, Debug, Serialize)]
pub struct ChannelInformation {
    pub name: String,
    pub deterministic: bool,
    pub p_b: Vec<String>,
    pub h_b: Bits,
    pub generated: Bits,
    pub destroyed: Bits,
    pub i_ab: Bits,
}

/// One example chain `A ⇀ B ⇀ A'` with both stories checked.
#[derive(Clone, Debug, Serialize)]
pub struct ChainRow {
    pub chain: String,
    pub h_a2: Bits,
    pub i_ab: Bits,
    pub i_aa2: Bits,
    pub i_ba2: Bits,
    pub destruction: Vec<Inequality>,
    pub generation: Vec<Inequality>,
}

/// Everything the chapter reports.
#[derive(Clone, Debug, Serialize)]
pub struct ChapterResults {
    pub prior: Vec<String>,
    pub h_a: Bits,
    pub pairs_consistent_with_cypher: bool,
    pub empirical_guess_is_decrypt: bool,
    pub channels: Vec<ChannelInformation>,
    pub product_extra_bits: Bits,
    pub guess_marginal_equals_prior: bool,
    pub guess_p_differ: String,
    pub chains: Vec<ChainRow>,
    pub random_chains: RandomChainSummary,
    pub learning: LearningCurve,
    pub bayes_slope: f64,
    pub frequency_slope: f64,
}

fn fractions(d: &Distribution<Rational>) -> Vec<String> {
    d.probs.iter().map(Rational::to_string).collect()
}

fn channel_information(
    prior: &Distribution<Rational>,
    channel: &Channel<Rational>,
) -> ChannelInformation {
    let joint = Joint::new(prior, channel).expect("the chapter's channels start at Alice");
    ChannelInformation {
        name: channel.name.clone(),
        deterministic: channel.is_deterministic(),
        p_b: fractions(&joint.marginal_b()),
        h_b: joint.marginal_b().entropy().into(),
        generated: joint.entropy_b_given_a().into(),
        destroyed: joint.entropy_a_given_b().into(),
        i_ab: joint.mutual_information().into(),
    }
}

fn chain_row(
    prior: &Distribution<Rational>,
    first: &Channel<Rational>,
    second: &Channel<Rational>,
) -> ChainRow {
    let info = ChainInformation::new(prior, first, second).expect("the chapter's chains compose");
    ChainRow {
        chain: format!("{} then {}", first.name, second.name),
        destruction: info.destruction_story(),
        generation: info.generation_story(),
        h_a2: info.h_a2.into(),
        i_ab: info.i_ab.into(),
        i_aa2: info.i_aa2.into(),
        i_ba2: info.i_ba2.into(),
    }
}

/// What the example pairs say: are they all consistent with Cypher, and is the
/// empirical `P(A | B)` they give exactly Decrypt?
fn example_pairs_facts() -> (bool, bool) {
    let consistent = EXAMPLE_PAIRS
        .iter()
        .all(|&(a, b)| cypher::<Rational>().p(a, b) == Rational::ONE);
    let mut counts = [[0i128; 3]; 3];
    EXAMPLE_PAIRS.iter().for_each(|&(a, b)| counts[b][a] += 1);
    let empirical: Vec<Vec<Rational>> = counts
        .iter()
        .map(|row| {
            row.iter()
                .map(|&n| Rational::new(n, row.iter().sum::<i128>().max(1)))
                .collect()
        })
        .collect();
    (consistent, empirical == decrypt::<Rational>().kernel)
}

/// Runs the chapter's computations. Everything is exact except Bob's learning curve,
/// whose size depends on `scale`.
pub fn run(scale: Scale, seed: u64) -> ChapterResults {
    let prior = example_prior();
    let half = Rational::new(1, 2);
    let channels = [identity(3), cypher(), product(half), mash(), shuffle()];
    let guess = posterior_guess(&prior, &mash());
    let mash_then_guess = Joint::new(
        &prior,
        &mash().then(&guess).expect("Mash then Guess composes"),
    )
    .expect("starts at Alice");
    let chains = [
        (identity(3), identity(3)),
        (cypher(), decrypt()),
        (product(half), project()),
        (product(half), project_prime()),
        (mash(), guess.clone()),
        (mash(), prior_guess(mash::<Rational>().outputs, &prior)),
        (mash(), mash_prime()),
        (shuffle(), posterior_guess(&prior, &shuffle())),
    ];
    let (max_pairs, repeats) = match scale {
        Scale::Quick => (10_000, 20),
        Scale::Full => (1_000_000, 50),
    };
    let learning = learning_curve(
        &prior.to_f64(),
        &mash::<Rational>().to_f64(),
        max_pairs,
        repeats,
        seed,
    );
    let (pairs_consistent_with_cypher, empirical_guess_is_decrypt) = example_pairs_facts();
    let product_joint = Joint::new(&prior, &product(half)).expect("starts at Alice");
    ChapterResults {
        prior: fractions(&prior),
        h_a: prior.entropy().into(),
        pairs_consistent_with_cypher,
        empirical_guess_is_decrypt,
        channels: channels
            .iter()
            .map(|c| channel_information(&prior, c))
            .collect(),
        product_extra_bits: (product_joint.marginal_b().entropy() - prior.entropy()).into(),
        guess_marginal_equals_prior: mash_then_guess.marginal_b() == prior,
        guess_p_differ: mash_then_guess.probability_different().to_string(),
        chains: chains
            .iter()
            .map(|(f, s)| chain_row(&prior, f, s))
            .collect(),
        random_chains: check_random_chains(10_000, seed),
        bayes_slope: learning.final_log_log_slope(&learning.bayes_error),
        frequency_slope: learning.final_log_log_slope(&learning.frequency_error),
        learning,
    }
}

fn information_table(results: &ChapterResults) -> String {
    let mut t = String::from(
        "| channel | function? | $\\mathrm{P}(B)$ | $\\mathrm{H}(B)$ | generated $\\mathrm{H}(B \\mid A)$ | destroyed $\\mathrm{H}(A \\mid B)$ | $\\mathrm{I}(A;B)$ |\n|---|---|---|---|---|---|---|\n",
    );
    for c in &results.channels {
        let function = if c.deterministic { "yes" } else { "no" };
        let p_b = c.p_b.join(", ");
        let cells = [&c.h_b, &c.generated, &c.destroyed, &c.i_ab].map(Bits::markdown);
        writeln!(
            t,
            "| {} | {function} | ({p_b}) | {} | {} | {} | {} |",
            c.name, cells[0], cells[1], cells[2], cells[3]
        )
        .unwrap();
    }
    t
}

fn stories_table(results: &ChapterResults) -> String {
    let mut t = String::from(
        "| chain $A \\to B \\to A'$ | $\\mathrm{I}(A;B)$ | $\\mathrm{I}(A;A')$ | $\\mathrm{I}(B;A')$ | $\\mathrm{H}(A')$ | destruction story | generation story |\n|---|---|---|---|---|---|---|\n",
    );
    let verdict = |ineqs: &[Inequality]| {
        let held = ineqs.iter().filter(|i| i.holds).count();
        format!("{held} of {} hold", ineqs.len())
    };
    for c in &results.chains {
        // Decimals only: some exact forms here are too long for a table cell.
        let cells = [&c.i_ab, &c.i_aa2, &c.i_ba2, &c.h_a2].map(|b| format!("{:.4}", b.bits));
        writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} | {} |",
            c.chain,
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            verdict(&c.destruction),
            verdict(&c.generation)
        )
        .unwrap();
    }
    t
}

/// The item called `name`; the chapter's own names, so a miss is a bug.
fn find_named<'a, T>(items: &'a [T], name: &str, key: impl Fn(&T) -> &String) -> &'a T {
    items
        .iter()
        .find(|item| key(item) == name)
        .unwrap_or_else(|| panic!("no item named {name}"))
}

/// Named one-line snippets for inline use: `{{#include numbers.md:name}}`.
fn numbers(results: &ChapterResults) -> String {
    let channel = |name: &str| find_named(&results.channels, name, |c| &c.name);
    let chain = |name: &str| find_named(&results.chains, name, |c| &c.chain);
    let learning = &results.learning;
    let entries = [
        ("prior", format!("({})", results.prior.join(", "))),
        (
            "prior_latex",
            example_prior()
                .probs
                .iter()
                .map(Rational::to_latex)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("h_a", results.h_a.exact.clone()),
        ("h_a_bits", format!("{:.4}", results.h_a.bits)),
        ("pair_count", EXAMPLE_PAIRS.len().to_string()),
        (
            "pairs_consistent",
            yes_no(results.pairs_consistent_with_cypher),
        ),
        (
            "empirical_is_decrypt",
            yes_no(results.empirical_guess_is_decrypt),
        ),
        (
            "product_extra_bits",
            results.product_extra_bits.exact.clone(),
        ),
        ("mash_p_b", format!("({})", channel("Mash").p_b.join(", "))),
        ("mash_h_b", channel("Mash").h_b.exact.clone()),
        ("mash_h_b_bits", format!("{:.4}", channel("Mash").h_b.bits)),
        ("mash_destroyed", channel("Mash").destroyed.exact.clone()),
        (
            "mash_destroyed_bits",
            format!("{:.4}", channel("Mash").destroyed.bits),
        ),
        (
            "guess_marginal_equals_prior",
            yes_no(results.guess_marginal_equals_prior),
        ),
        ("guess_p_differ", results.guess_p_differ.clone()),
        ("guess_i_aa2", chain("Mash then Guess").i_aa2.exact.clone()),
        (
            "prior_guess_i_aa2",
            chain("Mash then Guess (prior)").i_aa2.exact.clone(),
        ),
        ("singleton_h", chain("Mash then Mash'").h_a2.exact.clone()),
        (
            "shuffle_i_ab_bits",
            format!("{:.4}", chain("Shuffle then Guess").i_ab.bits),
        ),
        (
            "shuffle_i_aa2_bits",
            format!("{:.4}", chain("Shuffle then Guess").i_aa2.bits),
        ),
        ("random_chains", results.random_chains.chains.to_string()),
        (
            "random_violations",
            results.random_chains.violations.to_string(),
        ),
        (
            "learning_pairs",
            learning
                .checkpoints
                .last()
                .expect("checkpoints")
                .to_string(),
        ),
        ("learning_repeats", learning.repeats.to_string()),
        (
            "bayes_final_error",
            format!("{:.5}", learning.bayes_error.last().expect("points")),
        ),
        ("bayes_slope", format!("{:.2}", results.bayes_slope)),
        ("frequency_slope", format!("{:.2}", results.frequency_slope)),
    ];
    anchored_numbers(&entries)
}

fn yes_no(value: bool) -> String {
    (if value { "Yes" } else { "No" }).to_string()
}

/// The chapter's generated files: JSON report, tables, numbers, figures, provenance.
pub fn chapter_files(results: &ChapterResults, provenance: &Provenance) -> GeneratedFiles {
    let mut files = GeneratedFiles::with_report(CHAPTER, provenance, results);
    let path = |name: &str| format!("{CHAPTER}/{name}");
    files.add(path("information.md"), information_table(results));
    files.add(path("stories.md"), stories_table(results));
    files.add(path("numbers.md"), numbers(results));
    files.add(path("provenance.md"), provenance.to_markdown());
    for (name, diagram) in chapter_diagrams(&example_prior()) {
        files.add(path(&format!("{name}.svg")), diagram.to_svg());
    }
    let curve = plot::svg((720, 440), |area| {
        super::learning_curve_figure::draw_learning_curve(&results.learning, area)
    });
    files.add(path("learning-guess.svg"), curve);
    files
}
