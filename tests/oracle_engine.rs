//! Oracle tests for the wiring of the sampler engine (chapters "Sampling without data"
//! and "Adaptive destruction"): the parts of a training iteration that a unit test of
//! each helper does not see, checked against values computed here independently.
//!
//! - Time features: a network with random (non-zero) weights is re-implemented in f64
//!   from its documented architecture; every step of generation, destruction and of the
//!   batched scoring must match it at the documented grid time `t_n = n/T` (generation
//!   at `x_n` sees `t_n`, destruction at `x_{n+1}` sees `t_{n+1}`), and not at a
//!   neighbouring grid time.
//! - Exploration: `TrainConfig::exploration_at` against hand-computed values of
//!   `ε·max(0, 1 − i/(decay·iterations))`, the per-step increment of `generate` against
//!   the variance `σ²Δt·e^ℓ + ε²` (quadrature), and the trajectories a `Trainer` actually
//!   trains on at each iteration against the closed-form law of `x_T`.
//! - Gradient clipping: two training steps of a learned destruction with TB, against a
//!   hand-written f64 Adam run on each group's gradient clipped to `grad_clip` by that
//!   group's own norm (generation, destruction, log Z).
//! - Replay and backward steps: the iterations `backward_every` schedules, the buffer
//!   left untouched by backward steps, backward trajectories ending exactly at buffer
//!   states, drawn through the bridge (5-SE checks on standardised steps), and the
//!   backward step's TB loss against its closed form.
//!
//! Why: each of these is a line of wiring whose mistake leaves every helper's own test
//! green and training merely worse (an off-by-one time grid, exploration added to the
//! std instead of the variance, a group updated without its clip, a shifted schedule).

mod common;
use common::assert_mean_within_5_se;
use destroy_then_generate::adaptive_destruction::learned::LearnedGaussian;
use destroy_then_generate::dfdx::prelude::*;
use destroy_then_generate::fast_cpu::FusedCpu;
use destroy_then_generate::ndarray::{Array2, Array3};
use destroy_then_generate::sampling::seeded_rng;
use destroy_then_generate::sampling_without_data::destruction::Bridge;
use destroy_then_generate::sampling_without_data::kernels::{
    Destruction, KernelConfig, SamplerNets,
};
use destroy_then_generate::sampling_without_data::network::{
    Evaluator, KernelNet, PlainDfdx, HARMONICS, WIDTH,
};
use destroy_then_generate::sampling_without_data::objectives::Objective;
use destroy_then_generate::sampling_without_data::parameters::{gradient_values, weights};
use destroy_then_generate::sampling_without_data::replay::ReplayBuffer;
use destroy_then_generate::sampling_without_data::train::{iteration_rng, TrainConfig, Trainer};
use destroy_then_generate::sampling_without_data::{device, Points, Target, Values};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;
use std::f64::consts::PI;
use std::sync::Mutex;

const D: usize = 2;

// ---------------------------------------------------------------------------------------
// The network in f64, written from its documentation (`network.rs`): time features
// `out(GELU(from_sin(sin(f t + φ)) + from_cos(cos(f t + φ))))` with
// `f_k = linspace(0.1, 100, 64)`; trunk `GELU(L2(GELU(L1(GELU(state(x) + time(t))))))`;
// head `(mean(h), log_var(h))`; GELU in tanh form.

