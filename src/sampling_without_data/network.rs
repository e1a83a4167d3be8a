//! The network behind both kernels: a state embedding plus a sinusoidal time embedding,
//! a small GELU trunk, and a Gaussian head (mean and log-variance) initialised to zero.

use crate::dfdx::nn::modules::Linear;
use crate::dfdx::prelude::*;

/// Hidden width of every layer (a type-level constant in dfdx 0.13).
pub const WIDTH: usize = 64;
/// Number of fixed frequencies in the time embedding.
pub const HARMONICS: usize = 64;

/// A batch of rows of a `D`-dimensional state, on device `Dv`.
pub type Rows<const D: usize, Dv, T> = Tensor<(usize, Const<D>), f32, Dv, T>;
/// A batch of hidden features, on device `Dv`.
pub type Hidden<Dv, T> = Tensor<(usize, Const<WIDTH>), f32, Dv, T>;

/// Time embedding: features `[sin(f_k t + φ_k), cos(f_k t + φ_k)]` for fixed frequencies
/// `f_k = linspace(0.1, 100, 64)` and a learned phase `φ`, then Linear → GELU → Linear.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug)]
pub struct TimeEmbedding<E: Dtype, D: Storage<E>> {
    pub phase: Tensor<Rank1<HARMONICS>, E, D>,
    pub from_sin: Linear<HARMONICS, WIDTH, E, D>,
    pub from_cos: Linear<HARMONICS, WIDTH, E, D>,
    pub out: Linear<WIDTH, WIDTH, E, D>,
}

/// Shared trunk: `h = GELU(L2(GELU(L1(GELU(state(x) + time(t))))))`.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug)]
pub struct Backbone<const D: usize, E: Dtype, Dv: Storage<E>> {
    pub time: TimeEmbedding<E, Dv>,
    pub state: Linear<D, WIDTH, E, Dv>,
    pub hidden1: Linear<WIDTH, WIDTH, E, Dv>,
    pub hidden2: Linear<WIDTH, WIDTH, E, Dv>,
}

/// A linear layer whose weights and bias start at zero, so a fresh kernel outputs a zero
/// mean shift and a zero log-variance correction: training starts at the baseline.
#[derive(Clone, Debug)]
pub struct ZeroLinear<const I: usize, const O: usize, E: Dtype, D: Storage<E>> {
    pub weight: Tensor<Rank2<O, I>, E, D>,
    pub bias: Tensor<Rank1<O>, E, D>,
}

/// A Gaussian head: a raw mean output and a raw log-variance output, both `D`-wide.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug)]
pub struct GaussianHead<const D: usize, E: Dtype, Dv: Storage<E>> {
    pub mean: ZeroLinear<WIDTH, D, E, Dv>,
    pub log_var: ZeroLinear<WIDTH, D, E, Dv>,
}

/// A kernel network: its own backbone and a Gaussian head. When the destruction kernel
/// shares the generation backbone, its own backbone is simply left unused.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug)]
pub struct KernelNet<const D: usize, E: Dtype, Dv: Storage<E>> {
    pub backbone: Backbone<D, E, Dv>,
    pub head: GaussianHead<D, E, Dv>,
}

/// `log Z` as a learned scalar (trajectory balance), initialised at 0.
#[derive(Clone, Debug)]
pub struct LogZ<E: Dtype, D: Storage<E>> {
    pub value: Tensor<Rank0, E, D>,
}

/// Raw head outputs for a batch of rows, and the backward steps of the pass that made
/// them. dfdx keeps a pass's backward steps on one tensor, so a result that used only
/// one output and dropped the other could silently lose them (and with them every
/// parameter's gradient). Here the steps are held apart and handed out only with the
/// outputs a caller asks for: [`into_mean`](Self::into_mean),
/// [`into_log_var`](Self::into_log_var) or [`into_both`](Self::into_both).
pub struct HeadOutput<const D: usize, Dv: Storage<f32>, T> {
    mean: Rows<D, Dv, NoneTape>,
    log_var: Rows<D, Dv, NoneTape>,
    tape: T,
}

impl<const D: usize, Dv: Device<f32>, T: Tape<f32, Dv> + Merge<T>> HeadOutput<D, Dv, T> {
    /// The two outputs of one pass, their backward steps joined.
    pub fn new(mean: Rows<D, Dv, T>, log_var: Rows<D, Dv, T>) -> Self {
        let (mean, mean_tape) = mean.split_tape();
        let (log_var, log_var_tape) = log_var.split_tape();
        HeadOutput {
            mean,
            log_var,
            tape: mean_tape.merge(log_var_tape),
        }
    }

