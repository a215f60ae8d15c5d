//! Splitting a `batchStatus` call into requests and merging the answers.
//!
//! IDs are de-duplicated (first occurrence wins), cut into chunks of at most
//! `chunk_size`, and the results merged back in input order. The server may
//! answer with fewer results than IDs asked (the seed's own example does), so
//! an ID of a successful chunk that got no result is reported *missing*. IDs of
//! failed chunks are neither found nor missing: they belong to that chunk's error.

//!
//! No hash maps: a sort finds duplicates and chunks are small enough to search
//! linearly, which keeps ~8 KB of hashing code out of the wasm.

use crate::engine::response::StatusResult;
use crate::engine::sort::heap_sort;
use crate::prelude::*;

/// The de-duplicated IDs of one call and how they are cut into requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkPlan {
    ids: Vec<String>,
    chunk_size: usize,
}

impl ChunkPlan {
    /// Plan requests for `ids` (order kept, duplicates dropped).
    /// `chunk_size` of 0 is treated as 1.
    pub fn new(ids: Vec<String>, chunk_size: usize) -> Self {
        // Sort positions by (ID, position); in each run of equal IDs only the
        // first position is kept.
        let mut order: Vec<usize> = (0..ids.len()).collect();
        heap_sort(&mut order, |&a, &b| (&ids[a], a) < (&ids[b], b));
        let mut keep = vec![false; ids.len()];
        let mut previous: Option<&str> = None;
        for &i in &order {
            if previous != Some(ids[i].as_str()) {
                keep[i] = true;
                previous = Some(&ids[i]);
            }
        }
        // The kept IDs are moved out in a plain loop (no by-value iterator and its drop code).
        let mut ids = ids;
        let mut kept = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter_mut().enumerate() {
            if keep[i] {
                kept.push(core::mem::take(id));
            }
        }
        ChunkPlan { ids: kept, chunk_size: chunk_size.max(1) }
    }

    /// The distinct IDs, in input order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// The distinct IDs, in input order, taken out of the plan.
    pub fn into_ids(self) -> Vec<String> {
        self.ids
    }

    /// How many requests the plan needs.
    pub fn chunk_count(&self) -> usize {
        self.ids.len().div_ceil(self.chunk_size)
    }

    /// The IDs of request number `index` (empty past the end).
    pub fn chunk(&self, index: usize) -> &[String] {
        let start = (index * self.chunk_size).min(self.ids.len());
        let end = (start + self.chunk_size).min(self.ids.len());
        &self.ids[start..end]
    }
}

/// Results gathered from the chunks of one plan, in any order of arrival.
#[derive(Debug)]
pub struct ChunkMerge {
    /// Status of each planned ID, by position in the plan.
    found: Vec<Option<i64>>,
    failed: Vec<bool>,
}

/// The merged answer: statuses in input order and the IDs nobody reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergedStatuses {
    pub statuses: Vec<StatusResult>,
    pub missing: Vec<String>,
}

impl ChunkMerge {
    pub fn new(plan: &ChunkPlan) -> Self {
        ChunkMerge { found: vec![None; plan.ids.len()], failed: vec![false; plan.chunk_count()] }
    }

    /// Record the results of chunk `index`. Results for IDs that chunk did not
    /// ask about are ignored; a repeated ID keeps its first status.
    pub fn add(&mut self, plan: &ChunkPlan, index: usize, results: Vec<StatusResult>) {
        let start = index * plan.chunk_size;
        let asked = plan.chunk(index);
        for (k, r) in results.iter().enumerate() {
            // Servers answer in the order asked: look there first, then search.
            let offset = match asked.get(k) {
                Some(id) if *id == r.instance_id => Some(k),
                _ => asked.iter().position(|id| *id == r.instance_id),
            };
            if let Some(offset) = offset {
                if let Some(slot @ None) = self.found.get_mut(start + offset) {
                    *slot = Some(r.status);
                }
            }
        }
    }

    /// Record that chunk `index` failed.
    pub fn fail(&mut self, index: usize) {
        if let Some(failed) = self.failed.get_mut(index) {
            *failed = true;
        }
    }

    /// Merge everything recorded, in the plan's order.
    pub fn finish(&self, plan: &ChunkPlan) -> MergedStatuses {
        let mut merged = MergedStatuses { statuses: Vec::new(), missing: Vec::new() };
        for (position, (id, &status)) in plan.ids.iter().zip(&self.found).enumerate() {
            match status {
                Some(status) => merged.statuses.push(StatusResult { instance_id: id.clone(), status }),
                None if !self.failed.get(position / plan.chunk_size).copied().unwrap_or(false) => {
                    merged.missing.push(id.clone())
                }
                None => {}
            }
        }
        merged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("id{i:03}")).collect()
    }

    fn result(id: &str, status: i64) -> StatusResult {
        StatusResult { instance_id: id.into(), status }
    }

    #[test]
    fn seventy_ids_make_three_chunks_of_at_most_thirty_two() {
        let plan = ChunkPlan::new(ids(70), 32);
        assert_eq!(plan.chunk_count(), 3);
        assert_eq!([plan.chunk(0).len(), plan.chunk(1).len(), plan.chunk(2).len()], [32, 32, 6]);
        assert_eq!(plan.chunk(2)[5], "id069");
        assert!(plan.chunk(3).is_empty());
    }

    #[test]
    fn duplicates_are_dropped_keeping_first_occurrence_order() {
        let plan = ChunkPlan::new(vec!["b".into(), "a".into(), "b".into(), "c".into(), "a".into()], 32);
        assert_eq!(plan.ids(), ["b", "a", "c"]);
        assert_eq!(ChunkPlan::new(vec![], 32).chunk_count(), 0);
    }

    #[test]
    fn merge_restores_input_order_and_reports_omitted_ids_missing() {
        let plan = ChunkPlan::new(ids(5), 2);
        let mut merge = ChunkMerge::new(&plan);
        // Chunks answer out of order, and the server leaves id003 out.
        merge.add(&plan, 2, vec![result("id004", 1)]);
        merge.add(&plan, 1, vec![result("id002", 5)]);
        merge.add(&plan, 0, vec![result("id001", 3), result("id000", 2)]);
        let merged = merge.finish(&plan);
        let order: Vec<_> = merged.statuses.iter().map(|r| r.instance_id.as_str()).collect();
        assert_eq!(order, ["id000", "id001", "id002", "id004"]);
        assert_eq!(merged.missing, ["id003"]);
    }

    #[test]
    fn ids_of_failed_chunks_are_neither_found_nor_missing() {
        let plan = ChunkPlan::new(ids(4), 2);
        let mut merge = ChunkMerge::new(&plan);
        merge.add(&plan, 0, vec![result("id000", 2)]);
        merge.fail(1);
        let merged = merge.finish(&plan);
        assert_eq!(merged.statuses, [result("id000", 2)]);
        assert_eq!(merged.missing, ["id001"]);
    }

    #[test]
    fn unasked_and_repeated_results_are_ignored() {
        let plan = ChunkPlan::new(ids(2), 1);
        let mut merge = ChunkMerge::new(&plan);
        merge.add(
            &plan,
            0,
            vec![result("id000", 2), result("id000", 4), result("id001", 1), result("zzz", 1)],
        );
        merge.add(&plan, 1, vec![]);
        let merged = merge.finish(&plan);
        assert_eq!(merged.statuses, [result("id000", 2)]);
        assert_eq!(merged.missing, ["id001"], "id001 was answered in the wrong chunk");
    }
}