fn gelu(x: f64) -> f64 {
    0.5 * x * (1.0 + ((2.0 / PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh())
}

/// A layer `y = W x + b`, `W` row-major `(out, in)` as dfdx stores it.
struct Affine64 {
    w: Vec<f64>,
    b: Vec<f64>,
}

impl Affine64 {
    fn of<S: Shape, S2: Shape>(w: &Tensor<S, f32, Cpu>, b: &Tensor<S2, f32, Cpu>) -> Self {
        let f = |v: Vec<f32>| v.into_iter().map(f64::from).collect::<Vec<f64>>();
        Affine64 {
            w: f(w.as_vec()),
            b: f(b.as_vec()),
        }
    }

    fn apply(&self, x: &[f64]) -> Vec<f64> {
        let n_in = x.len();
        assert_eq!(self.w.len(), n_in * self.b.len());
        (0..self.b.len())
            .map(|o| self.b[o] + (0..n_in).map(|i| self.w[o * n_in + i] * x[i]).sum::<f64>())
            .collect()
    }
}

struct Net64 {
    phase: Vec<f64>,
    from_sin: Affine64,
    from_cos: Affine64,
    out: Affine64,
    state: Affine64,
    hidden1: Affine64,
    hidden2: Affine64,
    mean: Affine64,
    log_var: Affine64,
}

impl Net64 {
    fn of(net: &KernelNet<D, f32, Cpu>) -> Self {
        let (b, t, h) = (&net.backbone, &net.backbone.time, &net.head);
        Net64 {
            phase: t.phase.as_vec().into_iter().map(f64::from).collect(),
            from_sin: Affine64::of(&t.from_sin.weight, &t.from_sin.bias),
            from_cos: Affine64::of(&t.from_cos.weight, &t.from_cos.bias),
            out: Affine64::of(&t.out.weight, &t.out.bias),
            state: Affine64::of(&b.state.weight, &b.state.bias),
            hidden1: Affine64::of(&b.hidden1.weight, &b.hidden1.bias),
            hidden2: Affine64::of(&b.hidden2.weight, &b.hidden2.bias),
            mean: Affine64::of(&h.mean.weight, &h.mean.bias),
            log_var: Affine64::of(&h.log_var.weight, &h.log_var.bias),
        }
    }

    fn time(&self, t: f64) -> Vec<f64> {
        let angle: Vec<f64> = (0..HARMONICS)
            .map(|k| 0.1 + (100.0 - 0.1) * k as f64 / (HARMONICS - 1) as f64)
            .zip(&self.phase)
            .map(|(f, p)| f * t + p)
            .collect();
        let sin: Vec<f64> = angle.iter().map(|a| a.sin()).collect();
        let cos: Vec<f64> = angle.iter().map(|a| a.cos()).collect();
        let features: Vec<f64> = self
            .from_sin
            .apply(&sin)
            .iter()
            .zip(self.from_cos.apply(&cos))
            .map(|(s, c)| gelu(s + c))
            .collect();
        self.out.apply(&features)
    }

    /// The head's raw outputs `(u, v)` at state `x` and time `t`.
    fn raw(&self, x: &[f64], t: f64) -> (Vec<f64>, Vec<f64>) {
        let time = self.time(t);
        let h: Vec<f64> = self
            .state
            .apply(x)
            .iter()
            .zip(&time)
            .map(|(s, t)| gelu(s + t))
            .collect();
        let h: Vec<f64> = self.hidden1.apply(&h).into_iter().map(gelu).collect();
        let h: Vec<f64> = self.hidden2.apply(&h).into_iter().map(gelu).collect();
        (self.mean.apply(&h), self.log_var.apply(&h))
    }
}

/// `log N(x; μ, e^ℓ)` in one coordinate.
fn log_normal(x: f64, mean: f64, log_var: f64) -> f64 {
    -0.5 * ((x - mean).powi(2) / log_var.exp() + log_var + (2.0 * PI).ln())
}

fn normal(rng: &mut StdRng) -> f64 {
    rng.sample::<f64, _>(StandardNormal)
}

fn fill<S: Shape>(t: &mut Tensor<S, f32, Cpu>, rng: &mut StdRng, scale: f64) {
    let n = t.shape().num_elements();
    let v: Vec<f32> = (0..n).map(|_| (scale * normal(rng)) as f32).collect();
    t.copy_from(&v);
}

/// Random phases and heads (the backbone keeps dfdx's random initialisation): a zero
/// head would output the same drift at every time, hiding the time features.
fn randomise(net: &mut KernelNet<D, f32, Cpu>, rng: &mut StdRng) {
    fill(&mut net.backbone.time.phase, rng, 1.0);
    let head = &mut net.head;
    for layer in [&mut head.mean, &mut head.log_var] {
        fill(&mut layer.weight, rng, 0.3);
        fill(&mut layer.bias, rng, 0.3);
    }
}

/// Makes a head's log-variance output the constant `value` (weights zero).
fn constant_log_var(net: &mut KernelNet<D, f32, Cpu>, value: f64) {
    let layer = &mut net.head.log_var;
    layer.weight.copy_from(&[0.0; D * WIDTH]);
    layer.bias.copy_from(&[value as f32; D]);
}

fn state(states: &Array3<f32>, n: usize, i: usize) -> Vec<f64> {
    (0..D).map(|d| states[[n, i, d]] as f64).collect()
}

/// A target `log R(x) = −|x − α·1|²/(2s²) + c` that records every batch it is asked
/// about (the final states of the trajectories an iteration trains on).
struct Recording {
    alpha: f64,
    s: f64,
    c: f64,
    calls: Mutex<Vec<Vec<f32>>>,
}

impl Recording {
    fn new() -> Self {
        Recording {
            alpha: 0.7,
            s: 1.2,
            c: 1.3,
            calls: Mutex::new(Vec::new()),
        }
    }

    fn log_r(&self, x: &[f64]) -> f64 {
        -x.iter().map(|v| (v - self.alpha).powi(2)).sum::<f64>() / (2.0 * self.s * self.s) + self.c
    }

    fn calls(&self) -> Vec<Vec<f32>> {
        self.calls.lock().unwrap().clone()
    }
}

impl Target for Recording {
    fn name(&self) -> String {
        "recording".into()
    }
    fn dim(&self) -> usize {
        D
    }
    fn log_density(&self, x: Points) -> Values {
        self.calls.lock().unwrap().push(x.as_vec());
        let k = -1.0 / (2.0 * self.s * self.s);
        let (a, c) = (self.alpha, self.c);
        // Σ_d (x_d − α)² = Σ x_d² − 2α Σ x_d + Dα².
        let square = x.with_empty_tape().square().sum::<(usize,), Axis<1>>();
        let linear = x.sum::<(usize,), Axis<1>>();
        square * k as f32 + linear * (-2.0 * a * k) as f32 + (k * D as f64 * a * a + c) as f32
    }
}

// ---------------------------------------------------------------------------------------
// 1. Time features.

#[test]
fn every_step_sees_its_grid_time_t_n_equal_n_over_t() {
    assert_time_grid::<PlainDfdx>();
    assert_time_grid::<FusedCpu>();
}

fn assert_time_grid<P: Evaluator<Cpu>>() {
    let steps = 5;
    let dt = 1.0 / steps as f64;
    let sigma2 = 2.0;
    let grid = |n: usize| n as f64 / steps as f64;
    let what = std::any::type_name::<P>();
    let mut rng = seeded_rng(17);
    let mut nets = SamplerNets::<D, f32, Cpu, LearnedGaussian, P>::new(&device(3));
    randomise(&mut nets.generation, &mut rng);
    randomise(&mut nets.destruction, &mut rng);

    // (a) Deterministic steps: unbounded kernels whose log-variance is −40 (std ≈ 1e-9),
    // so generation draws x_{n+1} = x_n + Δt·u(x_n, t_n) and the learned destruction
    // x_n = n/(n+1)·x_{n+1} + σ√Δt·m(x_{n+1}, t_{n+1}) (its unbounded residual).
    let mut sharp = nets.clone();
    constant_log_var(&mut sharp.generation, -40.0);
    constant_log_var(&mut sharp.destruction, -40.0);
    let config = KernelConfig {
        steps,
        sigma2,
        destruction: Destruction::Learned,
        bounded: false,
        ..KernelConfig::default()
    };
    let (gen64, des64) = (Net64::of(&sharp.generation), Net64::of(&sharp.destruction));
    let batch = 32;
    let generated = sharp.generate(&config, batch, 0.0, &mut rng);
    // Per step, the largest change a neighbouring grid time would make to a row.
    let mut shifted = Vec::new();
    let mut worst = 0.0f64;
    for n in 0..steps {
        let mut largest = 0.0f64;
        for i in 0..batch {
            let (x, next) = (state(&generated, n, i), state(&generated, n + 1, i));
            let (u, _) = gen64.raw(&x, grid(n));
            // The same step under the neighbouring grid times.
            let (u_late, _) = gen64.raw(&x, grid(n + 1));
            let u_early = if n > 0 {
                gen64.raw(&x, grid(n - 1)).0
            } else {
                u_late.clone()
            };
            for d in 0..D {
                let got = (next[d] - x[d]) / dt;
                worst = worst.max((got - u[d]).abs() / (1.0 + u[d].abs()));
                largest = largest.max((u_late[d] - u[d]).abs().min((u_early[d] - u[d]).abs()));
                assert!(
                    (got - u[d]).abs() < 1e-5 * (1.0 + u[d].abs()),
                    "{what}: generation step {n}, row {i}: drift {got}, expected u(x_n, t_n = {}) = {} \
                     (at t_{{n+1}} it would be {})",
                    grid(n),
                    u[d],
                    u_late[d]
                );
            }
        }
        shifted.push(largest);
    }
    eprintln!("{what}: generation drift worst relative error {worst:.2e}");
    let x_final = Array2::from_shape_fn((batch, D), |_| (1.5 * normal(&mut rng)) as f32);
    let destroyed = sharp.destroy(&config, &x_final, &mut rng);
    let step_std = (sigma2 * dt).sqrt();
    for next in 2..=steps {
        let ratio = (next - 1) as f64 / next as f64;
        let mut largest = 0.0f64;
        for i in 0..batch {
            let (x, x_next) = (state(&destroyed, next - 1, i), state(&destroyed, next, i));
            let (m, _) = des64.raw(&x_next, grid(next));
            let (m_early, _) = des64.raw(&x_next, grid(next - 1));
            for d in 0..D {
                let expected = ratio * x_next[d] + step_std * m[d];
                largest = largest.max((step_std * (m_early[d] - m[d])).abs());
                assert!(
                    (x[d] - expected).abs() < 1e-5 * (1.0 + expected.abs()),
                    "{what}: destruction from step {next}, row {i}: x = {}, expected {expected} \
                     (with t_{{n}} instead of t_{{n+1}}: {})",
                    x[d],
                    ratio * x_next[d] + step_std * m_early[d]
                );
            }
        }
        shifted.push(largest);
    }
    // The oracle can tell neighbouring grid times apart at every step.
    let least = shifted.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(
        least > 1e-2,
        "{what}: a neighbouring time changes some step by only {shifted:?}"
    );

    // (b) Batched scoring, bounded kernels with state- and time-dependent variances, on
    // arbitrary states: Σ_n log p→ at t_n and Σ_n log p← at t_{n+1}, in closed form.
    let config = KernelConfig {
        steps,
        sigma2,
        destruction: Destruction::Learned,
        ..KernelConfig::default()
    };
    let (gen64, des64) = (Net64::of(&nets.generation), Net64::of(&nets.destruction));
    let mut states = Array3::<f32>::zeros((steps + 1, batch, D));
    for n in 1..=steps {
        for i in 0..batch {
            for d in 0..D {
                states[[n, i, d]] = (grid(n).sqrt() * 1.4 * normal(&mut rng)) as f32;
            }
        }
    }
    let log_pf = nets.log_pf::<NoneTape>(&config, &states).as_vec();
    let log_pb = nets.log_pb::<NoneTape>(&config, &states).as_vec();
    let (l_max, r_b, m_range) = (
        config.log_var_range,
        config.destruction_log_var_range,
        config.destruction_mean_range,
    );
    let log_step_var = (sigma2 * dt).ln();
    let pf = |i: usize, shift: usize| -> f64 {
        (0..steps)
            .map(|n| {
                let (x, next) = (state(&states, n, i), state(&states, n + 1, i));
                let (u, v) = gen64.raw(&x, grid(n + shift));
                (0..D)
                    .map(|d| {
                        log_normal(
                            next[d],
                            x[d] + dt * u[d],
                            log_step_var + l_max * v[d].tanh(),
                        )
                    })
                    .sum::<f64>()
            })
            .sum()
    };
    let pb = |i: usize, shift: usize| -> f64 {
        (2..=steps)
            .map(|next| {
                let ratio = (next - 1) as f64 / next as f64;
                let (x, x_next) = (state(&states, next - 1, i), state(&states, next, i));
                let (m, s) = des64.raw(&x_next, grid(next - shift));
                (0..D)
                    .map(|d| {
                        let mean = ratio * x_next[d] + step_std * m_range * (m[d] / m_range).tanh();
                        let log_var = log_step_var + ratio.ln() + r_b * s[d].tanh();
                        log_normal(x[d], mean, log_var)
                    })
                    .sum::<f64>()
            })
            .sum()
    };
    let mut distinct = [0usize; 2];
    for i in 0..batch {
        for (k, name, got, expected, off) in [
            (0, "Σ log p→", log_pf[i] as f64, pf(i, 0), pf(i, 1)),
            (1, "Σ log p←", log_pb[i] as f64, pb(i, 0), pb(i, 1)),
        ] {
            // f32 sums of ≤ 10 terms of size ≤ 100: rounding ~1e-7 relative (measured
            // ≤ 5e-8); 1e-5 leaves room.
            let tolerance = 1e-5 * (1.0 + expected.abs());
            assert!(
                (got - expected).abs() < tolerance,
                "{what}: {name} of trajectory {i}: {got}, closed form at the grid times {expected} \
                 (one grid step off: {off})"
            );
            distinct[k] += usize::from((off - expected).abs() > 10.0 * tolerance);
        }
    }
    // The oracle can tell: one grid step off changes nearly every trajectory's score.
    assert!(
        distinct.iter().all(|&c| c >= batch * 9 / 10),
        "{what}: trajectories scored differently one grid step off: {distinct:?} of {batch}"
    );
}

// ---------------------------------------------------------------------------------------
// 2. Exploration.

#[test]
fn exploration_decays_linearly_and_widens_each_training_step_in_quadrature() {
    // (a) The helper: ε = 1.5 over decay 0.4 of 50 iterations (horizon 20), hand values.
    let config = TrainConfig {
        exploration_std: 1.5,
        exploration_decay: 0.4,
        iterations: 50,
        ..TrainConfig::default()
    };
    for (i, expected) in [
        (0, 1.5),
        (1, 1.425),
        (5, 1.125),
        (10, 0.75),
        (19, 0.075),
        (20, 0.0),
        (21, 0.0),
        (49, 0.0),
    ] {
        let got = config.exploration_at(i);
        assert!(
            (got - expected).abs() < 1e-12,
            "exploration at {i}: {got}, expected {expected}"
        );
    }
    let never = TrainConfig {
        exploration_decay: 0.0,
        ..config.clone()
    };
    assert_eq!(never.exploration_at(0), 0.0);
    let whole_run = TrainConfig {
        exploration_decay: 1.0,
        ..config
    };
    assert!((whole_run.exploration_at(40) - 0.3).abs() < 1e-12);

    // (b) `generate` with a state- and time-dependent policy: each increment's residual
    // x_{n+1} − x_n − Δt·u(x_n, t_n), divided by √(σ²Δt·e^{ℓ(x_n, t_n)} + ε²), must be
    // standard normal (5-SE checks of its mean and of its square's mean).
    let (steps, sigma2, eps, batch) = (4, 1.0, 0.5, 2000);
    let dt = 1.0 / steps as f64;
    let config = KernelConfig {
        steps,
        sigma2,
        ..KernelConfig::default()
    };
    let mut rng = seeded_rng(23);
    let mut nets = SamplerNets::<D, f32, Cpu, Bridge, FusedCpu>::new(&device(4));
    randomise(&mut nets.generation, &mut rng);
    let net64 = Net64::of(&nets.generation);
    let states = nets.generate(&config, batch, eps, &mut rng);
    let (mut z, mut z_linear, mut policy_var) = (Vec::new(), Vec::new(), Vec::new());
    for n in 0..steps {
        for i in 0..batch {
            let (x, next) = (state(&states, n, i), state(&states, n + 1, i));
            let (u, v) = net64.raw(&x, n as f64 / steps as f64);
            for d in 0..D {
                let var = sigma2 * dt * (config.log_var_range * v[d].tanh()).exp();
                let residual = next[d] - x[d] - dt * u[d];
                z.push(residual / (var + eps * eps).sqrt());
                z_linear.push(residual / (var.sqrt() + eps));
                policy_var.push(var);
            }
        }
    }
    // The policy's own variance must vary and be comparable to ε², or the check is weak.
    let (lo, hi) = policy_var
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
    assert!(
        lo < eps * eps && hi > eps * eps,
        "policy variance in [{lo}, {hi}]"
    );
    assert_mean_within_5_se(&z, 0.0, "standardised exploration step");
    let z2: Vec<f64> = z.iter().map(|v| v * v).collect();
    assert_mean_within_5_se(
        &z2,
        1.0,
        "squared standardised step (variance σ²Δt·e^ℓ + ε²)",
    );
    // The alternative (std σ + ε) is far from 1 on the same draws.
    let lin2 = z_linear.iter().map(|v| v * v).sum::<f64>() / z_linear.len() as f64;
    eprintln!(
        "E[z²] = {}, with std σ + ε: {lin2}",
        z2.iter().sum::<f64>() / z2.len() as f64
    );
    assert!(lin2 < 0.9, "std σ + ε would give {lin2}");

    // (c) The trainer: iteration i trains on trajectories drawn with ε_i =
    // exploration_at(i). A drift-only head (constant u, constant ℓ = ℓ_max·tanh(b_v)),
    // learning rates too small to move it: x_T ~ N(u, σ²e^ℓ + T·ε_i²) per coordinate
    // (T steps of variance σ²Δt·e^ℓ + ε_i², TΔt = 1). ε = 0.6 over 3 of 4 iterations:
    // ε_i = 0.6, 0.4, 0.2, 0.
    let (u, b_v) = ([0.8, -0.5], -0.2);
    let config = TrainConfig {
        target: "recording".into(),
        kernel: KernelConfig {
            steps,
            sigma2,
            ..KernelConfig::default()
        },
        objective: Objective::Tb,
        iterations: 4,
        batch: 4000,
        seed: 6,
        lr_generation: 1e-12,
        lr_destruction: 1e-12,
        lr_log_z: 1e-12,
        exploration_std: 0.6,
        exploration_decay: 0.75,
        buffer_capacity: 0,
        backward_every: 0,
        eval_every: 1000,
        ..TrainConfig::default()
    };
    let target = Recording::new();
    let mut trainer = Trainer::<D>::new(config.clone(), &target).unwrap();
    let head = &mut trainer.nets.generation.head;
    head.mean.bias.copy_from(&[u[0] as f32, u[1] as f32]);
    head.log_var.bias.copy_from(&[b_v as f32; D]);
    let policy = sigma2 * (config.kernel.log_var_range * f64::tanh(b_v)).exp();
    for (i, eps_i) in [0.6, 0.4, 0.2, 0.0].into_iter().enumerate() {
        trainer.step(&target).unwrap();
        let calls = target.calls();
        assert_eq!(calls.len(), i + 1, "one reward evaluation per iteration");
        let x_final = &calls[i];
        assert_eq!(x_final.len(), config.batch * D);
        let variance = policy + steps as f64 * eps_i * eps_i;
        for (d, &u_d) in u.iter().enumerate() {
            let x: Vec<f64> = x_final
                .iter()
                .skip(d)
                .step_by(D)
                .map(|&v| v as f64)
                .collect();
            assert_mean_within_5_se(&x, u_d, &format!("iteration {i}: E[x_T,{d}]"));
            let sq: Vec<f64> = x.iter().map(|v| (v - u_d).powi(2)).collect();
            assert_mean_within_5_se(
                &sq,
                variance,
                &format!("iteration {i} (ε = {eps_i}): Var[x_T,{d}] = σ²e^ℓ + Tε²"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// 3. Gradient clipping, per optimiser group.

/// Two Adam steps in f64 from `p0` on gradients `g1`, `g2` scaled by `s1`, `s2`.
fn adam_two_steps(p0: f64, g: [f64; 2], s: [f64; 2], lr: f64) -> f64 {
    let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
    let (mut p, mut m, mut v) = (p0, 0.0, 0.0);
    for t in 0..2 {
        let gt = g[t] * s[t];
        m = b1 * m + (1.0 - b1) * gt;
        v = b2 * v + (1.0 - b2) * gt * gt;
        let m_hat = m / (1.0 - b1.powi(t as i32 + 1));
        let v_hat = v / (1.0 - b2.powi(t as i32 + 1));
        p -= lr * m_hat / (v_hat.sqrt() + eps);
    }
    p
}

fn flat(v: Vec<Vec<f32>>) -> Vec<f64> {
    v.into_iter().flatten().map(f64::from).collect()
}

fn norm(g: &[f64]) -> f64 {
    g.iter().map(|x| x * x).sum::<f64>().sqrt()
}

#[test]
fn each_optimiser_group_is_clipped_by_its_own_gradient_norm() {
    let clip = 0.05;
    let lr = 2e-3;
    let mut config = TrainConfig {
        target: "recording".into(),
        objective: Objective::Tb,
        iterations: 10,
        batch: 64,
        seed: 12,
        lr_generation: lr,
        lr_destruction: lr,
        lr_log_z: lr,
        grad_clip: Some(clip),
        exploration_std: 0.3,
        buffer_capacity: 0,
        backward_every: 0,
        eval_every: 1000,
        ..TrainConfig::default()
    };
    config.kernel.steps = 4;
    config.kernel.destruction = Destruction::Learned;
    assert!(config.target_network);
    let target = Recording::new();
    let mut trainer = Trainer::<D, Cpu, LearnedGaussian>::new(config, &target).unwrap();
    let mut rng = seeded_rng(5);
    randomise(&mut trainer.nets.generation, &mut rng);
    randomise(&mut trainer.nets.destruction, &mut rng);
    trainer.nets.log_z.value.copy_from(&[0.5]);
    trainer.target_nets = trainer.nets.clone();

    type Group = fn(&Trainer<D, Cpu, LearnedGaussian>, &Gradients<f32, Cpu>) -> Vec<f64>;
    type Params = fn(&Trainer<D, Cpu, LearnedGaussian>) -> Vec<f64>;
    let groups: [(&str, Group, Params); 3] = [
        (
            "generation",
            |t, g| flat(gradient_values(&t.nets.generation, g)),
            |t| flat(weights(&t.nets.generation)),
        ),
        (
            "destruction",
            |t, g| flat(gradient_values(&t.nets.destruction, g)),
            |t| flat(weights(&t.nets.destruction)),
        ),
        (
            "log Z",
            |t, g| flat(gradient_values(&t.nets.log_z, g)),
            |t| flat(weights(&t.nets.log_z)),
        ),
    ];
    let start: Vec<Vec<f64>> = groups.iter().map(|(_, _, p)| p(&trainer)).collect();
    // Each step's gradients, computed the way `step` computes them (same iteration, same
    // random stream, same weights), then the step itself.
    let mut gradients: Vec<Vec<Vec<f64>>> = Vec::new();
    for _ in 0..2 {
        let (_, backward, grads) = trainer.loss_and_gradients(&target).unwrap();
        assert!(!backward);
        gradients.push(groups.iter().map(|(_, g, _)| g(&trainer, &grads)).collect());
        trainer.step(&target).unwrap();
    }
    let all_norm = |step: usize| norm(&gradients[step].concat());
    for (k, (name, _, params)) in groups.iter().enumerate() {
        let (g1, g2) = (&gradients[0][k], &gradients[1][k]);
        assert_eq!(g1.len(), start[k].len(), "{name}: every tensor trainable");
        let norms = [norm(g1), norm(g2)];
        assert!(
            norms.iter().all(|&n| n > 2.0 * clip),
            "{name}: gradient norms {norms:?} must exceed the clip {clip}"
        );
        let scale = |n: f64| (clip / n).min(1.0);
        let own = [scale(norms[0]), scale(norms[1])];
        let global = [scale(all_norm(0)), scale(all_norm(1))];
        let got = params(&trainer);
        let predict = |s: [f64; 2]| -> Vec<f64> {
            (0..got.len())
                .map(|i| adam_two_steps(start[k][i], [g1[i], g2[i]], s, lr))
                .collect()
        };
        let (expected, unclipped, globally) = (predict(own), predict([1.0; 2]), predict(global));
        // f32 parameters of size ≤ 1 and f32 moments: ~1e-7 (measured ≤ 3e-7).
        let tolerance = 2e-6;
        let mut worst = 0.0f64;
        for i in 0..got.len() {
            worst = worst.max((got[i] - expected[i]).abs());
            assert!(
                (got[i] - expected[i]).abs() < tolerance,
                "{name} parameter {i}: {} after two steps; Adam on the gradient clipped by the \
                 group's own norm gives {}, unclipped {}, clipped by the norm of all groups {}",
                got[i],
                expected[i],
                unclipped[i],
                globally[i]
            );
        }
        // The oracle can tell: without the clip, or with one clip over all groups, some
        // parameter would be elsewhere.
        let apart = |other: &[f64]| {
            (0..got.len())
                .map(|i| (other[i] - expected[i]).abs())
                .fold(0.0f64, f64::max)
        };
        assert!(
            apart(&unclipped) > 50.0 * tolerance,
            "{name}: unclipped too close"
        );
        assert!(
            apart(&globally) > 50.0 * tolerance,
            "{name}: global clip too close"
        );
        eprintln!(
            "{name}: norms {norms:?}, worst error {worst:.1e}, unclipped off by {:.1e}, global clip off by {:.1e}",
            apart(&unclipped),
            apart(&globally)
        );
    }
}

// ---------------------------------------------------------------------------------------
// 4. Replay and backward steps.

fn buffer_states(buffer: &ReplayBuffer) -> Vec<Vec<f32>> {
    let value = serde_json::to_value(buffer).unwrap();
    value["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["x"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect()
        })
        .collect()
}

fn replay_config(backward_every: usize, steps: usize, batch: usize) -> TrainConfig {
    let mut config = TrainConfig {
        target: "recording".into(),
        objective: Objective::Tb,
        iterations: 12,
        batch,
        seed: 9,
        exploration_std: 0.5,
        buffer_capacity: 10_000,
        backward_every,
        eval_every: 1000,
        ..TrainConfig::default()
    };
    config.kernel.steps = steps;
    config.kernel.sigma2 = 1.5;
    config
}

#[test]
fn backward_steps_come_every_backward_every_th_iteration_and_leave_the_buffer_alone() {
    // The documentation: "every `backward_every`-th iteration trains on trajectories drawn
    // backwards from buffer states": iterations k, 2k, 3k, … counted from 1 (the
    // iteration number `StepStats` reports). (Every iteration, `backward_every = 1`, is
    // refused by the configuration check: the buffer would never grow after the first.)
    for (every, expected) in [
        (3, vec![3, 6, 9, 12]),
        (2, vec![2, 4, 6, 8, 10, 12]),
        (5, vec![5, 10]),
        (0, vec![]),
    ] {
        let config = TrainConfig {
            buffer_capacity: if every == 0 { 0 } else { 10_000 },
            ..replay_config(every, 3, 8)
        };
        let target = Recording::new();
        let mut trainer = Trainer::<D>::new(config, &target).unwrap();
        let mut got = Vec::new();
        for i in 1..=12 {
            let before = buffer_states(&trainer.buffer);
            let stats = trainer.step(&target).unwrap();
            assert_eq!(stats.iteration, i);
            let after = buffer_states(&trainer.buffer);
            let x_final = target.calls().last().unwrap().clone();
            if stats.backward {
                got.push(i);
                assert_eq!(
                    after, before,
                    "every {every}: a backward step changed the buffer"
                );
                // Every final state it trained on is, bit for bit, a buffer state.
                for row in x_final.chunks(D) {
                    assert!(
                        before.iter().any(|b| b.as_slice() == row),
                        "every {every}, iteration {i}: final state {row:?} is not in the buffer"
                    );
                }
            } else if every > 0 {
                assert_eq!(
                    after.len(),
                    before.len() + 8,
                    "a forward step stores its batch"
                );
            }
        }
        assert_eq!(
            got, expected,
            "backward steps with backward_every = {every}"
        );
    }
}

#[test]
fn a_backward_step_trains_on_bridge_trajectories_from_buffer_states_with_the_closed_form_loss() {
    let (steps, batch) = (4, 512);
    let config = replay_config(2, steps, batch);
    let kernel = config.kernel.clone();
    let (sigma2, dt) = (kernel.sigma2, kernel.dt());
    let target = Recording::new();
    let mut trainer = Trainer::<D>::new(config.clone(), &target).unwrap();
    let mut rng = seeded_rng(8);
    randomise(&mut trainer.nets.generation, &mut rng);
    trainer.nets.log_z.value.copy_from(&[0.4]);
    trainer.step(&target).unwrap();

    // Iteration 1 (the second) is a backward step. Its draws, replayed from the documented
    // per-iteration stream: buffer states, then the destruction from them.
    let buffer = trainer.buffer.clone();
    let log_z = trainer.nets.log_z.value.as_vec()[0] as f64;
    let net64 = Net64::of(&trainer.nets.generation);
    let mut replay = iteration_rng(config.seed, trainer.iteration, 0);
    let x_final = buffer.sample(batch, &mut replay);
    let states = trainer.nets.destroy(&kernel, &x_final, &mut replay);
    let stats = trainer.step(&target).unwrap();
    assert!(stats.backward, "iteration 2 of backward_every = 2");
    let recorded = target.calls().last().unwrap().clone();
    let ends: Vec<f32> = (0..batch)
        .flat_map(|i| (0..D).map(move |d| (i, d)))
        .map(|(i, d)| states[[steps, i, d]])
        .collect();
    assert_eq!(
        recorded, ends,
        "the trained trajectories end at the replayed buffer states"
    );
    let stored = buffer_states(&buffer);
    for row in recorded.chunks(D) {
        assert!(
            stored.iter().any(|b| b.as_slice() == row),
            "{row:?} is not a buffer state"
        );
    }

    // The trajectories are the bridge's: (x_n − n/(n+1)·x_{n+1}) / √(σ²Δt·n/(n+1)) is
    // standard normal at every step, and x_0 = 0.
    let mut z = Vec::new();
    for i in 0..batch {
        assert!(state(&states, 0, i).iter().all(|&v| v == 0.0));
        for next in 2..=steps {
            let ratio = (next - 1) as f64 / next as f64;
            let (x, x_next) = (state(&states, next - 1, i), state(&states, next, i));
            for d in 0..D {
                z.push((x[d] - ratio * x_next[d]) / (sigma2 * dt * ratio).sqrt());
            }
        }
    }
    assert_mean_within_5_se(&z, 0.0, "standardised bridge step");
    let z2: Vec<f64> = z.iter().map(|v| v * v).collect();
    assert_mean_within_5_se(&z2, 1.0, "squared standardised bridge step");

    // The loss: TB mean_i (log Z + Σ log p→ − Σ log p← − log R)², every term a closed-form
    // Gaussian (generation at t_n with the random policy, the bridge, the target).
    let log_step_var = (sigma2 * dt).ln();
    let l_max = kernel.log_var_range;
    let loss = (0..batch)
        .map(|i| {
            let log_pf: f64 = (0..steps)
                .map(|n| {
                    let (x, next) = (state(&states, n, i), state(&states, n + 1, i));
                    let (u, v) = net64.raw(&x, n as f64 / steps as f64);
                    (0..D)
                        .map(|d| {
                            log_normal(
                                next[d],
                                x[d] + dt * u[d],
                                log_step_var + l_max * v[d].tanh(),
                            )
                        })
                        .sum::<f64>()
                })
                .sum();
            let log_pb: f64 = (2..=steps)
                .map(|next| {
                    let ratio = (next - 1) as f64 / next as f64;
                    let (x, x_next) = (state(&states, next - 1, i), state(&states, next, i));
                    (0..D)
                        .map(|d| log_normal(x[d], ratio * x_next[d], log_step_var + ratio.ln()))
                        .sum::<f64>()
                })
                .sum();
            let log_r = target.log_r(&state(&states, steps, i));
            (log_z + log_pf - log_pb - log_r).powi(2)
        })
        .sum::<f64>()
        / batch as f64;
    assert!(
        (stats.loss - loss).abs() < 1e-5 * (1.0 + loss),
        "backward-step loss {}, closed form {loss}",
        stats.loss
    );
    eprintln!("backward-step loss {} vs closed form {loss}", stats.loss);
}
