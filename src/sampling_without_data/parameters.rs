//! Walking a network's trainable tensors: Adam with a state that can be saved, global
//! gradient-norm clipping, and flat copies of the weights for checkpoints.

use super::values::values;
use crate::dfdx::nn::tensor_collection::{
    RecursiveWalker, TensorCollection, TensorOptions, TensorVisitor, ViewTensorMut, ViewTensorRef,
};
use crate::dfdx::prelude::*;
use serde::{Deserialize, Serialize};

/// Adam (Kingma & Ba) with bias correction, whose moments are plain vectors so a
/// checkpoint can store them and a resumed run continues exactly where it stopped.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Adam {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub step: u64,
    /// First and second moments, one pair per trainable tensor in walk order.
    moments: Vec<(Vec<f32>, Vec<f32>)>,
}

impl Adam {
    pub fn new(lr: f64) -> Adam {
        Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            step: 0,
            moments: Vec::new(),
        }
    }

    /// One Adam step on every trainable tensor of `module`, after scaling its gradients
    /// so that their global L2 norm is at most `max_norm` (when given). Returns the norm
    /// before clipping.
    pub fn update<Dv: Device<f32>, M: TensorCollection<f32, Dv>>(
        &mut self,
        module: &mut M,
        grads: &Gradients<f32, Dv>,
        max_norm: Option<f64>,
    ) -> f64 {
        let norm = gradient_norm(module, grads);
        if !norm.is_finite() {
            // Leave parameters and moments as they were; the caller reports the norm.
            return norm;
        }
        let scale = match max_norm {
            Some(max) if norm > max => (max / norm) as f32,
            _ => 1.0,
        };
        self.step += 1;
        let mut visitor = AdamStep {
            adam: self,
            grads,
            scale,
            index: 0,
        };
        M::iter_tensors(&mut RecursiveWalker {
            m: module,
            f: &mut visitor,
        })
        .expect("this visitor never returns an error");
        norm
    }
}

struct AdamStep<'a, Dv: Device<f32>> {
    adam: &'a mut Adam,
    grads: &'a Gradients<f32, Dv>,
    scale: f32,
    index: usize,
}

impl<Dv: Device<f32>> TensorVisitor<f32, Dv> for AdamStep<'_, Dv> {
    type Viewer = ViewTensorMut;
    type Err = Dv::Err;
    type E2 = f32;
    type D2 = Dv;

    fn visit<S: Shape>(
        &mut self,
        opts: TensorOptions<S, f32, Dv>,
        t: &mut Tensor<S, f32, Dv>,
    ) -> Result<Option<Tensor<S, f32, Dv>>, Self::Err> {
        if !opts.do_gradient_update {
            return Ok(None);
        }
        let g = values(&self.grads.get(t));
        let a = &mut *self.adam;
        if a.moments.len() <= self.index {
            a.moments.push((vec![0.0; g.len()], vec![0.0; g.len()]));
        }
        let (m, v) = &mut a.moments[self.index];
        self.index += 1;
        let (b1, b2) = (a.beta1 as f32, a.beta2 as f32);
        let correction1 = 1.0 - a.beta1.powi(a.step as i32);
        let correction2 = 1.0 - a.beta2.powi(a.step as i32);
        let step_size = (a.lr / correction1) as f32;
        let (sqrt_c2, eps) = (correction2.sqrt() as f32, a.eps as f32);
        let mut p = values(t);
        for i in 0..p.len() {
            let gi = g[i] * self.scale;
            m[i] = b1 * m[i] + (1.0 - b1) * gi;
            v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
            p[i] -= step_size * m[i] / (v[i].sqrt() / sqrt_c2 + eps);
        }
        t.copy_from(&p);
        Ok(None)
    }
}

/// The global L2 norm of `module`'s gradients.
pub fn gradient_norm<Dv: Device<f32>, M: TensorCollection<f32, Dv>>(
    module: &M,
    grads: &Gradients<f32, Dv>,
) -> f64 {
    struct Norm<'a, Dv: Device<f32>> {
        grads: &'a Gradients<f32, Dv>,
        sum_sq: f64,
    }
    impl<Dv: Device<f32>> TensorVisitor<f32, Dv> for Norm<'_, Dv> {
        type Viewer = ViewTensorRef;
        type Err = Dv::Err;
        type E2 = f32;
        type D2 = Dv;
        fn visit<S: Shape>(
            &mut self,
            opts: TensorOptions<S, f32, Dv>,
            t: &Tensor<S, f32, Dv>,
        ) -> Result<Option<Tensor<S, f32, Dv>>, Self::Err> {
            if opts.do_gradient_update {
                let g = values(&self.grads.get(t));
                self.sum_sq += g.iter().map(|&x| (x as f64) * (x as f64)).sum::<f64>();
            }
            Ok(None)
        }
    }
    let mut visitor = Norm { grads, sum_sq: 0.0 };
    M::iter_tensors(&mut RecursiveWalker {
        m: module,
        f: &mut visitor,
    })
    .expect("this visitor never returns an error");
    visitor.sum_sq.sqrt()
}

