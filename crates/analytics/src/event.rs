//! The record of one finished request: what was asked, who answered, what it cost and how
//! long it took. Holds no prompt or completion text unless the deployment turns
//! [`AnalyticsConfig::record_text`](crate::AnalyticsConfig::record_text) on.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};
use std::{borrow::Cow, sync::Arc};

/// Token counts in the gateway's canonical convention.
///
/// `input_tokens` includes the cached and cache-creation tokens; `output_tokens` includes the
/// reasoning tokens. Cost computation relies on exactly this convention.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Prompt tokens, cached and cache-creation ones included.
    pub input_tokens: u64,
    /// Generated tokens, reasoning included.
    pub output_tokens: u64,
    /// Prompt tokens read from the provider's prompt cache (a subset of `input_tokens`).
    #[serde(default)]
    pub cached_input_tokens: u64,
    /// Prompt tokens written to the provider's prompt cache (Anthropic; a subset of
    /// `input_tokens`).
    #[serde(default)]
    pub cache_creation_input_tokens: u64,
    /// Generated tokens spent on reasoning (a subset of `output_tokens`).
    #[serde(default)]
    pub reasoning_tokens: u64,
    /// True when the counts were estimated by the gateway (the provider reported none).
    #[serde(default)]
    pub estimated: bool,
}

/// What the gateway's response cache did for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheStatus {
    /// Served from the exact-match cache.
    Hit,
    /// Served from the semantic cache.
    SemanticHit,
    /// Looked up, not found: the upstream answered.
    Miss,
    /// Not looked up (caching off, or the request is not cacheable).
    Bypass,
}

impl CacheStatus {
    /// Every status, in a fixed order.
    pub const ALL: [CacheStatus; 4] = [Self::Hit, Self::SemanticHit, Self::Miss, Self::Bypass];

    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::SemanticHit => "semantic_hit",
            Self::Miss => "miss",
            Self::Bypass => "bypass",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Its position in [`Self::ALL`] (declaration order, which is also serde's variant
    /// index).
    pub fn index(self) -> usize {
        match self {
            Self::Hit => 0,
            Self::SemanticHit => 1,
            Self::Miss => 2,
            Self::Bypass => 3,
        }
    }

    /// Whether the answer came from the cache.
    pub fn is_hit(self) -> bool {
        matches!(self, Self::Hit | Self::SemanticHit)
    }
}

/// A label the gateway knows in advance (route, wire format, provider kind, error class):
/// borrowed from a constant when the request path builds the event, so recording it
/// allocates nothing, and owned when an event is read back. Stored exactly like a string.
pub type Label = Cow<'static, str>;

/// Names the gateway already holds behind an `Arc` (client-key hash, alias, provider, the
/// requested and upstream models): the request path shares them instead of copying, and
/// they are stored exactly like `Option<String>` (no serde `rc` feature needed).
mod shared_label {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::sync::Arc;

    pub fn serialize<S: Serializer>(v: &Option<Arc<str>>, s: S) -> Result<S::Ok, S::Error> {
        v.as_deref().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Arc<str>>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.map(Arc::from))
    }
}

/// One finished request. Build it with `RequestEvent { request_id, ..Default::default() }`
/// and hand it to [`Analytics::record`](crate::Analytics::record).
///
/// The cost fields may be left `None`: the writer fills them from the price table (off the
/// request path). Timestamps are unix milliseconds; latencies are milliseconds.
///
/// Its JSON form is also the SQLite store's stored form (see `store::segment`): every field
/// defaults when absent, so segments written before a field was added still decode. Rename
/// no field without a migration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestEvent {
    /// Store-assigned identity (unique with `ts_ms`); 0 until the writer assigns it.
    #[serde(default)]
    pub event_id: u64,
    /// When the gateway received the request (unix ms); 0 = stamped by the writer.
    pub ts_ms: i64,
    /// The request id (the client's `x-request-id` or a generated one).
    pub request_id: String,
    /// The client's API key as [`hash_client_key`] output; never the key itself.
    #[serde(with = "shared_label")]
    pub key_hash: Option<Arc<str>>,
    /// The route served, e.g. `/v1/chat/completions`.
    pub endpoint: Label,
    /// The client's wire format, e.g. `openai`, `anthropic`.
    pub client_format: Label,
    /// The kind of work (completion, generation, review, docs, ...), when classified.
    pub task: Option<String>,
    /// The programming language of the request, when detected.
    pub language: Option<String>,
    /// The `model` the client sent.
    #[serde(with = "shared_label")]
    pub requested_model: Option<Arc<str>>,
    /// The router tier chosen (e.g. `small`, `large`), when a router planned the request.
    pub router_tier: Option<String>,
    /// The router's complexity score.
    pub router_score: Option<f64>,
    /// The model the router compares against to count its savings (what the request would
    /// have used without routing): a model name, or `provider/model` to price it at a
    /// configured provider's deployment price.
    pub router_baseline_model: Option<String>,
    /// The alias that served the request.
    #[serde(with = "shared_label")]
    pub alias: Option<Arc<str>>,
    /// The configured provider name that answered (or was last tried).
    #[serde(with = "shared_label")]
    pub provider: Option<Arc<str>>,
    /// The provider kind: `openai`, `azure`, `anthropic`, `gemini`.
    pub provider_kind: Option<Label>,
    /// The upstream model that answered.
    #[serde(with = "shared_label")]
    pub upstream_model: Option<Arc<str>>,
    /// Upstream calls made (0 for cache hits).
    pub attempts: u32,
    /// The fallback alias that finally served the request, if the first alias failed.
    pub fallback_alias: Option<String>,
    /// What the response cache did.
    pub cache_status: Option<CacheStatus>,
    /// Similarity of the semantic cache hit.
    pub cache_similarity: Option<f64>,
    /// HTTP status returned to the client.
    pub status: u16,
    /// Error class (`upstream_error`, `rate_limited`, ...) when the request failed or a
    /// stream broke.
    pub error_class: Option<Label>,
    /// Whether the client asked for a stream.
    pub stream: bool,
    /// Tokens as reported by the provider (or estimated: see [`TokenUsage::estimated`]).
    pub usage: Option<TokenUsage>,
    /// Size of the prompt text in bytes (used to estimate tokens when no usage is reported).
    pub input_bytes: u64,
    /// Size of the generated text in bytes (same purpose).
    pub output_bytes: u64,
    /// What the request cost in USD; `None` when the model has no known price.
    pub cost_usd: Option<f64>,
    /// True when the cost rests on estimated token counts.
    pub cost_estimated: bool,
    /// Net saving of the provider's prompt cache (cached input priced below input, minus
    /// the surcharge for cache writes).
    pub prompt_cache_savings_usd: Option<f64>,
    /// Cost avoided by the gateway's response cache (what the upstream call would have cost).
    pub cache_savings_usd: Option<f64>,
    /// Cost avoided by routing: baseline model's price minus the actual cost.
    pub router_savings_usd: Option<f64>,
    /// Total time from receipt to the end of the response (ms).
    pub total_ms: f64,
    /// Time to the first content event, for streams (ms).
    pub ttft_ms: Option<f64>,
    /// Time spent waiting on upstreams (ms).
    pub upstream_ms: f64,
    /// Time spent in the gateway itself: total minus upstream (ms).
    pub overhead_ms: f64,
    /// Prompt template used, when the code API applied one.
    pub template: Option<String>,
    /// Outcome of code validation (`passed`, `failed`, `repaired`, ...).
    pub validation: Option<String>,
    /// Prompt text, only kept when `record_text` is on (secrets redacted by the writer).
    pub prompt_text: Option<String>,
    /// Completion text, only kept when `record_text` is on (secrets redacted by the writer).
    pub completion_text: Option<String>,
}

