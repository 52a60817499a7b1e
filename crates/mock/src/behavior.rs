//! What the mock does with a request: timing, canned answers and injected faults.
//!
//! A [`MockBehavior`] can be set for all endpoint families at once or per [`Family`]. The
//! current set lives in an [`arc_swap::ArcSwap`] so the request path reads it without a lock.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};

/// How the mock answers. Every field has a default, so a JSON object with only the fields of
/// interest (or `{}`) is a valid behaviour; unknown fields are rejected so that typos show.
///
/// The default is an instant, fault-free provider that answers tool-offering requests with
/// a tool call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MockBehavior {
    /// Fixed delay before anything is answered (headers included), in milliseconds.
    pub latency_ms: u64,
    /// Streams: delay between the stream's preamble and its first content chunk, in ms.
    pub ttft_ms: u64,
    /// Streams: delay between two content chunks, in milliseconds.
    pub per_token_ms: u64,
    /// Fixed answer text. When `None` the answer is `Mock answer to: <first 64 chars of the
    /// last user text>`, so a test can see what reached the upstream.
    pub response_text: Option<String>,
    /// Streams: how many words go into one content chunk (0 counts as 1).
    pub chunk_words: u32,
    /// The fault to inject, if any.
    pub fault: Fault,
    /// When the request offers tools and its last message is not a tool result, answer with a
    /// call to the first tool; when the last message is a tool result, answer
    /// `Tool result received: <first 64 chars of it>`.
    pub tool_call_when_tools: bool,
    /// Answer like an assistant, for `switchyard serve`'s demo mode: plain text with a code
    /// block in the language asked for, JSON matching a requested schema, and a tool call
    /// only when the user asks for what a tool does (write, read or run something), with
    /// arguments valid for its schema. Overrides `tool_call_when_tools` and `response_text`.
    pub demo: bool,
    /// Seed of the deterministic generator that decides which requests a
    /// [`Fault::Status`] with a `rate` below 1 hits.
    pub seed: u64,
}

impl Default for MockBehavior {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            ttft_ms: 0,
            per_token_ms: 0,
            response_text: None,
            chunk_words: 1,
            fault: Fault::None,
            tool_call_when_tools: true,
            demo: false,
            seed: 0x5EED_0F57_17C4_u64,
        }
    }
}

impl MockBehavior {
    /// Words per stream chunk, at least 1.
    pub fn words_per_chunk(&self) -> usize {
        usize::try_from(self.chunk_words.max(1)).unwrap_or(1)
    }
}

/// An injected failure. In JSON: `"none"`, `"refuse"`, `"drop"`, `"hang"`,
/// `{"status": {"code": 503, "rate": 0.5, "retry_after": 2}}` or `{"cut_after": {"chunks": 3}}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Answer normally.
    #[default]
    None,
    /// Answer with an HTTP error in the provider's error shape.
    Status {
        /// HTTP status code (an invalid code becomes 500).
        code: u16,
        /// Share of requests that fail, 0..=1 (default 1; `fail_rate` is accepted too), drawn
        /// from a generator seeded by [`MockBehavior::seed`], so runs repeat.
        #[serde(default = "full_rate", alias = "fail_rate")]
        rate: f64,
        /// Value of the `retry-after` header, in seconds.
        #[serde(default)]
        retry_after: Option<u64>,
        /// Raw response body instead of the provider's error JSON.
        #[serde(default)]
        body: Option<String>,
    },
    /// Stop accepting connections: the listener is closed, so connects are refused, and it is
    /// bound again on the same port once the default behaviour has another fault. Only the
    /// default behaviour can close the port (all families share it); as a family override,
    /// and for requests on connections opened before, it acts like [`Fault::Drop`].
    Refuse,
    /// Read the request, then close the connection without a response.
    Drop,
    /// Never answer; keep the connection open.
    Hang,
    /// Streams: close the connection after this many content chunks, never sending the
    /// terminal event(s). Non-streamed answers: close the connection halfway through the
    /// body (whose `content-length` announced all of it).
    CutAfter {
        /// Content chunks sent before the connection is closed.
        chunks: u32,
    },
}

fn full_rate() -> f64 {
    1.0
}

/// An endpoint family: the behaviour can be overridden per family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// `POST /v1/chat/completions` and `GET /v1/models`.
    OpenAi,
    /// `POST /openai/deployments/{deployment}/chat/completions`.
    Azure,
    /// `POST /v1/messages`.
    Anthropic,
    /// `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent`.
    Gemini,
    /// `POST /v1/embeddings` and `POST /openai/deployments/{deployment}/embeddings`.
    Embeddings,
}

impl Family {
    /// Every family, in the order of [`Family::index`].
    pub const ALL: [Family; 5] = [
        Family::OpenAi,
        Family::Azure,
        Family::Anthropic,
        Family::Gemini,
        Family::Embeddings,
    ];

    /// The family's name as used in URLs and JSON (`openai`, `azure`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Family::OpenAi => "openai",
            Family::Azure => "azure",
            Family::Anthropic => "anthropic",
            Family::Gemini => "gemini",
            Family::Embeddings => "embeddings",
        }
    }

    /// Position in [`Family::ALL`].
    pub fn index(self) -> usize {
        match self {
            Family::OpenAi => 0,
            Family::Azure => 1,
            Family::Anthropic => 2,
            Family::Gemini => 3,
            Family::Embeddings => 4,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name given is not one of the families.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFamily(pub String);

impl fmt::Display for UnknownFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown family {:?} (expected openai, azure, anthropic, gemini or embeddings)",
            self.0
        )
    }
}

