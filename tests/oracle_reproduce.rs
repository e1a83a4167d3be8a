//! The reproduction's bookkeeping against exact answers: which runs the claims need, how
//! seeds are summarised and paired, and how claim lists are parsed.

use destroy_then_generate::report::Scale;
use destroy_then_generate::results::claims::{
    base_config, run_id, stability_variants, Claim, H1_STEPS, H4_OBJECTIVES, H4_STEPS, H6_LATENTS,
    SEEDS, TARGETS,
};
use destroy_then_generate::results::runs;
use destroy_then_generate::results::summary::{paired_wins, Metric, SeedValues};
use destroy_then_generate::sampling_without_data::kernels::Destruction;
use std::collections::BTreeSet;

#[test]
fn the_sweep_runs_each_configuration_once() {
    let seeds = SEEDS as usize;
    let h1 = TARGETS.len() * H1_STEPS.len() * 2 * seeds;
    // TB with learned destruction at T = 5 and T = 20 is also an H1 run.
    let h4_new = (H4_STEPS.len() * H4_OBJECTIVES.len() - 2) * seeds;
    // Eleven variants are nine configurations ("full" = ratio 0.3, "same learning rate"
    // = ratio 1), and "full" is H1's 25GMM T = 10 learned run.
    let variants = stability_variants(Scale::Quick, 0).len();
    assert_eq!(variants, 11);
    let h5_new = (variants - 2 - 1) * seeds;
    let h6 = H6_LATENTS.len() * 2 * seeds;
    let all = runs(&Claim::ALL, Scale::Full);
    assert_eq!(all.len(), h1 + h4_new + h5_new + h6);
    assert_eq!(all.len(), 230);
    let ids: BTreeSet<&str> = all.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "ids are unique");
    // H2 and H3 need exactly H1's runs.
    assert_eq!(
        runs(&[Claim::H2], Scale::Quick),
        runs(&[Claim::H1], Scale::Quick)
    );
}

#[test]
fn run_ids_name_the_configuration() {
    let a = base_config("25gmm", 5, Destruction::Learned, 3, Scale::Full);
    let id = run_id(&a);
    assert!(id.starts_with("25gmm-T5-learned-tb-s3-"), "{id}");
    let mut b = a.clone();
    b.lr_destruction *= 2.0;
    assert_ne!(run_id(&b), id, "any change of configuration changes the id");
    assert_eq!(run_id(&a.clone()), id, "ids are stable");
}

#[test]
fn seed_summaries_are_exact() {
    let v = SeedValues(vec![Some(1.0), Some(2.0), None, Some(3.0), Some(6.0)]);
    let (mean, std) = v.mean_std().unwrap();
    assert_eq!(mean, 3.0);
    // Sample variance of {1, 2, 3, 6}: (4 + 1 + 0 + 9) / 3 = 14/3.
    assert!((std - (14.0f64 / 3.0).sqrt()).abs() < 1e-12);
    assert_eq!(v.diverged(), 1);
    assert_eq!(
        v.cell(),
        // No-break spaces keep a cell on one line in the rendered table.
        format!(
            "3.000\u{a0}±\u{a0}{:.3} (1 diverged)",
            (14.0f64 / 3.0).sqrt()
        )
    );
    assert_eq!(SeedValues(vec![None, None]).mean_std(), None);
}

#[test]
fn paired_wins_count_seed_by_seed() {
    let learned = SeedValues(vec![Some(0.1), Some(0.5), Some(0.2), None, Some(0.3)]);
    let fixed = SeedValues(vec![Some(0.2), Some(0.4), None, Some(0.1), Some(0.3)]);
    // Lower is better: seed 0 wins, seed 1 loses, seed 2 wins (fixed diverged), seed 3
    // loses (learned diverged), seed 4 ties (not a win).
    assert_eq!(paired_wins(&learned, &fixed, Metric::ElboGap), 2);
    // Higher is better: seeds 1 and 2.
    assert_eq!(paired_wins(&learned, &fixed, Metric::Elbo), 2);
}

#[test]
fn claim_lists_parse_or_name_the_bad_entry() {
    assert_eq!(Claim::parse_list("all").unwrap(), Claim::ALL.to_vec());
    assert_eq!(
        Claim::parse_list("h4, H1,h4").unwrap(),
        vec![Claim::H4, Claim::H1]
    );
    assert_eq!(Claim::parse_list("h7").unwrap(), vec![Claim::H7]);
    let error = Claim::parse_list("h1,h8").unwrap_err();
    assert!(error.contains("'h8'"), "{error}");
}

