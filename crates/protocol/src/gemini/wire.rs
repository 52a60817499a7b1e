//! Serde shapes of the Gemini `generateContent` wire format.
//!
//! Outgoing shapes borrow from the canonical request (`&'a str`, `&'a RawValue`) so that a
//! request is serialized once without copying its text. Incoming shapes are typed structs
//! with a flattened `extra` map: serde deserializes the known fields directly and buffers
//! only the unknown ones, so keeping extras costs little.

use crate::canonical::Extras;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;

// ------------------------------------------------------------------------------------------
// Shared helpers
// ------------------------------------------------------------------------------------------

/// Extras of one wire object, re-emitted by flattening, minus the keys the codec writes
/// itself (so a same-format extra can never produce a duplicate JSON key).
#[derive(Clone, Copy)]
pub(super) struct ExtrasOut<'a> {
    pub map: Option<&'a Extras>,
    pub skip: &'static [&'static str],
}

impl<'a> ExtrasOut<'a> {
    /// No extras.
    pub const NONE: ExtrasOut<'static> = ExtrasOut {
        map: None,
        skip: &[],
    };

    /// `map`'s entries except `skip`.
    pub fn new(map: Option<&'a Extras>, skip: &'static [&'static str]) -> Self {
        Self { map, skip }
    }

    /// Whether the map holds `key` (and would emit it).
    pub fn has(&self, key: &str) -> bool {
        !self.skip.contains(&key) && self.map.is_some_and(|m| m.contains_key(key))
    }

    /// Whether nothing would be emitted.
    pub fn is_empty(&self) -> bool {
        self.map
            .is_none_or(|m| m.keys().all(|k| self.skip.contains(&k.as_str())))
    }
}

impl Serialize for ExtrasOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(extras) = self.map {
            for (k, v) in extras {
                if !self.skip.contains(&k.as_str()) {
                    map.serialize_entry(k, v)?;
                }
            }
        }
        map.end()
    }
}

/// A JSON schema passed through unchanged except for a top-level `$schema` key, which
/// describes the schema dialect rather than the data and is not part of Gemini's supported
/// keyword set.
pub(super) struct SchemaOut<'a>(pub &'a Value);

impl Serialize for SchemaOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(obj) => {
                let mut map = serializer.serialize_map(None)?;
                for (k, v) in obj {
                    if k != "$schema" {
                        map.serialize_entry(k, v)?;
                    }
                }
                map.end()
            }
            other => other.serialize(serializer),
        }
    }
}

// ------------------------------------------------------------------------------------------
// Request (what the gateway sends upstream)
// ------------------------------------------------------------------------------------------

/// `GenerateContentRequest` body.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RequestOut<'a> {
    pub contents: Vec<ContentOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_instruction: Option<SystemInstructionOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_config: Option<ToolConfigOut<'a>>,
    #[serde(skip_serializing_if = "GenerationConfigOut::is_empty")]
    pub generation_config: GenerationConfigOut<'a>,
    #[serde(flatten)]
    pub extra: ExtrasOut<'a>,
}

/// `systemInstruction`: text parts only.
#[derive(Serialize)]
pub(super) struct SystemInstructionOut<'a> {
    pub parts: Vec<TextOut<'a>>,
}

/// `{"text": ...}`.
#[derive(Serialize)]
pub(super) struct TextOut<'a> {
    pub text: &'a str,
}

/// One `Content` turn.
#[derive(Serialize)]
pub(super) struct ContentOut<'a> {
    pub role: &'static str,
    pub parts: Vec<PartOut<'a>>,
    #[serde(flatten)]
    pub extra: ExtrasOut<'a>,
}

/// One `Part`: a known kind, or a Gemini part kept verbatim (`ContentPart::Other`).
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum PartOut<'a> {
    Known(KnownPart<'a>),
    Raw(&'a Value),
}

/// A part the codec writes field by field.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KnownPart<'a> {
    #[serde(flatten)]
    pub data: PartData<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thought: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thought_signature: Option<&'a str>,
    #[serde(flatten)]
    pub extra: ExtrasOut<'a>,
}

