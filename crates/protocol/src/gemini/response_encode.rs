//! Client side (test-only): a canonical response as a Gemini `GenerateContentResponse`.
//! The gateway never serves Gemini; this side exists so that the provider side can be
//! checked by round trips (see `gemini/mod.rs`).

use super::response_decode::call_id;
use super::wire::ExtrasOut;
use crate::canonical::{
    ChatResponse, ContentPart, Extras, ImageSource, StopReason, Usage, WireFormat,
};
use crate::error::{to_json_vec, CodecError};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

const TOP_KEYS: &[&str] = &["candidates", "usageMetadata", "modelVersion", "responseId"];
const CANDIDATE_KEYS: &[&str] = &["content", "finishReason"];
const USAGE_KEYS: &[&str] = &[
    "promptTokenCount",
    "candidatesTokenCount",
    "cachedContentTokenCount",
    "thoughtsTokenCount",
    "toolUsePromptTokenCount",
    "totalTokenCount",
];
const PART_KEYS: &[&str] = &["text", "thought", "functionCall", "inlineData", "fileData"];

/// Encodes a complete answer as a Gemini `GenerateContentResponse`.
///
/// One candidate holds the content: text, thoughts (`thought: true`), function calls
/// (with their `id` only when it is not the one [`decode_response`](super::decode_response)
/// would generate, so that ids survive a round trip), images, and Gemini parts kept
/// verbatim. `EndTurn`, `ToolUse` and stop sequences are `STOP`, a content filter is
/// `SAFETY`. Same-format extras go back to their wire position.
pub fn encode_response(resp: &ChatResponse) -> Result<Vec<u8>, CodecError> {
    let extras = resp.extras_for(WireFormat::Gemini);
    let residual = |key: &str| {
        extras.and_then(|e| e.get(key)).and_then(|v| match v {
            Value::Array(a) => a.first().and_then(Value::as_object),
            other => other.as_object(),
        })
    };
    let mut parts = Vec::with_capacity(resp.content.len());
    let mut calls = 0;
    for part in &resp.content {
        if let Some(p) = part_out(part, &resp.id, &mut calls, extras.is_some())? {
            parts.push(p);
        }
    }
    let body = ResponseOut {
        candidates: vec![CandidateOut {
            content: Some(ContentOut {
                role: "model",
                parts,
            }),
            finish_reason: finish_reason(&resp.stop_reason),
            extra: ExtrasOut::new(residual("candidates"), CANDIDATE_KEYS),
        }],
        usage_metadata: UsageOut::new(&resp.usage, residual("usageMetadata")),
        model_version: &resp.model,
        response_id: &resp.id,
        extra: ExtrasOut::new(extras, TOP_KEYS),
    };
    to_json_vec(&body)
}

/// Gemini's `finishReason` for a canonical stop reason.
pub(super) fn finish_reason(stop: &StopReason) -> &str {
    match stop {
        StopReason::EndTurn | StopReason::ToolUse | StopReason::StopSequence(_) => "STOP",
        StopReason::MaxTokens => "MAX_TOKENS",
        StopReason::ContentFilter => "SAFETY",
        StopReason::Other(other) => other,
    }
}

