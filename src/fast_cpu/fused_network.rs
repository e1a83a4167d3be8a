//! The kernel network (time features → trunk → Gaussian head) as one fused tape
//! operation.
//!
//! Written with dfdx's generic operations, the trunk `time rows → +state(x) → GELU →
//! Linear → GELU → Linear → GELU` and the two head layers are some twenty tape nodes,
//! each allocating and copying a `rows × 64` buffer, plus a gather; for the small
//! matrices of a sampler (64 × 64 weights) that bookkeeping cost several times the
//! arithmetic. Here the forward pass is five matrix products on plain arrays,
//! and one backward step on the tape writes the gradients of the weights, the input
//! rows and the time table. The result is the same function with the same gradients
//! (tested against the unfused dfdx graph).
//!
//! A large batch is split into two halves that run their whole forward and backward
//! passes in parallel (each half's weight gradients are summed at the end). The split
//! depends on the number of rows only, so results do not depend on the thread count
//! (tested bit for bit).

use super::activation::{gelu, gelu_in_place};
use super::partner;
use crate::dfdx::prelude::*;
use crate::sampling_without_data::network::{
    Backbone, Evaluator, GaussianHead, HeadOutput, Hidden, Rows, WIDTH,
};
use crate::sampling_without_data::train::SamplerDevice;
use crate::sampling_without_data::values::values;
use ndarray::linalg::general_mat_mul;
use ndarray::{concatenate, s, Array1, Array2, ArrayView2, Axis};
use std::ops::Range;

/// Batches with fewer rows are not split: below this, handing half of the rows to a
/// second thread costs more than it saves.
const SPLIT_FROM_ROWS: usize = 128;

/// A layer `y = x · weightᵀ + bias` as arrays (`weight` is `(out, in)`).
struct Affine {
    weight: Array2<f32>,
    bias: Array1<f32>,
}

impl Affine {
    fn of<const I: usize, const O: usize>(parameters: Parameters<'_, I, O>) -> Self {
        Affine {
            weight: Array2::from_shape_vec((O, I), values(parameters.0)).expect("weight shape"),
            bias: Array1::from_vec(values(parameters.1)),
        }
    }

    /// `input · weightᵀ + bias`.
    fn apply(&self, input: &Array2<f32>) -> Array2<f32> {
        let shape = (input.nrows(), self.bias.len());
        let mut out = self.bias.broadcast(shape).expect("bias rows").to_owned();
        general_mat_mul(1.0, input, &self.weight.t(), 1.0, &mut out);
        out
    }
}

/// A layer's weight and bias tensors.
type Parameters<'a, const I: usize, const O: usize> = (
    &'a Tensor<Rank2<O, I>, f32, Cpu>,
    &'a Tensor<Rank1<O>, f32, Cpu>,
);

/// [`gelu_in_place`] over a standard-layout block; with `with_slope`, also returns its
/// derivative at each pre-activation (what the backward step multiplies by), else an
/// empty array.
fn activate(values: &mut Array2<f32>, with_slope: bool) -> Array2<f32> {
    let shape = (if with_slope { values.nrows() } else { 0 }, values.ncols());
    let slope = gelu_in_place(values.as_slice_mut().expect("standard layout"), with_slope);
    Array2::from_shape_vec(shape, slope).expect("slope shape")
}

/// The row ranges a batch of `n` rows is worked on in: two halves, or the whole batch
/// when it is small. They depend on `n` only, never on the thread count, so results do
/// not either.
#[allow(clippy::single_range_in_vec_init)] // one block, the whole batch, is meant
fn row_blocks(n: usize, split_from: usize) -> Vec<Range<usize>> {
    if n < split_from {
        vec![0..n]
    } else {
        vec![0..n / 2, n / 2..n]
    }
}

/// `work` on each of (at most two) inputs, the second on this thread's partner (see
/// [`crate::partner`]); results in input order.
fn in_parallel<I: Send, R: Send>(inputs: Vec<I>, work: &(impl Fn(I) -> R + Sync)) -> Vec<R> {
    assert!(inputs.len() <= 2, "at most two blocks");
    let mut inputs = inputs.into_iter();
    match (inputs.next(), inputs.next()) {
        (Some(first), Some(second)) => {
            let (first, second) = partner::join(|| work(first), || work(second));
            vec![first, second]
        }
        (first, _) => first.into_iter().map(work).collect(),
    }
}

