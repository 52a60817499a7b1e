//! PostgreSQL goes away mid-run, through a TCP relay this test controls (the machine's
//! server is never touched): `record` keeps returning at once, nothing is lost, and the
//! events arrive once the relay is back. Two outages: connections cut (refused, reset) and
//! connections stalled (bytes stop flowing; only timeouts can notice).

#![cfg(test)]

mod common;

use common::{sample_events, PgSchema};
use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};
use switchyard_analytics::{Analytics, AnalyticsConfig, PriceTable};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Forward bytes.
    Up,
    /// Close every connection; accept new ones and close them at once.
    Severed,
    /// Keep connections open but forward nothing.
    Stalled,
}

/// 127.0.0.1:0 -> 127.0.0.1:5432, switchable.
struct Relay {
    addr: SocketAddr,
    mode: watch::Sender<Mode>,
}

impl Relay {
    async fn start(target: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (mode, rx) = watch::channel(Mode::Up);
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                tokio::spawn(relay_one(inbound, target, rx.clone()));
            }
        });
        Self { addr, mode }
    }

    fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }
}

async fn until_changed_from(rx: &mut watch::Receiver<Mode>, mode: Mode) {
    while *rx.borrow_and_update() == mode {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

async fn relay_one(mut inbound: TcpStream, target: &str, mut rx: watch::Receiver<Mode>) {
    let mode = *rx.borrow_and_update();
    match mode {
        Mode::Severed => return,
        Mode::Stalled => {
            // Hold the socket silently until the mode changes, then drop it.
            until_changed_from(&mut rx, Mode::Stalled).await;
            return;
        }
        Mode::Up => {}
    }
    let Ok(mut outbound) = TcpStream::connect(target).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
        _ = until_changed_from(&mut rx, Mode::Up) => {
            if *rx.borrow() == Mode::Stalled {
                until_changed_from(&mut rx, Mode::Stalled).await;
            }
        }
    }
}

/// A `record` that waited on the store would take the store timeout (1 s); anything far
/// below is "immediate" (the margin absorbs scheduler hiccups on a loaded 2-core machine;
/// the calls themselves take ~100 ns, see `examples/record_bench.rs`).
const IMMEDIATE: Duration = Duration::from_millis(50);

/// Records `events`, returning the slowest `record` call.
async fn record_all(a: &Analytics, events: Vec<switchyard_analytics::RequestEvent>) -> Duration {
    let mut slowest = Duration::ZERO;
    for (i, mut e) in events.into_iter().enumerate() {
        e.event_id = 0;
        let started = Instant::now();
        a.record(e);
        slowest = slowest.max(started.elapsed());
        if i % 10 == 9 {
            // Requests keep coming while the store is down.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    slowest
}

async fn wait_for(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_survive_a_cut_and_a_stalled_connection() {
    let schema = PgSchema::new("outage");
    let relay = Relay::start("127.0.0.1:5432").await;
    let config = AnalyticsConfig {
        database: Some(format!("postgres://postgres@{}/test", relay.addr)),
        postgres_schema: Some(schema.name.clone()),
        batch_size: 16,
        flush_interval_ms: 20,
        retry_max_backoff_ms: 200,
        store_timeout_ms: 1000,
        ..AnalyticsConfig::default()
    };
    let a = Analytics::open(config, None, PriceTable::builtin())
        .await
        .unwrap();
    let events = sample_events(450);
    let mut chunks = events.chunks(150).map(<[_]>::to_vec);

    // 1. Healthy.
    record_all(&a, chunks.next().unwrap()).await;
    wait_for(
        "the first 150 events",
        Duration::from_secs(10),
        async || schema.count().await == 150,
    )
    .await;

    // 2. Connections cut: writes fail, record does not notice (also once the writer knows).
    relay.set(Mode::Severed);
    let mut batch = chunks.next().unwrap();
    let second_half = batch.split_off(75);
    let mut slowest = record_all(&a, batch).await;
    wait_for("a failed write", Duration::from_secs(10), async || {
        a.stats().store_errors > 0
    })
    .await;
    slowest = slowest.max(record_all(&a, second_half).await);
    assert_eq!(schema.count().await, 150, "nothing can land while cut");
    assert!(slowest < IMMEDIATE, "record took {slowest:?}");
    let errors_while_cut = a.stats().store_errors;
    relay.set(Mode::Up);
    wait_for("the cut-off events", Duration::from_secs(15), async || {
        schema.count().await == 300
    })
    .await;

    // 3. Connections stalled: only the store timeout can tell.
    relay.set(Mode::Stalled);
    let mut batch = chunks.next().unwrap();
    let second_half = batch.split_off(75);
    let mut slowest = record_all(&a, batch).await;
    wait_for("a timed-out write", Duration::from_secs(10), async || {
        a.stats().store_errors > errors_while_cut
    })
    .await;
    slowest = slowest.max(record_all(&a, second_half).await);
    assert!(slowest < IMMEDIATE, "record took {slowest:?}");
    assert_eq!(schema.count().await, 300);
    relay.set(Mode::Up);
    wait_for("the stalled events", Duration::from_secs(15), async || {
        schema.count().await == 450
    })
    .await;

    let stats = a.stats();
    assert_eq!(stats.written, 450);
    assert_eq!(
        (stats.dropped_queue_full, stats.dropped_backlog),
        (0, 0),
        "nothing dropped"
    );
    a.shutdown().await;
    // Exactly once despite retries of batches whose outcome was unknown.
    assert_eq!(schema.count().await, 450);
}
