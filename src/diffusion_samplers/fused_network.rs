//! The kernel network (time features → trunk → Gaussian head) as one fused tape
//! operation.
//!
//! Written with dfdx's generic operations, the trunk `time rows → +state(x) → GELU →
//! Linear → GELU → Linear → GELU` and the two head layers are some twenty tape nodes,
//! each allocating and copying a `rows × 64` buffer, plus a gather; for the small
//! matrices of a sampler (64 × 64 weights) that bookkeeping cost several times the
//! arithmetic. Here the forward pass is five matrix products on preallocated arrays,
//! and one backward step on the tape writes the gradients of the weights, the input
//! rows and the time table. The result is the same function with the same gradients
//! (tested against the unfused dfdx graph).
//!
//! The row-wise work (forward pass, and the backward chain down to the input rows) runs
//! on the two halves of the batch in parallel; the weight gradients, which sum over
//! all rows, are one product each over the whole batch. Every number is computed by the
//! same operations in the same order whether or not the rows are split, so results do
//! not depend on the thread count (tested bit for bit).

use super::activation::{gelu_from_tanh, gelu_slope, gelu_tanh};
use super::network::{Backbone, GaussianHead, HeadOutput, Hidden, Rows, WIDTH};
use super::Dev;
use crate::dfdx::prelude::*;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Axis};

/// Batches with fewer rows are not split: below this, waking a second thread costs
/// more than it saves.
const SPLIT_FROM_ROWS: usize = 128;

/// A layer `y = x · weightᵀ + bias` as arrays (`weight` is `(out, in)`).
struct Affine {
    weight: Array2<f32>,
    bias: Array1<f32>,
}

impl Affine {
    fn of<const I: usize, const O: usize>(parameters: Parameters<'_, I, O>) -> Self {
        Affine {
            weight: Array2::from_shape_vec((O, I), parameters.0.as_vec()).expect("weight shape"),
            bias: Array1::from_vec(parameters.1.as_vec()),
        }
    }

    /// `out += input · weightᵀ + bias` (each row gets the bias).
    fn add_to(&self, input: &ArrayView2<f32>, out: &mut ArrayViewMut2<f32>) {
        *out += &self.bias;
        general_mat_mul(1.0, input, &self.weight.t(), 1.0, out);
    }

    /// `out = input · weightᵀ + bias`.
    fn apply(&self, input: &ArrayView2<f32>, out: &mut ArrayViewMut2<f32>) {
        out.fill(0.0);
        self.add_to(input, out);
    }

    /// `out = beta · out + delta · weight`: (adds) the gradient at the layer's input.
    fn back(&self, delta: &ArrayView2<f32>, beta: f32, out: &mut ArrayViewMut2<f32>) {
        general_mat_mul(1.0, delta, &self.weight, beta, out);
    }
}

/// A layer's weight and bias tensors.
type Parameters<'a, const I: usize, const O: usize> = (
    &'a Tensor<Rank2<O, I>, f32, Dev>,
    &'a Tensor<Rank1<O>, f32, Dev>,
);

/// GELU in place over a standard-layout block; with `slope`, also its derivative at
/// each pre-activation (what the backward step multiplies by).
fn activate(values: &mut ArrayViewMut2<f32>, slope: Option<&mut ArrayViewMut2<f32>>) {
    let values = values.as_slice_mut().expect("standard layout");
    let slope = slope.map(|s| s.as_slice_mut().expect("standard layout"));
    gelu_slices(values, slope)
}

/// The GELU loop, compiled twice: for AVX2 (8 lanes, chosen at run time where the CPU
/// has it) and for the baseline x86-64 or other target. Both are the same IEEE
/// operations in the same order (no fused multiply-add), so results are bit-identical.
fn gelu_slices(values: &mut [f32], slope: Option<&mut [f32]>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU was just checked to support AVX2.
        unsafe { gelu_slices_avx2(values, slope) };
        return;
    }
    gelu_slices_portable(values, slope)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gelu_slices_avx2(values: &mut [f32], slope: Option<&mut [f32]>) {
    gelu_slices_portable(values, slope)
}

