//! Where events are kept: one trait, two stores (SQLite embedded, PostgreSQL scale-out).

use crate::{
    config::{AnalyticsConfig, StoreTarget},
    event::RequestEvent,
    summary::Aggregator,
};
use std::{future::Future, path::Path, pin::Pin, sync::Arc, time::Duration};

mod batch;
mod columns;
mod event_postcard;
pub mod postgres;
mod segment;
pub mod sqlite;

pub use batch::EventBatch;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// A boxed, sendable future (the store trait is object-safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a store operation failed. Messages hold no credentials.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL reported an error (or the connection failed).
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// The operation took longer than the configured store timeout.
    #[error("store operation timed out after {0:?}")]
    Timeout(Duration),
    /// A blocking task failed or the store is misconfigured.
    #[error("store: {0}")]
    Other(String),
}

/// A place events are written to and summarised from.
///
/// `insert` is all or nothing. The writer retries a batch whose insert failed, so a store
/// whose error can hide a write that did land (a network store: a timeout, a connection
/// cut at commit) must make inserting the same events again harmless; PostgreSQL ignores
/// rows whose `(ts_ms, event_id)` it already has. SQLite's errors are never ambiguous (a
/// local transaction that failed was rolled back), so its segments need no such key.
pub trait EventStore: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn kind(&self) -> &'static str;

    /// Writes a batch (all or nothing).
    fn insert(&self, batch: Arc<EventBatch>) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Feeds the events of `agg`'s range to it, in any order (it may also be fed events
    /// outside the range: it skips them).
    fn scan(&self, agg: Aggregator) -> BoxFuture<'_, Result<Aggregator, StoreError>>;

    /// The latest `limit` events, newest first.
    fn recent(&self, limit: usize) -> BoxFuture<'_, Result<Vec<RequestEvent>, StoreError>>;
}

/// Opens the store `config` names (creating or migrating its tables). SQLite paths resolve
/// against `base_dir`. PostgreSQL connects lazily: a server that is down at start delays
/// writes (events wait in the writer) but does not stop the gateway.
pub async fn open_store(
    config: &AnalyticsConfig,
    base_dir: Option<&Path>,
) -> Result<Arc<dyn EventStore>, StoreError> {
    let timeout = Duration::from_millis(config.store_timeout_ms.max(1));
    Ok(match config.store_target(base_dir) {
        StoreTarget::Postgres(url) => Arc::new(PostgresStore::new(
            &url,
            config.postgres_schema.as_deref(),
            timeout,
        )?),
        StoreTarget::Sqlite(path) => Arc::new(SqliteStore::open(&path).await?),
        StoreTarget::SqliteMemory => Arc::new(SqliteStore::open_in_memory().await?),
    })
}

/// A varied event for store tests: `ts_ms` spans 1000..1050 over any 50 consecutive `i`.
#[cfg(test)]
pub(crate) fn test_event(i: i64) -> crate::event::RequestEvent {
    use crate::event::{CacheStatus, RequestEvent, TokenUsage};
    RequestEvent {
        ts_ms: 1_000 + (i * 7) % 50,
        event_id: i as u64 + 1,
        request_id: format!("req-{i}"),
        endpoint: "/v1/messages".into(),
        client_format: "anthropic".into(),
        upstream_model: Some("claude-sonnet-4-5".into()),
        cache_status: Some(CacheStatus::SemanticHit),
        cache_similarity: Some(0.97),
        usage: Some(TokenUsage {
            input_tokens: 10,
            output_tokens: 3,
            ..TokenUsage::default()
        }),
        cost_usd: Some(1.5e-5),
        total_ms: 12.25,
        ..RequestEvent::default()
    }
}
