//! Oracle tests for the training losses and the EUBO of chapters "Sampling without data"
//! and "Adaptive destruction", against values computed here in f64 from the definitions,
//! never from the crate's own functions:
//! - trajectory balance, VarGrad and PIS on two-step trajectories whose kernels are
//!   closed-form Gaussians (heads with zero weights and non-zero biases, so every mean
//!   and variance is known), with a learned `log Z ≠ 0` and a target with `log Z ≠ 0`,
//!   both through the objectives' functions on fixed states and through a training
//!   step (whose states are redrawn here from its random stream), with the fixed bridge
//!   and with a learned destruction (whose target copy differs from the online one);
//! - the PIS gradient of the generation head, by hand through the reparametrised states;
//! - the EUBO reported by `evaluate` for a sampler far from the target, against
//!   `log Z + KL(p‖q) + KL(P←‖Q←)` in closed form (which only exact target samples give;
//!   samples from the sampler would give a value tens of standard errors away), and the
//!   ELBO against `log Z − KL(q‖p) − KL(Q→‖P→)`.
//!
//! Why: a sign error, a dropped `log Z` or `log p←` term, the wrong destruction copy in
//! a loss, a detached term or an EUBO drawn from the sampler all leave training running
//! and the chapter's curves plausible; only an independent number shows them.

use destroy_then_generate::adaptive_destruction::learned::LearnedGaussian;
use destroy_then_generate::dfdx::prelude::*;
use destroy_then_generate::ndarray::Array3;
use destroy_then_generate::ndarray_rand::rand::rngs::StdRng;
use destroy_then_generate::ndarray_rand::rand_distr::{Distribution, StandardNormal};
use destroy_then_generate::sampling::seeded_rng;
use destroy_then_generate::sampling_without_data::evaluate::evaluate;
use destroy_then_generate::sampling_without_data::kernels::{
    Destruction, KernelConfig, SamplerNets,
};
use destroy_then_generate::sampling_without_data::network::KernelNet;
use destroy_then_generate::sampling_without_data::objectives::{
    log_variance, trajectory_balance, Objective,
};
use destroy_then_generate::sampling_without_data::parameters::gradient_norm;
use destroy_then_generate::sampling_without_data::targets::Gaussian;
use destroy_then_generate::sampling_without_data::train::{iteration_rng, TrainConfig, Trainer};
use destroy_then_generate::sampling_without_data::trajectory::final_log_reward;
use destroy_then_generate::sampling_without_data::{device, WIDTH};
use std::f64::consts::PI;

const D: usize = 2;

// The two-step case of the loss tests.
const STEPS: usize = 2;
const SIGMA2: f64 = 1.3;
/// Generation head biases (weights zero): raw drift `u` and raw log-variance `v`.
const DRIFT: [f32; D] = [0.7, -0.4];
const LOG_VAR_RAW: [f32; D] = [0.3, -0.5];
/// Learned destruction head biases, online and target copy: raw shift `m` and raw
/// log-variance `s`.
const DESTRUCTION: ([f32; D], [f32; D]) = ([0.9, -1.4], [-0.15, 0.1]);
const DESTRUCTION_COPY: ([f32; D], [f32; D]) = ([-0.5, 0.8], [0.2, -0.1]);
/// The learned `log Z` of trajectory balance.
const LEARNED_LOG_Z: f32 = -0.6;
/// The target: `N(μ, diag(σ²))` times `Z = e^{1.7}`.
const TARGET_MEAN: [f64; D] = [0.5, -1.0];
const TARGET_STD: [f64; D] = [1.2, 0.8];
const TARGET_LOG_Z: f64 = 1.7;

fn target() -> Gaussian {
    Gaussian::new(
        TARGET_MEAN.iter().map(|&m| m as f32).collect(),
        TARGET_STD.iter().map(|&s| s as f32).collect(),
    )
    .with_log_z(TARGET_LOG_Z)
}

fn kernel_config(destruction: Destruction) -> KernelConfig {
    KernelConfig {
        steps: STEPS,
        sigma2: SIGMA2,
        destruction,
        ..KernelConfig::default()
    }
}

/// A head with zero weights and the given biases: its outputs are the biases at every
/// state and time.
fn set_head(net: &mut KernelNet<D, f32, Cpu>, mean_bias: [f32; D], log_var_bias: [f32; D]) {
    let head = &mut net.head;
    head.mean.weight.copy_from(&[0.0; D * WIDTH]);
    head.mean.bias.copy_from(&mean_bias);
    head.log_var.weight.copy_from(&[0.0; D * WIDTH]);
    head.log_var.bias.copy_from(&log_var_bias);
}

