//! Part II, chapter "Destroying and generating": finite channels, entropy, mutual
//! information, and the two stories the data-processing inequality tells.

mod channel;
pub mod diagram;
pub mod diagrams;
pub mod exercises;
mod experiment;
mod information;
mod learning_curve_figure;
mod learning_guess;
pub mod named_channels;
mod random_chains;
mod stories;

pub use channel::{numbered, Alphabet, Channel, ChannelError};
pub use experiment::{chapter_files, run, ChapterResults, CHAPTER};
pub use information::{Distribution, Joint};
pub use learning_curve_figure::draw_learning_curve;
pub use learning_guess::{checkpoints, guess_error, learning_curve, Bob, LearningCurve};
pub use random_chains::{check_random_chains, RandomChainSummary};
pub use stories::{ChainInformation, Inequality};
