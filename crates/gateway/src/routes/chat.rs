//! `POST /v1/chat/completions` and `POST /v1/messages`: the request path of DESIGN.md,
//! stage by stage.

use super::{finish, json_response, read_body};
use crate::{
    context::{RequestContext, RequestId},
    error::{error_response, GatewayError},
    plan,
    resilience::{Attempt, Failover},
    routes::stream,
    state::AppState,
    transcript::{completion_text, prompt_text, RequestTexts},
};
use axum::{
    extract::{Request, State},
    response::Response,
    Extension,
};
use std::{sync::Arc, time::Instant};
use switchyard_protocol::{codec, StopReason, WireFormat};
use switchyard_providers::CallOptions;

/// OpenAI chat completions.
pub async fn chat_completions(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    request: Request,
) -> Response {
    handle(state, WireFormat::OpenAiChat, id, request).await
}

/// Anthropic messages.
pub async fn messages(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    request: Request,
) -> Response {
    handle(state, WireFormat::Anthropic, id, request).await
}

async fn handle(
    state: Arc<AppState>,
    format: WireFormat,
    id: RequestId,
    request: Request,
) -> Response {
    let mut ctx = RequestContext::new(id, format, Instant::now());
    let (parts, body) = request.into_parts();
    let endpoint = match format {
        WireFormat::Anthropic => "/v1/messages",
        _ => "/v1/chat/completions",
    };
    ctx.from_parts(endpoint, &parts);
    let result = async {
        // Ingress codec: wire JSON -> canonical request.
        let bytes = read_body(body, &parts.headers, state.config.server.max_body_bytes).await?;
        ctx.input_bytes = bytes.len() as u64;
        let req = codec::decode_request(format, &bytes)?;
        ctx.requested_model = Some(Arc::from(req.model.as_str()));
        ctx.stream = req.stream;
        // Plan: model name -> alias -> deployments. (Router seam.)
        let route = plan::plan(&state, &req.model)?;
        // Cache lookup goes here (cache seam): a hit re-encodes the stored response.
        let mut failover = Failover::new(&state, route, &mut ctx);
        if req.stream {
            let mut opened = stream::open(&mut failover, &req, &parts, &mut ctx).await?;
            opened.keep_request(&state, &ctx, req);
            return Ok(Outcome::Stream(Box::new(opened)));
        }
        let mut resp = loop {
            let attempt = failover.next(&mut ctx).await?;
            let options = call_options(&parts, &attempt);
            let result = attempt.provider.chat(&req, &attempt.model, &options).await;
            if let Some(resp) = failover.settle(&mut ctx, &attempt, result)? {
                if resp.stop_reason == StopReason::ContentFilter
                    && failover.redirect_content_filtered()
                {
                    continue;
                }
                break resp;
            }
        };
        if resp.created == 0 {
            // Anthropic and Gemini answers carry no timestamp; OpenAI clients expect one.
            resp.created = unix_now();
        }
        // Code validation goes here (codeintel seam), then cache store.
        // Unreported usage is estimated by analytics, not booked as a free request.
        ctx.usage = resp.usage.is_reported().then_some(resp.usage);
        if state.analytics.needs_text(ctx.usage.is_none()) {
            ctx.texts = Some(Box::new(RequestTexts {
                prompt: prompt_text(&req),
                completion: completion_text(&resp.content),
            }));
        }
        if !resp.model.is_empty() {
            ctx.upstream_model = Some(Arc::from(resp.model.as_str()));
        }
        // Egress codec.
        let body = codec::encode_response(format, &resp).map_err(internal)?;
        ctx.output_bytes = body.len() as u64;
        Ok::<_, GatewayError>(Outcome::Complete(body))
    }
    .await;
    match result {
        Ok(Outcome::Complete(body)) => finish(&state, &mut ctx, json_response(body)),
        Ok(Outcome::Stream(opened)) => stream::respond(state, ctx, *opened),
        Err(e) => {
            let response = error_response(format, &e, &mut ctx);
            finish(&state, &mut ctx, response)
        }
    }
}

enum Outcome {
    Complete(Vec<u8>),
    Stream(Box<stream::Opened>),
}

/// An encoding failure of our own making is a gateway fault.
fn internal(e: switchyard_protocol::CodecError) -> GatewayError {
    GatewayError::new(
        switchyard_protocol::ErrorKind::Internal,
        format!("cannot encode the answer: {e}"),
    )
}

/// Seconds since the Unix epoch.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// How to call the upstream for `attempt`: the client's headers and query (passed on by
/// same-format providers) and the attempt's limits.
pub(crate) fn call_options<'a>(
    parts: &'a http::request::Parts,
    attempt: &Attempt<'_>,
) -> CallOptions<'a> {
    CallOptions {
        headers: Some(&parts.headers),
        query: parts.uri.query(),
        timeouts: attempt.timeouts,
        budget: Some(attempt.budget_left),
    }
}
