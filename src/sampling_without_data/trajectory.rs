//! Trajectories `x_0 = 0 → x_1 → … → x_T`: drawn forwards by generation or backwards by
//! destruction, and scored by the log-weight
//! `log w(τ) = log R(x_T) + Σ_n log p←(x_n | x_{n+1}) − Σ_n log p→(x_{n+1} | x_n)`.

use super::destruction::DestructionProcess;
use super::kernels::{KernelConfig, SamplerNets};
use super::network::{Evaluator, Rows};
use super::target::{log_density_values, Target};
use super::values::values;
use crate::dfdx::prelude::*;
use ndarray::{s, Array1, Array2, Array3, Axis as NdAxis};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand_distr::{Distribution, StandardNormal};

/// The states of a batch of trajectories, shape `(T + 1, batch, D)`; `states[0] = 0`.
/// Introduced in chapter "Sampling without data".
pub type States = Array3<f32>;

/// Rows `x_{from}, …, x_{to−1}` of every trajectory, stacked step-major, as a tensor.
pub(crate) fn rows<const D: usize, Dv: Device<f32>>(
    dev: &Dv,
    states: &States,
    from: usize,
    to: usize,
) -> Rows<D, Dv, NoneTape> {
    let block = states.slice(s![from..to, .., ..]);
    let n = (to - from) * states.shape()[1];
    dev.tensor_from_vec(block.iter().copied().collect(), (n, Const::<D>))
}

/// The step index of each row of [`rows`]`(from, to)`.
fn step_of_rows(from: usize, to: usize, batch: usize) -> Vec<usize> {
    (from..to)
        .flat_map(|n| std::iter::repeat_n(n, batch))
        .collect()
}

/// Sums a step-major per-row vector over steps: `(steps · batch,) → (batch,)`.
fn sum_over_steps<Dv: Device<f32>, T: Tape<f32, Dv>>(
    per_row: Tensor<(usize,), f32, Dv, T>,
    batch: usize,
) -> Tensor<(usize,), f32, Dv, T> {
    let steps = per_row.shape().0 / batch;
    per_row
        .reshape_like(&(steps, batch))
        .sum::<(usize,), Axis<0>>()
}

impl<const D: usize, Dv: Device<f32>, P: Evaluator<Dv>, K: DestructionProcess>
    SamplerNets<D, f32, Dv, K, P>
{
    // ANCHOR: generate
    /// Draws `batch` trajectories forwards from `x_0 = 0`. With `exploration_std = ε > 0`
    /// each step's variance is widened to `σ²Δt·e^ℓ + ε²` (off-policy exploration); the
    /// trajectories are still scored under the policy itself.
    pub fn generate(
        &self,
        config: &KernelConfig,
        batch: usize,
        exploration_std: f64,
        rng: &mut StdRng,
    ) -> States {
        self.generate_scored::<NoneTape>(config, batch, exploration_std, rng)
            .0
    }

    /// [`generate`](Self::generate), also returning `Σ_n log p→(x_{n+1} | x_n)` of each
    /// trajectory under the policy (differentiable in the generation network, states
    /// detached): the network outputs that drew each step also score it, so an
    /// on-policy training step needs no second forward pass.
    pub fn generate_scored<T: Tape<f32, Dv> + Merge<T> + Merge<NoneTape>>(
        &self,
        config: &KernelConfig,
        batch: usize,
        exploration_std: f64,
        rng: &mut StdRng,
    ) -> (States, Tensor<(usize,), f32, Dv, T>) {
        let dev = self.log_z.value.device().clone();
        let mut states = States::zeros((config.steps + 1, batch, D));
        let mut log_pf = dev.zeros_like(&(batch,)).retaped::<T>();
        let times = self.generation_times::<T>(config);
        for n in 0..config.steps {
            let x = rows::<D, Dv>(&dev, &states, n, n + 1).retaped::<T>();
            let kernel = self.generation_kernel_with(config, x, &times, &vec![n; batch]);
            let (mean, log_var) = (values(&kernel.mean), values(&kernel.log_var));
            let mut next = states.index_axis_mut(NdAxis(0), n + 1);
            for (i, x) in next.iter_mut().enumerate() {
                let var = (log_var[i] as f64).exp() + exploration_std * exploration_std;
                let z: f64 = StandardNormal.sample(rng);
                *x = mean[i] + (var.sqrt() * z) as f32;
            }
            if T::OWNS_TAPE {
                log_pf = log_pf + kernel.log_density(rows::<D, Dv>(&dev, &states, n + 1, n + 2));
            }
        }
        (states, times.attach(log_pf))
    }
    // ANCHOR_END: generate

    // ANCHOR: destroy
    /// Draws trajectories backwards from the given final states `x_T` through the
    /// destruction process down to `x_0 = 0`.
    pub fn destroy(
        &self,
        config: &KernelConfig,
        x_final: &Array2<f32>,
        rng: &mut StdRng,
    ) -> States {
        let dev = self.log_z.value.device().clone();
        let batch = x_final.nrows();
        let mut states = States::zeros((config.steps + 1, batch, D));
        states
            .index_axis_mut(NdAxis(0), config.steps)
            .assign(x_final);
        for next in (2..=config.steps).rev() {
            let x_next = rows::<D, Dv>(&dev, &states, next, next + 1);
            let kernel = self.destruction_kernel(config, x_next, &vec![next; batch]);
            let (mean, log_var) = (kernel.mean.as_vec(), kernel.log_var.as_vec());
            let mut current = states.index_axis_mut(NdAxis(0), next - 1);
            for (i, x) in current.iter_mut().enumerate() {
                let z: f32 = StandardNormal.sample(rng);
                *x = mean[i] + (0.5 * log_var[i]).exp() * z;
            }
        }
        states
    }
    // ANCHOR_END: destroy

    // ANCHOR: log_terms
    /// `Σ_n log p→(x_{n+1} | x_n)` of each fixed (detached) trajectory, differentiable in
    /// the generation network: every step of every trajectory is one row of a single
    /// batched network evaluation.
    pub fn log_pf<T: Tape<f32, Dv> + Merge<T> + Merge<NoneTape>>(
        &self,
        config: &KernelConfig,
        states: &States,
    ) -> Tensor<(usize,), f32, Dv, T> {
        let dev = self.log_z.value.device().clone();
        let (steps, batch) = (config.steps, states.shape()[1]);
        let forward = self.generation_kernel(
            config,
            rows::<D, Dv>(&dev, states, 0, steps).retaped::<T>(),
            &step_of_rows(0, steps, batch),
        );
        let per_row = forward.log_density(rows::<D, Dv>(&dev, states, 1, steps + 1));
        sum_over_steps(per_row, batch)
    }

    /// `Σ_n log p←(x_n | x_{n+1})`, `n = 1..T−1`, of each fixed trajectory (the step to
    /// `x_0 = 0` is deterministic and adds nothing).
    pub fn log_pb<T: Tape<f32, Dv> + Merge<T> + Merge<NoneTape>>(
        &self,
        config: &KernelConfig,
        states: &States,
    ) -> Tensor<(usize,), f32, Dv, T> {
        let dev = self.log_z.value.device().clone();
        let (steps, batch) = (config.steps, states.shape()[1]);
        if steps < 2 {
            return dev.zeros_like(&(batch,)).retaped::<T>();
        }
        let backward = self.destruction_kernel(
            config,
            rows::<D, Dv>(&dev, states, 2, steps + 1).retaped::<T>(),
            &step_of_rows(2, steps + 1, batch),
        );
        let per_row = backward.log_density(rows::<D, Dv>(&dev, states, 1, steps));
        sum_over_steps(per_row, batch)
    }
    // ANCHOR_END: log_terms

    /// `log w(τ)` of each trajectory, as plain numbers.
    pub fn log_weights<Tg: Target + ?Sized>(
        &self,
        config: &KernelConfig,
        target: &Tg,
        states: &States,
    ) -> Array1<f64> {
        let log_reward = final_log_reward(target, states);
        let log_pf = self.log_pf::<NoneTape>(config, states).as_vec();
        let log_pb = self.log_pb::<NoneTape>(config, states).as_vec();
        Array1::from_iter(
            (0..log_pf.len()).map(|i| log_reward[i] as f64 + log_pb[i] as f64 - log_pf[i] as f64),
        )
    }
}

