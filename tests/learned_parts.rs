//! The ablation switches of a learned destruction (chapter "Results", the decoupled
//! variances): which of its mean and variance are learned, and a variance tied to the
//! generation kernel's. Checked on networks with random (not zero) heads, where each
//! part really moves.

use destroy_then_generate::adaptive_destruction::learned::LearnedGaussian;
use destroy_then_generate::dfdx::prelude::*;
use destroy_then_generate::fast_cpu::FusedCpu;
use destroy_then_generate::sampling_without_data::device;
use destroy_then_generate::sampling_without_data::kernels::{
    Correction, Destruction, KernelConfig, LearnedParts, SamplerNets,
};
use destroy_then_generate::sampling_without_data::network::{Evaluator, PlainDfdx, Rows};

const D: usize = 2;
const ROWS: usize = 12;

/// A sampler whose generation and destruction heads output non-zero values.
fn randomised_nets<P: Evaluator<Cpu>>() -> SamplerNets<D, f32, Cpu, LearnedGaussian, P> {
    let dev = device(11);
    let mut nets = SamplerNets::<D, f32, Cpu, LearnedGaussian, P>::build(&dev);
    for head in [&mut nets.generation.head, &mut nets.destruction.head] {
        for layer in [&mut head.mean, &mut head.log_var] {
            layer.weight = dev.sample_normal::<Rank2<D, 64>>() * 0.3;
            layer.bias = dev.sample_normal::<Rank1<D>>() * 0.3;
        }
    }
    nets
}

fn config(parts: LearnedParts) -> KernelConfig {
    KernelConfig {
        steps: 6,
        destruction: Destruction::Learned,
        learned_parts: parts,
        ..KernelConfig::default()
    }
}

fn rows(dev: &Cpu) -> (Rows<D, Cpu, NoneTape>, Vec<usize>) {
    let x = dev.tensor_from_vec(
        (0..ROWS * D)
            .map(|k| (k as f32 * 0.37).sin() * 3.0)
            .collect(),
        (ROWS, Const::<D>),
    );
    (x, (0..ROWS).map(|i| 2 + i % 5).collect())
}

/// Mean and log-variance of the destruction at the test rows.
fn destruction<P: Evaluator<Cpu>>(
    nets: &SamplerNets<D, f32, Cpu, LearnedGaussian, P>,
    config: &KernelConfig,
) -> [Vec<f32>; 2] {
    let (x, steps) = rows(&device(0));
    let k = nets.destruction_kernel(config, x, &steps);
    [k.mean.as_vec(), k.log_var.as_vec()]
}

/// Mean and log-variance of the fixed bridge at the test rows.
fn bridge(config: &KernelConfig) -> [Vec<f32>; 2] {
    let (x, steps) = rows(&device(0));
    let k = config.bridge(x, &steps);
    [k.mean.as_vec(), k.log_var.as_vec()]
}

fn assert_close(a: &[f32], b: &[f32], what: &str) {
    for (x, y) in a.iter().zip(b) {
        assert!(
            (x - y).abs() <= 1e-5 * (1.0 + y.abs()),
            "{what}: {x} vs {y}"
        );
    }
}

fn assert_differ(a: &[f32], b: &[f32], what: &str) {
    let largest = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    assert!(largest > 1e-3, "{what}: the part did not move ({largest})");
}

#[test]
fn each_switch_keeps_the_bridge_where_it_says_and_learns_elsewhere() {
    let nets = randomised_nets::<PlainDfdx>();
    let bridge = bridge(&config(LearnedParts::MeanAndVariance));
    let both = destruction(&nets, &config(LearnedParts::MeanAndVariance));
    let mean_only = destruction(&nets, &config(LearnedParts::MeanOnly));
    let variance_only = destruction(&nets, &config(LearnedParts::VarianceOnly));
    assert_differ(&both[0], &bridge[0], "learned mean");
    assert_differ(&both[1], &bridge[1], "learned variance");
    assert_close(&mean_only[0], &both[0], "mean only: the learned mean");
    assert_close(
        &mean_only[1],
        &bridge[1],
        "mean only: the bridge's variance",
    );
    assert_close(
        &variance_only[0],
        &bridge[0],
        "variance only: the bridge's mean",
    );
    assert_close(
        &variance_only[1],
        &both[1],
        "variance only: the learned variance",
    );
}

