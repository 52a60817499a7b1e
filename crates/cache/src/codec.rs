//! What the shared (Redis) tier stores, as bytes: the canonical answer, and the record the
//! other replicas' semantic indexes need (scope, instruction, whether it carries code, and
//! the instruction's quantised embedding with the embedder that made it).
//!
//! Both are versioned JSON (`"v": 1`); a replica that finds another version ignores the
//! entry, so a rolling upgrade that changes the format costs misses, never wrong answers.

use crate::{key::KeyHash, semantic::PreparedVector};
use serde::{Deserialize, Serialize};
use switchyard_protocol::{
    ChatResponse, ContentPart, Extras, ImageSource, StopReason, Usage, WireFormat,
};

/// Version of both encodings.
const VERSION: u32 = 1;
/// Bytes of a stored sketch (before the vector's values).
const SKETCH_BYTES: usize = 32;

fn is_empty(e: &Extras) -> bool {
    e.is_empty()
}

/// A content part as stored.
#[derive(Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum Part {
    Text {
        text: String,
        #[serde(default, skip_serializing_if = "is_empty")]
        extra: Extras,
    },
    Image {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<String>,
        #[serde(default, skip_serializing_if = "is_empty")]
        extra: Extras,
    },
    ToolCall {
        id: String,
        name: String,
        arguments: String,
        #[serde(default, skip_serializing_if = "is_empty")]
        extra: Extras,
    },
    ToolResult {
        tool_call_id: String,
        content: Vec<Part>,
        is_error: bool,
        #[serde(default, skip_serializing_if = "is_empty")]
        extra: Extras,
    },
    Thinking {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
        #[serde(default, skip_serializing_if = "is_empty")]
        extra: Extras,
    },
    Other {
        format: WireFormat,
        value: serde_json::Value,
    },
}

impl From<&ContentPart> for Part {
    fn from(p: &ContentPart) -> Self {
        match p.clone() {
            ContentPart::Text { text, extra } => Self::Text { text, extra },
            ContentPart::Image { source, extra } => match source {
                ImageSource::Url(url) => Self::Image {
                    url: Some(url),
                    media_type: None,
                    data: None,
                    extra,
                },
                ImageSource::Base64 { media_type, data } => Self::Image {
                    url: None,
                    media_type: Some(media_type),
                    data: Some(data),
                    extra,
                },
            },
            ContentPart::ToolCall {
                id,
                name,
                arguments,
                extra,
            } => Self::ToolCall {
                id,
                name,
                arguments,
                extra,
            },
            ContentPart::ToolResult {
                tool_call_id,
                content,
                is_error,
                extra,
            } => Self::ToolResult {
                tool_call_id,
                content: content.iter().map(Part::from).collect(),
                is_error,
                extra,
            },
            ContentPart::Thinking {
                text,
                signature,
                extra,
            } => Self::Thinking {
                text,
                signature,
                extra,
            },
            ContentPart::Other { format, value } => Self::Other { format, value },
        }
    }
}

impl From<Part> for ContentPart {
    fn from(p: Part) -> Self {
        match p {
            Part::Text { text, extra } => Self::Text { text, extra },
            Part::Image {
                url,
                media_type,
                data,
                extra,
            } => Self::Image {
                source: match (url, media_type, data) {
                    (Some(url), _, _) => ImageSource::Url(url),
                    (None, media_type, data) => ImageSource::Base64 {
                        media_type: media_type.unwrap_or_default(),
                        data: data.unwrap_or_default(),
                    },
                },
                extra,
            },
            Part::ToolCall {
                id,
                name,
                arguments,
                extra,
            } => Self::ToolCall {
                id,
                name,
                arguments,
                extra,
            },
            Part::ToolResult {
                tool_call_id,
                content,
                is_error,
                extra,
            } => Self::ToolResult {
                tool_call_id,
                content: content.into_iter().map(Into::into).collect(),
                is_error,
                extra,
            },
            Part::Thinking {
                text,
                signature,
                extra,
            } => Self::Thinking {
                text,
                signature,
                extra,
            },
            Part::Other { format, value } => Self::Other { format, value },
        }
    }
}

/// Why generation stopped, as stored.
#[derive(Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
enum Finish {
    EndTurn,
    MaxTokens,
    StopSequence(Option<String>),
    ToolUse,
    ContentFilter,
    Other(String),
}

/// Token usage, as stored.
#[derive(Serialize, Deserialize)]
struct StoredUsage {
    input: u64,
    output: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cached: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cache_creation: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reasoning: Option<u64>,
}

