//! Counters of what the mock saw, kept as atomics so the request path takes no lock apart
//! from one short swap of the last request.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use bytes::Bytes;
use http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::behavior::Family;

/// A snapshot of the mock's counters, as served by `GET /_mock/stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MockStats {
    /// Requests received on provider endpoints (control endpoints are not counted).
    pub requests_total: u64,
    /// Requests per endpoint family.
    pub by_endpoint: EndpointCounts,
    /// Streamed answers begun.
    pub streams_started: u64,
    /// Streamed answers whose last event was handed to the connection.
    pub streams_completed: u64,
    /// Requests that got an injected fault (status, drop, hang, refuse, cut).
    pub faults_injected: u64,
    /// Answers abandoned because the client went away: streams before their end, and
    /// requests (streamed or not) before the mock answered (e.g. during `latency_ms`).
    pub connections_closed_early: u64,
    /// The last provider request, credentials redacted.
    pub last_request: Option<LastRequest>,
}

/// Requests per endpoint family.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointCounts {
    /// OpenAI chat completions and model listing.
    pub openai: u64,
    /// Anthropic messages.
    pub anthropic: u64,
    /// Gemini generateContent / streamGenerateContent.
    pub gemini: u64,
    /// Azure OpenAI chat completions.
    pub azure: u64,
    /// Embeddings (OpenAI and Azure).
    pub embeddings: u64,
}

impl EndpointCounts {
    /// The count of one family.
    pub fn get(&self, family: Family) -> u64 {
        match family {
            Family::OpenAi => self.openai,
            Family::Azure => self.azure,
            Family::Anthropic => self.anthropic,
            Family::Gemini => self.gemini,
            Family::Embeddings => self.embeddings,
        }
    }
}

/// The last provider request as it arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastRequest {
    /// Request path, e.g. `/v1/chat/completions`.
    pub path: String,
    /// Raw query string, if any (a `key=` parameter's value is redacted).
    pub query: Option<String>,
    /// All headers (lower-case names; repeated headers joined with `, `). The values of
    /// `authorization`, `x-api-key`, `api-key` and `x-goog-api-key` are `<redacted>`: the
    /// name tells that the credential was present.
    pub headers: BTreeMap<String, String>,
    /// The body parsed as JSON (a JSON string when it is not JSON, null when empty).
    pub body: serde_json::Value,
}

/// Headers whose values never leave the mock.
const SECRET_HEADERS: [&str; 4] = ["authorization", "x-api-key", "api-key", "x-goog-api-key"];

/// The text that replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// A request kept raw; converted (and redacted) only when a snapshot is asked for.
struct RawRequest {
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
}

/// Live counters.
#[derive(Default)]
pub(crate) struct Stats {
    requests_total: AtomicU64,
    by_family: [AtomicU64; 5],
    streams_started: AtomicU64,
    streams_completed: AtomicU64,
    faults_injected: AtomicU64,
    connections_closed_early: AtomicU64,
    last_request: Mutex<Option<RawRequest>>,
}

impl Stats {
    /// Counts a provider request and keeps it as the last one.
    pub(crate) fn record_request(
        &self,
        family: Family,
        path: &str,
        query: Option<&str>,
        headers: &HeaderMap,
        body: &Bytes,
    ) {
        self.requests_total.fetch_add(1, Ordering::Relaxed);
        self.by_family[family.index()].fetch_add(1, Ordering::Relaxed);
        let raw = RawRequest {
            path: path.to_owned(),
            query: query.map(str::to_owned),
            headers: headers.clone(),
            body: body.clone(),
        };
        let previous = {
            let mut slot = self
                .last_request
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            slot.replace(raw)
        };
        // Dropped outside the lock.
        drop(previous);
    }

