//! GELU as one vectorised loop: used in place by the fused kernel network, and as one
//! dfdx operation (with its own backward step) by the time embedding.
//!
//! dfdx 0.13 computes GELU through the C library's scalar `tanh`, which made the
//! activation cost ten times more than all the matrix products of a sampler's network
//! (about 15 ns per element on a 2-core machine). This version evaluates `tanh` with a
//! rational approximation that the compiler vectorises.

use crate::dfdx::prelude::*;

/// `tanh(x)` to within a few float32 rounding errors, as a ratio of two polynomials on
/// `[−7.9, 7.9]`; outside, exactly ±1 as `tanh` is in float32 (so GELU's gradient is
/// exactly 1 or 0 there). A select, not a branch, so loops vectorise. The polynomials
/// use fused multiply-adds: one rounding each, and exactly the same result whether the
/// CPU fuses them in hardware or the C library does it in software.
#[inline(always)]
#[allow(clippy::excessive_precision)] // the coefficients as published
pub fn fast_tanh(x: f32) -> f32 {
    const CLAMP: f32 = 7.905_311;
    let saturated = 1.0f32.copysign(x);
    let outside = x.abs() >= CLAMP;
    let x = x.clamp(-CLAMP, CLAMP);
    let x2 = x * x;
    let p = x2.mul_add(-2.760_768_5e-16, 2.000_187_9e-13);
    let p = x2.mul_add(p, -8.604_672e-11);
    let p = x2.mul_add(p, 5.122_297e-8);
    let p = x2.mul_add(p, 1.485_722_4e-5);
    let p = x2.mul_add(p, 6.372_619e-4);
    let p = x2.mul_add(p, 4.893_524_5e-3);
    let q = x2.mul_add(1.198_258_4e-6, 1.185_347e-4);
    let q = x2.mul_add(q, 2.268_434_6e-3);
    let q = x2.mul_add(q, 4.893_525e-3);
    let inside = x * p / q;
    if outside {
        saturated
    } else {
        inside
    }
}

const SQRT_2_OVER_PI: f32 = 0.797_884_6;
const CUBIC: f32 = 0.044_715;

/// The `tanh` inside GELU at pre-activation `v`: `tanh(√(2/π)(v + 0.044715v³))`.
#[inline(always)]
pub fn gelu_tanh(v: f32) -> f32 {
    fast_tanh(SQRT_2_OVER_PI * (CUBIC * v * v).mul_add(v, v))
}

/// GELU from its pre-activation `v` and inner tanh `t`: `½v(1 + t)`.
#[inline(always)]
pub fn gelu_from_tanh(v: f32, t: f32) -> f32 {
    let half_v = 0.5 * v;
    half_v.mul_add(t, half_v)
}

/// GELU's derivative from `v` and its inner tanh `t`:
/// `½(1 + t) + ½v(1 − t²)·√(2/π)(1 + 3·0.044715v²)`.
#[inline(always)]
pub fn gelu_slope(v: f32, t: f32) -> f32 {
    let du = SQRT_2_OVER_PI * (3.0 * CUBIC * v).mul_add(v, 1.0);
    let one_minus_t2 = (-t).mul_add(t, 1.0);
    (0.5 * v * one_minus_t2).mul_add(du, 0.5 * (1.0 + t))
}

/// GELU in place over `values`; with `with_slope`, also returns its derivative at each
/// input (what a backward step multiplies by), else an empty vector.
///
/// The loop is compiled twice: for AVX2 with hardware fused multiply-add (8 lanes,
/// chosen at run time where the CPU has both) and for the baseline x86-64 or other
/// target. Both are the same IEEE operations in the same order (a fused multiply-add
/// is exactly rounded in hardware and in software alike), so results are bit-identical.
pub fn gelu_in_place(values: &mut [f32], with_slope: bool) -> Vec<f32> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU was just checked to support AVX2 and FMA.
        return unsafe { gelu_slices_avx2(values, with_slope) };
    }
    gelu_slices_portable(values, with_slope)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gelu_slices_avx2(values: &mut [f32], with_slope: bool) -> Vec<f32> {
    gelu_slices_portable(values, with_slope)
}

#[inline(always)]
fn gelu_slices_portable(values: &mut [f32], with_slope: bool) -> Vec<f32> {
    if !with_slope {
        for v in values.iter_mut() {
            *v = gelu_from_tanh(*v, gelu_tanh(*v));
        }
        return Vec::new();
    }
    // Written straight into fresh memory: no zero-filling first.
    let mut slope = Vec::with_capacity(values.len());
    for (s, v) in slope.spare_capacity_mut().iter_mut().zip(values.iter_mut()) {
        let t = gelu_tanh(*v);
        s.write(gelu_slope(*v, t));
        *v = gelu_from_tanh(*v, t);
    }
    // SAFETY: the loop wrote the first `values.len()` elements (the capacity is at least
    // that, and the zip runs over all of `values`).
    unsafe { slope.set_len(values.len()) };
    slope
}

/// GELU, tanh form: `gelu(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
/// Introduced in chapter "Sampling without data".
pub fn gelu<S: Shape, T: Tape<f32, Cpu>>(x: Tensor<S, f32, Cpu, T>) -> Tensor<S, f32, Cpu, T> {
    let (x, mut tape) = x.split_tape();
    let mut output = x.as_vec();
    let slope = gelu_in_place(&mut output, T::OWNS_TAPE);
    let out = x.device().tensor_from_vec(output, *x.shape());
    if T::OWNS_TAPE {
        let out_id = out.clone();
        tape.add_backward_op(move |grads| {
            grads.try_alloc_for(&out_id)?;
            let grad_out = grads.get(&out_id).as_vec();
            let grad_in = grads.get_or_alloc_mut(&x)?;
            for ((g, d), s) in grad_in.iter_mut().zip(&grad_out).zip(&slope) {
                *g += d * s;
            }
            Ok(())
        });
    }
    out.put_tape(tape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_tanh_matches_the_library_tanh() {
        let worst = (-4000..=4000)
            .map(|i| i as f32 / 400.0)
            .map(|x| (fast_tanh(x) - x.tanh()).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 5e-7, "worst error {worst}");
        assert_eq!(fast_tanh(30.0), 1.0);
    }

    #[test]
    fn gelu_values_and_gradients_match_dfdx() {
        let dev: Cpu = Default::default();
        let x: Tensor<Rank1<7>, f32, Cpu> = dev.tensor([-5.0, -2.0, -0.5, 0.0, 0.3, 1.7, 6.0]);
        let ours = gelu(x.leaky_trace());
        let theirs = x.leaky_trace().fast_gelu();
        for (a, b) in ours.as_vec().iter().zip(theirs.as_vec()) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        let g_ours = (ours * dev.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]))
            .sum()
            .backward();
        let g_theirs = (theirs * dev.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]))
            .sum()
            .backward();
        for (a, b) in g_ours
            .get(&x)
            .as_vec()
            .iter()
            .zip(g_theirs.get(&x).as_vec())
        {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    #[test]
    fn the_vectorised_gelu_loop_is_bit_identical_to_the_portable_one() {
        let pre: Vec<f32> = (-3000..3000).map(|i| i as f32 / 311.0).collect();
        let run = |gelu: fn(&mut [f32], bool) -> Vec<f32>| {
            let mut values = pre.clone();
            let slope = gelu(&mut values, true);
            let mut untaped = pre.clone();
            assert!(gelu(&mut untaped, false).is_empty());
            assert_eq!(untaped, values, "the slope does not change the values");
            (values, slope)
        };
        assert_eq!(run(gelu_in_place), run(gelu_slices_portable));
    }
}
