//! What a chapter's generated files were made from, as one hash: the sources of the
//! chapter's module and of every module it imports (read from its `crate::` paths,
//! transitively), the crate root, the manifest, the lock file and the toolchain, plus
//! whatever else the chapter reads (a run store) and the scale and seed. If none of
//! these changed, regenerating the chapter cannot change its files, so the freshness
//! check may compare the files' hashes instead of running the chapter again.
//!
//! The import graph is read from the text, not from the compiler: a mention of
//! `crate::plot` anywhere in a module's files (a `use` line, a path in code, a doc
//! link) counts as an import of `plot`. Over-counting only regenerates more.

use crate::report::stable_hash_hex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Files every chapter depends on besides its modules: the crate root (which declares
/// the modules and the version), the manifest (features, profiles), the exact
/// dependency versions, and the compiler.
pub const SHARED_INPUTS: [&str; 4] = [
    "src/lib.rs",
    "Cargo.toml",
    "Cargo.lock",
    "rust-toolchain.toml",
];

/// The chapters' modules, in reading order. A module of `src/` that is neither a chapter
/// nor a consumer is a shared piece: it counts as an input of every chapter it imports.
pub const CHAPTER_MODULES: [&str; 14] = [
    "learning_by_withholding",
    "exploration",
    "destroying_and_generating",
    "mashing_everything",
    "shuffling_everything",
    "beyond_markov",
    "about_the_diagrams",
    "sampling_without_data",
    "adaptive_destruction",
    "results",
    "scaling_up",
    "denoisers_and_scores",
    "easy_to_hard",
    "collapse_and_refine",
];

/// The modules that call chapters but never change what one computes: the book's
/// pipeline, the command line and the notebooks' helpers.
pub const CONSUMERS: [&str; 3] = ["book_pipeline", "cli", "notebook"];

/// The crate's sources, read from its root folder (the one holding `Cargo.toml`).
pub struct SourceTree {
    root: PathBuf,
    /// Each top-level module of `src/` and the files that make it, relative to `root`.
    modules: BTreeMap<String, Vec<PathBuf>>,
}

/// A chapter's input fingerprint, and the modules it covers (for a reader of the record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    pub hash: String,
    pub modules: Vec<String>,
}

