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

mod exercises {
    use destroy_then_generate::about_the_diagrams::diagrams::triangle;
    use destroy_then_generate::about_the_diagrams::exercises::*;
    use destroy_then_generate::destroying_and_generating::named_channels::*;
    use destroy_then_generate::destroying_and_generating::{numbered, Distribution};
    use destroy_then_generate::numbers::Rational;

    #[test]
    fn exercise_1_agrees_with_the_checker_on_every_triangle() {
        let (f, g) = ([0, 0, 1], [0, 1]);
        // The chapter's triangle commutes; the broken one parts at x = 1.
        assert_eq!(first_disagreement(&f, &g, &[0, 0, 1]), None);
        assert_eq!(first_disagreement(&f, &g, &[0, 1, 1]), Some(1));
        // With g swapping Z's two messages, h must swap too: g(f(x)) = (1, 1, 0).
        assert_eq!(first_disagreement(&f, &[1, 0], &[1, 1, 0]), None);
        assert_eq!(first_disagreement(&f, &[1, 0], &[0, 0, 1]), Some(0));
        // All eight h: X → {0, 1}, against the crate's diagram checker.
        for code in 0..8 {
            let h = [code & 1, (code >> 1) & 1, (code >> 2) & 1];
            let commutes = triangle(&h).verify().is_ok();
            assert_eq!(
                first_disagreement(&f, &g, &h).is_none(),
                commutes,
                "h = {h:?}"
            );
        }
    }

    #[test]
    fn exercise_2_repeated_shuffles_disagree_with_the_closed_form_probability() {
        let uniform = Distribution::new(numbered(3), vec![Rational::new(1, 3); 3]).unwrap();
        for n in 1..=20u32 {
            let expected = Rational::new(2, 3) * (Rational::ONE - Rational::new(1, 4).pow(n));
            assert_eq!(
                shuffle_self_mismatch(&example_prior(), n),
                expected,
                "n = {n}"
            );
            assert_eq!(shuffle_self_mismatch(&uniform, n), expected, "n = {n}");
        }
        assert_eq!(
            shuffle_self_mismatch(&example_prior(), 2),
            Rational::new(5, 8)
        );
    }

    #[test]
    fn exercise_3_every_harpoon_is_a_morphism_reading_coins() {
        let prior = example_prior();
        for channel in [
            shuffle::<Rational>(),
            product(Rational::new(1, 3)),
            posterior_guess(&prior, &mash()),
            posterior_guess(&prior, &shuffle()),
            cypher(),
        ] {
            let (coins, f) = as_morphism_with_coins(&channel);
            assert!(f.is_deterministic(), "{}", channel.name);
            let composed = coins.then(&f).unwrap();
            assert_eq!(composed.kernel, channel.kernel, "{}", channel.name);
        }
        // Shuffle needs one fair coin per message: D = 2.
        let (coins, _) = as_morphism_with_coins(&shuffle::<Rational>());
        assert_eq!(coins.outputs.len(), 6);
    }
}
