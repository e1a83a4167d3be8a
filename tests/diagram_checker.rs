//! The diagram checker against oracles: true claims pass, deliberately false ones fail.

use destroy_then_generate::about_the_diagrams::diagrams::*;
use destroy_then_generate::destroying_and_generating::diagram::{
    ks_critical_value, ks_statistic, Action, ArrowKind, ClaimKind, Diagram, DiagramError,
    SampledArrow, SampledSource,
};
use destroy_then_generate::destroying_and_generating::named_channels::*;
use destroy_then_generate::destroying_and_generating::numbered;
use destroy_then_generate::numbers::Rational;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;

fn failing(d: &Diagram) -> Vec<ClaimKind> {
    d.check()
        .unwrap()
        .iter()
        .filter(|c| !c.holds)
        .map(|c| c.kind)
        .collect()
}

#[test]
fn a_commuting_triangle_passes_and_a_broken_one_is_rejected() {
    assert!(failing(&commuting_triangle()).is_empty());
    assert_eq!(failing(&broken_triangle()), vec![ClaimKind::Commutes]);
    let error = broken_triangle().verify().unwrap_err().to_string();
    assert!(
        error.contains("at 1: f then g gives 0, h gives 1"),
        "{error}"
    );
}

#[test]
fn wrong_same_marginal_and_same_conditional_claims_are_rejected() {
    let prior = example_prior();
    assert_eq!(
        failing(&wrong_marginal(&prior)),
        vec![ClaimKind::SameMarginal]
    );
    assert_eq!(
        failing(&wrong_conditional(&prior)),
        vec![ClaimKind::SameConditional]
    );
    // The same Guess does satisfy the plain dashed line.
    let mut d = wrong_conditional(&prior);
    d.same_marginals[0].given = None;
    assert!(failing(&d).is_empty());
}

#[test]
fn the_chapter_diagrams_that_claim_truths_check() {
    let prior = example_prior();
    for d in [
        notation(&prior),
        morphism_composition(&prior),
        harpoon_composition(&prior),
        stories_chain(&prior),
    ] {
        assert!(d.verify().is_ok());
    }
}

#[test]
fn a_stochastic_channel_declared_a_morphism_is_rejected() {
    let mut d = Diagram::new();
    let a = d.node("A", &numbered(3));
    let b = d.node("B", &numbered(3));
    d.channel_as(a, b, &shuffle(), ArrowKind::Morphism);
    assert_eq!(failing(&d), vec![ClaimKind::DeclaredKind]);
}

#[test]
fn a_bijection_with_a_wrong_inverse_is_rejected() {
    let mut d = Diagram::new();
    let a = d.node("A", &numbered(3));
    let b = d.node("B", &numbered(3));
    d.bijection(
        a,
        b,
        "Cypher",
        Action::Channel(cypher()),
        Action::Channel(cypher()),
    );
    assert_eq!(failing(&d), vec![ClaimKind::Inverse, ClaimKind::Inverse]);
    let mut ok = Diagram::new();
    let a = ok.node("A", &numbered(3));
    let b = ok.node("B", &numbered(3));
    ok.bijection(
        a,
        b,
        "Cypher",
        Action::Channel(cypher()),
        Action::Channel(decrypt()),
    );
    assert!(failing(&ok).is_empty());
}

#[test]
fn malformed_diagrams_get_one_line_errors() {
    let mut d = Diagram::new();
    let a = d.node("A", &numbered(3));
    let b = d.node("B", &numbered(3));
    d.channel(a, b, &cypher()).channel(b, a, &decrypt());
    assert_eq!(d.check().unwrap_err(), DiagramError::Cycle);
    let mut e = wrong_conditional(&example_prior());
    e.same_marginals[0].given = Some("Nobody".into());
    let message = e.check().unwrap_err().to_string();
    assert_eq!(message, "diagram: no person called Nobody");
    assert!(!message.contains('\n'));
}

#[test]
fn the_singleton_has_a_sure_marginal() {
    let mut chain = morphism_composition(&example_prior());
    let c2 = chain.find("C").unwrap();
    let star2 = chain.node("*", &["*".to_string()]);
    chain.same_marginal(c2, star2, None);
    assert!(chain.verify().is_ok());
    assert_eq!(
        chain.marginals().unwrap()[star2].as_ref().unwrap().probs,
        vec![Rational::ONE]
    );
}

