//! Part II, chapter "Mashing everything": destroy by merging messages until a singleton
//! is left — Mash to a singleton, then the same idea on sentences: MashLastToken
//! (autoregressive) and MashOneRandomUnmaskedToken (masked diffusion), with small
//! trained Guesses for each.

pub mod corpus;
pub mod diagrams;
pub mod exercises;
mod experiment;
pub mod models;
pub mod processes;

pub use experiment::{chapter_files, exact_fill_in, run, ChapterResults, GuessReport, CHAPTER};