/// The data member of a part (exactly one per part).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum PartData<'a> {
    Text(&'a str),
    InlineData(BlobOut<'a>),
    FileData(FileDataOut<'a>),
    FunctionCall(FunctionCallOut<'a>),
    FunctionResponse(FunctionResponseOut<'a>),
}

/// `inlineData`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BlobOut<'a> {
    pub mime_type: &'a str,
    pub data: &'a str,
}

/// `fileData`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FileDataOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<&'static str>,
    pub file_uri: &'a str,
}

/// `functionCall`; `args` is the canonical JSON text embedded verbatim.
#[derive(Serialize)]
pub(super) struct FunctionCallOut<'a> {
    pub name: &'a str,
    pub args: &'a RawValue,
}

/// `functionResponse`.
#[derive(Serialize)]
pub(super) struct FunctionResponseOut<'a> {
    pub name: &'a str,
    pub response: ResponseBody<'a>,
}

/// The `response` object of a `functionResponse`: a tool's JSON object as is, or its
/// result wrapped under one key (`result`, or `error` for failures).
pub(super) struct ResponseBody<'a> {
    pub key: Option<&'static str>,
    pub payload: Payload<'a>,
}

/// A tool result's content.
pub(super) enum Payload<'a> {
    /// Plain text.
    Text(Cow<'a, str>),
    /// A JSON value borrowed from the request.
    Borrowed(&'a RawValue),
    /// A JSON value from joined text.
    Owned(Box<RawValue>),
}

impl Serialize for Payload<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(t) => serializer.serialize_str(t),
            Self::Borrowed(raw) => raw.serialize(serializer),
            Self::Owned(raw) => raw.serialize(serializer),
        }
    }
}

impl Serialize for ResponseBody<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.key {
            None => self.payload.serialize(serializer),
            Some(key) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(key, &self.payload)?;
                map.end()
            }
        }
    }
}

/// One entry of `tools`.
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum ToolOut<'a> {
    Functions {
        #[serde(rename = "functionDeclarations")]
        function_declarations: Vec<FunctionDeclarationOut<'a>>,
    },
    Raw(&'a Value),
}

/// `FunctionDeclaration`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FunctionDeclarationOut<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters_json_schema: Option<SchemaOut<'a>>,
    #[serde(flatten)]
    pub extra: ExtrasOut<'a>,
}

/// `toolConfig`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ToolConfigOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_calling_config: Option<FunctionCallingConfigOut<'a>>,
    #[serde(flatten)]
    pub extra: ExtrasOut<'a>,
}

/// `functionCallingConfig`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FunctionCallingConfigOut<'a> {
    pub mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_function_names: Option<[&'a str; 1]>,
}

/// `generationConfig`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GenerationConfigOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub stop_sequences: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_mime_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_json_schema: Option<SchemaOut<'a>>,
    #[serde(flatten)]
    pub extra: ExtrasOut<'a>,
}

impl GenerationConfigOut<'_> {
    /// Whether the object would serialize as `{}` (then it is left out).
    pub fn is_empty(&self) -> bool {
        self.max_output_tokens.is_none()
            && self.temperature.is_none()
            && self.top_p.is_none()
            && self.stop_sequences.is_empty()
            && self.seed.is_none()
            && self.response_mime_type.is_none()
            && self.response_json_schema.is_none()
            && self.extra.is_empty()
    }
}

// ------------------------------------------------------------------------------------------
// Response (what the upstream answers; also one streamed chunk)
// ------------------------------------------------------------------------------------------

/// `GenerateContentResponse`, or an error envelope (`{"error": {...}}`) that a stream may
/// carry in place of a chunk.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ResponseIn<'a> {
    #[serde(default, borrow)]
    pub candidates: Vec<CandidateIn<'a>>,
    #[serde(default)]
    pub usage_metadata: Option<UsageIn>,
    #[serde(default)]
    pub model_version: Option<String>,
    #[serde(default)]
    pub response_id: Option<String>,
    #[serde(default)]
    pub error: Option<ErrorBodyIn>,
    /// Everything else (`promptFeedback`, `createTime`, ...).
    #[serde(flatten)]
    pub extra: Extras,
}