#[test]
fn the_convergence_sweep_covers_every_configuration_before_repeating_one() {
    use destroy_then_generate::results::claims::{
        converged_runs, diagnostic_variants, H7_PARTS, H7_STEPS, H7_TARGETS,
    };
    let specs = converged_runs(Scale::Full);
    // H1–H3: 4 targets × 3 steps × 2 destructions; H7: 2 targets × 2 steps × 3 arms
    // beyond H1's learned run; six diagnostics; 5 seeds each.
    let per_seed = TARGETS.len() * H1_STEPS.len() * 2
        + H7_TARGETS.len() * H7_STEPS.len() * (H7_PARTS.len() - 1)
        + 6;
    assert_eq!(diagnostic_variants(Scale::Full, 0).len(), 6);
    assert_eq!(specs.len(), 5 * per_seed);
    assert!(specs[..per_seed].iter().all(|s| s.config.seed == 0));
    assert!(specs
        .iter()
        .all(|s| s.config.batch == 300 && s.config.iterations == 10_000));
    let ids: std::collections::BTreeSet<&str> = specs.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), specs.len(), "every run once");
    assert!(ids
        .iter()
        .any(|id| id.starts_with("manywell-T10-learned-tied-tb-s4-")));
}

// The rules that decide the claims, on synthetic runs with known outcomes.
mod rules {
    use destroy_then_generate::report::Outcome;
    use destroy_then_generate::results::rules::*;
    use destroy_then_generate::results::summary::{Metric, SeedValues};

    /// Five seeds; `None` is a diverged seed.
    fn seeds(values: [Option<f64>; 5]) -> SeedValues {
        SeedValues(values.to_vec())
    }
    /// Five finished seeds at `base + k · step`.
    fn line(base: f64, step: f64) -> SeedValues {
        SeedValues((0..5).map(|k| Some(base + k as f64 * step)).collect())
    }
    fn sampler(values: &[(Metric, SeedValues)]) -> Sampler {
        Sampler(values.to_vec())
    }
    /// A pair whose claimed sampler has ELBO gap `claimed` and baseline `baseline`, with
    /// equal coverage metrics.
    fn pair(label: &str, claimed: SeedValues, baseline: SeedValues) -> Pair {
        let same = line(1.0, 0.1);
        Pair {
            label: label.into(),
            claimed: sampler(&[(Metric::ElboGap, claimed), (Metric::EuboGap, same.clone())]),
            baseline: sampler(&[(Metric::ElboGap, baseline), (Metric::EuboGap, same)]),
        }
    }
    const BETTER: f64 = 1.0;
    const WORSE: f64 = 2.0;

    #[test]
    fn paired_seeds_count_divergence_as_a_loss_and_ties_as_neither() {
        let a = seeds([Some(1.0), Some(2.0), None, Some(3.0), None]);
        let b = seeds([Some(2.0), Some(1.0), Some(1.0), Some(3.0), None]);
        // Lower is better: seed 0 wins, seed 1 loses, seed 2 loses (a diverged), seed 3
        // ties, seed 4 ties (both diverged).
        let p = Paired::of(&a, &b, Metric::ElboGap);
        assert_eq!((p.wins, p.losses, p.ties), (1, 2, 2));
        let p = Paired::of(&a, &b, Metric::Elbo);
        assert_eq!((p.wins, p.losses, p.ties), (1, 2, 2));
        let p = Paired::of(&line(BETTER, 0.0), &line(WORSE, 0.0), Metric::ElboGap);
        assert_eq!((p.wins, p.losses), (5, 0));
        assert_eq!(p.p_value(), 2.0 / 32.0);
        assert_eq!(p.describe(), "5–0, p = 0.0625");
        assert_eq!(format_p(12.0 / 32.0), "0.375");
        assert_eq!(format_p(1.0), "1");
    }

