//! A user-defined target of a dimension the crate compiles no sampler for (3) trains
//! through the public API, padded to a compiled dimension, with fixed and learned
//! destruction; its learned `log Z` matches the known value 1.7.

use destroy_then_generate::adaptive_destruction::training::train_target;
use destroy_then_generate::dfdx::prelude::*;
use destroy_then_generate::ndarray::Array2;
use destroy_then_generate::ndarray_rand::rand::rngs::StdRng;
use destroy_then_generate::ndarray_rand::rand_distr::{Distribution, StandardNormal};
use destroy_then_generate::progress::Progress;
use destroy_then_generate::sampling_without_data::kernels::Destruction;
use destroy_then_generate::sampling_without_data::objectives::Objective;
use destroy_then_generate::sampling_without_data::train::TrainConfig;
use destroy_then_generate::sampling_without_data::training_run::COMPILED_DIMENSIONS;
use destroy_then_generate::sampling_without_data::{Points, Target, Values};

const LOG_Z: f64 = 1.7;
const MEAN: [f32; 3] = [1.0, -0.5, 0.25];
const STD: [f32; 3] = [0.8, 0.6, 1.0];

/// What a course would write: `exp(1.7) · N(x; MEAN, diag(STD²))` on `R³`.
struct Tilted3d;

impl Target for Tilted3d {
    fn name(&self) -> String {
        "tilted-3d".into()
    }

    fn dim(&self) -> usize {
        3
    }

    fn log_density(&self, x: Points) -> Values {
        let (n, dev) = (x.shape().0, x.device().clone());
        let mean = dev.tensor_from_vec(MEAN.repeat(n), (n, 3));
        let precision = dev.tensor_from_vec(STD.map(|s| 1.0 / (s * s)).repeat(n), (n, 3));
        let log_norm: f64 = STD.iter().map(|&s| (s as f64).ln()).sum::<f64>()
            + 1.5 * (2.0 * std::f64::consts::PI).ln();
        let quadratic = ((x - mean).square() * precision).sum::<(usize,), Axis<1>>();
        quadratic * -0.5 + (LOG_Z - log_norm) as f32
    }

    fn log_z(&self) -> Option<f64> {
        Some(LOG_Z)
    }

    fn sample(&self, n: usize, rng: &mut StdRng) -> Option<Array2<f32>> {
        Some(Array2::from_shape_fn((n, 3), |(_, j)| {
            let z: f32 = StandardNormal.sample(rng);
            MEAN[j] + STD[j] * z
        }))
    }
}

fn assert_log_z_is_learned(destruction: Destruction) {
    assert!(!COMPILED_DIMENSIONS.contains(&3), "the test needs padding");
    destroy_then_generate::fast_cpu::keep_freed_buffers();
    let mut config = TrainConfig {
        target: "tilted-3d".into(),
        objective: Objective::Tb,
        iterations: 400,
        batch: 128,
        seed: 4,
        exploration_std: 0.0,
        buffer_capacity: 0,
        backward_every: 0,
        eval_every: 400,
        eval_samples: 2000,
        ..TrainConfig::default()
    };
    config.kernel.steps = 5;
    config.kernel.sigma2 = 2.0; // not 1, so a padding variance used the wrong way round shows
    config.kernel.destruction = destruction;
    let outcome = train_target(config, &Tilted3d, &mut Progress::hidden()).unwrap();
    let last = outcome.last.as_ref().unwrap();
    let what = format!("{destruction:?}: {last:?}");
    assert_eq!(outcome.dimension, 3);
    assert_eq!(outcome.padded_to, Some(10));
    assert_eq!(outcome.samples.as_ref().unwrap().ncols(), 3);
    assert!(
        (last.log_z_learned - LOG_Z).abs() < 0.05,
        "learned log Z: {what}"
    );
    assert!(last.elbo <= last.log_z_hat + 1e-9, "{what}");
    assert!((last.elbo - LOG_Z).abs() < 0.05, "ELBO: {what}");
    assert!((last.eubo.unwrap() - LOG_Z).abs() < 0.05, "EUBO: {what}");
}

#[test]
fn a_3d_user_target_learns_its_log_z_with_fixed_destruction() {
    assert_log_z_is_learned(Destruction::Fixed);
}

#[test]
fn a_3d_user_target_learns_its_log_z_with_learned_destruction() {
    assert_log_z_is_learned(Destruction::Learned);
}

#[test]
fn dimensions_outside_the_range_are_refused_with_a_clear_error() {
    struct Wide;
    impl Target for Wide {
        fn name(&self) -> String {
            "wide".into()
        }
        fn dim(&self) -> usize {
            65
        }
        fn log_density(&self, x: Points) -> Values {
            x.square().sum::<(usize,), Axis<1>>() * -0.5
        }
    }
    let err = train_target(TrainConfig::default(), &Wide, &mut Progress::hidden()).unwrap_err();
    assert_eq!(
        err,
        "target 'wide' has dimension 65; samplers train on dimensions 1 to 64"
    );
}
