//! The HTTP exchange shared by every provider: one pooled client per provider, timeouts,
//! and turning error statuses into [`ProviderError`]s.

use crate::{ProviderError, ProviderSettings};
use bytes::Bytes;
use std::time::Duration;
use switchyard_protocol::WireFormat;

/// Builds the pooled client of one provider (reused by every request to it).
pub(crate) fn build_client(settings: &ProviderSettings) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(settings.connect_timeout)
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(256)
        // Upstream redirects would re-send our key elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| {
            format!(
                "cannot build HTTP client for provider `{}`: {e}",
                settings.name
            )
        })
}

/// A JSON POST to `url` with the provider's configured extra headers.
pub(crate) fn json_post(
    client: &reqwest::Client,
    settings: &ProviderSettings,
    url: impl reqwest::IntoUrl,
    body: Vec<u8>,
) -> reqwest::RequestBuilder {
    let mut rb = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    for (name, value) in &settings.headers {
        rb = rb.header(name, value);
    }
    rb
}

/// `base_url` + `path`, parsed once when the provider is built.
pub(crate) fn parse_url(settings: &ProviderSettings, path: &str) -> Result<reqwest::Url, String> {
    let text = format!("{}{path}", settings.base_url);
    reqwest::Url::parse(&text)
        .map_err(|e| format!("provider `{}`: invalid URL `{text}`: {e}", settings.name))
}

/// The request cannot be written in the provider's format.
pub(crate) fn encode_error(
    settings: &ProviderSettings,
    source: switchyard_protocol::CodecError,
) -> ProviderError {
    ProviderError::Encode {
        provider: settings.name.clone(),
        source,
    }
}

/// Sends `request` and waits for the response headers, within the first-byte limit.
/// Error statuses are read and returned as [`ProviderError::Status`].
pub(crate) async fn send(
    settings: &ProviderSettings,
    format: WireFormat,
    request: reqwest::RequestBuilder,
    first_byte: FirstByte,
) -> Result<reqwest::Response, ProviderError> {
    let limit = first_byte.limit;
    let response = match tokio::time::timeout_at(first_byte.deadline, request.send()).await {
        Err(_) => {
            return Err(ProviderError::Timeout {
                provider: settings.name.clone(),
                after: limit,
                phase: "response headers",
            })
        }
        Ok(Err(e)) => return Err(transport_error(settings, &e)),
        Ok(Ok(r)) => r,
    };
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status().as_u16();
    let retry_after = retry_after(response.headers());
    // Error bodies are small; a slow one must not hold the request hostage.
    let body = read_body(settings, response, limit)
        .await
        .unwrap_or_default();
    let (error_type, message) = match switchyard_protocol::codec::decode_error(format, &body) {
        Some((t, m)) => (Some(t), m),
        None => (None, summarize_body(&body)),
    };
    Err(ProviderError::Status {
        provider: settings.name.clone(),
        status,
        error_type,
        message,
        retry_after,
    })
}

/// Reads a whole response body within the total timeout.
pub(crate) async fn read_body(
    settings: &ProviderSettings,
    response: reqwest::Response,
    limit: Duration,
) -> Result<Bytes, ProviderError> {
    match tokio::time::timeout(limit, response.bytes()).await {
        Err(_) => Err(ProviderError::Timeout {
            provider: settings.name.clone(),
            after: limit,
            phase: "total",
        }),
        Ok(Err(e)) => Err(transport_error(settings, &e)),
        Ok(Ok(b)) => Ok(b),
    }
}

/// Reads a whole non-streamed answer: its first content byte by `first_byte_deadline`, all
/// of it within `total`. Leading whitespace and SSE comment lines (`: keep-alive`, which some
/// OpenAI-compatible servers send while a model works) are not content: they neither
/// satisfy the first-byte deadline nor reach the decoder.
pub(crate) async fn read_content(
    settings: &ProviderSettings,
    response: reqwest::Response,
    first_byte: FirstByte,
    total: Duration,
) -> Result<Bytes, ProviderError> {
    use futures_util::StreamExt as _;
    let total_deadline = tokio::time::Instant::now() + total;
    // Most answers arrive in one chunk, which is returned as it is; only a body in several
    // chunks is copied into one buffer (sized by `content-length`, within reason).
    let size_hint = response
        .content_length()
        .map_or(0, |n| usize::try_from(n.min(8 << 20)).unwrap_or(0));
    let mut chunks = response.bytes_stream();
    let mut single: Option<Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    // Bytes known to be filler so far, and where content starts once it did.
    let mut filler = 0;
    let mut content: Option<usize> = None;
    loop {
        let (deadline, after, phase) = match content {
            None if first_byte.deadline < total_deadline => {
                (first_byte.deadline, first_byte.limit, "first byte")
            }
            _ => (total_deadline, total, "total"),
        };
        match tokio::time::timeout_at(deadline, chunks.next()).await {
            Err(_) => {
                return Err(ProviderError::Timeout {
                    provider: settings.name.clone(),
                    after,
                    phase,
                })
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(transport_error(settings, &e)),
            Ok(Some(Ok(chunk))) => {
                match single.take() {
                    None if joined.is_empty() => single = Some(chunk),
                    None => joined.extend_from_slice(&chunk),
                    Some(first) => {
                        joined.reserve(size_hint.max(first.len() + chunk.len()));
                        joined.extend_from_slice(&first);
                        joined.extend_from_slice(&chunk);
                    }
                }
                if content.is_none() {
                    let seen = single.as_deref().unwrap_or(&joined);
                    content = skip_filler(seen, &mut filler);
                }
            }
        }
    }
    let body = single.unwrap_or_else(|| Bytes::from(joined));
    let start = content.unwrap_or(body.len());
    Ok(body.slice(start..))
}

/// A first-byte limit: when it ends, and how long it was (for the error).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FirstByte {
    /// The request's start plus `limit`.
    pub deadline: tokio::time::Instant,
    /// The configured limit.
    pub limit: Duration,
}

