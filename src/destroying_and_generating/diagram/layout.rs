//! Automatic layout: a person's column is the length of the longest chain of arrows
//! that reaches it from a source (so every arrow points rightwards or down a column),
//! and people sharing a column stack in rows in the order they were added. A person
//! pinned with [`Diagram::place`] keeps its cell.

use super::Diagram;

impl Diagram {
    /// `(column, row)` of every person.
    pub fn layout(&self) -> Vec<(usize, usize)> {
        let n = self.people.len();
        let mut column = vec![0usize; n];
        // Longest-path layering; at most n rounds, so a cycle cannot loop forever.
        for _ in 0..n {
            let mut changed = false;
            for a in &self.arrows {
                if self.people[a.to].place.is_none() && column[a.to] < column[a.from] + 1 {
                    let from = self.people[a.from].place.map_or(column[a.from], |p| p.0);
                    if column[a.to] < from + 1 && from + 1 < n + 1 {
                        column[a.to] = from + 1;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut cells: Vec<Option<(usize, usize)>> = self.people.iter().map(|p| p.place).collect();
        for i in 0..n {
            if cells[i].is_none() {
                let c = column[i];
                let row = (0..)
                    .find(|r| !cells.contains(&Some((c, *r))))
                    .expect("some row is free");
                cells[i] = Some((c, row));
            }
        }
        cells.into_iter().map(|c| c.expect("assigned")).collect()
    }
}
