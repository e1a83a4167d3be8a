//! The sentences of chapters "Adaptive destruction", "Results" and "Scaling up" that
//! state results ("in every seed", "at every T", "covers k of 25 modes"), generated from
//! the same stored runs as the tables, so that prose and tables cannot disagree.

use super::claims::{
    base_config, h4_steps, iterations, objective_config, objective_name, stability_variants, Claim,
    DRAWN_SEED, DRAWN_STEPS, H1_STEPS, H4_OBJECTIVES, H6_LATENTS, SEEDS, TARGETS,
};
use super::rules::{self, format_p, Pair, Paired, Sampler};
use super::summary::{
    h1_metrics, h2_targets, h3_targets, h5_samplers, Metric, Runs, Verdict, MODE_SHARE,
};
use crate::report::{Outcome, Scale};
use crate::sampling_without_data::kernels::Destruction;
use crate::sampling_without_data::objectives::Objective;

/// "in every seed", "in no seed" or "in k of n seeds".
pub fn seeds_phrase(k: usize, n: usize) -> String {
    match k {
        0 => "in no seed".into(),
        k if k == n => "in every seed".into(),
        k => format!("in {k} of {n} seeds"),
    }
}

/// `a, b and c`.
fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => "none".into(),
        [one] => one.as_ref().into(),
        [rest @ .., last] => format!(
            "{} and {}",
            rest.iter()
                .map(|s| s.as_ref())
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// How one metric's paired comparisons went over several `T`: "better in every seed at
/// every T", "worse in every seed at every T", or the better–worse splits.
pub fn over_steps(splits: &[Paired], steps: &[usize]) -> String {
    let n = SEEDS as usize;
    if splits.iter().all(|p| p.wins == n) {
        return "better in every seed at every T".into();
    }
    if splits.iter().all(|p| p.losses == n) {
        return "worse in every seed at every T".into();
    }
    let parts: Vec<String> = splits
        .iter()
        .map(|p| format!("{}–{}", p.wins, p.losses))
        .collect();
    let t: Vec<String> = steps.iter().map(|s| s.to_string()).collect();
    format!("better–worse {} at T = {}", and_list(&parts), and_list(&t))
}

/// "EUBO gap won 5–0 (p = 0.0625)" for each metric of a pair.
fn metric_phrases(pair: &Pair, metrics: impl IntoIterator<Item = Metric>) -> Vec<String> {
    metrics
        .into_iter()
        .map(|m| {
            let p = pair.paired(m).expect("the metric is measured");
            format!(
                "{} {} (p = {})",
                m.short(),
                pair_phrase(&p),
                format_p(p.p_value())
            )
        })
        .collect()
}

fn pair_phrase(p: &Paired) -> String {
    let n = SEEDS as usize;
    if p.wins == n {
        "better in every seed".into()
    } else if p.losses == n {
        "worse in every seed".into()
    } else {
        format!("better–worse {}–{}", p.wins, p.losses)
    }
}

/// H1, one line per target: learned against fixed destruction on each metric at every `T`.
pub fn h1_findings(runs: &Runs) -> String {
    let mut out = String::new();
    for target in TARGETS {
        let per_steps: Vec<Vec<rules::Pair>> = H1_STEPS
            .iter()
            .map(|&t| super::summary::h1_pairs(runs, t))
            .collect();
        let k = TARGETS.iter().position(|t| *t == target).expect("a target");
        let parts: Vec<String> = h1_metrics(target)
            .into_iter()
            .map(|m| {
                let splits: Vec<Paired> = per_steps
                    .iter()
                    .map(|pairs| pairs[k].paired(m).expect("the metric is measured"))
                    .collect();
                format!("{} {}", m.short(), over_steps(&splits, &H1_STEPS))
            })
            .collect();
        out.push_str(&format!("- **{target}**: {}.\n", parts.join("; ")));
    }
    out
}

fn mean_of(s: &Sampler, m: Metric) -> Option<f64> {
    s.get(m).and_then(|v| v.mean())
}

/// H2: where more fixed steps hurt, and learned `T = 5` against the better fixed sampler.
pub fn h2_findings(runs: &Runs) -> String {
    let targets = h2_targets(runs);
    let worse_with_more: Vec<&str> = targets
        .iter()
        .filter(|t| {
            match (
                mean_of(&t.fixed5, Metric::ElboGap),
                mean_of(&t.fixed20, Metric::ElboGap),
            ) {
                (Some(a), Some(b)) => b > a,
                _ => false,
            }
        })
        .map(|t| t.target.as_str())
        .collect();
    let mut out = format!(
        "The fixed sampler's mean ELBO gap is larger at T = 20 than at T = 5 on {} of {} targets ({}), so each target's learned T = 5 sampler is compared with the better of the two:\n\n",
        worse_with_more.len(),
        targets.len(),
        and_list(&worse_with_more)
    );
    for t in &targets {
        let (steps, _) = t.baseline();
        let pair = t.pair();
        let parts = metric_phrases(&pair, h1_metrics(&t.target));
        out.push_str(&format!(
            "- **{}** against fixed T = {steps}: {}.\n",
            t.target,
            parts.join("; ")
        ));
    }
    out
}

/// H3: when each mean curve reaches the fixed sampler's final mean ELBO.
pub fn h3_findings(runs: &Runs) -> String {
    let last = iterations(runs.scale);
    let mut out = String::new();
    for t in h3_targets(runs) {
        let (fixed, learned) = t.reached();
        let when = |i: Option<usize>| match i {
            Some(i) if i == last => format!("only at the last evaluation ({i} iterations)"),
            Some(i) => format!("at {i} iterations"),
            None => "not within the budget".into(),
        };
        let p = t.paired();
        out.push_str(&format!(
            "- **{}**: the level is {:.3}; the fixed sampler's mean ELBO reaches it {}, the learned sampler's {}. Seed by seed, the learned run reaches it first {} (better–worse {}–{}, p = {}).\n",
            t.target,
            t.level().unwrap_or(f64::NAN),
            when(fixed),
            when(learned),
            seeds_phrase(p.wins, SEEDS as usize),
            p.wins,
            p.losses,
            format_p(p.p_value())
        ));
    }
    out
}

/// H4: which objective is best and worst on each metric at each `T`, and TLM against TB.
pub fn h4_findings(runs: &Runs) -> String {
    let h4 = h4_steps(runs.scale);
    let mean = |o: Objective, t: usize, m: Metric| {
        runs.values(m, |s| objective_config(o, t, s, runs.scale))
            .mean()
            .unwrap_or(f64::NAN)
    };
    let extreme = |m: Metric, smallest: bool| -> Vec<String> {
        h4.iter()
            .map(|&t| {
                let pick = H4_OBJECTIVES.iter().copied().min_by(|&a, &b| {
                    let (x, y) = (mean(a, t, m), mean(b, t, m));
                    if smallest {
                        x.total_cmp(&y)
                    } else {
                        y.total_cmp(&x)
                    }
                });
                objective_name(pick.expect("objectives")).to_string()
            })
            .collect()
    };
    let steps: Vec<String> = h4.iter().map(|s| s.to_string()).collect();
    let steps = and_list(&steps);
    // "pis at every T" rather than "pis, pis and pis".
    let per_step = |names: Vec<String>| match names.split_first() {
        Some((first, rest)) if names.len() > 1 && rest.iter().all(|n| n == first) => {
            format!("{first} at every T")
        }
        _ => and_list(&names),
    };
    let mut out = format!(
        "At T = {steps}, the smallest mean ELBO gap belongs to {}; the largest mean EUBO gap to {}; the largest mean W2 to {}; the fewest modes covered on average to {}.\n\n",
        per_step(extreme(Metric::ElboGap, true)),
        per_step(extreme(Metric::EuboGap, false)),
        per_step(extreme(Metric::W2, false)),
        per_step(extreme(Metric::ModesCovered, true)),
    );
    let values = |o: Objective, t: usize, m: Metric| {
        runs.values(m, |s| objective_config(o, t, s, runs.scale))
    };
    let diverged: usize = h4
        .iter()
        .map(|&t| values(Objective::Tlm, t, Metric::ElboGap).diverged())
        .sum();
    let splits = |m: Metric| -> Vec<Paired> {
        h4.iter()
            .map(|&t| {
                Paired::of(
                    &values(Objective::Tlm, t, m),
                    &values(Objective::Tb, t, m),
                    m,
                )
            })
            .collect()
    };
    let means = |o: Objective, m: Metric| -> String {
        let v: Vec<String> = h4
            .iter()
            .map(|&t| format!("{:.3}", mean(o, t, m)))
            .collect();
        and_list(&v)
    };
    out.push_str(&format!(
        "TLM diverged in {diverged} of {} runs. Its mean ELBO gap at T = {steps} is {} (TB: {}); its mean EUBO gap {} (TB: {}). Against TB seed by seed, TLM's ELBO gap is {}; its EUBO gap {}.\n",
        h4.len() * SEEDS as usize,
        means(Objective::Tlm, Metric::ElboGap),
        means(Objective::Tb, Metric::ElboGap),
        means(Objective::Tlm, Metric::EuboGap),
        means(Objective::Tb, Metric::EuboGap),
        over_steps(&splits(Metric::ElboGap), &h4),
        over_steps(&splits(Metric::EuboGap), &h4),
    ));
    out
}

/// H5: each variant against the full method, on the ELBO gap and on coverage.
pub fn h5_findings(runs: &Runs) -> String {
    let metrics = [
        Metric::ElboGap,
        Metric::EuboGap,
        Metric::W2,
        Metric::ModesCovered,
    ];
    let samplers = h5_samplers(runs, &metrics);
    let configs = stability_variants(runs.scale, 0);
    let full = &samplers[0].1;
    let (m, s) = full
        .get(Metric::ElboGap)
        .and_then(|v| v.mean_std())
        .unwrap_or((f64::NAN, 0.0));
    let mut out = format!(
        "The full method's mean ELBO gap is {m:.3}, with a seed-std of {s:.3}. Each variant against it:\n\n"
    );
    for (i, ((name, variant), (_, config))) in samplers.iter().zip(&configs).enumerate().skip(1) {
        if *config == configs[0].1 {
            out.push_str(&format!("- **{name}** is the full method itself.\n"));
            continue;
        }
        if let Some((same, _)) = configs[1..i].iter().find(|(_, c)| c == config) {
            out.push_str(&format!("- **{name}** is the same runs as **{same}**.\n"));
            continue;
        }
        let v = mean_of(variant, Metric::ElboGap).unwrap_or(f64::INFINITY);
        let place = if v > m + s {
            "worse than the full method's by more than one seed-std"
        } else if v < m - s {
            "better than the full method's by more than one seed-std"
        } else {
            "within one seed-std of the full method's"
        };
        let coverage: Vec<String> = [Metric::EuboGap, Metric::W2, Metric::ModesCovered]
            .into_iter()
            .map(|c| {
                let p = Paired::of(
                    variant.get(c).expect("measured"),
                    full.get(c).expect("measured"),
                    c,
                );
                format!("{} {}", c.short(), pair_phrase(&p))
            })
            .collect();
        out.push_str(&format!(
            "- **{name}**: mean ELBO gap {v:.3}, {place}; against the full method seed by seed, {}.\n",
            and_list(&coverage)
        ));
    }
    out
}

/// H6, one line per latent dimension.
pub fn h6_findings(runs: &Runs) -> String {
    let pairs = super::summary::h6_pairs(runs);
    let mut out = String::new();
    for (target, pair) in H6_LATENTS.iter().zip(&pairs) {
        let parts = metric_phrases(pair, rules::H6_METRICS);
        out.push_str(&format!(
            "- **{target}**, learned against fixed destruction: {}.\n",
            parts.join("; ")
        ));
    }
    out
}

/// Chapter "Adaptive destruction": what seed [`DRAWN_SEED`] at `T = 5` on 25GMM shows.
pub fn first_look(runs: &Runs) -> String {
    let record = |d| {
        runs.get(&base_config(
            "25gmm",
            DRAWN_STEPS,
            d,
            DRAWN_SEED,
            runs.scale,
        ))
    };
    let (fixed, learned) = (record(Destruction::Fixed), record(Destruction::Learned));
    let compare = |m: Metric| {
        let (f, l) = (m.of(fixed), m.of(learned));
        match (f, l) {
            (Some(f), Some(l)) if f == l => "the same".to_string(),
            (Some(f), Some(l)) => {
                let smaller = l < f;
                let better = smaller == m.lower_is_better();
                format!(
                    "{} ({})",
                    if smaller { "smaller" } else { "larger" },
                    if better { "better" } else { "worse" }
                )
            }
            _ => "not comparable (a run diverged)".into(),
        }
    };
    let modes = |r| {
        super::summary::modes_covered(r).map_or("—".to_string(), |(k, n)| format!("{k} of {n}"))
    };
    format!(
        "On this seed the learned destruction's ELBO gap is {}, its EUBO gap {} and its W2 {} than the fixed bridge's; it covers {} modes with at least {} % of the samples, the fixed bridge {}.",
        compare(Metric::ElboGap),
        compare(Metric::EuboGap),
        compare(Metric::W2),
        modes(learned),
        100.0 * MODE_SHARE,
        modes(fixed)
    )
}

/// The training budget of every run, against chapter "Sampling without data", and the
/// fact that convergence has not been checked.
pub fn budget(scale: Scale) -> String {
    let c = base_config("25gmm", 5, Destruction::Fixed, 0, scale);
    let (reference, _) = crate::sampling_without_data::experiment::configs(scale, 0);
    let ratio = (reference.iterations * reference.batch) as f64 / (c.iterations * c.batch) as f64;
    format!(
        "Every run trains for {} iterations at batch {}: {ratio:.0}× fewer sampled trajectories than the single sampler of chapter \"Sampling without data\" ({} iterations at batch {}). No convergence criterion has been applied to these runs, so we do not know that they have converged: the verdicts of this short sweep describe samplers at this budget, not converged ones, and a longer budget can change a verdict, not only sharpen it. The convergence sweep, in section \"The convergence sweep\" of chapter \"Results\", runs H1–H3 again with a convergence criterion, and adds H7.",
        c.iterations, c.batch, reference.iterations, reference.batch
    )
}

/// How far the convergence sweep has got.
pub struct SweepProgress {
    /// Runs stored, and called for so far.
    pub stored: usize,
    pub all: usize,
    /// The runs of its first stage.
    pub first: usize,
    /// Their summed single-thread time.
    pub seconds: f64,
    /// Every configuration stopped and every run stored.
    pub complete: bool,
}

/// How far the convergence sweep has got, which claims it has decided so far (`decided`:
/// each is decided once every run it reads is stored), and, for those still waiting,
/// which are already bound to read "not decided" (`bound`, from
/// [`settled_undecided`](super::convergence_report::settled_undecided)).
pub fn converged_progress(
    progress: SweepProgress,
    decided: &[String],
    bound: &[(&str, Vec<String>)],
) -> String {
    let SweepProgress {
        stored,
        all,
        first,
        seconds,
        complete,
    } = progress;
    let hours = seconds / 3600.0;
    // Where the runs went: the first stage, and the extensions once there are some.
    let budgets = match all - first {
        0 => format!("{first} at the convergence budget"),
        n => format!("{first} at the convergence budget, and {n} in extensions of the configurations that did not converge and of H3's two destructions to one stage"),
    };
    if complete {
        return format!("The convergence sweep is complete: {all} runs ({budgets}), {hours:.1} single-thread hours of training in all. H1, H2, H3 and H7 are judged on it below, each decided only if every configuration it reads has converged.\n");
    }
    let hours = format!("{hours:.1} single-thread hours of training so far");
    let so_far = match all - first {
        0 => format!("The convergence sweep has stored {stored} of its {first} first-stage runs ({hours})."),
        _ => format!(
            "The convergence sweep has called for {all} runs so far ({budgets}) and has stored {stored} of them ({hours})."
        ),
    };
    let decided_so_far = match decided {
        [] => "none is decided yet".to_string(),
        [one] => format!("{one} is decided so far"),
        more => format!("{} are decided so far", and_list(more)),
    };
    let status = format!(
        "It is not complete. Each claim is decided below once every run it reads is stored, and only if every configuration it reads has converged: {decided_so_far}; until a claim is, its verdict above (H7 has none) rests on the short sweep alone. The table below shows each configuration's criterion once its {} seeds are in.",
        super::claims::SEEDS
    );
    let bound_names: Vec<String> = bound
        .iter()
        .map(|(claim, names)| format!("{claim} ({})", names.join(", ")))
        .collect();
    let bound = match bound_names.as_slice() {
        [] => String::new(),
        [_] => format!(
            " One outcome is already fixed: whatever the remaining runs show, {} will read \"not decided\", since a configuration it reads stopped without converging (after its last extension, or with a lost seed): {}.",
            bound[0].0,
            bound[0].1.join(", ")
        ),
        _ => format!(
            " Some outcomes are already fixed: whatever the remaining runs show, {} will read \"not decided\", since each reads a configuration that stopped without converging (after its last extension, or with a lost seed): {}.",
            and_list(&bound.iter().map(|(c, _)| *c).collect::<Vec<_>>()),
            bound_names.join("; ")
        ),
    };
    format!("{so_far} {status}{bound}\n")
}

/// Under the short sweep's verdict table: which claims the convergence sweep decides
/// again, what it has found so far, and which verdicts changed with the budget.
/// `converged` holds the claims it has decided so far.
/// The chapter's first table: each claim's converged verdict where the convergence sweep
/// decides it, with its paired splits, next to the short sweep's verdict (superseded
/// there; the only verdict of the claims decided at the short budget alone).
pub fn headline(short: &[Verdict], converged: &[Option<Verdict>]) -> String {
    let mut out = String::from(
        "| claim | converged verdict | what the converged runs show (paired seeds, claimed sampler's wins–losses; sign test) | short-budget verdict |\n|---|---|---|---|\n",
    );
    for s in short {
        let again = Claim::CONVERGED
            .iter()
            .position(|c| s.claim.to_lowercase() == c.name());
        let row = match again.map(|k| converged.get(k).cloned().flatten()) {
            None => format!(
                "| {} | — (short budget only) | — | **{}** |",
                s.claim,
                s.outcome.word()
            ),
            Some(None) => format!(
                "| {} | waiting for runs | — | {} (superseded once decided) |",
                s.claim,
                s.outcome.word()
            ),
            Some(Some(c)) => format!(
                "| {} | **{}** | {} | {} (superseded) |",
                s.claim,
                c.outcome.word(),
                c.p_values,
                s.outcome.word()
            ),
        };
        out.push_str(&row);
        out.push('\n');
    }
    // H7 exists only at the convergence budget.
    if let Some(Some(h7)) = converged.get(3) {
        out.push_str(&format!(
            "| {} | **{}** | {} | — (converged budget only) |\n",
            h7.claim,
            h7.outcome.word(),
            h7.p_values
        ));
    } else {
        out.push_str("| H7 | waiting for runs | — | — (converged budget only) |\n");
    }
    out
}

pub fn verdicts_across_budgets(short: &[Verdict], converged: &[Verdict]) -> String {
    let decided_again = |v: &&Verdict| {
        Claim::CONVERGED
            .iter()
            .any(|c| v.claim.to_lowercase().starts_with(c.name()))
    };
    let (again, short_only): (Vec<&Verdict>, Vec<&Verdict>) =
        short.iter().partition(|v| decided_again(v));
    let names =
        |verdicts: &[&Verdict]| and_list(&verdicts.iter().map(|v| v.claim).collect::<Vec<_>>());
    let opening = format!(
        "The convergence sweep at the end of this chapter decides {} again, on samplers trained until their learning curves stop moving",
        names(&again)
    );
    let only = match short_only.as_slice() {
        [] => String::new(),
        [one] => format!(" {} is decided at this short budget only.", one.claim),
        more => format!(" {} are decided at this short budget only.", names(more)),
    };
    if converged.is_empty() {
        return format!("{opening}; it has decided none of them yet, so until it does these verdicts rest on the short budget alone.{only}\n");
    }
    let pairs: Vec<(&Verdict, &Verdict)> = again
        .iter()
        .filter_map(|s| {
            converged
                .iter()
                .find(|c| c.claim == s.claim)
                .map(|c| (*s, c))
        })
        .collect();
    let there: Vec<String> = pairs
        .iter()
        .map(|(s, c)| {
            let there = match c.outcome {
                Outcome::NotDecided => "not decided",
                decided => decided.word(),
            };
            format!("{} is {there} there ({} here)", s.claim, s.outcome.word())
        })
        .collect();
    // A claim the convergence sweep leaves undecided has not changed its verdict: it has
    // none there.
    let undecided: Vec<&Verdict> = pairs
        .iter()
        .filter(|(_, c)| c.outcome == Outcome::NotDecided)
        .map(|(s, _)| *s)
        .collect();
    let changed: Vec<&Verdict> = pairs
        .iter()
        .filter(|(s, c)| c.outcome != Outcome::NotDecided && s.outcome != c.outcome)
        .map(|(s, _)| *s)
        .collect();
    let decided_both: Vec<&Verdict> = pairs
        .iter()
        .filter(|(_, c)| c.outcome != Outcome::NotDecided)
        .map(|(s, _)| *s)
        .collect();
    let mut change = match (changed.as_slice(), decided_both.as_slice()) {
        ([], []) => "No claim is decided at both budgets yet, so the longer budget has neither confirmed nor overturned any of these verdicts.".to_string(),
        ([], both) => format!(
            "Of the claims decided at both budgets ({}), none changed its verdict.",
            names(both)
        ),
        (claims, _) => format!(
            "The verdict of {} changed with the budget: the convergence sweep's verdict is the one about the method, this table's is about samplers stopped early.",
            names(claims)
        ),
    };
    match undecided.as_slice() {
        [] => {}
        [one] => change.push_str(&format!(" {} is not decided there, because a configuration it reads did not converge: its only verdict is this table's, about samplers stopped early; what its converged runs show is given with its verdict at the end of the chapter.", one.claim)),
        more => change.push_str(&format!(" {} are not decided there, because a configuration each reads did not converge: their only verdicts are this table's, about samplers stopped early; what their converged runs show is given with their verdicts at the end of the chapter.", names(more))),
    }
    let waiting: Vec<&Verdict> = again
        .iter()
        .filter(|s| !converged.iter().any(|c| c.claim == s.claim))
        .copied()
        .collect();
    match waiting.as_slice() {
        [] => {}
        [one] => change.push_str(&format!(" {} still waits for runs there, so for now its verdict rests on the short budget alone.", one.claim)),
        more => change.push_str(&format!(" {} still wait for runs there, so for now their verdicts rest on the short budget alone.", names(more))),
    }
    format!("{opening}: {}. {change}{only}\n", and_list(&there))
}