/// The final states `x_T` of a batch of trajectories, shape `(batch, D)`.
pub fn final_states(states: &States) -> Array2<f32> {
    states
        .index_axis(NdAxis(0), states.shape()[0] - 1)
        .to_owned()
}

/// `log R(x_T)` of each trajectory.
pub fn final_log_reward<Tg: Target + ?Sized>(target: &Tg, states: &States) -> Array1<f32> {
    log_density_values(target, &final_states(states))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling_without_data::kernels::Destruction;
    use ndarray_rand::rand::SeedableRng;

    /// Sampling scores each step with the network outputs that drew it, from time
    /// features embedded once for the whole loop; scoring the finished trajectories in
    /// one batched pass must give the same `Σ log p→` and the same gradients, down to
    /// the time embedding.
    #[test]
    fn scoring_while_sampling_equals_scoring_afterwards() {
        let dev = Cpu::seed_from_u64(11);
        let mut nets = SamplerNets::<2, f32, Cpu>::new(&dev);
        let head = &mut nets.generation.head;
        for layer in [&mut head.mean, &mut head.log_var] {
            layer.weight = dev.sample_normal::<Rank2<2, 64>>() * 0.3;
            layer.bias = dev.sample_normal::<Rank1<2>>() * 0.3;
        }
        let config = KernelConfig {
            steps: 4,
            destruction: Destruction::Fixed,
            ..KernelConfig::default()
        };
        let mut rng = StdRng::seed_from_u64(2);
        let (states, while_sampling) =
            nets.generate_scored::<OwnedTape<f32, Cpu>>(&config, 5, 0.0, &mut rng);
        let afterwards = nets.log_pf::<OwnedTape<f32, Cpu>>(&config, &states);
        let (a, b) = (while_sampling.as_vec(), afterwards.as_vec());
        let grads = [while_sampling, afterwards].map(|log_pf| log_pf.sum().backward());
        let net = &nets.generation;
        let close = |x: &[f32], y: &[f32], what: &str| {
            assert_eq!(x.len(), y.len());
            for (x, y) in x.iter().zip(y) {
                assert!(
                    (x - y).abs() <= 1e-4 * (1.0 + y.abs()),
                    "{what}: {x} vs {y}"
                );
            }
        };
        close(&a, &b, "log p→");
        let both = |get: &dyn Fn(&Gradients<f32, Cpu>) -> Vec<f32>, what: &str| {
            let (x, y) = (get(&grads[0]), get(&grads[1]));
            assert!(y.iter().any(|v| *v != 0.0), "{what}: a gradient to compare");
            close(&x, &y, what);
        };
        both(&|g| g.get(&net.backbone.time.phase).as_vec(), "time phase");
        both(
            &|g| g.get(&net.backbone.time.out.weight).as_vec(),
            "time output weight",
        );
        both(
            &|g| g.get(&net.backbone.hidden1.weight).as_vec(),
            "hidden weight",
        );
        both(&|g| g.get(&net.head.mean.weight).as_vec(), "mean head");
        both(
            &|g| g.get(&net.head.log_var.bias).as_vec(),
            "log-variance head",
        );
    }
}