    /// The same outputs, also carrying `tape` (backward steps of the pass's inputs).
    pub fn with(self, tape: T) -> Self {
        HeadOutput {
            tape: self.tape.merge(tape),
            ..self
        }
    }

    /// The mean alone, carrying the whole pass's backward steps.
    pub fn into_mean(self) -> Rows<D, Dv, T> {
        self.mean.put_tape(self.tape)
    }

    /// The log-variance alone, carrying the whole pass's backward steps.
    pub fn into_log_var(self) -> Rows<D, Dv, T> {
        self.log_var.put_tape(self.tape)
    }

    /// Both outputs, for a result that uses both: the backward steps ride on the mean.
    pub fn into_both(self) -> (Rows<D, Dv, T>, Rows<D, Dv, T>) {
        (self.mean.put_tape(self.tape), self.log_var.retaped())
    }
}

impl<D: Device<f32>> TensorCollection<f32, D> for TimeEmbedding<f32, D> {
    type To<E2: Dtype, D2: Device<E2>> = TimeEmbedding<E2, D2>;
    fn iter_tensors<V: ModuleVisitor<Self, f32, D>>(
        visitor: &mut V,
    ) -> Result<Option<Self::To<V::E2, V::D2>>, V::Err> {
        visitor.visit_fields(
            (
                Self::tensor(
                    "phase",
                    |s| &s.phase,
                    |s| &mut s.phase,
                    TensorOptions::reset_to_zeros(),
                ),
                Self::module("from_sin", |s| &s.from_sin, |s| &mut s.from_sin),
                Self::module("from_cos", |s| &s.from_cos, |s| &mut s.from_cos),
                Self::module("out", |s| &s.out, |s| &mut s.out),
            ),
            |(phase, from_sin, from_cos, out)| TimeEmbedding {
                phase,
                from_sin,
                from_cos,
                out,
            },
        )
    }
}

impl<const DIM: usize, D: Device<f32>> TensorCollection<f32, D> for Backbone<DIM, f32, D> {
    type To<E2: Dtype, D2: Device<E2>> = Backbone<DIM, E2, D2>;
    fn iter_tensors<V: ModuleVisitor<Self, f32, D>>(
        visitor: &mut V,
    ) -> Result<Option<Self::To<V::E2, V::D2>>, V::Err> {
        visitor.visit_fields(
            (
                Self::module("time", |s| &s.time, |s| &mut s.time),
                Self::module("state", |s| &s.state, |s| &mut s.state),
                Self::module("hidden1", |s| &s.hidden1, |s| &mut s.hidden1),
                Self::module("hidden2", |s| &s.hidden2, |s| &mut s.hidden2),
            ),
            |(time, state, hidden1, hidden2)| Backbone {
                time,
                state,
                hidden1,
                hidden2,
            },
        )
    }
}

impl<const I: usize, const O: usize, D: Device<f32>> TensorCollection<f32, D>
    for ZeroLinear<I, O, f32, D>
{
    type To<E2: Dtype, D2: Device<E2>> = ZeroLinear<I, O, E2, D2>;
    fn iter_tensors<V: ModuleVisitor<Self, f32, D>>(
        visitor: &mut V,
    ) -> Result<Option<Self::To<V::E2, V::D2>>, V::Err> {
        visitor.visit_fields(
            (
                Self::tensor(
                    "weight",
                    |s| &s.weight,
                    |s| &mut s.weight,
                    TensorOptions::reset_to_zeros(),
                ),
                Self::tensor(
                    "bias",
                    |s| &s.bias,
                    |s| &mut s.bias,
                    TensorOptions::reset_to_zeros(),
                ),
            ),
            |(weight, bias)| ZeroLinear { weight, bias },
        )
    }
}

impl<const DIM: usize, D: Device<f32>> TensorCollection<f32, D> for GaussianHead<DIM, f32, D> {
    type To<E2: Dtype, D2: Device<E2>> = GaussianHead<DIM, E2, D2>;
    fn iter_tensors<V: ModuleVisitor<Self, f32, D>>(
        visitor: &mut V,
    ) -> Result<Option<Self::To<V::E2, V::D2>>, V::Err> {
        visitor.visit_fields(
            (
                Self::module("mean", |s| &s.mean, |s| &mut s.mean),
                Self::module("log_var", |s| &s.log_var, |s| &mut s.log_var),
            ),
            |(mean, log_var)| GaussianHead { mean, log_var },
        )
    }
}

