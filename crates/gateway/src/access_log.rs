//! The access log: one line per request, at `info` under the target `switchyard::access`,
//! so that an operator sees what every client tried, including requests that matched no
//! route or were refused. On by default; `server.access_log = false` turns it off.
//!
//! Requests that run the pipeline are logged by the observe stage when their response is
//! complete (a stream's duration is its whole life); every other request (404s, refused
//! keys, health checks, the dashboard) by the [`layer`] middleware. Egress marks the
//! responses it makes with [`RecordedByPipeline`], so that no request is logged twice.
//!
//! A line holds no prompt or completion text and no key: query values whose names suggest a
//! secret are replaced by `REDACTED`, and the quoted parts of a refusal's reason (serde
//! quotes the offending value) are elided.

use crate::{context::RequestId, state::AppState};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{Method, Uri};
use std::{borrow::Cow, sync::Arc, time::Duration, time::Instant};

/// The `tracing` target of access log lines (filter it like any other, e.g.
/// `RUST_LOG=info,switchyard::access=off`).
pub const TARGET: &str = "switchyard::access";

/// Longest refusal reason written, in characters.
const MAX_REASON_CHARS: usize = 240;

/// Query parameter names (lower case, as substrings) whose values are never written.
const SECRET_PARAMS: [&str; 7] = [
    "key",
    "token",
    "secret",
    "sig",
    "auth",
    "pass",
    "credential",
];

/// Marks a response whose request the observe stage logs itself.
#[derive(Debug, Clone, Copy)]
pub struct RecordedByPipeline;

/// Why a request was refused, attached to a response made outside the pipeline (a 404, a
/// missing key) for the access log.
#[derive(Debug, Clone)]
pub struct Refusal(pub Box<str>);

/// What one access log line says.
#[derive(Debug)]
pub struct AccessEntry<'a> {
    /// Request id.
    pub request_id: &'a http::HeaderValue,
    /// HTTP method.
    pub method: &'a Method,
    /// The URI as the client sent it (redacted when written).
    pub uri: &'a Uri,
    /// Response status.
    pub status: u16,
    /// The alias that served the request, if it got that far.
    pub alias: Option<&'a str>,
    /// The provider that answered (or was last tried).
    pub provider: Option<&'a str>,
    /// Upstream calls made.
    pub attempts: u32,
    /// From receipt to the end of the response.
    pub duration: Duration,
    /// A 4xx's reason.
    pub refusal: Option<&'a str>,
}

/// Writes the line for `entry`.
pub fn write(entry: &AccessEntry<'_>) {
    let target = redacted_target(entry.uri);
    let reason = match entry.refusal {
        Some(r) if (400..500).contains(&entry.status) => redacted_reason(r),
        _ => Cow::Borrowed(""),
    };
    tracing::info!(
        target: TARGET,
        request_id = ?entry.request_id,
        method = %entry.method,
        path = %target,
        status = entry.status,
        alias = entry.alias.unwrap_or(""),
        provider = entry.provider.unwrap_or(""),
        attempts = entry.attempts,
        ms = (entry.duration.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
        reason = %reason,
        "access"
    );
}

/// Logs the requests the pipeline does not record (see the module docs).
pub async fn layer(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if !state.config.server.access_log {
        return next.run(request).await;
    }
    let received = Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone());
    let response = next.run(request).await;
    if response.extensions().get::<RecordedByPipeline>().is_none() {
        let unknown = http::HeaderValue::from_static("");
        write(&AccessEntry {
            request_id: request_id.as_ref().unwrap_or(&unknown),
            method: &method,
            uri: &uri,
            status: response.status().as_u16(),
            alias: None,
            provider: None,
            attempts: 0,
            duration: received.elapsed(),
            refusal: response.extensions().get::<Refusal>().map(|r| &*r.0),
        });
    }
    response
}

/// The path and query of `uri`, with the values of secret-looking query parameters
/// replaced (Gemini-style clients put keys in `?key=`).
pub fn redacted_target(uri: &Uri) -> Cow<'_, str> {
    let path = uri.path();
    let Some(query) = uri.query() else {
        return Cow::Borrowed(path);
    };
    let secret = |name: &str| {
        let name = name.to_ascii_lowercase();
        SECRET_PARAMS.iter().any(|s| name.contains(s))
    };
    if !query
        .split('&')
        .any(|pair| secret(pair.split('=').next().unwrap_or("")))
    {
        return Cow::Owned(format!("{path}?{query}"));
    }
    let pairs: Vec<Cow<'_, str>> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if secret(name) => Cow::Owned(format!("{name}=REDACTED")),
            _ => Cow::Borrowed(pair),
        })
        .collect();
    Cow::Owned(format!("{path}?{}", pairs.join("&")))
}

/// `reason` with every double-quoted part elided (serde quotes the client's offending
/// value, which may be prompt text) and cut to [`MAX_REASON_CHARS`].
pub fn redacted_reason(reason: &str) -> Cow<'_, str> {
    if !reason.contains('"') && reason.chars().count() <= MAX_REASON_CHARS {
        return Cow::Borrowed(reason);
    }
    let mut out = String::with_capacity(reason.len().min(MAX_REASON_CHARS + 8));
    for (i, piece) in reason.split('"').enumerate() {
        if i % 2 == 0 {
            out.push_str(piece);
        } else {
            out.push_str("\"…\"");
        }
    }
    if let Some((cut, _)) = out.char_indices().nth(MAX_REASON_CHARS) {
        out.truncate(cut);
        out.push('…');
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_query_values_are_redacted() {
        let uri: Uri = "/v1beta/models/g:generateContent?alt=sse&key=AIzaSECRET&api_token=t"
            .parse()
            .unwrap();
        assert_eq!(
            redacted_target(&uri),
            "/v1beta/models/g:generateContent?alt=sse&key=REDACTED&api_token=REDACTED"
        );
        let uri: Uri = "/v1/messages?beta=true".parse().unwrap();
        assert_eq!(redacted_target(&uri), "/v1/messages?beta=true");
        let uri: Uri = "/health".parse().unwrap();
        assert_eq!(redacted_target(&uri), "/health");
    }

    #[test]
    fn quoted_values_leave_the_reason() {
        let reason =
            r#"messages[0].content: invalid type: string "my secret prompt", expected a sequence"#;
        let out = redacted_reason(reason);
        assert!(!out.contains("secret prompt"), "{out}");
        assert!(
            out.contains("messages[0].content: invalid type: string"),
            "{out}"
        );
        let long = "x".repeat(1000);
        assert_eq!(redacted_reason(&long).chars().count(), MAX_REASON_CHARS + 1);
        assert_eq!(
            redacted_reason("no route for HEAD /"),
            "no route for HEAD /"
        );
    }
}
