//! Chapter 11, "Scaling up": the paper's latent-space task (H6), a sampler in the
//! latent space of a small decoder guided by a classifier's reward. Its targets are
//! built-in targets of chapter "Sampling without data"; its runs are part of chapter
//! "Results"'s sweep, whose rules decide it.

pub mod experiment;
