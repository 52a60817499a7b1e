//! Egress: the pipeline's [`Answer`] (or error) as the client's HTTP response, in its wire
//! format, with the gateway's headers; then the observe stage, once the response is
//! complete (for streams, when the relay ends).

use crate::{
    access_log::RecordedByPipeline,
    code_events::CodeEventEncoder,
    context::RequestContext,
    error::{error_response, GatewayError},
    pipeline::{observe, Answer, EventSource, StreamAnswer},
    state::AppState,
    transcript::{prompt_text, RequestTexts},
};
use axum::{body::Body, response::Response};
use bytes::Bytes;
use http::{header, HeaderValue};
use std::{convert::Infallible, sync::Arc};
use switchyard_analytics::{estimate_usage, CacheStatus};
use switchyard_protocol::{
    codec, codec::AnyStreamEncoder, responses::Echo, BlockDelta, ErrorKind, StreamEvent,
};

/// Bytes of SSE gathered into one body chunk at most.
const COALESCE_LIMIT: usize = 16 * 1024;

/// The SSE comment written when a stream has been silent for `server.stream_keepalive`:
/// every SSE parser skips comments, and the client (Codex gives up after 300 s without an
/// event) and proxies in between see the connection alive while a model thinks.
const KEEP_ALIVE: &[u8] = b": keep-alive\n\n";

/// The response for the pipeline's `result`, recording the request when it is complete.
pub fn respond(
    state: Arc<AppState>,
    ctx: RequestContext,
    result: Result<Answer, GatewayError>,
) -> Response {
    respond_echoing(state, ctx, result, None)
}

/// [`respond`] for a Responses client, whose answer repeats its request (`echo`).
pub fn respond_echoing(
    state: Arc<AppState>,
    mut ctx: RequestContext,
    result: Result<Answer, GatewayError>,
    echo: Option<Echo>,
) -> Response {
    let format = ctx.client_format;
    let response = match result {
        Ok(Answer::Stream(mut answer)) => {
            if let Some(spec) = answer.code.take() {
                let encoder = RelayEncoder::Code(CodeEventEncoder::new(spec));
                return stream(state, ctx, answer, encoder);
            }
            match AnyStreamEncoder::echoing(format, answer.include_usage, echo) {
                Ok(encoder) => {
                    // The body's size stands in for the input tokens at the stream's start
                    // until the upstream reports its count (see `with_input_estimate`).
                    let estimate = estimate_usage(ctx.input_bytes, 0).input_tokens;
                    let encoder = RelayEncoder::Wire(encoder.with_input_estimate(estimate));
                    return stream(state, ctx, answer, encoder);
                }
                Err(e) => error_response(format, &GatewayError::from(e), &mut ctx),
            }
        }
        Ok(Answer::Complete(resp)) => {
            match codec::encode_response_echoing(format, &resp, echo.as_ref()) {
                Ok(body) => {
                    ctx.output_bytes = body.len() as u64;
                    json_response(body)
                }
                Err(e) => {
                    let err = GatewayError::new(
                        ErrorKind::Internal,
                        format!("cannot encode the answer: {e}"),
                    );
                    error_response(format, &err, &mut ctx)
                }
            }
        }
        Ok(Answer::Code(answer)) => match switchyard_protocol::to_json_vec(&answer) {
            Ok(body) => {
                ctx.output_bytes = answer.text.len() as u64;
                json_response(body)
            }
            Err(e) => error_response(format, &GatewayError::from(e), &mut ctx),
        },
        Ok(Answer::Json { body, estimated }) => {
            let mut response = json_response(body);
            if estimated {
                response
                    .headers_mut()
                    .insert("x-switchyard-estimated", HeaderValue::from_static("true"));
            }
            response
        }
        Err(e) => error_response(format, &e, &mut ctx),
    };
    finish(&state, &mut ctx, response)
}

