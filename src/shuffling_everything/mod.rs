//! Part II, chapter "Shuffling everything": destroy by drowning the message in fresh
//! randomness — the Shuffle channel and its powers, Gaussian shuffles (variance
//! exploding and preserving), and a small DDPM on 2-D data.

pub mod ddpm;
pub mod diagrams;
pub mod exercises;
mod experiment;
mod figures;
pub mod gaussian_shuffle;
pub mod shuffle_one_random_token;
pub mod shuffle_power;
pub mod toy_data;

pub use experiment::{
    chapter_files, run, ChapterResults, CHAPTER, DEVIATION_CHECKED_UP_TO, TINY_DISTANCES_SHOWN,
    TINY_LENGTH, TINY_VOCAB,
};
pub use figures::draw_panels;
