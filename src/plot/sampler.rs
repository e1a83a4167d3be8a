use ndarray::Array2;
use plotters::coord::Shift;
use plotters::prelude::*;

const MODEL: RGBColor = RGBColor(200, 60, 40);
const EXACT: RGBColor = RGBColor(150, 150, 150);

/// Model samples (red) over exact target samples (grey), first two coordinates, in the
/// square `[−extent, extent]²`.
/// Introduced in chapter "Sampling without data".
pub fn draw_samples<DB: DrawingBackend>(
    title: &str,
    model: &Array2<f32>,
    exact: Option<&Array2<f32>>,
    extent: f64,
    area: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(-extent..extent, -extent..extent)?;
    chart.configure_mesh().disable_mesh().draw()?;
    let points = |x: &Array2<f32>| -> Vec<(f64, f64)> {
        x.rows()
            .into_iter()
            .map(|r| (r[0] as f64, r[1] as f64))
            .filter(|(a, b)| a.abs() <= extent && b.abs() <= extent)
            .collect()
    };
    let layers = [
        (exact, "exact target samples", EXACT),
        (Some(model), "sampler", MODEL),
    ];
    for (samples, label, colour) in layers {
        let Some(samples) = samples else { continue };
        chart
            .draw_series(
                points(samples)
                    .into_iter()
                    .map(|p| Circle::new(p, 1, colour.filled())),
            )?
            .label(label)
            .legend(move |(x, y)| Circle::new((x + 10, y), 3, colour.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerRight)
        .draw()?;
    Ok(())
}
