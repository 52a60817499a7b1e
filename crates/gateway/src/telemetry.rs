//! OpenTelemetry traces: one span per request, named and attributed per the GenAI semantic
//! conventions, exported as OTLP/HTTP protobuf to `{otlp_endpoint}/v1/traces`.
//!
//! Spans are built in [`Telemetry::record`] (called from [`crate::observe`] once per
//! request) and queued on a bounded channel; a background task batches and posts them. A
//! full queue drops the span and counts it ([`Telemetry::dropped`]); an export failure is
//! logged. Neither ever blocks or fails a request. Spans carry no prompt or completion text
//! and no keys.
//!
//! Span kind is SERVER, not the CLIENT the GenAI conventions give for a call to a model: the
//! span covers the gateway's whole handling of the client's request (planning, every retry
//! and fallback across upstreams, streaming back), which is a server span in the trace the
//! client's `traceparent` started. Collectors' service graphs then show the gateway as a
//! service, and 4xx responses leave the status unset as the conventions say for servers.

mod proto;

use crate::{config::TelemetryConfig, context::RequestContext};
use proto::{KeyValue, Value};
use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, UNIX_EPOCH},
};
use switchyard_providers::{Provider, ProviderKind};
use tokio::sync::{mpsc, oneshot};

/// Spans waiting for export; beyond this they are dropped.
const QUEUE_CAPACITY: usize = 8192;
/// Spans per export request.
const MAX_BATCH: usize = 512;
/// Longest an export request may take.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest [`Telemetry::flush`] waits.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// What the exporter task receives.
#[derive(Debug)]
enum Msg {
    Span(Box<proto::Span>),
    Flush(oneshot::Sender<()>),
}

/// A provider's `server.address` and `server.port`.
type ServerAddress = (String, i64);

/// The trace exporter of a running gateway.
#[derive(Debug)]
pub struct Telemetry {
    tx: mpsc::Sender<Msg>,
    dropped: AtomicU64,
    sample_ratio: f64,
    /// `server.address` and `server.port` of each provider, by provider name.
    servers: Vec<(std::sync::Arc<str>, Option<ServerAddress>)>,
}

