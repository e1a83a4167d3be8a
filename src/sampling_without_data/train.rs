//! The training loop: what one iteration does, with every stabiliser switchable, and the
//! state a checkpoint needs so that a resumed run equals an uninterrupted one.

use super::destruction::{Bridge, DestructionProcess};
use super::diagnostics::{log_var_correction, CorrectionAt, GroupNorms};
use super::evaluate::{evaluate, Evaluation};
use super::kernels::{Correction, Destruction, KernelConfig, LearnedParts, SamplerNets};
use super::network::{Evaluator, Rows};
use super::objectives::{log_variance, trajectory_balance, Loss, Objective, PerTrajectory};
use super::parameters::{gradient_norm, load_weights, weights, Adam};
use super::replay::ReplayBuffer;
use super::target::{device, Target};
use super::trajectory::{final_log_reward, final_states, States};
use crate::dfdx::prelude::*;
use crate::progress::Progress;
use crate::sampling::seeded_rng;
use ndarray::{Array1, Array2};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// Everything that defines a training run. Read from flags or a JSON config file;
/// unknown keys are errors.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// A built-in target name (see `targets::BUILTIN_TARGETS`).
    pub target: String,
    pub kernel: KernelConfig,
    pub objective: Objective,
    pub iterations: usize,
    pub batch: usize,
    pub seed: u64,
    pub lr_generation: f64,
    pub lr_destruction: f64,
    pub lr_log_z: f64,
    /// Global gradient-norm clip per optimiser (none when absent).
    pub grad_clip: Option<f64>,
    /// Exploration std `ε` added in quadrature to each forward step's std …
    pub exploration_std: f64,
    /// … decayed linearly to 0 over this fraction of the iterations.
    pub exploration_decay: f64,
    /// Replay buffer of terminal states (0 turns replay off).
    pub buffer_capacity: usize,
    /// Rank-prioritised replay; uniform when false.
    pub prioritised: bool,
    /// Every `backward_every`-th iteration trains on trajectories drawn backwards from
    /// buffer states through the destruction process (0: never; 1 is refused, since only
    /// forward steps fill the buffer and every step after the first would replay the
    /// first batch's states).
    pub backward_every: usize,
    /// The generation update sees a Polyak-averaged copy of the destruction network (in
    /// TB and VarGrad; PIS scores its backward term with the online destruction, so the
    /// copy is kept but not read).
    pub target_network: bool,
    /// Polyak rate `ρ` of the target copy: `φ̄ ← (1 − ρ)φ̄ + ρφ`.
    pub polyak: f64,
    /// Evaluate every this many iterations (and at the end).
    pub eval_every: usize,
    pub eval_samples: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            target: "25gmm".into(),
            kernel: KernelConfig::default(),
            objective: Objective::Tb,
            iterations: 5000,
            batch: 300,
            seed: 0,
            lr_generation: 1e-3,
            lr_destruction: 1e-3,
            lr_log_z: 1e-1,
            grad_clip: Some(100.0),
            exploration_std: 1.0,
            exploration_decay: 0.5,
            buffer_capacity: 50_000,
            prioritised: true,
            backward_every: 2,
            target_network: true,
            polyak: 0.05,
            eval_every: 250,
            eval_samples: 2000,
        }
    }
}

