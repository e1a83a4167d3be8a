//! Training throughput of the diffusion sampler (chapter "Sampling without data"):
//! milliseconds per iteration at the reference configuration (25GMM, batch 300, width 64,
//! trajectory balance), and achieved GFLOP/s against this machine's GEMM throughput —
//! the plain dfdx network of the chapter and the fused CPU accelerator side by side.
//! Writes `book/generated/benchmarks/train-iteration.md`. Run: `cargo bench --bench train_iteration`;
//! `cargo bench --bench train_iteration -- "T = 100"` times only the matching cases (and
//! leaves the table alone).

use destroy_then_generate::adaptive_destruction::learned::LearnedGaussian;
use destroy_then_generate::dfdx::prelude::*;
use destroy_then_generate::fast_cpu::{keep_freed_buffers, FusedCpu};
use destroy_then_generate::sampling_without_data::destruction::{Bridge, DestructionProcess};
use destroy_then_generate::sampling_without_data::kernels::Destruction;
use destroy_then_generate::sampling_without_data::network::{Evaluator, PlainDfdx};
use destroy_then_generate::sampling_without_data::targets::Gmm;
use destroy_then_generate::sampling_without_data::train::{TrainConfig, Trainer};
use destroy_then_generate::sampling_without_data::WIDTH;
use std::time::Instant;

const BATCH: usize = 300;

/// Seconds per iteration of a configuration, for one way of evaluating the network.
type Timer = fn(&TrainConfig, &Gmm) -> f64;

/// Median of `repeats` timings of `work`, in seconds.
fn median_seconds(repeats: usize, mut work: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[repeats / 2]
}

/// Multiply-adds ×2 of one network row (state embedding, two hidden layers, two heads).
fn flops_per_row(d: usize) -> f64 {
    2.0 * (d * WIDTH + 2 * WIDTH * WIDTH + 2 * WIDTH * d) as f64
}

/// Generation: one forward pass over the T·B rows that both draws and scores the
/// trajectories, and a backward pass of about twice its cost (3 passes in all). A
/// learned destruction adds a taped pass over its (T−1)·B rows with its backward (3
/// passes) and an untaped pass of the target copy (1 pass).
fn flops_per_iteration(steps: usize, learned: bool) -> f64 {
    let rows = (steps * BATCH) as f64;
    let destruction = if learned {
        ((steps - 1) * BATCH) as f64 * 4.0
    } else {
        0.0
    };
    flops_per_row(2) * (rows * 3.0 + destruction)
}

/// GFLOP/s of `threads` concurrent 512×512×512 f32 matrix products through dfdx (one per
/// thread): the machine's GEMM throughput with that many threads.
fn gemm_gflops(threads: usize) -> f64 {
    let dev: Cpu = Cpu::seed_from_u64(0);
    let a: Tensor<Rank2<512, 512>, f32, Cpu> = dev.sample_normal();
    let b: Tensor<Rank2<512, 512>, f32, Cpu> = dev.sample_normal();
    let seconds = median_seconds(21, || {
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| a.clone().matmul(b.clone()));
            }
        });
    });
    threads as f64 * 2.0 * 512f64.powi(3) / seconds / 1e9
}

/// Median seconds per training iteration of `config`, after a warm-up.
fn seconds_per_iteration<P: Evaluator<Cpu>>(config: &TrainConfig, target: &Gmm) -> f64 {
    match config.kernel.destruction {
        Destruction::Fixed => seconds_with::<Bridge, P>(config, target),
        Destruction::Learned => seconds_with::<LearnedGaussian, P>(config, target),
    }
}

fn seconds_with<K: DestructionProcess, P: Evaluator<Cpu>>(
    config: &TrainConfig,
    target: &Gmm,
) -> f64 {
    let mut trainer: Trainer<2, Cpu, K, P> =
        Trainer::new(config.clone(), target).expect("valid config");
    for _ in 0..5 {
        trainer.step(target).expect("warm-up steps");
    }
    let repeats = if config.kernel.steps >= 100 { 15 } else { 60 };
    median_seconds(repeats, || {
        trainer
            .step(target)
            .expect("benchmark steps do not diverge");
    })
}

