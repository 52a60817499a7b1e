use super::*;
use crate::event::TokenUsage;
use std::sync::atomic::{AtomicBool, AtomicU32};

/// A store in memory that can be told to fail.
#[derive(Default)]
struct FakeStore {
    events: Mutex<Vec<RequestEvent>>,
    failures_left: AtomicU32,
    always_fail: AtomicBool,
    writes: AtomicU32,
}

impl FakeStore {
    fn len(&self) -> usize {
        self.events.lock().unwrap().len()
    }
}

impl EventStore for FakeStore {
    fn kind(&self) -> &'static str {
        "fake"
    }

    fn insert(&self, batch: Arc<EventBatch>) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            self.writes.fetch_add(1, Ordering::SeqCst);
            if self.always_fail.load(Ordering::SeqCst)
                || self
                    .failures_left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
            {
                return Err(StoreError::Other("injected failure".into()));
            }
            let events = batch.events().map(|e| e.unwrap());
            self.events.lock().unwrap().extend(events);
            Ok(())
        })
    }

    fn scan(&self, agg: Aggregator) -> BoxFuture<'_, Result<Aggregator, StoreError>> {
        Box::pin(async move { Ok(agg) })
    }

    fn recent(&self, limit: usize) -> BoxFuture<'_, Result<Vec<RequestEvent>, StoreError>> {
        Box::pin(async move {
            let events = self.events.lock().unwrap();
            Ok(events.iter().rev().take(limit).cloned().collect())
        })
    }
}

fn config() -> AnalyticsConfig {
    AnalyticsConfig {
        queue_capacity: 1000,
        batch_size: 10,
        flush_interval_ms: 10,
        retry_max_backoff_ms: 40,
        shutdown_timeout_ms: 2000,
        ..AnalyticsConfig::default()
    }
}

fn event(i: usize) -> RequestEvent {
    RequestEvent {
        request_id: format!("req-{i}"),
        upstream_model: Some("gpt-4o-mini".into()),
        provider: Some("openai".into()),
        usage: Some(TokenUsage {
            input_tokens: 1000,
            output_tokens: 100,
            ..TokenUsage::default()
        }),
        status: 200,
        ..RequestEvent::default()
    }
}

async fn eventually(mut f: impl FnMut() -> bool) {
    for _ in 0..500 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached in 5s");
}

#[tokio::test]
async fn events_are_priced_stamped_and_written_in_batches() {
    let store = Arc::new(FakeStore::default());
    let a = Analytics::with_store(config(), PriceTable::builtin(), store.clone()).unwrap();
    for i in 0..25 {
        a.record(event(i));
    }
    eventually(|| store.len() == 25).await;
    assert_eq!(a.stats().written, 25);
    let events = store.events.lock().unwrap().clone();
    let e = &events[0];
    assert!(e.ts_ms > 0 && e.event_id != 0);
    assert!((e.cost_usd.unwrap() - (1000.0 * 0.15 + 100.0 * 0.60) / 1e6).abs() < 1e-12);
    let mut ids: Vec<u64> = events.iter().map(|e| e.event_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 25, "event ids are unique");
    // 25 events with batch size 10: at least three writes, none larger than a batch.
    assert!(store.writes.load(Ordering::SeqCst) >= 3);
    assert!(a.metrics().render().contains(
        "switchyard_requests_total{status_class=\"2xx\",provider=\"openai\",alias=\"none\"} 25"
    ));
    a.shutdown().await;
}

#[tokio::test]
async fn a_full_queue_drops_and_counts_without_blocking() {
    // The writer drains on its own thread, far slower than `record` fills a 16-slot queue:
    // events arriving all at once overflow it, and every one is either stored or counted.
    let store = Arc::new(FakeStore::default());
    let cfg = AnalyticsConfig {
        queue_capacity: 16,
        ..config()
    };
    let a = Analytics::with_store(cfg, PriceTable::builtin(), store.clone()).unwrap();
    let n = 20_000;
    for i in 0..n {
        a.record(event(i));
    }
    let dropped = a.stats().dropped_queue_full;
    assert!(dropped > 0, "no drops out of {n}");
    // Dropped events still count in the request metrics.
    let text = a.metrics().render();
    assert!(text.contains(&format!(
        "switchyard_analytics_events_dropped_total{{reason=\"queue_full\"}} {dropped}"
    )));
    a.shutdown().await;
    assert_eq!(
        store.len() as u64 + dropped,
        n as u64,
        "each event stored or counted"
    );
    assert!(a.metrics().render().contains(&format!(
        "switchyard_requests_total{{status_class=\"2xx\",provider=\"openai\",alias=\"none\"}} {n}"
    )));
    // After shutdown, record still returns and counts.
    a.record(event(0));
    assert_eq!(a.stats().dropped_shutdown, 1);
}

#[tokio::test]
async fn failed_writes_are_retried_until_they_land() {
    let store = Arc::new(FakeStore::default());
    store.failures_left.store(3, Ordering::SeqCst);
    let a = Analytics::with_store(config(), PriceTable::builtin(), store.clone()).unwrap();
    for i in 0..30 {
        a.record(event(i));
    }
    eventually(|| store.len() == 30).await;
    let s = a.stats();
    assert_eq!((s.written, s.store_errors, s.dropped_backlog), (30, 3, 0));
    // Order is kept across retries.
    let ids: Vec<String> = store
        .events
        .lock()
        .unwrap()
        .iter()
        .map(|e| e.request_id.clone())
        .collect();
    let expected: Vec<String> = (0..30).map(|i| format!("req-{i}")).collect();
    assert_eq!(ids, expected);
    a.shutdown().await;
}

