//! Canonical response and stream events -> Gemini `GenerateContentResponse` (the client
//! side): what the mock provider and test tooling answer when they play Gemini.

use super::response::call_id;
use super::wire::ExtrasOut;
use crate::canonical::{
    BlockDelta, BlockKind, ChatResponse, ContentPart, Extras, ImageSource, StopReason, StreamEvent,
    Usage, WireFormat,
};
use crate::error::{to_json_vec, CodecError};
use crate::sse::write_json_frame;
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
fn finish_reason(stop: &StopReason) -> &str {
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
fn raw_args(arguments: &str) -> Result<Box<RawValue>, CodecError> {
    let text = if arguments.trim().is_empty() {
        "{}"
    } else {
        arguments
    };
    RawValue::from_string(text.to_owned())
        .map_err(|e| CodecError::new(format!("tool call arguments are not valid JSON: {e}")))
}

// ------------------------------------------------------------------------------------------
// Streaming
// ------------------------------------------------------------------------------------------

/// Writes canonical stream events as Gemini `streamGenerateContent?alt=sse` chunks.
///
/// Each text or thinking delta is one chunk; a tool call is buffered until its block
/// stops and sent whole, as Gemini does. Usage is held back and sent with the final
/// chunk (`finishReason` + `usageMetadata`), which [`finish`](Self::finish) writes: Gemini
/// streams have no other end marker. Every chunk repeats `responseId` and `modelVersion`,
/// as the API's chunks do.
#[derive(Debug, Default)]
pub struct StreamEncoder {
    id: String,
    model: String,
    /// Open tool-call blocks: `(index, id, name, arguments so far)`.
    calls: Vec<(usize, String, String, String)>,
    /// Calls sent, for deciding whether an id was generated.
    sent_calls: usize,
    usage: Usage,
    stop: Option<StopReason>,
}

impl StreamEncoder {
    /// A new encoder. Gemini streams always carry usage, so `include_usage` changes
    /// nothing.
    pub fn new(include_usage: bool) -> Self {
        let _ = include_usage;
        Self::default()
    }

    /// Appends zero or more complete SSE frames for `event` to `out`.
    pub fn encode(&mut self, event: &StreamEvent, out: &mut Vec<u8>) -> Result<(), CodecError> {
        match event {
            StreamEvent::Start { id, model } => {
                self.id.clone_from(id);
                self.model.clone_from(model);
            }
            StreamEvent::BlockStart { index, block } => match block {
                BlockKind::ToolCall { id, name } => {
                    self.calls
                        .push((*index, id.clone(), name.clone(), String::new()));
                }
                BlockKind::Other { format, value } if *format == WireFormat::Gemini => {
                    self.chunk(vec![PartOut::Raw(value)], out)?;
                }
                BlockKind::Text | BlockKind::Thinking | BlockKind::Other { .. } => {}
            },
            StreamEvent::Delta { index, delta } => match delta {
                BlockDelta::Text(text) => {
                    let part = PartOut::known(PartData::Text(text), None, ExtrasOut::NONE);
                    self.chunk(vec![part], out)?;
                }
                BlockDelta::Thinking(text) => {
                    let part = PartOut::known(PartData::Text(text), Some(true), ExtrasOut::NONE);
                    self.chunk(vec![part], out)?;
                }
                BlockDelta::ToolArguments(fragment) => {
                    if let Some(call) = self.calls.iter_mut().find(|c| c.0 == *index) {
                        call.3.push_str(fragment);
                    }
                }
                BlockDelta::Signature(_) | BlockDelta::Other { .. } => {}
            },
            StreamEvent::BlockStop { index } => {
                if let Some(pos) = self.calls.iter().position(|c| c.0 == *index) {
                    let (_, id, name, arguments) = self.calls.remove(pos);
                    let generated = call_id(&self.id, self.sent_calls);
                    self.sent_calls += 1;
                    let args = raw_args(&arguments)?;
                    let call = FunctionCallOut {
                        id: (id != generated).then_some(id.as_str()),
                        name: &name,
                        args,
                    };
                    let part = PartOut::known(PartData::FunctionCall(call), None, ExtrasOut::NONE);
                    self.chunk(vec![part], out)?;
                }
            }
            StreamEvent::Usage(usage) => self.usage = *usage,
            StreamEvent::Finish { stop_reason } => self.stop = Some(stop_reason.clone()),
            StreamEvent::Error { kind, message } => {
                let body = ErrorOut {
                    error: ErrorBody {
                        code: status_code(kind),
                        message,
                        status: kind,
                    },
                };
                write_json_frame(out, None, &body)?;
            }
        }
        Ok(())
    }

    /// Appends the final chunk: `finishReason` and the usage of the whole answer.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        let stop = self.stop.take().unwrap_or(StopReason::EndTurn);
        let body = ResponseOut {
            candidates: vec![CandidateOut {
                content: None,
                finish_reason: finish_reason(&stop),
                extra: ExtrasOut::NONE,
            }],
            usage_metadata: UsageOut::new(&self.usage, None),
            model_version: &self.model,
            response_id: &self.id,
            extra: ExtrasOut::NONE,
        };
        write_json_frame(out, None, &body)
    }

    /// One chunk carrying `parts`.
    fn chunk(&self, parts: Vec<PartOut<'_>>, out: &mut Vec<u8>) -> Result<(), CodecError> {
        let body = ChunkOut {
            candidates: [ChunkCandidate {
                content: ContentOut {
                    role: "model",
                    parts,
                },
            }],
            model_version: &self.model,
            response_id: &self.id,
        };
        write_json_frame(out, None, &body)
    }
}

