//! The two Gaussian kernels of a `T`-step sampler started at `x_0 = 0`: generation
//! `p→(x_{n+1} | x_n)` and destruction `p←(x_n | x_{n+1})`, as means and log-variances.

use super::destruction::{Bridge, DestructionProcess};
use super::network::{Evaluator, HeadOutput, KernelNet, LogZ, PlainDfdx, Rows, TimeTable};
use crate::dfdx::prelude::*;
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// Which destruction process a configuration asks for: each value is one
/// [`DestructionProcess`] type (`Fixed`: this chapter's [`Bridge`]; `Learned`: chapter
/// "Adaptive destruction"'s `LearnedGaussian`, whose settings are the `destruction_*`,
/// `shared_backbone` and `learned_parts` fields of [`KernelConfig`]).
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Destruction {
    /// The exact time reversal of the reference random walk (a Brownian bridge to 0).
    Fixed,
    /// A learned Gaussian with its own state-dependent mean and variance, as a bounded
    /// residual around the bridge (chapter "Adaptive destruction").
    Learned,
}

/// Which parts of a learned destruction kernel are learned: the ablation of the paper's
/// decoupled variances (chapter "Results").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LearnedParts {
    /// Mean and variance, each from the destruction's own head: the destruction's
    /// variance is decoupled from the generation's.
    #[default]
    MeanAndVariance,
    /// The mean only; the variance stays the bridge's.
    MeanOnly,
    /// The variance only; the mean stays the bridge's.
    VarianceOnly,
    /// The mean, with the variance *tied* to the generation kernel's: the bridge's
    /// variance times the generation's own correction `exp ℓ_θ` at the same state and
    /// time (one set of parameters for both directions, as a continuous-time limit
    /// would require).
    MeanTiedVariance,
}

impl LearnedParts {
    fn is_default(&self) -> bool {
        *self == LearnedParts::default()
    }
}

/// The shape of both kernels.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelConfig {
    /// Number of generation steps `T` (`Δt = 1/T`).
    pub steps: usize,
    /// Reference diffusion coefficient `σ²`: the reference walk has step variance `σ²Δt`.
    pub sigma2: f64,
    /// Generation log-variance correction `ℓ = ℓ_max·tanh(v)` lies in `[−ℓ_max, ℓ_max]`.
    pub log_var_range: f64,
    pub destruction: Destruction,
    /// Learned destruction: log-variance correction `R_b·tanh(s)` around the bridge's.
    pub destruction_log_var_range: f64,
    /// Learned destruction: mean shift `σ√Δt·M·tanh(m/M)` around the bridge's mean.
    pub destruction_mean_range: f64,
    /// Squash the raw log-variances, and a learned destruction's mean shift, with `tanh`
    /// (bounded). Off: raw outputs are used as is.
    pub bounded: bool,
    /// The destruction head sits on the generation backbone instead of its own.
    pub shared_backbone: bool,
    /// Learned destruction: which of its mean and variance are learned, and whether its
    /// variance is its own (absent from a stored configuration: both, decoupled).
    #[serde(default, skip_serializing_if = "LearnedParts::is_default")]
    pub learned_parts: LearnedParts,
    /// Learned destruction: how it departs from the bridge (absent from a stored
    /// configuration: the bounded residual).
    #[serde(default, skip_serializing_if = "Correction::is_default")]
    pub correction: Correction,
    /// Learned destruction with [`Correction::Multiplicative`]: the bridge's drift and
    /// variance are each multiplied by a factor in `[1 − r, 1 + r]`.
    #[serde(
        default = "default_correction_range",
        skip_serializing_if = "is_default_correction_range"
    )]
    pub correction_range: f64,
}

/// How a learned destruction departs from the bridge.
/// Introduced in chapter "Adaptive destruction".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Correction {
    /// This book's reconstruction of the method: a bounded residual, the mean shifted by
    /// up to `M` step deviations and the log-variance moved by up to `R_b`, from the
    /// destruction head on the chosen backbone.
    #[default]
    Residual,
    /// The learned backward policy of the code the method descends from (gfn-diffusion,
    /// Sendera et al. 2024): the bridge's drift and variance each multiplied by
    /// `1 + r·tanh(·)`, from the destruction's own trunk on the generation network's
    /// state and time embeddings.
    Multiplicative,
}

impl Correction {
    fn is_default(&self) -> bool {
        *self == Correction::default()
    }
}

/// The lineage code's correction range (its command line's default).
const DEFAULT_CORRECTION_RANGE: f64 = 0.1;

fn default_correction_range() -> f64 {
    DEFAULT_CORRECTION_RANGE
}

fn is_default_correction_range(r: &f64) -> bool {
    *r == DEFAULT_CORRECTION_RANGE
}