    #[test]
    fn h1_is_reproduced_partly_or_not_by_the_targets_it_wins() {
        let win = || pair("t", line(BETTER, 0.1), line(WORSE, 0.1));
        let lose = || pair("t", line(WORSE, 0.1), line(BETTER, 0.1));
        let all = h1_rule(&[win(), win(), win(), win()]);
        assert_eq!(all.outcome, Outcome::Reproduced);
        assert!(all.p_values.contains("5–0, p = 0.0625"), "{}", all.p_values);
        let labelled = |label: &str, won: bool| Pair {
            label: label.into(),
            ..if won { win() } else { lose() }
        };
        let d = h1_rule(&[
            labelled("a", true),
            labelled("b", false),
            labelled("c", false),
        ]);
        assert_eq!(d.outcome, Outcome::Partly);
        // The targets lost outright are named next to those won.
        assert!(
            d.evidence
                .starts_with("ELBO gap at T = 5 won on: a; lost in ≥ 4 paired seeds on: b, c."),
            "{}",
            d.evidence
        );
        let none = h1_rule(&[lose(), lose(), lose(), lose()]);
        assert_eq!(none.outcome, Outcome::NotReproduced);
        assert!(none.p_values.contains("0–5"), "{}", none.p_values);
        // Three wins of five are not robust.
        let three = pair(
            "t",
            seeds([Some(1.0), Some(1.0), Some(1.0), Some(3.0), Some(3.0)]),
            line(2.0, 0.0),
        );
        assert_eq!(h1_rule(&[three]).outcome, Outcome::NotReproduced);
        // Another metric won robustly makes it partly.
        let mut other = lose();
        other.claimed.0[1].1 = line(0.5, 0.0);
        assert_eq!(h1_rule(&[other]).outcome, Outcome::Partly);
    }

    #[test]
    fn h1_counts_diverged_seeds_against_the_sampler_that_diverged() {
        // Learned diverges in two seeds and wins the other three: not robust.
        let diverging = pair(
            "t",
            seeds([None, None, Some(BETTER), Some(BETTER), Some(BETTER)]),
            line(WORSE, 0.0),
        );
        assert_eq!(h1_rule(&[diverging]).outcome, Outcome::NotReproduced);
        // The fixed sampler diverges in two seeds, learned wins the other three: 5–0.
        let baseline_diverging = pair(
            "t",
            line(BETTER, 0.0),
            seeds([None, None, Some(WORSE), Some(WORSE), Some(WORSE)]),
        );
        assert_eq!(h1_rule(&[baseline_diverging]).outcome, Outcome::Reproduced);
    }

    #[test]
    fn an_elbo_win_that_loses_coverage_says_so() {
        let mut p = pair("manywell", line(BETTER, 0.1), line(WORSE, 0.1));
        // The EUBO gap of the claimed sampler is larger in every seed.
        p.claimed.0[1].1 = line(70.0, 1.0);
        p.baseline.0[1].1 = line(20.0, 1.0);
        let d = h1_rule(std::slice::from_ref(&p));
        assert_eq!(d.outcome, Outcome::Reproduced);
        assert_eq!(d.caveats.len(), 1, "{:?}", d.caveats);
        assert!(
            d.caveats[0].contains(
                "manywell: wins the ELBO by the rule but loses coverage (EUBO gap 0–5, p = 0.0625)"
            ),
            "{}",
            d.caveats[0]
        );
        // An ELBO loss with better coverage is reported the other way round, with the
        // loss counted when it is outright.
        std::mem::swap(&mut p.claimed, &mut p.baseline);
        let d = h1_rule(std::slice::from_ref(&p));
        assert!(
            d.caveats[0].contains("loses the ELBO in 5 of 5 paired seeds but wins coverage"),
            "{:?}",
            d.caveats
        );
        // A 2–3 split is neither a win nor an outright loss.
        p.claimed.0[0].1 = seeds([BETTER, BETTER, WORSE, WORSE, WORSE].map(Some));
        p.baseline.0[0].1 = line(1.5, 0.0);
        let d = h1_rule(&[p]);
        assert!(
            d.caveats[0].contains("does not win the ELBO by the rule but wins coverage"),
            "{:?}",
            d.caveats
        );
        // No disagreement, no caveat.
        let agree = h1_rule(&[pair("t", line(BETTER, 0.1), line(WORSE, 0.1))]);
        assert!(agree.caveats.is_empty());
    }

    fn h2(learned5: f64, fixed5: f64, fixed20: f64) -> H2Target {
        let s = |v: f64| sampler(&[(Metric::ElboGap, line(v, 0.01))]);
        H2Target {
            target: "t".into(),
            learned5: s(learned5),
            fixed5: s(fixed5),
            fixed20: s(fixed20),
        }
    }

