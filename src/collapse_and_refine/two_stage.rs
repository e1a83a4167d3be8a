//! The two-stage pipeline (a SiLD-like reading of the paper): destroy a little to learn
//! where the data live (a bottleneck denoiser gives an encoder and a decoder), then
//! destroy inside the latent space to learn how they are distributed; against an
//! ambient denoiser trained on the same budget.

use super::circle::Circle;
use super::mlp::{Bottleneck, TanhLayer};
use super::training::{dsm_step, Adam, TrainConfig};
use super::von_mises::resultant_length;
use crate::sampling::seeded_rng;
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::Rng;
use ndarray_rand::rand_distr::StandardNormal;
use serde::Serialize;

/// The noise levels a noise-conditional denoiser is trained and sampled on
/// (log-uniform in training, geometric in sampling).
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Copy, Debug, Serialize)]
pub struct NoiseRange {
    pub sigma_min: f64,
    pub sigma_max: f64,
}

/// The data scale assumed by the preconditioning.
pub const SIGMA_DATA: f64 = 0.5;

// ANCHOR: conditional
/// A noise-conditional denoiser in `R^n` with EDM-style preconditioning:
/// `f(y, σ) = c_skip y + c_out F(c_in y, ln σ / 4)`, `F` a one-hidden-layer tanh network,
/// `c_skip = s²/(σ² + s²)`, `c_out = σ s / sqrt(σ² + s²)`, `c_in = 1/sqrt(σ² + s²)`, `s` = [`SIGMA_DATA`].
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Debug)]
pub struct ConditionalDenoiser {
    pub n: usize,
    pub layer: TanhLayer,
    pub theta: Vec<f64>,
}

impl ConditionalDenoiser {
    pub fn new(n: usize, hidden: usize, rng: &mut impl Rng) -> Self {
        assert!(
            n > 0 && hidden > 0,
            "ConditionalDenoiser: need n > 0 and hidden > 0"
        );
        let layer = TanhLayer {
            n_in: n + 1,
            hidden,
            n_out: n,
        };
        let theta = layer.init(1.0, rng);
        ConditionalDenoiser { n, layer, theta }
    }

    fn coefficients(sigma: f64) -> (f64, f64, f64) {
        let s2 = SIGMA_DATA * SIGMA_DATA;
        let total = sigma * sigma + s2;
        (
            s2 / total,
            sigma * SIGMA_DATA / total.sqrt(),
            1.0 / total.sqrt(),
        )
    }

    fn input(y: &[f64], sigma: f64, c_in: f64) -> Vec<f64> {
        let mut input: Vec<f64> = y.iter().map(|v| c_in * v).collect();
        input.push(sigma.ln() / 4.0);
        input
    }

    /// `f(y, σ)`.
    pub fn denoise(&self, y: &[f64], sigma: f64) -> Vec<f64> {
        let (c_skip, c_out, c_in) = Self::coefficients(sigma);
        let f = self
            .layer
            .forward(&self.theta, &Self::input(y, sigma, c_in), &mut Vec::new());
        y.iter()
            .zip(f)
            .map(|(y, f)| c_skip * y + c_out * f)
            .collect()
    }

    /// Adds the gradient of `weight · ‖f(y, σ) − x_0‖² / c_out²` (EDM's loss weighting)
    /// to `grad`; returns that loss.
    pub fn loss_grad(
        &self,
        y: &[f64],
        x_0: &[f64],
        sigma: f64,
        weight: f64,
        grad: &mut [f64],
    ) -> f64 {
        let (c_skip, c_out, c_in) = Self::coefficients(sigma);
        let input = Self::input(y, sigma, c_in);
        let mut h = Vec::with_capacity(self.layer.hidden);
        let f = self.layer.forward(&self.theta, &input, &mut h);
        let r: Vec<f64> = (0..self.n)
            .map(|i| f[i] - (x_0[i] - c_skip * y[i]) / c_out)
            .collect();
        let g: Vec<f64> = r.iter().map(|r| 2.0 * weight * r).collect();
        self.layer.backward(&self.theta, &input, &h, &g, grad);
        weight * r.iter().map(|r| r * r).sum::<f64>()
    }
}