/// The gradient of every trainable tensor of `module`, as flat vectors in walk order.
pub fn gradient_values<Dv: Device<f32>, M: TensorCollection<f32, Dv>>(
    module: &M,
    grads: &Gradients<f32, Dv>,
) -> Vec<Vec<f32>> {
    struct Dump<'a, Dv: Device<f32>> {
        grads: &'a Gradients<f32, Dv>,
        values: Vec<Vec<f32>>,
    }
    impl<Dv: Device<f32>> TensorVisitor<f32, Dv> for Dump<'_, Dv> {
        type Viewer = ViewTensorRef;
        type Err = Dv::Err;
        type E2 = f32;
        type D2 = Dv;
        fn visit<S: Shape>(
            &mut self,
            opts: TensorOptions<S, f32, Dv>,
            t: &Tensor<S, f32, Dv>,
        ) -> Result<Option<Tensor<S, f32, Dv>>, Self::Err> {
            if opts.do_gradient_update {
                self.values.push(values(&self.grads.get(t)));
            }
            Ok(None)
        }
    }
    let mut visitor = Dump {
        grads,
        values: Vec::new(),
    };
    M::iter_tensors(&mut RecursiveWalker {
        m: module,
        f: &mut visitor,
    })
    .expect("this visitor never returns an error");
    visitor.values
}

/// Every tensor of `module` (trainable or not) as a flat vector, in walk order.
pub fn weights<Dv: Device<f32>, M: TensorCollection<f32, Dv>>(module: &M) -> Vec<Vec<f32>> {
    struct Dump(Vec<Vec<f32>>);
    impl<Dv: Device<f32>> TensorVisitor<f32, Dv> for Dump {
        type Viewer = ViewTensorRef;
        type Err = Dv::Err;
        type E2 = f32;
        type D2 = Dv;
        fn visit<S: Shape>(
            &mut self,
            _: TensorOptions<S, f32, Dv>,
            t: &Tensor<S, f32, Dv>,
        ) -> Result<Option<Tensor<S, f32, Dv>>, Self::Err> {
            self.0.push(t.as_vec());
            Ok(None)
        }
    }
    let mut visitor = Dump(Vec::new());
    M::iter_tensors(&mut RecursiveWalker {
        m: module,
        f: &mut visitor,
    })
    .expect("this visitor never returns an error");
    visitor.0
}

/// Overwrites `module`'s tensors with `saved` (as written by [`weights`]); fails with a
/// message if the shapes do not match, leaving `module` unchanged.
pub fn load_weights<Dv: Device<f32>, M: TensorCollection<f32, Dv> + Clone>(
    module: &mut M,
    saved: &[Vec<f32>],
) -> Result<(), String> {
    let current = weights(module);
    if current.len() != saved.len() || current.iter().zip(saved).any(|(a, b)| a.len() != b.len()) {
        return Err(format!(
            "the checkpoint's weights do not fit this network ({} tensors saved, {} expected)",
            saved.len(),
            current.len()
        ));
    }
    struct Load<'a>(std::slice::Iter<'a, Vec<f32>>);
    impl<Dv: Device<f32>> TensorVisitor<f32, Dv> for Load<'_> {
        type Viewer = ViewTensorMut;
        type Err = Dv::Err;
        type E2 = f32;
        type D2 = Dv;
        fn visit<S: Shape>(
            &mut self,
            _: TensorOptions<S, f32, Dv>,
            t: &mut Tensor<S, f32, Dv>,
        ) -> Result<Option<Tensor<S, f32, Dv>>, Self::Err> {
            t.copy_from(self.0.next().expect("lengths were checked"));
            Ok(None)
        }
    }
    M::iter_tensors(&mut RecursiveWalker {
        m: module,
        f: &mut Load(saved.iter()),
    })
    .expect("this visitor never returns an error");
    Ok(())
}