    #[test]
    fn h2_is_decided_against_the_better_fixed_sampler() {
        // More fixed steps made things worse: learned T = 5 beats fixed T = 20 but not
        // fixed T = 5, so the claim does not hold on this target.
        let funnel_like = h2(1.6, 1.5, 1.7);
        assert_eq!(funnel_like.baseline().0, 5);
        assert_eq!(h2_rule(&[funnel_like]).outcome, Outcome::NotReproduced);
        // Learned T = 5 beats both.
        let d = h2_rule(&[h2(1.0, 1.5, 1.7), h2(3.0, 1.5, 1.2)]);
        assert_eq!(d.outcome, Outcome::Reproduced);
        assert!(d.evidence.contains("against fixed T = 5"), "{}", d.evidence);
        // The usual case: fixed T = 20 is better, and learned T = 5 loses to it.
        let usual = h2(1.3, 1.5, 1.2);
        assert_eq!(usual.baseline().0, 20);
        let d = h2_rule(&[usual]);
        assert_eq!(d.outcome, Outcome::NotReproduced);
        assert!(
            d.evidence
                .ends_with("larger ELBO gap in ≥ 4 paired seeds: t (against fixed T = 20)."),
            "{}",
            d.evidence
        );
    }

    /// A curve at iterations 100, 200, 300 reaching `at` (or never: `None`) a level of 0.
    fn curve(at: Option<usize>) -> ElboCurve {
        Some(
            [100, 200, 300]
                .into_iter()
                .map(|i| {
                    (
                        i,
                        if at.is_some_and(|a| i >= a) {
                            0.0
                        } else {
                            -1.0
                        },
                    )
                })
                .collect(),
        )
    }

    #[test]
    fn h3_asks_which_mean_curve_reaches_the_fixed_final_level_first() {
        let fixed: Vec<ElboCurve> = (0..5).map(|_| curve(Some(300))).collect();
        let faster = H3Target {
            target: "a".into(),
            fixed: fixed.clone(),
            learned: (0..5).map(|_| curve(Some(100))).collect(),
        };
        assert_eq!(faster.reached(), (Some(300), Some(100)));
        assert_eq!(faster.paired().wins, 5);

        let slower = H3Target {
            target: "b".into(),
            fixed: fixed.clone(),
            learned: (0..5).map(|_| curve(None)).collect(),
        };
        assert_eq!(slower.paired().losses, 5);
        // The evidence names the iterations, never reaching as "never".
        let both = h3_rule(&[faster.clone(), slower.clone()]);
        assert!(
            both.evidence
                .contains("a 300 against 100; b 300 against never"),
            "{}",
            both.evidence
        );
        assert_eq!(
            h3_rule(&[faster.clone(), faster.clone()]).outcome,
            Outcome::Reproduced
        );
        assert_eq!(h3_rule(&[faster, slower.clone()]).outcome, Outcome::Partly);
        assert_eq!(
            h3_rule(&[slower.clone(), slower]).outcome,
            Outcome::NotReproduced
        );
        // A diverged learned seed never reaches the level.
        let diverged = H3Target {
            target: "c".into(),
            fixed,
            learned: vec![
                None,
                None,
                curve(Some(100)),
                curve(Some(100)),
                curve(Some(100)),
            ],
        };
        let p = diverged.paired();
        assert_eq!((p.wins, p.losses), (3, 2));
    }

    fn h4a(steps: usize, tb: f64, vargrad: f64, pis: SeedValues) -> H4aSteps {
        let s = |v: SeedValues| sampler(&[(Metric::ElboGap, v)]);
        H4aSteps {
            steps,
            tb: s(line(tb, 0.0)),
            vargrad: s(line(vargrad, 0.0)),
            pis: s(pis),
        }
    }

    #[test]
    fn h4a_compares_the_better_second_moment_objective_with_pis() {
        // PIS at 2 ± 0.79: within one std of 2.5 → competitive; 3.0 is not.
        let pis = || line(1.0, 0.5);
        let d = h4a_rule(&[h4a(5, 3.0, 2.5, pis()), h4a(20, 1.0, 4.0, pis())]);
        assert_eq!(d.outcome, Outcome::Reproduced);
        assert!(d.p_values.contains("vargrad against pis"), "{}", d.p_values);
        let d = h4a_rule(&[h4a(5, 3.0, 3.5, pis()), h4a(20, 1.0, 4.0, pis())]);
        assert_eq!(d.outcome, Outcome::Partly);
        let d = h4a_rule(&[h4a(5, 3.0, 3.5, pis())]);
        assert_eq!(d.outcome, Outcome::NotReproduced);
    }

