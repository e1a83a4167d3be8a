//! The chapter's figures: curves against log σ or log step, and sample scatters.

use super::experiment::{ChapterResults, TrainingRun};
use super::two_stage::PipelineOutcome;
use crate::plot::{self, LegendEntry, Mark};
use plotters::coord::Shift;
use plotters::prelude::*;

const COLOURS: [RGBColor; 6] = [
    RGBColor(40, 90, 150),
    RGBColor(200, 60, 40),
    RGBColor(60, 140, 60),
    RGBColor(150, 100, 30),
    RGBColor(120, 60, 150),
    RGBColor(120, 120, 120),
];

/// One series of a panel: a line through its points, or markers only.
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub markers_only: bool,
    pub dashed: bool,
}

impl Series {
    fn line(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
            markers_only: false,
            dashed: false,
        }
    }
    fn markers(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
            markers_only: true,
            dashed: false,
        }
    }
    fn dashed(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
            markers_only: false,
            dashed: true,
        }
    }
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A panel of series against a shared x axis, the y range from the data (or `y_max`).
/// The legend goes in the upper right corner, or with `legend_below` in a strip under
/// the chart (for panels whose lines leave no corner empty).
pub fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    axes: (&str, &str),
    series: &[Series],
    y_max: Option<f64>,
    legend_below: bool,
) -> DrawResult<DB> {
    let area = match legend_below {
        false => area.clone(),
        true => {
            let entries = LegendEntry::cycled(series, &COLOURS, |s| {
                let mark = match (s.markers_only, s.dashed) {
                    (true, _) => Mark::Triangle,
                    (_, true) => Mark::Dashed,
                    _ => Mark::Line,
                };
                (s.label.clone(), mark)
            });
            plot::legend_below(area, &entries)?
        }
    };
    let area = &area;
    let all = series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|p| p.1.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, 0.0f64, f64::MIN);
    for &(x, y) in all {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    let y1 = y_max.unwrap_or(y1).max(y0 + 1e-6) * 1.05;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 15))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(x0..x1 + 1e-9, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc(axes.0)
        .y_desc(axes.1)
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for (k, s) in series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        // Values above the top are drawn on the top edge (off the scale).
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter(|p| p.1.is_finite())
            .map(|&(x, y)| (x, y.min(y1)))
            .collect();
        if s.markers_only {
            chart
                .draw_series(
                    pts.iter()
                        .map(|&p| TriangleMarker::new(p, 6, colour.filled())),
                )?
                .label(s.label.clone())
                .legend(move |(x, y)| TriangleMarker::new((x + 9, y), 6, colour.filled()));
        } else if s.dashed {
            chart
                .draw_series(DashedLineSeries::new(
                    pts.iter().copied(),
                    6,
                    4,
                    colour.stroke_width(2),
                ))?
                .label(s.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
        } else {
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), colour.stroke_width(2)))?
                .label(s.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 2, colour.filled())))?;
        }
    }
    if !legend_below {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .label_font(("sans-serif", 12))
            .draw()?;
    }
    Ok(())
}

/// B1: effective dimension and the density's share of the error against log₁₀ σ; the
/// exact curves as lines, the learned denoisers as triangles.
pub fn draw_noise_levels<DB: DrawingBackend>(
    r: &ChapterResults,
    area: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    area.fill(&WHITE)?;
    let (left, right) = area.split_horizontally(area.dim_in_pixel().0 / 2);
    let x = |s: f64| s.log10();
    let levels = &r.noise_levels;
    let learned: Vec<_> = levels
        .iter()
        .filter_map(|l| l.learned.map(|p| (l.sigma, p)))
        .collect();
    draw_panel(
        &left,
        "Collapse: what the denoiser keeps",
        ("log10 σ", "directions kept"),
        &[
            Series::line(
                "Bayes tr J*",
                levels.iter().map(|l| (x(l.sigma), l.bayes_trace)).collect(),
            ),
            Series::dashed(
                "Bayes: singular values > 0.5",
                levels.iter().map(|l| (x(l.sigma), l.bayes_rank)).collect(),
            ),
            Series::markers(
                "learned tr J",
                learned
                    .iter()
                    .map(|(s, p)| (x(*s), p.metrics.trace))
                    .collect(),
            ),
        ],
        Some(2.2),
        false,
    )?;
    draw_panel(
        &right,
        "Refine: the density's share of the error",
        ("log10 σ", "excess over Bayes / σ²"),
        &[
            Series::line(
                "geometry-only oracle",
                levels
                    .iter()
                    .map(|l| (x(l.sigma), l.geometry_excess))
                    .collect(),
            ),
            Series::markers(
                "learned",
                learned
                    .iter()
                    .map(|(s, p)| (x(*s), p.metrics.excess))
                    .collect(),
            ),
        ],
        Some(1.2),
        false,
    )
}