impl Default for KernelConfig {
    fn default() -> Self {
        KernelConfig {
            steps: 10,
            sigma2: 5.0,
            log_var_range: 4.0,
            destruction: Destruction::Fixed,
            destruction_log_var_range: 4.0,
            destruction_mean_range: 3.0,
            bounded: true,
            shared_backbone: false,
            learned_parts: LearnedParts::MeanAndVariance,
            correction: Correction::Residual,
            correction_range: DEFAULT_CORRECTION_RANGE,
        }
    }
}

/// Generation drifts are clipped to this magnitude (a guard against blow-ups only).
const DRIFT_CLIP: f32 = 1e4;

/// The trainable parts of a sampler: generation network, destruction network (unused
/// by the fixed destruction; only its head is used with a shared backbone) and `log Z`.
/// `Dv` is the dfdx device the networks live on (`Cpu`, or `Cuda` with the `cuda`
/// feature); `P` says how the networks are evaluated (the plain dfdx network unless a
/// trainer picks a faster [`Evaluator`]); `K` is the destruction process (this chapter's
/// fixed [`Bridge`] unless chapter "Adaptive destruction"'s learned one is named).
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug)]
pub struct SamplerNets<const D: usize, E: Dtype, Dv: Storage<E>, K = Bridge, P = PlainDfdx> {
    pub generation: KernelNet<D, E, Dv>,
    pub destruction: KernelNet<D, E, Dv>,
    pub log_z: LogZ<E, Dv>,
    pub evaluator: PhantomData<P>,
    pub process: PhantomData<K>,
}

impl<const DIM: usize, Dv: Device<f32>, P: Evaluator<Dv>, K: DestructionProcess>
    TensorCollection<f32, Dv> for SamplerNets<DIM, f32, Dv, K, P>
{
    type To<E2: Dtype, D2: Device<E2>> = SamplerNets<DIM, E2, D2, K, P>;
    fn iter_tensors<V: ModuleVisitor<Self, f32, Dv>>(
        visitor: &mut V,
    ) -> Result<Option<Self::To<V::E2, V::D2>>, V::Err> {
        visitor.visit_fields(
            (
                Self::module("generation", |s| &s.generation, |s| &mut s.generation),
                Self::module("destruction", |s| &s.destruction, |s| &mut s.destruction),
                Self::module("log_z", |s| &s.log_z, |s| &mut s.log_z),
            ),
            |(generation, destruction, log_z)| SamplerNets {
                generation,
                destruction,
                log_z,
                evaluator: PhantomData,
                process: PhantomData,
            },
        )
    }
}

/// A Gaussian kernel evaluated on a batch of rows: `N(mean, diag(exp(log_var)))`.
pub struct GaussianRows<const D: usize, Dv: Storage<f32>, T> {
    pub mean: Rows<D, Dv, T>,
    pub log_var: Rows<D, Dv, T>,
}

impl<const D: usize, Dv: Device<f32>, T: Tape<f32, Dv> + Merge<NoneTape>> GaussianRows<D, Dv, T> {
    /// `log N(x; mean, diag(exp(log_var)))` of each row, summed over coordinates:
    /// `−½ Σ_d [(x_d − μ_d)² e^{−ℓ_d} + ℓ_d + log 2π]`.
    pub fn log_density<Tx: Tape<f32, Dv>>(self, x: Rows<D, Dv, Tx>) -> Tensor<(usize,), f32, Dv, T>
    where
        T: Merge<Tx>,
    {
        let shift = (self.mean - x).square() * self.log_var.retaped::<T>().negate().exp();
        let per_coordinate = (shift + self.log_var + (2.0 * std::f32::consts::PI).ln()) * -0.5;
        per_coordinate.sum::<(usize,), Axis<1>>()
    }
}

/// Per-row constants broadcast over the `D` coordinates.
pub fn column<const D: usize, Dv: Device<f32>>(
    dev: &Dv,
    values: Vec<f32>,
) -> Rows<D, Dv, NoneTape> {
    let n = values.len();
    dev.tensor_from_vec(values, (n,))
        .broadcast_like(&(n, Const::<D>))
}

impl KernelConfig {
    pub fn dt(&self) -> f64 {
        1.0 / self.steps as f64
    }

    /// The time grid `t_n = n/T`, `n = 0..=T`.
    pub fn times(&self) -> Vec<f32> {
        (0..=self.steps)
            .map(|n| n as f32 / self.steps as f32)
            .collect()
    }

    /// Log of the reference step variance, `log(σ²Δt)`.
    pub fn log_step_var(&self) -> f32 {
        (self.sigma2 * self.dt()).ln() as f32
    }