fn main() {
    // `cargo test --all-targets` also runs this binary, unoptimised and without `--bench`:
    // only `cargo bench` may time anything or rewrite the table.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("train_iteration: run with `cargo bench --bench train_iteration`");
        return;
    }
    // As the command line does: freed buffers are reused, not unmapped (a process-wide
    // setting, so the binary makes it, never the library).
    keep_freed_buffers();
    let target = Gmm::grid25();
    let cases = [
        (
            "T = 10, fixed destruction, on-policy",
            10,
            Destruction::Fixed,
            false,
        ),
        (
            "T = 10, learned destruction, on-policy",
            10,
            Destruction::Learned,
            false,
        ),
        (
            "T = 10, fixed destruction, crate defaults (exploration, replay)",
            10,
            Destruction::Fixed,
            true,
        ),
        (
            "T = 100, fixed destruction, on-policy",
            100,
            Destruction::Fixed,
            false,
        ),
    ];
    // A case filter: the first argument that is not a flag.
    let only: Option<String> = std::env::args().skip(1).find(|arg| !arg.starts_with("--"));
    let threads = rayon::current_num_threads();
    let (gemm_one, gemm_all) = (gemm_gflops(1), gemm_gflops(threads));
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let mut table = format!(
        "| configuration | network | ms / iteration, 1 thread | ms / iteration, {threads} threads | speed-up | GFLOP/s, {threads} threads | share of GEMM peak |\n|---|---|---|---|---|---|---|\n"
    );
    for (name, steps, destruction, off_policy) in cases {
        if only
            .as_ref()
            .is_some_and(|only| !name.contains(only.as_str()))
        {
            continue;
        }
        let mut config = TrainConfig {
            batch: BATCH,
            iterations: 1_000_000,
            ..TrainConfig::default()
        };
        config.kernel.steps = steps;
        config.kernel.destruction = destruction;
        if !off_policy {
            config.exploration_std = 0.0;
            config.buffer_capacity = 0;
            config.backward_every = 0;
        }
        // Side by side in one run: each network on one thread, then on all.
        let timings: [(&str, Timer); 2] = [
            ("plain dfdx", seconds_per_iteration::<PlainDfdx>),
            ("fused (fast_cpu)", seconds_per_iteration::<FusedCpu>),
        ];
        for (network, seconds_per_iteration) in timings {
            let single = one_thread.install(|| seconds_per_iteration(&config, &target));
            let seconds = seconds_per_iteration(&config, &target);
            let gflops =
                flops_per_iteration(steps, destruction == Destruction::Learned) / seconds / 1e9;
            println!(
                "{name}, {network}: {:.2} ms/iteration on 1 thread, {:.2} ms on {threads}, {gflops:.1} GFLOP/s",
                single * 1e3,
                seconds * 1e3
            );
            table.push_str(&format!(
                "| {name} | {network} | {:.2} | {:.2} | {:.2}× | {gflops:.1} | {:.0} % |\n",
                single * 1e3,
                seconds * 1e3,
                single / seconds,
                100.0 * gflops / gemm_all
            ));
        }
    }
    table.push_str(&format!(
        "\nGEMM peak: 512×512×512 f32 matrix products through dfdx run at {gemm_one:.1} GFLOP/s on one thread \
         and {gemm_all:.1} GFLOP/s on {threads} threads together (one product each) on this machine. \
         Median of repeated iterations; crate version {}; measured by `cargo bench --bench train_iteration`.\n",
        destroy_then_generate::VERSION
    ));
    if only.is_some() {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("book/generated/benchmarks");
    std::fs::create_dir_all(&dir).expect("create the benchmark folder");
    std::fs::write(dir.join("train-iteration.md"), &table).expect("write the benchmark table");
    println!("{table}");
}
