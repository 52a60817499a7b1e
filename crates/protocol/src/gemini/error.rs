//! Gemini error bodies: `{"error": {"code", "message", "status", "details"}}`, the JSON form
//! of `google.rpc.Status` that every Google API returns.

use super::wire::{ErrorBodyOut, ErrorEnvelopeIn, ErrorEnvelopeOut};
use crate::error::{ApiError, ErrorKind};
use serde_json::{json, Value};

/// Reads an upstream error body: `(status, message)`, e.g.
/// `("RESOURCE_EXHAUSTED", "You exceeded your current quota ...")`; the numeric code
/// stands in for a missing status. Also accepts the envelope wrapped in a one-element
/// array, which is how `streamGenerateContent` without `alt=sse` reports errors.
pub fn decode_error(body: &[u8]) -> Option<(String, String)> {
    // Checked by the first byte: serde would also read a struct from a JSON array.
    let envelope = if body.trim_ascii_start().first() == Some(&b'[') {
        serde_json::from_slice::<Vec<ErrorEnvelopeIn>>(body)
            .ok()?
            .into_iter()
            .next()?
    } else {
        serde_json::from_slice::<ErrorEnvelopeIn>(body).ok()?
    };
    let err = envelope.error;
    // Google's envelope always names a code or status; an `error` object with neither
    // (e.g. OpenAI's `{"error": {"message", "type"}}`) is another format's.
    if err.status.is_none() && err.code.is_none() {
        return None;
    }
    Some(err.into_pair())
}

/// Encodes a gateway error as Google's error envelope. `code` is the HTTP status of the
/// error class and `status` the matching `google.rpc.Code` name; the machine-readable code
/// travels as an `ErrorInfo` reason and the field at fault as a `BadRequest` violation,
/// the detail types Google's APIs use for them.
pub fn encode_error(err: &ApiError) -> Vec<u8> {
    let mut details = Vec::new();
    if let Some(code) = &err.code {
        details.push(json!({
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": code,
            "domain": "switchyard",
        }));
    }
    if let Some(param) = &err.param {
        details.push(json!({
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [{"field": param, "description": err.message}],
        }));
    }
    let envelope = ErrorEnvelopeOut {
        error: ErrorBodyOut {
            code: err.kind.status(),
            message: &err.message,
            status: status_name(err.kind),
            details,
        },
    };
    // Serializing plain strings and numbers cannot fail; keep a valid body regardless.
    serde_json::to_vec(&envelope).unwrap_or_else(|_| fallback(err.kind))
}

/// The `google.rpc.Code` name for an error class.
fn status_name(kind: ErrorKind) -> &'static str {
    match kind {
        // Google reports oversized payloads as INVALID_ARGUMENT too.
        ErrorKind::InvalidRequest | ErrorKind::RequestTooLarge => "INVALID_ARGUMENT",
        ErrorKind::Authentication => "UNAUTHENTICATED",
        ErrorKind::PermissionDenied => "PERMISSION_DENIED",
        ErrorKind::NotFound => "NOT_FOUND",
        ErrorKind::RateLimited => "RESOURCE_EXHAUSTED",
        ErrorKind::Internal | ErrorKind::UpstreamError => "INTERNAL",
        ErrorKind::Unavailable => "UNAVAILABLE",
        ErrorKind::UpstreamTimeout => "DEADLINE_EXCEEDED",
    }
}

/// A minimal envelope, should serialization ever fail.
fn fallback(kind: ErrorKind) -> Vec<u8> {
    let value: Value = json!({"error": {"code": kind.status(), "status": status_name(kind)}});
    value.to_string().into_bytes()
}
