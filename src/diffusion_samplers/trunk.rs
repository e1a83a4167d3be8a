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

use super::activation::{gelu_from_tanh, gelu_slope, gelu_tanh};
use super::network::{Backbone, Hidden, Rows, WIDTH};
use super::Dev;
use crate::dfdx::nn::modules::Linear;
use crate::dfdx::prelude::*;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};

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
    fn add_to(&self, input: &ArrayView2<f32>, out: &mut Array2<f32>) {
        *out += &self.bias;
        general_mat_mul(1.0, input, &self.weight.t(), 1.0, out);
    }

    /// `input · weightᵀ + bias`, starting from the bias rows (no separate zeroing pass).
    fn apply(&self, input: &ArrayView2<f32>) -> Array2<f32> {
        let mut out = Array2::zeros((input.nrows(), self.bias.len()));
        self.add_to(input, &mut out);
        out
    }
}

/// A GELU layer's pre-activation and inner tanh, kept for the backward step.
struct Activated {
    pre: Array2<f32>,
    tanh: Array2<f32>,
}

/// GELU of a standard-layout array: its inner tanh and its output.
fn activate(pre: Array2<f32>) -> (Activated, Array2<f32>) {
    let mut tanh = Array2::zeros(pre.raw_dim());
    let mut out = Array2::zeros(pre.raw_dim());
    gelu_slices(
        pre.as_slice().expect("standard layout"),
        tanh.as_slice_mut().expect("standard layout"),
        out.as_slice_mut().expect("standard layout"),
    );
    (Activated { pre, tanh }, out)
}

/// The GELU loop, compiled twice: for AVX2 (8 lanes, chosen at run time where the CPU
/// has it) and for the baseline x86-64 or other target. Both are the same IEEE
/// operations in the same order (no fused multiply-add), so results are bit-identical.
fn gelu_slices(pre: &[f32], tanh: &mut [f32], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU was just checked to support AVX2.
        unsafe { gelu_slices_avx2(pre, tanh, out) };
        return;
    }
    gelu_slices_portable(pre, tanh, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gelu_slices_avx2(pre: &[f32], tanh: &mut [f32], out: &mut [f32]) {
    gelu_slices_portable(pre, tanh, out)
}

#[inline(always)]
fn gelu_slices_portable(pre: &[f32], tanh: &mut [f32], out: &mut [f32]) {
    for ((t, o), &v) in tanh.iter_mut().zip(out.iter_mut()).zip(pre) {
        *t = gelu_tanh(v);
        *o = gelu_from_tanh(v, *t);
    }
}

/// `grad · gelu'(pre)`, the gradient at a GELU layer's pre-activation.
fn through_gelu(layer: &Activated, mut grad: Array2<f32>) -> Array2<f32> {
    ndarray::Zip::from(&mut grad)
        .and(&layer.pre)
        .and(&layer.tanh)
        .for_each(|g, &v, &t| *g *= gelu_slope(v, t));
    grad
}

/// Adds the parameter gradients of `layer` given the gradient `delta` at its output and
/// its `input`; returns the gradient at the input, `delta · weight`.
fn backward_affine<const I: usize, const O: usize>(
    grads: &mut Gradients<f32, Dev>,
    layer: &Linear<I, O, f32, Dev>,
    affine: &Affine,
    input: &ArrayView2<f32>,
    delta: &Array2<f32>,
) -> Result<Array2<f32>, CpuError> {
    let weight_grad = grads.get_or_alloc_mut(&layer.weight)?;
    let mut weight_grad =
        ArrayViewMut2::from_shape((O, I), &mut weight_grad[..]).expect("weight gradient");
    general_mat_mul(1.0, &delta.t(), input, 1.0, &mut weight_grad);
    let bias_grad = grads.get_or_alloc_mut(&layer.bias)?;
    let mut bias_grad = ArrayViewMut1::from_shape(O, &mut bias_grad[..]).expect("bias gradient");
    bias_grad += &delta.sum_axis(Axis(0));
    Ok(delta.dot(&affine.weight))
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
        let (x, x_tape) = x.split_tape();
        let (table, table_tape) = table.split_tape();
        let mut tape = x_tape.merge(table_tape);
        let n = x.shape().0;
        assert_eq!(index.len(), n, "one time index per row");
        let rows = Array2::from_shape_vec((n, D), x.as_vec()).expect("row shape");
        let times = table.shape().0;
        let table_rows =
            Array2::from_shape_vec((times, WIDTH), table.as_vec()).expect("table shape");

        let (state, hidden1, hidden2) = (
            Affine::of(&self.state),
            Affine::of(&self.hidden1),
            Affine::of(&self.hidden2),
        );
        let mut pre = table_rows.select(Axis(0), index);
        state.add_to(&rows.view(), &mut pre);
        let (layer0, h0) = activate(pre);
        let (layer1, h1) = activate(hidden1.apply(&h0.view()));
        let (layer2, h2) = activate(hidden2.apply(&h1.view()));

        let (output, _) = h2.into_raw_vec_and_offset();
        let out = x.device().tensor_from_vec(output, (n, Const::<WIDTH>));
        if T::OWNS_TAPE {
            let out_id = out.clone();
            let layers = (
                self.state.clone(),
                self.hidden1.clone(),
                self.hidden2.clone(),
            );
            let index = index.to_vec();
            tape.add_backward_op(move |grads| {
                let grad_out = grads.get_or_alloc_mut(&out_id)?;
                let grad_out =
                    Array2::from_shape_vec((n, WIDTH), grad_out.to_vec()).expect("grad shape");
                let delta2 = through_gelu(&layer2, grad_out);
                let grad1 = backward_affine(grads, &layers.2, &hidden2, &h1.view(), &delta2)?;
                let delta1 = through_gelu(&layer1, grad1);
                let grad0 = backward_affine(grads, &layers.1, &hidden1, &h0.view(), &delta1)?;
                let delta0 = through_gelu(&layer0, grad0);
                let grad_rows = backward_affine(grads, &layers.0, &state, &rows.view(), &delta0)?;
                let x_grad = grads.get_or_alloc_mut(&x)?;
                for (g, d) in x_grad.iter_mut().zip(grad_rows.iter()) {
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
        let (mut t1, mut o1) = (vec![0.0; pre.len()], vec![0.0; pre.len()]);
        let (mut t2, mut o2) = (vec![0.0; pre.len()], vec![0.0; pre.len()]);
        gelu_slices(&pre, &mut t1, &mut o1);
        gelu_slices_portable(&pre, &mut t2, &mut o2);
        assert_eq!((t1, o1), (t2, o2));
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
