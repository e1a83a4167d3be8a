//! The reconstruction sweep's rule at its boundary: four wins of five paired seeds
//! against the fixed destruction count as beating it, three do not.

use destroy_then_generate::results::reconstruction_sweep::{decide, Arm, ArmResult};

/// The fixed destruction ends at −2 in every seed; every other arm loses every seed,
/// except `arm`, whose seeds end at `finals`.
fn results(arm: Arm, finals: [f64; 5]) -> Vec<ArmResult> {
    Arm::all()
        .into_iter()
        .map(|a| {
            let level = match a {
                Arm::Fixed => -2.0,
                Arm::Method { log_var_range, .. } => -2.5 - log_var_range,
                _ => -3.0,
            };
            let values = if a == arm { finals } else { [level; 5] };
            ArmResult {
                arm: a,
                finals: values.iter().map(|&v| Some(v)).collect(),
                converged: true,
                regressed: 0,
            }
        })
        .collect()
}

#[test]
fn four_wins_of_five_beat_the_bridge_and_three_do_not() {
    let best = Arm::Method {
        log_var_range: 0.1,
        shared_backbone: true,
        exploration: 1.0,
    };
    let four = decide(&results(best, [-1.9, -1.9, -1.9, -1.9, -2.1]));
    assert_eq!((four.best, four.best_vs_fixed), (best, (4, 1)));
    assert!(
        four.verdict.starts_with("For the method"),
        "{}",
        four.verdict
    );
    let three = decide(&results(best, [-1.9, -1.9, -1.9, -2.1, -2.1]));
    assert_eq!(three.best_vs_fixed, (3, 2));
    assert!(
        three.verdict.starts_with("Against the method"),
        "{}",
        three.verdict
    );

    // Variance-only winning four seeds blocks "against the method".
    let variance_only = decide(&results(Arm::VarianceOnly, [-1.9, -1.9, -1.9, -1.9, -2.1]));
    assert_eq!(
        variance_only.variance_arms_beating_fixed,
        [Arm::VarianceOnly]
    );
    assert!(
        variance_only.verdict.starts_with("Not decided"),
        "{}",
        variance_only.verdict
    );
}
