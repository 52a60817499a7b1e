//! The PostgreSQL store against the machine's server (127.0.0.1:5432, database `test`), each
//! test in a schema of its own that is dropped afterwards: round trips, idempotent inserts,
//! migrations (also concurrent), and summaries identical to SQLite's on the same data.

#![cfg(test)]

mod common;

use common::{batch, reference_summary, sample_events, sample_queries, PgSchema, PG_URL};
use std::time::Duration;
use switchyard_analytics::{
    store::{EventStore, PostgresStore, SqliteStore},
    Aggregator, Analytics, AnalyticsConfig, PriceTable, RequestEvent,
};

const TIMEOUT: Duration = Duration::from_secs(10);

fn store(schema: &PgSchema) -> PostgresStore {
    PostgresStore::new(PG_URL, Some(&schema.name), TIMEOUT).unwrap()
}

#[tokio::test]
async fn events_round_trip_exactly_and_inserts_are_idempotent() {
    let schema = PgSchema::new("roundtrip");
    let store = store(&schema);
    let events = sample_events(120);
    store.insert(batch(&events[..60])).await.unwrap();
    store.insert(batch(&events[60..])).await.unwrap();
    store.insert(batch(&events[50..70])).await.unwrap();
    assert_eq!(schema.count().await, 120);
    let recent = store.recent(1000).await.unwrap();
    let mut expected: Vec<RequestEvent> = events;
    expected.reverse();
    assert_eq!(recent, expected, "every field survives the store unchanged");
}

#[tokio::test]
async fn summaries_are_identical_to_sqlite_and_the_reference() {
    let schema = PgSchema::new("summary");
    let pg = store(&schema);
    let lite = SqliteStore::open_in_memory().await.unwrap();
    let events = sample_events(300);
    for chunk in events.chunks(128) {
        pg.insert(batch(chunk)).await.unwrap();
        lite.insert(batch(chunk)).await.unwrap();
    }
    for q in sample_queries() {
        let from_pg = pg.scan(Aggregator::new(q)).await.unwrap().finish();
        let from_lite = lite.scan(Aggregator::new(q)).await.unwrap().finish();
        assert_eq!(from_pg, from_lite, "query {q:?}");
        assert_eq!(from_pg, reference_summary(&events, q), "query {q:?}");
    }
    assert_eq!(pg.recent(7).await.unwrap(), lite.recent(7).await.unwrap());
}

#[tokio::test]
async fn migrations_apply_once_even_when_replicas_start_together() {
    let schema = PgSchema::new("migrate");
    let stores: Vec<PostgresStore> = (0..4).map(|_| store(&schema)).collect();
    let checks = stores.iter().map(|s| s.check());
    for r in futures_util::future::join_all(checks).await {
        r.unwrap();
    }
    let client = PgSchema::client().await;
    let versions: Vec<i64> = client
        .query(
            &format!(
                "SELECT version FROM \"{}\".switchyard_schema_version ORDER BY version",
                schema.name
            ),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, [1, 2]);
    // A store that reconnects later finds everything in place.
    store(&schema)
        .insert(batch(&sample_events(3)))
        .await
        .unwrap();
    assert_eq!(schema.count().await, 3);
}

#[tokio::test]
async fn analytics_over_postgres_end_to_end() {
    let schema = PgSchema::new("e2e");
    let config = AnalyticsConfig {
        database: Some(PG_URL.into()),
        postgres_schema: Some(schema.name.clone()),
        flush_interval_ms: 20,
        ..AnalyticsConfig::default()
    };
    let a = Analytics::open(config, None, PriceTable::builtin())
        .await
        .unwrap();
    for mut e in sample_events(50) {
        e.event_id = 0;
        a.record(e);
    }
    a.shutdown().await;
    assert_eq!(a.stats().written, 50);
    assert_eq!(schema.count().await, 50);
    let s = a.summary(sample_queries()[0]).await.unwrap();
    assert_eq!(s.total.requests, 50);
}

#[test]
fn bad_urls_and_schema_names_are_rejected_without_connecting() {
    assert!(PostgresStore::new("postgres://u@h/db", Some("Robert'); DROP"), TIMEOUT).is_err());
    assert!(PostgresStore::new("postgres://u@h:notaport/db", None, TIMEOUT).is_err());
    let s = PostgresStore::new("postgres://u:secret@h/db", Some("ok_1"), TIMEOUT).unwrap();
    assert!(!format!("{s:?}").contains("secret"));
}