/// What the forward pass over a block of rows keeps for its backward pass.
struct BlockPass {
    x: Array2<f32>,
    index: Vec<usize>,
    hidden: [Array2<f32>; 3],
    /// GELU's slope at each trunk layer (empty when no backward pass will run).
    slopes: [Array2<f32>; 3],
}

/// One block's share of the gradients: each layer's weight and bias gradient summed
/// over the block's rows (in [`Layers`] order), and the gradients of its input rows and
/// of the time table.
struct BlockGradients {
    layers: [(Array2<f32>, Array1<f32>); 4],
    x: Array2<f32>,
    table: Array2<f32>,
}

/// The network's layers as arrays: state, hidden1, hidden2 of the trunk, then the
/// head, whose `2D` outputs are the mean's `D` and the log-variance's `D` side by side.
struct Layers {
    trunk: [Affine; 3],
    head: Affine,
}

/// `deltaᵀ · input` and the column sums of `delta`: a layer's weight and bias gradient.
fn weight_gradient(delta: &Array2<f32>, input: &Array2<f32>) -> (Array2<f32>, Array1<f32>) {
    (delta.t().dot(input), delta.sum_axis(Axis(0)))
}

impl Layers {
    /// Forward over one block: `h0 = GELU(table[index] + state(x))`, the two hidden
    /// layers, then the head's outputs.
    fn forward(
        &self,
        table: &ArrayView2<f32>,
        x: Array2<f32>,
        index: Vec<usize>,
        taped: bool,
    ) -> (BlockPass, Array2<f32>) {
        let state = &self.trunk[0];
        let mut h0 = state
            .bias
            .broadcast((x.nrows(), WIDTH))
            .expect("bias rows")
            .to_owned();
        for (mut row, &k) in h0.rows_mut().into_iter().zip(&index) {
            row += &table.row(k);
        }
        general_mat_mul(1.0, &x, &state.weight.t(), 1.0, &mut h0);
        let slope0 = activate(&mut h0, taped);
        let mut h1 = self.trunk[1].apply(&h0);
        let slope1 = activate(&mut h1, taped);
        let mut h2 = self.trunk[2].apply(&h1);
        let slope2 = activate(&mut h2, taped);
        let outputs = self.head.apply(&h2);
        let pass = BlockPass {
            x,
            index,
            hidden: [h0, h1, h2],
            slopes: [slope0, slope1, slope2],
        };
        (pass, outputs)
    }

    /// Backward over one block, from the head's output gradients down to the input
    /// rows and the time table; the slopes become the layers' deltas in place.
    fn backward(&self, pass: BlockPass, head_grad: Array2<f32>, times: usize) -> BlockGradients {
        let BlockPass {
            x,
            index,
            hidden: [h0, h1, h2],
            slopes: [mut delta0, mut delta1, mut delta2],
        } = pass;
        let mut incoming = head_grad.dot(&self.head.weight);
        delta2 *= &incoming;
        general_mat_mul(1.0, &delta2, &self.trunk[2].weight, 0.0, &mut incoming);
        delta1 *= &incoming;
        general_mat_mul(1.0, &delta1, &self.trunk[1].weight, 0.0, &mut incoming);
        delta0 *= &incoming;
        let mut table = Array2::zeros((times, WIDTH));
        for (row, &k) in delta0.rows().into_iter().zip(&index) {
            let mut target = table.row_mut(k);
            target += &row;
        }
        BlockGradients {
            layers: [
                weight_gradient(&delta0, &x),
                weight_gradient(&delta1, &h0),
                weight_gradient(&delta2, &h1),
                weight_gradient(&head_grad, &h2),
            ],
            x: delta0.dot(&self.trunk[0].weight),
            table,
        }
    }
}

/// Adds `values` to a gradient buffer.
fn accumulate(buffer: &mut [f32], values: &[f32]) {
    for (g, v) in buffer.iter_mut().zip(values) {
        *g += v;
    }
}

