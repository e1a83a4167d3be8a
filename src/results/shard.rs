//! Spreading a sweep over many machines: `--shard K/N` runs the K-th of N disjoint slices
//! of a sweep into its own store, and `merge` joins the stores. A slice holds whole
//! configurations (every seed and every stage of one), so each shard can apply the
//! stage rules to its own runs, and N shards merged hold exactly the runs of one
//! unsharded sweep.

use super::sweep::RunRecord;
use crate::run_store::RunStore;
use crate::sampling_without_data::train::TrainConfig;
use std::collections::BTreeMap;
use std::path::Path;

/// The `index`-th (1-based) of `count` slices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The whole sweep.
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Parses `K/N` with `1 ≤ K ≤ N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard takes K/N with 1 ≤ K ≤ N (such as 3/8), got '{text}'");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            k.trim().parse::<u64>().map_err(|_| bad())?,
            n.trim().parse::<u64>().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether this slice trains runs of `config`: decided by the configuration with its
    /// seed and its stage (iterations, evaluation spacing) taken out.
    pub fn takes(&self, config: &TrainConfig) -> bool {
        let mut key = config.clone();
        key.seed = 0;
        key.iterations = 0;
        key.eval_every = 0;
        let text = serde_json::to_string(&key).expect("configurations serialise");
        crate::report::stable_hash(text.as_bytes()) % self.count == self.index - 1
    }
}

/// Joins the runs of the stores `from` into the store `into` (whose own runs are kept):
/// a run stored twice must be the same run (timing aside), or nothing is written.
/// Returns how many runs the joined store holds.
pub fn merge(into: &Path, from: &[&Path]) -> Result<usize, String> {
    let target = RunStore::at(into);
    let mut joined: BTreeMap<String, RunRecord> = match into.exists() {
        true => target.load()?,
        false => BTreeMap::new(),
    };
    for path in from {
        for (id, record) in RunStore::at(path).load::<RunRecord>()? {
            match joined.get(&id) {
                Some(kept) if kept.without_timing() != record.without_timing() => {
                    return Err(format!(
                        "run {id} is stored twice with different results ({} and {}): not merging",
                        into.display(),
                        path.display()
                    ));
                }
                Some(_) => {}
                None => {
                    joined.insert(id, record);
                }
            }
        }
    }
    target.rewrite(&joined.values().collect::<Vec<_>>())?;
    Ok(joined.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_is_k_of_n_and_bad_ones_are_named() {
        assert_eq!(Shard::parse("3/8"), Ok(Shard { index: 3, count: 8 }));
        for bad in ["0/4", "5/4", "3", "a/b", "2/0"] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
    }

    #[test]
    fn every_configuration_is_in_exactly_one_shard_whatever_its_seed_and_stage() {
        let mut configs = Vec::new();
        for steps in [3, 5, 10, 20] {
            for seed in 0..3 {
                let mut c = TrainConfig {
                    seed,
                    ..TrainConfig::default()
                };
                c.kernel.steps = steps;
                configs.push(c);
            }
        }
        let shards: Vec<Shard> = (1..=3).map(|index| Shard { index, count: 3 }).collect();
        for c in &configs {
            assert_eq!(shards.iter().filter(|s| s.takes(c)).count(), 1);
            let mut later = c.clone();
            (later.seed, later.iterations, later.eval_every) = (7, 40_000, 2_000);
            let owner = |c: &TrainConfig| shards.iter().position(|s| s.takes(c));
            assert_eq!(owner(c), owner(&later));
        }
        assert!(configs.iter().all(|c| Shard::WHOLE.takes(c)));
    }
}
