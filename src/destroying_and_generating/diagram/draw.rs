//! Drawing of a `Diagram` on any plotters backend (SVG file for the book, inline SVG in
//! notebooks): real harpoon heads (one barb, ⇀), full heads for morphisms, two heads
//! for bijections, dashed lines for "same marginal".

use super::{ArrowKind, Diagram};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

type Point = (i32, i32);

const MARGIN: i32 = 40;
const BOX_WIDTH: i32 = 64;
const MESSAGE_GAP: i32 = 38;
const RADIUS: i32 = 13;
const TAG_HALF_HEIGHT: i32 = 16;
const HEAD_LENGTH: f64 = 10.0;
const HEAD_HALF_WIDTH: f64 = 5.0;
/// From a row's top: the arches of long same-row arrows, the names, the boxes (rows
/// of zoomed-out people need less room above their names).
const SHORTCUT_OFFSET: i32 = 30;
const NAME_OFFSET: i32 = 78;
const BOXES_OFFSET: i32 = 104;
const ZOOMED_SHORTCUT_OFFSET: i32 = 26;
const ZOOMED_NAME_OFFSET: i32 = 60;

const INK: RGBColor = RGBColor(30, 30, 30);
const MESSAGE_INK: RGBColor = RGBColor(40, 90, 150);
const BOX_FILL: RGBColor = RGBColor(245, 245, 240);
const MESSAGE_FILL: RGBColor = RGBColor(225, 236, 248);
const MARGINAL_INK: RGBColor = RGBColor(150, 60, 40);

/// Pixel geometry of one laid-out diagram.
struct Geometry {
    cells: Vec<(usize, usize)>,
    row_top: Vec<i32>,
    row_tallest: Vec<i32>,
    column_gap: i32,
    name_offset: i32,
    shortcut_offset: i32,
    height: i32,
    width: i32,
}

impl Diagram {
    fn geometry(&self) -> Geometry {
        let cells = self.layout();
        let rows = cells.iter().map(|c| c.1 + 1).max().unwrap_or(1);
        let columns = cells.iter().map(|c| c.0 + 1).max().unwrap_or(1) as i32;
        let zoomed_out = self.people.iter().all(|p| !p.show_messages);
        let widest_name = self
            .people
            .iter()
            .map(|p| p.name.chars().count() as i32)
            .max()
            .unwrap_or(1);
        let column_gap = if let Some(gap) = self.column_gap {
            gap
        } else if zoomed_out {
            (9 * widest_name + 90).max(130)
        } else {
            190
        };
        let (name_offset, shortcut_offset) = if zoomed_out {
            (ZOOMED_NAME_OFFSET, ZOOMED_SHORTCUT_OFFSET)
        } else {
            (NAME_OFFSET, SHORTCUT_OFFSET)
        };
        let mut row_top = Vec::new();
        let mut row_tallest = Vec::new();
        let mut top = 0;
        for r in 0..rows {
            let in_row: Vec<usize> = (0..self.people.len())
                .filter(|&i| cells[i].1 == r)
                .collect();
            let tallest = in_row
                .iter()
                .filter(|&&i| self.people[i].show_messages)
                .map(|&i| self.people[i].messages.len() as i32 * MESSAGE_GAP)
                .max();
            let dashed = self
                .same_marginals
                .iter()
                .filter(|m| cells[m.between.0].1 == r && cells[m.between.1].1 == r)
                .count() as i32;
            row_top.push(top);
            row_tallest.push(tallest.unwrap_or(-1));
            let bottom = match tallest {
                Some(t) => BOXES_OFFSET + t + 12,
                None => name_offset + TAG_HALF_HEIGHT,
            };
            top += bottom + 24 + 16 * dashed;
        }
        let legend_rows = self.legend_entries().len() as i32;
        Geometry {
            width: 2 * MARGIN + BOX_WIDTH + (columns - 1) * column_gap + 40,
            height: top + 20 + 20 * legend_rows,
            cells,
            row_top,
            row_tallest,
            column_gap,
            name_offset,
            shortcut_offset,
        }
    }

    /// The diagram as an SVG document (for the book's files and for notebooks).
    pub fn to_svg(&self) -> String {
        crate::plot::svg(self.size(), |area| self.draw(area))
    }

    /// Pixel size of the drawing.
    pub fn size(&self) -> (u32, u32) {
        let g = self.geometry();
        (g.width as u32, g.height as u32)
    }

