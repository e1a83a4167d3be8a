//! The chapter's generated files: tables, named numbers, figures, verdicts, provenance.

use super::experiment::{
    thousands, ChapterResults, Outcome, Sweep, Verdict, A1_LATER_FACTOR, A1_U_WITHIN,
    A1_V_STILL_BELOW,
};
use super::figures::figures;
use super::model::Latent;
use super::oracle::{kappa4_along_v, Checked, KAPPA4_RADEMACHER};
use super::runs::Spike;
use super::runs::FOUND;
use super::training::ALPHA;
use crate::report::{
    anchored_numbers, verdicts_markdown, GeneratedFiles, Provenance, VerdictEntry,
};
use std::fmt::Write;

/// The chapter's folder under `book/generated/`.
pub const CHAPTER: &str = "easy-to-hard";

fn checks_table(r: &ChapterResults) -> String {
    let mut t = String::from(
        "| latents | statistic | Monte Carlo ± s.e. | closed form | deviation (s.e.) |\n|---|---|---|---|---|\n",
    );
    let rows = |t: &mut String, latent: &str, checks: &[Checked]| {
        for c in checks {
            writeln!(
                t,
                "| {latent} | {} | {:.3} ± {:.3} | {:.3} | {:.1} |",
                c.name,
                c.measured,
                c.se,
                c.exact,
                c.z()
            )
            .unwrap();
        }
    };
    rows(&mut t, "independent", &r.model_checks.independent);
    rows(&mut t, "ν = sign(λ)", &r.model_checks.sign);
    t
}

fn signal_table(r: &ChapterResults) -> String {
    let mut t = String::from(
        "| overlap $m$ | gain with $m_u = m$ (covariance spike) | gain with $m_v = m$ (cumulant spike) |\n|---|---|---|\n",
    );
    for row in &r.signal.rows {
        writeln!(t, "| {} | {:.2e} | {:.2e} |", row.m, row.gain_u, row.gain_v).unwrap();
    }
    t
}

fn a1_table(r: &ChapterResults) -> String {
    let mut t = format!(
        "| run | $t_u({FOUND})$ | $m_v$ then | $t_v({FOUND})$ | $t_v / t_u$ | all four rules |\n|---|---|---|---|---|---|\n",
    );
    for (k, (run, checks)) in r.a1.runs.iter().zip(&r.a1.checks).enumerate() {
        let steps = |t: Option<u64>| t.map_or("not reached".into(), |t| thousands(t as f64));
        let ratio = match (run.t_u, run.t_v) {
            (Some(u), Some(v)) => format!("{:.0}", v as f64 / u as f64),
            _ => "—".into(),
        };
        writeln!(
            t,
            "| {} | {} | {} | {} | {ratio} | {} |",
            k + 1,
            steps(run.t_u),
            run.m_v_at_t_u.map_or("—".into(), |m| format!("{m:.2}")),
            steps(run.t_v),
            if checks.iter().all(|&ok| ok) {
                "yes"
            } else {
                "**no**"
            }
        )
        .unwrap();
    }
    t
}

fn sweep_rows(t: &mut String, sweep: &Sweep) {
    let (name, unit, power) = match sweep.spike {
        Spike::U => ("$u$ (covariance only)", "$/d$", 1),
        Spike::V => ("$v$ (cumulant only)", "$/d^3$", 3),
    };
    for p in &sweep.points {
        let done: Vec<f64> = p.steps.iter().flatten().map(|&x| x as f64).collect();
        let lo = done.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = done.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let median = match p.median {
            Some(m) => thousands(m as f64),
            None => format!("> {} (capped)", thousands(p.cap as f64)),
        };
        writeln!(
            t,
            "| {name} | {} | {median} | {:.0} {unit} | {} to {} | {} of {} (cap {}) |",
            p.d,
            p.median_or_cap() / (p.d as f64).powi(power),
            thousands(lo),
            thousands(hi),
            p.capped,
            p.steps.len(),
            thousands(p.cap as f64)
        )
        .unwrap();
    }
}

