//! Counters of what the cache did, read by `/metrics` and the dashboard.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// Why the near-miss guard refused a semantic candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalReason {
    /// The prompts name different programming languages.
    Language,
    /// They carry different numbers.
    Number,
    /// They quote different strings.
    Quoted,
    /// They name different identifiers (functions, variables, types).
    Identifier,
    /// One says the opposite of the other (ascending/descending, with/without, ...).
    Polarity,
    /// They ask for different tasks on the same code (explain vs refactor, ...).
    Task,
    /// One adds requirements the other does not make.
    Constraint,
}

impl RefusalReason {
    /// Every reason, in a fixed order.
    pub const ALL: [RefusalReason; 7] = [
        Self::Language,
        Self::Number,
        Self::Quoted,
        Self::Identifier,
        Self::Polarity,
        Self::Task,
        Self::Constraint,
    ];

    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Language => "language",
            Self::Number => "number",
            Self::Quoted => "quoted",
            Self::Identifier => "identifier",
            Self::Polarity => "polarity",
            Self::Task => "task",
            Self::Constraint => "constraint",
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }
}

/// Counters since start.
#[derive(Debug, Default)]
pub struct CacheStats {
    exact_hits: AtomicU64,
    semantic_hits: AtomicU64,
    misses: AtomicU64,
    stores: AtomicU64,
    embedder_busy: AtomicU64,
    refusals: [AtomicU64; RefusalReason::ALL.len()],
    redis: RedisStats,
}

/// Counters of the shared (Redis) tier.
#[derive(Debug, Default)]
pub(crate) struct RedisStats {
    configured: AtomicBool,
    up: AtomicBool,
    hits: AtomicU64,
    errors: AtomicU64,
    timeouts: AtomicU64,
    stores: AtomicU64,
    dropped: AtomicU64,
    indexed: AtomicU64,
}

/// A copy of the shared tier's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedisStatsSnapshot {
    /// Whether the connection to Redis is up now.
    pub up: bool,
    /// Answers found in Redis that this process did not hold (exact or semantic hits).
    pub hits: u64,
    /// Redis commands that failed (connection lost, server error), timeouts included.
    pub errors: u64,
    /// Lookups that gave up waiting for Redis (counted as misses).
    pub timeouts: u64,
    /// Answers written to Redis.
    pub stores: u64,
    /// Answers not written to Redis: it was down, or the write queue was full.
    pub dropped: u64,
    /// Entries stored by other replicas that this process added to its semantic index.
    pub indexed: u64,
}

/// A copy of the counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CacheStatsSnapshot {
    /// Exact-match hits.
    pub exact_hits: u64,
    /// Semantic hits.
    pub semantic_hits: u64,
    /// Lookups that found nothing servable.
    pub misses: u64,
    /// Answers stored.
    pub stores: u64,
    /// Semantic lookups given up because the embedder was saturated.
    pub embedder_busy: u64,
    /// Candidates the near-miss guard refused, by reason.
    pub refusals: Vec<(RefusalReason, u64)>,
    /// Entries held in this process.
    pub entries: u64,
    /// Bytes held in this process.
    pub bytes: u64,
    /// Prompts in this process's semantic index.
    pub index_entries: u64,
    /// The shared tier's counters, when `redis_url` is set.
    pub redis: Option<RedisStatsSnapshot>,
}

impl CacheStats {
    pub(crate) fn exact_hit(&self) {
        self.exact_hits.fetch_add(1, Relaxed);
    }
    pub(crate) fn semantic_hit(&self) {
        self.semantic_hits.fetch_add(1, Relaxed);
    }
    pub(crate) fn miss(&self) {
        self.misses.fetch_add(1, Relaxed);
    }
    pub(crate) fn stored(&self) {
        self.stores.fetch_add(1, Relaxed);
    }
    pub(crate) fn busy(&self) {
        self.embedder_busy.fetch_add(1, Relaxed);
    }
    pub(crate) fn refused(&self, reason: RefusalReason) {
        if let Some(c) = self.refusals.get(reason.index()) {
            c.fetch_add(1, Relaxed);
        }
    }

    pub(crate) fn redis(&self) -> &RedisStats {
        &self.redis
    }

    /// The counters now, with the store's size.
    pub fn snapshot(&self, entries: u64, bytes: u64) -> CacheStatsSnapshot {
        CacheStatsSnapshot {
            exact_hits: self.exact_hits.load(Relaxed),
            semantic_hits: self.semantic_hits.load(Relaxed),
            misses: self.misses.load(Relaxed),
            stores: self.stores.load(Relaxed),
            embedder_busy: self.embedder_busy.load(Relaxed),
            refusals: RefusalReason::ALL
                .iter()
                .zip(&self.refusals)
                .map(|(r, c)| (*r, c.load(Relaxed)))
                .collect(),
            entries,
            bytes,
            index_entries: 0,
            redis: self
                .redis
                .configured
                .load(Relaxed)
                .then(|| self.redis.snapshot()),
        }
    }
}

impl RedisStats {
    pub(crate) fn configured(&self) {
        self.configured.store(true, Relaxed);
    }
    pub(crate) fn set_up(&self, up: bool) {
        self.up.store(up, Relaxed);
    }
    pub(crate) fn hit(&self) {
        self.hits.fetch_add(1, Relaxed);
    }
    pub(crate) fn error(&self) {
        self.errors.fetch_add(1, Relaxed);
    }
    pub(crate) fn timeout(&self) {
        self.timeouts.fetch_add(1, Relaxed);
        self.errors.fetch_add(1, Relaxed);
    }
    pub(crate) fn stored(&self, n: usize) {
        self.stores.fetch_add(n as u64, Relaxed);
    }
    pub(crate) fn dropped(&self, n: usize) {
        self.dropped.fetch_add(n as u64, Relaxed);
    }
    pub(crate) fn indexed(&self, n: usize) {
        self.indexed.fetch_add(n as u64, Relaxed);
    }

    fn snapshot(&self) -> RedisStatsSnapshot {
        RedisStatsSnapshot {
            up: self.up.load(Relaxed),
            hits: self.hits.load(Relaxed),
            errors: self.errors.load(Relaxed),
            timeouts: self.timeouts.load(Relaxed),
            stores: self.stores.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            indexed: self.indexed.load(Relaxed),
        }
    }
}