/// A `200` response with a JSON body.
pub(crate) fn json_response(body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Ends a request answered in one piece: the gateway's headers, then its one record
/// (streams do both in their relay instead).
fn finish(state: &AppState, ctx: &mut RequestContext, mut response: Response) -> Response {
    respond_headers(ctx, &mut response);
    response.extensions_mut().insert(RecordedByPipeline);
    observe::request_finished(state, ctx);
    response
}

/// The response header listing the repository chunks a chat request was given.
pub const CONTEXT_HEADER: &str = "x-switchyard-context";

/// Sets the `x-switchyard-*` response headers from the request's context.
fn respond_headers(ctx: &RequestContext, response: &mut Response) {
    let headers = response.headers_mut();
    if let Some(name) = ctx.provider_name() {
        if let Ok(v) = HeaderValue::from_str(name) {
            headers.insert("x-switchyard-provider", v);
        }
    }
    if let Some(model) = &ctx.upstream_model {
        if let Ok(v) = HeaderValue::from_str(model) {
            headers.insert("x-switchyard-model", v);
        }
    }
    if let Some(fallback) = &ctx.fallback {
        if let Ok(v) = HeaderValue::from_str(fallback) {
            headers.insert("x-switchyard-fallback", v);
        }
    }
    if let Some(route) = &ctx.route {
        if let Ok(v) = HeaderValue::from_str(&route.header_value()) {
            headers.insert("x-switchyard-route", v);
        }
    }
    if ctx.attempts > 0 {
        headers.insert("x-switchyard-attempts", HeaderValue::from(ctx.attempts));
    }
    if let Some(status) = ctx.cache_status {
        let value = match status {
            CacheStatus::Hit => "exact",
            CacheStatus::SemanticHit => "semantic",
            CacheStatus::Miss | CacheStatus::Bypass => "miss",
        };
        headers.insert("x-switchyard-cache", HeaderValue::from_static(value));
    }
    if let Some(similarity) = ctx.cache_similarity {
        if let Ok(v) = HeaderValue::from_str(&format!("{similarity:.4}")) {
            headers.insert("x-switchyard-cache-similarity", v);
        }
    }
    if let Some(used) = &ctx.context_used {
        if let Ok(v) = HeaderValue::from_str(used) {
            headers.insert(CONTEXT_HEADER, v);
        }
    }
    let overhead_us = u64::try_from(ctx.overhead().as_micros()).unwrap_or(u64::MAX);
    headers.insert("x-switchyard-overhead-us", HeaderValue::from(overhead_us));
}

/// The streaming response: headers now, events as the source produces them.
fn stream(
    state: Arc<AppState>,
    ctx: RequestContext,
    answer: StreamAnswer,
    encoder: RelayEncoder,
) -> Response {
    let mut response = Response::new(Body::empty());
    respond_headers(&ctx, &mut response);
    response.extensions_mut().insert(RecordedByPipeline);
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
        answer,
        encoder,
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

/// What writes a relayed stream: the client's chat format, or the code API's events.
enum RelayEncoder {
    Wire(AnyStreamEncoder),
    Code(CodeEventEncoder),
}

impl RelayEncoder {
    fn encode(
        &mut self,
        event: &StreamEvent,
        out: &mut Vec<u8>,
    ) -> Result<(), switchyard_protocol::CodecError> {
        match self {
            Self::Wire(encoder) => encoder.encode(event, out),
            Self::Code(encoder) => encoder.encode(event, out),
        }
    }
}

/// Body state of a stream being relayed. Dropping it (stream complete, or the client went
/// away) drops the upstream connection and records the request.
struct Relay {
    state: Arc<AppState>,
    ctx: RequestContext,
    answer: StreamAnswer,
    encoder: RelayEncoder,
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
            let prompt = self.answer.request.as_ref().map(prompt_text);
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
        if let Some(recorder) = &mut self.answer.recorder {
            recorder.push(event);
        }
        match event {
            StreamEvent::Usage(u) => self.ctx.usage = Some(*u),
            StreamEvent::Delta {
                delta: BlockDelta::Text(t) | BlockDelta::ToolArguments(t) | BlockDelta::Thinking(t),
                ..
            } => {
                self.ctx.output_bytes += t.len() as u64;
                if self.answer.request.is_some() {
                    self.completion.push_str(t);
                }
            }
            _ => {}
        }
    }

    /// Encodes `event`; on an encoder failure ends the stream with an error event.
    fn encode(&mut self, event: &StreamEvent, out: &mut Vec<u8>) {
        self.track(event);
        if let Err(e) = self.encoder.encode(event, out) {
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
        let _ = self.encoder.encode(&event, out);
    }

    /// [`Relay::handle`], first parsing a code stream's answer when the source has ended
    /// (which may wait for the blocking pool).
    async fn handle_end_checked(
        &mut self,
        next: Option<Result<StreamEvent, switchyard_providers::ProviderError>>,
        out: &mut Vec<u8>,
    ) {
        if next.is_none() {
            if let RelayEncoder::Code(encoder) = &mut self.encoder {
                encoder.check().await;
            }
        }
        self.handle(next, out);
    }

    /// Handles one item of the source: an event, a failure, or the end.
    fn handle(
        &mut self,
        next: Option<Result<StreamEvent, switchyard_providers::ProviderError>>,
        out: &mut Vec<u8>,
    ) {
        match next {
            Some(Ok(event)) => self.encode(&event, out),
            Some(Err(e)) => {
                let kind = e.to_api_error().kind;
                tracing::warn!(request_id = ?self.ctx.request_id.0, error = %e, "stream broke after content was sent");
                self.fail(kind, &e.to_string(), out);
            }
            None => {
                let finished = match &mut self.encoder {
                    RelayEncoder::Wire(encoder) => encoder.finish(out),
                    RelayEncoder::Code(encoder) => encoder.finish(out).map(|outcome| {
                        if let Some(facts) = self.ctx.code.as_deref_mut() {
                            facts.validation = outcome;
                        }
                    }),
                };
                if let Err(e) = finished {
                    self.fail(ErrorKind::Internal, &format!("cannot end stream: {e}"), out);
                } else if let Some(recorder) = self.answer.recorder.take() {
                    // Only a stream that reached its end cleanly is stored.
                    recorder.finish(&self.state);
                }
                self.done = true;
            }
        }
    }

    /// The next chunk of SSE bytes, or `None` at the end. Every event that is ready goes
    /// into one chunk: one write (and one wake-up of the client) per burst, not per event.
    async fn next_chunk(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        let mut out = Vec::with_capacity(512);
        let next = match &self.answer.source {
            // A replay is always ready: no timer.
            EventSource::Replay(_) => self.answer.source.next().await,
            // Waiting is cancel-safe: an event leaves the source only when it is returned.
            EventSource::Live(_) => {
                let keepalive = self.state.config.server.stream_keepalive;
                match tokio::time::timeout(keepalive, self.answer.source.next()).await {
                    Ok(next) => next,
                    Err(_) => return Some(Bytes::from_static(KEEP_ALIVE)),
                }
            }
        };
        self.handle_end_checked(next, &mut out).await;
        // An upstream's events reach this task one at a time through the HTTP client's
        // body channel, filled by the connection's own task: when none is ready, let that
        // task run once before deciding the burst is over.
        let mut yielded = false;
        while !self.done && out.len() < COALESCE_LIMIT {
            match self.answer.source.next_ready() {
                Some(next) => {
                    yielded = false;
                    self.handle_end_checked(next, &mut out).await;
                }
                None if !yielded && matches!(self.answer.source, EventSource::Live(_)) => {
                    yielded = true;
                    tokio::task::yield_now().await;
                }
                None => break,
            }
        }
        (!out.is_empty()).then(|| Bytes::from(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{config::Config, context::RequestId, pipeline::StreamAnswer};
    use http_body_util::BodyExt as _;
    use std::time::Instant;
    use switchyard_protocol::{
        canonical::replay::events_of, ChatRequest, ChatResponse, ContentPart, StopReason, Usage,
        WireFormat,
    };

    fn answer() -> ChatResponse {
        ChatResponse {
            id: "resp_1".into(),
            model: "m-upstream".into(),
            content: vec![
                ContentPart::text("fn main() {}"),
                ContentPart::ToolCall {
                    id: "call_1".into(),
                    name: "run".into(),
                    arguments: r#"{"cmd":"cargo test"}"#.into(),
                    extra: Default::default(),
                },
            ],
            stop_reason: StopReason::ToolUse,
            usage: Usage {
                input_tokens: 12,
                output_tokens: 7,
                ..Usage::default()
            },
            created: 1,
            source: WireFormat::OpenAiChat,
            extra: Default::default(),
        }
    }

    /// A replayed answer goes out as one body chunk (all its events are ready at once),
    /// ends with the format's terminal event, and is recorded once, as complete.
    #[tokio::test]
    async fn a_replayed_stream_is_one_write_in_the_client_format() {
        let config = Config::parse("", "test.toml", &|_| None).unwrap();
        let state = crate::AppState::new(config).unwrap();
        for (format, terminal) in [
            (WireFormat::OpenAiChat, "data: [DONE]"),
            (WireFormat::Anthropic, "event: message_stop"),
        ] {
            let mut req = ChatRequest::new(format, "m");
            req.stream = true;
            req.stream_include_usage = true;
            let id = RequestId(http::HeaderValue::from_static("req_test"));
            let ctx = RequestContext::new(id, format, Instant::now());
            let answer = StreamAnswer::replay(events_of(&answer()), &req);
            let response = respond(state.clone(), ctx, Ok(Answer::Stream(answer)));
            assert_eq!(response.status(), 200);
            let mut body = response.into_body();
            let mut chunks = Vec::new();
            while let Some(frame) = body.frame().await {
                if let Ok(data) = frame.unwrap().into_data() {
                    chunks.push(data);
                }
            }
            assert_eq!(
                chunks.len(),
                1,
                "{format:?}: one write for the whole replay"
            );
            let text = std::str::from_utf8(&chunks[0]).unwrap();
            assert!(text.contains("fn main() {}"), "{text}");
            assert!(text.contains("cargo test"), "{text}");
            assert!(
                text.contains(terminal),
                "{format:?} ends with its terminal event: {text}"
            );
        }
    }
}
