//! The access log: one line per request, at `info` under the target `switchyard::access`,
//! so that an operator sees what every client tried, including requests that matched no
//! route or were refused. On by default; `server.access_log = false` turns it off.
//!
//! Requests that run the pipeline are recorded by the observe stage when their response is
//! complete (a stream's duration is its whole life); every other request (404s, refused
//! keys, health checks, the dashboard) by the [`layer`] middleware. Egress marks the
//! responses it makes with [`RecordedByPipeline`], so that no request is recorded twice.
//!
//! The request path only queues an [`AccessRecord`] (a few reference-counted clones and a
//! push under an uncontended lock, no wake-up); the [`AccessLogWriter`]'s thread formats and
//! writes the lines every [`FLUSH_INTERVAL`]. Writing them on the request path cost ~10 % of
//! throughput at saturation (BENCHMARKS.md).
//!
//! A line holds no prompt or completion text and no key: query values whose names suggest a
//! secret are replaced by `REDACTED`, and the quoted parts of a refusal's reason (serde
//! quotes the offending value) are elided.

use crate::{context::RequestId, state::AppState};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{HeaderValue, Method, Uri};
use std::{
    borrow::Cow,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex, PoisonError,
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

/// The `tracing` target of access log lines (filter it like any other, e.g.
/// `RUST_LOG=info,switchyard::access=off`).
pub const TARGET: &str = "switchyard::access";

/// How often the writer thread writes the queued lines.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(50);

/// Records queued at most; past this (a writer that cannot keep up) records are dropped and
/// counted, rather than memory growing.
const MAX_PENDING: usize = 65_536;

/// Longest refusal reason written, in characters.
const MAX_REASON_CHARS: usize = 240;

/// Query parameter names (lower case, as substrings) whose values are never written.
const SECRET_PARAMS: [&str; 7] = [
    "key",
    "token",
    "secret",
    "sig",
    "auth",
    "pass",
    "credential",
];

/// Marks a response whose request the observe stage logs itself.
#[derive(Debug, Clone, Copy)]
pub struct RecordedByPipeline;

/// Why a request was refused, attached to a response made outside the pipeline (a 404, a
/// missing key) for the access log.
#[derive(Debug, Clone)]
pub struct Refusal(pub Box<str>);

/// What one access log line says; owned, so that it can be written off the request path.
#[derive(Debug)]
pub struct AccessRecord {
    /// Request id.
    pub request_id: HeaderValue,
    /// HTTP method.
    pub method: Method,
    /// The URI as the client sent it (redacted when written).
    pub uri: Uri,
    /// Response status.
    pub status: u16,
    /// The alias that served the request, if it got that far.
    pub alias: Option<Arc<str>>,
    /// The provider that answered (or was last tried).
    pub provider: Option<Arc<str>>,
    /// Upstream calls made.
    pub attempts: u32,
    /// From receipt to the end of the response.
    pub duration: Duration,
    /// A 4xx's reason.
    pub refusal: Option<Box<str>>,
}

/// Queues access records and writes them from its own thread. Dropping it writes what is
/// still queued and stops the thread.
#[derive(Debug)]
pub struct AccessLogWriter {
    queue: Arc<Queue>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Queue {
    pending: Mutex<Vec<AccessRecord>>,
    stopping: AtomicBool,
    dropped: AtomicU64,
}

impl AccessLogWriter {
    /// Starts the writer thread; `None` (with a warning) if the thread cannot be spawned, in
    /// which case requests are served without an access log.
    pub fn start() -> Option<Self> {
        let queue = Arc::new(Queue::default());
        let thread = {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name("access-log".into())
                .spawn(move || run(&queue))
        };
        match thread {
            Ok(thread) => Some(Self {
                queue,
                thread: Some(thread),
            }),
            Err(e) => {
                tracing::warn!("access log off: cannot start its writer thread: {e}");
                None
            }
        }
    }

    /// Queues `record` for writing.
    pub fn record(&self, record: AccessRecord) {
        let mut pending = self
            .queue
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if pending.len() < MAX_PENDING {
            pending.push(record);
        } else {
            self.queue.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Drop for AccessLogWriter {
    fn drop(&mut self) {
        self.queue.stopping.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// The writer thread: every [`FLUSH_INTERVAL`] (or when stopping), writes what is queued.
fn run(queue: &Queue) {
    let mut batch = Vec::new();
    loop {
        std::thread::park_timeout(FLUSH_INTERVAL);
        let stopping = queue.stopping.load(Ordering::Acquire);
        std::mem::swap(
            &mut batch,
            &mut *queue.pending.lock().unwrap_or_else(PoisonError::into_inner),
        );
        for record in batch.drain(..) {
            write(&record);
        }
        let dropped = queue.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            tracing::warn!(
                target: TARGET,
                dropped,
                "access log lines dropped: the writer could not keep up"
            );
        }
        if stopping {
            return;
        }
    }
}

/// Writes the line for `record`.
fn write(record: &AccessRecord) {
    let target = redacted_target(&record.uri);
    let reason = match &record.refusal {
        Some(r) if (400..500).contains(&record.status) => redacted_reason(r),
        _ => Cow::Borrowed(""),
    };
    tracing::info!(
        target: TARGET,
        request_id = ?record.request_id,
        method = %record.method,
        path = %target,
        status = record.status,
        alias = record.alias.as_deref().unwrap_or(""),
        provider = record.provider.as_deref().unwrap_or(""),
        attempts = record.attempts,
        ms = (record.duration.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
        reason = %reason,
        "access"
    );
}

/// Records the requests the pipeline does not record (see the module docs).
pub async fn layer(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let Some(writer) = &state.access_log else {
        return next.run(request).await;
    };
    let received = Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone());
    let response = next.run(request).await;
    if response.extensions().get::<RecordedByPipeline>().is_none() {
        writer.record(AccessRecord {
            request_id: request_id.unwrap_or_else(|| HeaderValue::from_static("")),
            method,
            uri,
            status: response.status().as_u16(),
            alias: None,
            provider: None,
            attempts: 0,
            duration: received.elapsed(),
            refusal: response.extensions().get::<Refusal>().map(|r| r.0.clone()),
        });
    }
    response
}

/// The path and query of `uri`, with the values of secret-looking query parameters
/// replaced (Gemini-style clients put keys in `?key=`).
pub fn redacted_target(uri: &Uri) -> Cow<'_, str> {
    let path = uri.path();
    let Some(query) = uri.query() else {
        return Cow::Borrowed(path);
    };
    let secret = |name: &str| {
        let name = name.to_ascii_lowercase();
        SECRET_PARAMS.iter().any(|s| name.contains(s))
    };
    if !query
        .split('&')
        .any(|pair| secret(pair.split('=').next().unwrap_or("")))
    {
        return Cow::Owned(format!("{path}?{query}"));
    }
    let pairs: Vec<Cow<'_, str>> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if secret(name) => Cow::Owned(format!("{name}=REDACTED")),
            _ => Cow::Borrowed(pair),
        })
        .collect();
    Cow::Owned(format!("{path}?{}", pairs.join("&")))
}

/// `reason` with every double-quoted part elided (serde quotes the client's offending
/// value, which may be prompt text) and cut to [`MAX_REASON_CHARS`].
pub fn redacted_reason(reason: &str) -> Cow<'_, str> {
    if !reason.contains('"') && reason.chars().count() <= MAX_REASON_CHARS {
        return Cow::Borrowed(reason);
    }
    let mut out = String::with_capacity(reason.len().min(MAX_REASON_CHARS + 8));
    for (i, piece) in reason.split('"').enumerate() {
        if i % 2 == 0 {
            out.push_str(piece);
        } else {
            out.push_str("\"…\"");
        }
    }
    if let Some((cut, _)) = out.char_indices().nth(MAX_REASON_CHARS) {
        out.truncate(cut);
        out.push('…');
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: u16) -> AccessRecord {
        AccessRecord {
            request_id: HeaderValue::from_static("req_1"),
            method: Method::POST,
            uri: Uri::from_static("/v1/messages?beta=true"),
            status,
            alias: Some(Arc::from("coder")),
            provider: None,
            attempts: 1,
            duration: Duration::from_millis(3),
            refusal: None,
        }
    }

    #[test]
    fn dropping_the_writer_writes_what_is_queued() {
        let writer = AccessLogWriter::start().unwrap();
        let queue = writer.queue.clone();
        for status in [200, 404, 400] {
            writer.record(record(status));
        }
        drop(writer);
        assert!(queue.pending.lock().unwrap().is_empty());
        assert_eq!(queue.dropped.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn secret_query_values_are_redacted() {
        let uri: Uri = "/v1beta/models/g:generateContent?alt=sse&key=AIzaSECRET&api_token=t"
            .parse()
            .unwrap();
        assert_eq!(
            redacted_target(&uri),
            "/v1beta/models/g:generateContent?alt=sse&key=REDACTED&api_token=REDACTED"
        );
        let uri: Uri = "/v1/messages?beta=true".parse().unwrap();
        assert_eq!(redacted_target(&uri), "/v1/messages?beta=true");
        let uri: Uri = "/health".parse().unwrap();
        assert_eq!(redacted_target(&uri), "/health");
    }

    #[test]
    fn quoted_values_leave_the_reason() {
        let reason =
            r#"messages[0].content: invalid type: string "my secret prompt", expected a sequence"#;
        let out = redacted_reason(reason);
        assert!(!out.contains("secret prompt"), "{out}");
        assert!(
            out.contains("messages[0].content: invalid type: string"),
            "{out}"
        );
        let long = "x".repeat(1000);
        assert_eq!(redacted_reason(&long).chars().count(), MAX_REASON_CHARS + 1);
        assert_eq!(
            redacted_reason("no route for HEAD /"),
            "no route for HEAD /"
        );
    }
}
