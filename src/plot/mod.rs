//! Figures: every drawing function takes a plotters `DrawingArea`, so the same code
//! writes the book's SVG files and shows inline SVG in notebooks.

mod sampler;
mod series;

pub use sampler::draw_samples;
pub use series::{
    draw_bars, draw_legend, draw_lines, draw_lines_framed, legend_below, Frame, LegendEntry, Line,
    Mark,
};

use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws into an in-memory SVG document of `size` pixels and returns its text.
pub fn svg<E: std::fmt::Debug>(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<(), E>,
) -> String {
    let mut text = String::new();
    {
        let area = SVGBackend::with_string(&mut text, size).into_drawing_area();
        draw(&area).unwrap_or_else(|e| panic!("drawing into an in-memory SVG failed: {e:?}"));
        area.present()
            .expect("an in-memory SVG cannot fail to flush");
    }
    text
}
