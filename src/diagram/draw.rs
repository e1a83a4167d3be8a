//! Layout and drawing of a `Diagram` on any plotters backend (SVG file for the book,
//! inline SVG in notebooks).

use super::{ArrowKind, Diagram};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

type Point = (i32, i32);

const MARGIN: i32 = 40;
const COLUMN_GAP: i32 = 190;
const BOX_WIDTH: i32 = 64;
const MESSAGE_GAP: i32 = 38;
const RADIUS: i32 = 13;
const NAME_ROW: i32 = 78;
const SHORTCUT_ROW: i32 = 30;
const BOXES_TOP: i32 = 104;
const HEAD_LENGTH: f64 = 10.0;
const HEAD_HALF_WIDTH: f64 = 5.0;

const INK: RGBColor = RGBColor(30, 30, 30);
const MESSAGE_INK: RGBColor = RGBColor(40, 90, 150);
const BOX_FILL: RGBColor = RGBColor(245, 245, 240);
const MESSAGE_FILL: RGBColor = RGBColor(225, 236, 248);
const MARGINAL_INK: RGBColor = RGBColor(150, 60, 40);

impl Diagram {
    fn tallest(&self) -> i32 {
        self.people
            .iter()
            .map(|p| p.messages.len())
            .max()
            .unwrap_or(1) as i32
            * MESSAGE_GAP
    }

    fn column_x(&self, person: usize) -> i32 {
        MARGIN + BOX_WIDTH / 2 + person as i32 * COLUMN_GAP
    }

    fn boxes_bottom(&self) -> i32 {
        BOXES_TOP + self.tallest() + 12
    }

    /// Centre of a message's circle; each box is centred on the tallest one.
    fn message_centre(&self, (person, message): (usize, usize)) -> Point {
        let n = self.people[person].messages.len() as i32;
        let top = BOXES_TOP + 6 + (self.tallest() - n * MESSAGE_GAP) / 2;
        (
            self.column_x(person),
            top + MESSAGE_GAP / 2 + message as i32 * MESSAGE_GAP,
        )
    }

    /// The diagram as an SVG document (for the book's files and for notebooks).
    pub fn to_svg(&self) -> String {
        crate::plot::svg(self.size(), |area| self.draw(area))
    }

    /// Pixel size of the drawing.
    pub fn size(&self) -> (u32, u32) {
        let columns = self.people.len().max(1) as i32;
        let width = 2 * MARGIN + BOX_WIDTH + (columns - 1) * COLUMN_GAP;
        let height = self.boxes_bottom() + 110;
        (width as u32, height as u32)
    }