/// The HTTP code Google pairs with a status name (500 for names it does not know).
fn status_code(status: &str) -> u16 {
    match status {
        "INVALID_ARGUMENT" | "FAILED_PRECONDITION" | "OUT_OF_RANGE" => 400,
        "UNAUTHENTICATED" => 401,
        "PERMISSION_DENIED" => 403,
        "NOT_FOUND" => 404,
        "RESOURCE_EXHAUSTED" => 429,
        "UNAVAILABLE" => 503,
        "DEADLINE_EXCEEDED" => 504,
        _ => 500,
    }
}

// ------------------------------------------------------------------------------------------
// Wire shapes of answers (written)
// ------------------------------------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResponseOut<'a> {
    candidates: Vec<CandidateOut<'a>>,
    usage_metadata: UsageOut<'a>,
    #[serde(skip_serializing_if = "str::is_empty")]
    model_version: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    response_id: &'a str,
    #[serde(flatten)]
    extra: ExtrasOut<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CandidateOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<ContentOut<'a>>,
    finish_reason: &'a str,
    #[serde(flatten)]
    extra: ExtrasOut<'a>,
}

#[derive(Serialize)]
struct ContentOut<'a> {
    role: &'static str,
    parts: Vec<PartOut<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChunkOut<'a> {
    candidates: [ChunkCandidate<'a>; 1],
    #[serde(skip_serializing_if = "str::is_empty")]
    model_version: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    response_id: &'a str,
}

#[derive(Serialize)]
struct ChunkCandidate<'a> {
    content: ContentOut<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum PartOut<'a> {
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
    fn known(data: PartData<'a>, thought: Option<bool>, extra: ExtrasOut<'a>) -> Self {
        Self::Known {
            data,
            thought,
            extra,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
enum PartData<'a> {
    Text(&'a str),
    FunctionCall(FunctionCallOut<'a>),
    InlineData(BlobOut<'a>),
    FileData(FileDataOut<'a>),
}

#[derive(Serialize)]
struct FunctionCallOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    name: &'a str,
    args: Box<RawValue>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BlobOut<'a> {
    mime_type: &'a str,
    data: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileDataOut<'a> {
    file_uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UsageOut<'a> {
    prompt_token_count: u64,
    candidates_token_count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    cached_content_token_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thoughts_token_count: Option<u64>,
    total_token_count: u64,
    #[serde(flatten)]
    extra: ExtrasOut<'a>,
}

impl<'a> UsageOut<'a> {
    /// Gemini counts thoughts apart from the candidates; canonical output includes them.
    fn new(usage: &Usage, residual: Option<&'a Extras>) -> Self {
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

#[derive(Serialize)]
struct ErrorOut<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: u16,
    message: &'a str,
    status: &'a str,
}