    #[test]
    fn h4b_tells_divergence_from_degradation() {
        let finished = || line(BETTER, 0.1);
        // Divergence at large T.
        let diverging = seeds([None, None, Some(1.0), Some(1.0), Some(1.0)]);
        let d = h4b_rule((5, 50), &finished(), &diverging, &finished());
        assert_eq!(d.outcome, Outcome::Reproduced);
        assert!(d.evidence.starts_with("divergence"), "{}", d.evidence);
        // No divergence, but worse than TB in every seed: degradation only.
        let d = h4b_rule((5, 50), &finished(), &line(WORSE, 0.1), &finished());
        assert_eq!(d.outcome, Outcome::Partly);
        assert!(
            d.evidence.starts_with("degradation without divergence"),
            "{}",
            d.evidence
        );
        assert!(d.p_values.contains("0–5, p = 0.0625"), "{}", d.p_values);
        // Worse in only three seeds: neither.
        let three = seeds([Some(3.0), Some(3.0), Some(3.0), Some(0.0), Some(0.0)]);
        let d = h4b_rule((5, 50), &finished(), &three, &line(1.0, 0.0));
        assert_eq!(d.outcome, Outcome::NotReproduced);
        // Diverging equally at both T is no instability at large T.
        let d = h4b_rule((5, 50), &diverging, &diverging, &finished());
        assert_ne!(d.outcome, Outcome::Reproduced);
    }

    #[test]
    fn h5_rules_read_the_full_method_and_each_variant() {
        let gap = |v: SeedValues| sampler(&[(Metric::ElboGap, v)]);
        // Full: mean 1.2, std 0.158.
        let full = gap(line(1.0, 0.1));
        let hurt = ("a".to_string(), gap(line(2.0, 0.1)));
        let harmless = ("b".to_string(), gap(line(1.05, 0.1)));
        let diverging = (
            "c".to_string(),
            gap(seeds([None, Some(1.0), Some(1.0), Some(1.0), Some(1.0)])),
        );
        let d = h5a_rule(&full, &[hurt.clone(), diverging.clone()]);
        assert_eq!(d.outcome, Outcome::Reproduced);
        assert_eq!(
            h5a_rule(&full, &[hurt.clone(), harmless.clone()]).outcome,
            Outcome::Partly
        );
        assert_eq!(
            h5a_rule(&full, std::slice::from_ref(&harmless)).outcome,
            Outcome::NotReproduced
        );
        // A removal that leaves the ELBO gap as it was but covers the target better in
        // every seed is named in the evidence; one that hurts is not listed there.
        let with_eubo = |s: &Sampler, eubo: f64| {
            let mut s = s.clone();
            s.0.push((Metric::EuboGap, line(eubo, 0.1)));
            s
        };
        let full_covering = with_eubo(&full, 2.0);
        let covers_better = ("b".to_string(), with_eubo(&harmless.1, 1.0));
        let hurts_but_covers = ("a".to_string(), with_eubo(&hurt.1, 1.0));
        let d = h5a_rule(&full_covering, &[covers_better, hurts_but_covers]);
        assert!(
            d.evidence.ends_with(
                "Coverage better without, in ≥ 4 paired seeds: b (full against it: EUBO gap 0–5, p = 0.0625)."
            ),
            "{}",
            d.evidence
        );
        // Ratios spread by 1.0 > 2 · 0.158: sensitive; by 0.2: not.
        let ratios = |spread: f64| {
            vec![
                ("r1".to_string(), line(1.0, 0.1)),
                ("r2".to_string(), line(1.0 + spread, 0.1)),
            ]
        };
        let full = line(1.0, 0.1);
        assert_eq!(h5b_rule(&full, &ratios(1.0)).outcome, Outcome::Reproduced);
        assert_eq!(
            h5b_rule(&full, &ratios(0.2)).outcome,
            Outcome::NotReproduced
        );
        let d = h5b_rule(&full, &ratios(1.0));
        assert!(d.p_values.contains("r1 against r2: 5–0"), "{}", d.p_values);
    }

