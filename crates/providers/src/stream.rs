//! An upstream stream: SSE parsed by a maintained parser, decoded by the format's codec into
//! canonical events, with an idle timeout between chunks.

use crate::{http::transport_error, ProviderError, ProviderSettings};
use eventsource_stream::Eventsource;
use futures_util::{Stream, StreamExt};
use std::{collections::VecDeque, pin::Pin, sync::Arc, time::Duration};
use switchyard_protocol::{codec::AnyStreamDecoder, SseEvent, StreamEvent, WireFormat};

type SseStream = Pin<
    Box<
        dyn Stream<
                Item = Result<
                    eventsource_stream::Event,
                    eventsource_stream::EventStreamError<reqwest::Error>,
                >,
            > + Send,
    >,
>;

/// Canonical events of one streamed upstream answer. Dropping it closes the upstream
/// connection, which is how a client disconnect cancels the upstream request.
pub struct UpstreamStream {
    settings: Arc<ProviderSettings>,
    events: SseStream,
    decoder: AnyStreamDecoder,
    pending: VecDeque<StreamEvent>,
    scratch: Vec<StreamEvent>,
    idle_timeout: Duration,
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
    ) -> Self {
        let idle_timeout = settings.stream_idle_timeout;
        Self {
            settings,
            events: Box::pin(response.bytes_stream().eventsource()),
            decoder: AnyStreamDecoder::new(format),
            pending: VecDeque::new(),
            scratch: Vec::new(),
            idle_timeout,
            ended: false,
        }
    }

    /// The next canonical event; `None` once the upstream completed cleanly. A stream that
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
            let next = tokio::time::timeout(self.idle_timeout, self.events.next()).await;
            match next {
                Err(_) => {
                    self.ended = true;
                    return Some(Err(ProviderError::Timeout {
                        provider: self.settings.name.clone(),
                        after: self.idle_timeout,
                        phase: "stream idle",
                    }));
                }
                Ok(None) => {
                    self.ended = true;
                    if self.decoder.is_complete() {
                        return None;
                    }
                    return Some(Err(ProviderError::Transport {
                        provider: self.settings.name.clone(),
                        message: "stream ended before the upstream finished its answer".into(),
                    }));
                }
                Ok(Some(Err(e))) => {
                    self.ended = true;
                    let err = match e {
                        eventsource_stream::EventStreamError::Transport(t) => {
                            transport_error(&self.settings, &t)
                        }
                        other => ProviderError::Transport {
                            provider: self.settings.name.clone(),
                            message: other.to_string(),
                        },
                    };
                    return Some(Err(err));
                }
                Ok(Some(Ok(sse))) => {
                    let event = SseEvent {
                        // The parser reports "message" when the upstream sent no name.
                        event: (sse.event != "message").then_some(sse.event.as_str()),
                        data: &sse.data,
                    };
                    if let Err(source) = self.decoder.decode(&event, &mut self.scratch) {
                        self.ended = true;
                        return Some(Err(ProviderError::Decode {
                            provider: self.settings.name.clone(),
                            source,
                        }));
                    }
                    self.pending.extend(self.scratch.drain(..));
                    if self.decoder.is_complete() && self.pending.is_empty() {
                        // Some upstreams keep the connection open after the terminal event.
                        self.ended = true;
                    }
                }
            }
        }
    }
}
