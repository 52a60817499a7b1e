//! The semantic tier's vector index: stored prompts by scope, each an 8-bit quantised unit
//! vector, a 256-bit SimHash sketch of it (signs of fixed random projections), and its
//! instruction (for the guard).
//!
//! A search scans the scope's sketches (XOR and popcount), keeps the prompts whose Hamming
//! distance is within what the similarity threshold allows (plus four standard deviations,
//! so a prompt above the threshold is practically never dropped), and computes the exact
//! cosine only for those: a scope of 100,000 prompts costs a fraction of a full scan.
//!
//! A scope holds only requests that agree on everything but the instruction's wording, so
//! scans are short in practice; the whole index is bounded in entries (oldest first out).

use crate::{
    guard::{self, PromptFeatures},
    key::KeyHash,
    stats::RefusalReason,
};
use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{Mutex, PoisonError, RwLock},
};

/// Candidates above the threshold the guard examines, most similar first.
const MAX_GUARDED_CANDIDATES: usize = 8;

/// Words of a sketch (256 bits).
const SKETCH_WORDS: usize = 4;
const SKETCH_BITS: usize = SKETCH_WORDS * 64;
/// Most prompts whose exact similarity is computed per search.
const MAX_RERANKED: usize = 256;

/// A 256-bit SimHash sketch of a vector.
pub type Sketch = [u64; SKETCH_WORDS];

/// A vector as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedVector {
    /// Its sketch.
    pub sketch: Sketch,
    /// Its values ×127, rounded.
    pub values: Box<[i8]>,
}

/// Fixed random hyperplanes (seeded, so every replica computes the same sketches).
#[derive(Debug)]
struct Projections {
    dims: usize,
    planes: Vec<f32>,
}

impl Projections {
    fn new(dims: usize) -> Self {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let planes = (0..dims * SKETCH_BITS)
            .map(|_| {
                // xorshift64*: a uniform value in [-1, 1).
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                let r = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
                (r >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            })
            .collect();
        Self { dims, planes }
    }

    fn sketch(&self, v: &[f32]) -> Sketch {
        let mut out = [0u64; SKETCH_WORDS];
        for (bit, plane) in self.planes.chunks(self.dims).enumerate() {
            let dot: f32 = plane.iter().zip(v).map(|(p, x)| p * x).sum();
            if dot >= 0.0 {
                if let Some(w) = out.get_mut(bit / 64) {
                    *w |= 1 << (bit % 64);
                }
            }
        }
        out
    }
}

/// Hamming distance of two sketches.
fn hamming(a: &Sketch, b: &Sketch) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has POPCNT (checked just above).
            return unsafe { hamming_popcnt(a, b) };
        }
    }
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// [`hamming`] with the POPCNT instruction, which the baseline x86-64 target cannot assume.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn hamming_popcnt(a: &Sketch, b: &Sketch) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// The largest Hamming distance at which a prompt may still reach `threshold`: the expected
/// distance at that cosine plus four standard deviations.
fn hamming_cutoff(threshold: f32) -> u32 {
    let p = f64::from(threshold.clamp(-1.0, 1.0)).acos() / std::f64::consts::PI;
    let n = SKETCH_BITS as f64;
    let cutoff = n * p + 4.0 * (n * p * (1.0 - p)).sqrt() + 1.0;
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "within 0..=256"
    )]
    let c = cutoff.clamp(0.0, n) as u32;
    c
}

/// One stored prompt.
#[derive(Debug)]
struct IndexedPrompt {
    exact: KeyHash,
    sketch: Sketch,
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

/// The prompts, by scope, and the exact keys held (so that adding a prompt does not scan
/// its scope: a replica filling its index from Redis adds 100,000 of them at once).
#[derive(Debug, Default)]
struct Scopes {
    by_scope: HashMap<KeyHash, Vec<IndexedPrompt>>,
    held: HashSet<KeyHash>,
}

/// Stored prompts by scope.
#[derive(Debug)]
pub struct SemanticIndex {
    scopes: RwLock<Scopes>,
    /// Insertion order, for eviction.
    order: Mutex<VecDeque<(KeyHash, KeyHash)>>,
    max_entries: usize,
    /// Built for the embedder's dimensions on first use.
    projections: std::sync::OnceLock<Projections>,
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
            scopes: RwLock::new(Scopes::default()),
            order: Mutex::new(VecDeque::new()),
            max_entries: max_entries.max(1),
            projections: std::sync::OnceLock::new(),
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
        let prepared = self.prepare(vector);
        self.insert_prepared(scope, exact, prepared, instruction, has_code);
    }

    /// `vector` as the index holds it: its sketch and its quantised values (what the shared
    /// tier sends to the other replicas, so that they index it without recomputing).
    pub fn prepare(&self, vector: &[f32]) -> PreparedVector {
        PreparedVector {
            sketch: self.sketch(vector),
            values: quantise(vector),
        }
    }