/// The network's parameter tensors.
struct NetworkParameters<'a, const D: usize> {
    state: Parameters<'a, D, WIDTH>,
    hidden1: Parameters<'a, WIDTH, WIDTH>,
    hidden2: Parameters<'a, WIDTH, WIDTH>,
    mean: Parameters<'a, WIDTH, D>,
    log_var: Parameters<'a, WIDTH, D>,
}

impl<'a, const D: usize> NetworkParameters<'a, D> {
    fn of(backbone: &'a Backbone<D, f32, Cpu>, head: &'a GaussianHead<D, f32, Cpu>) -> Self {
        NetworkParameters {
            state: (&backbone.state.weight, &backbone.state.bias),
            hidden1: (&backbone.hidden1.weight, &backbone.hidden1.bias),
            hidden2: (&backbone.hidden2.weight, &backbone.hidden2.bias),
            mean: (&head.mean.weight, &head.mean.bias),
            log_var: (&head.log_var.weight, &head.log_var.bias),
        }
    }

    fn layers(&self) -> Layers {
        let (mean, log_var) = (Affine::of(self.mean), Affine::of(self.log_var));
        Layers {
            trunk: [
                Affine::of(self.state),
                Affine::of(self.hidden1),
                Affine::of(self.hidden2),
            ],
            head: Affine {
                weight: concatenate![Axis(0), mean.weight, log_var.weight],
                bias: concatenate![Axis(0), mean.bias, log_var.bias],
            },
        }
    }

    /// Adds the blocks' weight and bias gradients to dfdx's gradient store.
    fn add_gradients(
        &self,
        grads: &mut Gradients<f32, Cpu>,
        blocks: &[BlockGradients],
    ) -> Result<(), CpuError> {
        for block in blocks {
            let [state, hidden1, hidden2, (head_weight, head_bias)] = &block.layers;
            add_layer(grads, self.state, state)?;
            add_layer(grads, self.hidden1, hidden1)?;
            add_layer(grads, self.hidden2, hidden2)?;
            let half = |k: usize| {
                let rows = k * D..(k + 1) * D;
                (
                    head_weight.slice(s![rows.clone(), ..]).to_owned(),
                    head_bias.slice(s![rows]).to_owned(),
                )
            };
            add_layer(grads, self.mean, &half(0))?;
            add_layer(grads, self.log_var, &half(1))?;
        }
        Ok(())
    }
}

fn add_layer<const I: usize, const O: usize>(
    grads: &mut Gradients<f32, Cpu>,
    (weight, bias): Parameters<'_, I, O>,
    (weight_grad, bias_grad): &(Array2<f32>, Array1<f32>),
) -> Result<(), CpuError> {
    accumulate(
        grads.get_or_alloc_mut(weight)?,
        weight_grad.as_slice().expect("standard layout"),
    );
    accumulate(
        grads.get_or_alloc_mut(bias)?,
        bias_grad.as_slice().expect("standard layout"),
    );
    Ok(())
}

/// Rows of a tensor as an array.
fn array<const C: usize, T>(rows: &Tensor<(usize, Const<C>), f32, Cpu, T>) -> Array2<f32> {
    Array2::from_shape_vec((rows.shape().0, C), values(rows)).expect("row shape")
}

/// The kernel network of chapter "Sampling without data", fused for the CPU.
#[derive(Clone, Copy, Debug, Default)]
pub struct FusedCpu;

/// On the CPU a trainer evaluates its networks with [`FusedCpu`] unless told otherwise.
impl SamplerDevice for Cpu {
    type Evaluator = FusedCpu;
}

impl Evaluator<Cpu> for FusedCpu {
    fn gelu<S: Shape, T: Tape<f32, Cpu>>(x: Tensor<S, f32, Cpu, T>) -> Tensor<S, f32, Cpu, T> {
        gelu(x)
    }

    fn head_outputs<const D: usize, T: Tape<f32, Cpu> + Merge<T>>(
        backbone: &Backbone<D, f32, Cpu>,
        head: &GaussianHead<D, f32, Cpu>,
        x: Rows<D, Cpu, T>,
        table: Hidden<Cpu, T>,
        index: &[usize],
    ) -> HeadOutput<D, Cpu, T> {
        backbone.head_outputs_split(head, x, table, index, SPLIT_FROM_ROWS)
    }
}

