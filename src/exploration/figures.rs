//! The chapter's figures: GRPO's tuning curves for the three ratio orders, and the
//! information a transport plan destroys as the entropic regulariser grows.

use super::convergence::WINDOWS;
use super::experiment::{ChapterResults, OrderSummary, TRANSPORT_POINTS};
use super::grpo::Checkpoint;
use crate::plot::{draw_legend, draw_lines, svg, Line};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Colours of the three ratio orders, and of the tilted target's reference line.
const COLOURS: [RGBColor; 3] = [
    RGBColor(200, 60, 40),
    RGBColor(40, 90, 150),
    RGBColor(60, 140, 60),
];
const TARGET: RGBColor = RGBColor(120, 120, 120);

/// Seed-mean of one checkpoint measure against updates, per ratio order.
fn curves(results: &ChapterResults, f: fn(&Checkpoint) -> f64) -> Vec<Vec<(f64, f64)>> {
    results
        .decoding_order
        .orders
        .iter()
        .map(|o| {
            (0..o.runs[0].curve.len())
                .map(|k| {
                    let values: Vec<f64> = o
                        .runs
                        .iter()
                        .filter_map(|r| r.curve.get(k))
                        .map(f)
                        .collect();
                    let mean = values.iter().sum::<f64>() / values.len() as f64;
                    (o.runs[0].curve[k].update as f64, mean)
                })
                .collect()
        })
        .collect()
}

/// One panel: the seed-mean curves, the criterion's two windows shaded, and each order's
/// window means as flat segments (their difference is the drift the criterion reads).
fn convergence_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (title, y_label): (&str, &str),
    results: &ChapterResults,
    f: fn(&Checkpoint) -> f64,
    window_means: fn(&OrderSummary) -> (f64, f64),
    reference: Option<f64>,
    legend: SeriesLabelPosition,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let updates = results.budget.grpo_updates as f64;
    let window = updates / WINDOWS as f64;
    // From the end of the first fifth on: the climb away from the base model would
    // otherwise set the scale, and the drift between the last two windows would vanish.
    let lines: Vec<Vec<(f64, f64)>> = curves(results, f)
        .into_iter()
        .map(|l| {
            l.into_iter()
                .filter(|p| p.0 >= window && p.1.is_finite())
                .collect()
        })
        .collect();
    let (mut y0, mut y1) = (f64::MAX, f64::MIN);
    for &(_, y) in lines.iter().flatten() {
        (y0, y1) = (y0.min(y), y1.max(y));
    }
    if let Some(r) = reference {
        (y0, y1) = (y0.min(r), y1.max(r));
    }
    // Room for the legend on its side, so it covers no curve.
    let pad = 0.08 * (y1 - y0).max(1e-6);
    let room = 5.0 * pad;
    let (y0, y1) = match legend {
        SeriesLabelPosition::UpperLeft | SeriesLabelPosition::UpperRight => (y0 - pad, y1 + room),
        SeriesLabelPosition::LowerLeft | SeriesLabelPosition::LowerRight => (y0 - room, y1 + pad),
        _ => (y0 - pad, y1 + pad),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(52)
        .build_cartesian_2d(window..updates, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc("GRPO update")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_desc(y_label)
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for k in [WINDOWS - 2, WINDOWS - 1] {
        let shade = RGBColor(0, 0, 0).mix(if k == WINDOWS - 1 { 0.10 } else { 0.05 });
        chart.draw_series([Rectangle::new(
            [(k as f64 * window, y0), ((k + 1) as f64 * window, y1)],
            shade.filled(),
        )])?;
    }
    if let Some(r) = reference {
        chart
            .draw_series(LineSeries::new(
                [(window, r), (updates, r)],
                TARGET.stroke_width(1),
            ))?
            .label("tilted target q*")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], TARGET));
    }
    for ((o, line), colour) in results
        .decoding_order
        .orders
        .iter()
        .zip(&lines)
        .zip(COLOURS)
    {
        chart
            .draw_series(LineSeries::new(
                line.iter().copied(),
                colour.mix(0.6).stroke_width(1),
            ))?
            .label(o.label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
        let (previous, last) = window_means(o);
        for (k, mean) in [(WINDOWS - 2, previous), (WINDOWS - 1, last)] {
            chart.draw_series(LineSeries::new(
                [(k as f64 * window, mean), ((k + 1) as f64 * window, mean)],
                colour.stroke_width(3),
            ))?;
        }
    }
    draw_legend(&mut chart, legend)?;
    Ok(())
}

/// Left: the exact test reward against GRPO updates; right: `KL(q ‖ q*)` to the tilted
/// target. Seed-means after the first fifth of the updates, with the convergence
/// criterion's two windows shaded and each order's mean over each window drawn as a
/// thick segment.
pub fn decoding_order_figure(results: &ChapterResults) -> String {
    let target = results.decoding_order.reference.tilted_reward;
    svg((900, 360), |area| {
        let panels = area.split_evenly((1, 2));
        convergence_panel(
            &panels[0],
            ("test reward E_q R", "reward"),
            results,
            |c| c.reward,
            |o| {
                (
                    o.reward_convergence.previous_window,
                    o.reward_convergence.last_window,
                )
            },
            Some(target),
            SeriesLabelPosition::LowerRight,
        )?;
        convergence_panel(
            &panels[1],
            ("distance to the tilted target", "KL(q ‖ q*) (nats)"),
            results,
            |c| c.kl_to_tilted,
            |o| {
                (
                    o.kl_convergence.previous_window,
                    o.kl_convergence.last_window,
                )
            },
            None,
            SeriesLabelPosition::UpperRight,
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
