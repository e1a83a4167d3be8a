use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

/// Colours of successive series (eight, so that the largest panel, eight lines, repeats
/// none).
const PALETTE: [RGBColor; 8] = [
    RGBColor(150, 150, 150),
    RGBColor(200, 60, 40),
    RGBColor(40, 90, 150),
    RGBColor(60, 140, 60),
    RGBColor(230, 150, 30),
    RGBColor(130, 70, 160),
    RGBColor(20, 160, 170),
    RGBColor(30, 30, 30),
];

/// One line of a [`draw_lines`] chart: points `(x, mean, std)`; a whisker of ±std is
/// drawn at each point when std > 0.
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64, f64)>,
}

/// Lines with ±std whiskers against a shared x axis; the legend goes in the corner
/// `legend` (choose one the lines leave empty).
/// Introduced in chapter "Results".
pub fn draw_lines<DB: DrawingBackend>(
    title: &str,
    axes: (&str, &str),
    lines: &[Line],
    legend: SeriesLabelPosition,
    area: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    draw_lines_framed(title, axes, lines, legend, &Frame::default(), area)
}

/// How [`draw_lines_framed`] frames its lines, where the data alone would not do.
#[derive(Clone, Debug, Default)]
pub struct Frame {
    /// The y range; values outside it are drawn at its edge (the caller says so).
    pub y_range: Option<(f64, f64)>,
    /// Label the x axis with whole numbers (iterations, say).
    pub whole_x: bool,
    /// Put the legend in a strip under the chart, two entries a row, rather than in a
    /// corner of it (for panels whose lines leave no corner empty).
    pub legend_below: bool,
}

/// Height of one row of a legend drawn under a chart.
const LEGEND_ROW: i32 = 18;

/// How a legend entry shows its series.
#[derive(Clone, Copy, Debug)]
pub enum Mark {
    Line,
    Dashed,
    Triangle,
}

/// One entry of a legend drawn under a chart.
pub struct LegendEntry {
    pub label: String,
    pub colour: RGBColor,
    pub mark: Mark,
}

impl LegendEntry {
    /// One entry per item, coloured in order from `palette` (cycling), with the label and
    /// mark that `describe` gives the item.
    pub fn cycled<T>(
        items: &[T],
        palette: &[RGBColor],
        describe: impl Fn(&T) -> (String, Mark),
    ) -> Vec<LegendEntry> {
        items
            .iter()
            .zip(palette.iter().cycle())
            .map(|(item, &colour)| {
                let (label, mark) = describe(item);
                LegendEntry {
                    label,
                    colour,
                    mark,
                }
            })
            .collect()
    }
}

/// Draws `entries` two to a row in a strip at the bottom of `area` (for charts whose
/// lines leave no corner empty) and returns the area above it, for the chart.
pub fn legend_below<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let rows = entries.len().div_ceil(2) as i32;
    let height = area.dim_in_pixel().1 as i32;
    let (chart, strip) = area.split_vertically(height - rows * LEGEND_ROW - 8);
    let width = strip.dim_in_pixel().0 as i32;
    for (k, e) in entries.iter().enumerate() {
        let (x, y) = (
            60 + (k as i32 % 2) * (width - 60) / 2,
            (k as i32 / 2) * LEGEND_ROW + 4,
        );
        let sample = vec![(x, y + 7), (x + 18, y + 7)];
        let style = e.colour.stroke_width(2);
        match e.mark {
            Mark::Line => strip.draw(&PathElement::new(sample, style))?,
            Mark::Dashed => strip.draw(&DashedPathElement::new(sample, 6, 4, style))?,
            Mark::Triangle => {
                strip.draw(&TriangleMarker::new((x + 9, y + 7), 6, e.colour.filled()))?
            }
        }
        strip.draw(&Text::new(
            e.label.clone(),
            (x + 24, y),
            ("sans-serif", 12).into_font(),
        ))?;
    }
    Ok(chart)
}

