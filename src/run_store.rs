//! A store of finished training runs: one JSON line per run in one file, kept outside
//! the book's sources, so that a long sweep can stop and resume at any point.
//!
//! Runs are appended as they finish (a process killed mid-write leaves at most one broken
//! last line: loading skips it and says so, and the next append starts a new line rather
//! than gluing a finished run to it). One process writes a store at a time: a second one
//! refuses, naming the store's lock file. When a sweep completes, the file is rewritten once with
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
    /// Serialises this handle's writers (other processes are kept out by a lock file).
    append: Mutex<()>,
}

/// The lock files (`<store>.lock`) this process holds, by store: taken at a store's first
/// write and kept until the process ends, so that a second process writing the same
/// store refuses at once instead of interleaving its runs with ours, while every handle
/// of this process may write.
static WRITING: Mutex<BTreeMap<PathBuf, std::fs::File>> = Mutex::new(BTreeMap::new());

/// Lines of a store that are not records: cut short (not JSON at all: a run killed while
/// its line was being written) or of another format (JSON, but not this record type).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    pub cut_short: usize,
    pub other_format: usize,
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

    /// The latest parseable record of each key (none if the file does not exist). Lines
    /// that are not records are skipped, and said so on stderr once per store and count.
    pub fn load<R: DeserializeOwned + Keyed>(&self) -> Result<BTreeMap<String, R>, String> {
        let (records, skipped) = self.load_counting::<R>()?;
        if skipped != Skipped::default() {
            static SAID: Mutex<Vec<(PathBuf, usize, usize)>> = Mutex::new(Vec::new());
            let said = (self.path.clone(), skipped.cut_short, skipped.other_format);
            let mut already = SAID.lock().expect("note lock");
            if !already.contains(&said) {
                eprintln!(
                    "note: {} has {} line(s) cut short (a run killed while being written) and {} of another format (an older record type); both are skipped",
                    self.path.display(),
                    skipped.cut_short,
                    skipped.other_format
                );
                already.push(said);
            }
        }
        Ok(records)
    }

    /// [`RunStore::load`], with the count of the lines it skipped.
    pub fn load_counting<R: DeserializeOwned + Keyed>(
        &self,
    ) -> Result<(BTreeMap<String, R>, Skipped), String> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((BTreeMap::new(), Skipped::default()))
            }
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        let mut records = BTreeMap::new();
        let mut skipped = Skipped::default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<R>(line) {
                Ok(record) => {
                    records.insert(record.key().to_string(), record);
                }
                Err(_) if serde_json::from_str::<serde_json::Value>(line).is_ok() => {
                    skipped.other_format += 1
                }
                Err(_) => skipped.cut_short += 1,
            }
        }
        Ok((records, skipped))
    }

    /// Takes the store's lock file for this process, once; fails if another process
    /// holds it.
    fn lock_for_writing(&self) -> Result<(), String> {
        let mut writing = WRITING.lock().expect("lock registry");
        if writing.contains_key(&self.path) {
            return Ok(());
        }
        let lock_path = self.path.with_extension("jsonl.lock");
        let fail = |e: std::io::Error| format!("cannot open {}: {e}", lock_path.display());
        if let Some(folder) = self.path.parent() {
            std::fs::create_dir_all(folder).map_err(fail)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(fail)?;
        match file.try_lock() {
            Ok(()) => {
                writing.insert(self.path.clone(), file);
                Ok(())
            }
            Err(std::fs::TryLockError::WouldBlock) => Err(format!(
                "another process is writing {} (it holds {}); wait for it to finish, or give this one another store",
                self.path.display(),
                lock_path.display()
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(fail(e)),
        }
    }

    /// Appends one record as one line, flushed before returning. If the file's last line
    /// was cut short (a run killed mid-write), the record starts a line of its own rather
    /// than being glued to the broken one.
    pub fn append<R: Serialize>(&self, record: &R) -> Result<(), String> {
        let _one_writer = self.append.lock().expect("store lock");
        self.lock_for_writing()?;
        let fail = |e: std::io::Error| format!("cannot write {}: {e}", self.path.display());
        let mut line = serde_json::to_string(record).expect("records serialise");
        line.push('\n');
        let ends_mid_line = std::fs::read(&self.path)
            .map(|bytes| bytes.last().is_some_and(|&b| b != b'\n'))
            .unwrap_or(false);
        if ends_mid_line {
            line.insert(0, '\n');
        }
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
        self.lock_for_writing()?;
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
        // A run killed while its line was being written, and a record of another format.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(store.path())
            .unwrap();
        file.write_all(b"{\"id\":\"old\",\"score\":1}\n{\"id\":\"c\",\"val")
            .unwrap();
        let (loaded, skipped) = store.load_counting::<Run>().unwrap();
        assert_eq!(loaded.len(), 2);
        assert_eq!(loaded["b"], run("b", 3.5));
        assert_eq!(
            skipped,
            Skipped {
                cut_short: 1,
                other_format: 1
            }
        );
        // The next finished run starts a line of its own and is kept.
        store.append(&run("d", 4.0)).unwrap();
        let (loaded, skipped) = store.load_counting::<Run>().unwrap();
        assert_eq!(loaded["d"], run("d", 4.0));
        assert_eq!(skipped.cut_short, 1);
        let all: Vec<&Run> = loaded.values().collect();
        store.rewrite(&all).unwrap();
        assert_eq!(
            std::fs::read_to_string(store.path()).unwrap(),
            "{\"id\":\"a\",\"value\":2.0}\n{\"id\":\"b\",\"value\":3.5}\n{\"id\":\"d\",\"value\":4.0}\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_second_process_writing_the_same_store_is_refused() {
        let dir = std::env::temp_dir().join(format!("dtg-store-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Another process's hold on the store: an open, locked lock file.
        let other = std::fs::File::create(dir.join("runs.jsonl.lock")).unwrap();
        other.try_lock().unwrap();
        let store = RunStore::at(dir.join("runs.jsonl"));
        let refused = store.append(&run("a", 1.0)).unwrap_err();
        assert!(refused.contains("another process is writing"), "{refused}");
        assert!(!dir.join("runs.jsonl").exists());
        drop(other);
        store.append(&run("a", 1.0)).unwrap();
        // Every handle of this process may write once one holds the lock.
        RunStore::at(dir.join("runs.jsonl"))
            .append(&run("b", 2.0))
            .unwrap();
        assert_eq!(store.load::<Run>().unwrap().len(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
