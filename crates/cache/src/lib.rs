//! Switchyard's response cache.
//!
//! Two lookups, in order: the **exact** tier, by a hash of everything in the planned
//! request that decides the answer ([`key`]); then, when enabled, the **semantic** tier,
//! which embeds the last instruction's prose, finds the most similar stored prompt in the
//! same scope (same client, alias, system prompt, earlier turns, code blocks and
//! parameters), and serves its answer only if the similarity clears the threshold *and*
//! the near-miss guard ([`guard`]) finds no disagreement in the salient tokens of the two
//! prompts.
//!
//! Answers are stored in the canonical model, so any client format can replay them.
//! With a [`SharedSettings`] (`[cache] redis_url`), answers also live in Redis ([`shared`]):
//! this process's store is then the near tier, a local miss asks Redis (within a few
//! milliseconds), and the semantic index is filled from what every replica stores.
//! Embedding and the index scan are CPU work: they run on tokio's blocking pool, at most
//! [`SemanticSettings::workers`] at a time; a lookup that cannot start within
//! [`SemanticSettings::embed_wait`] is a miss, not a queue.

pub mod codec;
pub mod embed;
pub mod guard;
pub mod key;
pub mod semantic;
pub mod shared;
pub mod stats;
pub mod store;
pub mod text;

pub use key::{request_key, KeyHash, RequestKey};
pub use shared::SharedSettings;
pub use stats::{CacheStats, CacheStatsSnapshot, RedisStatsSnapshot, RefusalReason};
pub use store::{CachedAnswer, ExactStore};

use codec::IndexRecord;
use embed::Embedder;
use semantic::{PreparedVector, SearchResult, SemanticIndex};
use shared::{Fetched, SharedTier, Write};
use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};
use switchyard_protocol::ChatResponse;
use tokio::sync::Semaphore;

/// Sizes and defaults of a [`ResponseCache`].
#[derive(Debug, Clone)]
pub struct CacheSettings {
    /// Most answers held in this process.
    pub max_entries: usize,
    /// Most bytes of answers held in this process.
    pub max_bytes: u64,
    /// The semantic tier, when any alias uses it.
    pub semantic: Option<SemanticSettings>,
    /// The shared tier (Redis), when configured.
    pub shared: Option<SharedSettings>,
}

/// How the semantic tier embeds.
#[derive(Debug, Clone)]
pub struct SemanticSettings {
    /// The embedder.
    pub embedder: Embedder,
    /// Longest wait for a free embedding worker before the lookup is a miss.
    pub embed_wait: Duration,
    /// Embeddings (with their index scans) running at once, on the blocking pool.
    pub workers: usize,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            max_entries: 100_000,
            max_bytes: 512 * 1024 * 1024,
            semantic: None,
            shared: None,
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

/// The semantic tier: embedder, index and the bound on concurrent embeddings.
#[derive(Debug)]
struct SemanticTier {
    embedder: Arc<Embedder>,
    index: Arc<SemanticIndex>,
    permits: Arc<Semaphore>,
    wait: Duration,
}

/// The response cache of one gateway process.
#[derive(Debug)]
pub struct ResponseCache {
    exact: ExactStore,
    stats: Arc<CacheStats>,
    semantic: Option<SemanticTier>,
    shared: Option<Arc<SharedTier>>,
}

/// An embedding of a request's instruction, kept from its lookup for its store.
pub type Embedding = Arc<[f32]>;

impl ResponseCache {
    /// A cache sized by `settings`. With a shared tier, its background tasks start on the
    /// current tokio runtime (without one, or with a URL it cannot use, the cache runs
    /// without the shared tier and says so in the log; `shared::check_url` lets the config
    /// reject such a URL first).
    pub fn new(settings: &CacheSettings) -> Self {
        let stats: Arc<CacheStats> = Arc::default();
        let semantic = settings.semantic.as_ref().map(|s| SemanticTier {
            embedder: Arc::new(s.embedder.clone()),
            index: Arc::new(SemanticIndex::new(settings.max_entries)),
            permits: Arc::new(Semaphore::new(s.workers.max(1))),
            wait: s.embed_wait,
        });
        let shared = settings.shared.as_ref().and_then(|s| {
            let indexer = semantic.as_ref().map(|t| shared::Indexer {
                embedder: t.embedder.clone(),
                index: t.index.clone(),
                permits: t.permits.clone(),
                dims: Arc::new(OnceLock::new()),
            });
            match SharedTier::start(s, stats.clone(), indexer) {
                Ok(tier) => Some(Arc::new(tier)),
                Err(e) => {
                    tracing::error!("response cache: no shared tier: {e}");
                    None
                }
            }
        });
        Self {
            exact: ExactStore::new(settings.max_entries, settings.max_bytes),
            stats,
            semantic,
            shared,
        }
    }