/// [`draw_lines`] in a chosen [`Frame`].
pub fn draw_lines_framed<DB: DrawingBackend>(
    title: &str,
    axes: (&str, &str),
    lines: &[Line],
    legend: SeriesLabelPosition,
    frame: &Frame,
    area: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let area = if frame.legend_below {
        let entries = LegendEntry::cycled(lines, &PALETTE, |l| (l.label.clone(), Mark::Line));
        legend_below(area, &entries)?
    } else {
        area.clone()
    };
    let all = lines.iter().flat_map(|l| &l.points);
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, m, s) in all.filter(|p| p.1.is_finite()) {
        (x0, x1) = (x0.min(x), x1.max(x));
        (y0, y1) = (y0.min(m - s), y1.max(m + s));
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if let Some(range) = frame.y_range {
        (y0, y1) = range;
    }
    let clamp = |y: f64| y.clamp(y0, y1);
    let pad = 0.08 * (y1 - y0).max(1e-6);
    // Whole-number labels can be wide: room for the last one at the right edge.
    let right = if frame.whole_x { 24 } else { 10 };
    let mut chart = ChartBuilder::on(&area)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .margin_right(right)
        .x_label_area_size(36)
        .y_label_area_size(52)
        .build_cartesian_2d(x0..x1 + 1e-9, (y0 - pad)..(y1 + pad))?;
    let whole = |x: &f64| format!("{x:.0}");
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(axes.0)
        .y_desc(axes.1)
        .light_line_style(WHITE.mix(0.0));
    if frame.whole_x {
        mesh.x_label_formatter(&whole);
    }
    mesh.draw()?;
    for (k, line) in lines.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let finite: Vec<(f64, f64, f64)> = line
            .points
            .iter()
            .filter(|p| p.1.is_finite())
            .map(|&(x, m, s)| (x, clamp(m), s))
            .collect();
        chart
            .draw_series(LineSeries::new(
                finite.iter().map(|&(x, m, _)| (x, m)),
                colour.stroke_width(2),
            ))?
            .label(line.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
        chart.draw_series(finite.iter().filter(|p| p.2 > 0.0).map(|&(x, m, s)| {
            PathElement::new(vec![(x, clamp(m - s)), (x, clamp(m + s))], colour)
        }))?;
        chart.draw_series(
            finite
                .iter()
                .map(|&(x, m, _)| Circle::new((x, m), 3, colour.filled())),
        )?;
    }
    if !frame.legend_below {
        draw_legend(&mut chart, legend)?;
    }
    Ok(())
}

/// The book's legend: the labelled series in a framed, nearly opaque box at `position`.
pub fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(position)
        .draw()
}

/// Horizontal bars `mean ± std`, one per label, top to bottom.
/// Introduced in chapter "Results".
pub fn draw_bars<DB: DrawingBackend>(
    title: &str,
    value_desc: &str,
    bars: &[(String, f64, f64)],
    area: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let finite = bars.iter().filter(|b| b.1.is_finite());
    let high = finite.map(|b| b.1 + b.2).fold(0.0f64, f64::max).max(1e-6) * 1.1;
    let n = bars.len();
    let (label_area, rest) = area.split_horizontally(170);
    let mut chart = ChartBuilder::on(&rest)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(36)
        .build_cartesian_2d(0.0..high, 0.0..n as f64)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_desc(value_desc)
        .draw()?;
    let colour = PALETTE[2];
    for (k, (label, mean, std)) in bars.iter().enumerate() {
        let y = (n - 1 - k) as f64;
        let top = 16.0 + 10.0; // caption and margin above the plotting area
        let per_bar = (rest.dim_in_pixel().1 as f64 - top - 46.0) / n as f64;
        let text_y = (top + per_bar * (k as f64 + 0.5)) as i32;
        label_area.draw(&Text::new(
            label.clone(),
            (6, text_y + 2),
            ("sans-serif", 14),
        ))?;
        if !mean.is_finite() {
            continue;
        }
        chart.draw_series([Rectangle::new(
            [(0.0, y + 0.2), (*mean, y + 0.8)],
            colour.mix(0.7).filled(),
        )])?;
        chart.draw_series([PathElement::new(
            vec![(mean - std, y + 0.5), (mean + std, y + 0.5)],
            BLACK.stroke_width(2),
        )])?;
    }
    Ok(())
}