#[test]
fn a_tied_variance_is_the_generation_correction_on_the_bridge() {
    let nets = randomised_nets::<PlainDfdx>();
    let tied_config = config(LearnedParts::MeanTiedVariance);
    let tied = destruction(&nets, &tied_config);
    let both = destruction(&nets, &config(LearnedParts::MeanAndVariance));
    let bridge = bridge(&tied_config);
    // The generation kernel's log-variance is log(σ²Δt) + ℓ_θ at the same rows and steps.
    let (x, steps) = rows(&device(0));
    let generation = nets
        .generation_kernel(&tied_config, x, &steps)
        .log_var
        .as_vec();
    let log_step_var = (tied_config.sigma2 / tied_config.steps as f64).ln() as f32;
    let expected: Vec<f32> = bridge[1]
        .iter()
        .zip(&generation)
        .map(|(b, g)| b + g - log_step_var)
        .collect();
    assert_close(&tied[1], &expected, "tied log-variance");
    assert_close(&tied[0], &both[0], "tied: the learned mean");
    assert_differ(&tied[1], &both[1], "tied vs the destruction's own variance");
}

/// The tie is one set of parameters for both directions: a loss on the destruction's
/// log-variance alone must reach the generation network's trunk, whichever way the
/// network is evaluated.
fn assert_tied_variance_trains_the_generation_trunk<P: Evaluator<Cpu>>() {
    let nets = randomised_nets::<P>();
    let config = config(LearnedParts::MeanTiedVariance);
    let (x, steps) = rows(&device(0));
    let kernel = nets.destruction_kernel(&config, x.leaky_trace(), &steps);
    let grads = kernel.log_var.sum().backward();
    let g = grads.get(&nets.generation.backbone.hidden1.weight).as_vec();
    assert!(
        g.iter().any(|v| v.abs() > 1e-6),
        "no gradient reached the generation trunk"
    );
}

#[test]
fn a_tied_variance_trains_the_generation_network() {
    assert_tied_variance_trains_the_generation_trunk::<PlainDfdx>();
    assert_tied_variance_trains_the_generation_trunk::<FusedCpu>();
}

/// The multiplicative correction on its closed form: with a head whose outputs are the
/// constants `a` (mean) and `b` (log-variance), `mean = x − x/m·(1 + r·tanh a)` and
/// `var = σ²Δt·(m − 1)/m·(1 + r·tanh b)` at step `m = n + 1`, computed here in f64.
#[test]
fn the_multiplicative_correction_scales_the_bridge_pull_and_variance() {
    let dev = device(0);
    let mut nets = SamplerNets::<D, f32, Cpu, LearnedGaussian, FusedCpu>::build(&dev);
    let (a, b) = ([0.7f64, -1.2], [2.0f64, -0.5]);
    let head = &mut nets.destruction.head;
    head.mean.bias = dev.tensor(a.map(|v| v as f32));
    head.log_var.bias = dev.tensor(b.map(|v| v as f32));
    let mut config = config(LearnedParts::MeanAndVariance);
    config.correction = Correction::Multiplicative;
    config.correction_range = 0.3;
    config.sigma2 = 2.5;
    let [mean, log_var] = destruction(&nets, &config);
    let (x, steps) = rows(&dev);
    let x = x.as_vec();
    for (i, &m) in steps.iter().enumerate() {
        let m = m as f64;
        for j in 0..D {
            let xj = x[i * D + j] as f64;
            let expected_mean = xj - xj / m * (1.0 + 0.3 * a[j].tanh());
            let expected_var = 2.5 / 6.0 * (m - 1.0) / m * (1.0 + 0.3 * b[j].tanh());
            let (got_mean, got_var) = (mean[i * D + j] as f64, (log_var[i * D + j] as f64).exp());
            assert!(
                (got_mean - expected_mean).abs() < 1e-5 * (1.0 + xj.abs()),
                "row {i}, coordinate {j}: mean {got_mean} vs {expected_mean}"
            );
            assert!(
                (got_var / expected_var - 1.0).abs() < 1e-5,
                "row {i}, coordinate {j}: variance {got_var} vs {expected_var}"
            );
        }
    }
}
