//! A CPU-sized stand-in for sampling a GAN's latent space for a class: a Gaussian prior
//! on a latent `z ∈ R^k`, a small fixed "generator" `g`, and a fixed "classifier" whose
//! probability of a set of target classes is the reward.

use crate::dfdx::prelude::*;
use crate::sampling::seeded_rng;
use crate::sampling_without_data::{Points, Target, Values};
use ndarray::{Array1, Array2};
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;
use std::f64::consts::PI;

// ANCHOR: latent_target
/// `log p(z) = log N(z; 0, I_k) + log Σ_{c∈S} softmax(g(z)ᵀ P / β)_c`, with the decoder
/// `g(z) = tanh(W₂ᵀ tanh(W₁ᵀ z + b₁) + b₂) ∈ R^16` and `C = 10` unit prototype columns in `P`,
/// all drawn once from a fixed seed; the target classes are `S = {0, 1}`. Its `log Z` is
/// `log P_{z∼N(0,I)}(class ∈ S)` in the soft sense, unknown in closed form.
/// Introduced in chapter "Scaling up".
#[derive(Clone, Debug)]
pub struct LatentClassifier {
    k: usize,
    w1: Array2<f32>,
    b1: Array1<f32>,
    w2: Array2<f32>,
    b2: Array1<f32>,
    prototypes: Array2<f32>,
    temperature: f32,
}
// ANCHOR_END: latent_target

impl LatentClassifier {
    /// Hidden width of the decoder.
    pub const HIDDEN: usize = 32;
    /// Dimension of a decoded sample.
    pub const OUTPUT: usize = 16;
    /// Number of classes.
    pub const CLASSES: usize = 10;
    /// The target classes `S = {0, …, TARGET_CLASSES − 1}`.
    pub const TARGET_CLASSES: usize = 2;
    /// Seed of the decoder's and classifier's weights (the same for every run).
    pub const WEIGHT_SEED: u64 = 2025;

    // ANCHOR: latent_weights
    /// The task with latent dimension `k`, classifier temperature `β = 0.25`.
    /// Introduced in chapter "Scaling up".
    pub fn new(k: usize) -> Self {
        let mut rng = seeded_rng(Self::WEIGHT_SEED);
        let mut gaussian = |rows: usize, cols: usize, std: f64| {
            Array2::from_shape_fn((rows, cols), |_| {
                (std * rng.sample::<f64, _>(StandardNormal)) as f32
            })
        };
        // Weights of standard deviation 1.5/√fan-in: the first layer's pre-activations
        // have standard deviation 1.5 (the second's a little less, its inputs being
        // tanh outputs), so tanh is used beyond its linear range and the decoder folds
        // the latent space.
        let w1 = gaussian(k, Self::HIDDEN, 1.5 / (k as f64).sqrt());
        let b1 = gaussian(1, Self::HIDDEN, 0.5).row(0).to_owned();
        let w2 = gaussian(
            Self::HIDDEN,
            Self::OUTPUT,
            1.5 / (Self::HIDDEN as f64).sqrt(),
        );
        let b2 = gaussian(1, Self::OUTPUT, 0.5).row(0).to_owned();
        let mut prototypes = gaussian(Self::OUTPUT, Self::CLASSES, 1.0);
        for mut column in prototypes.columns_mut() {
            let norm = column.dot(&column).sqrt();
            column /= norm;
        }
        LatentClassifier {
            k,
            w1,
            b1,
            w2,
            b2,
            prototypes,
            temperature: 0.25,
        }
    }
    // ANCHOR_END: latent_weights

    /// `g(z)` for every row of `z`.
    pub fn decode(&self, z: &Array2<f32>) -> Array2<f32> {
        let hidden = (z.dot(&self.w1) + &self.b1).mapv(f32::tanh);
        (hidden.dot(&self.w2) + &self.b2).mapv(f32::tanh)
    }

    /// Classifier logits `U g / β` of decoded samples.
    pub fn logits(&self, decoded: &Array2<f32>) -> Array2<f32> {
        decoded.dot(&self.prototypes) / self.temperature
    }

