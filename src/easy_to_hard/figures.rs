//! The chapter's figures: overlaps against log steps (A1), steps to recovery against `d`
//! (A2), and the overlap with `v` in every arm of A3.

use super::experiment::{Correlated, EasyBeforeHard, Exponents, LatentRuns, Sweep};
use super::model::Latent;
use super::runs::TwoSpikeRun;
use crate::plot::{draw_lines_framed, svg, Frame, Line};
use plotters::coord::combinators::{LogCoord, WithKeyPoints};
use plotters::coord::Shift;
use plotters::prelude::*;

const RED: RGBColor = RGBColor(200, 60, 40);
const BLUE: RGBColor = RGBColor(40, 90, 150);
const GREY: RGBColor = RGBColor(120, 120, 120);

/// A1: `m_u` and `m_v` of every seed against log steps, with dashed lines at `d` and `d³`.
/// Introduced in chapter "Easy to hard".
pub fn draw_easy_before_hard<DB: DrawingBackend>(
    a1: &EasyBeforeHard,
    area: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    draw_overlaps(a1.d, a1.steps, &a1.runs, area)
}

/// The A1 drawing for any runs in dimension `d` of `steps` steps.
/// Introduced in chapter "Easy to hard".
pub fn draw_overlaps<DB: DrawingBackend>(
    d: usize,
    steps: u64,
    runs: &[TwoSpikeRun],
    area: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("One network, two spikes (d = {d}, K = 2)"),
            ("sans-serif", 18),
        )
        .margin(12)
        .margin_right(24)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d((10.0..steps as f64).log_scale(), 0.0..1.02)?;
    chart
        .configure_mesh()
        .x_desc("training steps (one fresh sample each)")
        .y_desc("overlap")
        .x_label_formatter(&|x| format!("{x:.0e}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let d = d as f64;
    for (x, label) in [(d, "d"), (d * d * d, "d³")] {
        chart.draw_series(DashedLineSeries::new(
            [(x, 0.0), (x, 1.02)],
            6,
            4,
            GREY.stroke_width(1),
        ))?;
        chart.draw_series([Text::new(
            label.to_string(),
            (x * 1.1, 0.56),
            ("sans-serif", 14).into_font().color(&GREY),
        )])?;
    }
    for (k, run) in runs.iter().enumerate() {
        let points: Vec<_> = run.trajectory.points.iter().filter(|p| p.0 >= 10).collect();
        for (colour, pick, label) in [
            (RED, 1, "m_u (covariance spike)"),
            (BLUE, 2, "m_v (cumulant spike)"),
        ] {
            let series = chart.draw_series(LineSeries::new(
                points
                    .iter()
                    .map(|p| (p.0 as f64, if pick == 1 { p.1 } else { p.2 })),
                colour.mix(0.75).stroke_width(1),
            ))?;
            if k == 0 {
                series.label(label).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
            }
        }
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()?;
    Ok(())
}

/// A2: steps to weak recovery against `d` (log-log): every seed (small marks, capped runs
/// as hollow marks at the cap), the medians (joined), and reference slopes 1 and 3
/// through the first median.
/// Introduced in chapter "Easy to hard".
pub fn draw_exponents<DB: DrawingBackend>(
    a2: &Exponents,
    area: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    draw_sweeps(&a2.covariance, &a2.cumulant, area)
}

/// The A2 drawing for any two sweeps (covariance spike, cumulant spike).
/// Introduced in chapter "Easy to hard".
pub fn draw_sweeps<DB: DrawingBackend>(
    covariance: &Sweep,
    cumulant: &Sweep,
    area: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let sweeps = [(covariance, RED, "u"), (cumulant, BLUE, "v")];
    let all = sweeps.iter().flat_map(|(s, _, _)| &s.points);
    let (mut lo, mut hi, mut d_lo, mut d_hi) = (f64::MAX, 0.0f64, f64::MAX, 0.0f64);
    for p in all {
        for x in &p.steps {
            let y = x.unwrap_or(p.cap) as f64;
            (lo, hi) = (lo.min(y), hi.max(y));
        }
        (d_lo, d_hi) = (d_lo.min(p.d as f64), d_hi.max(p.d as f64));
    }
    let mut dims: Vec<f64> = covariance
        .points
        .iter()
        .chain(&cumulant.points)
        .map(|p| p.d as f64)
        .collect();
    dims.sort_by(f64::total_cmp);
    dims.dedup();
    let mut chart = ChartBuilder::on(area)
        .caption("Steps to weak recovery (overlap 0.7)", ("sans-serif", 18))
        .margin(12)
        .margin_right(24)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(
            (d_lo / 1.15..d_hi * 1.15).log_scale().with_key_points(dims),
            (lo / 2.0..hi * 2.0).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc("dimension d")
        .y_desc("steps")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0e}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for (sweep, colour, name) in sweeps {
        draw_sweep(&mut chart, sweep, colour, name)?;
    }
    // v's seeds reach the upper left; u's large dimensions stay low on the right.
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    Ok(())
}

type LogChart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<WithKeyPoints<LogCoord<f64>>, LogCoord<f64>>>;

fn draw_sweep<DB: DrawingBackend>(
    chart: &mut LogChart<'_, DB>,
    sweep: &Sweep,
    colour: RGBColor,
    name: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    for p in &sweep.points {
        for x in &p.steps {
            let d = p.d as f64;
            match x {
                Some(t) => {
                    chart.draw_series([Circle::new((d, *t as f64), 2, colour.mix(0.5).filled())])?
                }
                None => chart.draw_series([TriangleMarker::new(
                    (d, p.cap as f64),
                    5,
                    colour.stroke_width(1),
                )])?,
            };
        }
    }
    let medians: Vec<(f64, f64)> = sweep
        .points
        .iter()
        .map(|p| (p.d as f64, p.median_or_cap()))
        .collect();
    chart
        .draw_series(LineSeries::new(medians.clone(), colour.stroke_width(2)))?
        .label(format!(
            "{name}: median, slope {:.2}",
            sweep.slope_of_medians
        ))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
    let (d0, t0) = medians[0];
    let d1 = medians.last().expect("a sweep has points").0;
    let slope = sweep.reference_slope;
    chart
        .draw_series(DashedLineSeries::new(
            [(d0, t0), (d1, t0 * (d1 / d0).powf(slope))],
            6,
            4,
            colour.mix(0.6).stroke_width(1),
        ))?
        .label(format!("{name}: reference slope {slope}"))
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 18, y)], colour.mix(0.6).stroke_width(1))
        });
    Ok(())
}

