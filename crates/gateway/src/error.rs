//! Gateway errors and their one mapping to the client's error JSON and HTTP status.

use crate::context::RequestContext;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use std::time::Duration;
use switchyard_protocol::{codec, ApiError, CodecError, ErrorKind, WireFormat};
use switchyard_providers::ProviderError;

/// A request failed; `error` is what the client is told.
#[derive(Debug)]
pub struct GatewayError {
    /// Client-facing error.
    pub error: ApiError,
    /// Sent as `Retry-After`: an upstream's (429s), or the gateway's own when it knows
    /// when to come back.
    pub retry_after: Option<Duration>,
}

impl From<ApiError> for GatewayError {
    fn from(error: ApiError) -> Self {
        Self {
            error,
            retry_after: None,
        }
    }
}

impl From<CodecError> for GatewayError {
    fn from(e: CodecError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<ProviderError> for GatewayError {
    fn from(e: ProviderError) -> Self {
        Self {
            error: e.to_api_error(),
            retry_after: e.retry_after(),
        }
    }
}

impl GatewayError {
    /// Shorthand for an error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError::new(kind, message).into()
    }

    /// The same error, telling the client to retry after `after`.
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }
}

/// The HTTP response for `err` in the client's `format`, with the context's status and
/// error class recorded.
pub fn error_response(
    format: WireFormat,
    err: &GatewayError,
    ctx: &mut RequestContext,
) -> Response {
    ctx.status = err.error.kind.status();
    ctx.error = Some(err.error.kind);
    if (400..500).contains(&ctx.status) {
        ctx.refusal = Some(err.error.message.as_str().into());
    }
    let mut response = error_body(format, &err.error).into_response();
    if let Some(after) = err.retry_after {
        // Whole seconds, rounded up: a client that waits less would be refused again.
        let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    response
}

/// Status and JSON body of `err` in `format`.
pub fn error_body(
    format: WireFormat,
    err: &ApiError,
) -> (StatusCode, [(header::HeaderName, HeaderValue); 1], Vec<u8>) {
    let status =
        StatusCode::from_u16(err.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        codec::encode_error(format, err),
    )
}
