//! The load generator: `concurrency` tasks sharing one keep-alive hyper client, each sending
//! requests back to back until the run's request budget or time cap is spent.
//!
//! It is deliberately small: it runs on the same cores as the mock and the gateway, so every
//! microsecond it spends is taken from what is being measured.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::{header, Method, Request, StatusCode, Uri};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;

/// The HTTP/1.1 client every run uses.
pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// How many bytes of an unexpected response are kept for the error report.
const ERROR_SNIPPET: usize = 200;
/// How many trailing bytes of a stream are kept to check its terminator.
const STREAM_TAIL: usize = 32;
/// The terminal event of an OpenAI-style stream.
const STREAM_DONE: &[u8] = b"[DONE]";

/// What one run sends, and where.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http://host:port/v1/chat/completions`.
    pub uri: Uri,
    /// The request body (JSON).
    pub body: Bytes,
    /// Whether the answer is an SSE stream that must end with `data: [DONE]`.
    pub streaming: bool,
}

/// How much load one run applies.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Concurrent request loops (each one a keep-alive connection).
    pub concurrency: usize,
    /// Requests to send in total; the run stops earlier at `max_duration`.
    pub requests: u64,
    /// Time cap of the run.
    pub max_duration: Duration,
}

/// What one run measured.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Latency of each successful request (send to end of body), sorted ascending.
    pub latencies: Vec<Duration>,
    /// Time to first body byte of each successful request, sorted ascending.
    pub ttfb: Vec<Duration>,
    /// Requests that failed: transport error, status other than 200, or a cut stream.
    pub errors: u64,
    /// The first failure, for the report.
    pub first_error: Option<String>,
    /// Wall time from the first request sent to the last one finished.
    pub elapsed: Duration,
}

/// A client with TCP_NODELAY and a keep-alive pool large enough for `concurrency` connections.
pub fn client(concurrency: usize) -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(concurrency.max(1))
        .pool_idle_timeout(Duration::from_secs(300))
        .build(connector)
}

/// Runs `load` against `target` and collects every request's timing.
pub async fn run(client: &HttpClient, target: &Target, load: Load) -> Outcome {
    let issued = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + load.max_duration;
    let per_task = usize::try_from(load.requests / load.concurrency.max(1) as u64 + 1).unwrap_or(0);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..load.concurrency.max(1) {
        let client = client.clone();
        let target = target.clone();
        let issued = Arc::clone(&issued);
        tasks.spawn(async move {
            let mut out = Outcome {
                latencies: Vec::with_capacity(per_task),
                ttfb: Vec::with_capacity(per_task),
                ..Outcome::default()
            };
            while Instant::now() < deadline
                && issued.fetch_add(1, Ordering::Relaxed) < load.requests
            {
                match one_request(&client, &target).await {
                    Ok((latency, ttfb)) => {
                        out.latencies.push(latency);
                        out.ttfb.push(ttfb);
                    }
                    Err(e) => {
                        out.errors += 1;
                        out.first_error.get_or_insert(e);
                    }
                }
            }
            out
        });
    }
    let mut total = Outcome {
        latencies: Vec::with_capacity(usize::try_from(load.requests).unwrap_or(0)),
        ttfb: Vec::with_capacity(usize::try_from(load.requests).unwrap_or(0)),
        ..Outcome::default()
    };
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(out) => {
                total.latencies.extend(out.latencies);
                total.ttfb.extend(out.ttfb);
                total.errors += out.errors;
                if total.first_error.is_none() {
                    total.first_error = out.first_error;
                }
            }
            Err(e) => {
                total.errors += 1;
                total
                    .first_error
                    .get_or_insert_with(|| format!("load task failed: {e}"));
            }
        }
    }
    total.elapsed = start.elapsed();
    total.latencies.sort_unstable();
    total.ttfb.sort_unstable();
    total
}

/// Sends one request and reads its whole body; returns (latency, time to first body byte).
async fn one_request(client: &HttpClient, target: &Target) -> Result<(Duration, Duration), String> {
    let request = Request::builder()
        .method(Method::POST)
        .uri(target.uri.clone())
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(target.body.clone()))
        .map_err(|e| format!("cannot build the request: {e}"))?;
    let sent = Instant::now();
    let response = client
        .request(request)
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    let mut body = response.into_body();
    let mut first_byte = None;
    // The tail checks the stream's terminator; the snippet explains an unexpected status.
    let mut kept: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| format!("reading the body failed ({status}): {e}"))?;
        let Some(data) = frame.data_ref() else {
            continue;
        };
        if data.is_empty() {
            continue;
        }
        if first_byte.is_none() {
            first_byte = Some(sent.elapsed());
        }
        if status != StatusCode::OK {
            let room = ERROR_SNIPPET.saturating_sub(kept.len());
            kept.extend_from_slice(&data[..room.min(data.len())]);
        } else if target.streaming {
            kept.extend_from_slice(data);
            if kept.len() > STREAM_TAIL {
                kept.drain(..kept.len() - STREAM_TAIL);
            }
        }
    }
    let latency = sent.elapsed();
    if status != StatusCode::OK {
        return Err(format!(
            "status {status}: {}",
            String::from_utf8_lossy(&kept).trim()
        ));
    }
    if target.streaming && !kept.windows(STREAM_DONE.len()).any(|w| w == STREAM_DONE) {
        return Err("stream ended without `data: [DONE]`".to_owned());
    }
    Ok((latency, first_byte.unwrap_or(latency)))
}
