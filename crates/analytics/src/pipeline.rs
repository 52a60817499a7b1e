//! The [`Analytics`] handle: events leave the request path through a bounded queue; one
//! writer, on a thread of its own, prices them, counts them in the metrics and writes them
//! in batches.
//!
//! The writer never stops draining the queue while a write is in flight or the store is
//! failing: each event, once prepared, is encoded into the open [`EventBatch`] and freed;
//! full batches wait in a backlog (bounded by `max_buffered` events, the oldest batches
//! dropped beyond), failed batches go back to its front and are retried with exponential
//! backoff. A retry never stores an event twice: a failed SQLite batch is rolled back
//! whole, and PostgreSQL inserts skip event ids already stored.

use crate::{
    config::AnalyticsConfig,
    event::{now_millis, RequestEvent},
    metrics::Metrics,
    prices::{PriceMemo, PriceTable},
    queue::QueuedEvent,
    redact::redact_secrets,
    store::{open_store, BoxFuture, EventBatch, EventStore, StoreError},
    summary::{Aggregator, Summary, SummaryQuery},
    tokenizer::estimate_usage_from_text,
};
use std::{
    collections::{hash_map::RandomState, VecDeque},
    hash::BuildHasher,
    path::Path,
    sync::{atomic::Ordering, Arc, Mutex},
    time::Duration,
};
use tokio::{
    sync::{mpsc, oneshot, Notify},
    time::Instant,
};

const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Queued events that wake the writer to move them into its own buffer (it writes a batch
/// of `batch_size` from there). Draining often keeps the channel shallow, so its blocks are
/// reused instead of megabytes being allocated and freed for every batch.
const DRAIN_EVERY: usize = 256;

/// Why analytics could not start or answer.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// The configuration is invalid.
    #[error("{0}")]
    Config(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Analytics is disabled in the config.
    #[error("analytics is disabled")]
    Disabled,
    /// The query is invalid.
    #[error("{0}")]
    Query(String),
}

/// A snapshot of the pipeline's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PipelineStats {
    /// Events written to the store.
    pub written: u64,
    /// Events dropped because the queue was full.
    pub dropped_queue_full: u64,
    /// Events dropped because the store was failing and the buffer was at its cap.
    pub dropped_backlog: u64,
    /// Events dropped at (or after) shutdown.
    pub dropped_shutdown: u64,
    /// Failed store writes.
    pub store_errors: u64,
    /// Events held by the writer, not yet written.
    pub buffered: u64,
    /// Events in the queue, not yet taken by the writer.
    pub queued: u64,
}

struct Shared {
    config: AnalyticsConfig,
    prices: Arc<PriceTable>,
    metrics: Arc<Metrics>,
    store: Option<Arc<dyn EventStore>>,
    tx: Option<mpsc::Sender<QueuedEvent>>,
    /// Wakes the writer early when a full batch is queued. The writer is not woken per
    /// event: at saturation a wake-up per request (a futex call and a thread switch) cost
    /// more than the event itself.
    wake: Arc<Notify>,
    /// Stops the writer; the receiver resolves when its thread has finished.
    shutdown: Mutex<Option<(oneshot::Sender<()>, oneshot::Receiver<()>)>>,
}

/// The analytics handle: cheap to clone, shared by the gateway's request path (which calls
/// [`record`](Self::record)) and the analytics HTTP routes.
#[derive(Clone)]
pub struct Analytics {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Analytics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analytics")
            .field("enabled", &self.shared.tx.is_some())
            .field("store", &self.shared.store.as_ref().map(|s| s.kind()))
            .finish()
    }
}

impl Analytics {
    /// Opens the store `config` names (SQLite paths relative to `base_dir`, the config
    /// file's directory) and starts the writer. Must be called inside a Tokio runtime.
    /// `prices` is usually [`PriceTable::builtin`] plus the deployments' own prices;
    /// `config.prices` are applied on top. With `enabled = false`, returns
    /// [`Analytics::disabled`].
    pub async fn open(
        config: AnalyticsConfig,
        base_dir: Option<&Path>,
        prices: PriceTable,
    ) -> Result<Self, AnalyticsError> {
        if !config.enabled {
            return Ok(Self::disabled());
        }
        config.validate().map_err(AnalyticsError::Config)?;
        let store = open_store(&config, base_dir).await?;
        Self::with_store(config, prices, store)
    }

