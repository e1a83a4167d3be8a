//! An optional accelerator for training samplers on the CPU — the only `unsafe` code of
//! the crate, kept apart from the chapters' code.
//!
//! Chapter "Sampling without data" writes the kernel network with dfdx's operations
//! ([`PlainDfdx`](crate::sampling_without_data::network::PlainDfdx)): that is the code the
//! book shows, and it runs on any dfdx device. For the small matrices of a sampler
//! (64 × 64 weights), dfdx's per-operation bookkeeping costs several times the
//! arithmetic, so on `Cpu` the trainer evaluates the same network with [`FusedCpu`]:
//! the same function and the same gradients (tested to float tolerance), computed as
//! five matrix products on plain arrays, with a vectorised GELU and the rows split
//! between this thread and a partner thread. This module makes it `Cpu`'s default by
//! implementing the trainer's `SamplerDevice` for `Cpu`, so the chapters' code never
//! names it.
//!
//! Process-wide settings (the allocator's thresholds, thread pools) are never changed
//! by the library: the command line's `main` and the benchmark call
//! [`keep_freed_buffers`] themselves.
#![allow(unsafe_code)]

pub mod activation;
mod allocator;
mod fused_network;
pub mod partner;

pub use allocator::keep_freed_buffers;
pub use fused_network::FusedCpu;
