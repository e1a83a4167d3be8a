//! The CPU accelerator is an optimisation, not a different model: a trainer that
//! evaluates its networks with the fused CPU path follows, step by step, the same
//! training run as one that evaluates the chapter's plain dfdx network.

use destroy_then_generate::diffusion_samplers::kernels::Destruction;
use destroy_then_generate::diffusion_samplers::network::{Evaluator, PlainDfdx};
use destroy_then_generate::diffusion_samplers::objectives::Objective;
use destroy_then_generate::diffusion_samplers::targets::Gmm;
use destroy_then_generate::diffusion_samplers::train::{TrainConfig, Trainer};
use destroy_then_generate::fast_cpu::FusedCpu;

/// Losses and learned `log Z` of the first `steps` iterations.
fn run<P: Evaluator>(config: &TrainConfig, steps: usize) -> Vec<(f64, f64)> {
    let target = Gmm::grid25();
    let mut trainer = Trainer::<2, P>::new(config.clone(), &target).unwrap();
    (0..steps)
        .map(|_| {
            let stats = trainer.step(&target).unwrap();
            (stats.loss, stats.log_z_learned)
        })
        .collect()
}

fn assert_same_run(objective: Objective, destruction: Destruction) {
    let mut config = TrainConfig {
        batch: 64,
        iterations: 1000,
        objective,
        ..TrainConfig::default()
    };
    config.kernel.steps = 5;
    config.kernel.destruction = destruction;
    let plain = run::<PlainDfdx>(&config, 30);
    let fused = run::<FusedCpu>(&config, 30);
    for (k, ((loss_p, log_z_p), (loss_f, log_z_f))) in plain.iter().zip(&fused).enumerate() {
        let what = format!("{objective:?}, {destruction:?}, iteration {k}");
        assert!(
            (loss_p - loss_f).abs() <= 1e-3 * (1.0 + loss_p.abs()),
            "{what}: loss {loss_p} (plain) vs {loss_f} (fused)"
        );
        assert!(
            (log_z_p - log_z_f).abs() <= 1e-4,
            "{what}: log Z {log_z_p} (plain) vs {log_z_f} (fused)"
        );
    }
}

#[test]
fn fused_and_plain_networks_train_alike_with_fixed_destruction() {
    assert_same_run(Objective::Tb, Destruction::Fixed);
}

#[test]
fn fused_and_plain_networks_train_alike_with_learned_destruction() {
    assert_same_run(Objective::Tlm, Destruction::Learned);
}