impl Telemetry {
    /// Starts the exporter task on the current tokio runtime. Fails if there is none or the
    /// HTTP client cannot be built.
    pub fn start(config: &TelemetryConfig, providers: &[Provider]) -> Result<Self, String> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| format!("telemetry needs a tokio runtime: {e}"))?;
        let mut headers = http::HeaderMap::new();
        for (name, value) in &config.headers {
            let name = http::HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?;
            let value = http::HeaderValue::from_str(value).map_err(|e| e.to_string())?;
            headers.insert(name, value);
        }
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/x-protobuf"),
        );
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(EXPORT_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot build the OTLP client: {e}"))?;
        let exporter = Exporter {
            client,
            url: format!("{}/v1/traces", config.otlp_endpoint),
            resource: proto::Resource {
                attributes: vec![
                    KeyValue::new("service.name", Value::String(config.service_name.clone())),
                    KeyValue::new("service.version", Value::String(VERSION.to_owned())),
                ],
            },
            failing: false,
        };
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        runtime.spawn(exporter.run(rx, config.flush_interval));
        let servers = providers
            .iter()
            .map(|p| {
                let server = || {
                    let url = url::Url::parse(&p.settings().base_url).ok()?;
                    let port = url.port_or_known_default()?;
                    Some((url.host_str()?.to_owned(), i64::from(port)))
                };
                (p.settings().name.clone(), server())
            })
            .collect();
        Ok(Self {
            tx,
            dropped: AtomicU64::new(0),
            sample_ratio: config.sample_ratio,
            servers,
        })
    }

    /// Queues the span of a finished request (if sampled). Never blocks.
    pub fn record(&self, ctx: &RequestContext) {
        let Some(operation) = operation(ctx.endpoint) else {
            return;
        };
        let parent = ctx
            .traceparent
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .and_then(parse_traceparent);
        let sampled = match &parent {
            Some(p) => p.sampled,
            None => self.sample_ratio >= 1.0 || fastrand::f64() < self.sample_ratio,
        };
        if !sampled {
            return;
        }
        let span = self.span(ctx, operation, parent);
        if self.tx.try_send(Msg::Span(Box::new(span))).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Spans dropped because the export queue was full (or the exporter had stopped).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Exports every queued span now and waits (at most a few seconds) for it to be sent;
    /// call on shutdown.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        let flushed = async {
            if self.tx.send(Msg::Flush(done)).await.is_ok() {
                let _ = wait.await;
            }
        };
        if tokio::time::timeout(FLUSH_TIMEOUT, flushed).await.is_err() {
            tracing::warn!("telemetry: spans not exported within {FLUSH_TIMEOUT:?} of shutdown");
        }
        let dropped = self.dropped();
        if dropped > 0 {
            tracing::warn!("telemetry: {dropped} spans dropped (export queue full)");
        }
    }

    /// The span of `ctx`.
    fn span(
        &self,
        ctx: &RequestContext,
        operation: &'static str,
        parent: Option<Parent>,
    ) -> proto::Span {
        let mut attrs = Vec::with_capacity(20);
        let mut put = |key: &str, value: Value| attrs.push(KeyValue::new(key, value));
        put("gen_ai.operation.name", Value::String(operation.to_owned()));
        if let Some(p) = ctx.provider.as_deref() {
            put(
                "gen_ai.provider.name",
                Value::String(provider_name(p.kind).into()),
            );
        }
        let server = ctx.provider.as_deref().and_then(|p| {
            let (_, server) = self.servers.iter().find(|(name, _)| *name == p.name)?;
            server.as_ref()
        });
        if let Some((host, port)) = server {
            put("server.address", Value::String(host.clone()));
            put("server.port", Value::Int(*port));
        }
        if let Some(m) = &ctx.requested_model {
            put("gen_ai.request.model", Value::String(m.to_string()));
        }
        if let Some(m) = &ctx.upstream_model {
            put("gen_ai.response.model", Value::String(m.to_string()));
        }
        if let Some(u) = &ctx.usage {
            put("gen_ai.usage.input_tokens", Value::Int(int(u.input_tokens)));
            put(
                "gen_ai.usage.output_tokens",
                Value::Int(int(u.output_tokens)),
            );
        }
        put(
            "http.response.status_code",
            Value::Int(i64::from(ctx.status)),
        );
        let error = match ctx.error {
            Some(kind) => Some(kind.as_str().to_owned()),
            None if ctx.status >= 400 => Some(ctx.status.to_string()),
            None => None,
        };
        if let Some(e) = &error {
            put("error.type", Value::String(e.clone()));
        }
        if let Some(a) = &ctx.alias {
            put("switchyard.alias", Value::String(a.to_string()));
        }
        put("switchyard.attempts", Value::Int(i64::from(ctx.attempts)));
        if let Some(f) = &ctx.fallback {
            put("switchyard.fallback", Value::String(f.to_string()));
        }
        let id = ctx.request_id.0.to_str().unwrap_or_default();
        put("switchyard.request_id", Value::String(id.to_owned()));
        put("switchyard.stream", Value::Bool(ctx.stream));
        if let Some(t) = ctx.time_to_first_token {
            put(
                "switchyard.ttft_ms",
                Value::Double(t.as_secs_f64() * 1000.0),
            );
        }
        // Failed: a 5xx, or a stream that broke after its 200 went out.
        let failed = ctx.status >= 500 || (ctx.status < 400 && ctx.error.is_some());
        let status = failed.then(|| proto::Status {
            message: error.unwrap_or_default(),
            code: proto::STATUS_CODE_ERROR,
        });
        let start = ctx
            .received_at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64;
        let end = start.saturating_add(ctx.received.elapsed().as_nanos() as u64);
        let (trace_id, parent_span_id) = match parent {
            Some(p) => (p.trace_id, p.span_id.to_be_bytes().to_vec()),
            None => (fastrand::u128(1..).to_be_bytes(), Vec::new()),
        };
        let name = match &ctx.requested_model {
            Some(m) => format!("{operation} {m}"),
            None => operation.to_owned(),
        };
        proto::Span {
            trace_id: trace_id.to_vec(),
            span_id: fastrand::u64(1..).to_be_bytes().to_vec(),
            parent_span_id,
            name,
            kind: proto::SPAN_KIND_SERVER,
            start_time_unix_nano: start,
            end_time_unix_nano: end,
            attributes: attrs,
            status,
            flags: 1,
        }
    }
}