impl<const DIM: usize, D: Device<f32>> TensorCollection<f32, D> for KernelNet<DIM, f32, D> {
    type To<E2: Dtype, D2: Device<E2>> = KernelNet<DIM, E2, D2>;
    fn iter_tensors<V: ModuleVisitor<Self, f32, D>>(
        visitor: &mut V,
    ) -> Result<Option<Self::To<V::E2, V::D2>>, V::Err> {
        visitor.visit_fields(
            (
                Self::module("backbone", |s| &s.backbone, |s| &mut s.backbone),
                Self::module("head", |s| &s.head, |s| &mut s.head),
            ),
            |(backbone, head)| KernelNet { backbone, head },
        )
    }
}

impl<D: Device<f32>> TensorCollection<f32, D> for LogZ<f32, D> {
    type To<E2: Dtype, D2: Device<E2>> = LogZ<E2, D2>;
    fn iter_tensors<V: ModuleVisitor<Self, f32, D>>(
        visitor: &mut V,
    ) -> Result<Option<Self::To<V::E2, V::D2>>, V::Err> {
        visitor.visit_fields(
            Self::tensor(
                "value",
                |s| &s.value,
                |s| &mut s.value,
                TensorOptions::reset_to_zeros(),
            ),
            |value| LogZ { value },
        )
    }
}

// ANCHOR: time_embedding
impl<Dv: Device<f32>> TimeEmbedding<f32, Dv> {
    /// One embedding row per time in `times`.
    pub fn forward<P: Evaluator<Dv>, T: Tape<f32, Dv> + Merge<T>>(
        &self,
        times: &[f32],
    ) -> Hidden<Dv, T> {
        let dev = self.phase.device().clone();
        let n = times.len();
        let frequencies: Tensor<Rank1<HARMONICS>, f32, Dv> = dev.tensor(std::array::from_fn(|k| {
            0.1 + (100.0 - 0.1) * k as f32 / (HARMONICS - 1) as f32
        }));
        let t: Tensor<(usize,), f32, Dv> = dev.tensor_from_vec(times.to_vec(), (n,));
        let angle = t.broadcast_like(&(n, Const::<HARMONICS>))
            * frequencies.broadcast_like(&(n, Const::<HARMONICS>));
        let angle = self.phase.retaped::<T>().broadcast_like(&(n, Const)) + angle;
        let features =
            self.from_sin.forward(angle.retaped::<T>().sin()) + self.from_cos.forward(angle.cos());
        self.out.forward(P::gelu(features))
    }
}
// ANCHOR_END: time_embedding

/// Time features of grid times, embedded once and shared by every network call of a
/// pass (a sampling loop calls the network once per step, each time at one grid time).
/// The embedding's own backward steps travel separately, handed to the pass's result
/// once by [`attach`](Self::attach).
/// Introduced in chapter "Sampling without data".
pub struct TimeTable<Dv: Storage<f32>, T> {
    /// One row per embedded time.
    features: Hidden<Dv, NoneTape>,
    /// Grid index → its row in `features`, for the embedded times.
    row_of: Vec<Option<usize>>,
    tape: T,
}

impl<Dv: Device<f32>> TimeEmbedding<f32, Dv> {
    /// The features of `times[k]` for every grid index `k` in `used`.
    pub fn table<P: Evaluator<Dv>, T: Tape<f32, Dv> + Merge<T>>(
        &self,
        times: &[f32],
        used: &[usize],
    ) -> TimeTable<Dv, T> {
        let mut used: Vec<usize> = used.to_vec();
        used.sort_unstable();
        used.dedup();
        let used_times: Vec<f32> = used.iter().map(|&k| times[k]).collect();
        let mut row_of = vec![None; times.len()];
        for (row, &k) in used.iter().enumerate() {
            row_of[k] = Some(row);
        }
        let (features, tape) = self.forward::<P, T>(&used_times).split_tape();
        TimeTable {
            features,
            row_of,
            tape,
        }
    }
}

impl<Dv: Device<f32>, T: Tape<f32, Dv> + Merge<T>> TimeTable<Dv, T> {
    /// The table as one network call's input, and each row's index into it.
    fn input(&self, time_index: &[usize]) -> (Hidden<Dv, T>, Vec<usize>) {
        let rows = time_index
            .iter()
            .map(|&k| self.row_of[k].expect("a time of the table"))
            .collect();
        (self.features.retaped(), rows)
    }

    /// Hands the embedding's backward steps to `result`, a value the loss depends on
    /// (without it the time embedding would get no gradient).
    pub fn attach<S: Shape>(self, result: Tensor<S, f32, Dv, T>) -> Tensor<S, f32, Dv, T> {
        let (result, tape) = result.split_tape();
        result.put_tape(tape.merge(self.tape))
    }
}

