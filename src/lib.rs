//! # Destroy, then Generate
//!
//! The crate behind the book: every algorithm the book shows lives here once, and every
//! number, table and figure in the book is a file this crate wrote.
//!
//! Modules follow the book's reading order; shared pieces come last.
//!
//! ```
//! use destroy_then_generate::destroying_and_generating::{named_channels::*, Joint};
//! use destroy_then_generate::numbers::Rational;
//!
//! // Product adds exactly one bit (a fair coin) to whatever Alice says.
//! let prior = example_prior();
//! let joint = Joint::new(&prior, &product(Rational::new(1, 2))).unwrap();
//! assert_eq!(joint.entropy_b_given_a().as_rational(), Some(Rational::ONE));
//! ```

#![deny(unsafe_code)]

/// The crate version; notebooks assert it so they never run against a stale crate.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

// The pinned dependencies, re-exported so notebooks and courses use exactly these.
pub use dfdx;
pub use ndarray;
pub use ndarray_rand;
pub use plotters;

// Part I — the thesis.
pub mod exploration;
pub mod learning_by_withholding;

// Part II — the tutorial.
pub mod about_the_diagrams;
pub mod beyond_markov;
pub mod destroying_and_generating;
pub mod mashing_everything;
pub mod shuffling_everything;

// Part III — learning the destruction.
pub mod adaptive_destruction;
pub mod results;
pub mod sampling_without_data;
pub mod scaling_up;

// Part IV — what diffusion learns.
pub mod collapse_and_refine;
pub mod denoisers_and_scores;
pub mod easy_to_hard;

// Shared pieces.
pub mod book_pipeline;
pub mod cli;
pub mod notebook;
pub mod numbers;
pub mod plot;
pub mod progress;
pub mod report;
pub mod run_store;
pub mod sampling;

// The CPU accelerator for Part III's samplers: the only module allowed `unsafe`.
pub mod fast_cpu;
