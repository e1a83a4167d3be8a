//! The chapter's experiment: every diagram checked, the counter-examples computed, and
//! the generated files written.

use super::diagrams::chapter_diagrams;
use super::morphisms::{kind_table, mismatch, morphisms_never_create, KindRow, MorphismCheck};
use crate::destroying_and_generating::diagram::{Diagram, DiagramCheck};
use crate::destroying_and_generating::named_channels::*;
use crate::destroying_and_generating::{ChainInformation, Inequality, Joint};
use crate::numbers::Rational;
use crate::report::{anchored_numbers, GeneratedFiles, Provenance, Scale};
use serde::Serialize;
use std::fmt::Write;

/// The chapter's folder under `book/generated/`.
pub const CHAPTER: &str = "about-the-diagrams";

/// Everything the chapter reports.
#[derive(Clone, Debug, Serialize)]
pub struct ChapterResults {
    pub diagrams: Vec<DiagramCheck>,
    pub kinds: Vec<KindRow>,
    pub random_morphisms: MorphismCheck,
    /// `P(Z ≠ Z')` for Shuffle∘Shuffle against its one-step shortcut.
    pub harpoon_mismatch: String,
    /// `P(C ≠ C')` for Mash' after Mash against its one-step shortcut.
    pub morphism_mismatch: String,
    /// Mash then the posterior Guess: same marginal as Alice, yet `P(A' ≠ A)`.
    pub guess_marginal_equals_prior: bool,
    pub guess_p_differ: String,
    pub destruction: Vec<Inequality>,
    pub generation: Vec<Inequality>,
}

fn check(name: &str, diagram: &Diagram) -> DiagramCheck {
    let claims = diagram
        .check()
        .expect("the chapter's diagrams are well formed");
    DiagramCheck::new(name, claims)
}

/// Runs the chapter: exact except the random-function property check, whose size
/// depends on `scale`.
pub fn run(scale: Scale, seed: u64) -> ChapterResults {
    let prior = example_prior();
    let diagrams = chapter_diagrams(&prior)
        .iter()
        .map(|(name, d)| check(name, d))
        .collect();
    let trials = match scale {
        Scale::Quick => 2_000,
        Scale::Full => 100_000,
    };
    let twice = shuffle::<Rational>().then(&shuffle()).expect("composes");
    let to_singleton = mash::<Rational>().then(&mash_prime()).expect("composes");
    let guess = posterior_guess(&prior, &mash());
    let round_trip = Joint::new(&prior, &mash().then(&guess).expect("composes")).expect("Alice");
    let stories = ChainInformation::new(&prior, &shuffle(), &posterior_guess(&prior, &shuffle()))
        .expect("the chain composes");
    ChapterResults {
        diagrams,
        kinds: kind_table(&prior),
        random_morphisms: morphisms_never_create(trials, seed),
        harpoon_mismatch: mismatch(&prior, &twice, &twice).to_string(),
        morphism_mismatch: mismatch(&prior, &to_singleton, &to_singleton).to_string(),
        guess_marginal_equals_prior: round_trip.marginal_b() == prior,
        guess_p_differ: round_trip.probability_different().to_string(),
        destruction: stories.destruction_story(),
        generation: stories.generation_story(),
    }
}

fn kinds_table(results: &ChapterResults) -> String {
    let mut t = String::from(
        "| channel | a function (morphism)? | $\\mathrm{H}(\\text{out}) - \\mathrm{H}(\\text{in})$ |\n|---|---|---|\n",
    );
    for k in &results.kinds {
        let morphism = if k.morphism { "yes" } else { "no" };
        let change = if k.entropy_change.parse::<f64>().is_ok() {
            format!("${}$", k.entropy_change)
        } else {
            format!("≈ {:.4}", k.entropy_change_bits)
        };
        writeln!(t, "| {} | {morphism} | {change} |", k.name).unwrap();
    }
    t
}

fn stories_table(results: &ChapterResults) -> String {
    let mut t =
        String::from("| story | inequality | larger | smaller | holds |\n|---|---|---|---|---|\n");
    for (story, list) in [
        ("destruction", &results.destruction),
        ("generation", &results.generation),
    ] {
        for i in list.iter() {
            let holds = if i.holds { "yes" } else { "**no**" };
            writeln!(
                t,
                "| {story} | {} | {:.4} | {:.4} | {holds} |",
                i.statement, i.larger, i.smaller
            )
            .unwrap();
        }
    }
    t
}

fn first_failure(results: &ChapterResults, name: &str) -> String {
    let check = results
        .diagrams
        .iter()
        .find(|d| d.diagram == name)
        .expect("a chapter diagram");
    check
        .first_failure()
        .expect("this diagram has a false claim")
}

fn numbers(results: &ChapterResults) -> String {
    let holding = |name: &str| {
        let d = results
            .diagrams
            .iter()
            .find(|d| d.diagram == name)
            .expect("a chapter diagram");
        format!(
            "{} of {}",
            d.claims.iter().filter(|c| c.holds).count(),
            d.claims.len()
        )
    };
    let mut entries: Vec<(&str, String)> = vec![
        ("broken_triangle", first_failure(results, "broken-triangle")),
        ("wrong_marginal", first_failure(results, "wrong-marginal")),
        (
            "wrong_conditional",
            first_failure(results, "wrong-conditional"),
        ),
        ("harpoon_mismatch", results.harpoon_mismatch.clone()),
        ("morphism_mismatch", results.morphism_mismatch.clone()),
        ("guess_p_differ", results.guess_p_differ.clone()),
        ("random_trials", results.random_morphisms.trials.to_string()),
        (
            "random_violations",
            results.random_morphisms.violations.to_string(),
        ),
        (
            "random_largest_change",
            format!("{:.3}", results.random_morphisms.largest_change),
        ),
    ];
    let names = [
        "notation",
        "commuting-triangle",
        "morphism-composition",
        "harpoon-composition",
        "stories-chain",
    ];
    let held: Vec<String> = names.iter().map(|n| holding(n)).collect();
    let keys = [
        "notation_holds",
        "commuting_holds",
        "morphism_composition_holds",
        "harpoon_composition_holds",
        "stories_holds",
    ];
    for (key, h) in keys.into_iter().zip(held) {
        entries.push((key, h));
    }
    anchored_numbers(&entries)
}

/// The chapter's generated files: report, tables, numbers, diagrams, provenance.
pub fn chapter_files(results: &ChapterResults, provenance: &Provenance) -> GeneratedFiles {
    let mut files = GeneratedFiles::with_report(CHAPTER, provenance, results);
    let path = |name: &str| format!("{CHAPTER}/{name}");
    files.add(path("numbers.md"), numbers(results));
    files.add(path("kinds.md"), kinds_table(results));
    files.add(path("stories.md"), stories_table(results));
    files.add(path("provenance.md"), provenance.to_markdown());
    crate::destroying_and_generating::diagram::add_checked_diagrams(
        &mut files,
        CHAPTER,
        &results.diagrams,
        chapter_diagrams(&example_prior()),
    );
    files
}