impl<const D: usize, Dv: Device<f32>> Backbone<D, f32, Dv> {
    /// The head's raw outputs for rows `x` at times `times[time_index[i]]`, embedding
    /// only the times some row uses.
    pub fn forward<P: Evaluator<Dv>, T: Tape<f32, Dv> + Merge<T>>(
        &self,
        head: &GaussianHead<D, f32, Dv>,
        x: Rows<D, Dv, T>,
        times: &[f32],
        time_index: &[usize],
    ) -> HeadOutput<D, Dv, T> {
        let table = self.time.table::<P, T>(times, time_index);
        let out = self.forward_with::<P, T>(head, x, &table, time_index);
        out.with(table.tape)
    }

    /// [`forward`](Self::forward) with the time features of a shared table (whose
    /// [`attach`](TimeTable::attach) the caller owes once per pass).
    pub fn forward_with<P: Evaluator<Dv>, T: Tape<f32, Dv> + Merge<T>>(
        &self,
        head: &GaussianHead<D, f32, Dv>,
        x: Rows<D, Dv, T>,
        table: &TimeTable<Dv, T>,
        time_index: &[usize],
    ) -> HeadOutput<D, Dv, T> {
        let (features, index) = table.input(time_index);
        P::head_outputs(self, head, x, features, &index)
    }
}

/// How a kernel network is evaluated on device `Dv`: the activation and the
/// trunk-plus-head pass. [`PlainDfdx`] is the network written with dfdx's operations,
/// the code this chapter shows, on any device; `fast_cpu::FusedCpu` computes the same
/// function and gradients faster on `Cpu` (see the crate's `fast_cpu` module).
/// Introduced in chapter "Sampling without data".
pub trait Evaluator<Dv: Device<f32>>: Copy + Default + Send + Sync + 'static {
    /// GELU, tanh form: `gelu(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
    fn gelu<S: Shape, T: Tape<f32, Dv>>(x: Tensor<S, f32, Dv, T>) -> Tensor<S, f32, Dv, T>;

    /// The head's raw outputs on the trunk
    /// `GELU(L2(GELU(L1(GELU(state(x) + table[index])))))` over rows `x`, where row `i`
    /// takes its time features from row `index[i]` of `table`.
    fn head_outputs<const D: usize, T: Tape<f32, Dv> + Merge<T>>(
        backbone: &Backbone<D, f32, Dv>,
        head: &GaussianHead<D, f32, Dv>,
        x: Rows<D, Dv, T>,
        table: Hidden<Dv, T>,
        index: &[usize],
    ) -> HeadOutput<D, Dv, T>;
}

/// The kernel network written with dfdx's operations, for any dfdx device.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Copy, Debug, Default)]
pub struct PlainDfdx;

// ANCHOR: plain_network
impl<Dv: Device<f32>> Evaluator<Dv> for PlainDfdx {
    fn gelu<S: Shape, T: Tape<f32, Dv>>(x: Tensor<S, f32, Dv, T>) -> Tensor<S, f32, Dv, T> {
        x.fast_gelu()
    }

    fn head_outputs<const D: usize, T: Tape<f32, Dv> + Merge<T>>(
        backbone: &Backbone<D, f32, Dv>,
        head: &GaussianHead<D, f32, Dv>,
        x: Rows<D, Dv, T>,
        table: Hidden<Dv, T>,
        index: &[usize],
    ) -> HeadOutput<D, Dv, T> {
        let dev = x.device().clone();
        let index = dev.tensor_from_vec(index.to_vec(), (index.len(),));
        let h = Self::gelu(backbone.state.forward(x) + table.gather(index));
        let h = Self::gelu(backbone.hidden1.forward(h));
        let h = Self::gelu(backbone.hidden2.forward(h));
        let log_var = head.log_var.forward(h.retaped::<T>());
        HeadOutput::new(head.mean.forward(h), log_var)
    }
}
// ANCHOR_END: plain_network

impl<const I: usize, const O: usize, Dv: Device<f32>> ZeroLinear<I, O, f32, Dv> {
    /// `x · weightᵀ + bias` on a batch of rows.
    pub fn forward<T: Tape<f32, Dv>>(
        &self,
        x: Tensor<(usize, Const<I>), f32, Dv, T>,
    ) -> Tensor<(usize, Const<O>), f32, Dv, T> {
        let n = x.shape().0;
        x.matmul(self.weight.retaped::<T>().permute())
            + self.bias.retaped::<T>().broadcast_like(&(n, Const::<O>))
    }
}