/// One `Candidate`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CandidateIn<'a> {
    #[serde(default, borrow)]
    pub content: Option<ContentIn<'a>>,
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// `index`, `safetyRatings`, `finishMessage`, `citationMetadata`, ...
    #[serde(flatten)]
    pub extra: Extras,
}

/// One streamed chunk: the fields a stream decoder reads, nothing else. Unknown fields
/// (safety ratings, `createTime`, ...) are skipped without being buffered, because every
/// chunk of every stream passes through here.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ChunkIn<'a> {
    #[serde(default, borrow)]
    pub candidates: Vec<ChunkCandidateIn<'a>>,
    #[serde(default)]
    pub usage_metadata: Option<UsageIn>,
    #[serde(default)]
    pub model_version: Option<String>,
    #[serde(default)]
    pub response_id: Option<String>,
    #[serde(default)]
    pub prompt_feedback: Option<PromptFeedbackIn>,
    #[serde(default)]
    pub error: Option<ErrorBodyIn>,
}

/// A candidate of a streamed chunk.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ChunkCandidateIn<'a> {
    #[serde(default, borrow)]
    pub content: Option<ContentIn<'a>>,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// `promptFeedback`, as far as a stream needs it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PromptFeedbackIn {
    #[serde(default)]
    pub block_reason: Option<String>,
}

/// A candidate's `Content` (its `role` is always `model` and is not kept).
#[derive(Deserialize)]
pub(super) struct ContentIn<'a> {
    #[serde(default, borrow)]
    pub parts: Vec<PartIn<'a>>,
}

/// One response `Part`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PartIn<'a> {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub thought: Option<bool>,
    #[serde(default)]
    pub thought_signature: Option<String>,
    #[serde(default, borrow)]
    pub function_call: Option<FunctionCallIn<'a>>,
    /// Other members (`inlineData`, `executableCode`, `videoMetadata`, ...).
    #[serde(flatten)]
    pub extra: Extras,
}

/// `functionCall` in a response; `args` is kept as the raw JSON text.
#[derive(Deserialize)]
pub(super) struct FunctionCallIn<'a> {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, borrow)]
    pub args: Option<&'a RawValue>,
}

/// `usageMetadata`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct UsageIn {
    #[serde(default)]
    pub prompt_token_count: u64,
    #[serde(default)]
    pub candidates_token_count: u64,
    #[serde(default)]
    pub cached_content_token_count: Option<u64>,
    #[serde(default)]
    pub thoughts_token_count: Option<u64>,
    #[serde(default)]
    pub tool_use_prompt_token_count: Option<u64>,
    /// The sum of the counts above: derivable, so not kept.
    #[serde(default, rename = "totalTokenCount")]
    pub _total_token_count: Option<serde::de::IgnoredAny>,
    /// `promptTokensDetails`, `trafficType`, ... (not modelled).
    #[serde(flatten)]
    pub extra: Extras,
}

// ------------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------------

/// The `error` member of Google's error envelope (`google.rpc.Status` in JSON).
#[derive(Deserialize, Default)]
pub(super) struct ErrorBodyIn {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

impl ErrorBodyIn {
    /// `(status, message)`: the status name (`RESOURCE_EXHAUSTED`) is the error type; the
    /// numeric code stands in when a body has no status.
    pub fn into_pair(self) -> (String, String) {
        let kind = match (self.status, self.code) {
            (Some(s), _) if !s.is_empty() => s,
            (_, Some(code)) => code.to_string(),
            _ => "UNKNOWN".to_owned(),
        };
        (kind, self.message.unwrap_or_default())
    }
}

/// Google's error envelope.
#[derive(Deserialize)]
pub(super) struct ErrorEnvelopeIn {
    pub error: ErrorBodyIn,
}

/// Error envelope written for clients: `google.rpc.Status` with optional details.
#[derive(Serialize)]
pub(super) struct ErrorEnvelopeOut<'a> {
    pub error: ErrorBodyOut<'a>,
}

/// `google.rpc.Status` as JSON.
#[derive(Serialize)]
pub(super) struct ErrorBodyOut<'a> {
    pub code: u16,
    pub message: &'a str,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Value>,
}
