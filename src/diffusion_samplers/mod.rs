//! The sweep behind chapters "Adaptive destruction", "Results" and "Scaling up": the
//! paper's claims, their runs, rules and verdicts, and the files of those chapters.
//! It moves to a module of chapter "Results" (open work); the samplers themselves are in
//! [`sampling_without_data`](crate::sampling_without_data).

pub mod reproduce;