    /// Draws the diagram on `area` (which should have at least `self.size()` pixels).
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        area.fill(&WHITE)?;
        let text = |size: f64| {
            ("sans-serif", size)
                .into_font()
                .color(&INK)
                .pos(Pos::new(HPos::Center, VPos::Center))
        };
        for (i, person) in self.people.iter().enumerate() {
            let x = self.column_x(i);
            let n = person.messages.len() as i32;
            let top = BOXES_TOP + (self.tallest() - n * MESSAGE_GAP) / 2;
            let corners = [
                (x - BOX_WIDTH / 2, top),
                (x + BOX_WIDTH / 2, top + n * MESSAGE_GAP + 12),
            ];
            area.draw(&Rectangle::new(corners, BOX_FILL.filled()))?;
            area.draw(&Rectangle::new(corners, INK.stroke_width(1)))?;
            area.draw(&Text::new(person.name.clone(), (x, NAME_ROW), text(18.0)))?;
        }
        for arrow in &self.message_arrows {
            let (from, to) = (
                self.message_centre(arrow.from),
                self.message_centre(arrow.to),
            );
            let (start, end) = (shorten(from, to, RADIUS + 2), shorten(to, from, RADIUS + 3));
            draw_arrow(area, &[start, end], arrow.kind, MESSAGE_INK)?;
            if let Some(label) = &arrow.label {
                // Near the head, where arrows leaving one message have fanned out.
                let at = lerp(start, end, 0.72);
                area.draw(&Text::new(label.clone(), (at.0, at.1 - 9), text(11.0)))?;
            }
        }
        for (i, person) in self.people.iter().enumerate() {
            for (m, message) in person.messages.iter().enumerate() {
                let centre = self.message_centre((i, m));
                area.draw(&Circle::new(centre, RADIUS, MESSAGE_FILL.filled()))?;
                area.draw(&Circle::new(centre, RADIUS, MESSAGE_INK.stroke_width(1)))?;
                let size = if message.chars().count() > 2 {
                    10.0
                } else {
                    14.0
                };
                area.draw(&Text::new(message.clone(), centre, text(size)))?;
            }
        }
        for arrow in &self.arrows {
            let (x0, x1) = (self.column_x(arrow.from), self.column_x(arrow.to));
            let adjacent = arrow.from.abs_diff(arrow.to) == 1;
            let path = if adjacent {
                let gap = 24;
                vec![(x0 + gap, NAME_ROW), (x1 - gap, NAME_ROW)]
            } else {
                let lift = NAME_ROW - 14;
                vec![
                    (x0, lift),
                    (x0, SHORTCUT_ROW),
                    (x1, SHORTCUT_ROW),
                    (x1, lift),
                ]
            };
            draw_arrow(area, &path, arrow.kind, INK)?;
            let label_y = if adjacent {
                NAME_ROW - 13
            } else {
                SHORTCUT_ROW - 12
            };
            area.draw(&Text::new(
                arrow.label.clone(),
                ((x0 + x1) / 2, label_y),
                text(13.0),
            ))?;
        }
        let bottom = self.boxes_bottom();
        for (k, marginal) in self.same_marginals.iter().enumerate() {
            let (x0, x1) = (
                self.column_x(marginal.between.0),
                self.column_x(marginal.between.1),
            );
            let low = bottom + 22 + 14 * k as i32;
            let path = vec![(x0, bottom + 4), (x0, low), (x1, low), (x1, bottom + 4)];
            area.draw(&DashedPathElement::new(
                path,
                6,
                4,
                MARGINAL_INK.stroke_width(2),
            ))?;
            if let Some(given) = &marginal.given {
                let label = format!("same marginal given {given}");
                area.draw(&Text::new(label, ((x0 + x1) / 2, low + 12), text(12.0)))?;
            }
        }
        self.draw_legend(area, bottom + 62)
    }

    /// One line explaining the arrow kinds that appear.
    fn draw_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        y: i32,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let mut kinds: Vec<ArrowKind> = self.arrows.iter().map(|a| a.kind).collect();
        kinds.dedup();
        kinds.sort_by_key(|k| *k == ArrowKind::Harpoon);
        kinds.dedup();
        let style = ("sans-serif", 12.0)
            .into_font()
            .color(&INK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let x = MARGIN - 20;
        for (row, kind) in kinds.into_iter().enumerate() {
            let y = y + 20 * row as i32;
            draw_arrow(area, &[(x, y), (x + 30, y)], kind, INK)?;
            let words = match kind {
                ArrowKind::Morphism => "morphism: a function, cannot create information",
                ArrowKind::Harpoon => "harpoon: stochastic, may create information",
            };
            area.draw(&Text::new(words, (x + 38, y), style.clone()))?;
        }
        Ok(())
    }
}

fn lerp(a: Point, b: Point, t: f64) -> Point {
    let at = |p: i32, q: i32| (p as f64 + t * (q - p) as f64).round() as i32;
    (at(a.0, b.0), at(a.1, b.1))
}

/// `from` moved `by` pixels towards `to`.
fn shorten(from: Point, to: Point, by: i32) -> Point {
    let length = (((to.0 - from.0).pow(2) + (to.1 - from.1).pow(2)) as f64)
        .sqrt()
        .max(1.0);
    lerp(from, to, by as f64 / length)
}

/// A polyline ending in an arrowhead: a full triangle for a morphism, a single barb on
/// the left of the direction of travel for a harpoon (⇀).
fn draw_arrow<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    path: &[Point],
    kind: ArrowKind,
    colour: RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let [.., before, tip] = path else {
        return Ok(());
    };
    let (dx, dy) = ((tip.0 - before.0) as f64, (tip.1 - before.1) as f64);
    let length = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / length, dy / length);
    // Screen y points down, so (uy, −ux) is the left-hand side of the direction.
    let (nx, ny) = (uy, -ux);
    let back = (
        tip.0 as f64 - HEAD_LENGTH * ux,
        tip.1 as f64 - HEAD_LENGTH * uy,
    );
    let side = |s: f64| {
        (
            (back.0 + s * HEAD_HALF_WIDTH * nx).round() as i32,
            (back.1 + s * HEAD_HALF_WIDTH * ny).round() as i32,
        )
    };
    let mut line = path.to_vec();
    *line.last_mut().expect("non-empty") = (back.0.round() as i32, back.1.round() as i32);
    if kind == ArrowKind::Harpoon {
        line.push(*tip);
    }
    area.draw(&PathElement::new(line, colour.stroke_width(2)))?;
    let head = match kind {
        ArrowKind::Morphism => vec![*tip, side(1.0), side(-1.0)],
        ArrowKind::Harpoon => vec![*tip, side(1.6), side(0.0)],
    };
    area.draw(&Polygon::new(head, colour.filled()))
}
