//! Part I, chapter "Learning by withholding information": what each learning technique
//! hides and guesses back, the strict definition of a generative diffusion model, and the
//! data-scarce crossover of an autoregressive and a masked-diffusion model with the same
//! network, on a synthetic language whose probabilities are exact.

pub mod exercises;
mod experiment;
mod figures;
pub mod language;

pub use language::{Language, MAX_ENUMERATION};
pub mod likelihood;

pub use likelihood::{
    any_order, any_order_bound_estimate, left_to_right_nll, withhold, AnyOrder, Guesser, Partial,
};
pub mod network;
pub mod withholding;

pub use experiment::{
    chapter_files, outcome, run, standing, Budget, ChapterResults, Checkpoint, Run, SizeSummary,
    CHAPTER, MARGIN_SE,
};
pub use network::{parameter_count, train, GuessModel, Step, Training, LENGTH, VOCAB};
pub use withholding::Withholding;