    #[test]
    fn h6_reads_elbo_reward_precision_and_diversity() {
        let s = |v: f64| sampler(&H6_METRICS.map(|m| (m, line(v, 0.1))));
        let latent = |learned: Sampler, fixed: Sampler| Pair {
            label: "latent".into(),
            claimed: learned,
            baseline: fixed,
        };
        // Higher is better for every H6 metric.
        assert_eq!(
            h6_rule(&[latent(s(2.0), s(1.0))]).outcome,
            Outcome::Reproduced
        );
        assert_eq!(
            h6_rule(&[latent(s(1.0), s(2.0))]).outcome,
            Outcome::NotReproduced
        );
        // A better ELBO with worse reward: partly, and the loss is named.
        let mut mixed = s(2.0);
        mixed.0[1].1 = line(0.0, 0.1);
        let d = h6_rule(&[latent(mixed, s(1.0))]);
        assert_eq!(d.outcome, Outcome::Partly);
        assert!(
            d.caveats.iter().any(|c| c.contains("mean log-reward (0–5")),
            "{:?}",
            d.caveats
        );
    }

    #[test]
    fn h7_is_decided_by_decoupled_against_tied_in_every_cell() {
        let win = |label: &str| pair(label, line(BETTER, 0.1), line(WORSE, 0.1));
        let lose = |label: &str| pair(label, line(WORSE, 0.1), line(BETTER, 0.1));
        let cells = [
            "25gmm T = 5",
            "25gmm T = 10",
            "manywell T = 5",
            "manywell T = 10",
        ];
        let all: Vec<Pair> = cells.iter().map(|c| win(c)).collect();
        let d = h7_rule(&all, &[]);
        assert_eq!(d.outcome, Outcome::Reproduced);
        assert!(
            d.p_values.contains("manywell T = 10 5–0, p = 0.0625"),
            "{}",
            d.p_values
        );
        let some = [
            win(cells[0]),
            lose(cells[1]),
            lose(cells[2]),
            lose(cells[3]),
        ];
        let d = h7_rule(&some, &[]);
        assert_eq!(d.outcome, Outcome::Partly);
        assert!(
            d.evidence.starts_with("Decoupled beats tied in ≥ 4 paired seeds on: 25gmm T = 5; loses to it on: 25gmm T = 10, manywell T = 5, manywell T = 10."),
            "{}",
            d.evidence
        );
        let none: Vec<Pair> = cells.iter().map(|c| lose(c)).collect();
        // The single-part arms are reported, never decided on: winning them all changes
        // nothing.
        let d = h7_rule(
            &none,
            &[
                win("25gmm T = 5 mean only"),
                lose("25gmm T = 5 variance only"),
            ],
        );
        assert_eq!(d.outcome, Outcome::NotReproduced);
        assert!(
            d.evidence.contains("single learned part on: 25gmm T = 5 mean only; loses to one on: 25gmm T = 5 variance only"),
            "{}",
            d.evidence
        );
        // Three wins out of five seeds are not a robust win.
        let three = pair(
            cells[0],
            seeds([
                Some(BETTER),
                Some(BETTER),
                Some(BETTER),
                Some(WORSE),
                Some(WORSE),
            ]),
            line(1.5, 0.0),
        );
        assert_eq!(h7_rule(&[three], &[]).outcome, Outcome::NotReproduced);
    }

    #[test]
    fn what_we_tried_says_whether_a_variant_closes_the_gap_to_fixed() {
        use destroy_then_generate::results::what_we_tried::{findings, Tried};
        // The method's ELBO gap is 2, the fixed destruction's 1: behind in every seed.
        let method_vs_fixed = pair("learned", line(WORSE, 0.1), line(BETTER, 0.1));
        let variant = |name: &str, gap: f64, converged: bool| Tried {
            against_method: pair(name, line(gap, 0.1), line(WORSE, 0.1)),
            against_fixed: pair(name, line(gap, 0.1), line(BETTER, 0.1)),
            converged,
        };
        // One variant between the two, one at the fixed level, one worse than the method.
        let tried = [
            variant("ratio 0.1", 1.5, true),
            variant("mean range 10", BETTER, true),
            variant("no target network", 3.0, false),
        ];
        let text = findings(&method_vs_fixed, &tried, &["the method".into()]);
        assert!(
            text.starts_with(
                "The method is behind the fixed destruction on the ELBO gap (0–5, p = 0.0625)."
            ),
            "{text}"
        );
        assert!(text.contains("a smaller ELBO gap in ≥ 4 of 5 paired seeds: ratio 0.1, mean range 10; a larger one: no target network."), "{text}");
        assert!(text.contains("Still behind the fixed destruction in ≥ 4 of 5 paired seeds: ratio 0.1, no target network; no longer behind it in that many: mean range 10."), "{text}");
        assert!(
            text.contains(
                "Part of the method's shortfall here may then be a setting of our reconstruction"
            ),
            "{text}"
        );
        assert!(
            text.trim_end()
                .ends_with("read with care: the method, no target network."),
            "{text}"
        );
        // Without the variant at the fixed level, the shortfall stays with the method.
        let text = findings(&method_vs_fixed, &tried[..1], &[]);
        assert!(
            text.contains(
                "no longer behind it in that many: none. No single change of setting we tried"
            ),
            "{text}"
        );
        assert!(!text.contains("read with care"), "{text}");
        // A method not behind the fixed destruction leaves nothing to explain.
        let level = pair("learned", line(BETTER, 0.1), line(BETTER, 0.1));
        let text = findings(&level, &tried, &[]);
        assert!(
            text.contains("not behind the fixed destruction") && text.contains("(0–0, p = 1)"),
            "{text}"
        );
    }

