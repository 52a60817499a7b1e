//! An upstream stream: SSE parsed by a maintained parser, decoded by the format's codec into
//! canonical events, within a first-byte deadline and an idle timeout that only decoded
//! events satisfy.

use crate::{http::transport_error, ProviderError, ProviderSettings, Redactor};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use std::{collections::VecDeque, pin::Pin, sync::Arc, time::Duration};
use switchyard_protocol::{codec::AnyStreamDecoder, SseDecoder, StreamEvent, WireFormat};
use tokio::time::Instant;

type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, reqwest::Error>> + Send>>;

/// Largest SSE event accepted from an upstream. Real events are a few tokens (a whole
/// tool call's arguments at most); a multi-megabyte line is a broken or hostile upstream,
/// and buffering, decoding and re-encoding it costs several times its size per client.
pub const MAX_EVENT_BYTES: usize = 4 * 1024 * 1024;

/// The time limits of one stream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamLimits {
    /// When the first decoded event must have arrived (the request's start plus the
    /// first-byte timeout).
    pub first_byte_deadline: Instant,
    /// The first-byte timeout, for the error message.
    pub first_byte: Duration,
    /// Longest wait for the next decoded event once one arrived.
    pub idle: Duration,
}

/// Canonical events of one streamed upstream answer. Dropping it closes the upstream
/// connection, which is how a client disconnect cancels the upstream request.
///
/// Only decoded events count as progress: SSE comments (`: keep-alive`), events that decode
/// to nothing (Anthropic's `ping`) and partial lines reset no timer, so an upstream that
/// keeps the connection busy without answering still times out (and, before its first
/// content, fails over).
pub struct UpstreamStream {
    settings: Arc<ProviderSettings>,
    redactor: Arc<Redactor>,
    body: ByteStream,
    sse: SseDecoder,
    decoder: AnyStreamDecoder,
    pending: VecDeque<StreamEvent>,
    scratch: Vec<StreamEvent>,
    limits: StreamLimits,
    /// When the next decoded event must have arrived.
    deadline: Instant,
    /// Whether any event was decoded yet (then `deadline` is an idle deadline).
    started: bool,
    ended: bool,
}

impl std::fmt::Debug for UpstreamStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamStream")
            .field("provider", &self.settings.name)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl UpstreamStream {
    pub(crate) fn new(
        settings: Arc<ProviderSettings>,
        redactor: Arc<Redactor>,
        format: WireFormat,
        response: reqwest::Response,
        limits: StreamLimits,
    ) -> Self {
        Self::from_bytes(
            settings,
            redactor,
            format,
            Box::pin(response.bytes_stream()),
            limits,
        )
    }

    fn from_bytes(
        settings: Arc<ProviderSettings>,
        redactor: Arc<Redactor>,
        format: WireFormat,
        body: ByteStream,
        limits: StreamLimits,
    ) -> Self {
        Self {
            settings,
            redactor,
            body,
            sse: SseDecoder::new(),
            decoder: AnyStreamDecoder::new(format),
            pending: VecDeque::new(),
            scratch: Vec::new(),
            deadline: limits.first_byte_deadline,
            limits,
            started: false,
            ended: false,
        }
    }

    fn fail(&mut self, err: ProviderError) -> Option<Result<StreamEvent, ProviderError>> {
        self.ended = true;
        Some(Err(err.redacted(&self.redactor)))
    }

    /// Decodes every complete SSE event buffered so far into `pending`.
    fn decode_buffered(&mut self) -> Result<(), ProviderError> {
        loop {
            let event = match self.sse.next_event() {
                Ok(Some(event)) => event,
                Ok(None) => return Ok(()),
                Err(source) => {
                    return Err(ProviderError::Decode {
                        provider: self.settings.name.clone(),
                        source,
                    })
                }
            };
            if let Err(source) = self.decoder.decode(&event, &mut self.scratch) {
                return Err(ProviderError::Decode {
                    provider: self.settings.name.clone(),
                    source,
                });
            }
            self.pending.extend(self.scratch.drain(..));
        }
    }

    /// An in-stream error event carries upstream text, which may echo credentials.
    fn redact(&self, mut event: StreamEvent) -> StreamEvent {
        if let StreamEvent::Error { kind, message } = &mut event {
            self.redactor.redact_in_place(kind);
            self.redactor.redact_in_place(message);
        }
        event
    }

    /// The next canonical event; `None` once the upstream completed cleanly. Cancel-safe:
    /// dropping the future before it completes loses no event, and the deadline of the
    /// wait is kept, so a caller that stops waiting (to send a keep-alive) and asks again
    /// does not extend the upstream's limit. A stream that
    /// ends without the format's terminal event yields a [`ProviderError::Transport`] first,
    /// so a truncated answer is never mistaken for a complete one.
    pub async fn next(&mut self) -> Option<Result<StreamEvent, ProviderError>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(Ok(self.redact(event)));
            }
            if self.ended {
                return None;
            }
            if self.decoder.is_complete() {
                // Some upstreams keep the connection open after the terminal event.
                self.ended = true;
                return None;
            }
            match tokio::time::timeout_at(self.deadline, self.body.next()).await {
                Err(_) => {
                    let (after, phase) = if self.started {
                        (self.limits.idle, "stream idle")
                    } else {
                        (self.limits.first_byte, "first event")
                    };
                    let err = ProviderError::Timeout {
                        provider: self.settings.name.clone(),
                        after,
                        phase,
                    };
                    return self.fail(err);
                }
                Ok(None) => {
                    self.ended = true;
                    if self.decoder.is_complete() {
                        return None;
                    }
                    let err = ProviderError::Transport {
                        provider: self.settings.name.clone(),
                        message: "stream ended before the upstream finished its answer".into(),
                    };
                    return Some(Err(err));
                }
                Ok(Some(Err(e))) => {
                    let err = transport_error(&self.settings, &e);
                    return self.fail(err);
                }
                Ok(Some(Ok(chunk))) => {
                    self.sse.push(&chunk);
                    if let Err(e) = self.decode_buffered() {
                        return self.fail(e);
                    }
                    if self.sse.pending_bytes() > MAX_EVENT_BYTES {
                        let err = ProviderError::Decode {
                            provider: self.settings.name.clone(),
                            source: switchyard_protocol::CodecError::new(format!(
                                "an upstream stream event exceeds {MAX_EVENT_BYTES} bytes"
                            )),
                        };
                        return self.fail(err);
                    }
                    if !self.pending.is_empty() {
                        self.started = true;
                        self.deadline = Instant::now() + self.limits.idle;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
