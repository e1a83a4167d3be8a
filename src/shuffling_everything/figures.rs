//! The chapter's figure: DDPM samples step by step, next to the data.

use plotters::coord::Shift;
use plotters::prelude::*;

const DATA: RGBColor = RGBColor(120, 120, 120);
const MODEL: RGBColor = RGBColor(200, 60, 40);

/// One scatter panel per `(title, points, is_data)`, side by side, on `[−3, 3]²`.
pub fn draw_panels<DB: DrawingBackend>(
    panels: &[(String, Vec<[f64; 2]>, bool)],
    area: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let extent = 3.0;
    for ((title, points, is_data), cell) in panels.iter().zip(area.split_evenly((1, panels.len())))
    {
        let mut chart = ChartBuilder::on(&cell)
            .caption(title, ("sans-serif", 14))
            .margin(6)
            .x_label_area_size(18)
            .y_label_area_size(24)
            .build_cartesian_2d(-extent..extent, -extent..extent)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(3)
            .y_labels(3)
            .draw()?;
        let colour = if *is_data { DATA } else { MODEL };
        chart.draw_series(
            points
                .iter()
                .filter(|p| p[0].abs() <= extent && p[1].abs() <= extent)
                .map(|p| Circle::new((p[0], p[1]), 1, colour.filled())),
        )?;
    }
    Ok(())
}