    /// `log Σ_{c∈S} softmax(logits)_c` of every row: the log-reward.
    pub fn log_reward(&self, z: &Array2<f32>) -> Array1<f64> {
        let logits = self.logits(&self.decode(z));
        logits
            .rows()
            .into_iter()
            .map(|row| {
                let max = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
                let sum = |c: &[f32]| c.iter().map(|&l| (l as f64 - max).exp()).sum::<f64>();
                let all = sum(row.as_slice().expect("contiguous rows"));
                let target = sum(&row.as_slice().expect("contiguous rows")[..Self::TARGET_CLASSES]);
                (target / all).ln()
            })
            .collect()
    }

    /// The most likely class of every row of `z`.
    pub fn classes(&self, z: &Array2<f32>) -> Vec<usize> {
        self.logits(&self.decode(z))
            .rows()
            .into_iter()
            .map(|row| {
                (0..row.len())
                    .max_by(|&a, &b| row[a].total_cmp(&row[b]))
                    .expect("at least one class")
            })
            .collect()
    }

    /// Monte Carlo `log Z = log E_{z∼N(0,I)}[r(z)]` from `n` prior draws, and its standard
    /// error on the log scale (delta method).
    pub fn log_z_monte_carlo(&self, n: usize, seed: u64) -> (f64, f64) {
        let mut rng = seeded_rng(seed);
        let z = Array2::from_shape_fn((n, self.k), |_| rng.sample::<f32, _>(StandardNormal));
        let rewards = self.log_reward(&z).mapv(f64::exp);
        let mean = rewards.mean().expect("n > 0");
        let std = rewards.std(1.0);
        (mean.ln(), std / (mean * (n as f64).sqrt()))
    }

    fn constant(dev: &Cpu, a: &Array2<f32>) -> Tensor<(usize, usize), f32, Cpu> {
        dev.tensor_from_vec(a.iter().copied().collect(), a.dim())
    }

    fn row(dev: &Cpu, b: &Array1<f32>, n: usize) -> Tensor<(usize, usize), f32, Cpu> {
        dev.tensor_from_vec(b.to_vec(), (b.len(),))
            .broadcast_like::<_, Axis<0>>(&(n, b.len()))
    }
}

impl Target for LatentClassifier {
    fn name(&self) -> String {
        format!("latent-{}", self.k)
    }

    fn dim(&self) -> usize {
        self.k
    }

    fn log_density(&self, z: Points) -> Values {
        let (n, d) = *z.shape();
        assert_eq!(d, self.k, "points have the wrong dimension");
        let dev = z.device().clone();
        let prior = z.with_empty_tape().square().sum::<(usize,), Axis<1>>() * -0.5
            - (0.5 * self.k as f64 * (2.0 * PI).ln()) as f32;
        let hidden =
            (z.matmul(Self::constant(&dev, &self.w1)) + Self::row(&dev, &self.b1, n)).tanh();
        let decoded =
            (hidden.matmul(Self::constant(&dev, &self.w2)) + Self::row(&dev, &self.b2, n)).tanh();
        let logits = decoded.matmul(Self::constant(&dev, &self.prototypes)) / self.temperature;
        let log_probs = logits.log_softmax::<Axis<1>>();
        // log Σ_{c∈S}: the other classes are pushed to −10⁴ (exp underflows to 0 there).
        let mask: Vec<f32> = (0..Self::CLASSES)
            .map(|c| if c < Self::TARGET_CLASSES { 0.0 } else { -1e4 })
            .collect();
        let mask = Self::row(&dev, &Array1::from(mask), n);
        let log_reward = (log_probs + mask).logsumexp::<(usize,), Axis<1>>();
        prior + log_reward
    }
}

/// How many of a sampler's samples its diversity is measured on (the pairs grow as the
/// square of the count).
pub const DIVERSITY_SAMPLES: usize = 500;

// ANCHOR: mean_pairwise_distance
/// Mean pairwise Euclidean distance between the rows of `x` (the first `max_rows`).
/// Introduced in chapter "Scaling up".
pub fn mean_pairwise_distance(x: &Array2<f32>, max_rows: usize) -> f64 {
    let x = x.slice(ndarray::s![..x.nrows().min(max_rows), ..]);
    let n = x.nrows();
    if n < 2 {
        return 0.0;
    }
    let mut total = 0.0;
    for i in 0..n {
        for j in (i + 1)..n {
            let diff = &x.row(i) - &x.row(j);
            total += (diff.dot(&diff) as f64).sqrt();
        }
    }
    total / (n * (n - 1) / 2) as f64
}
// ANCHOR_END: mean_pairwise_distance
