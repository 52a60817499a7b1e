//! The SQLite store: round trips, idempotent inserts, migrations, WAL, and summaries equal to
//! the in-memory reference.

#![cfg(test)]

mod common;

use common::{batch, reference_summary, sample_events, sample_queries, unique_suffix};
use switchyard_analytics::{
    store::{EventStore, SqliteStore},
    Aggregator, Analytics, AnalyticsConfig, PriceTable, RequestEvent,
};

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("switchyard-analytics-{}", unique_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn events_round_trip_exactly() {
    // (No duplicate-insert case: a SQLite insert that failed was rolled back, so the
    // writer never re-sends events that landed; see `EventStore`.)
    let dir = TempDir::new();
    let store = SqliteStore::open(&dir.0.join("a.db")).await.unwrap();
    let events = sample_events(120);
    store.insert(batch(&events[..60])).await.unwrap();
    store.insert(batch(&events[60..])).await.unwrap();

    let recent = store.recent(1000).await.unwrap();
    assert_eq!(recent.len(), 120);
    let mut expected: Vec<RequestEvent> = events.clone();
    expected.reverse();
    assert_eq!(recent, expected, "every field survives the store unchanged");
    assert_eq!(store.recent(3).await.unwrap(), expected[..3].to_vec());
}

#[tokio::test]
async fn summaries_match_the_reference() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let events = sample_events(300);
    // Inserted out of order: the scan orders them.
    let mut shuffled = events.clone();
    shuffled.reverse();
    store.insert(batch(&shuffled)).await.unwrap();
    for q in sample_queries() {
        let got = store.scan(Aggregator::new(q)).await.unwrap().finish();
        assert_eq!(got, reference_summary(&events, q), "query {q:?}");
    }
    let all = store
        .scan(Aggregator::new(sample_queries()[0]))
        .await
        .unwrap()
        .finish();
    assert_eq!(all.total.requests, 300);
    assert!(all.total.cost_usd > 0.0 && all.total.cache_savings_usd > 0.0);
    assert!(all.total.unpriced_requests > 0, "llama has no price");
}

#[tokio::test]
async fn file_is_wal_migrated_once_and_reopens() {
    let dir = TempDir::new();
    let path = dir.0.join("events.db");
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store.insert(batch(&sample_events(5))).await.unwrap();
    }
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.recent(10).await.unwrap().len(), 5);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode.to_lowercase(), "wal");
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM switchyard_schema_version ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(versions, [1, 2, 3]);
}

#[tokio::test]
async fn analytics_over_sqlite_end_to_end() {
    let dir = TempDir::new();
    let config = AnalyticsConfig {
        database: Some("analytics.db".into()),
        flush_interval_ms: 20,
        ..AnalyticsConfig::default()
    };
    let a = Analytics::open(config, Some(&dir.0), PriceTable::builtin())
        .await
        .unwrap();
    let events = sample_events(40);
    for mut e in events.clone() {
        // Let the writer assign ids and price the event itself.
        e.event_id = 0;
        e.cost_usd = None;
        a.record(e);
    }
    a.shutdown().await;
    assert_eq!(a.stats().written, 40);
    assert!(dir.0.join("analytics.db").exists());
    let s = a.summary(sample_queries()[0]).await.unwrap();
    let reference = reference_summary(&events, sample_queries()[0]);
    assert_eq!(s.total.requests, 40);
    assert!((s.total.cost_usd - reference.total.cost_usd).abs() < 1e-12);
    assert_eq!(a.recent(1).await.unwrap()[0].request_id, "req-0039");
}
