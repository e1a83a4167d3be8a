//! The CPU accelerator is an optimisation, not a different model: a trainer that
//! evaluates its networks with the fused CPU path follows, step by step, the same
//! training run as one that evaluates the chapter's plain dfdx network. Both go through
//! the same device-generic trainer (`Trainer<D, Dv, K, P>` with `Dv = Cpu`), so this also
//! checks the code that trains on a GPU, here on the CPU.

use destroy_then_generate::adaptive_destruction::learned::LearnedGaussian;
use destroy_then_generate::dfdx::prelude::Cpu;
use destroy_then_generate::fast_cpu::FusedCpu;
use destroy_then_generate::sampling_without_data::destruction::{Bridge, DestructionProcess};
use destroy_then_generate::sampling_without_data::device;
use destroy_then_generate::sampling_without_data::network::{Evaluator, PlainDfdx};
use destroy_then_generate::sampling_without_data::objectives::Objective;
use destroy_then_generate::sampling_without_data::parameters::weights;
use destroy_then_generate::sampling_without_data::targets::Gmm;
use destroy_then_generate::sampling_without_data::train::{TrainConfig, Trainer};

/// What a short run produced: each iteration's loss and learned `log Z`, the ELBO of an
/// evaluation at the end, and the final weights of both kernel networks.
struct ShortRun {
    steps: Vec<(f64, f64)>,
    elbo: f64,
    weights: Vec<f32>,
}

/// `iterations` training steps with evaluator `P`, on a CPU device seeded as
/// `Trainer::new` seeds its own.
fn run<K: DestructionProcess, P: Evaluator<Cpu>>(
    config: &TrainConfig,
    iterations: usize,
) -> ShortRun {
    let target = Gmm::grid25();
    let dev = device(config.seed);
    let mut trainer = Trainer::<2, Cpu, K, P>::new_on(&dev, config.clone(), &target).unwrap();
    let steps = (0..iterations)
        .map(|_| {
            let stats = trainer.step(&target).unwrap();
            (stats.loss, stats.log_z_learned)
        })
        .collect();
    let (evaluation, _) = trainer.evaluate(&target, false);
    let mut all = weights(&trainer.nets.generation);
    all.extend(weights(&trainer.nets.destruction));
    ShortRun {
        steps,
        elbo: evaluation.elbo,
        weights: all.concat(),
    }
}

fn assert_same_run<K: DestructionProcess>(objective: Objective) {
    let destruction = K::KIND;
    let mut config = TrainConfig {
        batch: 64,
        iterations: 1000,
        eval_samples: 256,
        objective,
        ..TrainConfig::default()
    };
    config.kernel.steps = 5;
    config.kernel.destruction = destruction;
    let plain = run::<K, PlainDfdx>(&config, 30);
    let fused = run::<K, FusedCpu>(&config, 30);
    let case = format!("{objective:?}, {destruction:?}");
    for (k, ((loss_p, log_z_p), (loss_f, log_z_f))) in
        plain.steps.iter().zip(&fused.steps).enumerate()
    {
        let what = format!("{case}, iteration {k}");
        assert!(
            (loss_p - loss_f).abs() <= 1e-3 * (1.0 + loss_p.abs()),
            "{what}: loss {loss_p} (plain) vs {loss_f} (fused)"
        );
        assert!(
            (log_z_p - log_z_f).abs() <= 1e-4,
            "{what}: log Z {log_z_p} (plain) vs {log_z_f} (fused)"
        );
    }
    assert!(
        (plain.elbo - fused.elbo).abs() <= 1e-3 * (1.0 + plain.elbo.abs()),
        "{case}: final ELBO {} (plain) vs {} (fused)",
        plain.elbo,
        fused.elbo
    );
    assert_eq!(plain.weights.len(), fused.weights.len());
    let largest_gap = plain
        .weights
        .iter()
        .zip(&fused.weights)
        .map(|(p, f)| (p - f).abs())
        .fold(0.0f32, f32::max);
    // Adam moves each weight by at most about its learning rate (1e-3) per step: a gap
    // this small means no step went a different way.
    assert!(
        largest_gap <= 1e-4,
        "{case}: weights differ by up to {largest_gap}"
    );
}

#[test]
fn fused_and_plain_networks_train_alike_with_fixed_destruction() {
    assert_same_run::<Bridge>(Objective::Tb);
}

#[test]
fn fused_and_plain_networks_train_alike_with_learned_destruction() {
    assert_same_run::<LearnedGaussian>(Objective::Tlm);
}

/// PIS differentiates through the sampled states, so it also compares the gradients
/// the two evaluators hand back to their input rows.
#[test]
fn fused_and_plain_networks_train_alike_through_reparametrised_trajectories() {
    assert_same_run::<Bridge>(Objective::Pis);
}
