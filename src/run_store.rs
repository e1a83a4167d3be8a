//! A store of finished training runs: one JSON line per run in one file, kept outside
//! the book's sources, so that a long sweep can stop and resume at any point.
//!
//! Runs are appended as they finish (an interrupted write leaves at most one broken last
//! line, which loading skips); when a sweep completes, the file is rewritten once with
//! the latest record of each run, sorted by key, so its content does not depend on the
//! order in which parallel runs finished and a version-control diff shows only the runs
//! that changed. Shared by the chapters that train many runs; it knows nothing of what a
//! record holds beyond its key.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What a chapter that reads stored runs does with its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunPolicy {
    /// Train every run the store lacks (appending each as it finishes), then use them all.
    TrainMissing,
    /// Use the stored runs; fail if any is missing. With `spot_check`, first re-train a
    /// deterministic sample (at least one run of every arm) and fail unless each gives
    /// exactly its stored numbers.
    UseStored { spot_check: bool },
    /// Re-train every run and fail unless each gives exactly its stored numbers.
    RetrainAll,
}

/// A record with a key that names its run.
pub trait Keyed {
    fn key(&self) -> &str;
}

/// The store at one file.
pub struct RunStore {
    path: PathBuf,
    append: Mutex<()>,
}

impl RunStore {
    /// The store at `path` (created, with its folder, on the first append).
    pub fn at(path: impl Into<PathBuf>) -> RunStore {
        RunStore {
            path: path.into(),
            append: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The latest parseable record of each key (none if the file does not exist).
    pub fn load<R: DeserializeOwned + Keyed>(&self) -> Result<BTreeMap<String, R>, String> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        let mut records = BTreeMap::new();
        // A line that does not parse is a run cut short while being written, or a record
        // of an older format: either way, not a finished run of this crate.
        for record in text
            .lines()
            .filter_map(|l| serde_json::from_str::<R>(l).ok())
        {
            records.insert(record.key().to_string(), record);
        }
        Ok(records)
    }

    /// Appends one record as one line, flushed before returning.
    pub fn append<R: Serialize>(&self, record: &R) -> Result<(), String> {
        let _one_writer = self.append.lock().expect("store lock");
        let fail = |e: std::io::Error| format!("cannot write {}: {e}", self.path.display());
        if let Some(folder) = self.path.parent() {
            std::fs::create_dir_all(folder).map_err(fail)?;
        }
        let mut line = serde_json::to_string(record).expect("records serialise");
        line.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(fail)?;
        file.write_all(line.as_bytes()).map_err(fail)?;
        file.sync_data().map_err(fail)
    }

    /// Rewrites the store with exactly `records`, one line each in key order (atomically:
    /// a temporary file, then a rename).
    pub fn rewrite<R: Serialize + Keyed>(&self, records: &[&R]) -> Result<(), String> {
        let _one_writer = self.append.lock().expect("store lock");
        let mut sorted: Vec<&&R> = records.iter().collect();
        sorted.sort_by(|a, b| a.key().cmp(b.key()));
        let mut text = String::new();
        for record in sorted {
            text.push_str(&serde_json::to_string(record).expect("records serialise"));
            text.push('\n');
        }
        let temporary = self.path.with_extension("jsonl.partial");
        std::fs::write(&temporary, text)
            .and_then(|_| std::fs::rename(&temporary, &self.path))
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Run {
        id: String,
        value: f64,
    }

    impl Keyed for Run {
        fn key(&self) -> &str {
            &self.id
        }
    }

    fn run(id: &str, value: f64) -> Run {
        Run {
            id: id.into(),
            value,
        }
    }

    #[test]
    fn the_latest_record_wins_a_broken_line_is_skipped_and_rewrite_sorts() {
        let dir = std::env::temp_dir().join(format!("dtg-store-{}", std::process::id()));
        let store = RunStore::at(dir.join("runs.jsonl"));
        assert!(store.load::<Run>().unwrap().is_empty());
        store.append(&run("b", 1.0)).unwrap();
        store.append(&run("a", 2.0)).unwrap();
        store.append(&run("b", 3.5)).unwrap();
        // A run interrupted while its line was being written.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(store.path())
            .unwrap();
        file.write_all(b"{\"id\":\"c\",\"val").unwrap();
        let loaded = store.load::<Run>().unwrap();
        assert_eq!(loaded.len(), 2);
        assert_eq!(loaded["b"], run("b", 3.5));
        let all: Vec<&Run> = loaded.values().collect();
        store.rewrite(&all).unwrap();
        assert_eq!(
            std::fs::read_to_string(store.path()).unwrap(),
            "{\"id\":\"a\",\"value\":2.0}\n{\"id\":\"b\",\"value\":3.5}\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
