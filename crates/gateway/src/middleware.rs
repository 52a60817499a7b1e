//! Tower middleware (as axum `from_fn` layers): request ids and client authentication.

use crate::{
    access_log::Refusal,
    context::{ClientKey, RequestId},
    error::error_body,
    routes::format_of,
    state::AppState,
};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{header, HeaderValue};
use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc, OnceLock,
};
use switchyard_protocol::{ApiError, ErrorKind};

/// Longest client-supplied request id echoed back.
const MAX_REQUEST_ID_LEN: usize = 128;

/// Gives every request an id (the client's `x-request-id` if sane) and echoes it on the
/// response.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get("x-request-id")
        .filter(|v| !v.is_empty() && v.len() <= MAX_REQUEST_ID_LEN)
        .filter(|v| v.as_bytes().iter().all(|b| b.is_ascii_graphic()))
        .cloned()
        .unwrap_or_else(generate_request_id);
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    response.headers_mut().insert("x-request-id", id);
    response
}

/// `req_` + a per-process random prefix + a counter: unique, cheap, and sortable within a
/// process.
fn generate_request_id() -> HeaderValue {
    static PREFIX: OnceLock<u32> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
            .unwrap_or_default();
        nanos ^ std::process::id().rotate_left(16)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    HeaderValue::from_str(&format!("req_{prefix:08x}{n:012x}"))
        .unwrap_or_else(|_| HeaderValue::from_static("req_unknown"))
}

/// Requires one of `server.api_keys`, as `Authorization: Bearer KEY` or `x-api-key: KEY`
/// (what the OpenAI and Anthropic SDKs send), when any is configured.
pub async fn authenticate(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let keys = &state.config.server.api_keys;
    if keys.is_empty() {
        return next.run(request).await;
    }
    let presented = presented_key(request.headers());
    let matched = presented.and_then(|p| {
        keys.iter()
            .position(|k| constant_time_eq(p.as_bytes(), k.as_bytes()))
    });
    if let Some(index) = matched {
        request.extensions_mut().insert(ClientKey(index));
        return next.run(request).await;
    }
    let message = if presented.is_some() {
        "invalid API key"
    } else {
        "missing API key: send `Authorization: Bearer <key>` or `x-api-key: <key>`"
    };
    let err = ApiError::new(ErrorKind::Authentication, message).with_code("invalid_api_key");
    refused(
        error_body(format_of(request.headers(), request.uri()), &err).into_response(),
        message,
    )
}

/// The key a client presents: `Authorization: Bearer KEY` or `x-api-key: KEY`.
fn presented_key(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()))
}

/// Guards the operator's surfaces (`/admin/*`, `/metrics`, `/api/analytics/*`): the admin
/// key when one is configured, else any client key, else open. The dashboard's static page
/// is public (it holds no data) so that it can ask for the key.
pub async fn authenticate_admin(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/dashboard") {
        return next.run(request).await;
    }
    let server = &state.config.server;
    let accepted: Vec<&str> = match &server.admin_key {
        Some(k) => vec![k.as_str()],
        None => server.api_keys.iter().map(String::as_str).collect(),
    };
    if accepted.is_empty() {
        return next.run(request).await;
    }
    if presented_key(request.headers()).is_some_and(|p| {
        accepted
            .iter()
            .any(|k| constant_time_eq(p.as_bytes(), k.as_bytes()))
    }) {
        return next.run(request).await;
    }
    let err = ApiError::new(
        ErrorKind::Authentication,
        "this endpoint needs the admin key (server.admin_key) as `Authorization: Bearer <key>`",
    );
    let message = err.message.clone();
    refused(
        error_body(switchyard_protocol::WireFormat::OpenAiChat, &err).into_response(),
        &message,
    )
}

/// `response` with its refusal's reason attached for the access log.
fn refused(mut response: Response, reason: &str) -> Response {
    response.extensions_mut().insert(Refusal(reason.into()));
    response
}

/// Compares without an early exit, so timing does not reveal how much of a key matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_matches_only_equal_keys() {
        assert!(constant_time_eq(b"secret-key", b"secret-key"));
        assert!(!constant_time_eq(b"secret-key", b"secret-kez"));
        assert!(!constant_time_eq(b"secret", b"secret-key"));
    }

    #[test]
    fn generated_ids_are_unique_and_valid_headers() {
        let a = generate_request_id();
        let b = generate_request_id();
        assert_ne!(a, b);
        assert!(a.to_str().unwrap().starts_with("req_"));
    }
}