impl RequestEvent {
    /// An event for `request_id` received at `received`.
    pub fn new(request_id: impl Into<String>, received: SystemTime) -> Self {
        Self {
            request_id: request_id.into(),
            ts_ms: unix_millis(received),
            status: 200,
            ..Self::default()
        }
    }

    /// Whether the request failed (an error status, or an error such as a broken stream).
    pub fn is_error(&self) -> bool {
        self.status >= 400 || self.error_class.is_some()
    }

    /// Whether the request needed more than one upstream attempt or a fallback alias.
    pub fn is_fallback(&self) -> bool {
        self.fallback_alias.is_some() || self.attempts > 1
    }

    /// The model this request is accounted under: the upstream model, else the requested.
    pub fn model(&self) -> Option<&str> {
        self.upstream_model
            .as_deref()
            .or(self.requested_model.as_deref())
    }
}

/// Unix milliseconds of `t` (0 before the epoch).
pub fn unix_millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Unix milliseconds now.
pub fn now_millis() -> i64 {
    unix_millis(SystemTime::now())
}

/// The stored form of a client API key: the first 16 hex digits (64 bits) of
/// SHA-256(`salt` ‖ 0x00 ‖ `key`). Stable across restarts for a given salt, so requests group
/// by key; the key cannot be read back, and a per-deployment salt stops a table of hashes of
/// known keys from identifying them.
pub fn hash_client_key(salt: &str, key: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update([0u8]);
    hasher.update(key.as_bytes());
    let digest = hasher.finalize();
    let mut out = String::with_capacity(16);
    for byte in digest.iter().take(8) {
        out.push(hex_digit(byte >> 4));
        out.push(hex_digit(byte & 0x0f));
    }
    out
}

fn hex_digit(n: u8) -> char {
    char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hash_is_short_salted_and_stable() {
        let a = hash_client_key("salt", "sk-secret");
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, hash_client_key("salt", "sk-secret"));
        assert_ne!(a, hash_client_key("other", "sk-secret"));
        assert_ne!(a, hash_client_key("salt", "sk-secreT"));
        assert!(!a.contains("secret"));
        // The separator keeps ("ab","c") and ("a","bc") apart.
        assert_ne!(hash_client_key("ab", "c"), hash_client_key("a", "bc"));
    }

    #[test]
    fn known_sha256_prefix() {
        // `printf 'salt\0key' | sha256sum | cut -c1-16`
        assert_eq!(hash_client_key("salt", "key"), "6e5d6c6f47d14756");
    }

    #[test]
    fn cache_status_round_trips() {
        for s in CacheStatus::ALL {
            assert_eq!(CacheStatus::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert!(CacheStatus::SemanticHit.is_hit());
        assert!(!CacheStatus::Bypass.is_hit());
    }

    #[test]
    fn error_and_fallback_flags() {
        let mut e = RequestEvent::new("r", SystemTime::now());
        assert!(!e.is_error() && !e.is_fallback());
        e.error_class = Some("upstream_error".into());
        assert!(e.is_error());
        e.attempts = 2;
        assert!(e.is_fallback());
    }
}
