//! The backbone's trunk as one fused tape operation.
//!
//! Written with dfdx's generic operations, the trunk `time rows → +state(x) → GELU →
//! Linear → GELU → Linear → GELU` is about fifteen tape nodes, each allocating and
//! copying a `rows × 64` buffer, plus a gather; for the small matrices of a sampler
//! (64 × 64 weights) that bookkeeping cost several times the arithmetic. Here the
//! forward pass is three matrix products on preallocated arrays, and one backward step
//! on the tape writes the gradients of the weights, the input rows and the time table.
//! The result is the same function with the same gradients (tested against the
//! unfused dfdx graph).
//!
//! The row-wise work (forward pass, and the backward chain down to the input rows) runs
//! on the two halves of the batch in parallel; the weight gradients, which sum over
//! all rows, are one product each over the whole batch. Every number is computed by the
//! same operations in the same order whether or not the rows are split, so results do
//! not depend on the thread count (tested bit for bit).

use super::activation::{gelu_from_tanh, gelu_slope, gelu_tanh};
use super::network::{Backbone, Hidden, Rows, WIDTH};
use super::Dev;
use crate::dfdx::nn::modules::Linear;
use crate::dfdx::prelude::*;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Axis};

/// Batches with fewer rows are not split: below this, waking a second thread costs
/// more than it saves.
const SPLIT_FROM_ROWS: usize = 128;

/// A dfdx linear layer's parameters as arrays: `weight` is `(out, in)`.
struct Affine {
    weight: Array2<f32>,
    bias: Array1<f32>,
}

