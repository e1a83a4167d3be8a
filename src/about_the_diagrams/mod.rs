//! Part II, chapter "About the diagrams": generative commutative diagrams — harpoons
//! versus morphisms, commutativity, "same marginal", and the two stories as facts about
//! diagrams, every one checked by the crate.

pub mod diagrams;
pub mod exercises;
mod experiment;
mod morphisms;

pub use experiment::{chapter_files, run, ChapterResults, CHAPTER};
pub use morphisms::{kind_table, mismatch, morphisms_never_create, KindRow, MorphismCheck};