impl FirstByte {
    /// A limit of `limit` from now (call it when the request is sent).
    pub fn from_now(limit: Duration) -> Self {
        Self {
            deadline: tokio::time::Instant::now() + limit,
            limit,
        }
    }
}

/// Advances `*from` past whitespace and complete `:` comment lines; returns where content
/// starts once a byte of it is there.
fn skip_filler(body: &[u8], from: &mut usize) -> Option<usize> {
    loop {
        match body.get(*from)? {
            b' ' | b'\t' | b'\r' | b'\n' => *from += 1,
            b':' => {
                let rest = body.get(*from..)?;
                let eol = rest.iter().position(|&b| b == b'\n')?;
                *from += eol + 1;
            }
            _ => return Some(*from),
        }
    }
}

/// Classifies a reqwest error without echoing URLs (which may carry keys, as Gemini's
/// `?key=` style would).
pub(crate) fn transport_error(settings: &ProviderSettings, e: &reqwest::Error) -> ProviderError {
    if e.is_timeout() {
        ProviderError::Timeout {
            provider: settings.name.clone(),
            after: settings.connect_timeout,
            phase: "connect",
        }
    } else if e.is_connect() {
        ProviderError::Connect {
            provider: settings.name.clone(),
            message: error_chain(e),
        }
    } else {
        ProviderError::Transport {
            provider: settings.name.clone(),
            message: error_chain(e),
        }
    }
}

/// The error and its causes, joined, with any URL the error carries left out.
fn error_chain(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut parts = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    if parts.is_empty() {
        "transport error".to_owned()
    } else {
        parts.join(": ")
    }
}

/// `retry-after-ms` (OpenAI, Azure) or `retry-after` in seconds.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
    {
        return (ms.is_finite() && ms >= 0.0).then(|| Duration::from_secs_f64(ms / 1000.0));
    }
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// A short, printable summary of a non-JSON error body.
fn summarize_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "no error body".to_owned();
    }
    let mut end = text.len().min(300);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn retry_after_prefers_milliseconds() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        let mut bad = HeaderMap::new();
        bad.insert("retry-after", HeaderValue::from_static("Wed, 21 Oct 2015"));
        assert_eq!(retry_after(&bad), None);
    }

    #[test]
    fn summary_is_bounded_and_char_safe() {
        let long = "é".repeat(400);
        let s = summarize_body(long.as_bytes());
        assert!(s.len() <= 300);
        assert_eq!(summarize_body(b"  "), "no error body");
    }

    fn response(chunks: Vec<&'static [u8]>, then_hang: bool) -> reqwest::Response {
        use futures_util::StreamExt as _;
        let chunks = futures_util::stream::iter(
            chunks
                .into_iter()
                .map(|c| Ok::<_, std::io::Error>(Bytes::from_static(c))),
        );
        let body = if then_hang {
            reqwest::Body::wrap_stream(chunks.chain(futures_util::stream::pending()))
        } else {
            reqwest::Body::wrap_stream(chunks)
        };
        reqwest::Response::from(::http::Response::new(body))
    }

    fn settings() -> ProviderSettings {
        ProviderSettings::new("p", crate::ProviderKind::OpenAi, "http://127.0.0.1:1")
    }

    #[tokio::test]
    async fn leading_filler_is_skipped_and_single_chunks_pass_through() {
        let s = settings();
        let fb = FirstByte::from_now(Duration::from_secs(5));
        let r = response(vec![b"{\"a\":1}"], false);
        let body = read_content(&s, r, fb, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(&body[..], b"{\"a\":1}");
        let r = response(
            vec![
                b"\n: OPENROUTER PROCESSING\n\n  ",
                b": keep-alive\n",
                b"{\"a\"",
                b":1}",
            ],
            false,
        );
        let body = read_content(&s, r, fb, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(&body[..], b"{\"a\":1}");
    }

    #[tokio::test]
    async fn filler_does_not_satisfy_the_first_byte_limit() {
        let s = settings();
        let fb = FirstByte::from_now(Duration::from_millis(200));
        let r = response(vec![b": keep-alive\n", b"\n\n"], true);
        match read_content(&s, r, fb, Duration::from_secs(30)).await {
            Err(ProviderError::Timeout { phase, .. }) => assert_eq!(phase, "first byte"),
            other => panic!("{other:?}"),
        }
        // Once content started, only the total limit applies.
        let fb = FirstByte::from_now(Duration::from_millis(200));
        let r = response(vec![b"{"], true);
        match read_content(&s, r, fb, Duration::from_millis(400)).await {
            Err(ProviderError::Timeout { phase, .. }) => assert_eq!(phase, "total"),
            other => panic!("{other:?}"),
        }
    }
}
