//! `[server]` limits that protect the gateway from slow or numerous clients and from
//! oversized estimation work.

use super::raw::RawServer;
use std::time::Duration;

/// Default for `server.header_read_timeout_ms` and `server.body_idle_timeout_ms`.
pub const DEFAULT_CLIENT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default for `server.max_connections`.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// Default for `server.count_tokens_max_body_bytes` (8 MiB: a long conversation with a few
/// images; generation endpoints keep `max_body_bytes`).
pub const DEFAULT_COUNT_TOKENS_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Limits on client connections, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// A request's headers must have arrived this long after the connection waits for
    /// them (also how long an idle keep-alive connection is kept).
    pub header_read_timeout: Duration,
    /// Longest pause between two pieces of a request body.
    pub body_idle_timeout: Duration,
    /// Connections served at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Largest body `POST /v1/messages/count_tokens` accepts (at most `max_body_bytes`).
    pub count_tokens_max_body_bytes: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_CLIENT_TIMEOUT,
            body_idle_timeout: DEFAULT_CLIENT_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            count_tokens_max_body_bytes: DEFAULT_COUNT_TOKENS_MAX_BODY_BYTES,
        }
    }
}

impl ServerLimits {
    /// Reads the limits of `[server]`: `Err((key, problem))` for an invalid value.
    pub(crate) fn from_raw(
        raw: &RawServer,
        max_body_bytes: usize,
    ) -> Result<Self, (&'static str, &'static str)> {
        let d = Self::default();
        let ms = |key: &'static str, v: Option<u64>, default: Duration| match v {
            None => Ok(default),
            Some(0) => Err((key, "must be greater than 0")),
            Some(ms) => Ok(Duration::from_millis(ms)),
        };
        let max_connections = match raw.max_connections {
            None => d.max_connections,
            Some(0) => return Err(("server.max_connections", "must be greater than 0")),
            Some(n) if n > u64::from(u32::MAX >> 3) => {
                return Err(("server.max_connections", "is too large"))
            }
            Some(n) => usize::try_from(n).unwrap_or(d.max_connections),
        };
        let count_tokens_max_body_bytes = match raw.count_tokens_max_body_bytes {
            None => d.count_tokens_max_body_bytes.min(max_body_bytes),
            Some(0) => {
                return Err((
                    "server.count_tokens_max_body_bytes",
                    "must be greater than 0",
                ))
            }
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX).min(max_body_bytes),
        };
        Ok(Self {
            header_read_timeout: ms(
                "server.header_read_timeout_ms",
                raw.header_read_timeout_ms,
                d.header_read_timeout,
            )?,
            body_idle_timeout: ms(
                "server.body_idle_timeout_ms",
                raw.body_idle_timeout_ms,
                d.body_idle_timeout,
            )?,
            max_connections,
            count_tokens_max_body_bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, max_body: usize) -> Result<ServerLimits, (&'static str, &'static str)> {
        let raw: RawServer = toml::from_str(text).unwrap();
        ServerLimits::from_raw(&raw, max_body)
    }

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(parse("", usize::MAX).unwrap(), ServerLimits::default());
        let l = parse(
            "header_read_timeout_ms = 500\nbody_idle_timeout_ms = 700\nmax_connections = 9\n\
             count_tokens_max_body_bytes = 1000",
            usize::MAX,
        )
        .unwrap();
        assert_eq!(l.header_read_timeout, Duration::from_millis(500));
        assert_eq!(l.body_idle_timeout, Duration::from_millis(700));
        assert_eq!(l.max_connections, 9);
        assert_eq!(l.count_tokens_max_body_bytes, 1000);
    }

    #[test]
    fn count_tokens_limit_never_exceeds_the_body_limit() {
        assert_eq!(parse("", 4096).unwrap().count_tokens_max_body_bytes, 4096);
        let l = parse("count_tokens_max_body_bytes = 100000", 4096).unwrap();
        assert_eq!(l.count_tokens_max_body_bytes, 4096);
    }

    #[test]
    fn zero_is_refused_with_the_key() {
        for key in [
            "header_read_timeout_ms",
            "body_idle_timeout_ms",
            "max_connections",
            "count_tokens_max_body_bytes",
        ] {
            let err = parse(&format!("{key} = 0"), 4096).unwrap_err();
            assert_eq!(err.0, format!("server.{key}"));
        }
    }
}
