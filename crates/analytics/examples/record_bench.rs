//! Cost of `Analytics::record` on the caller's thread, and how fast the writer drains into
//! SQLite. A command, not a test:
//!
//! ```sh
//! cargo run --release -p switchyard-analytics --example record_bench -- [events] [sqlite-path]
//! ```
//!
//! Prints ns per `record` call (event pre-built), ns per build-and-record (the event built
//! as the gateway builds it: shared names cloned, the request id copied), and the writer's
//! sustained rate (events/s until all are stored), with queue drops if any.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use switchyard_analytics::{
    store::SqliteStore, Analytics, AnalyticsConfig, CacheStatus, PriceTable, RequestEvent,
    TokenUsage,
};

fn event(i: u64, model: &Arc<str>, alias: &Arc<str>) -> RequestEvent {
    RequestEvent {
        request_id: format!("req-{i:016x}"),
        endpoint: "/v1/chat/completions".into(),
        client_format: "openai".into(),
        requested_model: Some(alias.clone()),
        alias: Some(alias.clone()),
        provider: Some("openai".into()),
        provider_kind: Some("openai".into()),
        upstream_model: Some(model.clone()),
        attempts: 1,
        cache_status: Some(CacheStatus::Miss),
        status: 200,
        stream: i.is_multiple_of(2),
        usage: Some(TokenUsage {
            input_tokens: 1200,
            output_tokens: 300,
            cached_input_tokens: 512,
            ..TokenUsage::default()
        }),
        total_ms: 850.0,
        ttft_ms: Some(120.0),
        upstream_ms: 849.0,
        overhead_ms: 0.4,
        ..RequestEvent::default()
    }
}

async fn drain(a: &Analytics) {
    while a.stats().queued + a.stats().buffered > 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn per_call(elapsed: Duration, n: u64) -> f64 {
    elapsed.as_nanos() as f64 / n as f64
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let path = std::env::args().nth(2).unwrap_or_else(|| {
        std::env::temp_dir()
            .join("record-bench.db")
            .display()
            .to_string()
    });
    let _ = std::fs::remove_file(&path);
    let model: Arc<str> = Arc::from("gpt-4o-mini-2024-07-18");
    let alias: Arc<str> = Arc::from("coder");
    let config = AnalyticsConfig {
        queue_capacity: 8192,
        batch_size: 256,
        ..AnalyticsConfig::default()
    };
    let store = Arc::new(SqliteStore::open(std::path::Path::new(&path)).await?);

    // 1. record() alone: events built beforehand, recorded in bursts the queue can hold.
    let a = Analytics::with_store(config.clone(), PriceTable::builtin(), store.clone())?;
    let burst = 4096u64;
    let mut record_ns = Vec::new();
    let mut sent = 0;
    while sent < n {
        let events: Vec<RequestEvent> = (sent..sent + burst)
            .map(|i| event(i, &model, &alias))
            .collect();
        let started = Instant::now();
        for e in events {
            a.record(e);
        }
        record_ns.push(per_call(started.elapsed(), burst));
        sent += burst;
        // Let the writer catch up so the next burst measures enqueueing, not dropping.
        drain(&a).await;
    }
    record_ns.sort_by(f64::total_cmp);
    let median = record_ns[record_ns.len() / 2];
    a.shutdown().await;
    let s = a.stats();
    println!(
        "record only:        median {median:.0} ns/call, min {:.0} over {} bursts of {burst} (dropped {})",
        record_ns[0],
        record_ns.len(),
        s.dropped_queue_full
    );

    // 2. build + record, as an observe stage would (names shared from the context, the request id copied).
    let a = Analytics::with_store(config.clone(), PriceTable::builtin(), store.clone())?;
    let mut build_ns = Vec::new();
    let mut sent = 0;
    while sent < n {
        let started = Instant::now();
        for i in sent..sent + burst {
            a.record(event(i, &model, &alias));
        }
        build_ns.push(per_call(started.elapsed(), burst));
        sent += burst;
        drain(&a).await;
    }
    build_ns.sort_by(f64::total_cmp);
    a.shutdown().await;
    println!(
        "build + record:     median {:.0} ns/call",
        build_ns[build_ns.len() / 2]
    );

    // 3. Writer throughput: record as fast as possible, count until everything is stored.
    let big = AnalyticsConfig {
        queue_capacity: 1 << 20,
        max_buffered: 1 << 21,
        ..config
    };
    let a = Analytics::with_store(big, PriceTable::builtin(), store)?;
    let events: Vec<RequestEvent> = (0..n).map(|i| event(i, &model, &alias)).collect();
    let started = Instant::now();
    for e in events {
        a.record(e);
    }
    let enqueue = started.elapsed();
    a.shutdown().await;
    let total = started.elapsed();
    let s = a.stats();
    println!(
        "writer to SQLite:   {n} events enqueued in {:.1} ms, all stored after {:.1} ms = {:.0} events/s (written {}, dropped {})",
        enqueue.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
        n as f64 / total.as_secs_f64(),
        s.written,
        s.dropped_queue_full + s.dropped_backlog
    );
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(format!("{path}-wal"));
    let _ = std::fs::remove_file(format!("{path}-shm"));
    Ok(())
}
