//! The chapter's generated files: report, tables, numbers, figures, provenance.

use super::experiment::{ChapterResults, CHAPTER_NAME};
use super::figures::{draw_caveats, draw_noise_levels, draw_pipelines, draw_training};
use super::verdicts::{
    b2_rule, caveats_hold, two_stage_passes, B2_COLLAPSED_TRACE, B2_COLLAPSE_BY,
    B2_NOT_YET_REFINED, B2_REFINED, B2_REFINE_BY, B3_AMBIENT_DEGRADES_BY, B3_ON_CIRCLE,
    B3_RESULTANT_TOLERANCE,
};
use crate::report::{
    anchored_numbers, verdicts_markdown, GeneratedFiles, Provenance, VerdictEntry,
};
use std::fmt::Write;

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("–".into(), |v| format!("{v:.digits$}"))
}

fn noise_table(r: &ChapterResults) -> String {
    let mut t = String::from(
        "| σ | Bayes $\\mathrm{tr}\\,J^*$ | Bayes: singular values > 0.5 | Bayes error / σ² | density's share (geometry-only excess / σ²) | learned $\\mathrm{tr}\\,J$ | learned: singular values > 0.5 | learned excess / σ² |\n|---|---|---|---|---|---|---|---|\n",
    );
    for l in &r.noise_levels {
        let m = l.learned.map(|p| p.metrics);
        writeln!(
            t,
            "| {} | {:.3} | {:.2} | {:.3} | {:.3} | {} | {} | {} |",
            l.sigma,
            l.bayes_trace,
            l.bayes_rank,
            l.bayes_error,
            l.geometry_excess,
            opt(m.map(|m| m.trace), 2),
            opt(m.map(|m| m.rank), 2),
            opt(m.map(|m| m.excess), 3)
        )
        .unwrap();
    }
    t
}

fn training_table(r: &ChapterResults) -> String {
    // B2's two checkpoints, and one before, between and after for the trends.
    let (collapse, refine) = (B2_COLLAPSE_BY, B2_REFINE_BY);
    let (early, middle) = (collapse / 2, refine / 3);
    let mut t = format!(
        "| network | seed | geometry-only excess | $\\mathrm{{tr}}\\,J$ at step {early} | $\\mathrm{{tr}}\\,J$ at step {collapse} | $\\mathrm{{tr}}\\,J$ at step {refine} | excess / geometry-only at step {collapse} | excess / geometry-only at step {middle} | excess / geometry-only at step {refine} | B2's three checks: tr J({collapse}) < {B2_COLLAPSED_TRACE}; ratio > {B2_NOT_YET_REFINED} at step {collapse}; ratio < {B2_REFINED} at step {refine} |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for run in r.b2_residual.iter().chain(&r.b2_plain) {
        let ratio = |s: usize| run.at(s).metrics.excess / run.geometry_excess;
        let checks = b2_rule(run);
        let mark = |b: bool| if b { "yes" } else { "no" };
        writeln!(
            t,
            "| {} | {} | {:.3} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} / {} / {} |",
            if run.residual { "residual" } else { "plain" },
            run.seed,
            run.geometry_excess,
            run.at(early).metrics.trace,
            run.at(collapse).metrics.trace,
            run.at(refine).metrics.trace,
            ratio(collapse),
            ratio(middle),
            ratio(refine),
            mark(checks[0]),
            mark(checks[1]),
            mark(checks[2]),
        )
        .unwrap();
    }
    t
}

fn caveats_table(r: &ChapterResults) -> String {
    let mut t = String::from(
        "| run | steps | flat normals $\\mathrm{tr}(P_\\perp J)$ at step 250 | at the end | radial gain at the end | singular values > 0.5 at the end | $\\mathrm{tr}\\,J$ at step 100 | excess / σ² at the end | geometry-only excess / σ² |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for run in r.small_sigma.iter().chain([&r.wide]) {
        let end = run.last();
        writeln!(
            t,
            "| σ = {}, D = {}, {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.3} | {:.3} |",
            run.sigma,
            run.d,
            run.label,
            end.step,
            run.at(250).metrics.normal_trace,
            end.metrics.normal_trace,
            end.metrics.radial_gain,
            end.metrics.rank,
            run.at(100).metrics.trace,
            end.metrics.excess,
            run.geometry_excess,
        )
        .unwrap();
    }
    let holds = caveats_hold(r);
    let word = |b: bool| {
        if b {
            "as in the pilot"
        } else {
            "not as in the pilot"
        }
    };
    writeln!(
        t,
        "\nSmall σ (flat normals collapsed by step 250, radial gain of the residual network still above 0.5 at the end): **{}**. D = 64 (tr J(100) > 2 and the last excess above 0.4 × geometry-only): **{}**.",
        word(holds[0]),
        word(holds[1])
    )
    .unwrap();
    t
}