    #[test]
    fn h7_arms_in_the_diagnostic_cell_are_set_against_the_fixed_destruction() {
        use destroy_then_generate::results::what_we_tried::parts_learned;
        // Fixed destruction's ELBO gap 1 (BETTER); one arm ahead, one behind, one level.
        let arms = [
            pair("tied", line(WORSE, 0.1), line(BETTER, 0.1)),
            pair("mean-only", line(0.5, 0.1), line(BETTER, 0.1)),
            pair("variance-only", line(BETTER, 0.1), line(BETTER, 0.1)),
        ];
        let text = parts_learned(&arms);
        assert!(
            text.contains("(wins–losses, p): tied 0–5, p = 0.0625; mean-only 5–0, p = 0.0625; variance-only 0–0, p = 1.")
                && text.contains("Ahead of it in ≥ 4 of 5 paired seeds: mean-only; behind it in that many: tied.")
                && text.contains("depends on which parts it learns"),
            "{text}"
        );
        let text = parts_learned(&arms[..1]);
        assert!(
            text.contains(
                "Ahead of it in ≥ 4 of 5 paired seeds: none; behind it in that many: tied."
            ),
            "{text}"
        );
        assert!(
            text.contains("Whichever parts it learns, our learned destruction ends behind"),
            "{text}"
        );
        assert_eq!(parts_learned(&[]), "");
    }

