//! Chapter "About the diagrams" at quick scale: every claim the chapter makes, against
//! exact oracles.

use destroy_then_generate::about_the_diagrams::{run, CHAPTER};
use destroy_then_generate::report::Scale;

#[test]
fn true_diagrams_check_and_the_counter_examples_fail_where_they_should() {
    let results = run(Scale::Quick, 0);
    for d in &results.diagrams {
        let expected = !matches!(
            d.diagram.as_str(),
            "broken-triangle" | "wrong-marginal" | "wrong-conditional"
        );
        assert_eq!(d.all_hold, expected, "{}: {:?}", d.diagram, d.claims);
    }
    assert_eq!(CHAPTER, "about-the-diagrams");
}

#[test]
fn morphisms_never_create_information_and_harpoons_can() {
    let results = run(Scale::Quick, 0);
    assert_eq!(results.random_morphisms.violations, 0);
    assert!(results.random_morphisms.largest_change <= 1e-12);
    for k in &results.kinds {
        if k.morphism {
            assert!(k.entropy_change_bits <= 1e-12, "{}", k.name);
        }
    }
    let product = results.kinds.iter().find(|k| k.name == "Product").unwrap();
    assert_eq!(
        (product.morphism, product.entropy_change.as_str()),
        (false, "1")
    );
    // Project and Mash are morphisms; Product, Shuffle and Guess are not.
    let morphism = |name: &str| {
        results
            .kinds
            .iter()
            .find(|k| k.name == name)
            .unwrap()
            .morphism
    };
    assert!(morphism("Project") && morphism("Mash"));
    assert!(!morphism("Shuffle") && !morphism("Guess"));
}

#[test]
fn composing_harpoons_keeps_only_the_marginal() {
    let results = run(Scale::Quick, 0);
    // Two Shuffles and their one-step shortcut: P(Z ≠ Z') = Σ_x P(x) (1 − Σ_z P(z|x)²);
    // every row of M² is a rotation of (1/4, 1/2, 1/4), so this is 1 − 3/8 = 5/8.
    assert_eq!(results.harpoon_mismatch, "5/8");
    assert_eq!(results.morphism_mismatch, "0");
    assert!(results.guess_marginal_equals_prior);
    assert_eq!(results.guess_p_differ, "1/8");
    assert!(results
        .destruction
        .iter()
        .chain(&results.generation)
        .all(|i| i.holds));
}

#[test]
fn same_seed_same_report() {
    let a = serde_json::to_string(&run(Scale::Quick, 5)).unwrap();
    let b = serde_json::to_string(&run(Scale::Quick, 5)).unwrap();
    assert_eq!(a, b);
}
