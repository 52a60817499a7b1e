//! Switchyard's response cache.
//!
//! Two lookups, in order: the **exact** tier, by a hash of everything in the planned
//! request that decides the answer ([`key`]); then, when enabled, the **semantic** tier,
//! which embeds the last instruction's prose, finds the most similar stored prompt in the
//! same scope (same client, alias, system prompt, earlier turns, code blocks and
//! parameters), and serves its answer only if the similarity clears the threshold *and*
//! the near-miss guard finds no disagreement in the salient tokens of the two prompts.
//!
//! Answers are stored in the canonical model, so any client format can replay them.

pub mod key;
pub mod stats;
pub mod store;

pub use key::{request_key, KeyHash, RequestKey};
pub use stats::{CacheStats, CacheStatsSnapshot, RefusalReason};
pub use store::{CachedAnswer, ExactStore};

use std::{sync::Arc, time::Duration};
use switchyard_protocol::ChatResponse;

/// Sizes and defaults of a [`ResponseCache`].
#[derive(Debug, Clone)]
pub struct CacheSettings {
    /// Most answers held in this process.
    pub max_entries: usize,
    /// Most bytes of answers held in this process.
    pub max_bytes: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            max_entries: 100_000,
            max_bytes: 512 * 1024 * 1024,
        }
    }
}

/// What a lookup found.
#[derive(Debug)]
pub enum Lookup {
    /// The same request was answered before.
    Exact(Arc<CachedAnswer>),
    /// A similar enough request, that the guard let through, was answered before.
    Semantic {
        /// Its answer.
        answer: Arc<CachedAnswer>,
        /// Cosine similarity of the two instructions.
        similarity: f32,
    },
    /// Nothing servable.
    Miss,
}

/// The response cache of one gateway process.
#[derive(Debug)]
pub struct ResponseCache {
    exact: ExactStore,
    stats: CacheStats,
}

impl ResponseCache {
    /// A cache sized by `settings`.
    pub fn new(settings: &CacheSettings) -> Self {
        Self {
            exact: ExactStore::new(settings.max_entries, settings.max_bytes),
            stats: CacheStats::default(),
        }
    }

    /// Looks `key` up: exact first.
    pub fn lookup(&self, key: &RequestKey) -> Lookup {
        if let Some(answer) = self.exact.get(&key.exact) {
            self.stats.exact_hit();
            return Lookup::Exact(answer);
        }
        self.stats.miss();
        Lookup::Miss
    }

    /// Stores `response` as the answer to `key` for `ttl`.
    pub fn insert(&self, key: &RequestKey, response: ChatResponse, ttl: Duration) {
        let answer = Arc::new(CachedAnswer::new(response, ttl));
        self.exact.insert(key.exact, answer);
        self.stats.stored();
    }

    /// The counters and the size held.
    pub fn stats(&self) -> CacheStatsSnapshot {
        self.stats
            .snapshot(self.exact.len() as u64, self.exact.bytes())
    }
}
