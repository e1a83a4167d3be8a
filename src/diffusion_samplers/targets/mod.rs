//! The built-in targets of chapter "Sampling without data", each with an exact sampler
//! and its exact `log Z`: the 25-mode grid and 40-mode FAB Gaussian mixtures, Neal's
//! funnel, many-well, and a diagonal Gaussian where everything is exact.

mod funnel;
mod gaussian;
mod gmm;
mod latent;
mod manywell;

pub use funnel::Funnel;
pub use gaussian::Gaussian;
pub use gmm::Gmm;
pub use latent::{mean_pairwise_distance, LatentClassifier};
pub use manywell::Manywell;

use super::Target;

/// The names [`builtin`] accepts: `25gmm`, `40gmm`, `funnel`, `manywell`, `gaussian`, and
/// the latent-space tasks `latent-16`, `latent-32` of chapter "Scaling up".
/// Introduced in chapter "Sampling without data".
pub const BUILTIN_TARGETS: [&str; 7] = [
    "25gmm",
    "40gmm",
    "funnel",
    "manywell",
    "gaussian",
    "latent-16",
    "latent-32",
];

/// The built-in target called `name` (one of [`BUILTIN_TARGETS`]): `25gmm` is
/// [`Gmm::grid25`], `40gmm` is [`Gmm::fab40`], `funnel` is [`Funnel`], `manywell` is
/// [`Manywell`], `latent-k` is [`LatentClassifier::new`]`(k)`, and `gaussian` is the 2-D `N((1, −1), diag(1², 0.5²))` with `log Z = 0`.
/// Introduced in chapter "Sampling without data".
pub fn builtin(name: &str) -> Result<Box<dyn Target>, String> {
    match name {
        "25gmm" => Ok(Box::new(Gmm::grid25())),
        "40gmm" => Ok(Box::new(Gmm::fab40())),
        "funnel" => Ok(Box::new(Funnel::new())),
        "manywell" => Ok(Box::new(Manywell::new())),
        "gaussian" => Ok(Box::new(
            Gaussian::new(vec![1.0, -1.0], vec![1.0, 0.5]).with_log_z(0.0),
        )),
        "latent-16" => Ok(Box::new(LatentClassifier::new(16))),
        "latent-32" => Ok(Box::new(LatentClassifier::new(32))),
        _ => Err(format!(
            "unknown target '{name}' (expected one of: {})",
            BUILTIN_TARGETS.join(", ")
        )),
    }
}