    /// Starts the writer (on a thread of its own) over an already open `store` (tests,
    /// custom stores).
    ///
    /// `config.prices` are applied on top of `prices` as model overrides (deployment prices
    /// set on `prices` still win).
    pub fn with_store(
        config: AnalyticsConfig,
        mut prices: PriceTable,
        store: Arc<dyn EventStore>,
    ) -> Result<Self, AnalyticsError> {
        config.validate().map_err(AnalyticsError::Config)?;
        for (prefix, price) in &config.prices {
            prices.set_model_price(prefix, *price);
        }
        let (tx, rx) = mpsc::channel(config.queue_capacity);
        let metrics = Arc::new(Metrics::new());
        let _ = metrics.pipeline.queue.set(tx.clone());
        let prices = Arc::new(prices);
        let (stop_tx, stop_rx) = oneshot::channel();
        let wake = Arc::new(Notify::new());
        let writer = Writer {
            rx,
            wake: wake.clone(),
            store: store.clone(),
            metrics: metrics.clone(),
            prices: prices.clone(),
            config: config.clone(),
            ids: EventIds::new(),
            price_memo: PriceMemo::default(),
        };
        let done = spawn_writer_thread(writer, stop_rx)?;
        Ok(Self {
            shared: Arc::new(Shared {
                config,
                prices,
                metrics,
                store: Some(store),
                tx: Some(tx),
                wake,
                shutdown: Mutex::new(Some((stop_tx, done))),
            }),
        })
    }

    /// A handle that records nothing (metrics stay empty, queries answer `Disabled`).
    pub fn disabled() -> Self {
        Self {
            shared: Arc::new(Shared {
                config: AnalyticsConfig {
                    enabled: false,
                    ..AnalyticsConfig::default()
                },
                prices: Arc::new(PriceTable::builtin()),
                metrics: Arc::new(Metrics::new()),
                store: None,
                tx: None,
                wake: Arc::new(Notify::new()),
                shutdown: Mutex::new(None),
            }),
        }
    }

    /// Whether events are recorded.
    pub fn is_enabled(&self) -> bool {
        self.shared.tx.is_some()
    }

    /// Whether a request's prompt and completion text should go with its event: the
    /// config records text, or (`usage_missing`) the writer must count the tokens the
    /// provider did not report. The caller builds the text only then.
    pub fn needs_text(&self, usage_missing: bool) -> bool {
        self.is_enabled() && (usage_missing || self.shared.config.record_text)
    }