    // ANCHOR: generation_kernel
    /// Generation kernel at rows `x_n`, from the network's raw outputs `(u, v)` there:
    /// `p→(x_{n+1} | x_n) = N(x_n + Δt·u, σ²Δt·exp(ℓ))` with `ℓ = ℓ_max·tanh(v)`.
    pub fn generation<const D: usize, Dv: Device<f32>, T: Tape<f32, Dv> + Merge<T>>(
        &self,
        out: HeadOutput<D, Dv, T>,
        x: Rows<D, Dv, T>,
    ) -> GaussianRows<D, Dv, T> {
        let (drift, log_var) = out.into_both();
        let mean = x + drift.clamp(-DRIFT_CLIP, DRIFT_CLIP) * self.dt() as f32;
        let log_var = self.bound(log_var, self.log_var_range) + self.log_step_var();
        GaussianRows { mean, log_var }
    }
    // ANCHOR_END: generation_kernel

    /// `ℓ_max·tanh(raw)` when the kernels are bounded, else `raw` as is.
    pub fn bound<const D: usize, Dv: Device<f32>, T: Tape<f32, Dv>>(
        &self,
        raw: Rows<D, Dv, T>,
        range: f64,
    ) -> Rows<D, Dv, T> {
        if self.bounded {
            raw.tanh() * range as f32
        } else {
            raw
        }
    }

    // ANCHOR: bridge
    /// The fixed destruction at rows `x_{n+1}` (step `n + 1 = next_step[i] ≥ 2`): the
    /// exact reversal of the walk `x_{n+1} = x_n + σ√Δt·ξ` from `x_0 = 0`,
    /// `p←(x_n | x_{n+1}) = N(n/(n+1)·x_{n+1}, σ²Δt·n/(n+1))`.
    pub fn bridge<const D: usize, Dv: Device<f32>, T: Tape<f32, Dv>>(
        &self,
        x_next: Rows<D, Dv, T>,
        next_step: &[usize],
    ) -> GaussianRows<D, Dv, T> {
        let dev = x_next.device().clone();
        let ratio: Vec<f32> = next_step
            .iter()
            .map(|&m| (m - 1) as f32 / m as f32)
            .collect();
        let log_var = ratio.iter().map(|r| r.ln() + self.log_step_var()).collect();
        GaussianRows {
            mean: x_next * column::<D, Dv>(&dev, ratio),
            log_var: column::<D, Dv>(&dev, log_var).retaped::<T>(),
        }
    }
    // ANCHOR_END: bridge
}

impl<const D: usize, Dv: Device<f32>, P: Evaluator<Dv>, K: DestructionProcess>
    SamplerNets<D, f32, Dv, K, P>
{
    /// A fresh sampler on `dev`: random backbones (drawn from `dev`'s random stream),
    /// zero heads (so the generation kernel starts as the reference walk and a learned
    /// destruction as the bridge), `log Z = 0`.
    pub fn new(dev: &Dv) -> Self {
        SamplerNets::build(dev)
    }

    /// The destruction kernel `p←(x_n | x_{n+1})` at rows `x_{n+1}` (step
    /// `n + 1 = next_step[i]`), as the process `K` defines it.
    pub fn destruction_kernel<T: Tape<f32, Dv> + Merge<T>>(
        &self,
        config: &KernelConfig,
        x_next: Rows<D, Dv, T>,
        next_step: &[usize],
    ) -> GaussianRows<D, Dv, T> {
        assert_eq!(
            config.destruction,
            K::KIND,
            "the configuration's destruction is not this sampler's destruction process"
        );
        K::kernel(self, config, x_next, next_step)
    }

    /// The generation kernel at rows `x` (step `n = step[i]` for row `i`).
    pub fn generation_kernel<T: Tape<f32, Dv> + Merge<T>>(
        &self,
        config: &KernelConfig,
        x: Rows<D, Dv, T>,
        step: &[usize],
    ) -> GaussianRows<D, Dv, T> {
        let generation = &self.generation;
        let out = generation.backbone.forward::<P, T>(
            &generation.head,
            x.retaped::<T>(),
            &config.times(),
            step,
        );
        config.generation(out, x)
    }

    /// The generation network's time features at every generation step `0..T`, for a
    /// loop that draws one step at a time ([`generation_kernel_with`](Self::generation_kernel_with)).
    pub fn generation_times<T: Tape<f32, Dv> + Merge<T>>(
        &self,
        config: &KernelConfig,
    ) -> TimeTable<Dv, T> {
        let steps: Vec<usize> = (0..config.steps).collect();
        self.generation
            .backbone
            .time
            .table::<P, T>(&config.times(), &steps)
    }

    /// [`generation_kernel`](Self::generation_kernel) with shared time features.
    pub fn generation_kernel_with<T: Tape<f32, Dv> + Merge<T>>(
        &self,
        config: &KernelConfig,
        x: Rows<D, Dv, T>,
        times: &TimeTable<Dv, T>,
        step: &[usize],
    ) -> GaussianRows<D, Dv, T> {
        let generation = &self.generation;
        let out = generation.backbone.forward_with::<P, T>(
            &generation.head,
            x.retaped::<T>(),
            times,
            step,
        );
        config.generation(out, x)
    }
}
