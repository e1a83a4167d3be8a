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
pub use latent::{mean_pairwise_distance, LatentClassifier, DIVERSITY_SAMPLES};
pub use manywell::Manywell;

use super::Target;

/// The built-in targets, with what the chapters need to know about each.
/// Introduced in chapter "Sampling without data".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinTarget {
    /// [`Gmm::grid25`]: 25 modes on a grid, 2-D.
    Grid25,
    /// [`Gmm::fab40`]: 40 modes, 2-D.
    Fab40,
    /// [`Funnel`]: Neal's funnel, 10-D.
    Funnel,
    /// [`Manywell`]: 32-D.
    Manywell,
    /// The 2-D `N((1, −1), diag(1², 0.5²))` with `log Z = 0`.
    Gaussian,
    /// [`LatentClassifier::new`]`(16)` of chapter "Scaling up".
    Latent16,
    /// [`LatentClassifier::new`]`(32)` of chapter "Scaling up".
    Latent32,
}

impl BuiltinTarget {
    pub const ALL: [BuiltinTarget; 7] = [
        BuiltinTarget::Grid25,
        BuiltinTarget::Fab40,
        BuiltinTarget::Funnel,
        BuiltinTarget::Manywell,
        BuiltinTarget::Gaussian,
        BuiltinTarget::Latent16,
        BuiltinTarget::Latent32,
    ];

    /// The name configurations and the command line use, e.g. `25gmm`.
    pub fn name(self) -> &'static str {
        match self {
            BuiltinTarget::Grid25 => "25gmm",
            BuiltinTarget::Fab40 => "40gmm",
            BuiltinTarget::Funnel => "funnel",
            BuiltinTarget::Manywell => "manywell",
            BuiltinTarget::Gaussian => "gaussian",
            BuiltinTarget::Latent16 => "latent-16",
            BuiltinTarget::Latent32 => "latent-32",
        }
    }

    /// The target called `name`; the error lists every name.
    pub fn from_name(name: &str) -> Result<BuiltinTarget, String> {
        BuiltinTarget::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| {
                format!(
                    "unknown target '{name}' (expected one of: {})",
                    BUILTIN_TARGETS.join(", ")
                )
            })
    }

    /// The target itself.
    pub fn target(self) -> Box<dyn Target> {
        match self {
            BuiltinTarget::Grid25 => Box::new(Gmm::grid25()),
            BuiltinTarget::Fab40 => Box::new(Gmm::fab40()),
            BuiltinTarget::Funnel => Box::new(Funnel::new()),
            BuiltinTarget::Manywell => Box::new(Manywell::new()),
            BuiltinTarget::Gaussian => {
                Box::new(Gaussian::new(vec![1.0, -1.0], vec![1.0, 0.5]).with_log_z(0.0))
            }
            BuiltinTarget::Latent16 => Box::new(LatentClassifier::new(16)),
            BuiltinTarget::Latent32 => Box::new(LatentClassifier::new(32)),
        }
    }

    /// The mixture, for a mixture target: its modes are what coverage counts.
    pub fn mixture(self) -> Option<Gmm> {
        match self {
            BuiltinTarget::Grid25 => Some(Gmm::grid25()),
            BuiltinTarget::Fab40 => Some(Gmm::fab40()),
            _ => None,
        }
    }

    /// The latent-space task, for the targets of chapter "Scaling up".
    pub fn latent_task(self) -> Option<LatentClassifier> {
        match self {
            BuiltinTarget::Latent16 => Some(LatentClassifier::new(16)),
            BuiltinTarget::Latent32 => Some(LatentClassifier::new(32)),
            _ => None,
        }
    }

    /// Half the width of a square figure of samples that shows the whole target.
    pub fn plot_extent(self) -> f64 {
        match self {
            BuiltinTarget::Fab40 => 50.0,
            _ => 14.0,
        }
    }
}

/// The names of [`BuiltinTarget::ALL`], in order.
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

/// The built-in target called `name` (one of [`BUILTIN_TARGETS`]; see [`BuiltinTarget`]).
/// Introduced in chapter "Sampling without data".
pub fn builtin(name: &str) -> Result<Box<dyn Target>, String> {
    Ok(BuiltinTarget::from_name(name)?.target())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_the_list() {
        for (t, name) in BuiltinTarget::ALL.into_iter().zip(BUILTIN_TARGETS) {
            assert_eq!(t.name(), name);
            assert_eq!(BuiltinTarget::from_name(name), Ok(t));
            assert_eq!(t.target().name(), name);
        }
    }
}