impl std::error::Error for UnknownFamily {}

impl FromStr for Family {
    type Err = UnknownFamily;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Family::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownFamily(s.to_owned()))
    }
}

/// The default behaviour and the per-family overrides in force.
#[derive(Debug, Clone, Default)]
pub(crate) struct BehaviorSet {
    pub(crate) default: Arc<MockBehavior>,
    pub(crate) families: [Option<Arc<MockBehavior>>; 5],
}

/// Lock-free holder of the [`BehaviorSet`] plus the fault generator's counter.
pub(crate) struct BehaviorStore {
    set: ArcSwap<BehaviorSet>,
    draws: AtomicU64,
}

impl BehaviorStore {
    pub(crate) fn new(default: MockBehavior) -> Self {
        Self {
            set: ArcSwap::from_pointee(BehaviorSet {
                default: Arc::new(default),
                families: Default::default(),
            }),
            draws: AtomicU64::new(0),
        }
    }

    /// The behaviour a request of `family` gets.
    pub(crate) fn effective(&self, family: Family) -> Arc<MockBehavior> {
        let set = self.set.load();
        match &set.families[family.index()] {
            Some(b) => Arc::clone(b),
            None => Arc::clone(&set.default),
        }
    }

    /// The default behaviour (the one that applies where no family override exists).
    pub(crate) fn default_behavior(&self) -> Arc<MockBehavior> {
        Arc::clone(&self.set.load().default)
    }

    /// True when the default behaviour asks the listener to close.
    pub(crate) fn refusing(&self) -> bool {
        matches!(self.set.load().default.fault, Fault::Refuse)
    }

    /// Replaces the default and drops every family override.
    pub(crate) fn set_all(&self, b: MockBehavior) {
        self.set.store(Arc::new(BehaviorSet {
            default: Arc::new(b),
            families: Default::default(),
        }));
    }

    /// Sets (or with `None` removes) one family's override.
    pub(crate) fn set_family(&self, family: Family, b: Option<MockBehavior>) {
        let b = b.map(Arc::new);
        self.set.rcu(|cur| {
            let mut next = BehaviorSet::clone(cur);
            next.families[family.index()] = b.clone();
            next
        });
    }

    /// Restarts the fault generator's sequence, so that a reset run repeats.
    pub(crate) fn reset_draws(&self) {
        self.draws.store(0, Ordering::Relaxed);
    }

    /// Decides with probability `rate` (deterministic for a given seed and draw number).
    pub(crate) fn roll(&self, rate: f64, seed: u64) -> bool {
        if rate.is_nan() || rate <= 0.0 {
            return false;
        }
        if rate >= 1.0 {
            return true;
        }
        let n = self.draws.fetch_add(1, Ordering::Relaxed);
        unit_interval(splitmix64(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15))) < rate
    }
}

/// SplitMix64 finaliser: a well-mixed 64-bit value from a counter.
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Maps 64 random bits to [0, 1).
fn unit_interval(x: u64) -> f64 {
    // 53 significant bits fit an f64 exactly.
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_json_forms() {
        let b: MockBehavior =
            serde_json::from_str(r#"{"fault":{"status":{"code":503,"retry_after":2}}}"#).unwrap();
        assert_eq!(
            b.fault,
            Fault::Status {
                code: 503,
                rate: 1.0,
                retry_after: Some(2),
                body: None
            }
        );
        let b: MockBehavior =
            serde_json::from_str(r#"{"fault":{"status":{"code":500,"fail_rate":0.5}}}"#).unwrap();
        assert!(matches!(b.fault, Fault::Status { rate, .. } if rate == 0.5));
        let b: MockBehavior = serde_json::from_str(r#"{"fault":"refuse"}"#).unwrap();
        assert_eq!(b.fault, Fault::Refuse);
        let b: MockBehavior =
            serde_json::from_str(r#"{"fault":{"cut_after":{"chunks":2}}}"#).unwrap();
        assert_eq!(b.fault, Fault::CutAfter { chunks: 2 });
        assert!(serde_json::from_str::<MockBehavior>(r#"{"latency":1}"#).is_err());
        let d: MockBehavior = serde_json::from_str("{}").unwrap();
        assert_eq!(d, MockBehavior::default());
    }

    #[test]
    fn rate_is_close_and_repeatable() {
        let store = BehaviorStore::new(MockBehavior::default());
        let hits = (0..10_000).filter(|_| store.roll(0.5, 7)).count();
        assert!((4_700..=5_300).contains(&hits), "{hits}");
        store.reset_draws();
        let again = (0..10_000).filter(|_| store.roll(0.5, 7)).count();
        assert_eq!(hits, again);
        assert!((0..100).all(|_| store.roll(1.0, 7)));
        assert!((0..100).all(|_| !store.roll(0.0, 7)));
    }

    #[test]
    fn family_override_and_names() {
        let store = BehaviorStore::new(MockBehavior::default());
        let slow = MockBehavior {
            latency_ms: 5,
            ..MockBehavior::default()
        };
        store.set_family(Family::Gemini, Some(slow.clone()));
        assert_eq!(*store.effective(Family::Gemini), slow);
        assert_eq!(*store.effective(Family::OpenAi), MockBehavior::default());
        store.set_all(MockBehavior::default());
        assert_eq!(*store.effective(Family::Gemini), MockBehavior::default());
        assert_eq!("Anthropic".parse::<Family>(), Ok(Family::Anthropic));
        assert!("bedrock".parse::<Family>().is_err());
        for f in Family::ALL {
            assert_eq!(Family::ALL[f.index()], f);
        }
    }
}