/// An answer, as stored.
#[derive(Serialize, Deserialize)]
struct StoredAnswer {
    v: u32,
    id: String,
    model: String,
    content: Vec<Part>,
    stop: Finish,
    usage: StoredUsage,
    created: u64,
    source: WireFormat,
    #[serde(default, skip_serializing_if = "is_empty")]
    extra: Extras,
}

/// The bytes stored for `resp`.
pub fn encode_answer(resp: &ChatResponse) -> Vec<u8> {
    let u = resp.usage;
    let stored = StoredAnswer {
        v: VERSION,
        id: resp.id.clone(),
        model: resp.model.clone(),
        content: resp.content.iter().map(Part::from).collect(),
        stop: match &resp.stop_reason {
            StopReason::EndTurn => Finish::EndTurn,
            StopReason::MaxTokens => Finish::MaxTokens,
            StopReason::StopSequence(s) => Finish::StopSequence(s.clone()),
            StopReason::ToolUse => Finish::ToolUse,
            StopReason::ContentFilter => Finish::ContentFilter,
            StopReason::Other(s) => Finish::Other(s.clone()),
        },
        usage: StoredUsage {
            input: u.input_tokens,
            output: u.output_tokens,
            cached: u.cached_input_tokens,
            cache_creation: u.cache_creation_input_tokens,
            reasoning: u.reasoning_tokens,
        },
        created: resp.created,
        source: resp.source,
        extra: resp.extra.clone(),
    };
    serde_json::to_vec(&stored).unwrap_or_default()
}

/// The answer in `bytes`, if they hold one of this version.
pub fn decode_answer(bytes: &[u8]) -> Option<ChatResponse> {
    let s: StoredAnswer = serde_json::from_slice(bytes).ok()?;
    if s.v != VERSION {
        return None;
    }
    Some(ChatResponse {
        id: s.id,
        model: s.model,
        content: s.content.into_iter().map(Into::into).collect(),
        stop_reason: match s.stop {
            Finish::EndTurn => StopReason::EndTurn,
            Finish::MaxTokens => StopReason::MaxTokens,
            Finish::StopSequence(x) => StopReason::StopSequence(x),
            Finish::ToolUse => StopReason::ToolUse,
            Finish::ContentFilter => StopReason::ContentFilter,
            Finish::Other(x) => StopReason::Other(x),
        },
        usage: Usage {
            input_tokens: s.usage.input,
            output_tokens: s.usage.output,
            cached_input_tokens: s.usage.cached,
            cache_creation_input_tokens: s.usage.cache_creation,
            reasoning_tokens: s.usage.reasoning,
        },
        created: s.created,
        source: s.source,
        extra: s.extra,
    })
}

/// What another replica's semantic index needs of an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexRecord {
    /// The exact key its answer is stored under.
    pub exact: KeyHash,
    /// Its semantic scope.
    pub scope: KeyHash,
    /// The instruction's prose (what the embedder read and the guard compares).
    pub instruction: String,
    /// Whether the instruction carried code.
    pub has_code: bool,
    /// The instruction's vector as the index holds it (sketch and `i8` values), with the
    /// name of the embedder that made it; absent when the storing replica did not embed it.
    pub vector: Option<(String, PreparedVector)>,
    /// When it stops being served, Unix milliseconds (of the storing replica's clock).
    pub expires_unix_ms: u64,
}

/// The record's fields except the key and the vector, as stored.
#[derive(Serialize, Deserialize)]
struct StoredRecord {
    v: u32,
    /// Scope, hex.
    s: String,
    /// Instruction.
    i: String,
    /// Has code.
    c: bool,
    /// Embedder of the vector, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    e: Option<String>,
    /// Expiry, Unix ms.
    x: u64,
}

impl IndexRecord {
    /// The record's metadata bytes and its vector's bytes (empty when there is none).
    pub fn encode(&self) -> (Vec<u8>, Vec<u8>) {
        let meta = StoredRecord {
            v: VERSION,
            s: self.scope.to_hex(),
            i: self.instruction.clone(),
            c: self.has_code,
            e: self.vector.as_ref().map(|(e, _)| e.clone()),
            x: self.expires_unix_ms,
        };
        let mut vector = Vec::new();
        if let Some((_, v)) = &self.vector {
            vector.reserve(SKETCH_BYTES + v.values.len());
            for w in v.sketch {
                vector.extend_from_slice(&w.to_le_bytes());
            }
            vector.extend(v.values.iter().map(|x| x.to_le_bytes()[0]));
        }
        (serde_json::to_vec(&meta).unwrap_or_default(), vector)
    }

