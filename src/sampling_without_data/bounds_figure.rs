//! The figure of a sampler's bounds during training: ELBO, log Ẑ and EUBO against the
//! iteration, with the true log Z.

use super::evaluate::Evaluation;
use plotters::coord::Shift;
use plotters::prelude::*;

const ELBO: RGBColor = RGBColor(40, 90, 150);
const EUBO: RGBColor = RGBColor(200, 110, 30);
const IMPORTANCE: RGBColor = RGBColor(60, 140, 60);

/// ELBO, importance-sampled log Ẑ and EUBO against iteration, with the true log Z.
/// Introduced in chapter "Sampling without data".
pub fn draw_bounds<DB: DrawingBackend>(
    title: &str,
    history: &[Evaluation],
    area: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let last = history.last().map_or(1, |e| e.iteration) as f64;
    let log_z = history.first().and_then(|e| e.log_z);
    type Series<'a> = (&'a str, RGBColor, Vec<(f64, f64)>);
    let series: [Series; 3] = [
        (
            "ELBO",
            ELBO,
            history
                .iter()
                .map(|e| (e.iteration as f64, e.elbo))
                .collect(),
        ),
        (
            "log Ẑ (importance sampling)",
            IMPORTANCE,
            history
                .iter()
                .map(|e| (e.iteration as f64, e.log_z_hat))
                .collect(),
        ),
        (
            "EUBO",
            EUBO,
            history
                .iter()
                .filter_map(|e| Some((e.iteration as f64, e.eubo?)))
                .collect(),
        ),
    ];
    // Early bounds can be far off: the range holds every value of the last three quarters
    // of training (earlier ones may leave the chart), centred on the true log Z.
    let values = series
        .iter()
        .flat_map(|s| s.2.iter().filter(|p| p.0 >= last / 4.0).map(|p| p.1))
        .chain(log_z);
    let (low, high) = values
        .filter(|v| v.is_finite())
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let centre = log_z.unwrap_or((low + high) / 2.0);
    let span = match low <= high {
        true => 1.05 * ((high - centre).abs().max((centre - low).abs())).max(0.5),
        false => 1.0, // nothing finite to show
    };
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .margin_right(20)
        .x_label_area_size(35)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..last, (centre - span)..(centre + span))?;
    chart
        .configure_mesh()
        .x_desc("iteration")
        .y_desc("nats")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .draw()?;
    for (label, colour, points) in series {
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    if let Some(z) = log_z {
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, z), (last, z)],
                6,
                4,
                BLACK.stroke_width(1),
            ))?
            .label("true log Z")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(1)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerRight)
        .draw()?;
    Ok(())
}