/// This gateway's version (the `service.version` resource attribute and scope version).
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A token count as an OTLP integer.
fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The GenAI operation of an endpoint; `None` for endpoints that call no model.
fn operation(endpoint: &str) -> Option<&'static str> {
    match endpoint {
        "/v1/embeddings" => Some("embeddings"),
        "/v1/messages/count_tokens" | "" => None,
        _ => Some("chat"),
    }
}

/// The `gen_ai.provider.name` well-known value of a provider kind.
fn provider_name(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::OpenAi => "openai",
        ProviderKind::Azure => "azure.ai.openai",
        ProviderKind::Anthropic => "anthropic",
        ProviderKind::Gemini => "gcp.gemini",
    }
}

/// The caller's span, from a W3C `traceparent` header.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Parent {
    trace_id: [u8; 16],
    span_id: u64,
    sampled: bool,
}

/// Parses `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`); `None` if it is not valid.
fn parse_traceparent(value: &str) -> Option<Parent> {
    let mut parts = value.trim().split('-');
    let (version, trace, span, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, len: usize| {
        s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    if !hex(version, 2) || version == "ff" || !hex(trace, 32) || !hex(span, 16) || !hex(flags, 2) {
        return None;
    }
    if version == "00" && parts.next().is_some() {
        return None;
    }
    let trace_id = u128::from_str_radix(trace, 16).ok()?;
    let span_id = u64::from_str_radix(span, 16).ok()?;
    let flags = u8::from_str_radix(flags, 16).ok()?;
    if trace_id == 0 || span_id == 0 {
        return None;
    }
    Some(Parent {
        trace_id: trace_id.to_be_bytes(),
        span_id,
        sampled: flags & 1 == 1,
    })
}

/// The background task that batches and posts spans.
struct Exporter {
    client: reqwest::Client,
    url: String,
    resource: proto::Resource,
    /// Whether the last export failed (to log a streak of failures once).
    failing: bool,
}

impl Exporter {
    async fn run(mut self, mut rx: mpsc::Receiver<Msg>, interval: Duration) {
        let mut batch: Vec<proto::Span> = Vec::new();
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(Msg::Span(span)) => {
                        batch.push(*span);
                        if batch.len() >= MAX_BATCH {
                            self.export(&mut batch).await;
                        }
                    }
                    Some(Msg::Flush(done)) => {
                        self.export(&mut batch).await;
                        let _ = done.send(());
                    }
                    None => {
                        self.export(&mut batch).await;
                        return;
                    }
                },
                _ = tick.tick() => self.export(&mut batch).await,
            }
        }
    }

    /// Posts `batch` (emptying it); failures are logged, never retried.
    async fn export(&mut self, batch: &mut Vec<proto::Span>) {
        if batch.is_empty() {
            return;
        }
        let count = batch.len();
        let request = proto::ExportTraceServiceRequest {
            resource_spans: vec![proto::ResourceSpans {
                resource: Some(self.resource.clone()),
                scope_spans: vec![proto::ScopeSpans {
                    scope: Some(proto::InstrumentationScope {
                        name: "switchyard".to_owned(),
                        version: VERSION.to_owned(),
                    }),
                    spans: std::mem::take(batch),
                }],
            }],
        };
        let body = prost::Message::encode_to_vec(&request);
        let result = match self.client.post(&self.url).body(body).send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("collector answered {}", r.status())),
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(()) => self.failing = false,
            Err(e) if !self.failing => {
                self.failing = true;
                tracing::warn!(
                    "telemetry: cannot export {count} spans to {}: {e}",
                    self.url
                );
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests;
