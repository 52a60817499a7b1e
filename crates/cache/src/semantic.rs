//! The semantic tier's vector index: stored prompts by scope, each an 8-bit quantised unit
//! vector and its instruction (for the guard), searched by a plain scan of the scope.
//!
//! A scope holds only requests that agree on everything but the instruction's wording, so
//! scans are short in practice; the whole index is bounded in entries (oldest first out).

use crate::{
    guard::{self, PromptFeatures},
    key::KeyHash,
    stats::RefusalReason,
};
use std::{
    collections::{HashMap, VecDeque},
    sync::{Mutex, PoisonError, RwLock},
};

/// Candidates above the threshold the guard examines, most similar first.
const MAX_GUARDED_CANDIDATES: usize = 8;

/// One stored prompt.
#[derive(Debug)]
struct IndexedPrompt {
    exact: KeyHash,
    vector: Box<[i8]>,
    instruction: Box<str>,
    has_code: bool,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchResult {
    /// A stored prompt similar enough that the guard let through.
    Hit {
        /// Its exact key, under which its answer is stored.
        exact: KeyHash,
        /// Cosine similarity.
        similarity: f32,
    },
    /// Similar prompts existed, but the guard refused the most similar one.
    Refused(RefusalReason),
    /// None similar enough.
    Miss,
}

/// Stored prompts by scope.
#[derive(Debug)]
pub struct SemanticIndex {
    scopes: RwLock<HashMap<KeyHash, Vec<IndexedPrompt>>>,
    /// Insertion order, for eviction.
    order: Mutex<VecDeque<(KeyHash, KeyHash)>>,
    max_entries: usize,
}

fn quantise(v: &[f32]) -> Box<[i8]> {
    #[expect(clippy::cast_possible_truncation, reason = "clamped to the i8 range")]
    v.iter()
        .map(|x| (x * 127.0).round().clamp(-127.0, 127.0) as i8)
        .collect()
}

fn dot(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum()
}

impl SemanticIndex {
    /// An index of at most `max_entries` prompts.
    pub fn new(max_entries: usize) -> Self {
        Self {
            scopes: RwLock::new(HashMap::new()),
            order: Mutex::new(VecDeque::new()),
            max_entries: max_entries.max(1),
        }
    }

    /// Prompts held.
    pub fn len(&self) -> usize {
        self.order
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether none are held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a prompt of `scope` whose answer is stored under `exact`.
    pub fn insert(
        &self,
        scope: KeyHash,
        exact: KeyHash,
        vector: &[f32],
        instruction: &str,
        has_code: bool,
    ) {
        let prompt = IndexedPrompt {
            exact,
            vector: quantise(vector),
            instruction: instruction.into(),
            has_code,
        };
        let evicted = {
            let mut order = self.order.lock().unwrap_or_else(PoisonError::into_inner);
            order.push_back((scope, exact));
            let mut evicted = Vec::new();
            while order.len() > self.max_entries {
                evicted.extend(order.pop_front());
            }
            evicted
        };
        let mut scopes = self.scopes.write().unwrap_or_else(PoisonError::into_inner);
        let list = scopes.entry(scope).or_default();
        // A re-stored prompt replaces its older self.
        list.retain(|p| p.exact != exact);
        list.push(prompt);
        for (s, e) in evicted {
            if let Some(list) = scopes.get_mut(&s) {
                if let Some(i) = list.iter().position(|p| p.exact == e) {
                    list.swap_remove(i);
                }
                if list.is_empty() {
                    scopes.remove(&s);
                }
            }
        }
    }

    /// Removes the prompt stored under `exact` (its answer is gone).
    pub fn remove(&self, scope: &KeyHash, exact: &KeyHash) {
        let mut scopes = self.scopes.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(list) = scopes.get_mut(scope) {
            list.retain(|p| p.exact != *exact);
        }
    }

    /// The most similar prompt of `scope` at or above `threshold` that the guard accepts.
    pub fn search(
        &self,
        scope: &KeyHash,
        vector: &[f32],
        instruction: &str,
        has_code: bool,
        threshold: f32,
    ) -> SearchResult {
        let query = quantise(vector);
        let scale = 127.0f32 * 127.0;
        let mut candidates: Vec<(f32, KeyHash, Box<str>, bool)> = {
            let scopes = self.scopes.read().unwrap_or_else(PoisonError::into_inner);
            let Some(list) = scopes.get(scope) else {
                return SearchResult::Miss;
            };
            let mut found: Vec<(f32, usize)> = list
                .iter()
                .enumerate()
                .map(|(i, p)| (dot(&query, &p.vector) as f32 / scale, i))
                .filter(|(s, _)| *s >= threshold)
                .collect();
            found.sort_by(|a, b| b.0.total_cmp(&a.0));
            found.truncate(MAX_GUARDED_CANDIDATES);
            found
                .into_iter()
                .filter_map(|(s, i)| {
                    list.get(i)
                        .map(|p| (s, p.exact, p.instruction.clone(), p.has_code))
                })
                .collect()
        };
        if candidates.is_empty() {
            return SearchResult::Miss;
        }
        let mine = PromptFeatures::of(instruction, has_code);
        let mut refusal = None;
        for (similarity, exact, theirs, their_code) in candidates.drain(..) {
            match guard::check(&mine, &PromptFeatures::of(&theirs, their_code)) {
                Ok(()) => {
                    return SearchResult::Hit {
                        exact,
                        similarity: similarity.min(1.0),
                    }
                }
                Err(reason) => {
                    refusal.get_or_insert(reason);
                }
            }
        }
        refusal.map_or(SearchResult::Miss, SearchResult::Refused)
    }
}