    /// The embedder's name, if the semantic tier is on.
    pub fn embedder_name(&self) -> Option<&'static str> {
        self.semantic.as_ref().map(|s| s.embedder.name())
    }

    /// The similarity threshold for aliases that set none: the embedder's default.
    pub fn default_threshold(&self) -> f32 {
        self.semantic
            .as_ref()
            .map_or(embed::BUILTIN_THRESHOLD, |s| s.embedder.default_threshold())
    }

    /// The exact tier's answer to `key`, from this process.
    pub fn lookup_exact(&self, key: &RequestKey) -> Option<Arc<CachedAnswer>> {
        let found = self.exact.get(&key.exact);
        if found.is_some() {
            self.stats.exact_hit();
        }
        found
    }

    /// The answer stored under `exact`: this process's, else the shared tier's (then kept
    /// here too, for the TTL Redis has left on it).
    async fn answer(&self, exact: &KeyHash) -> Fetched {
        if let Some(answer) = self.exact.get(exact) {
            return Fetched::Found(answer);
        }
        let Some(shared) = &self.shared else {
            return Fetched::Absent;
        };
        let found = shared.fetch(exact).await;
        if let Fetched::Found(answer) = &found {
            self.stats.redis().hit();
            self.exact.insert(*exact, answer.clone());
        }
        found
    }

    /// Looks `key` up: exact first, then (with `threshold`) semantic. Also returns the
    /// instruction's embedding when one was computed, for storing the answer.
    pub async fn lookup(
        &self,
        key: &RequestKey,
        semantic_threshold: Option<f32>,
    ) -> (Lookup, Option<Embedding>) {
        if let Fetched::Found(answer) = self.answer(&key.exact).await {
            self.stats.exact_hit();
            return (Lookup::Exact(answer), None);
        }
        let (Some(tier), Some(threshold)) = (&self.semantic, semantic_threshold) else {
            self.stats.miss();
            return (Lookup::Miss, None);
        };
        if key.instruction.is_empty() {
            self.stats.miss();
            return (Lookup::Miss, None);
        }
        let Some((vector, found)) = self.embed_and_search(tier, key, threshold).await else {
            self.stats.busy();
            self.stats.miss();
            return (Lookup::Miss, None);
        };
        match found {
            SearchResult::Hit { exact, similarity } => match self.answer(&exact).await {
                Fetched::Found(answer) => {
                    self.stats.semantic_hit();
                    return (Lookup::Semantic { answer, similarity }, Some(vector));
                }
                // Its answer expired or was evicted: the prompt goes too.
                Fetched::Absent => tier.index.remove(&key.scope, &exact),
                // Redis cannot say now: keep the prompt for when it can.
                Fetched::Unavailable => {}
            },
            SearchResult::Refused(reason) => self.stats.refused(reason),
            SearchResult::Miss => {}
        }
        self.stats.miss();
        (Lookup::Miss, Some(vector))
    }