#[test]
fn ks_statistic_and_critical_value_match_hand_computed_cases() {
    assert_eq!(ks_statistic(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), 0.0);
    assert_eq!(ks_statistic(&[1.0, 2.0], &[3.0, 4.0]), 1.0);
    assert!((ks_statistic(&[1.0, 2.0, 3.0, 4.0], &[2.5, 3.5]) - 0.5).abs() < 1e-12);
    // c(0.05) = 1.358 for the classical table.
    let c = ks_critical_value(0.05, 100, 100) / (2.0f64 / 100.0).sqrt();
    assert!((c - 1.3581).abs() < 1e-3, "{c}");
}

fn gaussian_step(delta: f64) -> SampledArrow {
    SampledArrow::stochastic("GaussianShuffle", move |x, rng| {
        x.iter()
            .map(|v| v + delta.sqrt() * rng.sample::<f64, _>(StandardNormal))
            .collect()
    })
}

/// `A ⇀ B ⇀ C` with N(0, δ) steps, and a one-step shortcut of variance `shortcut`.
fn additivity(shortcut: f64) -> Diagram {
    let mut d = Diagram::new();
    let a = d.node("A", &[]);
    let b = d.node("B", &[]);
    let c = d.node("C", &[]);
    let c2 = d.node("C'", &[]);
    d.sampled_source(
        a,
        SampledSource::new("two points", |rng| {
            vec![if rng.random_bool(0.5) { 1.0 } else { -1.0 }]
        }),
    )
    .sampled(a, b, ArrowKind::Harpoon, gaussian_step(0.3))
    .sampled(b, c, ArrowKind::Harpoon, gaussian_step(0.3))
    .sampled(a, c2, ArrowKind::Harpoon, gaussian_step(shortcut))
    .same_marginal(c, c2, None);
    d
}

#[test]
fn sampled_same_marginal_accepts_truth_and_rejects_a_wrong_variance() {
    let good = additivity(0.6).check_sampled(4000, 0).unwrap();
    assert!(good.iter().all(|c| c.holds), "{good:?}");
    let bad = additivity(0.3).check_sampled(4000, 0).unwrap();
    assert!(
        bad.iter()
            .any(|c| !c.holds && c.kind == ClaimKind::SameMarginal),
        "{bad:?}"
    );
}

#[test]
fn sampled_functions_and_bijections_are_checked_to_float_precision() {
    let mut d = Diagram::new();
    let a = d.node("A", &[]);
    let b = d.node("B", &[]);
    d.sampled_source(
        a,
        SampledSource::new("normal", |rng| vec![rng.sample(StandardNormal)]),
    );
    let forward = SampledArrow::function("x ↦ 3x + 1", |x| vec![3.0 * x[0] + 1.0]);
    let back = SampledArrow::function("y ↦ (y − 1)/3", |y| vec![(y[0] - 1.0) / 3.0]);
    d.bijection(
        a,
        b,
        "affine",
        Action::Sampled(forward.clone()),
        Action::Sampled(back),
    );
    assert!(d.verify().is_ok());
    let mut wrong = Diagram::new();
    let a = wrong.node("A", &[]);
    let b = wrong.node("B", &[]);
    wrong.sampled_source(
        a,
        SampledSource::new("normal", |rng| vec![rng.sample(StandardNormal)]),
    );
    let not_back = SampledArrow::function("y ↦ y/3", |y| vec![y[0] / 3.0]);
    wrong.bijection(
        a,
        b,
        "affine",
        Action::Sampled(forward),
        Action::Sampled(not_back),
    );
    assert!(wrong.verify().is_err());
    // A coin-flipping arrow declared a morphism is caught too.
    let mut noisy = Diagram::new();
    let a = noisy.node("A", &[]);
    let b = noisy.node("B", &[]);
    noisy.sampled_source(
        a,
        SampledSource::new("normal", |rng| vec![rng.sample(StandardNormal)]),
    );
    noisy.sampled(a, b, ArrowKind::Morphism, gaussian_step(0.1));
    let claims = noisy.check_sampled(500, 0).unwrap();
    assert!(claims
        .iter()
        .any(|c| c.kind == ClaimKind::DeclaredKind && !c.holds));
}

#[test]
fn every_diagram_of_destroying_and_generating_checks() {
    use destroy_then_generate::destroying_and_generating::diagrams::chapter_diagrams;
    for (name, d) in chapter_diagrams(&example_prior()) {
        let claims = d.verify().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            !claims.is_empty() || name == "identity" || name == "product",
            "{name}"
        );
    }
    // Cypher then Decrypt commutes with the Identity shortcut, message by message.
    let (_, cypher_decrypt) = chapter_diagrams(&example_prior())
        .into_iter()
        .find(|(n, _)| *n == "cypher-decrypt")
        .unwrap();
    let claims = cypher_decrypt.check().unwrap();
    assert!(claims
        .iter()
        .any(|c| c.kind == ClaimKind::Commutes && c.holds));
}
