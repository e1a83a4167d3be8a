use ndarray::Array2;
use plotters::coord::Shift;
use plotters::prelude::*;

const MODEL: RGBColor = RGBColor(200, 60, 40);
const EXACT: RGBColor = RGBColor(150, 150, 150);
/// Height of the legend strip under the chart.
const LEGEND_STRIP: i32 = 22;

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
    // The legend goes in a strip under the chart: the samples may fill every corner of it
    // (25GMM's outer modes do). The chart gives up as much width as height, so the axes
    // stay square.
    let (width, height) = area.dim_in_pixel();
    let (chart_area, strip) = area.split_vertically(height as i32 - LEGEND_STRIP);
    let (chart_area, _) = chart_area.split_horizontally(width as i32 - LEGEND_STRIP);
    let mut chart = ChartBuilder::on(&chart_area)
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
    let mut x = 50;
    for (samples, label, colour) in layers {
        let Some(samples) = samples else { continue };
        chart.draw_series(
            points(samples)
                .into_iter()
                .map(|p| Circle::new(p, 1, colour.filled())),
        )?;
        strip.draw(&Circle::new((x, 10), 3, colour.filled()))?;
        strip.draw(&Text::new(
            label,
            (x + 10, 3),
            ("sans-serif", 12).into_font(),
        ))?;
        x += 20 + 7 * label.len() as i32;
    }
    Ok(())
}