/// One response part; `None` for content Gemini answers cannot hold.
fn part_out<'a>(
    part: &'a ContentPart,
    response_id: &str,
    calls: &mut usize,
    same_format: bool,
) -> Result<Option<PartOut<'a>>, CodecError> {
    let extras = |extra: &'a Extras| ExtrasOut::new(same_format.then_some(extra), PART_KEYS);
    let out = match part {
        ContentPart::Text { text, extra } => {
            PartOut::known(PartData::Text(text), None, extras(extra))
        }
        ContentPart::Thinking { text, extra, .. } => {
            PartOut::known(PartData::Text(text), Some(true), extras(extra))
        }
        ContentPart::ToolCall {
            id,
            name,
            arguments,
            extra,
        } => {
            let generated = call_id(response_id, *calls);
            *calls += 1;
            let args = raw_args(arguments)?;
            let call = FunctionCallOut {
                id: (*id != generated).then_some(id.as_str()),
                name,
                args,
            };
            PartOut::known(PartData::FunctionCall(call), None, extras(extra))
        }
        ContentPart::Image { source, extra } => {
            let data = match source {
                ImageSource::Base64 { media_type, data } => PartData::InlineData(BlobOut {
                    mime_type: media_type,
                    data,
                }),
                ImageSource::Url(url) => PartData::FileData(FileDataOut { file_uri: url }),
            };
            PartOut::known(data, None, extras(extra))
        }
        ContentPart::Other { format, value } if *format == WireFormat::Gemini => {
            PartOut::Raw(value)
        }
        ContentPart::Other { .. } | ContentPart::ToolResult { .. } => return Ok(None),
    };
    Ok(Some(out))
}

/// Tool-call arguments as a JSON object (`{}` when empty).
pub(super) fn raw_args(arguments: &str) -> Result<Box<RawValue>, CodecError> {
    let text = if arguments.trim().is_empty() {
        "{}"
    } else {
        arguments
    };
    RawValue::from_string(text.to_owned())
        .map_err(|e| CodecError::new(format!("tool call arguments are not valid JSON: {e}")))
}

// ------------------------------------------------------------------------------------------
// Wire shapes of answers (written), shared with the stream encoder
// ------------------------------------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ResponseOut<'a> {
    pub(super) candidates: Vec<CandidateOut<'a>>,
    pub(super) usage_metadata: UsageOut<'a>,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub(super) model_version: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub(super) response_id: &'a str,
    #[serde(flatten)]
    pub(super) extra: ExtrasOut<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CandidateOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) content: Option<ContentOut<'a>>,
    pub(super) finish_reason: &'a str,
    #[serde(flatten)]
    pub(super) extra: ExtrasOut<'a>,
}

#[derive(Serialize)]
pub(super) struct ContentOut<'a> {
    pub(super) role: &'static str,
    pub(super) parts: Vec<PartOut<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum PartOut<'a> {
    Known {
        #[serde(flatten)]
        data: PartData<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        thought: Option<bool>,
        #[serde(flatten)]
        extra: ExtrasOut<'a>,
    },
    Raw(&'a Value),
}

impl<'a> PartOut<'a> {
    pub(super) fn known(data: PartData<'a>, thought: Option<bool>, extra: ExtrasOut<'a>) -> Self {
        Self::Known {
            data,
            thought,
            extra,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum PartData<'a> {
    Text(&'a str),
    FunctionCall(FunctionCallOut<'a>),
    InlineData(BlobOut<'a>),
    FileData(FileDataOut<'a>),
}

#[derive(Serialize)]
pub(super) struct FunctionCallOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) id: Option<&'a str>,
    pub(super) name: &'a str,
    pub(super) args: Box<RawValue>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BlobOut<'a> {
    pub(super) mime_type: &'a str,
    pub(super) data: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FileDataOut<'a> {
    pub(super) file_uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UsageOut<'a> {
    pub(super) prompt_token_count: u64,
    pub(super) candidates_token_count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) cached_content_token_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) thoughts_token_count: Option<u64>,
    pub(super) total_token_count: u64,
    #[serde(flatten)]
    pub(super) extra: ExtrasOut<'a>,
}

impl<'a> UsageOut<'a> {
    /// Gemini counts thoughts apart from the candidates; canonical output includes them.
    pub(super) fn new(usage: &Usage, residual: Option<&'a Extras>) -> Self {
        let thoughts = usage.reasoning_tokens;
        Self {
            prompt_token_count: usage.input_tokens,
            candidates_token_count: usage.output_tokens.saturating_sub(thoughts.unwrap_or(0)),
            cached_content_token_count: usage.cached_input_tokens,
            thoughts_token_count: thoughts,
            total_token_count: usage.total_tokens(),
            extra: ExtrasOut::new(residual, USAGE_KEYS),
        }
    }
}
