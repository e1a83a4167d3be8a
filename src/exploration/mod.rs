//! Part I, chapter "Exploration": reward as conditioning of the data distribution, the
//! decoding-order question for reward-tuning masked models, and destruction seen as a
//! transport problem (the bridge to Part III).

pub mod conditioning;
pub mod convergence;
pub mod exercises;
mod experiment;
mod figures;
pub mod grpo;
pub mod masked_model;
pub mod stored_runs;
pub mod transport;

pub use experiment::{
    chapter_files, compare, decoding_order_converged, decoding_order_supported, regularisers,
    rejection_sample, run, run_with, verdicts, Budget, ChapterResults, ConditioningResults,
    DecodingOrderResults, MeanSe, OrderSummary, Paired, RegularisedPlan, RunId, TransportResults,
    TuningReference, TuningSetup, Verdict, BETA, CHAPTER, CLIP, GROUP, INNER_STEPS, LEARNING_RATE,
    MAX_ACCEPTANCE_Z, MAX_DRAWS_PER_ACCEPTED, PLAN_TOLERANCE, PRETRAIN_BATCH, RULE_STANDARD_ERRORS,
    TRAINING_SENTENCES, TRANSPORT_POINTS,
};