impl TrainConfig {
    /// Checks every field; the error names the first problem in one line.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("lr-generation", self.lr_generation),
            ("lr-destruction", self.lr_destruction),
            ("lr-log-z", self.lr_log_z),
            ("sigma2", self.kernel.sigma2),
            ("polyak", self.polyak),
        ];
        for (name, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return Err(format!("{name} must be a positive number, got {value}"));
            }
        }
        let checks = [
            (self.kernel.steps == 0, "steps (T) must be at least 1"),
            (self.batch == 0, "batch must be at least 1"),
            (self.iterations == 0, "iterations must be at least 1"),
            (self.eval_samples < 2, "eval-samples must be at least 2"),
            (self.eval_every == 0, "eval-every must be at least 1"),
            (self.polyak > 1.0, "polyak must be at most 1"),
            (
                !(self.kernel.log_var_range.is_finite() && self.kernel.log_var_range >= 0.0),
                "log-var-range must be a non-negative number",
            ),
            (
                !(self.kernel.destruction_log_var_range.is_finite()
                    && self.kernel.destruction_log_var_range >= 0.0),
                "destruction-log-var-range must be a non-negative number",
            ),
            (
                !(self.kernel.destruction_mean_range.is_finite()
                    && self.kernel.destruction_mean_range > 0.0),
                "destruction-mean-range must be a positive number",
            ),
            (
                !(self.exploration_std >= 0.0 && self.exploration_std.is_finite()),
                "exploration-std must be a non-negative number",
            ),
            (
                !(0.0..=1.0).contains(&self.exploration_decay),
                "exploration-decay must be a fraction in [0, 1]",
            ),
            (
                self.grad_clip.is_some_and(|c| c.is_nan() || c <= 0.0),
                "grad-clip must be positive",
            ),
            (
                self.backward_every > 0 && self.buffer_capacity == 0,
                "backward steps need a replay buffer (buffer-capacity > 0)",
            ),
            (
                self.backward_every == 1,
                "backward-every 1 would replay the first batch's states forever (only forward steps fill the buffer): use 0 (off) or at least 2",
            ),
            (
                self.objective == Objective::Tlm && self.kernel.destruction == Destruction::Fixed,
                "objective tlm trains the destruction process: use --destruction learned",
            ),
            (
                !(self.kernel.correction_range > 0.0 && self.kernel.correction_range < 1.0),
                "correction-range must lie strictly between 0 and 1 (a factor 1 ± r must stay positive)",
            ),
            (
                self.kernel.correction == Correction::Multiplicative && self.kernel.shared_backbone,
                "the multiplicative correction has its own trunk on the generation's embeddings: leave shared-backbone off",
            ),
            (
                self.kernel.correction == Correction::Multiplicative
                    && self.kernel.learned_parts == LearnedParts::MeanTiedVariance,
                "the multiplicative correction has no tied variance: choose another learned-parts",
            ),
        ];
        match checks.iter().find(|(bad, _)| *bad) {
            Some((_, message)) => Err(message.to_string()),
            None => Ok(()),
        }
    }

    /// Exploration std at `iteration`: `ε·max(0, 1 − i/(decay·iterations))`.
    pub fn exploration_at(&self, iteration: usize) -> f64 {
        let horizon = self.exploration_decay * self.iterations as f64;
        if horizon <= 0.0 {
            return 0.0;
        }
        self.exploration_std * (1.0 - iteration as f64 / horizon).max(0.0)
    }
}

/// A tape that records every operation, on device `Dv`.
pub type Owned<Dv> = OwnedTape<f32, Dv>;

/// Trajectories drawn at each evaluation to measure a learned destruction's
/// log-variance correction (a diagnostic; 256 give its mean to about ±0.01).
const CORRECTION_ROWS: usize = 256;

/// An ELBO below `−BLOW_UP_NATS` means the sampler's trajectories have blown up (finite
/// but absurd numbers, e.g. drifts at their clip): training stops as diverged.
pub const BLOW_UP_NATS: f64 = 1e6;

/// What one iteration reports.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StepStats {
    pub iteration: usize,
    pub loss: f64,
    pub log_z_learned: f64,
    /// Whether this was a backward (replay) step.
    pub backward: bool,
}

/// Why training stopped early.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diverged {
    pub iteration: usize,
    pub what: String,
}

impl std::fmt::Display for Diverged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "training diverged at iteration {}: {}",
            self.iteration, self.what
        )
    }
}

/// A dfdx device samplers train on, and the [`Evaluator`] a [`Trainer`] uses there
/// unless told otherwise: on `Cpu` the crate's fused accelerator (`fast_cpu::FusedCpu`,
/// which implements this trait for `Cpu`), on `Cuda` the plain dfdx network.
/// Introduced in chapter "Sampling without data".
pub trait SamplerDevice: Device<f32> {
    type Evaluator: Evaluator<Self>;
}

#[cfg(feature = "cuda")]
impl SamplerDevice for Cuda {
    type Evaluator = super::network::PlainDfdx;
}

