//! Error bodies: `{"type":"error","error":{"type":...,"message":...}}`.

use crate::{ApiError, ErrorKind};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct ErrorOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    error: ErrorBodyOut<'a>,
}

#[derive(Serialize)]
struct ErrorBodyOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    message: &'a str,
}

/// Anthropic's error `type` for a gateway error class, per the API's error reference
/// (the HTTP status comes from [`ErrorKind::status`]; Anthropic itself answers
/// `overloaded_error` with 529, the gateway with 503).
fn error_type(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidRequest => "invalid_request_error",
        ErrorKind::Authentication => "authentication_error",
        ErrorKind::PermissionDenied => "permission_error",
        ErrorKind::NotFound => "not_found_error",
        ErrorKind::RequestTooLarge => "request_too_large",
        ErrorKind::RateLimited => "rate_limit_error",
        ErrorKind::Internal | ErrorKind::UpstreamError => "api_error",
        ErrorKind::Unavailable => "overloaded_error",
        ErrorKind::UpstreamTimeout => "timeout_error",
    }
}

/// Encodes a gateway error as an Anthropic error body.
pub fn encode_error(err: &ApiError) -> Vec<u8> {
    let body = ErrorOut {
        kind: "error",
        error: ErrorBodyOut {
            kind: error_type(err.kind),
            message: &err.message,
        },
    };
    // Serializing two strings cannot fail; keep a valid body even if it somehow did.
    serde_json::to_vec(&body).unwrap_or_else(|_| {
        br#"{"type":"error","error":{"type":"api_error","message":"internal error"}}"#.to_vec()
    })
}

#[derive(Deserialize)]
struct ErrorIn {
    error: ErrorBodyIn,
}

#[derive(Deserialize)]
struct ErrorBodyIn {
    #[serde(rename = "type")]
    kind: String,
    message: String,
}

/// Reads an Anthropic error body: `(error.type, error.message)`, or `None` if `body` is
/// not in that shape.
pub fn decode_error(body: &[u8]) -> Option<(String, String)> {
    let e: ErrorIn = serde_json::from_slice(body).ok()?;
    Some((e.error.kind, e.error.message))
}