fn pipeline_table(r: &ChapterResults) -> String {
    let mut t = String::from("| D | seed | two-stage: mean distance to the circle | two-stage: resultant length | ambient: mean distance | ambient: resultant length |\n|---|---|---|---|---|---|\n");
    for (p, seed) in r
        .pipelines
        .iter()
        .zip(r.settings.pipeline_seeds.iter().cycle())
    {
        writeln!(
            t,
            "| {} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            p.d,
            seed,
            p.two_stage.mean_distance,
            p.two_stage.resultant_length,
            p.ambient.mean_distance,
            p.ambient.resultant_length
        )
        .unwrap();
    }
    writeln!(
        t,
        "| exact | | 0 | {:.3} | 0 | {:.3} |",
        r.constants.resultant_length, r.constants.resultant_length
    )
    .unwrap();
    t
}

/// The chapter's verdicts in the shared layout of [`verdicts_markdown`].
fn verdicts_file(r: &ChapterResults) -> String {
    let entries: Vec<VerdictEntry> = r
        .verdicts
        .iter()
        .map(|v| VerdictEntry::of_paper(&v.id, &v.paper, &v.rule, &v.observed, v.outcome))
        .collect();
    verdicts_markdown("the paper (abstract, paraphrased)", &entries)
}

fn numbers(r: &ChapterResults) -> String {
    let s = &r.settings;
    let c = &r.constants;
    let level = |sigma: f64| {
        r.noise_levels
            .iter()
            .find(|l| l.sigma == sigma)
            .expect("σ in the grid")
    };
    let peak = r
        .noise_levels
        .iter()
        .max_by(|a, b| a.geometry_excess.total_cmp(&b.geometry_excess))
        .expect("levels");
    let passing = r
        .b2_residual
        .iter()
        .filter(|run| b2_rule(run).iter().all(|&b| b))
        .count();
    let plain_passing = r
        .b2_plain
        .iter()
        .filter(|run| b2_rule(run).iter().all(|&b| b))
        .count();
    let mean = |v: Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
    let small = &r.small_sigma;
    let verdict = |i: usize| r.verdicts[i].outcome.word().to_string();
    let exact = c.resultant_length;
    let pipeline_ok = r
        .pipelines
        .iter()
        .filter(|p| two_stage_passes(p, exact))
        .count();
    let dims = &s.pipeline_dims;
    let (d_lo, d_hi) = (dims[0], *dims.last().expect("dims"));
    let at_d = |d: usize, f: fn(&super::two_stage::PipelineOutcome) -> f64| {
        mean(r.pipelines.iter().filter(|p| p.d == d).map(f).collect())
    };
    // Mean distance to the circle at the smallest and largest D, each pipeline once.
    let ambient = (
        at_d(d_lo, |p| p.ambient.mean_distance),
        at_d(d_hi, |p| p.ambient.mean_distance),
    );
    let two_stage = (
        at_d(d_lo, |p| p.two_stage.mean_distance),
        at_d(d_hi, |p| p.two_stage.mean_distance),
    );
    let entries = [
        ("d", s.d.to_string()),
        ("kappa", format!("{}", s.kappa)),
        ("hidden", s.hidden.to_string()),
        ("lr", format!("{}", s.lr)),
        ("batch", s.batch.to_string()),
        ("eval_points", s.eval_points.to_string()),
        ("i0", format!("{:.6}", c.i_0)),
        ("i1", format!("{:.6}", c.i_1)),
        ("normaliser", format!("{:.5}", c.normaliser)),
        ("resultant", format!("{:.4}", c.resultant_length)),
        (
            "sampled_resultant",
            format!("{:.3}", c.sampled_resultant_length),
        ),
        ("trace_small", format!("{:.3}", level(0.01).bayes_trace)),
        ("trace_large", format!("{:.3}", level(4.0).bayes_trace)),
        ("trace_half", format!("{:.3}", level(0.5).bayes_trace)),
        (
            "trace_centre_half",
            format!("{:.2}", level(0.5).trace_at_centre),
        ),
        ("peak_share", format!("{:.2}", peak.geometry_excess)),
        ("peak_sigma", format!("{}", peak.sigma)),
        ("share_small", format!("{:.3}", level(0.1).geometry_excess)),
        ("learned_steps", s.learned_steps.to_string()),
        ("b2_steps", s.b2_steps.to_string()),
        ("b2_seeds", s.b2_seeds.len().to_string()),
        ("b2_passing", passing.to_string()),
        ("b2_plain_passing", plain_passing.to_string()),
        (
            "b2_trace_100",
            format!(
                "{:.2}",
                mean(
                    r.b2_residual
                        .iter()
                        .map(|x| x.at(100).metrics.trace)
                        .collect()
                )
            ),
        ),
        (
            "b2_ratio_100",
            format!(
                "{:.2}",
                mean(
                    r.b2_residual
                        .iter()
                        .map(|x| x.at(100).metrics.excess / x.geometry_excess)
                        .collect()
                )
            ),
        ),
        (
            "b2_ratio_3000",
            format!(
                "{:.2}",
                mean(
                    r.b2_residual
                        .iter()
                        .map(|x| x.at(3000).metrics.excess / x.geometry_excess)
                        .collect()
                )
            ),
        ),
        (
            "b2_plain_ratio_1000",
            format!(
                "{:.2}",
                mean(
                    r.b2_plain
                        .iter()
                        .map(|x| x.at(1000).metrics.excess / x.geometry_excess)
                        .collect()
                )
            ),
        ),
        ("small_steps", small[0].last().step.to_string()),
        (
            "small_normal_250",
            format!("{:.2}", small[0].at(250).metrics.normal_trace),
        ),
        (
            "small_radial_end",
            format!("{:.2}", small[0].last().metrics.radial_gain),
        ),
        (
            "small_rank_end",
            format!("{:.2}", small[0].last().metrics.rank),
        ),
        (
            "small_bayes_radial",
            format!("{:.2}", small[0].bayes.radial_gain),
        ),
        ("small_plain_steps", small[1].last().step.to_string()),
        ("small_plain_hidden", s.small_sigma_plain_hidden.to_string()),
        (
            "small_plain_radial_end",
            format!("{:.2}", small[1].last().metrics.radial_gain),
        ),
        (
            "small_plain_rank_end",
            format!("{:.2}", small[1].last().metrics.rank),
        ),
        ("wide_steps", r.wide.last().step.to_string()),
        ("wide_d", r.wide.d.to_string()),
        ("wide_hidden", r.wide.hidden.to_string()),
        ("wide_normals", (r.wide.d - 2).to_string()),
        (
            "largest_d",
            s.pipeline_dims
                .iter()
                .chain([&r.wide.d])
                .max()
                .expect("dims")
                .to_string(),
        ),
        (
            "wide_trace_100",
            format!("{:.1}", r.wide.at(100).metrics.trace),
        ),
        (
            "wide_ratio_end",
            format!(
                "{:.2}",
                r.wide.last().metrics.excess / r.wide.geometry_excess
            ),
        ),
        ("pipeline_stage_1", s.pipeline.stage_1_steps.to_string()),
        ("pipeline_stage_2", s.pipeline.stage_2_steps.to_string()),
        (
            "pipeline_ambient",
            (s.pipeline.stage_1_steps + s.pipeline.stage_2_steps).to_string(),
        ),
        ("pipeline_sigma_1", format!("{}", s.pipeline.sigma_1)),
        (
            "pipeline_sigma_min",
            format!("{}", s.pipeline.range.sigma_min),
        ),
        (
            "pipeline_sigma_max",
            format!("{}", s.pipeline.range.sigma_max),
        ),
        (
            "pipeline_sampler_steps",
            s.pipeline.sampler_steps.to_string(),
        ),
        ("pipeline_samples", s.pipeline.samples.to_string()),
        (
            "pipeline_dims",
            s.pipeline_dims
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "pipeline_passing",
            format!("{pipeline_ok} of {}", r.pipelines.len()),
        ),
        ("pipeline_d_lo", d_lo.to_string()),
        ("pipeline_d_hi", d_hi.to_string()),
        ("ambient_distance_lo", format!("{:.3}", ambient.0)),
        ("ambient_distance_hi", format!("{:.3}", ambient.1)),
        ("two_stage_distance_lo", format!("{:.3}", two_stage.0)),
        ("two_stage_distance_hi", format!("{:.3}", two_stage.1)),
        ("b2_collapse_by", B2_COLLAPSE_BY.to_string()),
        ("b2_collapsed_trace", B2_COLLAPSED_TRACE.to_string()),
        ("b2_not_yet_refined", B2_NOT_YET_REFINED.to_string()),
        ("b2_refined", B2_REFINED.to_string()),
        ("b2_refine_by", B2_REFINE_BY.to_string()),
        ("b3_on_circle", B3_ON_CIRCLE.to_string()),
        ("b3_resultant_tolerance", B3_RESULTANT_TOLERANCE.to_string()),
        ("b3_degrades_by", B3_AMBIENT_DEGRADES_BY.to_string()),
        (
            "two_stage_factor",
            format!("{:.1}", two_stage.1 / two_stage.0),
        ),
        ("ambient_factor", format!("{:.1}", ambient.1 / ambient.0)),
        (
            "b2_d16_ratio_3000",
            format!(
                "{:.2}",
                r.b2_residual[0].at(3000).metrics.excess / r.b2_residual[0].geometry_excess
            ),
        ),
        ("learned_below_geometry", {
            let moderate: Vec<_> = r
                .noise_levels
                .iter()
                .filter(|l| l.sigma >= 0.3 && l.learned.is_some())
                .collect();
            let below = moderate
                .iter()
                .filter(|l| l.learned.expect("learned").metrics.excess < l.geometry_excess)
                .count();
            format!("{below} of {}", moderate.len())
        }),
        ("learned_rank_smallest", {
            let l = r
                .noise_levels
                .iter()
                .find(|l| l.learned.is_some())
                .expect("a learned level");
            format!(
                "{:.2} at σ = {}",
                l.learned.expect("learned").metrics.rank,
                l.sigma
            )
        }),
        ("two_stage_trend", {
            if two_stage.1 > two_stage.0 {
                "grows"
            } else {
                "does not grow"
            }
            .to_string()
        }),
        ("v1", verdict(0)),
        ("v2", verdict(1)),
        ("v3", verdict(2)),
        ("v4", verdict(3)),
    ];
    anchored_numbers(&entries)
}