    fn legend_entries(&self) -> Vec<Option<ArrowKind>> {
        let mut entries: Vec<Option<ArrowKind>> = Vec::new();
        for kind in [
            ArrowKind::Morphism,
            ArrowKind::Harpoon,
            ArrowKind::Bijection,
        ] {
            if self.arrows.iter().any(|a| a.kind == kind) {
                entries.push(Some(kind));
            }
        }
        if !self.same_marginals.is_empty() {
            entries.push(None);
        }
        entries
    }

    /// Draws the diagram on `area` (which should have at least `self.size()` pixels).
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let g = self.geometry();
        area.fill(&WHITE)?;
        let text = |size: f64| {
            ("sans-serif", size)
                .into_font()
                .color(&INK)
                .pos(Pos::new(HPos::Center, VPos::Center))
        };
        let x_of = |i: usize| MARGIN + BOX_WIDTH / 2 + g.cells[i].0 as i32 * g.column_gap;
        let name_y = |i: usize| g.row_top[g.cells[i].1] + g.name_offset;
        let half_width = |i: usize| {
            if self.people[i].show_messages {
                24
            } else {
                (self.people[i].name.chars().count() as i32 * 9 + 20).max(40) / 2
            }
        };
        let message_centre = |(i, m): (usize, usize)| -> Point {
            let row = g.cells[i].1;
            let n = self.people[i].messages.len() as i32;
            let top =
                g.row_top[row] + BOXES_OFFSET + 6 + (g.row_tallest[row] - n * MESSAGE_GAP) / 2;
            (x_of(i), top + MESSAGE_GAP / 2 + m as i32 * MESSAGE_GAP)
        };
        // Boxes and names.
        for (i, person) in self.people.iter().enumerate() {
            let (x, y) = (x_of(i), name_y(i));
            if person.show_messages {
                let row = g.cells[i].1;
                let n = person.messages.len() as i32;
                let top =
                    g.row_top[row] + BOXES_OFFSET + (g.row_tallest[row] - n * MESSAGE_GAP) / 2;
                let corners = [
                    (x - BOX_WIDTH / 2, top),
                    (x + BOX_WIDTH / 2, top + n * MESSAGE_GAP + 12),
                ];
                area.draw(&Rectangle::new(corners, BOX_FILL.filled()))?;
                area.draw(&Rectangle::new(corners, INK.stroke_width(1)))?;
            } else {
                let w = half_width(i);
                let corners = [(x - w, y - TAG_HALF_HEIGHT), (x + w, y + TAG_HALF_HEIGHT)];
                area.draw(&Rectangle::new(corners, BOX_FILL.filled()))?;
                area.draw(&Rectangle::new(corners, INK.stroke_width(1)))?;
            }
            area.draw(&Text::new(person.name.clone(), (x, y), text(18.0)))?;
        }
        // Message-level arrows, then the messages over them.
        let mut labels = Vec::new();
        for arrow in &self.message_arrows {
            let (from, to) = (message_centre(arrow.from), message_centre(arrow.to));
            let (start, end) = (shorten(from, to, RADIUS + 2), shorten(to, from, RADIUS + 3));
            draw_arrow(area, &[start, end], arrow.kind, MESSAGE_INK)?;
            if let Some(label) = &arrow.label {
                let at = free_label_spot(start, end, label, &mut labels);
                area.draw(&Text::new(label.clone(), at, text(11.0)))?;
            }
        }
        for (i, person) in self.people.iter().enumerate() {
            if !person.show_messages {
                continue;
            }
            for (m, message) in person.messages.iter().enumerate() {
                let centre = message_centre((i, m));
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
        // Big arrows.
        let mut arches = vec![0; g.row_top.len()];
        for arrow in &self.arrows {
            let (a, b) = (arrow.from, arrow.to);
            let ((x0, y0), (x1, y1)) = ((x_of(a), name_y(a)), (x_of(b), name_y(b)));
            let same_row = g.cells[a].1 == g.cells[b].1;
            // Straight unless another person sits between the two in their row.
            let (lo, hi) = (
                g.cells[a].0.min(g.cells[b].0),
                g.cells[a].0.max(g.cells[b].0),
            );
            let blocked = g
                .cells
                .iter()
                .any(|c| c.1 == g.cells[a].1 && c.0 > lo && c.0 < hi);
            let adjacent = same_row && !blocked;
            let (path, label_at) = if adjacent {
                let sign = if x1 > x0 { 1 } else { -1 };
                let path = vec![
                    (x0 + sign * (half_width(a) + 4), y0),
                    (x1 - sign * (half_width(b) + 4), y1),
                ];
                (path, ((x0 + x1) / 2, y0 - 13))
            } else if same_row {
                let row = g.cells[a].1;
                let high = g.row_top[row] + g.shortcut_offset - 12 * arches[row];
                arches[row] += 1;
                let lift = y0 - TAG_HALF_HEIGHT - 2;
                let path = vec![(x0, lift), (x0, high), (x1, high), (x1, lift)];
                (path, ((x0 + x1) / 2, high - 12))
            } else {
                let start = clip((x0, y0), (x1, y1), half_width(a) + 4, TAG_HALF_HEIGHT + 4);
                let end = clip((x1, y1), (x0, y0), half_width(b) + 4, TAG_HALF_HEIGHT + 4);
                let mid = lerp(start, end, 0.5);
                (
                    vec![start, end],
                    label_beside(start, end, mid, &arrow.label),
                )
            };
            draw_arrow(area, &path, arrow.kind, INK)?;
            area.draw(&Text::new(arrow.label.clone(), label_at, text(13.0)))?;
        }
        // Dashed lines.
        let mut below = vec![0; g.row_top.len()];
        for marginal in &self.same_marginals {
            let (a, b) = marginal.between;
            let ((x0, y0), (x1, y1)) = ((x_of(a), name_y(a)), (x_of(b), name_y(b)));
            let label = marginal
                .given
                .as_ref()
                .map(|given| format!("same given {given}"));
            if g.cells[a].1 == g.cells[b].1 {
                let row = g.cells[a].1;
                let bottom = if g.row_tallest[row] >= 0 {
                    g.row_top[row] + BOXES_OFFSET + g.row_tallest[row] + 16
                } else {
                    y0 + TAG_HALF_HEIGHT + 4
                };
                let low = bottom + 14 + 16 * below[row];
                below[row] += 1;
                let path = vec![(x0, bottom), (x0, low), (x1, low), (x1, bottom)];
                area.draw(&DashedPathElement::new(
                    path,
                    6,
                    4,
                    MARGINAL_INK.stroke_width(2),
                ))?;
                if let Some(label) = label {
                    area.draw(&Text::new(label, ((x0 + x1) / 2, low + 9), text(12.0)))?;
                }
            } else {
                let start = clip((x0, y0), (x1, y1), half_width(a) + 2, TAG_HALF_HEIGHT + 2);
                let end = clip((x1, y1), (x0, y0), half_width(b) + 2, TAG_HALF_HEIGHT + 2);
                let path = vec![start, end];
                area.draw(&DashedPathElement::new(
                    path,
                    6,
                    4,
                    MARGINAL_INK.stroke_width(2),
                ))?;
                if let Some(label) = label {
                    let at = label_beside(start, end, lerp(start, end, 0.5), &label);
                    area.draw(&Text::new(label, at, text(12.0)))?;
                }
            }
        }
        self.draw_legend(area, g.height - 20 * self.legend_entries().len() as i32)
    }

    /// One line per arrow kind that appears, and one for the dashed line.
    fn draw_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        y: i32,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let style = ("sans-serif", 12.0)
            .into_font()
            .color(&INK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let x = MARGIN - 20;
        for (row, entry) in self.legend_entries().into_iter().enumerate() {
            let y = y + 20 * row as i32;
            let words = match entry {
                Some(kind) => {
                    draw_arrow(area, &[(x, y), (x + 30, y)], kind, INK)?;
                    match kind {
                        ArrowKind::Morphism => "morphism: a function, cannot create information",
                        ArrowKind::Harpoon => "harpoon: stochastic, may create information",
                        ArrowKind::Bijection => {
                            "bijection: a function with an inverse, preserves information"
                        }
                    }
                }
                None => {
                    let path = vec![(x, y), (x + 30, y)];
                    area.draw(&DashedPathElement::new(
                        path,
                        6,
                        4,
                        MARGINAL_INK.stroke_width(2),
                    ))?;
                    "dashed: same marginal distribution (\"same given X\": same conditional)"
                }
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

/// A label's box: its centre's corners, `[left, top, right, bottom]`, at 11 px text.
type LabelBox = [i32; 4];

/// Where a message arrow's label goes: above the arrow near its head, where arrows
/// leaving one message have fanned out, unless a label already placed is there (arrows
/// arriving at one message converge); then further back along the arrow. Records the box
/// it takes in `placed`.
fn free_label_spot(start: Point, end: Point, label: &str, placed: &mut Vec<LabelBox>) -> Point {
    const ALONG: [f64; 6] = [0.72, 0.6, 0.84, 0.48, 0.36, 0.24];
    let half_width = 3 * label.chars().count() as i32 + 2;
    let spot = |t: f64| {
        let at = lerp(start, end, t);
        let centre = (at.0, at.1 - 9);
        let b = [
            centre.0 - half_width,
            centre.1 - 7,
            centre.0 + half_width,
            centre.1 + 7,
        ];
        (centre, b)
    };
    let overlaps =
        |a: &LabelBox, b: &LabelBox| a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
    let (centre, b) = ALONG
        .iter()
        .map(|&t| spot(t))
        .find(|(_, b)| placed.iter().all(|q| !overlaps(b, q)))
        .unwrap_or_else(|| spot(ALONG[0]));
    placed.push(b);
    centre
}

/// `from` moved `by` pixels towards `to`.
fn shorten(from: Point, to: Point, by: i32) -> Point {
    let length = (((to.0 - from.0).pow(2) + (to.1 - from.1).pow(2)) as f64)
        .sqrt()
        .max(1.0);
    lerp(from, to, by as f64 / length)
}

/// Where the segment from `centre` to `towards` leaves the box of half-sizes `w`, `h`.
fn clip(centre: Point, towards: Point, w: i32, h: i32) -> Point {
    let (dx, dy) = ((towards.0 - centre.0) as f64, (towards.1 - centre.1) as f64);
    let tx = if dx == 0.0 {
        f64::INFINITY
    } else {
        w as f64 / dx.abs()
    };
    let ty = if dy == 0.0 {
        f64::INFINITY
    } else {
        h as f64 / dy.abs()
    };
    let t = tx.min(ty).min(1.0);
    (
        (centre.0 as f64 + t * dx).round() as i32,
        (centre.1 as f64 + t * dy).round() as i32,
    )
}

/// A label position beside a segment's point `at`: above a flat segment, to the right
/// of a steep one.
fn label_beside(start: Point, end: Point, at: Point, label: &str) -> Point {
    let (dx, dy) = ((end.0 - start.0).abs(), (end.1 - start.1).abs());
    if dy > dx {
        (at.0 + 8 + 3 * label.chars().count() as i32, at.1)
    } else {
        (at.0, at.1 - 13)
    }
}

/// A polyline ending in an arrowhead: a full triangle for a morphism, a single barb on
/// the left of the direction of travel for a harpoon (⇀), triangles at both ends for a
/// bijection.
fn draw_arrow<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    path: &[Point],
    kind: ArrowKind,
    colour: RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    if path.len() < 2 {
        return Ok(());
    }
    let mut line = path.to_vec();
    let n = line.len();
    let (tip, back) = head(area, line[n - 2], line[n - 1], kind, colour)?;
    if kind != ArrowKind::Harpoon {
        line[n - 1] = back;
    } else {
        line[n - 1] = tip;
    }
    if kind == ArrowKind::Bijection {
        let (_, tail_back) = head(area, line[1], path[0], kind, colour)?;
        line[0] = tail_back;
    }
    area.draw(&PathElement::new(line, colour.stroke_width(2)))
}

/// Draws the head at `tip` (arriving from `before`); returns the tip and the point where
/// the shaft should stop.
fn head<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    before: Point,
    tip: Point,
    kind: ArrowKind,
    colour: RGBColor,
) -> Result<(Point, Point), DrawingAreaErrorKind<DB::ErrorType>> {
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
    let shape = match kind {
        ArrowKind::Harpoon => vec![tip, side(1.6), side(0.0)],
        _ => vec![tip, side(1.0), side(-1.0)],
    };
    area.draw(&Polygon::new(shape, colour.filled()))?;
    Ok((tip, (back.0.round() as i32, back.1.round() as i32)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_of_arrows_crossing_near_their_heads_do_not_overlap() {
        // Two of Shuffle's arrows: message 0 to 1 (falling) and 2 to 0 (rising), which
        // cross close to the messages they arrive at.
        let mut placed = Vec::new();
        let (start, end) = ((90, 100), (230, 138));
        let falling = free_label_spot(start, end, "1/2", &mut placed);
        let rising = free_label_spot((90, 176), (230, 100), "1/2", &mut placed);
        // The first label keeps its spot near the head, 9 pixels above the arrow.
        let head = lerp(start, end, 0.72);
        assert_eq!(falling, (head.0, head.1 - 9));
        let [a, b] = [placed[0], placed[1]];
        assert!(
            a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1],
            "{a:?} and {b:?} overlap (labels at {falling:?} and {rising:?})"
        );
    }
}
