//! Streamed answers: open the upstream stream (failing over until the first content
//! arrives), then re-encode canonical events into the client's SSE format as they come.

use super::respond_headers;
use crate::{
    context::RequestContext,
    error::GatewayError,
    observe,
    resilience::{Failover, InFlight},
    routes::chat::call_options,
    state::AppState,
    transcript::{prompt_text, RequestTexts},
};
use axum::{body::Body, response::Response};
use bytes::Bytes;
use futures_util::FutureExt as _;
use http::{header, HeaderValue};
use std::{convert::Infallible, sync::Arc};

/// Bytes of SSE gathered into one body chunk at most.
const COALESCE_LIMIT: usize = 16 * 1024;
use switchyard_protocol::{
    codec::AnyStreamEncoder, BlockDelta, ChatRequest, ErrorKind, StreamEvent,
};
use switchyard_providers::{CallOptions, Provider, ProviderError, ProviderKind, UpstreamStream};

/// An upstream stream that has produced its first content.
pub struct Opened {
    upstream: UpstreamStream,
    /// Events read before the response was committed, replayed first.
    prefetched: Vec<StreamEvent>,
    encoder: AnyStreamEncoder,
    /// Keeps the deployment's in-flight count until the stream ends.
    _in_flight: InFlight,
    /// The request, kept for analytics when the answer's text may be needed at the end
    /// (see [`Opened::keep_request`]).
    request: Option<ChatRequest>,
}

impl Opened {
    /// Keeps `req` until the stream ends when analytics may need its text: it records
    /// text, or the answering provider is an OpenAI-compatible server, which may end a
    /// stream without usage (Anthropic, Gemini and Azure always report it). Other streams
    /// drop the request now rather than hold its memory for the stream's life.
    pub fn keep_request(&mut self, state: &AppState, ctx: &RequestContext, req: ChatRequest) {
        let compatible = ctx
            .provider
            .and_then(|i| state.provider(i))
            .is_some_and(|p| p.settings().kind == ProviderKind::OpenAi);
        if state.analytics.needs_text(compatible) {
            self.request = Some(req);
        }
    }
}

/// Whether an event commits the stream: once it is sent, the client has seen content and
/// a later failure can no longer be hidden by failing over.
fn is_content(event: &StreamEvent) -> bool {
    matches!(
        event,
        StreamEvent::Delta { .. } | StreamEvent::Finish { .. } | StreamEvent::Error { .. }
    )
}

/// Opens the stream on the first deployment that gets as far as its first content.
pub async fn open(
    failover: &mut Failover<'_>,
    req: &ChatRequest,
    parts: &http::request::Parts,
    ctx: &mut RequestContext,
) -> Result<Opened, GatewayError> {
    let encoder = AnyStreamEncoder::new(ctx.client_format, req.stream_include_usage)
        .map_err(GatewayError::from)?;
    loop {
        let attempt = failover.next(ctx).await?;
        let options = call_options(parts, &attempt);
        let result = first_content(attempt.provider, req, &attempt.model, &options).await;
        if let Some((upstream, prefetched)) = failover.settle(ctx, &attempt, result)? {
            ctx.time_to_first_token = Some(ctx.received.elapsed());
            return Ok(Opened {
                upstream,
                prefetched,
                encoder,
                _in_flight: attempt.in_flight,
                request: None,
            });
        }
    }
}

/// Opens the upstream stream and reads it up to its first content event, so that a
/// stream which fails before the client has seen anything can fail over.
async fn first_content(
    provider: &Provider,
    req: &ChatRequest,
    model: &str,
    options: &CallOptions<'_>,
) -> Result<(UpstreamStream, Vec<StreamEvent>), ProviderError> {
    let mut upstream = provider.chat_stream(req, model, options).await?;
    let mut prefetched = Vec::new();
    loop {
        match upstream.next().await {
            Some(Ok(StreamEvent::Error { kind, message })) => {
                // An error before any content (e.g. Anthropic's `overloaded_error` event)
                // is an upstream failure like a 5xx: try the next deployment.
                let status = if kind.contains("overloaded") {
                    529
                } else {
                    502
                };
                return Err(ProviderError::Status {
                    provider: provider.settings().name.clone(),
                    status,
                    error_type: Some(kind),
                    message,
                    retry_after: None,
                });
            }
            Some(Ok(event)) => {
                let content = is_content(&event);
                prefetched.push(event);
                if content {
                    return Ok((upstream, prefetched));
                }
            }
            Some(Err(e)) => return Err(e),
            None => return Ok((upstream, prefetched)),
        }
    }
}
/// Body state of a stream being relayed. Dropping it (stream complete, or the client went
/// away) drops the upstream connection and records the request.
struct Relay {
    state: Arc<AppState>,
    ctx: RequestContext,
    opened: Opened,
    done: bool,
    /// The answer's text, gathered only while the request is kept for analytics.
    completion: String,
}