/// The chapter's generated files.
/// Introduced in chapter "Collapse and refine".
pub fn chapter_files(results: &ChapterResults, provenance: &Provenance) -> GeneratedFiles {
    let mut files = GeneratedFiles::with_report(CHAPTER_NAME, provenance, results);
    let path = |name: &str| format!("{CHAPTER_NAME}/{name}");
    files.add(path("numbers.md"), numbers(results));
    files.add(path("noise-levels-table.md"), noise_table(results));
    files.add(path("training-table.md"), training_table(results));
    files.add(path("caveats-table.md"), caveats_table(results));
    files.add(path("pipelines-table.md"), pipeline_table(results));
    files.add(path("verdicts.md"), verdicts_file(results));
    files.add(path("provenance.md"), provenance.to_markdown());
    files.add(
        path("noise-levels.svg"),
        crate::plot::svg((900, 380), |a| draw_noise_levels(results, a)),
    );
    files.add(
        path("training.svg"),
        crate::plot::svg((900, 380), |a| draw_training(results, a)),
    );
    files.add(
        path("caveats.svg"),
        crate::plot::svg((900, 380), |a| draw_caveats(results, a)),
    );
    let firsts: Vec<_> = results
        .settings
        .pipeline_dims
        .iter()
        .filter_map(|&d| results.pipelines.iter().find(|p| p.d == d))
        .collect();
    files.add(
        path("pipelines.svg"),
        crate::plot::svg((300 * firsts.len() as u32, 600), |a| {
            draw_pipelines(&firsts, a)
        }),
    );
    files
}
