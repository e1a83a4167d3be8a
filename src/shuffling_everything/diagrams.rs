//! The chapter's diagrams: the Shuffle channel with every message, and the Gaussian
//! shuffles checked on samples.

use super::gaussian_shuffle::{ve_additivity, vp_composition};
use super::shuffle_power::shuffle_power;
use crate::destroying_and_generating::diagram::Diagram;
use crate::destroying_and_generating::named_channels::{example_prior, shuffle};
use crate::destroying_and_generating::numbered;

/// `A ⇀ B` through Shuffle, every message drawn.
pub fn shuffle_diagram() -> Diagram {
    let mut d = Diagram::new();
    let a = d.person("A", &numbered(3));
    let b = d.person("B", &numbered(3));
    d.prior(a, example_prior()).channel(a, b, &shuffle());
    d
}

/// `A ⇀ B ⇀ C` through two Shuffles next to the shortcut `Shuffle²`, same marginal.
pub fn two_shuffles() -> Diagram {
    let mut d = Diagram::new();
    let a = d.node("A", &numbered(3));
    let b = d.node("B", &numbered(3));
    let c = d.node("C", &numbered(3));
    let c2 = d.node("C'", &numbered(3));
    d.prior(a, example_prior())
        .channel(a, b, &shuffle())
        .channel(b, c, &shuffle())
        .channel(a, c2, &shuffle_power(2))
        .place(c2, 2, 1)
        .same_marginal(c, c2, None);
    d
}

/// Steps and sizes of the Gaussian diagrams.
pub const VE_STEPS: usize = 4;
pub const VE_DELTA: f64 = 0.25;
pub const VP_BETA: f64 = 0.2;

/// Every diagram the chapter draws (and checks), by file stem, in reading order.
pub fn chapter_diagrams() -> Vec<(&'static str, Diagram)> {
    vec![
        ("shuffle", shuffle_diagram()),
        ("two-shuffles", two_shuffles()),
        (
            "ve-additivity",
            ve_additivity(VE_STEPS, VE_DELTA, VE_STEPS as f64 * VE_DELTA),
        ),
        ("vp-composition", vp_composition(VE_STEPS, VP_BETA)),
    ]
}
