//! Which notebooks must run again in the kernel: a notebook's fingerprint covers its
//! source, the crate modules it names (with all they import), the crate's shared inputs
//! and the pinned kernel; the record `notebooks/executed.json` keeps the fingerprint of
//! each notebook's last green run. A notebook whose fingerprint differs from its
//! record (or has none) is run; the others ran green on exactly these inputs.

use super::fingerprint::{paths_after, SourceTree};
use std::collections::BTreeMap;
use std::path::Path;

/// The record of the last green run of each notebook, committed next to them.
pub const RECORD: &str = "notebooks/executed.json";
/// The notebooks' sources (one Markdown file per notebook).
const SOURCES: &str = "notebooks/src";
/// Pins the kernel's version (evcxr_jupyter) and the Jupyter runner's.
const KERNEL_PINS: [&str; 2] = ["tools/setup.sh", "tools/requirements.txt"];

/// Every notebook's name (its source's file stem) and fingerprint, by name.
pub fn fingerprints(tree: &SourceTree) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let entries = std::fs::read_dir(SOURCES)
        .map_err(|e| format!("cannot read the notebooks' sources in {SOURCES}: {e}"))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".md"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let named: Vec<String> = paths_after(&text, "destroy_then_generate::")
            .into_iter()
            .filter(|m| tree.has_module(m))
            .collect();
        let named: Vec<&str> = named.iter().map(String::as_str).collect();
        let mut extra: Vec<&Path> = KERNEL_PINS.iter().map(Path::new).collect();
        extra.push(&path);
        let fingerprint = tree.fingerprint(&named, &extra, &format!("notebook {name}"))?;
        out.insert(name.to_string(), fingerprint.hash);
    }
    Ok(out)
}

fn read_record() -> BTreeMap<String, String> {
    std::fs::read_to_string(RECORD)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// The notebooks whose inputs changed since their last green run, by name.
pub fn stale() -> Result<Vec<String>, String> {
    let record = read_record();
    Ok(fingerprints(&SourceTree::current()?)?
        .into_iter()
        .filter(|(name, hash)| record.get(name) != Some(hash))
        .map(|(name, _)| name)
        .collect())
}

/// Records that the notebooks `names` just ran green on the current inputs.
pub fn record_green(names: &[String]) -> Result<(), String> {
    let current = fingerprints(&SourceTree::current()?)?;
    let mut record = read_record();
    record.retain(|name, _| current.contains_key(name));
    for name in names {
        let hash = current
            .get(name)
            .ok_or_else(|| format!("no notebook '{name}' in {SOURCES}"))?;
        record.insert(name.clone(), hash.clone());
    }
    let mut text = serde_json::to_string_pretty(&record).expect("records serialise");
    text.push('\n');
    let temporary = format!("{RECORD}.partial");
    std::fs::write(&temporary, text)
        .and_then(|_| std::fs::rename(&temporary, RECORD))
        .map_err(|e| format!("cannot write {RECORD}: {e}"))
}
