//! The reproduction's bookkeeping against exact answers: which runs the claims need, how
//! seeds are summarised and paired, and how claim lists are parsed.

use destroy_then_generate::diffusion_samplers::kernels::Destruction;
use destroy_then_generate::diffusion_samplers::reproduce::claims::{
    base_config, run_id, stability_variants, Claim, H1_STEPS, H4_OBJECTIVES, H4_STEPS, H6_LATENTS,
    SEEDS, TARGETS,
};
use destroy_then_generate::diffusion_samplers::reproduce::runs;
use destroy_then_generate::diffusion_samplers::reproduce::summary::{
    paired_wins, Metric, SeedValues,
};
use destroy_then_generate::report::Scale;
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
        format!("3.000 ± {:.3} (1 diverged)", (14.0f64 / 3.0).sqrt())
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
    let error = Claim::parse_list("h1,h7").unwrap_err();
    assert!(error.contains("'h7'"), "{error}");
}