impl Affine {
    fn of<const I: usize, const O: usize>(layer: &Linear<I, O, f32, Dev>) -> Self {
        Affine {
            weight: Array2::from_shape_vec((O, I), layer.weight.as_vec()).expect("weight shape"),
            bias: Array1::from_vec(layer.bias.as_vec()),
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

    /// `out = delta · weight`: the gradient at the layer's input.
    fn back(&self, delta: &ArrayView2<f32>, out: &mut ArrayViewMut2<f32>) {
        general_mat_mul(1.0, delta, &self.weight, 0.0, out);
    }
}

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

/// The forward pass over some rows: inputs, and the layers' outputs and GELU slopes.
struct ForwardRows<'a> {
    x: ArrayView2<'a, f32>,
    index: &'a [usize],
    outputs: [ArrayViewMut2<'a, f32>; 3],
    slopes: Option<[ArrayViewMut2<'a, f32>; 3]>,
}

/// The backward chain over some rows: the gradient at each layer's pre-activation
/// (`deltas[k]`, entering as the output gradient in `deltas[2]`) and at the input rows.
struct BackwardRows<'a> {
    slopes: [ArrayView2<'a, f32>; 3],
    deltas: [ArrayViewMut2<'a, f32>; 3],
    x_grad: ArrayViewMut2<'a, f32>,
}

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

impl RowBlock for ForwardRows<'_> {
    fn rows(&self) -> usize {
        self.x.nrows()
    }
    fn split_at(self, row: usize) -> (Self, Self) {
        let (x1, x2) = self.x.split_at(Axis(0), row);
        let (i1, i2) = self.index.split_at(row);
        let (o1, o2) = split_views(self.outputs, row);
        let (s1, s2) = match self.slopes {
            Some(s) => {
                let (s1, s2) = split_views(s, row);
                (Some(s1), Some(s2))
            }
            None => (None, None),
        };
        (
            ForwardRows {
                x: x1,
                index: i1,
                outputs: o1,
                slopes: s1,
            },
            ForwardRows {
                x: x2,
                index: i2,
                outputs: o2,
                slopes: s2,
            },
        )
    }
}

impl RowBlock for BackwardRows<'_> {
    fn rows(&self) -> usize {
        self.x_grad.nrows()
    }
    fn split_at(self, row: usize) -> (Self, Self) {
        let slopes = self.slopes.map(|s| s.split_at(Axis(0), row));
        let (d1, d2) = split_views(self.deltas, row);
        let (g1, g2) = self.x_grad.split_at(Axis(0), row);
        (
            BackwardRows {
                slopes: slopes.map(|s| s.0),
                deltas: d1,
                x_grad: g1,
            },
            BackwardRows {
                slopes: slopes.map(|s| s.1),
                deltas: d2,
                x_grad: g2,
            },
        )
    }
}

/// The trunk's three layers as arrays.
struct Layers([Affine; 3]);

impl Layers {
    /// Forward over some rows: `out0 = GELU(table[index] + state(x))`, then the two
    /// hidden layers, each output (and slope) written into the block's views.
    fn forward(&self, table: &ArrayView2<f32>, block: ForwardRows) {
        let ForwardRows {
            x,
            index,
            outputs,
            slopes,
        } = block;
        let [mut out0, mut out1, mut out2] = outputs;
        let [mut s0, mut s1, mut s2] = match slopes {
            Some([a, b, c]) => [Some(a), Some(b), Some(c)],
            None => [None, None, None],
        };
        for (mut row, &k) in out0.rows_mut().into_iter().zip(index) {
            row.assign(&table.row(k));
        }
        self.0[0].add_to(&x, &mut out0);
        activate(&mut out0, s0.as_mut());
        self.0[1].apply(&out0.view(), &mut out1);
        activate(&mut out1, s1.as_mut());
        self.0[2].apply(&out1.view(), &mut out2);
        activate(&mut out2, s2.as_mut());
    }

    /// Backward over some rows, from the output gradient in `deltas[2]` down to the
    /// input rows: each delta is the incoming gradient times its layer's GELU slope.
    fn backward_rows(&self, block: BackwardRows) {
        let BackwardRows {
            slopes,
            deltas,
            mut x_grad,
        } = block;
        let [mut delta0, mut delta1, mut delta2] = deltas;
        delta2 *= &slopes[2];
        self.0[2].back(&delta2.view(), &mut delta1);
        delta1 *= &slopes[1];
        self.0[1].back(&delta1.view(), &mut delta0);
        delta0 *= &slopes[0];
        self.0[0].back(&delta0.view(), &mut x_grad);
    }
}

/// Adds `deltaᵀ · input` and the column sums of `delta` to a layer's gradients (in
/// `weight_grad`, `bias_grad`, copies of the stored ones so layers can run in parallel).
fn weight_gradients(
    delta: &ArrayView2<f32>,
    input: &ArrayView2<f32>,
    weight_grad: &mut Array2<f32>,
    bias_grad: &mut Array1<f32>,
) {
    general_mat_mul(1.0, &delta.t(), input, 1.0, weight_grad);
    *bias_grad += &delta.sum_axis(Axis(0));
}

/// A layer's stored gradients, copied out as arrays.
fn take_gradients<const I: usize, const O: usize>(
    grads: &mut Gradients<f32, Dev>,
    layer: &Linear<I, O, f32, Dev>,
) -> Result<(Array2<f32>, Array1<f32>), CpuError> {
    let weight = grads.get_or_alloc_mut(&layer.weight)?.to_vec();
    let bias = grads.get_or_alloc_mut(&layer.bias)?.to_vec();
    Ok((
        Array2::from_shape_vec((O, I), weight).expect("weight gradient"),
        Array1::from_vec(bias),
    ))
}

/// Writes a layer's updated gradients back.
fn put_gradients<const I: usize, const O: usize>(
    grads: &mut Gradients<f32, Dev>,
    layer: &Linear<I, O, f32, Dev>,
    (weight, bias): (Array2<f32>, Array1<f32>),
) -> Result<(), CpuError> {
    grads
        .get_or_alloc_mut(&layer.weight)?
        .copy_from_slice(weight.as_slice().expect("standard layout"));
    grads
        .get_or_alloc_mut(&layer.bias)?
        .copy_from_slice(bias.as_slice().expect("standard layout"));
    Ok(())
}

impl<const D: usize> Backbone<D, f32, Dev> {
    /// The trunk `GELU(L2(GELU(L1(GELU(state(x) + table[index])))))` over rows `x`, where
    /// row `i` takes its time features from row `index[i]` of `table`.
    /// Introduced in chapter "Sampling without data".
    pub fn trunk<T: Tape<f32, Dev> + Merge<T>>(
        &self,
        x: Rows<D, T>,
        table: Hidden<T>,
        index: &[usize],
    ) -> Hidden<T> {
        self.trunk_split(x, table, index, SPLIT_FROM_ROWS)
    }

    /// [`trunk`](Self::trunk), splitting the rows in two from `split_from` rows.
    fn trunk_split<T: Tape<f32, Dev> + Merge<T>>(
        &self,
        x: Rows<D, T>,
        table: Hidden<T>,
        index: &[usize],
        split_from: usize,
    ) -> Hidden<T> {
        let (x, x_tape) = x.split_tape();
        let (table, table_tape) = table.split_tape();
        let mut tape = x_tape.merge(table_tape);
        let n = x.shape().0;
        assert_eq!(index.len(), n, "one time index per row");
        let rows = Array2::from_shape_vec((n, D), x.as_vec()).expect("row shape");
        let times = table.shape().0;
        let table_rows =
            Array2::from_shape_vec((times, WIDTH), table.as_vec()).expect("table shape");
        let layers = Layers([
            Affine::of(&self.state),
            Affine::of(&self.hidden1),
            Affine::of(&self.hidden2),
        ]);

        let taped = T::OWNS_TAPE;
        let full = move || Array2::<f32>::zeros((n, WIDTH));
        let mut outputs = [full(), full(), full()];
        let mut slopes = if taped {
            [full(), full(), full()]
        } else {
            [(); 3].map(|_| Array2::zeros((0, WIDTH)))
        };
        let block = ForwardRows {
            x: rows.view(),
            index,
            outputs: outputs.each_mut().map(|a| a.view_mut()),
            slopes: taped.then(|| slopes.each_mut().map(|a| a.view_mut())),
        };
        for_row_halves(block, split_from, &|b| {
            layers.forward(&table_rows.view(), b)
        });

        let [h0, h1, h2] = outputs;
        let (output, _) = h2.into_raw_vec_and_offset();
        let out = x.device().tensor_from_vec(output, (n, Const::<WIDTH>));
        if taped {
            let out_id = out.clone();
            let modules = (
                self.state.clone(),
                self.hidden1.clone(),
                self.hidden2.clone(),
            );
            let index = index.to_vec();
            tape.add_backward_op(move |grads| {
                let grad_out = grads.get_or_alloc_mut(&out_id)?.to_vec();
                let mut deltas = [
                    full(),
                    full(),
                    Array2::from_shape_vec((n, WIDTH), grad_out).expect("grad shape"),
                ];
                let mut x_grad = Array2::<f32>::zeros((n, D));
                let block = BackwardRows {
                    slopes: slopes.each_ref().map(|s| s.view()),
                    deltas: deltas.each_mut().map(|d| d.view_mut()),
                    x_grad: x_grad.view_mut(),
                };
                for_row_halves(block, split_from, &|b| layers.backward_rows(b));

                let mut hidden2 = take_gradients(grads, &modules.2)?;
                let mut hidden1 = take_gradients(grads, &modules.1)?;
                let mut state = take_gradients(grads, &modules.0)?;
                let [delta0, delta1, delta2] = &deltas;
                rayon::join(
                    || weight_gradients(&delta2.view(), &h1.view(), &mut hidden2.0, &mut hidden2.1),
                    || {
                        weight_gradients(
                            &delta1.view(),
                            &h0.view(),
                            &mut hidden1.0,
                            &mut hidden1.1,
                        );
                        weight_gradients(&delta0.view(), &rows.view(), &mut state.0, &mut state.1);
                    },
                );
                put_gradients(grads, &modules.2, hidden2)?;
                put_gradients(grads, &modules.1, hidden1)?;
                put_gradients(grads, &modules.0, state)?;

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
        out.put_tape(tape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion_samplers::activation::gelu;

    /// The same trunk written with dfdx's generic operations.
    fn unfused<T: Tape<f32, Dev> + Merge<T>>(
        backbone: &Backbone<2, f32, Dev>,
        x: Rows<2, T>,
        table: Hidden<T>,
        index: &[usize],
    ) -> Hidden<T> {
        let dev = x.device().clone();
        let index = dev.tensor_from_vec(index.to_vec(), (index.len(),));
        let h = gelu(backbone.state.forward(x) + table.gather(index));
        let h = gelu(backbone.hidden1.forward(h));
        gelu(backbone.hidden2.forward(h))
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
        let dev: Dev = Dev::seed_from_u64(5);
        let backbone = Backbone::<2, f32, Dev>::build(&dev);
        let x: Rows<2, NoneTape> = dev.sample_normal_like(&(9, Const));
        let table: Hidden<NoneTape> = dev.sample_normal_like(&(3, Const));
        let index = [0, 2, 1, 1, 0, 2, 2, 1, 0];
        let weights: Hidden<NoneTape> = dev.sample_normal_like(&(9, Const));
        let run = |split_from: usize| {
            let (xt, tt) = (x.leaky_trace(), table.leaky_trace());
            let h = backbone.trunk_split(xt, tt, &index, split_from);
            let values = h.as_vec();
            let grads = (h * weights.clone()).sum().backward();
            let mut all = vec![values, grads.get(&x).as_vec(), grads.get(&table).as_vec()];
            for (w, b) in [
                (&backbone.hidden1.weight, &backbone.hidden1.bias),
                (&backbone.hidden2.weight, &backbone.hidden2.bias),
            ] {
                all.push(grads.get(w).as_vec());
                all.push(grads.get(b).as_vec());
            }
            all.push(grads.get(&backbone.state.weight).as_vec());
            all.push(grads.get(&backbone.state.bias).as_vec());
            all
        };
        assert_eq!(run(usize::MAX), run(2));
    }

    #[test]
    fn fused_trunk_equals_the_unfused_graph_with_gradients() {
        let dev: Dev = Dev::seed_from_u64(3);
        let backbone = Backbone::<2, f32, Dev>::build(&dev);
        let x: Rows<2, NoneTape> = dev.sample_normal_like(&(7, Const));
        let table: Hidden<NoneTape> = dev.sample_normal_like(&(3, Const));
        let index = [0, 2, 1, 1, 0, 2, 2];
        let weights: Hidden<NoneTape> = dev.sample_normal_like(&(7, Const));
        let run = |fused: bool| {
            let (x, table) = (x.leaky_trace(), table.leaky_trace());
            let h = if fused {
                backbone.trunk(x, table, &index)
            } else {
                unfused(&backbone, x, table, &index)
            };
            let values = h.as_vec();
            (values, (h * weights.clone()).sum().backward())
        };
        let ((fused, g_fused), (plain, g_plain)) = (run(true), run(false));
        let close = |a: Vec<f32>, b: Vec<f32>, what: &str| {
            assert_eq!(a.len(), b.len());
            for (a, b) in a.iter().zip(&b) {
                assert!((a - b).abs() < 1e-4 * (1.0 + b.abs()), "{what}: {a} vs {b}");
            }
        };
        close(fused, plain, "values");
        close(g_fused.get(&x).as_vec(), g_plain.get(&x).as_vec(), "x");
        close(
            g_fused.get(&table).as_vec(),
            g_plain.get(&table).as_vec(),
            "table",
        );
        for layer in [&backbone.hidden1, &backbone.hidden2] {
            close(
                g_fused.get(&layer.weight).as_vec(),
                g_plain.get(&layer.weight).as_vec(),
                "W",
            );
            close(
                g_fused.get(&layer.bias).as_vec(),
                g_plain.get(&layer.bias).as_vec(),
                "b",
            );
        }
        let state = &backbone.state;
        close(
            g_fused.get(&state.weight).as_vec(),
            g_plain.get(&state.weight).as_vec(),
            "W_s",
        );
        close(
            g_fused.get(&state.bias).as_vec(),
            g_plain.get(&state.bias).as_vec(),
            "b_s",
        );
    }
}