/// Trains `net` for `steps` Adam steps (batch 64, lr 3e-3) on fresh clean samples from
/// `sample_x_0`, σ log-uniform in `range`.
/// Introduced in chapter "Collapse and refine".
pub fn train_conditional(
    net: &mut ConditionalDenoiser,
    mut sample_x_0: impl FnMut(&mut StdRng) -> Vec<f64>,
    range: NoiseRange,
    steps: usize,
    rng: &mut StdRng,
) {
    let batch = 64;
    let mut adam = Adam::new(3e-3, net.theta.len());
    let (lo, hi) = (range.sigma_min.ln(), range.sigma_max.ln());
    for _ in 0..steps {
        let mut grad = vec![0.0; net.theta.len()];
        for _ in 0..batch {
            let x_0 = sample_x_0(rng);
            let sigma = (lo + (hi - lo) * rng.random::<f64>()).exp();
            let y: Vec<f64> = x_0
                .iter()
                .map(|x| x + sigma * rng.sample::<f64, _>(StandardNormal))
                .collect();
            net.loss_grad(&y, &x_0, sigma, 1.0 / batch as f64, &mut grad);
        }
        adam.step(&mut net.theta, &grad);
    }
}
// ANCHOR_END: conditional

// ANCHOR: sampler
/// Generation by the reverse VE SDE, Euler–Maruyama on a geometric grid `σ_0 = σ_max >
/// … > σ_N = σ_min`: `x ← x + (σ_i² − σ_(i+1)²) s(x) + sqrt(σ_i² − σ_(i+1)²) z` with the
/// score `s(x) = (f(x, σ_i) − x) / σ_i²` (Tweedie), from `x ~ N(0, σ_max² I)`, then a
/// last denoising step `f(x, σ_min)`.
/// Introduced in chapter "Collapse and refine".
pub fn sample_reverse(
    net: &ConditionalDenoiser,
    count: usize,
    steps: usize,
    range: NoiseRange,
    rng: &mut StdRng,
) -> Vec<Vec<f64>> {
    assert!(steps > 0, "sample_reverse: need at least one step");
    let ratio = (range.sigma_min / range.sigma_max).powf(1.0 / steps as f64);
    (0..count)
        .map(|_| {
            let mut x: Vec<f64> = (0..net.n)
                .map(|_| range.sigma_max * rng.sample::<f64, _>(StandardNormal))
                .collect();
            let mut sigma = range.sigma_max;
            for _ in 0..steps {
                let next = sigma * ratio;
                let dv = sigma * sigma - next * next;
                let d = net.denoise(&x, sigma);
                for (xi, di) in x.iter_mut().zip(&d) {
                    *xi += dv * (di - *xi) / (sigma * sigma)
                        + dv.sqrt() * rng.sample::<f64, _>(StandardNormal);
                }
                sigma = next;
            }
            net.denoise(&x, sigma)
        })
        .collect()
}
// ANCHOR_END: sampler

/// Budget and settings of one pipeline comparison.
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Copy, Debug, Serialize)]
pub struct PipelineConfig {
    pub d: usize,
    pub hidden: usize,
    /// Stage 1: single-σ DSM steps of the bottleneck at `sigma_1`.
    pub stage_1_steps: usize,
    pub sigma_1: f64,
    /// Stage 2: noise-conditional DSM steps in the latent space.
    pub stage_2_steps: usize,
    pub range: NoiseRange,
    pub sampler_steps: usize,
    pub samples: usize,
}

/// What the generated samples look like: mean distance to the circle and the circular
/// mean resultant length of their angles (exact value `I_1(κ)/I_0(κ)`).
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Copy, Debug, Serialize)]
pub struct SampleStats {
    pub mean_distance: f64,
    pub resultant_length: f64,
}