/// A3: mean ± std over seeds of `m_v` in every arm against training steps: on the left
/// the sign latent against its Gaussian control (and independent latents), on the right
/// the parity latent with the odd and with the even-part activation.
/// Introduced in chapter "Easy to hard".
pub fn draw_correlated<DB: DrawingBackend>(
    a3: &Correlated,
    area: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    draw_latent_runs(a3.d, &a3.latents, area)
}

/// The A3 drawing for the runs of the arms in `latents` (those of [`super::a3_arms`]) in
/// dimension `d`: the odd activation's arms on the left, the even part's on the right.
/// Introduced in chapter "Easy to hard".
pub fn draw_latent_runs<DB: DrawingBackend>(
    d: usize,
    latents: &[LatentRuns],
    area: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let line = |runs: &LatentRuns| {
        let n = runs.trajectories[0].points.len();
        let points = (0..n)
            .map(|i| {
                let values: Vec<f64> = runs.trajectories.iter().map(|t| t.points[i].2).collect();
                let mean = values.iter().sum::<f64>() / values.len() as f64;
                let var =
                    values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / values.len() as f64;
                (runs.trajectories[0].points[i].0 as f64, mean, var.sqrt())
            })
            .collect();
        // Short names: two legend entries share a row of a half-width panel.
        let name = match runs.latent {
            Latent::Independent => "independent",
            Latent::Sign => "ν = sign(λ)",
            Latent::MatchedGaussian => "Gaussian control",
            Latent::Parity => "parity ν",
        };
        Line {
            label: format!("m_v, {name}"),
            points,
        }
    };
    let panel = |odd: bool| -> Vec<Line> {
        latents
            .iter()
            .filter(|l| (l.even == 0.0) == odd)
            .map(line)
            .collect()
    };
    let frame = Frame {
        y_range: Some((0.0, 1.0)),
        whole_x: true,
        legend_below: true,
    };
    let (left, right) = area.split_horizontally(area.dim_in_pixel().0 / 2);
    draw_lines_framed(
        &format!("Odd activation (d = {d}, one neuron)"),
        ("training steps", "m_v (mean ± std over seeds)"),
        &panel(true),
        SeriesLabelPosition::UpperLeft,
        &frame,
        &left,
    )?;
    draw_lines_framed(
        "Activation φ + e p² (even part e > 0)",
        ("training steps", "m_v (mean ± std over seeds)"),
        &panel(false),
        SeriesLabelPosition::UpperLeft,
        &frame,
        &right,
    )
}

/// The three figures as SVG documents, named by file.
pub fn figures(
    a1: &EasyBeforeHard,
    a2: &Exponents,
    a3: &Correlated,
) -> Vec<(&'static str, String)> {
    vec![
        (
            "a1-overlaps.svg",
            svg((720, 420), |area| draw_easy_before_hard(a1, area)),
        ),
        (
            "a2-scaling.svg",
            svg((720, 440), |area| draw_exponents(a2, area)),
        ),
        (
            "a3-correlated.svg",
            svg((960, 460), |area| draw_correlated(a3, area)),
        ),
    ]
}
