//! Every arm of a learned destruction trains what it says it trains. One training
//! iteration of each `LearnedParts` arm × shared / separate backbone × TB / VarGrad /
//! TLM / PIS, on the fused CPU network and on the plain dfdx network, from heads with random
//! (not zero) weights so that every layer passes a gradient on:
//! - both evaluators give every parameter the same gradient;
//! - every part the arm learns gets a non-zero gradient, every part it keeps the
//!   bridge's gets exactly none.
//!
//! (A variance-only arm once trained nothing on the fused path: the network's backward
//! steps rode on the mean output, which that arm drops.)

use destroy_then_generate::adaptive_destruction::learned::LearnedGaussian;
use destroy_then_generate::dfdx::prelude::*;
use destroy_then_generate::fast_cpu::FusedCpu;
use destroy_then_generate::sampling_without_data::device;
use destroy_then_generate::sampling_without_data::kernels::{
    Correction, Destruction, LearnedParts,
};
use destroy_then_generate::sampling_without_data::network::{Evaluator, PlainDfdx};
use destroy_then_generate::sampling_without_data::objectives::Objective;
use destroy_then_generate::sampling_without_data::parameters::{gradient_norm, gradient_values};
use destroy_then_generate::sampling_without_data::targets::Gmm;
use destroy_then_generate::sampling_without_data::train::{TrainConfig, Trainer};

const D: usize = 2;

const ARMS: [LearnedParts; 4] = [
    LearnedParts::MeanOnly,
    LearnedParts::VarianceOnly,
    LearnedParts::MeanAndVariance,
    LearnedParts::MeanTiedVariance,
];

/// Where the destruction head sits.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Network {
    /// The residual correction on the generation's backbone.
    Shared,
    /// The residual correction on its own backbone.
    Separate,
    /// The multiplicative correction: its own trunk on the generation's embeddings.
    OwnTrunk,
}

fn config(parts: LearnedParts, network: Network, objective: Objective) -> TrainConfig {
    let mut config = TrainConfig {
        batch: 24,
        iterations: 100,
        eval_samples: 64,
        objective,
        seed: 5,
        ..TrainConfig::default()
    };
    config.kernel.steps = 4;
    config.kernel.destruction = Destruction::Learned;
    config.kernel.learned_parts = parts;
    config.kernel.shared_backbone = network == Network::Shared;
    if network == Network::OwnTrunk {
        config.kernel.correction = Correction::Multiplicative;
        config.kernel.correction_range = 0.3;
    }
    config
}

/// The gradients of one iteration, per parameter group, and the norms of the
/// destruction's parts.
struct OneStep {
    /// Generation, destruction and `log Z` gradients, tensor by tensor.
    all: Vec<Vec<f32>>,
    destruction_mean: f64,
    destruction_log_var: f64,
    /// The destruction's own state and time embeddings.
    destruction_embeddings: f64,
    /// The destruction's own hidden layers.
    destruction_trunk: f64,
    generation: f64,
    log_z: f64,
}

fn one_step<P: Evaluator<Cpu>>(config: &TrainConfig) -> OneStep {
    let target = Gmm::grid25();
    let dev = device(config.seed);
    let mut trainer =
        Trainer::<D, Cpu, LearnedGaussian, P>::new_on(&dev, config.clone(), &target).unwrap();
    // Random heads (the same for both evaluators): a zero head passes no gradient to the
    // layers below it.
    let weights = device(17);
    let nets = &mut trainer.nets;
    for head in [&mut nets.generation.head, &mut nets.destruction.head] {
        for layer in [&mut head.mean, &mut head.log_var] {
            let w = weights.sample_normal::<Rank2<D, 64>>() * 0.3;
            let b = weights.sample_normal::<Rank1<D>>() * 0.3;
            layer.weight.copy_from(&w.as_vec());
            layer.bias.copy_from(&b.as_vec());
        }
    }
    trainer.target_nets = trainer.nets.clone();
    let (loss, _, grads) = trainer.loss_and_gradients(&target).unwrap();
    assert!(loss.is_finite());
    let nets = &trainer.nets;
    let mut all = gradient_values(&nets.generation, &grads);
    all.extend(gradient_values(&nets.destruction, &grads));
    all.extend(gradient_values(&nets.log_z, &grads));
    OneStep {
        all,
        destruction_mean: gradient_norm(&nets.destruction.head.mean, &grads),
        destruction_log_var: gradient_norm(&nets.destruction.head.log_var, &grads),
        destruction_embeddings: gradient_norm(&nets.destruction.backbone.time, &grads)
            .hypot(gradient_norm(&nets.destruction.backbone.state, &grads)),
        destruction_trunk: gradient_norm(&nets.destruction.backbone.hidden1, &grads)
            .hypot(gradient_norm(&nets.destruction.backbone.hidden2, &grads)),
        generation: gradient_norm(&nets.generation, &grads),
        log_z: gradient_norm(&nets.log_z, &grads),
    }
}

fn assert_same_gradients(fused: &OneStep, plain: &OneStep, case: &str) {
    assert_eq!(fused.all.len(), plain.all.len());
    for (k, (f, p)) in fused.all.iter().zip(&plain.all).enumerate() {
        let scale = p.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        for (a, b) in f.iter().zip(p) {
            assert!(
                (a - b).abs() <= 2e-3 * scale + 1e-6,
                "{case}: tensor {k}: fused {a} vs plain {b} (largest {scale})"
            );
        }
    }
}

/// `norm` is non-zero exactly when `trained`.
fn assert_trains(norm: f64, trained: bool, what: &str, case: &str) {
    if trained {
        assert!(
            norm > 1e-6,
            "{case}: {what} should learn but got no gradient"
        );
    } else {
        assert!(
            norm == 0.0,
            "{case}: {what} should not learn but got gradient {norm}"
        );
    }
}

#[test]
fn each_arm_trains_exactly_its_parts_with_equal_gradients_on_both_evaluators() {
    for parts in ARMS {
        for network in [Network::Shared, Network::Separate, Network::OwnTrunk] {
            if network == Network::OwnTrunk && parts == LearnedParts::MeanTiedVariance {
                continue; // the multiplicative correction has no tied variance
            }
            for objective in [
                Objective::Tb,
                Objective::Vargrad,
                Objective::Tlm,
                Objective::Pis,
            ] {
                let case = format!("{parts:?}, {network:?}, {objective:?}");
                let config = config(parts, network, objective);
                let fused = one_step::<FusedCpu>(&config);
                let plain = one_step::<PlainDfdx>(&config);
                assert_same_gradients(&fused, &plain, &case);
                let learns_mean = parts != LearnedParts::VarianceOnly;
                let learns_variance = matches!(
                    parts,
                    LearnedParts::VarianceOnly | LearnedParts::MeanAndVariance
                );
                for step in [&fused, &plain] {
                    assert_trains(step.destruction_mean, learns_mean, "the mean head", &case);
                    assert_trains(
                        step.destruction_log_var,
                        learns_variance,
                        "the log-variance head",
                        &case,
                    );
                    assert_trains(
                        step.destruction_trunk,
                        network != Network::Shared,
                        "the destruction's own hidden layers",
                        &case,
                    );
                    assert_trains(
                        step.destruction_embeddings,
                        network == Network::Separate,
                        "the destruction's own embeddings",
                        &case,
                    );
                    assert_trains(step.generation, true, "the generation network", &case);
                    // VarGrad estimates log Z from the batch, and PIS has none.
                    let learns_log_z = matches!(objective, Objective::Tb | Objective::Tlm);
                    assert_trains(step.log_z, learns_log_z, "log Z", &case);
                }
            }
        }
    }
}
