//! An upstream stream: SSE parsed by a maintained parser, decoded by the format's codec into
//! canonical events, with an idle timeout between chunks.

use crate::{http::transport_error, ProviderError, ProviderSettings};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use std::{collections::VecDeque, pin::Pin, sync::Arc, time::Duration};
use switchyard_protocol::{codec::AnyStreamDecoder, SseDecoder, StreamEvent, WireFormat};

type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, reqwest::Error>> + Send>>;

/// Canonical events of one streamed upstream answer. Dropping it closes the upstream
/// connection, which is how a client disconnect cancels the upstream request.
pub struct UpstreamStream {
    settings: Arc<ProviderSettings>,
    body: ByteStream,
    sse: SseDecoder,
    decoder: AnyStreamDecoder,
    pending: VecDeque<StreamEvent>,
    scratch: Vec<StreamEvent>,
    idle_timeout: Duration,
    /// When the current wait for a chunk gives up. Kept across calls of [`Self::next`], so
    /// that a caller that stops waiting (to send the client a keep-alive) and asks again
    /// does not restart the upstream's idle limit.
    idle_deadline: Option<tokio::time::Instant>,
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
        format: WireFormat,
        response: reqwest::Response,
        idle_timeout: Duration,
    ) -> Self {
        Self {
            settings,
            body: Box::pin(response.bytes_stream()),
            sse: SseDecoder::new(),
            decoder: AnyStreamDecoder::new(format),
            pending: VecDeque::new(),
            scratch: Vec::new(),
            idle_timeout,
            idle_deadline: None,
            ended: false,
        }
    }

    fn fail(&mut self, err: ProviderError) -> Option<Result<StreamEvent, ProviderError>> {
        self.ended = true;
        Some(Err(err))
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

    /// The next canonical event; `None` once the upstream completed cleanly. Cancel-safe:
    /// dropping the future before it completes loses no event. A stream that
    /// ends without the format's terminal event yields a [`ProviderError::Transport`] first,
    /// so a truncated answer is never mistaken for a complete one.
    pub async fn next(&mut self) -> Option<Result<StreamEvent, ProviderError>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(Ok(event));
            }
            if self.ended {
                return None;
            }
            if self.decoder.is_complete() {
                // Some upstreams keep the connection open after the terminal event.
                self.ended = true;
                return None;
            }
            let deadline = *self
                .idle_deadline
                .get_or_insert_with(|| tokio::time::Instant::now() + self.idle_timeout);
            let waited = tokio::time::timeout_at(deadline, self.body.next()).await;
            if waited.is_ok() {
                self.idle_deadline = None;
            }
            match waited {
                Err(_) => {
                    let err = ProviderError::Timeout {
                        provider: self.settings.name.clone(),
                        after: self.idle_timeout,
                        phase: "stream idle",
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
                }
            }
        }
    }
}