    pub(crate) fn stream_started(&self) {
        self.streams_started.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn stream_completed(&self) {
        self.streams_completed.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn fault_injected(&self) {
        self.faults_injected.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn closed_early(&self) {
        self.connections_closed_early
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Zeroes every counter and forgets the last request.
    pub(crate) fn reset(&self) {
        for c in [
            &self.requests_total,
            &self.streams_started,
            &self.streams_completed,
            &self.faults_injected,
            &self.connections_closed_early,
        ] {
            c.store(0, Ordering::Relaxed);
        }
        for c in &self.by_family {
            c.store(0, Ordering::Relaxed);
        }
        let previous = self
            .last_request
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        drop(previous);
    }

    /// A consistent-enough copy of the counters (each read is atomic; the set is not).
    pub(crate) fn snapshot(&self) -> MockStats {
        let fam = |f: Family| self.by_family[f.index()].load(Ordering::Relaxed);
        let last = self
            .last_request
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|r| {
                (
                    r.path.clone(),
                    r.query.clone(),
                    r.headers.clone(),
                    r.body.clone(),
                )
            });
        MockStats {
            requests_total: self.requests_total.load(Ordering::Relaxed),
            by_endpoint: EndpointCounts {
                openai: fam(Family::OpenAi),
                anthropic: fam(Family::Anthropic),
                gemini: fam(Family::Gemini),
                azure: fam(Family::Azure),
                embeddings: fam(Family::Embeddings),
            },
            streams_started: self.streams_started.load(Ordering::Relaxed),
            streams_completed: self.streams_completed.load(Ordering::Relaxed),
            faults_injected: self.faults_injected.load(Ordering::Relaxed),
            connections_closed_early: self.connections_closed_early.load(Ordering::Relaxed),
            last_request: last.map(|(path, query, headers, body)| LastRequest {
                path,
                query: query.map(|q| redact_query(&q)),
                headers: redact_headers(&headers),
                body: parse_body(&body),
            }),
        }
    }
}

fn redact_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let name = name.as_str();
        let value = if SECRET_HEADERS.contains(&name) {
            REDACTED.to_owned()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        match out.get_mut(name) {
            Some(v) if SECRET_HEADERS.contains(&name) => *v = REDACTED.to_owned(),
            Some(v) => {
                v.push_str(", ");
                v.push_str(&value);
            }
            None => {
                out.insert(name.to_owned(), value);
            }
        }
    }
    out
}

/// Gemini clients may send the API key as `?key=`.
fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("key") => format!("{k}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn parse_body(body: &Bytes) -> serde_json::Value {
    if body.is_empty() {
        return serde_json::Value::Null;
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(body).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "Bearer sk-123".parse().unwrap());
        h.insert("x-goog-api-key", "g".parse().unwrap());
        h.insert("content-type", "application/json".parse().unwrap());
        h.append("x-multi", "a".parse().unwrap());
        h.append("x-multi", "b".parse().unwrap());
        let r = redact_headers(&h);
        assert_eq!(r["authorization"], REDACTED);
        assert_eq!(r["x-goog-api-key"], REDACTED);
        assert_eq!(r["content-type"], "application/json");
        assert_eq!(r["x-multi"], "a, b");
        assert_eq!(redact_query("alt=sse&key=abc"), "alt=sse&key=<redacted>");
    }

    #[test]
    fn record_and_reset() {
        let s = Stats::default();
        s.record_request(
            Family::Gemini,
            "/v1beta/models/x:generateContent",
            Some("alt=sse"),
            &HeaderMap::new(),
            &Bytes::from_static(b"{\"a\":1}"),
        );
        let snap = s.snapshot();
        assert_eq!(snap.requests_total, 1);
        assert_eq!(snap.by_endpoint.gemini, 1);
        let last = snap.last_request.unwrap();
        assert_eq!(last.body["a"], 1);
        assert_eq!(last.query.as_deref(), Some("alt=sse"));
        s.reset();
        assert_eq!(s.snapshot(), MockStats::default());
    }
}