/// A run's logged quantity `f` against log10 of the training step.
fn log_curve(run: &TrainingRun, f: impl Fn(&super::training::LogPoint) -> f64) -> Vec<(f64, f64)> {
    run.log
        .iter()
        .filter(|p| p.step > 0)
        .map(|p| ((p.step as f64).log10(), f(p)))
        .collect()
}

fn per_run<F: Fn(&TrainingRun, &super::training::LogPoint) -> f64>(
    runs: &[TrainingRun],
    f: F,
) -> Vec<Series> {
    runs.iter()
        .map(|run| Series::line(run.label.clone(), log_curve(run, |p| f(run, p))))
        .collect()
}

/// B2: `tr J` and excess / geometry-only excess against log₁₀ step, one line per seed.
pub fn draw_training<DB: DrawingBackend>(
    r: &ChapterResults,
    area: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    area.fill(&WHITE)?;
    let (left, right) = area.split_horizontally(area.dim_in_pixel().0 / 2);
    let runs = &r.b2_residual;
    draw_panel(
        &left,
        "Collapse in training (σ = 0.5)",
        ("log10 step", "tr J"),
        &per_run(runs, |_, p| p.metrics.trace),
        Some(4.0),
        false,
    )?;
    let mut series = per_run(runs, |run, p| p.metrics.excess / run.geometry_excess);
    let span = |v: f64| {
        vec![
            (25f64.log10(), v),
            ((r.settings.b2_steps as f64).log10(), v),
        ]
    };
    series.push(Series::dashed("rule: 0.6 at step 100", span(0.6)));
    series.push(Series::dashed("rule: 0.4 at step 3000", span(0.4)));
    draw_panel(
        &right,
        "Refinement in training (σ = 0.5)",
        ("log10 step", "excess / geometry-only excess"),
        &series,
        Some(3.0),
        false,
    )
}

/// The two caveats: small σ (flat normals against the curved radial direction) and
/// `D = 64` against `D = 16`.
pub fn draw_caveats<DB: DrawingBackend>(
    r: &ChapterResults,
    area: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    area.fill(&WHITE)?;
    let (left, right) = area.split_horizontally(area.dim_in_pixel().0 / 2);
    let mut series = Vec::new();
    for run in &r.small_sigma {
        let pts = |f: fn(&super::training::LogPoint) -> f64| log_curve(run, f);
        series.push(Series::line(
            format!("{}: flat normals tr", run.label),
            pts(|p| p.metrics.normal_trace),
        ));
        series.push(Series::dashed(
            format!("{}: radial gain", run.label),
            pts(|p| p.metrics.radial_gain),
        ));
    }
    draw_panel(
        &left,
        "σ = 0.05: flat normals vs the curved one",
        ("log10 step", "gain"),
        &series,
        Some(3.0),
        true, // the lines leave no corner empty
    )?;
    let d16 = &r.b2_residual[0];
    let mut series = Vec::new();
    for (run, name) in [(d16, "D = 16"), (&r.wide, "D = 64")] {
        let pts = |f: &dyn Fn(&super::training::LogPoint) -> f64| log_curve(run, f);
        series.push(Series::line(
            format!("{name}: tr J"),
            pts(&|p| p.metrics.trace),
        ));
        series.push(Series::dashed(
            format!("{name}: excess / geometry-only"),
            pts(&|p| p.metrics.excess / run.geometry_excess),
        ));
    }
    draw_panel(
        &right,
        "σ = 0.5, H = 64: D = 16 against D = 64",
        ("log10 step", "value"),
        &series,
        Some(6.0),
        true, // the lines leave no corner empty
    )
}

/// B3: projected samples of the ambient denoiser (top) and the two-stage pipeline
/// (bottom), one column per `D`, with the circle drawn in grey.
pub fn draw_pipelines<DB: DrawingBackend>(
    outcomes: &[&PipelineOutcome],
    area: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    area.fill(&WHITE)?;
    let cells = area.split_evenly((2, outcomes.len()));
    let extent = 1.8;
    for (row, name) in ["ambient", "two-stage"].iter().enumerate() {
        for (col, o) in outcomes.iter().enumerate() {
            let points = if row == 0 {
                &o.ambient_points
            } else {
                &o.two_stage_points
            };
            let mut chart = ChartBuilder::on(&cells[row * outcomes.len() + col])
                .caption(format!("{name}, D = {}", o.d), ("sans-serif", 14))
                .margin(6)
                .x_label_area_size(18)
                .y_label_area_size(26)
                .build_cartesian_2d(-extent..extent, -extent..extent)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(3)
                .y_labels(3)
                .draw()?;
            chart.draw_series(LineSeries::new(
                (0..=120).map(|i| {
                    let t = i as f64 * std::f64::consts::TAU / 120.0;
                    (t.cos(), t.sin())
                }),
                RGBColor(170, 170, 170).stroke_width(2),
            ))?;
            chart.draw_series(
                points
                    .iter()
                    .filter(|p| p[0].abs() <= extent && p[1].abs() <= extent)
                    .map(|p| Circle::new((p[0], p[1]), 1, COLOURS[row].filled())),
            )?;
        }
    }
    Ok(())
}
