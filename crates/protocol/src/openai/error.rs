//! Error bodies: `{"error": {"message", "type", "param", "code"}}`.

use crate::{to_json_vec, ApiError, ErrorKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    param: Option<&'a str>,
    code: Option<&'a str>,
}

/// The OpenAI error `type` of a gateway error class.
///
/// OpenAI itself answers unknown models and URLs (404) with `invalid_request_error` and
/// tells them apart by `code` (`model_not_found`), so `NotFound` does the same and the
/// gateway's `code` is passed through. Clients (the official SDKs included) dispatch on the
/// HTTP status, so the remaining classes use descriptive types in OpenAI's naming style.
pub(super) fn error_type(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidRequest | ErrorKind::NotFound => "invalid_request_error",
        ErrorKind::Authentication => "authentication_error",
        ErrorKind::PermissionDenied => "permission_error",
        ErrorKind::RequestTooLarge => "request_too_large",
        ErrorKind::RateLimited => "rate_limit_error",
        ErrorKind::Internal => "server_error",
        ErrorKind::UpstreamError => "upstream_error",
        ErrorKind::Unavailable => "service_unavailable",
        ErrorKind::UpstreamTimeout => "timeout_error",
    }
}

/// Encodes a gateway error as this format's error body.
pub fn encode_error(err: &ApiError) -> Vec<u8> {
    let envelope = ErrorEnvelope {
        error: ErrorBody {
            message: &err.message,
            kind: error_type(err.kind),
            param: err.param.as_deref(),
            code: err.code.as_deref(),
        },
    };
    // Serialising strings cannot fail; the fallback only keeps this function total.
    to_json_vec(&envelope).unwrap_or_else(|_| {
        br#"{"error":{"message":"internal error","type":"server_error","param":null,"code":null}}"#
            .to_vec()
    })
}

#[derive(Deserialize)]
struct ErrorDoc {
    error: Option<Value>,
    // vLLM and some other servers answer `{"object": "error", "message", "type", "code"}`.
    object: Option<String>,
    message: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// Reads an upstream error body: (error type, message), if it is in this format's shape.
///
/// Accepts OpenAI's `{"error": {...}}` (also Azure's, which has `code` but no `type`), a
/// bare `{"error": "message"}`, and vLLM's top-level `{"object": "error", ...}`.
pub fn decode_error(body: &[u8]) -> Option<(String, String)> {
    let doc: ErrorDoc = serde_json::from_slice(body).ok()?;
    match doc.error {
        Some(err @ Value::Object(_)) => Some(error_fields(&err)),
        Some(Value::String(message)) => Some(("api_error".to_owned(), message)),
        _ if doc.object.as_deref() == Some("error") => Some((
            doc.kind.unwrap_or_else(|| "api_error".to_owned()),
            doc.message.unwrap_or_default(),
        )),
        _ => None,
    }
}

/// (type, message) of an OpenAI error object. The type falls back to `code` (Azure sends
/// only a code, sometimes a number) and then to `api_error`.
pub(super) fn error_fields(err: &Value) -> (String, String) {
    let kind = match (err.get("type"), err.get("code")) {
        (Some(Value::String(t)), _) if !t.is_empty() => t.clone(),
        (_, Some(Value::String(c))) if !c.is_empty() => c.clone(),
        (_, Some(Value::Number(n))) => n.to_string(),
        _ => "api_error".to_owned(),
    };
    let message = match err.get("message") {
        Some(Value::String(m)) => m.clone(),
        _ => String::new(),
    };
    (kind, message)
}
