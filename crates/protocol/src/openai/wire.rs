//! Serde shapes of the OpenAI chat completions wire format that requests, responses and
//! streams share: message content, tool calls, usage, type tags and the writer of extras.
//!
//! Decoding shapes own their strings (the canonical model owns them anyway, so borrowing
//! would only move the copy); encoding shapes borrow from the canonical value, so a payload
//! is serialised straight from it without intermediate clones.

use crate::{Extras, StopReason, Usage};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// The `type` tag of a content part, tool or tool call. Known tags are matched without
/// allocating; an unknown one keeps its text so the object can be kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tag {
    /// `text`
    Text,
    /// `image_url`
    ImageUrl,
    /// `function`
    Function,
    /// Anything else (`input_audio`, `file`, `refusal`, `custom`, ...).
    Other(String),
}

impl Tag {
    /// The tag as it appears on the wire.
    pub(super) fn as_str(&self) -> &str {
        match self {
            Self::Text => "text",
            Self::ImageUrl => "image_url",
            Self::Function => "function",
            Self::Other(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TagVisitor;
        impl Visitor<'_> for TagVisitor {
            type Value = Tag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a type string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Tag, E> {
                Ok(match v {
                    "text" => Tag::Text,
                    "image_url" => Tag::ImageUrl,
                    "function" => Tag::Function,
                    other => Tag::Other(other.to_owned()),
                })
            }
        }
        d.deserialize_str(TagVisitor)
    }
}

/// A message's `content`: a plain string or an array of parts (`null`/absent is the
/// `None` of the surrounding `Option`).
#[derive(Debug)]
pub(super) enum ContentIn {
    /// `"content": "..."`
    Text(String),
    /// `"content": [{"type": ...}, ...]`
    Parts(Vec<PartIn>),
}

impl<'de> Deserialize<'de> for ContentIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ContentVisitor;
        impl<'de> Visitor<'de> for ContentVisitor {
            type Value = ContentIn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of content parts")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ContentIn, E> {
                Ok(ContentIn::Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<ContentIn, E> {
                Ok(ContentIn::Text(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ContentIn, A::Error> {
                let mut parts = Vec::with_capacity(seq.size_hint().unwrap_or(1));
                while let Some(part) = seq.next_element()? {
                    parts.push(part);
                }
                Ok(ContentIn::Parts(parts))
            }
        }
        d.deserialize_any(ContentVisitor)
    }
}

/// One element of a `content` array. Only `text` and `image_url` are modelled; every other
/// part type is rebuilt verbatim by [`PartIn::into_raw`].
#[derive(Debug, Deserialize)]
pub(super) struct PartIn {
    /// The part type.
    #[serde(rename = "type")]
    pub(super) kind: Option<Tag>,
    /// Text of a `text` part.
    pub(super) text: Option<String>,
    /// Image of an `image_url` part.
    pub(super) image_url: Option<ImageUrlIn>,
    /// Part fields not modelled.
    #[serde(flatten)]
    pub(super) extra: Extras,
}

impl PartIn {
    /// The part as the JSON object the client sent, for a part type the model does not know.
    pub(super) fn into_raw(self) -> Value {
        let mut map = self.extra;
        if let Some(kind) = self.kind {
            map.insert("type".into(), Value::String(kind.as_str().to_owned()));
        }
        if let Some(text) = self.text {
            map.insert("text".into(), Value::String(text));
        }
        if let Some(image) = self.image_url {
            let mut inner = Extras::new();
            inner.insert("url".into(), Value::String(image.url.unwrap_or_default()));
            if let Some(detail) = image.detail {
                inner.insert("detail".into(), detail);
            }
            map.insert("image_url".into(), Value::Object(inner));
        }
        Value::Object(map)
    }
}

/// The `image_url` object of an image part. Keys other than `url` and `detail` do not exist
/// in the API and are not kept.
#[derive(Debug, Deserialize)]
pub(super) struct ImageUrlIn {
    /// An http(s) or `data:` URL.
    pub(super) url: Option<String>,
    /// `auto` / `low` / `high`; kept as the image part's `detail` extra.
    pub(super) detail: Option<Value>,
}

/// A tool call of an assistant message (request history or response).
#[derive(Debug, Deserialize)]
pub(super) struct ToolCallIn {
    /// Call id.
    pub(super) id: Option<String>,
    /// `function`, or `custom` for free-form tools.
    #[serde(rename = "type")]
    pub(super) kind: Option<Tag>,
    /// The called function.
    pub(super) function: Option<FunctionCallIn>,
    /// Call fields not modelled (e.g. Gemini's `extra_content` thought signatures).
    #[serde(flatten)]
    pub(super) extra: Extras,
}

impl ToolCallIn {
    /// The call as the JSON object received, for a call type the model does not know.
    pub(super) fn into_raw(self) -> Value {
        let mut map = self.extra;
        if let Some(id) = self.id {
            map.insert("id".into(), Value::String(id));
        }
        if let Some(kind) = self.kind {
            map.insert("type".into(), Value::String(kind.as_str().to_owned()));
        }
        if let Some(f) = self.function {
            let mut inner = Extras::new();
            if let Some(name) = f.name {
                inner.insert("name".into(), Value::String(name));
            }
            if let Some(arguments) = f.arguments {
                inner.insert("arguments".into(), Value::String(arguments));
            }
            map.insert("function".into(), Value::Object(inner));
        }
        Value::Object(map)
    }
}

/// The `function` object of a tool call.
#[derive(Debug, Deserialize)]
pub(super) struct FunctionCallIn {
    /// Function name.
    pub(super) name: Option<String>,
    /// Arguments as JSON text.
    pub(super) arguments: Option<String>,
}

/// `usage` of a response or of the final stream chunk.
#[derive(Debug, Deserialize, Default)]
pub(super) struct UsageIn {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    prompt_tokens_details: Option<PromptDetailsIn>,
    completion_tokens_details: Option<CompletionDetailsIn>,
    /// DeepSeek reports cache hits here instead of `prompt_tokens_details`.
    prompt_cache_hit_tokens: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct PromptDetailsIn {
    cached_tokens: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct CompletionDetailsIn {
    reasoning_tokens: Option<u64>,
}

impl UsageIn {
    /// Canonical usage. OpenAI's `prompt_tokens` already include cached tokens, which is the
    /// canonical convention, so no arithmetic is needed.
    pub(super) fn to_canonical(&self) -> Usage {
        Usage {
            input_tokens: self.prompt_tokens.unwrap_or(0),
            output_tokens: self.completion_tokens.unwrap_or(0),
            cached_input_tokens: self
                .prompt_tokens_details
                .as_ref()
                .and_then(|d| d.cached_tokens)
                .or(self.prompt_cache_hit_tokens),
            cache_creation_input_tokens: None,
            reasoning_tokens: self
                .completion_tokens_details
                .as_ref()
                .and_then(|d| d.reasoning_tokens),
        }
    }
}

/// `usage` as written to clients. Details appear only when known, so a figure the upstream
/// did not report is never invented as 0.
#[derive(Debug, Serialize)]
pub(super) struct UsageOut {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt_tokens_details: Option<PromptDetailsOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completion_tokens_details: Option<CompletionDetailsOut>,
}

#[derive(Debug, Serialize)]
struct PromptDetailsOut {
    cached_tokens: u64,
}

#[derive(Debug, Serialize)]
struct CompletionDetailsOut {
    reasoning_tokens: u64,
}

impl From<&Usage> for UsageOut {
    fn from(u: &Usage) -> Self {
        Self {
            prompt_tokens: u.input_tokens,
            completion_tokens: u.output_tokens,
            total_tokens: u.total_tokens(),
            prompt_tokens_details: u
                .cached_input_tokens
                .map(|cached_tokens| PromptDetailsOut { cached_tokens }),
            completion_tokens_details: u
                .reasoning_tokens
                .map(|reasoning_tokens| CompletionDetailsOut { reasoning_tokens }),
        }
    }
}

/// Canonical stop reason of an OpenAI `finish_reason`.
pub(super) fn stop_reason_from_wire(reason: &str) -> StopReason {
    match reason {
        "stop" => StopReason::EndTurn,
        "length" => StopReason::MaxTokens,
        // `function_call` is the deprecated spelling of a tool call.
        "tool_calls" | "function_call" => StopReason::ToolUse,
        "content_filter" => StopReason::ContentFilter,
        other => StopReason::Other(other.to_owned()),
    }
}

/// OpenAI `finish_reason` of a canonical stop reason. OpenAI reports a matched stop
/// sequence as `stop`. A reason OpenAI does not define is passed through only when
/// `verbatim_other` (it came from an OpenAI-format upstream, so the client would have seen
/// it anyway); otherwise it becomes `stop`, because typed clients reject unknown values.
pub(super) fn finish_reason_to_wire(reason: &StopReason, verbatim_other: bool) -> &str {
    match reason {
        StopReason::EndTurn | StopReason::StopSequence(_) => "stop",
        StopReason::MaxTokens => "length",
        StopReason::ToolUse => "tool_calls",
        StopReason::ContentFilter => "content_filter",
        StopReason::Other(s) if verbatim_other => s,
        StopReason::Other(_) => "stop",
    }
}

/// The `stop` parameter: a string, an array of strings, or null.
pub(super) fn deserialize_stop<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct StopVisitor;
    impl<'de> Visitor<'de> for StopVisitor {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string, an array of strings or null")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
            Ok(vec![v.to_owned()])
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1));
            while let Some(s) = seq.next_element::<String>()? {
                out.push(s);
            }
            Ok(out)
        }
    }
    d.deserialize_any(StopVisitor)
}

/// Writes the entries of an `extra` map into the surrounding object (use with
/// `#[serde(flatten)]`), leaving out keys that `skip` claims: a typed field of the same name
/// always wins, so the output never carries a key twice.
pub(super) struct ExtrasOut<'a> {
    /// The extras to write; `None` when they belong to another wire format.
    pub(super) map: Option<&'a Extras>,
    /// Keys written by typed fields.
    pub(super) skip: &'a dyn Fn(&str) -> bool,
}

impl<'a> ExtrasOut<'a> {
    /// Extras `map` (if any) minus the keys `skip` claims.
    pub(super) fn new(map: Option<&'a Extras>, skip: &'a dyn Fn(&str) -> bool) -> Self {
        Self { map, skip }
    }

    /// Writes the kept entries into an open map.
    pub(super) fn write_into<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        if let Some(extra) = self.map {
            for (k, v) in extra {
                if !(self.skip)(k) {
                    map.serialize_entry(k, v)?;
                }
            }
        }
        Ok(())
    }

    /// True when nothing would be written.
    pub(super) fn is_empty(&self) -> bool {
        self.map
            .is_none_or(|extra| extra.keys().all(|k| (self.skip)(k)))
    }
}

impl Serialize for ExtrasOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        self.write_into(&mut map)?;
        map.end()
    }
}
