//! The figure of Bob learning Guess: his error against the number of training pairs.

use super::learning_guess::LearningCurve;
use plotters::coord::Shift;
use plotters::prelude::*;

const BAYES: RGBColor = RGBColor(40, 90, 150);
const FREQUENCY: RGBColor = RGBColor(200, 110, 30);

/// Log-log plot of Bob's Guess error against the number of training pairs, with a
/// `1/√n` reference line through the last Bayes point.
/// Introduced in chapter "Destroying and generating".
pub fn draw_learning_curve<DB: DrawingBackend>(
    curve: &LearningCurve,
    area: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let n_max = *curve.checkpoints.last().expect("a curve has checkpoints") as f64;
    let errors = curve.bayes_error.iter().chain(&curve.frequency_error);
    let (low, high) = errors.fold((f64::MAX, 0.0f64), |(lo, hi), &e| (lo.min(e), hi.max(e)));
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("Bob learns Guess behind {}", curve.channel),
            ("sans-serif", 18),
        )
        .margin(12)
        .margin_right(36)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(
            (1.0..n_max).log_scale(),
            (low / 2.0..high * 1.5).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc("training pairs seen, n")
        .y_desc("mean total-variation error")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0e}"))
        .draw()?;
    let series = |errors: &[f64]| -> Vec<(f64, f64)> {
        curve
            .checkpoints
            .iter()
            .zip(errors)
            .map(|(&n, &e)| (n as f64, e))
            .collect()
    };
    let estimators = [
        (&curve.bayes_error, BAYES, "Bayes: (n_ba + 1) / (n_b + |A|)"),
        (&curve.frequency_error, FREQUENCY, "frequency: n_ba / n_b"),
    ];
    for (errors, colour, label) in estimators {
        chart
            .draw_series(LineSeries::new(series(errors), colour.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    let anchor = curve.bayes_error.last().expect("a curve has points") * n_max.sqrt();
    let reference = [1.0, n_max].map(|n| (n, anchor / n.sqrt()));
    chart
        .draw_series(DashedLineSeries::new(
            reference,
            6,
            4,
            BLACK.stroke_width(1),
        ))?
        .label("slope −1/2 (error ∝ 1/√n)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(1)));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    Ok(())
}