    /// Hands one finished request to the writer. Never blocks, never fails: when the queue
    /// is full the event is dropped and counted (and still counted in the metrics).
    pub fn record(&self, event: RequestEvent) {
        let Some(tx) = &self.shared.tx else {
            return;
        };
        match tx.try_send(Box::new(event)) {
            Ok(()) => {
                let queued = tx.max_capacity() - tx.capacity();
                if queued >= DRAIN_EVERY.min(self.shared.config.batch_size) {
                    self.shared.wake.notify_one();
                }
            }
            Err(mpsc::error::TrySendError::Full(mut event)) => {
                let counter = &self.shared.metrics.pipeline.dropped_queue_full;
                counter.fetch_add(1, Ordering::Relaxed);
                // Rare path: keep the request metrics whole even when the store falls behind.
                self.shared.prices.price_event(&mut event);
                self.shared.metrics.observe(&event);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                let counter = &self.shared.metrics.pipeline.dropped_shutdown;
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The client-key hash with this deployment's salt (see [`crate::hash_client_key`]).
    pub fn hash_key(&self, key: &str) -> String {
        crate::event::hash_client_key(&self.shared.config.key_salt, key)
    }

    /// The price table in use.
    pub fn prices(&self) -> &PriceTable {
        &self.shared.prices
    }

    /// The metrics (for `/metrics` and the gateway's own counters).
    pub fn metrics(&self) -> &Metrics {
        &self.shared.metrics
    }

    /// The config in use.
    pub fn config(&self) -> &AnalyticsConfig {
        &self.shared.config
    }

    /// The pipeline's counters.
    pub fn stats(&self) -> PipelineStats {
        let p = &self.shared.metrics.pipeline;
        let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        PipelineStats {
            written: load(&p.written),
            dropped_queue_full: load(&p.dropped_queue_full),
            dropped_backlog: load(&p.dropped_backlog),
            dropped_shutdown: load(&p.dropped_shutdown),
            store_errors: load(&p.store_errors),
            buffered: load(&p.buffered),
            queued: p.queued(),
        }
    }

    /// Summarises the stored events matching `query`.
    pub async fn summary(&self, query: SummaryQuery) -> Result<Summary, AnalyticsError> {
        query.validate().map_err(AnalyticsError::Query)?;
        let store = self.shared.store.as_ref().ok_or(AnalyticsError::Disabled)?;
        let agg = store.scan(Aggregator::new(query)).await?;
        Ok(agg.finish())
    }

    /// The latest `limit` stored events, newest first.
    pub async fn recent(&self, limit: usize) -> Result<Vec<RequestEvent>, AnalyticsError> {
        let store = self.shared.store.as_ref().ok_or(AnalyticsError::Disabled)?;
        Ok(store.recent(limit).await?)
    }

    /// Stops accepting events and writes what is queued and buffered, retrying a failing
    /// store for up to `shutdown_timeout_ms`; what is still unwritten then is counted as
    /// dropped. Later calls (and calls on clones) return at once.
    pub async fn shutdown(&self) {
        let taken = {
            let mut guard = self
                .shared
                .shutdown
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            guard.take()
        };
        if let Some((stop, done)) = taken {
            let _ = stop.send(());
            if done.await.is_err() {
                tracing::warn!("analytics: writer thread ended without finishing");
            }
        }
    }
}

/// Runs `writer` on a thread of its own, with a single-threaded runtime of its own (its
/// timers, and the store's async I/O), until `stop`; the returned receiver resolves when it
/// has finished.
///
/// Why not a task on the caller's runtime: there the writer's per-event work (pricing,
/// metrics, batching) ran on the same worker threads as the requests it records — on a
/// small machine, the one worker — and took its share of every request's budget. On its
/// own thread it runs wherever the OS finds a free core.
fn spawn_writer_thread(
    writer: Writer,
    stop: oneshot::Receiver<()>,
) -> Result<oneshot::Receiver<()>, AnalyticsError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_name("switchyard-analytics-io")
        .build()
        .map_err(|e| AnalyticsError::Config(format!("analytics: cannot start its runtime: {e}")))?;
    let (done_tx, done_rx) = oneshot::channel();
    std::thread::Builder::new()
        .name("switchyard-analytics".into())
        .spawn(move || {
            runtime.block_on(writer.run(stop));
            // Let the store's blocking calls finish before the runtime goes.
            runtime.shutdown_timeout(std::time::Duration::from_secs(5));
            let _ = done_tx.send(());
        })
        .map_err(|e| {
            AnalyticsError::Config(format!("analytics: cannot start the writer thread: {e}"))
        })?;
    Ok(done_rx)
}

/// Event ids: splitmix64 over a per-process random start, so ids never repeat within a
/// process (the state steps by an odd constant, visiting every 64-bit value once, and the
/// mixer is a bijection) and ids from replicas and restarts do not collide in practice.
///
/// Why not a keyed SipHash of a counter, as before: it cost ~280 instructions per event,
/// a twentieth of all that analytics adds to a request, and could in principle collide.
struct EventIds {
    state: u64,
}

impl EventIds {
    fn new() -> Self {
        Self {
            state: RandomState::new().hash_one(0x5eed_u64),
        }
    }

    fn next(&mut self) -> u64 {
        loop {
            self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            // 0 means "not stamped yet" on an event.
            if z != 0 {
                return z;
            }
        }
    }
}

type Inflight = BoxFuture<'static, (Arc<EventBatch>, Result<(), StoreError>)>;

struct Writer {
    rx: mpsc::Receiver<QueuedEvent>,
    wake: Arc<Notify>,
    store: Arc<dyn EventStore>,
    metrics: Arc<Metrics>,
    prices: Arc<PriceTable>,
    config: AnalyticsConfig,
    ids: EventIds,
    price_memo: PriceMemo,
}

/// Tokens of an answer whose provider reported none, counted from the texts the gateway
/// attached, on the blocking pool (the tokenizer is CPU work, and loads once). `None`
/// without texts, or if the count failed: pricing then estimates from the byte sizes.
async fn estimate(event: &mut RequestEvent) -> Option<crate::event::TokenUsage> {
    if event.prompt_text.is_none() && event.completion_text.is_none() {
        return None;
    }
    let (input_bytes, output_bytes) = (event.input_bytes, event.output_bytes);
    let prompt = event.prompt_text.take();
    let completion = event.completion_text.take();
    let counted = tokio::task::spawn_blocking(move || {
        let usage = estimate_usage_from_text(
            prompt.as_deref(),
            completion.as_deref(),
            input_bytes,
            output_bytes,
        );
        (usage, prompt, completion)
    })
    .await;
    match counted {
        Ok((usage, prompt, completion)) => {
            event.prompt_text = prompt;
            event.completion_text = completion;
            Some(usage)
        }
        Err(e) => {
            tracing::warn!(error = %e, "analytics: token count failed; estimating from bytes");
            None
        }
    }
}

async fn wait_inflight(
    inflight: &mut Option<Inflight>,
) -> (Arc<EventBatch>, Result<(), StoreError>) {
    match inflight {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Writer {
    /// Prices, redacts and stamps one event, and counts it in the metrics.
    async fn prepare(&mut self, event: &mut RequestEvent) {
        if event.ts_ms == 0 {
            event.ts_ms = now_millis();
        }
        if event.event_id == 0 {
            event.event_id = self.ids.next();
        }
        if event.usage.is_none() && !event.is_error() {
            event.usage = estimate(event).await;
        }
        if self.config.record_text {
            event.prompt_text = event.prompt_text.as_deref().map(redact_secrets);
            event.completion_text = event.completion_text.as_deref().map(redact_secrets);
        } else {
            event.prompt_text = None;
            event.completion_text = None;
        }
        self.prices.price_event_memo(event, &mut self.price_memo);
        self.metrics.observe(event);
    }

    async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        let mut backlog = Backlog::default();
        let mut inflight: Option<Inflight> = None;
        let mut inflight_len = 0usize;
        let mut retry_at: Option<Instant> = None;
        let mut backoff = FIRST_BACKOFF;
        let max_backoff = Duration::from_millis(self.config.retry_max_backoff_ms.max(1));
        let mut ticker = tokio::time::interval(self.config.flush_interval());
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut flush_due = false;
        let mut closed = false;
        let mut deadline: Option<Instant> = None;
        let counters = self.metrics.clone();
        let p = &counters.pipeline;

        loop {
            // Take everything queued so far (the writer wakes on its tick, on a full batch,
            // and on store results, never once per event).
            while !closed {
                match self.rx.try_recv() {
                    Ok(mut event) => {
                        self.prepare(&mut event).await;
                        backlog.push(&event, self.config.batch_size);
                    }
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => closed = true,
                }
            }
            let dropped = backlog.cap(self.config.max_buffered);
            p.dropped_backlog
                .fetch_add(dropped as u64, Ordering::Relaxed);
            let store_ready = inflight.is_none() && retry_at.is_none();
            if store_ready {
                let flush = std::mem::take(&mut flush_due) || deadline.is_some();
                if let Some(batch) = backlog.next(flush) {
                    let batch = Arc::new(batch);
                    inflight_len = batch.len();
                    let store = self.store.clone();
                    inflight = Some(Box::pin(async move {
                        let result = store.insert(batch.clone()).await;
                        (batch, result)
                    }));
                }
            }
            let buffered = backlog.events + if inflight.is_some() { inflight_len } else { 0 };
            p.buffered.store(buffered as u64, Ordering::Relaxed);
            if closed && backlog.events == 0 && inflight.is_none() {
                break;
            }

            tokio::select! {
                () = self.wake.notified(), if !closed => {},
                (batch, result) = wait_inflight(&mut inflight) => {
                    inflight = None;
                    match result {
                        Ok(()) => {
                            p.written.fetch_add(batch.len() as u64, Ordering::Relaxed);
                            backoff = FIRST_BACKOFF;
                            // The batch's buffer (megabytes at full size) serves a next one.
                            if let Ok(batch) = Arc::try_unwrap(batch) {
                                backlog.spare = Some(batch.into_buffer());
                            }
                        }
                        Err(e) => {
                            p.store_errors.fetch_add(1, Ordering::Relaxed);
                            tracing::warn!(error = %e, events = batch.len(), retry_in = ?backoff,
                                "analytics: store write failed; will retry");
                            backlog.put_back(Arc::try_unwrap(batch).unwrap_or_else(|b| (*b).clone()));
                            let dropped = backlog.cap(self.config.max_buffered);
                            p.dropped_backlog.fetch_add(dropped as u64, Ordering::Relaxed);
                            retry_at = Some(Instant::now() + backoff);
                            backoff = (backoff * 2).min(max_backoff);
                        }
                    }
                },
                _ = sleep_until(retry_at) => retry_at = None,
                _ = ticker.tick() => flush_due = true,
                _ = &mut stop, if deadline.is_none() => {
                    // Drain what is queued, refuse the rest, flush until the deadline.
                    self.rx.close();
                    deadline = Some(Instant::now()
                        + Duration::from_millis(self.config.shutdown_timeout_ms));
                },
                _ = sleep_until(deadline) => {
                    // An in-flight batch is abandoned too (its outcome is unknown; counted
                    // as dropped).
                    let mut left = backlog.clear() + if inflight.take().is_some() { inflight_len } else { 0 };
                    while self.rx.try_recv().is_ok() {
                        left += 1;
                    }
                    p.dropped_shutdown.fetch_add(left as u64, Ordering::Relaxed);
                    if left > 0 {
                        tracing::warn!(events = left, "analytics: shutdown deadline; events not written");
                    }
                    break;
                },
            }
        }
        p.buffered.store(0, Ordering::Relaxed);
    }
}

/// What the writer holds: the batch being filled and the batches waiting for the store,
/// oldest first (full ones, flushed partial ones, and failed ones put back for a retry).
#[derive(Default)]
struct Backlog {
    open: EventBatch,
    waiting: VecDeque<EventBatch>,
    /// Events in `open` and `waiting`.
    events: usize,
    /// The buffer of a written batch, for the next one.
    spare: Option<Vec<u8>>,
}

impl Backlog {
    /// Encodes `event` into the open batch, which waits for the store once it holds
    /// `batch_size` events.
    fn push(&mut self, event: &RequestEvent, batch_size: usize) {
        self.open.push(event);
        self.events += 1;
        if self.open.len() >= batch_size {
            self.close_open();
        }
    }

    fn close_open(&mut self) {
        if !self.open.is_empty() {
            let fresh = EventBatch::with_buffer(self.spare.take().unwrap_or_default());
            self.waiting
                .push_back(std::mem::replace(&mut self.open, fresh));
        }
    }

    /// The next batch to write: the oldest waiting one or, with `flush`, the open one.
    fn next(&mut self, flush: bool) -> Option<EventBatch> {
        if flush && self.waiting.is_empty() {
            self.close_open();
        }
        let batch = self.waiting.pop_front()?;
        self.events -= batch.len();
        Some(batch)
    }

    /// A batch whose write failed, first in line again.
    fn put_back(&mut self, batch: EventBatch) {
        self.events += batch.len();
        self.waiting.push_front(batch);
    }

    /// Drops the oldest waiting batches, whole, while more than `max` events are held;
    /// returns how many events went. Whole batches, because they are encoded: the number
    /// held stays within a batch below `max` (`max >= batch_size` is validated).
    fn cap(&mut self, max: usize) -> usize {
        let mut dropped = 0;
        while self.events > max {
            let Some(oldest) = self.waiting.pop_front() else {
                break;
            };
            self.events -= oldest.len();
            dropped += oldest.len();
        }
        dropped
    }

    /// Drops everything; returns how many events went.
    fn clear(&mut self) -> usize {
        self.waiting.clear();
        self.open = EventBatch::default();
        std::mem::take(&mut self.events)
    }
}

#[cfg(test)]
mod tests;