fn a2_table(r: &ChapterResults) -> String {
    let mut t = String::from(
        "| spike | $d$ | median steps | median, scaled | fastest to slowest finished run | capped runs |\n|---|---|---|---|---|---|\n",
    );
    sweep_rows(&mut t, &r.a2.covariance);
    sweep_rows(&mut t, &r.a2.cumulant);
    t
}

fn a3_table(r: &ChapterResults) -> String {
    let mut t = String::from(
        "| latents; activation | $E(\\lambda\\nu)$ | $m_u$ at the end | $m_v$ at the end |\n|---|---|---|---|\n",
    );
    for runs in &r.a3.latents {
        let finals = runs.finals();
        let range = |f: fn(&(f64, f64)) -> f64| {
            let xs: Vec<f64> = finals.iter().map(f).collect();
            format!(
                "{:.3} to {:.3}",
                xs.iter().copied().fold(f64::INFINITY, f64::min),
                xs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            )
        };
        writeln!(
            t,
            "| {} | {:.3} | {} | {} |",
            // A pipe in a name (|λ|) would end the table cell.
            runs.label().replace('|', "\\|"),
            super::oracle::e_lambda_nu(runs.latent),
            range(|p| p.0),
            range(|p| p.1)
        )
        .unwrap();
    }
    t
}

/// The chapter's verdicts in the shared layout of [`verdicts_markdown`].
fn verdicts_file(verdicts: &[&Verdict]) -> String {
    let entries: Vec<VerdictEntry> = verdicts
        .iter()
        .map(|v| VerdictEntry::of_paper(v.claim, v.paper, &v.rule, &v.evidence, v.outcome))
        .collect();
    verdicts_markdown("the paper says", &entries)
}

fn every_or_count(count: usize, all: usize) -> String {
    if count == all {
        format!("in every one of the {all} seeds")
    } else {
        format!("in {count} of {all} seeds")
    }
}