#[inline(always)]
fn gelu_slices_portable(values: &mut [f32], slope: Option<&mut [f32]>) {
    match slope {
        Some(slope) => {
            for (v, s) in values.iter_mut().zip(slope.iter_mut()) {
                let t = gelu_tanh(*v);
                *s = gelu_slope(*v, t);
                *v = gelu_from_tanh(*v, t);
            }
        }
        None => {
            for v in values.iter_mut() {
                *v = gelu_from_tanh(*v, gelu_tanh(*v));
            }
        }
    }
}

/// A block of rows that can be cut in two at a row.
trait RowBlock: Sized + Send {
    fn rows(&self) -> usize;
    fn split_at(self, row: usize) -> (Self, Self);
}

/// Runs `work` on the two halves of `block`, in parallel where rayon has a second
/// thread (a small block runs whole). Each row sees the same arithmetic either way.
fn for_row_halves<B: RowBlock>(block: B, split_from: usize, work: &(impl Fn(B) + Sync)) {
    let n = block.rows();
    if n < split_from {
        return work(block);
    }
    let (first, second) = block.split_at(n / 2);
    rayon::join(|| work(first), || work(second));
}

/// Cuts each view in two at a row.
fn split_views<'a, const K: usize>(
    views: [ArrayViewMut2<'a, f32>; K],
    row: usize,
) -> ([ArrayViewMut2<'a, f32>; K], [ArrayViewMut2<'a, f32>; K]) {
    let mut seconds = Vec::with_capacity(K);
    let firsts = views.map(|view| {
        let (first, second) = view.split_at(Axis(0), row);
        seconds.push(second);
        first
    });
    (
        firsts,
        seconds.try_into().expect("one second part per view"),
    )
}

