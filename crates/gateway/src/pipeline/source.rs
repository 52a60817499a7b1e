//! Event sources of a streamed answer: live from an upstream, or replayed from stored
//! canonical events. The egress encoder reads both through [`EventSource`] and cannot tell
//! them apart.

use crate::resilience::InFlight;
use futures_util::FutureExt as _;
use std::collections::VecDeque;
use switchyard_protocol::{ChatRequest, StreamEvent};
use switchyard_providers::{ProviderError, UpstreamStream};

/// An upstream stream that has produced its first content.
#[derive(Debug)]
pub struct LiveStream {
    upstream: UpstreamStream,
    /// Events read before the response was committed, replayed first.
    prefetched: VecDeque<StreamEvent>,
    /// Keeps the deployment's in-flight count until the stream ends.
    _in_flight: InFlight,
}

impl LiveStream {
    /// `upstream` after `prefetched` were read from it, counted in flight by `in_flight`.
    pub fn new(
        upstream: UpstreamStream,
        prefetched: VecDeque<StreamEvent>,
        in_flight: InFlight,
    ) -> Self {
        Self {
            upstream,
            prefetched,
            _in_flight: in_flight,
        }
    }
}

/// Where the events of a streamed answer come from.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one per stream, moved into the response body once; a box would add an \
              allocation to every stream"
)]
pub enum EventSource {
    /// An upstream, as its events arrive.
    Live(LiveStream),
    /// Stored events, all ready at once.
    Replay(std::vec::IntoIter<StreamEvent>),
}

impl EventSource {
    /// The next event; `None` once the answer is complete.
    pub async fn next(&mut self) -> Option<Result<StreamEvent, ProviderError>> {
        match self {
            Self::Live(live) => match live.prefetched.pop_front() {
                Some(event) => Some(Ok(event)),
                None => live.upstream.next().await,
            },
            Self::Replay(events) => events.next().map(Ok),
        }
    }

    /// The next event if it is ready now: `None` when the source would have to wait.
    pub fn next_ready(&mut self) -> Option<Option<Result<StreamEvent, ProviderError>>> {
        match self {
            Self::Live(live) => match live.prefetched.pop_front() {
                Some(event) => Some(Some(Ok(event))),
                None => live.upstream.next().now_or_never(),
            },
            Self::Replay(events) => Some(events.next().map(Ok)),
        }
    }
}

/// A streamed answer as the pipeline hands it to the egress encoder.
#[derive(Debug)]
pub struct StreamAnswer {
    /// The events.
    pub source: EventSource,
    /// Whether the client asked for usage in its stream (OpenAI `stream_options`).
    pub include_usage: bool,
    /// The request, kept until the stream ends only when the observe stage will need its
    /// text (see [`super::observe::needs_stream_text`]).
    pub request: Option<ChatRequest>,
    /// For the code API: what its final event needs (the stream is then the code API's
    /// events, not the client's chat format).
    pub code: Option<Box<super::code::CodeStreamSpec>>,
    /// Gathers a live answer for the cache, when it may be stored.
    pub recorder: Option<super::cache::StreamRecorder>,
}

impl StreamAnswer {
    /// A live answer to `req`, keeping `req` if `keep_request`.
    pub fn live(
        live: LiveStream,
        req: ChatRequest,
        keep_request: bool,
        recorder: Option<super::cache::StreamRecorder>,
    ) -> Self {
        Self {
            recorder,
            include_usage: req.stream_include_usage,
            source: EventSource::Live(live),
            request: keep_request.then_some(req),
            code: None,
        }
    }

    /// This answer as a code API stream, finished with the event `spec` describes.
    pub fn for_code(mut self, spec: super::code::CodeStreamSpec) -> Self {
        self.code = Some(Box::new(spec));
        self
    }

    /// A replay of stored `events` as the answer to `req`.
    pub fn replay(events: Vec<StreamEvent>, req: &ChatRequest) -> Self {
        Self {
            source: EventSource::Replay(events.into_iter()),
            include_usage: req.stream_include_usage,
            request: None,
            code: None,
            recorder: None,
        }
    }
}