    /// Embeds the instruction and scans its scope on the blocking pool; `None` when no
    /// worker is free within the tier's wait.
    async fn embed_and_search(
        &self,
        tier: &SemanticTier,
        key: &RequestKey,
        threshold: f32,
    ) -> Option<(Embedding, SearchResult)> {
        let permit = tokio::time::timeout(tier.wait, tier.permits.clone().acquire_owned())
            .await
            .ok()?
            .ok()?;
        let embedder = tier.embedder.clone();
        let index = tier.index.clone();
        let (scope, instruction, has_code) = (key.scope, key.instruction.clone(), key.has_code);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let vector: Embedding = embedder.embed(&instruction).into();
            let found = index.search(&scope, &vector, &instruction, has_code, threshold);
            (vector, found)
        })
        .await
        .ok()
    }

    /// Stores `response` as the answer to `key` for `ttl`, indexing its instruction with
    /// `embedding` (computed now, off the async workers, when the lookup did not). With a
    /// shared tier, the answer (and the prepared vector, once there is one) is queued for
    /// Redis: nothing here waits for it.
    pub fn insert(
        &self,
        key: &RequestKey,
        response: ChatResponse,
        ttl: Duration,
        embedding: Option<Embedding>,
    ) {
        let answer = Arc::new(CachedAnswer::new(response, ttl));
        self.exact.insert(key.exact, answer.clone());
        self.stats.stored();
        let publish = match &self.shared {
            Some(s) if s.is_up() => Some(Publish {
                shared: s.clone(),
                answer,
                expires_unix_ms: shared::unix_ms()
                    .saturating_add(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX)),
            }),
            Some(_) => {
                self.stats.redis().dropped(1);
                None
            }
            None => None,
        };
        let Some(tier) = self
            .semantic
            .as_ref()
            .filter(|_| !key.instruction.is_empty())
        else {
            if let Some(p) = publish {
                p.send(key, None);
            }
            return;
        };
        match embedding {
            Some(v) => {
                let prepared = tier.index.prepare(&v);
                if let Some(p) = publish {
                    p.send(key, Some((tier.embedder.name(), prepared.clone())));
                }
                tier.index.insert_prepared(
                    key.scope,
                    key.exact,
                    prepared,
                    &key.instruction,
                    key.has_code,
                );
            }
            None => {
                // Index in the background if a worker is free; a busy embedder only means
                // this answer serves exact hits alone (other replicas embed it themselves).
                let (Ok(permit), Ok(runtime)) = (
                    tier.permits.clone().try_acquire_owned(),
                    tokio::runtime::Handle::try_current(),
                ) else {
                    if let Some(p) = publish {
                        p.send(key, None);
                    }
                    return;
                };
                let (embedder, index, key) =
                    (tier.embedder.clone(), tier.index.clone(), key.clone());
                runtime.spawn_blocking(move || {
                    let _permit = permit;
                    let v = embedder.embed(&key.instruction);
                    let prepared = index.prepare(&v);
                    if let Some(p) = publish {
                        p.send(&key, Some((embedder.name(), prepared.clone())));
                    }
                    index.insert_prepared(
                        key.scope,
                        key.exact,
                        prepared,
                        &key.instruction,
                        key.has_code,
                    );
                });
            }
        }
    }

    /// The counters and the size held.
    pub fn stats(&self) -> CacheStatsSnapshot {
        let mut s = self
            .stats
            .snapshot(self.exact.len() as u64, self.exact.bytes());
        s.index_entries = self.semantic.as_ref().map_or(0, |t| t.index.len() as u64);
        s
    }

    /// Whether the shared tier is configured and Redis reachable now.
    pub fn shared_up(&self) -> Option<bool> {
        self.shared.as_ref().map(|s| s.is_up())
    }
}

/// An answer on its way to the shared tier.
struct Publish {
    shared: Arc<SharedTier>,
    answer: Arc<CachedAnswer>,
    expires_unix_ms: u64,
}

impl Publish {
    fn send(self, key: &RequestKey, vector: Option<(&str, PreparedVector)>) {
        self.shared.publish(Write {
            answer: self.answer,
            record: IndexRecord {
                exact: key.exact,
                scope: key.scope,
                instruction: key.instruction.clone(),
                has_code: key.has_code,
                vector: vector.map(|(e, v)| (e.to_owned(), v)),
                expires_unix_ms: self.expires_unix_ms,
            },
        });
    }
}
