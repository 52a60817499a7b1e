//! Execute stage: the one failover loop of the gateway. Every operation (complete chat
//! answers, streams, embeddings, count_tokens) walks the alias's deployments through
//! [`Failover`], calls the provider, and books the result, here and nowhere else.

use super::source::LiveStream;
use crate::{
    context::RequestContext,
    error::GatewayError,
    resilience::{Attempt, Failover},
    state::{AppState, ModelRoute},
};
use bytes::Bytes;
use serde_json::{Map, Value};
use std::{collections::VecDeque, sync::Arc};
use switchyard_protocol::{ChatRequest, ChatResponse, ErrorKind, StopReason, StreamEvent};
use switchyard_providers::{CallOptions, Operation, Provider, ProviderError, UpstreamStream};

/// The upstream call an attempt makes.
#[derive(Debug)]
pub enum Call<'r> {
    /// A complete chat answer.
    Complete(&'r ChatRequest),
    /// A streamed chat answer, opened up to its first content.
    Stream(&'r ChatRequest),
    /// Fill in the middle: `native` (legacy completions with `suffix`) to a provider with a
    /// native endpoint for it, else `chat` (a prompt asking for the middle); complete or
    /// streamed as `native.stream` says.
    Fim {
        /// The request for a native endpoint.
        native: &'r ChatRequest,
        /// The same as a chat prompt.
        chat: &'r ChatRequest,
    },
    /// A JSON body passed through with `model` set to each attempt's upstream model.
    Json {
        /// Embeddings or count_tokens.
        operation: Operation,
        /// The client's body.
        fields: &'r mut Map<String, Value>,
    },
}

impl Call<'_> {
    fn operation(&self) -> Operation {
        match self {
            // Every provider can fill in the middle, natively or through chat.
            Self::Complete(_) | Self::Stream(_) | Self::Fim { .. } => Operation::Chat,
            Self::Json { operation, .. } => *operation,
        }
    }
}

/// What a successful call produced (the variant matches the [`Call`]).
#[derive(Debug)]
pub enum Outcome {
    /// From [`Call::Complete`].
    Complete(ChatResponse),
    /// From [`Call::Stream`].
    Stream(LiveStream),
    /// From [`Call::Json`].
    Json(Bytes),
}

impl Outcome {
    /// The complete answer of a [`Call::Complete`].
    pub fn into_complete(self) -> Result<ChatResponse, GatewayError> {
        match self {
            Self::Complete(r) => Ok(r),
            _ => Err(mismatch()),
        }
    }

    /// The stream of a [`Call::Stream`].
    pub fn into_stream(self) -> Result<LiveStream, GatewayError> {
        match self {
            Self::Stream(s) => Ok(s),
            _ => Err(mismatch()),
        }
    }

    /// The body of a [`Call::Json`].
    pub fn into_json(self) -> Result<Bytes, GatewayError> {
        match self {
            Self::Json(b) => Ok(b),
            _ => Err(mismatch()),
        }
    }
}

fn mismatch() -> GatewayError {
    GatewayError::new(ErrorKind::Internal, "execute stage answered another call")
}

/// Makes `call` on the deployments of `route` (and its fallbacks) until one answers, or
/// returns the error the client is to see.
pub async fn run(
    state: &AppState,
    route: Arc<ModelRoute>,
    mut call: Call<'_>,
    parts: &http::request::Parts,
    ctx: &mut RequestContext,
) -> Result<Outcome, GatewayError> {
    let mut failover = Failover::new(state, route, call.operation(), ctx);
    loop {
        let attempt = failover.next(ctx).await?;
        let options = call_options(parts, &attempt);
        let chat_call = match &call {
            Call::Complete(req) => Some((*req, false)),
            Call::Stream(req) => Some((*req, true)),
            Call::Fim { native, chat } => {
                let req = if attempt.provider.supports(Operation::FillInTheMiddle) {
                    *native
                } else {
                    *chat
                };
                Some((req, native.stream))
            }
            Call::Json { .. } => None,
        };
        match (&mut call, chat_call) {
            (_, Some((req, false))) => {
                let result = attempt.provider.chat(req, &attempt.model, &options).await;
                if let Some(mut resp) = failover.settle(ctx, &attempt, result)? {
                    if resp.stop_reason == StopReason::ContentFilter
                        && failover.redirect_content_filtered()
                    {
                        continue;
                    }
                    if resp.created == 0 {
                        // Anthropic and Gemini answers carry no timestamp; OpenAI clients
                        // expect one.
                        resp.created = unix_now();
                    }
                    return Ok(Outcome::Complete(resp));
                }
            }
            (_, Some((req, true))) => {
                let result = first_content(attempt.provider, req, &attempt.model, &options).await;
                if let Some((upstream, prefetched)) = failover.settle(ctx, &attempt, result)? {
                    ctx.time_to_first_token = Some(ctx.received.elapsed());
                    return Ok(Outcome::Stream(LiveStream::new(
                        upstream,
                        prefetched,
                        attempt.in_flight,
                    )));
                }
            }
            (Call::Json { operation, fields }, None) => {
                fields.insert("model".into(), Value::String(attempt.model.to_string()));
                let body = switchyard_protocol::to_json_vec(&**fields)?;
                let result = match operation {
                    Operation::Embeddings => {
                        attempt
                            .provider
                            .embeddings(&attempt.model, body, &options)
                            .await
                    }
                    _ => attempt.provider.count_tokens(body, &options).await,
                };
                if let Some(bytes) = failover.settle(ctx, &attempt, result)? {
                    return Ok(Outcome::Json(bytes));
                }
            }
            (_, None) => return Err(mismatch()),
        }
    }
}

/// How to call the upstream for `attempt`: the client's headers and query (passed on by
/// same-format providers) and the attempt's limits.
fn call_options<'a>(parts: &'a http::request::Parts, attempt: &Attempt<'_>) -> CallOptions<'a> {
    CallOptions {
        headers: Some(&parts.headers),
        query: parts.uri.query(),
        timeouts: attempt.timeouts,
        budget: Some(attempt.budget_left),
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

/// Opens the upstream stream and reads it up to its first content event, so that a
/// stream which fails before the client has seen anything can fail over.
async fn first_content(
    provider: &Provider,
    req: &ChatRequest,
    model: &str,
    options: &CallOptions<'_>,
) -> Result<(UpstreamStream, VecDeque<StreamEvent>), ProviderError> {
    let mut upstream = provider.chat_stream(req, model, options).await?;
    let mut prefetched = VecDeque::new();
    loop {
        match upstream.next().await {
            Some(Ok(StreamEvent::Error { kind, message })) => {
                // An error before any content (e.g. Anthropic's `overloaded_error` event)
                // is an upstream failure like a 5xx: try the next deployment.
                return Err(ProviderError::from_stream_error(
                    provider.settings().name.clone(),
                    kind,
                    message,
                ));
            }
            Some(Ok(event)) => {
                let content = is_content(&event);
                prefetched.push_back(event);
                if content {
                    return Ok((upstream, prefetched));
                }
            }
            Some(Err(e)) => return Err(e),
            None => return Ok((upstream, prefetched)),
        }
    }
}

/// Seconds since the Unix epoch.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