    #[test]
    fn the_short_verdicts_say_which_changed_at_convergence() {
        use destroy_then_generate::results::findings::verdicts_across_budgets;
        use destroy_then_generate::results::summary::Verdict;
        let verdict = |claim: &'static str, outcome: Outcome| Verdict {
            claim,
            statement: "",
            rule: String::new(),
            evidence: String::new(),
            p_values: String::new(),
            caveats: Vec::new(),
            outcome,
        };
        let short = [
            verdict("H1", Outcome::Reproduced),
            verdict("H2", Outcome::Partly),
            verdict("H3", Outcome::NotReproduced),
            verdict("H4a", Outcome::Partly),
            verdict("H6", Outcome::Reproduced),
        ];
        let pending = verdicts_across_budgets(&short, &[]);
        assert!(pending.contains("decides H1, H2 and H3 again"), "{pending}");
        assert!(
            pending.contains(
                "rest on the short budget alone. H4a and H6 are decided at this short budget only."
            ),
            "{pending}"
        );
        // Claims are decided one by one, as the runs each reads are stored.
        let partial = verdicts_across_budgets(&short, &[verdict("H2", Outcome::Reproduced)]);
        assert!(
            partial.contains(": H2 is reproduced there (partly here). The verdict of H2 changed"),
            "{partial}"
        );
        assert!(
            partial.contains("H1 and H3 still wait for runs there"),
            "{partial}"
        );
        let one_waiting = verdicts_across_budgets(
            &short,
            &[
                verdict("H1", Outcome::Reproduced),
                verdict("H2", Outcome::Partly),
            ],
        );
        assert!(
            one_waiting.contains(
                "H3 still waits for runs there, so for now its verdict rests on the short budget alone."
            ),
            "{one_waiting}"
        );
        let converged = [
            verdict("H1", Outcome::NotReproduced),
            verdict("H2", Outcome::Partly),
            verdict("H3", Outcome::NotDecided),
            verdict("H7", Outcome::Reproduced),
        ];
        let text = verdicts_across_budgets(&short, &converged);
        assert!(text.contains(": H1 is not reproduced there (reproduced here), H2 is partly there (partly here) and H3 is not decided there (not reproduced here)."), "{text}");
        assert!(
            text.contains("The verdict of H1 changed with the budget"),
            "{text}"
        );
        assert!(
            text.contains(
                "H3 is not decided there, because a configuration it reads did not converge"
            ),
            "{text}"
        );
        let undecided = [verdict("H1", Outcome::NotDecided)];
        let text = verdicts_across_budgets(&short[..1], &undecided);
        assert!(
            text.contains("No claim is decided at both budgets yet, so the longer budget has neither confirmed nor overturned any of these verdicts. H1 is not decided there"),
            "{text}"
        );
        let same = [verdict("H1", Outcome::Reproduced)];
        let text = verdicts_across_budgets(&short[..1], &same);
        assert!(
            text.trim_end()
                .ends_with("Of the claims decided at both budgets (H1), none changed its verdict."),
            "{text}"
        );
    }

    #[test]
    fn the_first_table_puts_the_converged_verdict_first_and_marks_the_short_one_superseded() {
        use destroy_then_generate::results::findings::headline;
        use destroy_then_generate::results::summary::Verdict;
        let verdict = |claim: &'static str, outcome: Outcome, splits: &str| Verdict {
            claim,
            statement: "",
            rule: String::new(),
            evidence: String::new(),
            p_values: splits.to_string(),
            caveats: Vec::new(),
            outcome,
        };
        let short = [
            verdict("H1", Outcome::Partly, ""),
            verdict("H2", Outcome::Reproduced, ""),
            verdict("H4a", Outcome::NotReproduced, ""),
        ];
        let converged = [
            Some(verdict("H1", Outcome::NotDecided, "25gmm 0–5, p = 0.0625")),
            None,
            None,
            Some(verdict(
                "H7",
                Outcome::NotReproduced,
                "25gmm T = 5 1–4, p = 0.375",
            )),
        ];
        let table = headline(&short, &converged);
        let rows: Vec<&str> = table.lines().skip(2).collect();
        assert_eq!(
            rows,
            [
                "| H1 | **not decided (not converged)** | 25gmm 0–5, p = 0.0625 | partly (superseded) |",
                "| H2 | waiting for runs | — | reproduced (superseded once decided) |",
                "| H4a | — (short budget only) | — | **not reproduced** |",
                "| H7 | **not reproduced** | 25gmm T = 5 1–4, p = 0.375 | — (converged budget only) |",
            ]
        );
    }

    #[test]
    fn the_progress_line_counts_runs_and_hours_and_says_when_the_sweep_is_complete() {
        use destroy_then_generate::results::findings::{converged_progress, SweepProgress};
        let progress = |stored: usize, complete: bool| SweepProgress {
            stored,
            all: 410,
            first: 210,
            seconds: 5.5 * 3600.0,
            complete,
        };
        let done = converged_progress(progress(410, true), &[], &[]);
        assert!(
            done.starts_with(
                "The convergence sweep is complete: 410 runs (210 at the convergence budget, and 200 in extensions"
            ) && done.contains("5.5 single-thread hours of training in all."),
            "{done}"
        );
        assert!(!done.contains("so far"), "{done}");
        let running = converged_progress(
            progress(395, false),
            &["H1".into(), "H3".into()],
            &[("H7", vec!["manywell T = 10 learned (tied)".into()])],
        );
        assert!(
            running.contains("has stored 395 of them (5.5 single-thread hours of training so far)")
                && running.contains("H1 and H3 are decided so far")
                && running.contains("H7 will read \"not decided\"")
                && running.contains(": manywell T = 10 learned (tied)."),
            "{running}"
        );
    }

    #[test]
    fn an_unconverged_configuration_leaves_a_claim_undecided() {
        let win = pair("t", line(BETTER, 0.1), line(WORSE, 0.1));
        let d = h7_rule(std::slice::from_ref(&win), &[]);
        assert_eq!(decided_on_converged(d.clone(), &[]), d);
        let undecided = decided_on_converged(d.clone(), &["manywell T = 20 fixed".into()]);
        assert_eq!(undecided.outcome, Outcome::NotDecided);
        assert!(undecided
            .evidence
            .ends_with("Not converged: manywell T = 20 fixed."));
        assert_eq!(undecided.p_values, d.p_values);
    }
}

#[test]
fn the_mode_column_names_its_threshold() {
    use destroy_then_generate::results::summary::MODE_SHARE;
    let heading = Metric::ModesCovered.heading();
    assert!(
        heading.contains(&format!("≥ {} % ", 100.0 * MODE_SHARE)),
        "{heading}"
    );
    assert!(!Metric::ModesCovered.lower_is_better());
}