impl Drop for Relay {
    fn drop(&mut self) {
        if !self.done {
            // The client disconnected before the end: the upstream request is cancelled by
            // dropping its connection here.
            self.ctx.status = 499;
        }
        if self.state.analytics.needs_text(self.ctx.usage.is_none()) {
            let prompt = self.opened.request.as_ref().map(prompt_text);
            self.ctx.texts = Some(Box::new(RequestTexts {
                prompt: prompt.unwrap_or_default(),
                completion: std::mem::take(&mut self.completion),
            }));
        }
        observe::request_finished(&self.state, &mut self.ctx);
    }
}

impl Relay {
    fn track(&mut self, event: &StreamEvent) {
        match event {
            StreamEvent::Usage(u) => self.ctx.usage = Some(*u),
            StreamEvent::Delta { delta, .. } => {
                let n = match delta {
                    BlockDelta::Text(t)
                    | BlockDelta::ToolArguments(t)
                    | BlockDelta::Thinking(t) => t.len(),
                    _ => 0,
                };
                self.ctx.output_bytes += n as u64;
                if self.opened.request.is_some() {
                    if let BlockDelta::Text(t)
                    | BlockDelta::ToolArguments(t)
                    | BlockDelta::Thinking(t) = delta
                    {
                        self.completion.push_str(t);
                    }
                }
            }
            _ => {}
        }
    }

    /// Encodes `event`; on an encoder failure ends the stream with an error event.
    fn encode(&mut self, event: &StreamEvent, out: &mut Vec<u8>) {
        self.track(event);
        if let Err(e) = self.opened.encoder.encode(event, out) {
            self.fail(
                ErrorKind::Internal,
                &format!("cannot encode stream event: {e}"),
                out,
            );
        }
    }

    /// Ends the stream with an explicit error event: a truncated answer must never look
    /// complete to the client.
    fn fail(&mut self, kind: ErrorKind, message: &str, out: &mut Vec<u8>) {
        self.ctx.error = Some(kind);
        self.done = true;
        let event = StreamEvent::Error {
            kind: match kind {
                ErrorKind::UpstreamTimeout => "timeout_error".into(),
                ErrorKind::Internal => "api_error".into(),
                _ => "upstream_error".into(),
            },
            message: message.to_owned(),
        };
        // If even the error cannot be encoded, ending the body without a terminal event
        // still tells the client the stream is incomplete.
        let _ = self.opened.encoder.encode(&event, out);
    }

    /// The next chunk of SSE bytes, or `None` at the end.
    async fn next_chunk(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        let mut out = Vec::with_capacity(512);
        if !self.opened.prefetched.is_empty() {
            let prefetched = std::mem::take(&mut self.opened.prefetched);
            for event in &prefetched {
                self.encode(event, &mut out);
            }
        }
        // Relay every event that is already available in one chunk: one write (and one
        // wake-up of the client) per burst instead of one per event.
        while !self.done && out.len() < COALESCE_LIMIT {
            let next = if out.is_empty() {
                self.opened.upstream.next().await
            } else {
                match self.opened.upstream.next().now_or_never() {
                    Some(next) => next,
                    None => break,
                }
            };
            match next {
                Some(Ok(event)) => self.encode(&event, &mut out),
                Some(Err(e)) => {
                    let kind = e.to_api_error().kind;
                    tracing::warn!(request_id = ?self.ctx.request_id.0, error = %e, "stream broke after content was sent");
                    self.fail(kind, &e.to_string(), &mut out);
                }
                None => {
                    if let Err(e) = self.opened.encoder.finish(&mut out) {
                        self.fail(
                            ErrorKind::Internal,
                            &format!("cannot end stream: {e}"),
                            &mut out,
                        );
                    }
                    self.done = true;
                }
            }
        }
        (!out.is_empty()).then(|| Bytes::from(out))
    }
}

/// The streaming response: headers now, events as the upstream produces them.
pub fn respond(state: Arc<AppState>, ctx: RequestContext, opened: Opened) -> Response {
    let mut response = Response::new(Body::empty());
    respond_headers(&state, &ctx, &mut response);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    let relay = Relay {
        state,
        ctx,
        opened,
        done: false,
        completion: String::new(),
    };
    let body = futures_util::stream::unfold(relay, |mut relay| async move {
        let chunk = relay.next_chunk().await?;
        Some((Ok::<_, Infallible>(chunk), relay))
    });
    *response.body_mut() = Body::from_stream(body);
    response
}
