//! The chapter's figure: at each level, the exact denoiser, the one a network learned
//! through DDPM's loss (read through Tweedie's formula), and Monte Carlo conditional means.

use super::experiment::ChapterResults;
use crate::plot::svg;
use plotters::prelude::*;

const EXACT: RGBColor = RGBColor(40, 90, 150);
const LEARNED: RGBColor = RGBColor(200, 60, 40);

/// One panel per level `a`.
pub fn denoisers_figure(results: &ChapterResults) -> String {
    let n = results.levels.len();
    svg((300 * n as u32, 320), |area| {
        area.fill(&WHITE)?;
        for (level, panel) in results.levels.iter().zip(area.split_evenly((1, n))) {
            let (x0, x1) = (level.curve[0].0, level.curve[level.curve.len() - 1].0);
            let mut chart = ChartBuilder::on(&panel)
                .caption(format!("a = {}", level.a), ("sans-serif", 16))
                .margin(8)
                .x_label_area_size(32)
                .y_label_area_size(40)
                .build_cartesian_2d(x0..x1, -3.5f64..3.0)?;
            chart
                .configure_mesh()
                .x_desc("x_t")
                .y_desc("guess of x_0")
                .light_line_style(WHITE)
                .draw()?;
            chart.draw_series(LineSeries::new(
                level.curve.iter().map(|&(y, _, _)| (y, y)),
                RGBColor(190, 190, 190),
            ))?;
            chart
                .draw_series(LineSeries::new(
                    level.curve.iter().map(|&(y, d, _)| (y, d)),
                    EXACT.stroke_width(2),
                ))?
                .label("exact E[x_0 | x_t]")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], EXACT.stroke_width(2)));
            chart
                .draw_series(DashedLineSeries::new(
                    level.curve.iter().map(|&(y, _, l)| (y, l)),
                    5,
                    4,
                    LEARNED.stroke_width(2),
                ))?
                .label("learned ε̂, through Tweedie")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], LEARNED.stroke_width(2)));
            chart
                .draw_series(
                    level
                        .bins
                        .iter()
                        .filter(|b| b.y_mean >= x0 && b.y_mean <= x1)
                        .map(|b| Circle::new((b.y_mean, b.x_0_mean), 3, BLACK.filled())),
                )?
                .label("Monte Carlo bin means")
                .legend(|(x, y)| Circle::new((x + 8, y), 3, BLACK.filled()));
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.8))
                .border_style(RGBColor(200, 200, 200))
                .label_font(("sans-serif", 11))
                .draw()?;
        }
        Ok::<(), DrawingAreaErrorKind<std::io::Error>>(())
    })
}