impl<const D: usize> Backbone<D, f32, Cpu> {
    /// [`FusedCpu::head_outputs`], splitting the rows in two from `split_from`.
    fn head_outputs_split<T: Tape<f32, Cpu> + Merge<T>>(
        &self,
        head: &GaussianHead<D, f32, Cpu>,
        x: Rows<D, Cpu, T>,
        table: Hidden<Cpu, T>,
        index: &[usize],
        split_from: usize,
    ) -> HeadOutput<D, Cpu, T> {
        let (x, x_tape) = x.split_tape();
        let (table, table_tape) = table.split_tape();
        let mut tape = x_tape.merge(table_tape);
        let n = x.shape().0;
        assert_eq!(index.len(), n, "one time index per row");
        let rows = array(&x);
        let table_rows = array(&table);
        let times = table_rows.nrows();
        // Parameters are read once per call (they change between steps, not within).
        let layers = NetworkParameters::of(self, head).layers();
        let taped = T::OWNS_TAPE;

        let blocks = row_blocks(n, split_from);
        let forward = in_parallel(blocks.clone(), &|range: Range<usize>| {
            let x = rows.slice(s![range.clone(), ..]).to_owned();
            layers.forward(&table_rows.view(), x, index[range].to_vec(), taped)
        });
        let (passes, outputs): (Vec<BlockPass>, Vec<Array2<f32>>) = forward.into_iter().unzip();
        // Each output row holds the mean's D values, then the log-variance's.
        let dev = x.device().clone();
        let [mean, log_var] = [0, 1].map(|k| {
            let mut values = Vec::with_capacity(n * D);
            for block in &outputs {
                for row in block.rows() {
                    values.extend(row.slice(s![k * D..(k + 1) * D]));
                }
            }
            dev.tensor_from_vec(values, (n, Const::<D>))
        });
        if taped {
            let ids = (mean.clone(), log_var.clone());
            let (backbone, head) = (self.clone(), head.clone());
            tape.add_backward_op(move |grads| {
                let mut head_grad = Array2::zeros((n, 2 * D));
                for (k, id) in [&ids.0, &ids.1].into_iter().enumerate() {
                    let grad = grads.get_or_alloc_mut(id)?;
                    let grad = ArrayView2::from_shape((n, D), &grad[..]).expect("gradient shape");
                    head_grad
                        .slice_mut(s![.., k * D..(k + 1) * D])
                        .assign(&grad);
                }
                let work: Vec<_> = passes.into_iter().zip(blocks).collect();
                let gradients = in_parallel(work, &|(pass, range): (BlockPass, Range<usize>)| {
                    let head_grad = head_grad.slice(s![range, ..]).to_owned();
                    layers.backward(pass, head_grad, times)
                });
                NetworkParameters::of(&backbone, &head).add_gradients(grads, &gradients)?;
                let x_grad = grads.get_or_alloc_mut(&x)?;
                let mut offset = 0;
                for block in &gradients {
                    let block_grad = block.x.as_slice().expect("standard layout");
                    accumulate(&mut x_grad[offset..offset + block_grad.len()], block_grad);
                    offset += block_grad.len();
                }
                let table_grad = grads.get_or_alloc_mut(&table)?;
                for block in &gradients {
                    accumulate(table_grad, block.table.as_slice().expect("standard layout"));
                }
                Ok(())
            });
        }
        // One backward step reads both outputs' gradients; it runs after every use of
        // either (tapes execute newest operation first), whichever output carries it.
        HeadOutput::new(mean.put_tape(tape), log_var.put_tape(T::default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling_without_data::network::PlainDfdx;

    /// A 2-D network with random (not zero) head weights, and its inputs.
    struct Case {
        backbone: Backbone<2, f32, Cpu>,
        head: GaussianHead<2, f32, Cpu>,
        x: Rows<2, Cpu, NoneTape>,
        table: Hidden<Cpu, NoneTape>,
        index: Vec<usize>,
        weights: [Rows<2, Cpu, NoneTape>; 2],
    }

    fn case(rows: usize) -> Case {
        let dev: Cpu = Cpu::seed_from_u64(3);
        let mut head = GaussianHead::<2, f32, Cpu>::build(&dev);
        for layer in [&mut head.mean, &mut head.log_var] {
            layer.weight = dev.sample_normal();
            layer.bias = dev.sample_normal();
        }
        Case {
            backbone: Backbone::build(&dev),
            head,
            x: dev.sample_normal_like(&(rows, Const)),
            table: dev.sample_normal_like(&(3, Const)),
            index: (0..rows).map(|i| (i * 7 + 1) % 3).collect(),
            weights: [(); 2].map(|_| dev.sample_normal_like(&(rows, Const))),
        }
    }

    /// Output values, then the gradients of `Σ w₀·mean + Σ w₁·log_var` with respect to
    /// the rows, the table and every parameter.
    fn values_and_gradients(
        c: &Case,
        run: impl Fn(
            Rows<2, Cpu, OwnedTape<f32, Cpu>>,
            Hidden<Cpu, OwnedTape<f32, Cpu>>,
        ) -> HeadOutput<2, Cpu, OwnedTape<f32, Cpu>>,
    ) -> Vec<Vec<f32>> {
        let out = run(c.x.leaky_trace(), c.table.leaky_trace());
        let (mean, log_var) = out.into_both();
        let mut all = vec![mean.as_vec(), log_var.as_vec()];
        let loss = (mean * c.weights[0].clone()).sum() + (log_var * c.weights[1].clone()).sum();
        let grads = loss.backward();
        all.push(grads.get(&c.x).as_vec());
        all.push(grads.get(&c.table).as_vec());
        let b = &c.backbone;
        for (w, bias) in [
            (&b.hidden1.weight, &b.hidden1.bias),
            (&b.hidden2.weight, &b.hidden2.bias),
        ] {
            all.push(grads.get(w).as_vec());
            all.push(grads.get(bias).as_vec());
        }
        all.push(grads.get(&b.state.weight).as_vec());
        all.push(grads.get(&b.state.bias).as_vec());
        for layer in [&c.head.mean, &c.head.log_var] {
            all.push(grads.get(&layer.weight).as_vec());
            all.push(grads.get(&layer.bias).as_vec());
        }
        all
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let c = case(9);
        let with_threads = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                values_and_gradients(&c, |x, table| {
                    c.backbone
                        .head_outputs_split(&c.head, x, table, &c.index, 2)
                })
            })
        };
        assert_eq!(with_threads(1), with_threads(2));
    }