/// The forward pass over some rows: inputs, the three trunk layers' outputs and GELU
/// slopes (slopes only when a backward step will need them), and the head's outputs.
struct ForwardRows<'a> {
    x: ArrayView2<'a, f32>,
    index: &'a [usize],
    hidden: [ArrayViewMut2<'a, f32>; 3],
    slopes: Option<[ArrayViewMut2<'a, f32>; 3]>,
    head: [ArrayViewMut2<'a, f32>; 2],
}

impl RowBlock for ForwardRows<'_> {
    fn rows(&self) -> usize {
        self.x.nrows()
    }
    fn split_at(self, row: usize) -> (Self, Self) {
        let (x1, x2) = self.x.split_at(Axis(0), row);
        let (i1, i2) = self.index.split_at(row);
        let (h1, h2) = split_views(self.hidden, row);
        let (s1, s2) = match self.slopes.map(|s| split_views(s, row)) {
            Some((s1, s2)) => (Some(s1), Some(s2)),
            None => (None, None),
        };
        let (o1, o2) = split_views(self.head, row);
        let first = ForwardRows {
            x: x1,
            index: i1,
            hidden: h1,
            slopes: s1,
            head: o1,
        };
        let second = ForwardRows {
            x: x2,
            index: i2,
            hidden: h2,
            slopes: s2,
            head: o2,
        };
        (first, second)
    }
}

/// The backward chain over some rows: the head's output gradients, and the gradient at
/// each trunk layer's pre-activation (`deltas[k]`) and at the input rows.
struct BackwardRows<'a> {
    head_grads: [ArrayView2<'a, f32>; 2],
    slopes: [ArrayView2<'a, f32>; 3],
    deltas: [ArrayViewMut2<'a, f32>; 3],
    x_grad: ArrayViewMut2<'a, f32>,
}

impl RowBlock for BackwardRows<'_> {
    fn rows(&self) -> usize {
        self.x_grad.nrows()
    }
    fn split_at(self, row: usize) -> (Self, Self) {
        let head_grads = self.head_grads.map(|g| g.split_at(Axis(0), row));
        let slopes = self.slopes.map(|s| s.split_at(Axis(0), row));
        let (d1, d2) = split_views(self.deltas, row);
        let (g1, g2) = self.x_grad.split_at(Axis(0), row);
        let first = BackwardRows {
            head_grads: head_grads.map(|g| g.0),
            slopes: slopes.map(|s| s.0),
            deltas: d1,
            x_grad: g1,
        };
        let second = BackwardRows {
            head_grads: head_grads.map(|g| g.1),
            slopes: slopes.map(|s| s.1),
            deltas: d2,
            x_grad: g2,
        };
        (first, second)
    }
}

/// The network's layers as arrays: state, hidden1, hidden2 of the trunk, then the
/// head's mean and log-variance layers.
struct Layers {
    trunk: [Affine; 3],
    head: [Affine; 2],
}

impl Layers {
    /// Forward over some rows: `h0 = GELU(table[index] + state(x))`, the two hidden
    /// layers, then the head; outputs (and slopes) are written into the block's views.
    fn forward(&self, table: &ArrayView2<f32>, block: ForwardRows) {
        let ForwardRows {
            x,
            index,
            hidden,
            slopes,
            head,
        } = block;
        let [mut h0, mut h1, mut h2] = hidden;
        let [mut s0, mut s1, mut s2] = match slopes {
            Some([a, b, c]) => [Some(a), Some(b), Some(c)],
            None => [None, None, None],
        };
        for (mut row, &k) in h0.rows_mut().into_iter().zip(index) {
            row.assign(&table.row(k));
        }
        self.trunk[0].add_to(&x, &mut h0);
        activate(&mut h0, s0.as_mut());
        self.trunk[1].apply(&h0.view(), &mut h1);
        activate(&mut h1, s1.as_mut());
        self.trunk[2].apply(&h1.view(), &mut h2);
        activate(&mut h2, s2.as_mut());
        let [mut mean, mut log_var] = head;
        self.head[0].apply(&h2.view(), &mut mean);
        self.head[1].apply(&h2.view(), &mut log_var);
    }

    /// Backward over some rows, from the head's output gradients down to the input
    /// rows: each delta is the incoming gradient times its layer's GELU slope.
    fn backward_rows(&self, block: BackwardRows) {
        let BackwardRows {
            head_grads,
            slopes,
            deltas,
            mut x_grad,
        } = block;
        let [mut delta0, mut delta1, mut delta2] = deltas;
        self.head[0].back(&head_grads[0], 0.0, &mut delta2);
        self.head[1].back(&head_grads[1], 1.0, &mut delta2);
        delta2 *= &slopes[2];
        self.trunk[2].back(&delta2.view(), 0.0, &mut delta1);
        delta1 *= &slopes[1];
        self.trunk[1].back(&delta1.view(), 0.0, &mut delta0);
        delta0 *= &slopes[0];
        self.trunk[0].back(&delta0.view(), 0.0, &mut x_grad);
    }
}

/// A layer's gradients, copied out of dfdx's store so that layers can be worked on in
/// parallel: `deltaᵀ · input` and the column sums of `delta` are added, then written back.
struct LayerGradients {
    weight: Array2<f32>,
    bias: Array1<f32>,
}

impl LayerGradients {
    fn take<const I: usize, const O: usize>(
        grads: &mut Gradients<f32, Dev>,
        (weight, bias): Parameters<'_, I, O>,
    ) -> Result<Self, CpuError> {
        let weight = grads.get_or_alloc_mut(weight)?.to_vec();
        let bias = grads.get_or_alloc_mut(bias)?.to_vec();
        Ok(LayerGradients {
            weight: Array2::from_shape_vec((O, I), weight).expect("weight gradient"),
            bias: Array1::from_vec(bias),
        })
    }

    fn add(&mut self, delta: &ArrayView2<f32>, input: &ArrayView2<f32>) {
        general_mat_mul(1.0, &delta.t(), input, 1.0, &mut self.weight);
        self.bias += &delta.sum_axis(Axis(0));
    }

    fn put<const I: usize, const O: usize>(
        self,
        grads: &mut Gradients<f32, Dev>,
        (weight, bias): Parameters<'_, I, O>,
    ) -> Result<(), CpuError> {
        grads
            .get_or_alloc_mut(weight)?
            .copy_from_slice(self.weight.as_slice().expect("standard layout"));
        grads
            .get_or_alloc_mut(bias)?
            .copy_from_slice(self.bias.as_slice().expect("standard layout"));
        Ok(())
    }
}

/// The network's parameter tensors, in [`Layers`] order.
struct NetworkParameters<'a, const D: usize> {
    state: Parameters<'a, D, WIDTH>,
    hidden1: Parameters<'a, WIDTH, WIDTH>,
    hidden2: Parameters<'a, WIDTH, WIDTH>,
    mean: Parameters<'a, WIDTH, D>,
    log_var: Parameters<'a, WIDTH, D>,
}

impl<'a, const D: usize> NetworkParameters<'a, D> {
    fn of(backbone: &'a Backbone<D, f32, Dev>, head: &'a GaussianHead<D, f32, Dev>) -> Self {
        NetworkParameters {
            state: (&backbone.state.weight, &backbone.state.bias),
            hidden1: (&backbone.hidden1.weight, &backbone.hidden1.bias),
            hidden2: (&backbone.hidden2.weight, &backbone.hidden2.bias),
            mean: (&head.mean.weight, &head.mean.bias),
            log_var: (&head.log_var.weight, &head.log_var.bias),
        }
    }

    fn layers(&self) -> Layers {
        Layers {
            trunk: [
                Affine::of(self.state),
                Affine::of(self.hidden1),
                Affine::of(self.hidden2),
            ],
            head: [Affine::of(self.mean), Affine::of(self.log_var)],
        }
    }
}

/// Rows of a tensor as an array.
fn array<const C: usize, T>(rows: &Tensor<(usize, Const<C>), f32, Dev, T>) -> Array2<f32> {
    Array2::from_shape_vec((rows.shape().0, C), rows.as_vec()).expect("row shape")
}

impl<const D: usize> Backbone<D, f32, Dev> {
    /// The head's raw outputs on the trunk
    /// `GELU(L2(GELU(L1(GELU(state(x) + table[index])))))` over rows `x`, where row `i`
    /// takes its time features from row `index[i]` of `table`.
    /// Introduced in chapter "Sampling without data".
    pub fn head_outputs<T: Tape<f32, Dev> + Merge<T>>(
        &self,
        head: &GaussianHead<D, f32, Dev>,
        x: Rows<D, T>,
        table: Hidden<T>,
        index: &[usize],
    ) -> HeadOutput<D, T> {
        self.head_outputs_split(head, x, table, index, SPLIT_FROM_ROWS)
    }

    /// [`head_outputs`](Self::head_outputs), splitting the rows in two from `split_from`.
    fn head_outputs_split<T: Tape<f32, Dev> + Merge<T>>(
        &self,
        head: &GaussianHead<D, f32, Dev>,
        x: Rows<D, T>,
        table: Hidden<T>,
        index: &[usize],
        split_from: usize,
    ) -> HeadOutput<D, T> {
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
        let block = move |columns: usize| Array2::<f32>::zeros((n, columns));
        let mut hidden = [block(WIDTH), block(WIDTH), block(WIDTH)];
        let mut slopes = [(); 3].map(|_| block(if taped { WIDTH } else { 0 }));
        let mut outputs = [block(D), block(D)];
        let rows_block = ForwardRows {
            x: rows.view(),
            index,
            hidden: hidden.each_mut().map(|a| a.view_mut()),
            slopes: taped.then(|| slopes.each_mut().map(|a| a.view_mut())),
            head: outputs.each_mut().map(|a| a.view_mut()),
        };
        for_row_halves(rows_block, split_from, &|b| {
            layers.forward(&table_rows.view(), b)
        });

        let dev = x.device().clone();
        let [mean, log_var] = outputs.map(|a| {
            let (values, _) = a.into_raw_vec_and_offset();
            dev.tensor_from_vec(values, (n, Const::<D>))
        });
        if taped {
            let ids = (mean.clone(), log_var.clone());
            let (backbone, head) = (self.clone(), head.clone());
            let index = index.to_vec();
            tape.add_backward_op(move |grads| {
                let parameters = NetworkParameters::of(&backbone, &head);
                let head_grads = [
                    Array2::from_shape_vec((n, D), grads.get_or_alloc_mut(&ids.0)?.to_vec()),
                    Array2::from_shape_vec((n, D), grads.get_or_alloc_mut(&ids.1)?.to_vec()),
                ]
                .map(|g| g.expect("head gradient shape"));
                let mut deltas = [block(WIDTH), block(WIDTH), block(WIDTH)];
                let mut x_grad = block(D);
                let rows_block = BackwardRows {
                    head_grads: head_grads.each_ref().map(|g| g.view()),
                    slopes: slopes.each_ref().map(|s| s.view()),
                    deltas: deltas.each_mut().map(|d| d.view_mut()),
                    x_grad: x_grad.view_mut(),
                };
                for_row_halves(rows_block, split_from, &|b| layers.backward_rows(b));

                // Weight gradients sum over all rows: one product per layer, the layers
                // shared out between two threads.
                let mut first = [
                    LayerGradients::take(grads, parameters.hidden2)?,
                    LayerGradients::take(grads, parameters.mean)?,
                    LayerGradients::take(grads, parameters.log_var)?,
                ];
                let mut second = [
                    LayerGradients::take(grads, parameters.hidden1)?,
                    LayerGradients::take(grads, parameters.state)?,
                ];
                let [delta0, delta1, delta2] = &deltas;
                let [h0, h1, h2] = &hidden;
                rayon::join(
                    || {
                        first[0].add(&delta2.view(), &h1.view());
                        first[1].add(&head_grads[0].view(), &h2.view());
                        first[2].add(&head_grads[1].view(), &h2.view());
                    },
                    || {
                        second[0].add(&delta1.view(), &h0.view());
                        second[1].add(&delta0.view(), &rows.view());
                    },
                );
                let [hidden2, mean, log_var] = first;
                let [hidden1, state] = second;
                hidden2.put(grads, parameters.hidden2)?;
                mean.put(grads, parameters.mean)?;
                log_var.put(grads, parameters.log_var)?;
                hidden1.put(grads, parameters.hidden1)?;
                state.put(grads, parameters.state)?;

                let x_in = grads.get_or_alloc_mut(&x)?;
                for (g, d) in x_in.iter_mut().zip(x_grad.iter()) {
                    *g += d;
                }
                let table_grad = grads.get_or_alloc_mut(&table)?;
                let mut table_grad = ArrayViewMut2::from_shape((times, WIDTH), &mut table_grad[..])
                    .expect("table gradient");
                for (row, &k) in delta0.rows().into_iter().zip(&index) {
                    let mut target = table_grad.row_mut(k);
                    target += &row;
                }
                Ok(())
            });
        }
        // The mean carries the tape; the backward step reads both outputs' gradients,
        // and runs after every use of either (tapes execute newest operation first).
        HeadOutput {
            mean: mean.put_tape(tape),
            log_var: log_var.retaped(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion_samplers::activation::gelu;

    /// A 2-D network with random (not zero) head weights, and its inputs.
    struct Case {
        backbone: Backbone<2, f32, Dev>,
        head: GaussianHead<2, f32, Dev>,
        x: Rows<2, NoneTape>,
        table: Hidden<NoneTape>,
        index: Vec<usize>,
        weights: [Rows<2, NoneTape>; 2],
    }

    fn case(rows: usize) -> Case {
        let dev: Dev = Dev::seed_from_u64(3);
        let mut head = GaussianHead::<2, f32, Dev>::build(&dev);
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

    /// The same network written with dfdx's generic operations.
    fn unfused<T: Tape<f32, Dev> + Merge<T>>(
        c: &Case,
        x: Rows<2, T>,
        table: Hidden<T>,
    ) -> HeadOutput<2, T> {
        let dev = x.device().clone();
        let index = dev.tensor_from_vec(c.index.clone(), (c.index.len(),));
        let h = gelu(c.backbone.state.forward(x) + table.gather(index));
        let h = gelu(c.backbone.hidden1.forward(h));
        let h = gelu(c.backbone.hidden2.forward(h));
        let n = h.shape().0;
        let layer = |h: Hidden<T>,
                     w: &Tensor<Rank2<2, WIDTH>, f32, Dev>,
                     b: &Tensor<Rank1<2>, f32, Dev>| {
            h.matmul(w.retaped::<T>().permute()) + b.retaped::<T>().broadcast_like(&(n, Const::<2>))
        };
        HeadOutput {
            mean: layer(h.retaped(), &c.head.mean.weight, &c.head.mean.bias),
            log_var: layer(h, &c.head.log_var.weight, &c.head.log_var.bias),
        }
    }

    /// Output values, then the gradients of `Σ w₀·mean + Σ w₁·log_var` with respect to
    /// the rows, the table and every parameter.
    fn values_and_gradients(
        c: &Case,
        run: impl Fn(
            Rows<2, OwnedTape<f32, Dev>>,
            Hidden<OwnedTape<f32, Dev>>,
        ) -> HeadOutput<2, OwnedTape<f32, Dev>>,
    ) -> Vec<Vec<f32>> {
        let out = run(c.x.leaky_trace(), c.table.leaky_trace());
        let mut all = vec![out.mean.as_vec(), out.log_var.as_vec()];
        let loss =
            (out.mean * c.weights[0].clone()).sum() + (out.log_var * c.weights[1].clone()).sum();
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
    fn the_vectorised_gelu_loop_is_bit_identical_to_the_portable_one() {
        let pre: Vec<f32> = (-3000..3000).map(|i| i as f32 / 311.0).collect();
        let run = |gelu: fn(&mut [f32], Option<&mut [f32]>)| {
            let (mut values, mut slope) = (pre.clone(), vec![0.0; pre.len()]);
            gelu(&mut values, Some(&mut slope));
            let mut untaped = pre.clone();
            gelu(&mut untaped, None);
            assert_eq!(untaped, values, "the slope does not change the values");
            (values, slope)
        };
        assert_eq!(run(gelu_slices), run(gelu_slices_portable));
    }

    #[test]
    fn splitting_the_rows_changes_no_bit_of_values_or_gradients() {
        let c = case(9);
        let with = |split_from: usize| {
            values_and_gradients(&c, |x, table| {
                c.backbone
                    .head_outputs_split(&c.head, x, table, &c.index, split_from)
            })
        };
        assert_eq!(with(usize::MAX), with(2));
    }

    #[test]
    fn fused_network_equals_the_unfused_graph_with_gradients() {
        let c = case(7);
        let fused = values_and_gradients(&c, |x, table| {
            c.backbone.head_outputs(&c.head, x, table, &c.index)
        });
        let plain = values_and_gradients(&c, |x, table| unfused(&c, x, table));
        assert_eq!(fused.len(), plain.len());
        for (k, (a, b)) in fused.iter().zip(&plain).enumerate() {
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