fn numbers(r: &ChapterResults) -> String {
    let s = &r.settings;
    let a1_d = r.a1.d as f64;
    let find = |name: &str| {
        r.model_checks
            .independent
            .iter()
            .find(|c| c.name == name)
            .expect("the checks are named")
            .clone()
    };
    let k4 = find("κ₄ along v");
    let sign_e = r
        .model_checks
        .sign
        .iter()
        .find(|c| c.name == "E(λν)")
        .expect("the checks are named")
        .clone();
    let coupling = |latent: Latent| {
        r.signal
            .coupling
            .iter()
            .find(|c| c.0 == latent)
            .expect("every latent")
            .1
    };
    let a3 = &r.a3;
    let m_v_of = |latent: Latent, even: f64| -> Vec<f64> {
        a3.arm(latent, even).finals().iter().map(|p| p.1).collect()
    };
    let max = |xs: Vec<f64>| xs.into_iter().fold(f64::NEG_INFINITY, f64::max);
    let span = |xs: Vec<f64>| {
        let low = xs.iter().copied().fold(f64::INFINITY, f64::min);
        format!("{low:.2} to {:.2}", max(xs))
    };
    let parity_below_ind = m_v_of(Latent::Parity, 0.0)
        .iter()
        .filter(|&&m| m < 0.15)
        .count();
    let a3_seeds = a3.latents[0].trajectories.len();
    let gaps: Vec<f64> = m_v_of(Latent::Sign, 0.0)
        .iter()
        .zip(m_v_of(Latent::MatchedGaussian, 0.0))
        .map(|(s, c)| s - c)
        .collect();
    let a1_passed =
        r.a1.checks
            .iter()
            .filter(|c| c.iter().all(|&ok| ok))
            .count();
    let tv_reached = r.a1.runs.iter().filter(|run| run.t_v.is_some()).count();
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let outcome = |o: Outcome| o.word().to_string();
    let order_word = |order: f64| match order.round() as i64 {
        1 => "linear".to_string(),
        2 => "quadratic".to_string(),
        3 => "cubic".to_string(),
        4 => "quartic".to_string(),
        k => format!("of order {k}"),
    };
    let t_u_max = r.a1.runs.iter().filter_map(|run| run.t_u).max();
    let t_v_min = r.a1.runs.iter().filter_map(|run| run.t_v).min();
    let steps_or_none = |t: Option<u64>| t.map_or("never".into(), |t| thousands(t as f64));
    let parity_effect = if parity_below_ind == a3_seeds {
        "no speed-up"
    } else {
        "a speed-up in some seeds"
    };
    let entries = [
        ("alpha", format!("{ALPHA}")),
        ("noise_sd", format!("{:.3}", (1.0 - ALPHA * ALPHA).sqrt())),
        ("a_level", format!("{:.2}", ALPHA * ALPHA)),
        ("alpha4", format!("{:.2}", ALPHA.powi(4))),
        ("beta_u", "4".into()),
        ("beta_v", "10".into()),
        (
            "kappa4_v_exact",
            format!("{:.2}", kappa4_along_v(KAPPA4_RADEMACHER, 10.0)),
        ),
        (
            "kappa4_v_measured",
            format!("{:.3} ± {:.3}", k4.measured, k4.se),
        ),
        ("moment_samples", s.moment_samples.to_string()),
        ("moment_d", s.moment_d.to_string()),
        (
            "cov_worst_z",
            format!("{:.1}", r.model_checks.independent_cov_worst_z),
        ),
        (
            "sign_cov_worst_z",
            format!("{:.1}", r.model_checks.sign_cov_worst_z),
        ),
        (
            "whitening_error",
            format!("{:.0e}", r.model_checks.whitening_error),
        ),
        (
            "e_lambda_nu_measured",
            format!("{:.3} ± {:.3}", sign_e.measured, sign_e.se),
        ),
        ("e_lambda_nu_exact", format!("{:.4}", sign_e.exact)),
        ("order_u", format!("{:.2}", r.signal.order_u)),
        ("order_v", format!("{:.2}", r.signal.order_v)),
        ("order_u_word", order_word(r.signal.order_u)),
        ("order_v_word", order_word(r.signal.order_v)),
        ("a1_tu_max", steps_or_none(t_u_max)),
        ("a1_tv_min", steps_or_none(t_v_min)),
        (
            "coupling_independent",
            format!("{:.0e}", coupling(Latent::Independent).abs()),
        ),
        ("coupling_sign", format!("{:.3}", coupling(Latent::Sign))),
        (
            "coupling_control",
            format!("{:.3}", coupling(Latent::MatchedGaussian)),
        ),
        (
            "coupling_parity",
            format!("{:.0e}", coupling(Latent::Parity).abs()),
        ),
        (
            "parity_vs_independent",
            format!("{:.0e}", r.signal.parity_vs_independent),
        ),
        ("a1_d", r.a1.d.to_string()),
        ("a1_found", FOUND.to_string()),
        ("a1_u_within", thousands(A1_U_WITHIN as f64)),
        ("a1_v_still_below", A1_V_STILL_BELOW.to_string()),
        ("a1_later_factor", A1_LATER_FACTOR.to_string()),
        ("a1_d3", thousands(a1_d.powi(3))),
        ("a1_steps", thousands(r.a1.steps as f64)),
        ("a1_log_every", s.a1_log_every.to_string()),
        ("a1_seeds", s.a1_seeds.to_string()),
        ("a1_passed", every_or_count(a1_passed, r.a1.runs.len())),
        ("a1_tv_reached", every_or_count(tv_reached, r.a1.runs.len())),
        ("a1_outcome", outcome(r.a1.verdict.outcome)),
        ("a2_seeds", s.a2_seeds.to_string()),
        ("a2_cap_u", format!("{}", s.a2_cap_u_per_d)),
        ("a2_cap_v", format!("{}", s.a2_cap_v_per_d3)),
        ("a2_ratio_u", format!("{:.1}", r.a2.ratio_u)),
        ("a2_ratio_v", format!("{:.1}", r.a2.ratio_v)),
        (
            "a2_slope_u",
            format!("{:.2}", r.a2.covariance.slope_of_medians),
        ),
        (
            "a2_slope_v",
            format!("{:.2}", r.a2.cumulant.slope_of_medians),
        ),
        (
            "a2_seed_slope_u",
            format!("{:.2}", median(&r.a2.covariance.per_seed_slopes)),
        ),
        (
            "a2_seed_slope_v",
            format!("{:.2}", median(&r.a2.cumulant.per_seed_slopes)),
        ),
        ("a2_outcome", outcome(r.a2.verdict.outcome)),
        ("a3_d", r.a3.d.to_string()),
        ("a3_steps", thousands(r.a3.steps as f64)),
        ("a3_seeds", s.a3_seeds.to_string()),
        ("a3_margin", format!("{}", s.a3_margin)),
        ("a3_even", format!("{}", s.a3_even)),
        ("a3_top_m_v", format!("{:.2}", a3.top_component_m_v)),
        ("a3_sign_m_v", span(m_v_of(Latent::Sign, 0.0))),
        ("a3_control_m_v", span(m_v_of(Latent::MatchedGaussian, 0.0))),
        ("a3_gap", span(gaps)),
        (
            "a3_max_m_v_independent",
            format!("{:.3}", max(m_v_of(Latent::Independent, 0.0))),
        ),
        (
            "a3a_held",
            every_or_count(a3.beyond_covariance_seeds, a3_seeds),
        ),
        ("a3a_outcome", outcome(a3.beyond_covariance.outcome)),
        (
            "a3_parity_even_m_v",
            span(m_v_of(Latent::Parity, s.a3_even)),
        ),
        (
            "a3_independent_even_m_v",
            span(m_v_of(Latent::Independent, s.a3_even)),
        ),
        (
            "a3_even_max_m_u",
            format!(
                "{:.2}",
                [Latent::Independent, Latent::Parity]
                    .into_iter()
                    .flat_map(|l| a3.arm(l, s.a3_even).finals())
                    .map(|p| p.0)
                    .fold(f64::NEG_INFINITY, f64::max)
            ),
        ),
        (
            "a3b_held",
            every_or_count(a3.hidden_coupling_seeds, a3_seeds),
        ),
        ("a3b_outcome", outcome(a3.hidden_coupling.outcome)),
        (
            "a3_max_m_v_parity",
            format!("{:.3}", max(m_v_of(Latent::Parity, 0.0))),
        ),
        (
            "a3_parity_below",
            every_or_count(parity_below_ind, a3_seeds),
        ),
        ("a3_parity_effect", parity_effect.to_string()),
        (
            "random_level",
            format!(
                "{:.2}",
                (2.0 / (std::f64::consts::PI * r.a3.d as f64)).sqrt()
            ),
        ),
    ];
    anchored_numbers(&entries)
}

/// The chapter's generated files: report, tables, numbers, figures, verdicts, provenance.
pub fn chapter_files(results: &ChapterResults, provenance: &Provenance) -> GeneratedFiles {
    let mut files = GeneratedFiles::with_report(CHAPTER, provenance, results);
    let path = |name: &str| format!("{CHAPTER}/{name}");
    files.add(path("numbers.md"), numbers(results));
    files.add(path("model-checks.md"), checks_table(results));
    files.add(path("signal.md"), signal_table(results));
    files.add(path("a1-runs.md"), a1_table(results));
    files.add(path("a2-sweeps.md"), a2_table(results));
    files.add(path("a3-runs.md"), a3_table(results));
    files.add(
        path("verdicts.md"),
        verdicts_file(&[
            &results.a1.verdict,
            &results.a2.verdict,
            &results.a3.beyond_covariance,
            &results.a3.hidden_coupling,
        ]),
    );
    for (name, svg) in figures(&results.a1, &results.a2, &results.a3) {
        files.add(path(name), svg);
    }
    files.add(path("provenance.md"), provenance.to_markdown());
    files
}