/// A sampler with destruction process `K` being trained on device `Dv`, with its
/// optimisers, target copy (read by a learned destruction only) and replay buffer. The networks and losses run on `Dv`; trajectories, the replay buffer and the
/// target's log-density stay on the host (states carry no gradient, and the target
/// enters the losses as constants). On the CPU the networks are evaluated with the
/// crate's fused accelerator by default; `Trainer<D, Cpu, K, PlainDfdx>` trains the plain
/// dfdx network of the chapter instead (the same function, tested equal to float
/// tolerance), as `Trainer<D, Cuda>` does on a GPU.
/// Introduced in chapter "Sampling without data".
pub struct Trainer<
    const D: usize,
    Dv: SamplerDevice = Cpu,
    K: DestructionProcess = Bridge,
    P: Evaluator<Dv> = <Dv as SamplerDevice>::Evaluator,
> {
    pub config: TrainConfig,
    pub nets: SamplerNets<D, f32, Dv, K, P>,
    /// The Polyak-averaged copy `φ̄` (a whole copy; only its destruction part is read).
    pub target_nets: SamplerNets<D, f32, Dv, K, P>,
    pub optimisers: Optimisers,
    pub buffer: ReplayBuffer,
    /// Iterations done so far.
    pub iteration: usize,
    /// Evaluations so far, one every `eval_every` iterations.
    pub history: Vec<Evaluation>,
    /// Training loss of every iteration so far.
    pub losses: Vec<f64>,
    /// Every update's gradient norms before clipping (since this trainer was made or
    /// restored; not checkpointed).
    pub norms: Vec<GroupNorms>,
    /// A learned destruction's log-variance correction at each evaluation (likewise).
    pub corrections: Vec<CorrectionAt>,
}

/// Everything a resumed run needs; resuming from it gives the same result as never
/// having stopped (random streams are derived from the seed and the iteration).
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub crate_version: String,
    pub dimension: usize,
    pub config: TrainConfig,
    pub iteration: usize,
    pub weights: Vec<Vec<f32>>,
    pub target_weights: Vec<Vec<f32>>,
    pub optimisers: Optimisers,
    pub buffer: ReplayBuffer,
    pub history: Vec<Evaluation>,
    pub losses: Vec<f64>,
}

/// One optimiser per parameter group, so each can have its own learning rate.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Optimisers {
    pub generation: Adam,
    pub destruction: Adam,
    pub log_z: Adam,
}