    /// The record of `exact` from its metadata and vector bytes.
    pub fn decode(exact: KeyHash, meta: &[u8], vector: &[u8]) -> Option<Self> {
        let m: StoredRecord = serde_json::from_slice(meta).ok()?;
        if m.v != VERSION {
            return None;
        }
        let vector = match m.e {
            Some(e) if vector.len() > SKETCH_BYTES => {
                let (sketch_bytes, values) = vector.split_at(SKETCH_BYTES);
                let mut sketch = [0u64; SKETCH_BYTES / 8];
                for (w, b) in sketch.iter_mut().zip(sketch_bytes.chunks_exact(8)) {
                    *w = u64::from_le_bytes(b.try_into().ok()?);
                }
                let values = values.iter().map(|b| i8::from_le_bytes([*b])).collect();
                Some((e, PreparedVector { sketch, values }))
            }
            _ => None,
        };
        Some(Self {
            exact,
            scope: KeyHash::from_hex(&m.s)?,
            instruction: m.i,
            has_code: m.c,
            vector,
            expires_unix_ms: m.x,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rich_answer() -> ChatResponse {
        let mut extra = Extras::new();
        extra.insert("system_fingerprint".into(), json!("fp_1"));
        let mut part_extra = Extras::new();
        part_extra.insert("citations".into(), json!([{"a": 1}]));
        ChatResponse {
            id: "resp-1".into(),
            model: "gpt-upstream".into(),
            content: vec![
                ContentPart::Thinking {
                    text: "hmm".into(),
                    signature: Some("sig".into()),
                    extra: Extras::new(),
                },
                ContentPart::Text {
                    text: "Here: ```rust\nfn main() {}\n``` — done ✓".into(),
                    extra: part_extra,
                },
                ContentPart::ToolCall {
                    id: "call_1".into(),
                    name: "run".into(),
                    arguments: "{\"x\":1}".into(),
                    extra: Extras::new(),
                },
                ContentPart::Other {
                    format: WireFormat::Anthropic,
                    value: json!({"type": "redacted_thinking", "data": "xx"}),
                },
                ContentPart::Image {
                    source: ImageSource::Base64 {
                        media_type: "image/png".into(),
                        data: "AAAA".into(),
                    },
                    extra: Extras::new(),
                },
                ContentPart::ToolResult {
                    tool_call_id: "call_0".into(),
                    content: vec![ContentPart::text("ok")],
                    is_error: true,
                    extra: Extras::new(),
                },
            ],
            stop_reason: StopReason::StopSequence(Some("END".into())),
            usage: Usage {
                input_tokens: 12,
                output_tokens: 34,
                cached_input_tokens: Some(5),
                cache_creation_input_tokens: None,
                reasoning_tokens: Some(7),
            },
            created: 1_700_000_000,
            source: WireFormat::OpenAiChat,
            extra,
        }
    }

    #[test]
    fn answers_survive_the_round_trip() {
        let a = rich_answer();
        assert_eq!(decode_answer(&encode_answer(&a)).as_ref(), Some(&a));
        for stop in [
            StopReason::EndTurn,
            StopReason::MaxTokens,
            StopReason::StopSequence(None),
            StopReason::ToolUse,
            StopReason::ContentFilter,
            StopReason::Other("weird".into()),
        ] {
            let a = ChatResponse {
                stop_reason: stop,
                ..rich_answer()
            };
            assert_eq!(decode_answer(&encode_answer(&a)).as_ref(), Some(&a));
        }
    }

    #[test]
    fn other_versions_and_garbage_are_ignored() {
        let a = encode_answer(&rich_answer());
        let mut v: serde_json::Value = serde_json::from_slice(&a).unwrap();
        v["v"] = json!(2);
        assert!(decode_answer(&serde_json::to_vec(&v).unwrap()).is_none());
        assert!(decode_answer(b"not json").is_none());
        let k = KeyHash([1; 32]);
        assert!(IndexRecord::decode(k, b"{\"v\":2}", b"").is_none());
    }

    #[test]
    fn index_records_survive_the_round_trip() {
        let r = IndexRecord {
            exact: KeyHash([7; 32]),
            scope: KeyHash([9; 32]),
            instruction: "sort the list descending".into(),
            has_code: true,
            vector: Some((
                "builtin".into(),
                PreparedVector {
                    sketch: [1, u64::MAX, 3, 1 << 63],
                    values: vec![-127i8, 0, 5, 127].into(),
                },
            )),
            expires_unix_ms: 42,
        };
        let (meta, vector) = r.encode();
        assert_eq!(
            IndexRecord::decode(r.exact, &meta, &vector),
            Some(r.clone())
        );
        let bare = IndexRecord { vector: None, ..r };
        let (meta, vector) = bare.encode();
        assert!(vector.is_empty());
        assert_eq!(IndexRecord::decode(bare.exact, &meta, &vector), Some(bare));
    }
}