    /// Adds a prompt whose vector is already prepared (here or by another replica with the
    /// same embedder: sketches are seeded, so every replica computes the same ones). A prompt
    /// already held under `exact` is replaced in place.
    pub fn insert_prepared(
        &self,
        scope: KeyHash,
        exact: KeyHash,
        vector: PreparedVector,
        instruction: &str,
        has_code: bool,
    ) {
        let prompt = IndexedPrompt {
            exact,
            sketch: vector.sketch,
            vector: vector.values,
            instruction: instruction.into(),
            has_code,
        };
        let mut guard = self.scopes.write().unwrap_or_else(PoisonError::into_inner);
        let Scopes { by_scope, held } = &mut *guard;
        let list = by_scope.entry(scope).or_default();
        if !held.insert(exact) {
            if let Some(old) = list.iter_mut().find(|p| p.exact == exact) {
                *old = prompt;
                return;
            }
        }
        list.push(prompt);
        let evicted = {
            let mut order = self.order.lock().unwrap_or_else(PoisonError::into_inner);
            order.push_back((scope, exact));
            let mut evicted = Vec::new();
            while order.len() > self.max_entries {
                evicted.extend(order.pop_front());
            }
            evicted
        };
        for (s, e) in evicted {
            held.remove(&e);
            if let Some(list) = by_scope.get_mut(&s) {
                if let Some(i) = list.iter().position(|p| p.exact == e) {
                    list.swap_remove(i);
                }
                if list.is_empty() {
                    by_scope.remove(&s);
                }
            }
        }
    }

    fn sketch(&self, vector: &[f32]) -> Sketch {
        self.projections
            .get_or_init(|| Projections::new(vector.len()))
            .sketch(vector)
    }

    /// Removes the prompt stored under `exact` (its answer is gone).
    pub fn remove(&self, scope: &KeyHash, exact: &KeyHash) {
        let mut guard = self.scopes.write().unwrap_or_else(PoisonError::into_inner);
        guard.held.remove(exact);
        if let Some(list) = guard.by_scope.get_mut(scope) {
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
        let sketch = self.sketch(vector);
        let cutoff = hamming_cutoff(threshold);
        let scale = 127.0f32 * 127.0;
        let mut candidates: Vec<(f32, KeyHash, Box<str>, bool)> = {
            let scopes = self.scopes.read().unwrap_or_else(PoisonError::into_inner);
            let Some(list) = scopes.by_scope.get(scope) else {
                return SearchResult::Miss;
            };
            let mut near: Vec<(u32, usize)> = list
                .iter()
                .enumerate()
                .map(|(i, p)| (hamming(&sketch, &p.sketch), i))
                .filter(|(d, _)| *d <= cutoff)
                .collect();
            if near.len() > MAX_RERANKED {
                near.select_nth_unstable(MAX_RERANKED);
                near.truncate(MAX_RERANKED);
            }
            let mut found: Vec<(f32, usize)> = near
                .into_iter()
                .filter_map(|(_, i)| {
                    list.get(i)
                        .map(|p| (dot(&query, &p.vector) as f32 / scale, i))
                })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::BuiltinEmbedder;

    fn key(i: u32) -> KeyHash {
        let mut k = [0u8; 32];
        k[..4].copy_from_slice(&i.to_le_bytes());
        KeyHash(k)
    }

    #[test]
    fn a_prompt_stored_again_replaces_itself_and_prepared_vectors_match() {
        let index = SemanticIndex::new(3);
        let e = BuiltinEmbedder;
        let scope = key(0);
        let text = "sort a list of users by age";
        let v = e.embed(text);
        index.insert(scope, key(1), &v, text, false);
        // Another replica's prepared copy of the same prompt: same sketch, same values.
        let prepared = index.prepare(&v);
        index.insert_prepared(scope, key(1), prepared, text, false);
        assert_eq!(index.len(), 1);
        let found = index.search(&scope, &v, text, false, 0.9);
        assert!(
            matches!(found, SearchResult::Hit { exact, .. } if exact == key(1)),
            "{found:?}"
        );
        // The bound still holds, oldest first out.
        for i in 2..=4 {
            let t = format!("parse a csv file number {i}");
            index.insert(scope, key(i), &e.embed(&t), &t, false);
        }
        assert_eq!(index.len(), 3);
        assert_eq!(
            index.search(&scope, &v, text, false, 0.9),
            SearchResult::Miss
        );
        index.insert(scope, key(1), &v, text, false);
        assert!(matches!(
            index.search(&scope, &v, text, false, 0.9),
            SearchResult::Hit { .. }
        ));
    }
}
