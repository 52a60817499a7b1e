//! HTTP routes and the helpers they share.

pub mod admin;
pub mod chat;
pub mod code;
pub mod completions;
pub mod count_tokens;
pub mod dashboard;
pub mod embeddings;
pub mod models;
pub mod responses;
pub mod route;

use crate::{
    access_log::Refusal,
    context::{RequestContext, RequestId},
    egress,
    error::{error_body, GatewayError},
    pipeline::{self, PipelineRequest},
    state::AppState,
};
use axum::{
    body::Body,
    extract::Request,
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Method, Uri};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::{sync::Arc, time::Instant};
use switchyard_protocol::{ApiError, ErrorKind, WireFormat};

/// Reads the whole request body, refusing more than `limit` bytes with a 413.
pub(crate) async fn read_body(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Bytes, GatewayError> {
    let too_large = || {
        GatewayError::new(
            ErrorKind::RequestTooLarge,
            format!(
                "request body exceeds the gateway's limit of {limit} bytes (server.max_body_bytes)"
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(GatewayError::new(
            ErrorKind::InvalidRequest,
            format!("cannot read request body: {e}"),
        )),
    }
}

/// The start of every route that runs the pipeline: the request's context (its id, format,
/// endpoint and what its head says) and the request split into head and body.
pub(crate) fn start(
    id: RequestId,
    format: WireFormat,
    endpoint: &'static str,
    request: Request,
) -> (RequestContext, http::request::Parts, Body) {
    let mut ctx = RequestContext::new(id, format, Instant::now());
    let (parts, body) = request.into_parts();
    ctx.from_parts(endpoint, &parts);
    (ctx, parts, body)
}

/// Every route that decodes one body and runs the pipeline: the context, the body (at most
/// `server.max_body_bytes`, its size recorded), `decode`, the pipeline, egress.
pub(crate) async fn serve(
    state: Arc<AppState>,
    id: RequestId,
    request: Request,
    format: WireFormat,
    endpoint: &'static str,
    decode: impl FnOnce(&[u8]) -> Result<PipelineRequest, GatewayError>,
) -> Response {
    let (mut ctx, parts, body) = start(id, format, endpoint, request);
    let result = async {
        let bytes = read_body(body, &parts.headers, state.config.server.max_body_bytes).await?;
        ctx.input_bytes = bytes.len() as u64;
        let req = decode(&bytes)?;
        pipeline::run(&state, req, &parts, &mut ctx).await
    }
    .await;
    egress::respond(state, ctx, result)
}

/// The wire format a request without a format of its own (models list, 404s) answers in:
/// Anthropic's when the client says `anthropic-version`, else OpenAI's.
pub(crate) fn format_of(headers: &HeaderMap, uri: &Uri) -> WireFormat {
    if headers.contains_key("anthropic-version") || uri.path().starts_with("/v1/messages") {
        WireFormat::Anthropic
    } else {
        WireFormat::OpenAiChat
    }
}

/// `GET /health`.
pub async fn health() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        r#"{"status":"ok"}"#,
    )
        .into_response()
}

/// `GET /` (and `HEAD /`): says what answers here, so that a client's reachability probe
/// (Claude Code sends `HEAD /`) and a person with a browser both get a 200.
pub async fn root() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        r#"{"service":"switchyard","status":"ok","health":"/health","dashboard":"/dashboard"}"#,
    )
        .into_response()
}

/// Any path or method the gateway does not serve.
pub async fn not_found(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let err = ApiError::new(
        ErrorKind::NotFound,
        format!("no route for {method} {}", uri.path()),
    );
    let mut response = error_body(format_of(&headers, &uri), &err).into_response();
    response
        .extensions_mut()
        .insert(Refusal(err.message.into_boxed_str()));
    response
}