    #[test]
    fn splitting_the_rows_keeps_values_and_gradients() {
        let c = case(9);
        let with = |split_from: usize| {
            values_and_gradients(&c, |x, table| {
                c.backbone
                    .head_outputs_split(&c.head, x, table, &c.index, split_from)
            })
        };
        let (whole, halves) = (with(usize::MAX), with(2));
        assert_eq!(
            whole[..3],
            halves[..3],
            "outputs and row gradients are row by row"
        );
        assert_close(&whole, &halves);
    }

    #[test]
    fn fused_network_equals_the_plain_dfdx_network_with_gradients() {
        let c = case(7);
        let fused = values_and_gradients(&c, |x, table| {
            FusedCpu::head_outputs(&c.backbone, &c.head, x, table, &c.index)
        });
        let plain = values_and_gradients(&c, |x, table| {
            PlainDfdx::head_outputs(&c.backbone, &c.head, x, table, &c.index)
        });
        assert_close(&fused, &plain);
    }

    fn assert_close(ours: &[Vec<f32>], reference: &[Vec<f32>]) {
        assert_eq!(ours.len(), reference.len());
        for (k, (a, b)) in ours.iter().zip(reference).enumerate() {
            assert_eq!(a.len(), b.len());
            for (a, b) in a.iter().zip(b) {
                assert!(
                    (a - b).abs() < 1e-4 * (1.0 + b.abs()),
                    "quantity {k}: {a} vs {b}"
                );
            }
        }
    }
}
