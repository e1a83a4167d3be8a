//! The chapter's figures: held-out NLL against epochs at the smallest and the largest
//! training set, and the best held-out NLL against the training set's size, both with the
//! language's exact entropy as the floor no model can beat.

use super::experiment::{ChapterResults, Run};
use super::withholding::Withholding;
use crate::plot::{draw_lines, draw_lines_framed, svg, Frame, Line};
use plotters::prelude::*;

fn floor(results: &ChapterResults, xs: &[f64]) -> Line {
    Line {
        label: "exact entropy (floor)".into(),
        points: xs
            .iter()
            .map(|&x| (x, results.entropy_per_token, 0.0))
            .collect(),
    }
}

/// Mean ± standard deviation over seeds of the validation curve of one scheme at `size`.
fn mean_curve(results: &ChapterResults, size: usize, w: Withholding) -> Vec<(f64, f64, f64)> {
    let runs: Vec<&Run> = results
        .runs
        .iter()
        .filter(|r| r.size == size && r.withholding == w)
        .collect();
    let points = runs.iter().map(|r| r.curve.len()).min().unwrap_or(0);
    (0..points)
        .map(|j| {
            let values: Vec<f64> = runs.iter().map(|r| r.curve[j].validation_nll).collect();
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
            (runs[0].curve[j].epochs.log10(), mean, sd)
        })
        .collect()
}

/// Validation NLL per token against log10(epochs), smallest and largest training set.
pub fn curves_figure(results: &ChapterResults) -> String {
    let sizes = &results.budget.sizes;
    let panels = [sizes[0], sizes[sizes.len() - 1]];
    svg((1000, 400), |area| {
        for (size, panel) in panels.iter().zip(area.split_evenly((1, 2))) {
            let ar = mean_curve(results, *size, Withholding::NextToken);
            let xs: Vec<f64> = ar.iter().map(|p| p.0).collect();
            let lines = [
                floor(results, &xs),
                Line {
                    label: "autoregressive (exact)".into(),
                    points: ar,
                },
                Line {
                    label: "masked diffusion (bound, estimate)".into(),
                    points: mean_curve(results, *size, Withholding::RandomMask),
                },
            ];
            // The curves start high on the left and, with little data, rise again on the
            // right: no corner is free, so the legend goes below.
            let frame = Frame {
                legend_below: true,
                ..Default::default()
            };
            draw_lines_framed(
                &format!("{size} unique sentences"),
                ("log10 epochs", "validation NLL (nats/token)"),
                &lines,
                SeriesLabelPosition::UpperLeft,
                &frame,
                &panel,
            )?;
        }
        Ok::<(), DrawingAreaErrorKind<std::io::Error>>(())
    })
}

/// Best held-out (test) NLL per token against log10(unique sentences).
pub fn best_figure(results: &ChapterResults) -> String {
    let xs: Vec<f64> = results
        .sizes
        .iter()
        .map(|s| (s.size as f64).log10())
        .collect();
    let line = |label: &str, f: fn(&super::experiment::SizeSummary) -> (f64, f64)| Line {
        label: label.into(),
        points: results
            .sizes
            .iter()
            .zip(&xs)
            .map(|(s, &x)| {
                let (m, e) = f(s);
                (x, m, e)
            })
            .collect(),
    };
    let lines = [
        floor(results, &xs),
        line("autoregressive (exact)", |s| {
            (s.autoregressive, s.autoregressive_se)
        }),
        line("masked diffusion (bound)", |s| {
            (s.masked_bound, s.masked_bound_se)
        }),
        line("masked diffusion (exact order mixture)", |s| {
            (s.masked_order_mixture, 0.0)
        }),
    ];
    svg((640, 420), |area| {
        draw_lines(
            "best held-out NLL against data size",
            ("log10 unique training sentences", "test NLL (nats/token)"),
            &lines,
            SeriesLabelPosition::UpperRight,
            area,
        )
    })
}