/// `log N(x; m, v)` in one coordinate.
fn log_normal(x: f64, mean: f64, var: f64) -> f64 {
    -0.5 * (x - mean).powi(2) / var - 0.5 * (2.0 * PI * var).ln()
}

/// `KL(N(a, α²) ‖ N(b, β²))` in one coordinate.
fn kl_normal(a: f64, var_a: f64, b: f64, var_b: f64) -> f64 {
    0.5 * (var_b / var_a).ln() + (var_a + (a - b).powi(2)) / (2.0 * var_b) - 0.5
}

/// The sampler in closed form, from the definitions in the chapters: generation
/// `N(x_n + Δt·u, σ²Δt·e^ℓ)`, `ℓ = ℓ_max·tanh(v)`; destruction
/// `N(n/(n+1)·x_{n+1} + shift, σ²Δt·n/(n+1)·e^c)`, with `shift = σ√Δt·M·tanh(m/M)` and
/// `c = R_b·tanh(s)` for a learned one (both 0 for the bridge); reward
/// `log R(x) = log Z + log N(x; μ, σ_t²)`.
struct Model {
    steps: usize,
    sigma2: f64,
    drift: [f64; D],
    ell: [f64; D],
    shift: [f64; D],
    correction: [f64; D],
    target_mean: [f64; D],
    target_std: [f64; D],
    log_z: f64,
}

impl Model {
    fn new(
        config: &KernelConfig,
        drift: [f32; D],
        log_var_raw: [f32; D],
        destruction: Option<([f32; D], [f32; D])>,
    ) -> Model {
        let dt = 1.0 / config.steps as f64;
        let m = config.destruction_mean_range;
        let (shift, correction) = match destruction {
            None => ([0.0; D], [0.0; D]),
            Some((mean, log_var)) => (
                mean.map(|r| (config.sigma2 * dt).sqrt() * m * (r as f64 / m).tanh()),
                log_var.map(|r| config.destruction_log_var_range * (r as f64).tanh()),
            ),
        };
        Model {
            steps: config.steps,
            sigma2: config.sigma2,
            drift: drift.map(f64::from),
            ell: log_var_raw.map(|r| config.log_var_range * (r as f64).tanh()),
            shift,
            correction,
            target_mean: TARGET_MEAN,
            target_std: TARGET_STD,
            log_z: TARGET_LOG_Z,
        }
    }

    fn dt(&self) -> f64 {
        1.0 / self.steps as f64
    }

    /// Generation variance `σ²Δt·e^ℓ` in coordinate `d`.
    fn forward_var(&self, d: usize) -> f64 {
        self.sigma2 * self.dt() * self.ell[d].exp()
    }

    /// `Σ_n log p→(x_{n+1} | x_n)` of trajectory `i`.
    fn log_pf(&self, x: &Array3<f64>, i: usize) -> f64 {
        let mut sum = 0.0;
        for n in 0..self.steps {
            for d in 0..D {
                let mean = x[[n, i, d]] + self.dt() * self.drift[d];
                sum += log_normal(x[[n + 1, i, d]], mean, self.forward_var(d));
            }
        }
        sum
    }

    /// `Σ_{n=1}^{T−1} log p←(x_n | x_{n+1})` of trajectory `i`.
    fn log_pb(&self, x: &Array3<f64>, i: usize) -> f64 {
        let mut sum = 0.0;
        for n in 1..self.steps {
            let ratio = n as f64 / (n + 1) as f64;
            for d in 0..D {
                let mean = ratio * x[[n + 1, i, d]] + self.shift[d];
                let var = self.sigma2 * self.dt() * ratio * self.correction[d].exp();
                sum += log_normal(x[[n, i, d]], mean, var);
            }
        }
        sum
    }

    /// `log R(x_T)` of trajectory `i`.
    fn log_reward(&self, x: &Array3<f64>, i: usize) -> f64 {
        self.log_z
            + (0..D)
                .map(|d| {
                    let v = self.target_std[d].powi(2);
                    log_normal(x[[self.steps, i, d]], self.target_mean[d], v)
                })
                .sum::<f64>()
    }

    /// `Δ_i = log p→ − log p← − log R` of every trajectory.
    fn deltas(&self, x: &Array3<f64>) -> Vec<f64> {
        (0..x.shape()[1])
            .map(|i| self.log_pf(x, i) - self.log_pb(x, i) - self.log_reward(x, i))
            .collect()
    }

