//! The convergence sweep read at each run's best checkpoint instead of its last. The
//! ELBO needs no sample of the target, so a user can keep the checkpoint with the best
//! ELBO seen; this reading shows what that practice would give, next to the verdicts
//! fixed before the runs, which read the final iteration and are not replaced by it.
//!
//! Each run is read at the evaluation with its best ELBO (the training-time evaluations
//! carry no W2, and the modes covered are known only at the end, so those are absent in
//! this reading). The runs and their stages are the same as in the final reading; a
//! configuration has converged when its curves stopped changing, whether or not a seed
//! fell after its best, since the fall is what this reading leaves behind.

use super::claims::Claim;
use super::convergence_report::converged_verdicts;
use super::summary::{Runs, Verdict};
use super::sweep::RunRecord;
use crate::report::Outcome;

/// `record` read at its best checkpoint: its final evaluation replaced by the one with
/// the best ELBO (its curve is kept: the stage rules read it).
pub fn at_best(record: &RunRecord) -> RunRecord {
    let mut r = record.clone();
    if r.outcome.diverged.is_some() {
        return r;
    }
    let best = r
        .outcome
        .history
        .iter()
        .max_by(|a, b| a.elbo.total_cmp(&b.elbo))
        .cloned();
    if let Some(best) = best {
        r.outcome.last = Some(best);
        r.outcome.mode_shares = None;
    }
    r
}

/// The converged verdicts of H1–H3 and H7 in both readings: final iteration (the
/// pre-registered one) and best checkpoint, as a table.
pub fn verdicts_table(runs: &Runs) -> String {
    let mut best = Runs::of_budget(
        runs.all().into_iter().map(at_best).collect(),
        runs.scale,
        runs.budget,
    );
    best.regressions_count = false;
    let cell = |v: &Option<Verdict>| match v {
        None => "waiting for runs".to_string(),
        Some(v) => {
            let outcome = match v.outcome {
                Outcome::NotDecided => "not decided (not converged)",
                decided => decided.word(),
            };
            format!("**{outcome}**; {}", v.p_values)
        }
    };
    let mut out = String::from(
        "| claim | final iteration (the rule fixed before the runs) | best-ELBO checkpoint (a second reading) |\n|---|---|---|\n",
    );
    let readings = converged_verdicts(runs)
        .into_iter()
        .zip(converged_verdicts(&best));
    for (claim, (last, best)) in Claim::CONVERGED.iter().zip(readings) {
        let claim = claim.name().to_uppercase();
        out.push_str(&format!(
            "| {claim} | {} | {} |\n",
            cell(&last),
            cell(&best)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling_without_data::evaluate::Evaluation;

    fn evaluation(iteration: usize, elbo: f64) -> Evaluation {
        Evaluation {
            iteration,
            elbo,
            log_z_hat: elbo + 0.5,
            eubo: Some(elbo + 2.0),
            log_z_learned: 0.0,
            log_z: Some(1.0),
            w2: None,
            mmd: None,
        }
    }

    #[test]
    fn a_run_is_read_at_its_best_evaluation() {
        let config = crate::sampling_without_data::train::TrainConfig::default();
        let history = [-5.0, -2.3, -2.9, -4.0, -5.0]
            .iter()
            .enumerate()
            .map(|(k, &e)| evaluation(500 * (k + 1), e))
            .collect();
        let mut record = RunRecord::finished(config, history, Some(evaluation(2500, -5.0)));
        record.outcome.mode_shares = Some(vec![1.0]);
        let best = at_best(&record);
        assert_eq!(best.outcome.history, record.outcome.history);
        let last = best.outcome.last.unwrap();
        assert_eq!((last.iteration, last.elbo), (1000, -2.3));
        assert_eq!(
            last.eubo,
            Some(-2.3 + 2.0),
            "the best evaluation's own EUBO"
        );
        assert_eq!(best.outcome.mode_shares, None);
    }
}
