//! Reading a tensor's values into host memory at memory speed.
//!
//! dfdx's `as_vec` walks a multi-index per element, which is right for any layout but
//! cost a training step more than its optimiser (every parameter and gradient is read
//! once per step). A tensor that owns its values in row-major order is copied directly
//! (on `Cuda`, one device-to-host copy).

use crate::dfdx::prelude::*;

/// The values of `tensor`, row-major, on the host. For tensors that own their values in
/// that order: parameters, gradients and the results of operations, not a broadcast or
/// permuted view (a broadcast view panics here, its storage being shorter than its
/// shape).
pub fn values<S: Shape, Dv: Device<f32>, T>(tensor: &Tensor<S, f32, Dv, T>) -> Vec<f32> {
    let mut out = vec![0.0; tensor.shape().num_elements()];
    tensor.copy_into(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_equal_dfdx_row_major_order() {
        let dev = Cpu::seed_from_u64(1);
        let parameter: Tensor<Rank2<3, 5>, f32, Cpu> = dev.sample_normal();
        assert_eq!(values(&parameter), parameter.as_vec());
        let result = parameter.clone() * 2.0 + 1.0;
        assert_eq!(values(&result), result.as_vec());
    }

    #[test]
    #[should_panic]
    fn a_broadcast_view_is_refused() {
        let dev = Cpu::seed_from_u64(1);
        let row: Tensor<Rank1<4>, f32, Cpu> = dev.sample_normal();
        let _ = values(&row.broadcast::<Rank2<3, 4>, _>());
    }
}
