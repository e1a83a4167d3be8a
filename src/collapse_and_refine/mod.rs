//! Part IV, chapter "collapse-and-refine" (scaffold; being written).

use crate::report::{GeneratedFiles, Provenance, Scale};
use serde::Serialize;

/// The chapter's folder under `book/generated/`.
pub const CHAPTER: &str = "collapse-and-refine";

/// Everything the chapter reports.
#[derive(Clone, Debug, Serialize)]
pub struct ChapterResults {}

/// Runs the chapter's experiments.
pub fn run(_scale: Scale, _seed: u64) -> ChapterResults {
    ChapterResults {}
}

/// The chapter's generated files.
pub fn chapter_files(results: &ChapterResults, provenance: &Provenance) -> GeneratedFiles {
    GeneratedFiles::with_report(CHAPTER, provenance, results)
}
