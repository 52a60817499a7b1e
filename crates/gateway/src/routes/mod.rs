//! HTTP routes and the helpers they share.

pub mod admin;
pub mod chat;
pub mod count_tokens;
pub mod dashboard;
pub mod embeddings;
pub mod models;
pub mod stream;

use crate::{context::RequestContext, error::error_body, error::GatewayError, state::AppState};
use axum::{
    body::Body,
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Method, Uri};
use http_body_util::{BodyExt, LengthLimitError, Limited};
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
pub(crate) fn finish(
    state: &AppState,
    ctx: &mut RequestContext,
    mut response: Response,
) -> Response {
    respond_headers(state, ctx, &mut response);
    crate::observe::request_finished(state, ctx);
    response
}

/// Sets the `x-switchyard-*` response headers from the request's context.
pub(crate) fn respond_headers(state: &AppState, ctx: &RequestContext, response: &mut Response) {
    let headers = response.headers_mut();
    if let Some(name) = ctx.provider_name(state) {
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
    if ctx.attempts > 0 {
        headers.insert("x-switchyard-attempts", HeaderValue::from(ctx.attempts));
    }
    let overhead_us = u64::try_from(ctx.overhead().as_micros()).unwrap_or(u64::MAX);
    headers.insert("x-switchyard-overhead-us", HeaderValue::from(overhead_us));
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

/// Any path or method the gateway does not serve.
pub async fn not_found(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let err = ApiError::new(
        ErrorKind::NotFound,
        format!("no route for {method} {}", uri.path()),
    );
    error_body(format_of(&headers, &uri), &err).into_response()
}
