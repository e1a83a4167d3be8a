//! The chapter's figures: GRPO's tuning curves for the three ratio orders, and the
//! information a transport plan destroys as the entropic regulariser grows.

use super::experiment::{ChapterResults, TRANSPORT_POINTS};
use super::grpo::Checkpoint;
use crate::plot::{draw_lines, svg, Line};
use plotters::prelude::*;

/// Mean ± standard deviation over seeds of one checkpoint measure, per ratio order.
fn curves(results: &ChapterResults, f: fn(&Checkpoint) -> f64) -> Vec<Line> {
    results
        .decoding_order
        .orders
        .iter()
        .map(|o| {
            let points = (0..o.runs[0].curve.len())
                .map(|k| {
                    let values: Vec<f64> = o
                        .runs
                        .iter()
                        .filter_map(|r| r.curve.get(k))
                        .map(f)
                        .collect();
                    let n = values.len() as f64;
                    let mean = values.iter().sum::<f64>() / n;
                    let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
                    (o.runs[0].curve[k].update as f64, mean, std)
                })
                .collect();
            Line {
                label: o.label.to_string(),
                points,
            }
        })
        .collect()
}

/// Left: the exact test reward against GRPO updates; right: `KL(q ‖ q*)` to the tilted
/// target. Mean ± one standard deviation over seeds.
pub fn decoding_order_figure(results: &ChapterResults) -> String {
    let target = results.decoding_order.reference.tilted_reward;
    let updates = results.budget.grpo_updates as f64;
    svg((900, 340), |area| {
        let panels = area.split_evenly((1, 2));
        let mut reward = curves(results, |c| c.reward);
        reward.push(Line {
            label: "tilted target q*".into(),
            points: vec![(0.0, target, 0.0), (updates, target, 0.0)],
        });
        draw_lines(
            "test reward E_q R",
            ("GRPO update", "reward"),
            &reward,
            SeriesLabelPosition::LowerRight,
            &panels[0],
        )?;
        draw_lines(
            "distance to the tilted target",
            ("GRPO update", "KL(q ‖ q*) (nats)"),
            &curves(results, |c| c.kl_to_tilted),
            SeriesLabelPosition::UpperRight,
            &panels[1],
        )
    })
}

/// Left: information destroyed and kept by Sinkhorn's plan against `log10 ε`; right: the
/// plan's transport cost with the exact optimum.
pub fn transport_figure(results: &ChapterResults) -> String {
    let t = &results.transport;
    let x = |e: f64| e.log10();
    let (lo, hi) = (x(t.sweep[0].epsilon), x(t.sweep[t.sweep.len() - 1].epsilon));
    let log_n = (TRANSPORT_POINTS as f64).ln();
    svg((900, 340), |area| {
        let panels = area.split_evenly((1, 2));
        let information = [
            Line {
                label: "all there is, log n".into(),
                points: vec![(lo, log_n, 0.0), (hi, log_n, 0.0)],
            },
            Line {
                label: "destroyed, H(Y∣X)".into(),
                points: t
                    .sweep
                    .iter()
                    .map(|s| (x(s.epsilon), s.information_destroyed, 0.0))
                    .collect(),
            },
            Line {
                label: "kept, I(X; Y)".into(),
                points: t
                    .sweep
                    .iter()
                    .map(|s| (x(s.epsilon), s.information_kept, 0.0))
                    .collect(),
            },
        ];
        draw_lines(
            "the splat",
            ("log10 ε", "nats"),
            &information,
            SeriesLabelPosition::MiddleLeft,
            &panels[0],
        )?;
        let cost = [
            Line {
                label: "exact optimal bijection".into(),
                points: vec![(lo, t.optimal_cost, 0.0), (hi, t.optimal_cost, 0.0)],
            },
            Line {
                label: "Sinkhorn plan".into(),
                points: t
                    .sweep
                    .iter()
                    .map(|s| (x(s.epsilon), s.cost, 0.0))
                    .collect(),
            },
        ];
        draw_lines(
            "transport cost",
            ("log10 ε", "Σ P C"),
            &cost,
            SeriesLabelPosition::UpperLeft,
            &panels[1],
        )
    })
}
