//! The request pipeline of DESIGN.md: every route decodes its request, calls [`run`], and
//! encodes the [`Answer`] (see `crate::egress`). Data flows one way through the stages:
//!
//! ```text
//! route: decode ─► run ─► plan ─► cache lookup ─┬─ hit ─► replay of the stored answer
//!                                               └─ miss ► execute (failover) ─► validate ─► cache store
//! route: encode (egress) ─► observe (analytics event, metrics, trace, log line)
//! ```
//!
//! Each stage is one module and takes the canonical request and the request's context;
//! none reaches into another's internals. `docs/architecture.md` walks through it.

pub mod cache;
pub mod code;
mod code_answer;
mod code_context;
pub mod execute;
pub mod fim;
pub mod observe;
pub mod plan;
pub mod source;
pub mod tokens;
pub mod validate;

use crate::{context::RequestContext, error::GatewayError, state::AppState};
use bytes::Bytes;
use serde_json::{Map, Value};
use std::sync::Arc;
use switchyard_protocol::{ChatRequest, ChatResponse};
use switchyard_providers::Operation;

pub use source::{EventSource, StreamAnswer};

/// What a route asks of the pipeline, already decoded by its codec. Not boxed: moved once
/// per request, and a box would add an allocation to every request
/// (scripts/request-instructions.sh).
#[derive(Debug)]
pub enum PipelineRequest {
    /// Chat completions or messages, in the canonical model.
    Chat(ChatRequest),
    /// `/v1/embeddings`: the client's body, passed on with only `model` replaced.
    Embeddings(Map<String, Value>),
    /// Legacy completions and fill in the middle (`prompt` and `suffix`), decoded by the
    /// completions codec.
    Completion(ChatRequest),
    /// The code API: a task, a language and a prompt, which a template turns into a chat
    /// request.
    Code(switchyard_codeintel::CodeRequest),
    /// Anthropic's `count_tokens`: the client's body for providers that count, and the
    /// same request decoded for the gateway's own estimate when none can.
    CountTokens {
        /// The client's body.
        fields: Map<String, Value>,
        /// The body decoded as a messages request.
        request: Box<ChatRequest>,
    },
}

/// What the pipeline answers: a complete response, a stream of canonical events, or the
/// JSON of an operation the gateway passes through.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "returned once per request; a box would add an allocation to every request"
)]
pub enum Answer {
    /// A complete chat answer.
    Complete(ChatResponse),
    /// A streamed chat answer, live from an upstream or replayed from the cache.
    Stream(StreamAnswer),
    /// The code API's answer: the code, its validation and what repair or escalation did.
    Code(Box<code::CodeAnswer>),
    /// An upstream's JSON answer passed through (embeddings, count_tokens), or the
    /// gateway's own (`estimated`: a token count it estimated itself).
    Json {
        /// The body.
        body: Bytes,
        /// Whether the gateway made the answer up from an estimate.
        estimated: bool,
    },
}

/// Runs `request` through the stages. `parts` are the client's request head, of which
/// same-format providers pass on a few headers and the query.
pub async fn run(
    state: &AppState,
    request: PipelineRequest,
    parts: &http::request::Parts,
    ctx: &mut RequestContext,
) -> Result<Answer, GatewayError> {
    match request {
        PipelineRequest::Chat(req) => chat(state, req, parts, ctx).await,
        PipelineRequest::Code(req) => code::run(state, req, parts, ctx).await,
        PipelineRequest::Completion(req) => fim::run(state, req, parts, ctx).await,
        PipelineRequest::Embeddings(mut fields) => {
            let model = model_field(&fields)?;
            ctx.requested_model = Some(Arc::from(model.as_str()));
            let route = plan::plan(state, &model, None, ctx)?;
            let call = execute::Call::Json {
                operation: Operation::Embeddings,
                fields: &mut fields,
            };
            let body = execute::run(state, route, call, parts, ctx)
                .await?
                .into_json()?;
            Ok(Answer::Json {
                body,
                estimated: false,
            })
        }
        PipelineRequest::CountTokens {
            mut fields,
            request,
        } => {
            ctx.requested_model = Some(Arc::from(request.model.as_str()));
            let route = plan::plan(state, &request.model, Some(&request), ctx)?;
            let call = execute::Call::Json {
                operation: Operation::CountTokens,
                fields: &mut fields,
            };
            match execute::run(state, route, call, parts, ctx).await {
                Ok(outcome) => Ok(Answer::Json {
                    body: outcome.into_json()?,
                    estimated: false,
                }),
                Err(e) => {
                    // No provider of the alias counts tokens, or none could: the gateway's
                    // estimate is a better answer for a client than an error.
                    if ctx.attempts > 0 {
                        tracing::warn!(request_id = ?ctx.request_id.0, error = %e.error.message, "count_tokens upstream failed; estimating");
                    }
                    let tokens = tokens::estimate_input_tokens(&request).await;
                    let body = switchyard_protocol::to_json_vec(
                        &serde_json::json!({ "input_tokens": tokens }),
                    )?;
                    Ok(Answer::Json {
                        body: body.into(),
                        estimated: true,
                    })
                }
            }
        }
    }
}

/// Chat completions, messages and Responses: plan, repository context, cache, execute,
/// validate, cache store.
async fn chat(
    state: &AppState,
    mut req: ChatRequest,
    parts: &http::request::Parts,
    ctx: &mut RequestContext,
) -> Result<Answer, GatewayError> {
    ctx.requested_model = Some(Arc::from(req.model.as_str()));
    ctx.stream = req.stream;
    let route = plan::plan(state, &req.model, Some(&req), ctx)?;
    // After the plan, so that the router judges the client's own request, and before the
    // cache, so that an answer is only reused for the same repository code.
    code_context::add_to_chat(state, &parts.headers, &mut req, ctx).await?;
    let ticket = match cache::lookup(state, &route.alias, &req, &parts.headers, ctx).await {
        cache::CacheLookup::Hit(hit) => {
            return Ok(if req.stream {
                Answer::Stream(StreamAnswer::replay(
                    switchyard_protocol::canonical::replay::events_of(&hit.response),
                    &req,
                ))
            } else {
                Answer::Complete(hit.response.clone())
            });
        }
        cache::CacheLookup::Miss(ticket) => ticket,
    };
    if req.stream {
        let live = execute::run(state, route, execute::Call::Stream(&req), parts, ctx)
            .await?
            .into_stream()?;
        let keep = observe::needs_stream_text(state, ctx);
        let recorder = ticket.map(|t| cache::StreamRecorder::new(t, &req, ctx));
        return Ok(Answer::Stream(StreamAnswer::live(
            live, req, keep, recorder,
        )));
    }
    let resp = execute::run(state, route, execute::Call::Complete(&req), parts, ctx)
        .await?
        .into_complete()?;
    validate::check(&req, &resp)?;
    if let Some(ticket) = ticket {
        cache::store(state, ticket, &resp);
    }
    observe::answered(state, ctx, &req, &resp);
    Ok(Answer::Complete(resp))
}

/// The `model` of a body the gateway passes through.
fn model_field(fields: &Map<String, Value>) -> Result<String, GatewayError> {
    match fields.get("model") {
        Some(Value::String(m)) => Ok(m.clone()),
        Some(_) => Err(invalid("model", "`model` must be a string")),
        None => Err(invalid("model", "missing field `model`")),
    }
}

/// A 400 about field `param`.
pub(crate) fn invalid(param: &str, message: &str) -> GatewayError {
    switchyard_protocol::ApiError::new(switchyard_protocol::ErrorKind::InvalidRequest, message)
        .with_param(param)
        .into()
}