    /// Trajectories drawn forwards as a training step draws them: `z ~ N(0, 1)` in f64,
    /// step by step, row-major over `(batch, D)`, with variance `σ²Δt·e^ℓ + ε²`.
    fn generated(&self, batch: usize, exploration: f64, rng: &mut StdRng) -> Array3<f64> {
        let mut x = Array3::zeros((self.steps + 1, batch, D));
        for n in 0..self.steps {
            for i in 0..batch {
                for d in 0..D {
                    let var = self.forward_var(d) + exploration * exploration;
                    let z: f64 = StandardNormal.sample(rng);
                    x[[n + 1, i, d]] = x[[n, i, d]] + self.dt() * self.drift[d] + var.sqrt() * z;
                }
            }
        }
        x
    }

    /// PIS's reparametrised trajectories `x_{n+1} = μ + σ ⊙ ξ`, `ξ` drawn in f32 step by
    /// step, row-major over `(batch, D)`.
    fn reparametrised(&self, batch: usize, rng: &mut StdRng) -> Array3<f64> {
        let mut x = Array3::zeros((self.steps + 1, batch, D));
        for n in 0..self.steps {
            for i in 0..batch {
                for d in 0..D {
                    let xi: f32 = StandardNormal.sample(rng);
                    x[[n + 1, i, d]] = x[[n, i, d]]
                        + self.dt() * self.drift[d]
                        + self.forward_var(d).sqrt() * xi as f64;
                }
            }
        }
        x
    }
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// `mean_i (log Z + Δ_i)²`.
fn tb(deltas: &[f64], log_z: f64) -> f64 {
    mean(
        &deltas
            .iter()
            .map(|d| (log_z + d).powi(2))
            .collect::<Vec<_>>(),
    )
}

/// `mean_i (Δ_i − mean_j Δ_j)²`.
fn vargrad(deltas: &[f64]) -> f64 {
    let m = mean(deltas);
    mean(&deltas.iter().map(|d| (d - m).powi(2)).collect::<Vec<_>>())
}

/// Relative 1e-5 (absolute below 1): the f32 sums of a few dozen terms of size ≤ 10
/// behind each value round to ~1e-6 of it (observed ≤ 4e-7), and any missing or
/// sign-flipped term moves it by far more.
fn assert_close(got: f64, expected: f64, what: &str) {
    assert!(
        (got - expected).abs() <= 1e-5 * expected.abs().max(1.0),
        "{what}: crate {got} vs hand-computed {expected} (difference {:.3e})",
        got - expected
    );
}

fn train_config(objective: Objective, destruction: Destruction) -> TrainConfig {
    let mut config = TrainConfig {
        objective,
        batch: 6,
        iterations: 100,
        eval_samples: 64,
        seed: 13,
        exploration_std: 0.4,
        exploration_decay: 0.5,
        buffer_capacity: 100,
        backward_every: 2,
        ..TrainConfig::default()
    };
    config.kernel = kernel_config(destruction);
    if objective == Objective::Pis {
        config.exploration_std = 0.0;
        config.buffer_capacity = 0;
        config.backward_every = 0;
    }
    config
}

// ---------------------------------------------------------------------------------------
// 1. Loss values on two-step trajectories.

/// Hand-chosen states `x_1`, `x_2` of four trajectories (`x_0 = 0`).
fn fixed_states() -> Array3<f32> {
    let x1 = [[0.4, -0.3], [1.1, 0.2], [-0.7, -1.2], [0.05, 0.9]];
    let x2 = [[0.9, -0.8], [1.6, 0.1], [-1.3, -1.9], [0.6, 1.4]];
    let mut states = Array3::zeros((STEPS + 1, 4, D));
    for i in 0..4 {
        for d in 0..D {
            states[[1, i, d]] = x1[i][d];
            states[[2, i, d]] = x2[i][d];
        }
    }
    states
}

#[test]
fn tb_and_vargrad_equal_hand_computed_values_on_fixed_two_step_trajectories() {
    let config = kernel_config(Destruction::Fixed);
    let dev = device(3);
    let mut nets = SamplerNets::<D, f32, Cpu>::new(&dev);
    set_head(&mut nets.generation, DRIFT, LOG_VAR_RAW);
    nets.log_z.value.copy_from(&[LEARNED_LOG_Z]);
    let target = target();
    let states = fixed_states();
    let batch = states.shape()[1];

    let model = Model::new(&config, DRIFT, LOG_VAR_RAW, None);
    let deltas = model.deltas(&states.mapv(f64::from));
    // Each trajectory's log-weight `−Δ_i` first, so a failure names the term.
    let log_w = nets.log_weights(&config, &target, &states);
    for (i, (&w, &delta)) in log_w.iter().zip(&deltas).enumerate() {
        assert_close(w, -delta, &format!("log w of trajectory {i}"));
    }

    let delta = || {
        let reward = final_log_reward(&target, &states).to_vec();
        nets.log_pf::<OwnedTape<f32, Cpu>>(&config, &states)
            - nets.log_pb::<OwnedTape<f32, Cpu>>(&config, &states)
            - dev.tensor_from_vec(reward, (batch,))
    };
    let got_tb = trajectory_balance(delta(), nets.log_z.value.retaped()).as_vec()[0];
    let got_vargrad = log_variance(delta()).as_vec()[0];
    let (want_tb, want_vargrad) = (tb(&deltas, LEARNED_LOG_Z as f64), vargrad(&deltas));
    assert_close(got_tb as f64, want_tb, "trajectory balance");
    assert_close(got_vargrad as f64, want_vargrad, "VarGrad");
    // Not vacuous: a sign error in log Z moves TB by 4·log Z·mean Δ.
    assert!((tb(&deltas, -(LEARNED_LOG_Z as f64)) - want_tb).abs() > 0.1);
}

#[test]
fn a_training_step_gives_hand_computed_tb_and_vargrad_losses_with_the_bridge() {
    let target = target();
    for objective in [Objective::Tb, Objective::Vargrad] {
        let config = train_config(objective, Destruction::Fixed);
        let mut trainer = Trainer::<D>::new(config.clone(), &target).unwrap();
        set_head(&mut trainer.nets.generation, DRIFT, LOG_VAR_RAW);
        trainer.nets.log_z.value.copy_from(&[LEARNED_LOG_Z]);
        let (loss, backward, _) = trainer.loss_and_gradients(&target).unwrap();
        assert!(!backward, "the first step draws forwards");

        // The step's trajectories, redrawn from its random stream (with exploration:
        // they are drawn wider but scored under the policy).
        let model = Model::new(&config.kernel, DRIFT, LOG_VAR_RAW, None);
        let exploration = config.exploration_at(0);
        assert!(exploration > 0.0);
        let mut rng = iteration_rng(config.seed, 0, 0);
        let states = model.generated(config.batch, exploration, &mut rng);
        let deltas = model.deltas(&states);
        let want = match objective {
            Objective::Tb => tb(&deltas, LEARNED_LOG_Z as f64),
            _ => vargrad(&deltas),
        };
        assert_close(loss, want, &format!("{objective:?} training loss"));
    }
}

/// `∂L/∂u_d` and `∂L/∂v_d` of the PIS loss with the bridge, by hand through the
/// reparametrised states: with a constant drift `u` the bridge residuals
/// `x_n − n/(n+1)·x_{n+1}` do not depend on `u`, and `x_T = u + noise`, so
/// `∂L/∂u_d = mean_i (x_{T,d} − μ_d)/σ_{t,d}²`; the per-step std `e^{ℓ/2}` scales
/// every noise, so
/// `∂L/∂ℓ_d = mean_i [−T/2 + Σ_n r_{n,d}²/(2 v_n) + (x_{T,d} − μ_d)(x_{T,d} − u_d)/(2σ_{t,d}²)]`
/// with `r_n` the bridge residual and `v_n` its variance, and `∂ℓ/∂v = ℓ_max(1 − tanh² v)`.
fn pis_gradients(model: &Model, x: &Array3<f64>, log_var_range: f64) -> ([f64; D], [f64; D]) {
    let (t, batch) = (model.steps, x.shape()[1]);
    let mut d_drift = [0.0; D];
    let mut d_raw = [0.0; D];
    for d in 0..D {
        let tv = model.target_std[d].powi(2);
        let mut sum_u = 0.0;
        let mut sum_ell = 0.0;
        for i in 0..batch {
            let x_t = x[[t, i, d]];
            sum_u += (x_t - model.target_mean[d]) / tv;
            let mut g = -(t as f64) / 2.0;
            for n in 1..t {
                let ratio = n as f64 / (n + 1) as f64;
                let r = x[[n, i, d]] - ratio * x[[n + 1, i, d]];
                g += r * r / (2.0 * model.sigma2 * model.dt() * ratio);
            }
            g += (x_t - model.target_mean[d]) * (x_t - model.drift[d]) / (2.0 * tv);
            sum_ell += g;
        }
        d_drift[d] = sum_u / batch as f64;
        let raw = LOG_VAR_RAW[d] as f64;
        d_raw[d] = sum_ell / batch as f64 * log_var_range * (1.0 - raw.tanh().powi(2));
    }
    (d_drift, d_raw)
}

#[test]
fn pis_loss_and_its_generation_gradient_equal_hand_computed_values() {
    let target = target();
    let config = train_config(Objective::Pis, Destruction::Fixed);
    let mut trainer = Trainer::<D>::new(config.clone(), &target).unwrap();
    set_head(&mut trainer.nets.generation, DRIFT, LOG_VAR_RAW);
    trainer.nets.log_z.value.copy_from(&[LEARNED_LOG_Z]);
    let (loss, _, grads) = trainer.loss_and_gradients(&target).unwrap();

    let model = Model::new(&config.kernel, DRIFT, LOG_VAR_RAW, None);
    let mut rng = iteration_rng(config.seed, 0, 0);
    let states = model.reparametrised(config.batch, &mut rng);
    let deltas = model.deltas(&states);
    assert_close(loss, mean(&deltas), "PIS loss");

    let (want_drift, want_raw) = pis_gradients(&model, &states, config.kernel.log_var_range);
    let head = &trainer.nets.generation.head;
    let got_drift = grads.get(&head.mean.bias).as_vec();
    let got_raw = grads.get(&head.log_var.bias).as_vec();
    for d in 0..D {
        assert_close(got_drift[d] as f64, want_drift[d], &format!("∂L/∂u_{d}"));
        assert_close(got_raw[d] as f64, want_raw[d], &format!("∂L/∂v_{d}"));
    }
    assert_eq!(
        gradient_norm(&trainer.nets.log_z, &grads),
        0.0,
        "PIS has no log Z"
    );
}

#[test]
fn a_training_step_gives_hand_computed_tb_vargrad_and_pis_losses_with_a_learned_destruction() {
    let target = target();
    let cases = [
        (Objective::Tb, true),
        (Objective::Vargrad, true),
        (Objective::Vargrad, false),
        (Objective::Pis, true),
    ];
    for (objective, target_network) in cases {
        let case = format!("{objective:?}, target network {target_network}");
        let mut config = train_config(objective, Destruction::Learned);
        config.target_network = target_network;
        let mut trainer = Trainer::<D, Cpu, LearnedGaussian>::new(config.clone(), &target).unwrap();
        set_head(&mut trainer.nets.generation, DRIFT, LOG_VAR_RAW);
        set_head(&mut trainer.nets.destruction, DESTRUCTION.0, DESTRUCTION.1);
        set_head(
            &mut trainer.target_nets.destruction,
            DESTRUCTION_COPY.0,
            DESTRUCTION_COPY.1,
        );
        trainer.nets.log_z.value.copy_from(&[LEARNED_LOG_Z]);
        let (loss, _, _) = trainer.loss_and_gradients(&target).unwrap();

        let kernel = &config.kernel;
        let online = Model::new(kernel, DRIFT, LOG_VAR_RAW, Some(DESTRUCTION));
        let copy = Model::new(kernel, DRIFT, LOG_VAR_RAW, Some(DESTRUCTION_COPY));
        let mut rng = iteration_rng(config.seed, 0, 0);
        let want = if objective == Objective::Pis {
            // On-policy reverse KL, scored by the online destruction.
            mean(&online.deltas(&online.reparametrised(config.batch, &mut rng)))
        } else {
            let states = online.generated(config.batch, config.exploration_at(0), &mut rng);
            let (online, copy) = (online.deltas(&states), copy.deltas(&states));
            let balance = |deltas: &[f64]| match objective {
                Objective::Tb => tb(deltas, LEARNED_LOG_Z as f64),
                _ => vargrad(deltas),
            };
            if target_network {
                // The generation's loss sees the target copy's log p←, the
                // destruction's its own; both in the same balance.
                balance(&copy) + balance(&online)
            } else {
                balance(&online)
            }
        };
        assert_close(loss, want, &case);
    }
}

// ---------------------------------------------------------------------------------------
// 2. The EUBO from exact target samples.

/// Mean and standard error of the mean.
fn mean_and_se(values: &[f64]) -> (f64, f64) {
    let m = mean(values);
    let n = values.len() as f64;
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

/// A sampler with a constant drift `u` and a widened or narrowed variance `σ²Δt·e^ℓ` is
/// a drifted random walk: `x_T ~ q = N(u, σ²e^ℓ)`, and its exact reversal given `x_T` is
/// the bridge with variance `σ²Δt·e^ℓ·n/(n+1)` (the drift cancels). The scoring bridge
/// has the same means and variance ratio `e^{−ℓ}`, so with `P←` the scoring bridge and
/// `Q←` the true reversal, per coordinate and step
/// `KL(P←‖Q←) = ½(e^{−ℓ} − 1 + ℓ)` and `KL(Q←‖P←) = ½(e^ℓ − 1 − ℓ)`. Hence
/// `E_{p, P←}[log w] = log Z + KL(p‖q) + (T−1)Σ_d ½(e^{−ℓ_d} − 1 + ℓ_d)` (the EUBO),
/// `E_{P→}[log w] = log Z − KL(q‖p) − (T−1)Σ_d ½(e^{ℓ_d} − 1 − ℓ_d)` (the ELBO), and an
/// "EUBO" destroying the sampler's own samples would have mean
/// `log Z − KL(q‖p) + (T−1)Σ_d ½(e^{−ℓ_d} − 1 + ℓ_d)`.
#[test]
fn eubo_is_log_z_plus_the_closed_form_kl_from_exact_target_samples() {
    let (steps, sigma2) = (4usize, 2.0f64);
    let drift = [1.5f32, -0.8];
    let log_var_raw = [0.25f32, -0.15];
    let (mu, std, log_z) = ([-1.0f64, 2.0], [0.7f64, 1.6], 1.7);
    let target = Gaussian::new(
        mu.iter().map(|&m| m as f32).collect(),
        std.iter().map(|&s| s as f32).collect(),
    )
    .with_log_z(log_z);
    let config = KernelConfig {
        steps,
        sigma2,
        destruction: Destruction::Fixed,
        ..KernelConfig::default()
    };
    let mut nets = SamplerNets::<D, f32, Cpu>::new(&device(9));
    set_head(&mut nets.generation, drift, log_var_raw);

    let mut kl_pq = 0.0;
    let mut kl_qp = 0.0;
    let mut reversal_pq = 0.0;
    let mut reversal_qp = 0.0;
    for d in 0..D {
        let ell = config.log_var_range * (log_var_raw[d] as f64).tanh();
        let q_var = sigma2 * ell.exp();
        let p_var = std[d] * std[d];
        kl_pq += kl_normal(mu[d], p_var, drift[d] as f64, q_var);
        kl_qp += kl_normal(drift[d] as f64, q_var, mu[d], p_var);
        reversal_pq += (steps - 1) as f64 * 0.5 * ((-ell).exp() - 1.0 + ell);
        reversal_qp += (steps - 1) as f64 * 0.5 * (ell.exp() - 1.0 - ell);
    }
    let want_eubo = log_z + kl_pq + reversal_pq;
    let want_elbo = log_z - kl_qp - reversal_qp;
    let from_sampler = log_z - kl_qp + reversal_pq;

    // Independent evaluations: their spread gives the standard error.
    let (mut eubos, mut elbos) = (Vec::new(), Vec::new());
    for r in 0..20 {
        let mut rng = seeded_rng(500 + r);
        let (e, _) = evaluate(&nets, &config, &target, 400, false, &mut rng);
        assert_eq!(e.log_z, Some(log_z));
        eubos.push(e.eubo.expect("the Gaussian target has exact samples"));
        elbos.push(e.elbo);
    }
    let (eubo, eubo_se) = mean_and_se(&eubos);
    let (elbo, elbo_se) = mean_and_se(&elbos);
    assert!(
        (eubo - want_eubo).abs() <= 5.0 * eubo_se,
        "EUBO {eubo} ± {eubo_se} vs closed form {want_eubo} (EUBO − log Z = {} vs KL terms {})",
        eubo - log_z,
        kl_pq + reversal_pq
    );
    assert!(
        (elbo - want_elbo).abs() <= 5.0 * elbo_se,
        "ELBO {elbo} ± {elbo_se} vs closed form {want_elbo}"
    );
    // Not vacuous: destroying the sampler's own samples would be far outside 5 SE.
    assert!(
        (from_sampler - want_eubo).abs() > 20.0 * eubo_se,
        "the check cannot tell exact samples from the sampler's ({from_sampler} vs {want_eubo} ± {eubo_se})"
    );
}
