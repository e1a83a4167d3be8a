//! The built-in targets of chapter "Sampling without data", each with an exact sampler
//! and its exact `log Z`.