/// One dimension `D`: the two-stage pipeline against the ambient denoiser, with a few
/// projected samples of each for the figure.
/// Introduced in chapter "Collapse and refine".
#[derive(Clone, Debug, Serialize)]
pub struct PipelineOutcome {
    pub d: usize,
    pub two_stage: SampleStats,
    pub ambient: SampleStats,
    /// Steps the ambient denoiser got: the two stages' together.
    pub ambient_steps: usize,
    #[serde(skip)]
    pub two_stage_points: Vec<[f64; 2]>,
    #[serde(skip)]
    pub ambient_points: Vec<[f64; 2]>,
}

fn stats(circle: &Circle, samples: &[Vec<f64>]) -> SampleStats {
    let n = samples.len() as f64;
    let angles: Vec<f64> = samples.iter().map(|x| circle.angle(x)).collect();
    SampleStats {
        mean_distance: samples.iter().map(|x| circle.distance(x)).sum::<f64>() / n,
        resultant_length: resultant_length(&angles),
    }
}

fn projected(circle: &Circle, samples: &[Vec<f64>], keep: usize) -> Vec<[f64; 2]> {
    samples
        .iter()
        .take(keep)
        .map(|x| {
            let (a, b) = circle.plane_coords(x);
            [a, b]
        })
        .collect()
}

// ANCHOR: pipeline
/// Runs both generators on the circle in `R^D`:
/// two-stage — (1) train `D = dec ∘ enc` (linear encoder to `k = 2`) at `σ_1`; (2) scale
/// the codes `z = enc(x_0)` to unit root-mean-square norm, train a noise-conditional
/// denoiser on them, sample in the latent space, and decode;
/// ambient — a noise-conditional denoiser in `R^D` trained for both stages' steps.
/// Introduced in chapter "Collapse and refine".
pub fn compare_pipelines(circle: &Circle, config: &PipelineConfig, seed: u64) -> PipelineOutcome {
    let d = circle.d;
    let mut rng = seeded_rng(seed);
    // Stage 1: where the data live.
    let mut auto = Bottleneck::new(d, 2, config.hidden, &mut rng);
    let stage_1 = TrainConfig::new(config.sigma_1, config.stage_1_steps);
    let mut adam = Adam::new(stage_1.lr, auto.theta.len());
    for _ in 0..config.stage_1_steps {
        dsm_step(&mut auto, &mut adam, circle, &stage_1, &mut rng);
    }
    let scale = {
        let codes: Vec<Vec<f64>> = (0..2000)
            .map(|_| auto.encode(&circle.sample(&mut rng).1))
            .collect();
        (codes.iter().map(|z| z[0] * z[0] + z[1] * z[1]).sum::<f64>() / codes.len() as f64).sqrt()
    };
    // Stage 2: how they are distributed, in the latent space.
    let mut latent = ConditionalDenoiser::new(2, config.hidden, &mut rng);
    let encode = |rng: &mut StdRng| -> Vec<f64> {
        auto.encode(&circle.sample(rng).1)
            .iter()
            .map(|z| z / scale)
            .collect()
    };
    train_conditional(
        &mut latent,
        encode,
        config.range,
        config.stage_2_steps,
        &mut rng,
    );
    let decoded: Vec<Vec<f64>> = sample_reverse(
        &latent,
        config.samples,
        config.sampler_steps,
        config.range,
        &mut rng,
    )
    .iter()
    .map(|z| auto.decode(&[z[0] * scale, z[1] * scale]))
    .collect();
    // The ambient denoiser, same width, same total number of steps.
    let ambient_steps = config.stage_1_steps + config.stage_2_steps;
    let mut ambient = ConditionalDenoiser::new(d, config.hidden, &mut rng);
    train_conditional(
        &mut ambient,
        |rng| circle.sample(rng).1,
        config.range,
        ambient_steps,
        &mut rng,
    );
    let direct = sample_reverse(
        &ambient,
        config.samples,
        config.sampler_steps,
        config.range,
        &mut rng,
    );
    PipelineOutcome {
        d,
        two_stage: stats(circle, &decoded),
        ambient: stats(circle, &direct),
        ambient_steps,
        two_stage_points: projected(circle, &decoded, 300),
        ambient_points: projected(circle, &direct, 300),
    }
}
// ANCHOR_END: pipeline