/// A per-iteration random stream: iteration `i` of seed `s` always draws the same
/// numbers, so a resumed run needs no saved generator state.
pub fn iteration_rng(seed: u64, iteration: usize, stream: u64) -> StdRng {
    let mixed = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((iteration as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .wrapping_add(stream.wrapping_mul(0x94D0_49BB_1331_11EB));
    seeded_rng(mixed)
}

impl<const D: usize, P: Evaluator<Cpu>, K: DestructionProcess> Trainer<D, Cpu, K, P> {
    /// A fresh trainer for `target` on the CPU, its weights drawn from `config.seed`;
    /// fails if the configuration is invalid or the target's dimension is not `D`.
    pub fn new<Tg: Target + ?Sized>(config: TrainConfig, target: &Tg) -> Result<Self, String> {
        let dev = device(config.seed);
        Trainer::new_on(&dev, config, target)
    }

    /// A CPU trainer continuing from `checkpoint`; fails if it does not fit `target` or `D`.
    pub fn restore<Tg: Target + ?Sized>(
        checkpoint: Checkpoint,
        target: &Tg,
    ) -> Result<Self, String> {
        let dev = device(checkpoint.config.seed);
        Trainer::restore_on(&dev, checkpoint, target)
    }
}

impl<const D: usize, Dv: SamplerDevice, P: Evaluator<Dv>, K: DestructionProcess>
    Trainer<D, Dv, K, P>
{
    /// [`Trainer::new`] on device `dev`, whose random stream draws the initial weights
    /// (seed it with `config.seed`, as `new` does, for a run that repeats). Fails if the
    /// configuration asks for another destruction than `K`.
    pub fn new_on<Tg: Target + ?Sized>(
        dev: &Dv,
        config: TrainConfig,
        target: &Tg,
    ) -> Result<Self, String> {
        config.validate()?;
        if config.kernel.destruction != K::KIND {
            return Err(format!(
                "this sampler's destruction is {:?}, but the configuration asks for {:?} \
                 (adaptive_destruction::training trains either)",
                K::KIND,
                config.kernel.destruction
            ));
        }
        if target.dim() != D {
            return Err(format!(
                "target '{}' has dimension {} but this sampler is built for dimension {D}",
                target.name(),
                target.dim()
            ));
        }
        let nets = SamplerNets::new(dev);
        Ok(Trainer {
            target_nets: nets.clone(),
            nets,
            optimisers: Optimisers {
                generation: Adam::new(config.lr_generation),
                destruction: Adam::new(config.lr_destruction),
                log_z: Adam::new(config.lr_log_z),
            },
            buffer: ReplayBuffer::new(config.buffer_capacity, D, config.prioritised),
            iteration: 0,
            history: Vec::new(),
            losses: Vec::new(),
            norms: Vec::new(),
            corrections: Vec::new(),
            config,
        })
    }

    /// The state to save.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            crate_version: crate::VERSION.to_string(),
            dimension: D,
            config: self.config.clone(),
            iteration: self.iteration,
            weights: weights(&self.nets),
            target_weights: weights(&self.target_nets),
            optimisers: self.optimisers.clone(),
            buffer: self.buffer.clone(),
            history: self.history.clone(),
            losses: self.losses.clone(),
        }
    }

    /// [`Trainer::restore`] on device `dev`.
    pub fn restore_on<Tg: Target + ?Sized>(
        dev: &Dv,
        checkpoint: Checkpoint,
        target: &Tg,
    ) -> Result<Self, String> {
        if checkpoint.dimension != D {
            return Err(format!(
                "the checkpoint is for dimension {}, not {D}",
                checkpoint.dimension
            ));
        }
        let mut trainer = Trainer::<D, Dv, K, P>::new_on(dev, checkpoint.config, target)?;
        load_weights(&mut trainer.nets, &checkpoint.weights)?;
        load_weights(&mut trainer.target_nets, &checkpoint.target_weights)?;
        trainer.optimisers = checkpoint.optimisers;
        trainer.buffer = checkpoint.buffer;
        trainer.iteration = checkpoint.iteration;
        trainer.history = checkpoint.history;
        trainer.losses = checkpoint.losses;
        Ok(trainer)
    }

    /// Evaluates the current sampler on its own random stream for this iteration.
    pub fn evaluate<Tg: Target + ?Sized>(
        &self,
        target: &Tg,
        sample_metrics: bool,
    ) -> (Evaluation, Array2<f32>) {
        let mut rng = iteration_rng(self.config.seed, self.iteration, 1);
        let (mut evaluation, samples) = evaluate(
            &self.nets,
            &self.config.kernel,
            target,
            self.config.eval_samples,
            sample_metrics,
            &mut rng,
        );
        evaluation.iteration = self.iteration;
        (evaluation, samples)
    }

    /// Trains until `until` iterations are done (at most `config.iterations`),
    /// evaluating every `eval_every` iterations and at the end, and showing progress.
    pub fn run<Tg: Target + ?Sized>(
        &mut self,
        target: &Tg,
        until: usize,
        progress: &mut Progress,
    ) -> Result<(), Diverged> {
        let until = until.min(self.config.iterations);
        while self.iteration < until {
            let stats = self.step(target)?;
            self.losses.push(stats.loss);
            let last = self.iteration == self.config.iterations;
            if self.iteration.is_multiple_of(self.config.eval_every) || last {
                let (evaluation, _) = self.evaluate(target, false);
                if !evaluation.elbo.is_finite() || evaluation.elbo < -BLOW_UP_NATS {
                    return Err(self.diverged(format!(
                        "the ELBO is {:.4e} (a sampler whose trajectories have blown up)",
                        evaluation.elbo
                    )));
                }
                self.history.push(evaluation);
                if K::KIND != Destruction::Fixed {
                    let mut rng = iteration_rng(self.config.seed, self.iteration, 2);
                    let kernel = &self.config.kernel;
                    self.corrections.push(CorrectionAt {
                        iteration: self.iteration,
                        per_step: log_var_correction(&self.nets, kernel, CORRECTION_ROWS, &mut rng),
                    });
                }
            }
            // Before the first evaluation there is no ELBO yet: say so rather than "NaN",
            // which would read as a divergence.
            let elbo = match self.history.last() {
                Some(e) => format!("ELBO {:.3} (at iteration {})", e.elbo, e.iteration),
                None => "no evaluation yet".to_string(),
            };
            progress.set(
                self.iteration as u64,
                &format!("loss {:.3}  {elbo}", stats.loss),
            );
        }
        Ok(())
    }

    fn is_backward_step(&self) -> bool {
        let every = self.config.backward_every;
        every > 0 && self.iteration % every == every - 1 && !self.buffer.is_empty()
    }

    // ANCHOR: train_step
    /// One iteration: draw trajectories (forwards with exploration, or backwards from
    /// replayed states), compute the loss, and update each parameter group.
    pub fn step<Tg: Target + ?Sized>(&mut self, target: &Tg) -> Result<StepStats, Diverged> {
        let (loss, backward, grads) = self.loss_and_gradients(target)?;
        let norms = self.update(&grads)?;
        self.norms.push(norms);
        self.iteration += 1;
        Ok(StepStats {
            iteration: self.iteration,
            loss,
            log_z_learned: self.nets.log_z.value.as_vec()[0] as f64,
            backward,
        })
    }

    /// The first half of [`step`](Self::step): this iteration's loss, whether it was a
    /// backward step, and every parameter's gradient (the replay buffer takes the new
    /// samples; the networks are not updated).
    pub fn loss_and_gradients<Tg: Target + ?Sized>(
        &mut self,
        target: &Tg,
    ) -> Result<(f64, bool, Gradients<f32, Dv>), Diverged> {
        let config = self.config.clone();
        let kernel = &config.kernel;
        let mut rng = iteration_rng(config.seed, self.iteration, 0);
        let backward = self.is_backward_step();
        let loss = if config.objective == Objective::Pis {
            self.pis_loss(target, &mut rng)
        } else {
            let (states, log_pf) = if backward {
                let x_final = self.buffer.sample(config.batch, &mut rng);
                let states = self.nets.destroy(kernel, &x_final, &mut rng);
                let log_pf = self.nets.log_pf(kernel, &states);
                (states, log_pf)
            } else {
                let exploration = self.config.exploration_at(self.iteration);
                self.nets
                    .generate_scored(kernel, config.batch, exploration, &mut rng)
            };
            let log_reward = final_log_reward(target, &states);
            if !backward && config.buffer_capacity > 0 {
                self.buffer.push(&final_states(&states), &log_reward);
            }
            self.second_moment_loss(&states, log_pf, &log_reward, backward)
        };
        let value = loss.as_vec()[0] as f64;
        if !value.is_finite() {
            return Err(self.diverged(format!("the loss is {value}")));
        }
        let grads = self.nets.alloc_grads();
        Ok((value, backward, (loss + self.zero_with(grads)).backward()))
    }
    // ANCHOR_END: train_step

    /// A zero scalar that carries `grads` into a loss's tape, so that every parameter
    /// (used or not) gets a gradient and temporaries are freed after `backward`.
    fn zero_with(&self, grads: Gradients<f32, Dv>) -> Loss<Dv> {
        let dev = self.nets.log_z.value.device().clone();
        dev.zeros::<Rank0>().traced(grads)
    }

    /// Training stopped at this iteration, because of `what`.
    pub fn diverged(&self, what: String) -> Diverged {
        Diverged {
            iteration: self.iteration,
            what,
        }
    }

    /// TB / VarGrad on `states` (`log_pf`: their generation log-probabilities, with the
    /// generation network's tape); the destruction process says how its own terms enter.
    fn second_moment_loss(
        &self,
        states: &States,
        log_pf: PerTrajectory<Dv, Owned<Dv>>,
        log_reward: &Array1<f32>,
        backward: bool,
    ) -> Loss<Dv> {
        let dev = self.nets.log_z.value.device().clone();
        let reward = dev.tensor_from_vec(log_reward.to_vec(), (log_reward.len(),));
        K::second_moment_loss(self, states, log_pf, reward, backward)
    }

    /// The configured second-moment loss of `Δ`: TB with the learned `log Z`, or VarGrad.
    pub fn balance(&self, delta: Tensor<(usize,), f32, Dv, OwnedTape<f32, Dv>>) -> Loss<Dv> {
        match self.config.objective {
            Objective::Vargrad => log_variance(delta),
            _ => trajectory_balance(delta, self.nets.log_z.value.retaped()),
        }
    }

    // ANCHOR: pis_loss
    /// Reverse KL `mean_i Δ(τ_i)` over reparametrised trajectories `x_{n+1} = μ + σ ⊙ ξ`,
    /// differentiated through every state. The reward enters through its gradient:
    /// `log R(x_T) ≈ log R(x̂_T) + ∇log R(x̂_T)·(x_T − x̂_T)` has the right value and the
    /// right derivative at `x_T = x̂_T`.
    fn pis_loss<Tg: Target + ?Sized>(&self, target: &Tg, rng: &mut StdRng) -> Loss<Dv> {
        let kernel = &self.config.kernel;
        let (batch, steps) = (self.config.batch, kernel.steps);
        let dev = self.nets.log_z.value.device().clone();
        let mut x: Rows<D, Dv, Owned<Dv>> = dev.zeros_like(&(batch, Const::<D>)).retaped();
        let mut states: Vec<Rows<D, Dv, Owned<Dv>>> = vec![x.retaped()];
        let mut log_pf: Tensor<(usize,), f32, Dv, Owned<Dv>> = dev.zeros_like(&(batch,)).retaped();
        let half_log_2pi = 0.5 * (2.0 * std::f32::consts::PI).ln();
        let times = self.nets.generation_times::<Owned<Dv>>(kernel);
        for n in 0..steps {
            let step = self
                .nets
                .generation_kernel_with(kernel, x, &times, &vec![n; batch]);
            let noise: Vec<f32> = (0..batch * D).map(|_| StandardNormal.sample(rng)).collect();
            let noise: Rows<D, Dv, NoneTape> = dev.tensor_from_vec(noise, (batch, Const::<D>));
            // log N(μ + σξ; μ, σ²) = Σ_d (−ξ_d²/2 − ℓ_d/2 − log(2π)/2)
            let log_density = (step.log_var.retaped::<Owned<Dv>>() * -0.5
                - noise.clone().square() * 0.5
                - half_log_2pi)
                .sum::<(usize,), Axis<1>>();
            log_pf = log_pf + log_density;
            x = step.mean + (step.log_var * 0.5).exp() * noise;
            states.push(x.retaped());
        }
        let log_pf = times.attach(log_pf);
        let mut log_pb: Tensor<(usize,), f32, Dv, Owned<Dv>> = dev.zeros_like(&(batch,)).retaped();
        for next in 2..=steps {
            let kernel_rows = self.nets.destruction_kernel(
                kernel,
                states[next].retaped::<Owned<Dv>>(),
                &vec![next; batch],
            );
            log_pb = log_pb + kernel_rows.log_density(states[next - 1].retaped::<Owned<Dv>>());
        }
        let x_final = Array2::from_shape_vec((batch, D), x.as_vec()).expect("(batch, D) states");
        let reward = super::target::log_density_values(target, &x_final);
        let grad_log_r = target.grad_log_density(&x_final);
        let offset: Vec<f32> = (0..batch)
            .map(|i| reward[i] - grad_log_r.row(i).dot(&x_final.row(i)))
            .collect();
        let gradient: Rows<D, Dv, NoneTape> =
            dev.tensor_from_vec(grad_log_r.iter().copied().collect(), (batch, Const::<D>));
        let linear = (x * gradient).sum::<(usize,), Axis<1>>();
        let log_reward = linear + dev.tensor_from_vec(offset, (batch,));
        (log_pf - log_pb - log_reward).mean()
    }
    // ANCHOR_END: pis_loss

    // ANCHOR: update
    /// Applies each optimiser to its parameter group and the Polyak update to the target.
    fn update(&mut self, grads: &Gradients<f32, Dv>) -> Result<GroupNorms, Diverged> {
        // Check every group before changing any, so a diverged run keeps its last
        // finite parameters (and a checkpoint written after it is still usable).
        let norm = gradient_norm(&self.nets.generation, grads);
        if !norm.is_finite() {
            return Err(self.diverged(format!("the generation gradient norm is {norm}")));
        }
        K::check_gradients(self, grads)?;
        let clip = self.config.grad_clip;
        let generation = self
            .optimisers
            .generation
            .update(&mut self.nets.generation, grads, clip);
        let destruction = K::update(self, grads);
        let learns_log_z =
            self.config.objective == Objective::Tb || self.config.objective == Objective::Tlm;
        let log_z = learns_log_z.then(|| {
            self.optimisers
                .log_z
                .update(&mut self.nets.log_z, grads, clip)
        });
        Ok(GroupNorms {
            generation,
            destruction,
            log_z,
        })
    }
    // ANCHOR_END: update
}