#[tokio::test]
async fn a_failing_store_keeps_a_bounded_backlog() {
    let store = Arc::new(FakeStore::default());
    store.always_fail.store(true, Ordering::SeqCst);
    let cfg = AnalyticsConfig {
        max_buffered: 50,
        shutdown_timeout_ms: 100,
        ..config()
    };
    let a = Analytics::with_store(cfg, PriceTable::builtin(), store.clone()).unwrap();
    for i in 0..200 {
        a.record(event(i));
        if i % 20 == 0 {
            tokio::task::yield_now().await;
        }
    }
    // Every event is either held or dropped, and what is held fits the cap.
    eventually(|| {
        let s = a.stats();
        s.queued == 0 && s.dropped_backlog + s.buffered == 200 && s.buffered <= 50
    })
    .await;
    // Batches are dropped whole, oldest first: at most a batch (10) more than the excess.
    let dropped = a.stats().dropped_backlog;
    assert!((150..160).contains(&dropped), "dropped {dropped}");
    assert!(a.stats().store_errors >= 1);
    // The newest events are the ones kept: once the store is back they land.
    store.always_fail.store(false, Ordering::SeqCst);
    eventually(|| store.len() == 200 - dropped as usize).await;
    let first = store.events.lock().unwrap()[0].request_id.clone();
    assert_eq!(first, format!("req-{dropped}"));
    a.shutdown().await;
}

#[tokio::test]
async fn shutdown_flushes_and_gives_up_after_its_deadline() {
    let store = Arc::new(FakeStore::default());
    let cfg = AnalyticsConfig {
        flush_interval_ms: 60_000,
        batch_size: 1000,
        ..config()
    };
    let a = Analytics::with_store(cfg.clone(), PriceTable::builtin(), store.clone()).unwrap();
    for i in 0..7 {
        a.record(event(i));
    }
    a.shutdown().await;
    assert_eq!(store.len(), 7, "shutdown writes the partial batch");
    a.shutdown().await; // idempotent

    let dead = Arc::new(FakeStore::default());
    dead.always_fail.store(true, Ordering::SeqCst);
    let cfg = AnalyticsConfig {
        shutdown_timeout_ms: 200,
        ..cfg
    };
    let a = Analytics::with_store(cfg, PriceTable::builtin(), dead.clone()).unwrap();
    for i in 0..5 {
        a.record(event(i));
    }
    let started = std::time::Instant::now();
    a.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(a.stats().dropped_shutdown, 5);
    assert_eq!(dead.len(), 0);
}

#[tokio::test]
async fn text_is_dropped_unless_configured_and_then_redacted() {
    let store = Arc::new(FakeStore::default());
    let a = Analytics::with_store(config(), PriceTable::builtin(), store.clone()).unwrap();
    let mut e = event(0);
    e.prompt_text = Some("my key is sk-abcdefghijklmnopqrstuvwx".into());
    e.completion_text = Some("ok".into());
    a.record(e.clone());
    a.shutdown().await;
    let stored = store.events.lock().unwrap()[0].clone();
    assert_eq!((stored.prompt_text, stored.completion_text), (None, None));

    let store = Arc::new(FakeStore::default());
    let cfg = AnalyticsConfig {
        record_text: true,
        ..config()
    };
    let a = Analytics::with_store(cfg, PriceTable::builtin(), store.clone()).unwrap();
    a.record(e);
    a.shutdown().await;
    let stored = store.events.lock().unwrap()[0].clone();
    assert_eq!(stored.prompt_text.as_deref(), Some("my key is [REDACTED]"));
    assert_eq!(stored.completion_text.as_deref(), Some("ok"));
}

#[tokio::test]
async fn config_prices_override_the_table() {
    let store = Arc::new(FakeStore::default());
    let mut cfg = config();
    cfg.prices
        .insert("gpt-4o-mini".into(), crate::ModelPrice::new(1.0, 1.0));
    let a = Analytics::with_store(cfg, PriceTable::builtin(), store.clone()).unwrap();
    a.record(event(0));
    a.shutdown().await;
    let cost = store.events.lock().unwrap()[0].cost_usd.unwrap();
    assert!((cost - 1100.0 / 1e6).abs() < 1e-12, "{cost}");
}

#[tokio::test]
async fn disabled_records_nothing() {
    let a = Analytics::disabled();
    assert!(!a.is_enabled());
    a.record(event(0));
    assert!(matches!(a.recent(10).await, Err(AnalyticsError::Disabled)));
    a.shutdown().await;
    let off = Analytics::open(
        AnalyticsConfig {
            enabled: false,
            ..AnalyticsConfig::default()
        },
        None,
        PriceTable::builtin(),
    )
    .await
    .unwrap();
    assert!(!off.is_enabled());
    assert_eq!(a.hash_key("k").len(), 16);
}

#[test]
fn event_ids_are_unique_nonzero_and_differ_between_processes() {
    let (mut a, mut b) = (EventIds::new(), EventIds::new());
    let ids: Vec<u64> = (0..100_000).map(|_| a.next()).collect();
    let distinct: std::collections::HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len());
    assert!(!distinct.contains(&0));
    // Another start (a replica, a restart) shares none of them.
    assert!((0..100_000).all(|_| !distinct.contains(&b.next())));
    // From a known state, the known splitmix64 sequence (its reference outputs for seed 0).
    let mut seeded = EventIds { state: 0 };
    assert_eq!(seeded.next(), 0xe220_a839_7b1d_cdaf);
    assert_eq!(seeded.next(), 0x6e78_9e6a_a1b9_65f4);
}