impl SourceTree {
    /// The tree at `root`: every `src/<name>.rs` and `src/<name>/` except the crate root
    /// and the binary's `main.rs`.
    pub fn at(root: impl Into<PathBuf>) -> Result<SourceTree, String> {
        let root = root.into();
        let src = root.join("src");
        let entries = std::fs::read_dir(&src)
            .map_err(|e| format!("cannot read the crate's sources in {}: {e}", src.display()))?;
        let mut modules = BTreeMap::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                let mut files = Vec::new();
                files_under(&path, &mut files);
                let files = files
                    .into_iter()
                    .map(|f| relative(&root, &f))
                    .collect::<Vec<_>>();
                modules.insert(name, files);
            } else if let Some(stem) = name.strip_suffix(".rs") {
                if stem != "lib" && stem != "main" {
                    modules.insert(stem.to_string(), vec![relative(&root, &path)]);
                }
            }
        }
        Ok(SourceTree { root, modules })
    }

    /// The tree of this crate, read from the current folder (the repository root, where
    /// every command of the book's pipeline runs).
    pub fn current() -> Result<SourceTree, String> {
        SourceTree::at(".")
    }

    pub fn has_module(&self, module: &str) -> bool {
        self.modules.contains_key(module)
    }

    /// The modules that `module`'s files name through `crate::` paths (itself aside).
    pub fn direct_imports(&self, module: &str) -> Result<BTreeSet<String>, String> {
        let files = self
            .modules
            .get(module)
            .ok_or_else(|| format!("no module '{module}' in src/"))?;
        let mut imports = BTreeSet::new();
        for file in files {
            let text = self.read(file)?;
            imports.extend(
                crate_paths(&text)
                    .into_iter()
                    .filter(|m| m != module && self.modules.contains_key(m)),
            );
        }
        Ok(imports)
    }

    /// `modules` and every module they import, directly or through others; and every
    /// shared module (neither a chapter nor a consumer) that imports one of those, since
    /// it may implement their traits for its types and so change what they compute, as
    /// `fast_cpu` does for chapter "Sampling without data".
    pub fn closure(&self, modules: &[&str]) -> Result<BTreeSet<String>, String> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<String> = modules.iter().map(|m| m.to_string()).collect();
        loop {
            while let Some(module) = todo.pop() {
                if seen.insert(module.clone()) {
                    todo.extend(self.direct_imports(&module)?);
                }
            }
            for module in self.modules.keys().filter(|m| !seen.contains(*m)) {
                let is_shared = !CHAPTER_MODULES.contains(&module.as_str())
                    && !CONSUMERS.contains(&module.as_str());
                if is_shared && !self.direct_imports(module)?.is_disjoint(&seen) {
                    todo.push(module.clone());
                }
            }
            if todo.is_empty() {
                return Ok(seen);
            }
        }
    }

    /// The fingerprint of `modules` (with their imports), the [`SHARED_INPUTS`], the
    /// `extra` files (a missing one counts as empty) and `settings` (scale, seed, …).
    pub fn fingerprint(
        &self,
        modules: &[&str],
        extra: &[&Path],
        settings: &str,
    ) -> Result<Fingerprint, String> {
        let closure = self.closure(modules)?;
        let mut files: Vec<PathBuf> = closure
            .iter()
            .flat_map(|m| self.modules[m].iter().cloned())
            .collect();
        files.extend(SHARED_INPUTS.iter().map(PathBuf::from));
        files.extend(extra.iter().map(|p| p.to_path_buf()));
        let mut bytes = settings.as_bytes().to_vec();
        for file in files {
            // The path is hashed too: moving code between files is a change worth a check.
            bytes.push(0);
            bytes.extend(file.to_string_lossy().as_bytes());
            bytes.push(0);
            match std::fs::read(self.root.join(&file)) {
                Ok(contents) => bytes.extend(contents),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
            }
        }
        Ok(Fingerprint {
            hash: stable_hash_hex(&bytes),
            modules: closure.into_iter().collect(),
        })
    }

    fn read(&self, file: &Path) -> Result<String, String> {
        std::fs::read_to_string(self.root.join(file))
            .map_err(|e| format!("cannot read {}: {e}", file.display()))
    }
}

/// Every file under `folder`, sorted, so the fingerprint does not depend on the order
/// in which the file system lists them.
fn files_under(folder: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// `path` relative to `root`, with `/` separators on every platform.
fn relative(root: &Path, path: &Path) -> PathBuf {
    let rel = path.strip_prefix(root).unwrap_or(path);
    PathBuf::from(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// The first segment of every `crate::` path in `text`: `crate::plot::svg` gives `plot`,
/// and `crate::{report::Scale, sampling}` gives `report` and `sampling`.
pub fn crate_paths(text: &str) -> BTreeSet<String> {
    paths_after(text, "crate::")
}

/// The first segment of every path in `text` that starts with `prefix` (such as
/// `destroy_then_generate::` in a notebook).
pub fn paths_after(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        rest = &rest[i + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => item_start = true,
                    c if item_start && depth == 1 && is_ident(c) => {
                        item_start = false;
                        names.insert(identifier(&group[j..]).to_string());
                    }
                    _ => {}
                }
            }
        } else {
            let name = identifier(rest);
            if !name.is_empty() {
                names.insert(name.to_string());
            }
        }
    }
    names
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn identifier(text: &str) -> &str {
    let end = text.find(|c: char| !is_ident(c)).unwrap_or(text.len());
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_paths_read_single_paths_and_groups() {
        let text = "use crate::plot::{svg, Line};\nuse crate::{\n    report::{Scale, GeneratedFiles},\n    sampling,\n};\n/// See [`crate::numbers::Rational`].\nfn f() { $crate::progress::Progress::hidden(); }";
        let names: Vec<String> = crate_paths(text).into_iter().collect();
        assert_eq!(names, ["numbers", "plot", "progress", "report", "sampling"]);
    }
}
