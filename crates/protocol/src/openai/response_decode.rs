//! Complete (non-streamed) answers: decoding an upstream's `chat.completion` and encoding
//! one for an OpenAI client.

use super::request_encode::{is_raw_tool_call, ToolCallOut};
use super::wire::{
    finish_reason_to_wire, stop_reason_from_wire, ContentIn, ExtrasOut, PartIn, Tag, ToolCallIn,
    UsageIn, UsageOut,
};
use crate::{to_json_vec, ChatResponse, CodecError, ContentPart, Extras, StopReason, WireFormat};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;

const OPENAI: WireFormat = WireFormat::OpenAiChat;

/// Key of the response's `extra` that carries `choices[0].logprobs` (when not null). Chat
/// completions have no top-level `logprobs`, so the key cannot clash; the encoder puts it
/// back into the choice.
pub(super) const LOGPROBS: &str = "logprobs";

#[derive(Deserialize)]
struct ResponseIn {
    id: Option<String>,
    created: Option<u64>,
    model: Option<String>,
    choices: Option<Vec<ChoiceIn>>,
    usage: Option<UsageIn>,
    /// Always `chat.completion`; re-derived on encode, so not kept in `extra`.
    #[serde(rename = "object")]
    _object: Option<IgnoredAny>,
    #[serde(flatten)]
    extra: Extras,
}

#[derive(Deserialize)]
struct ChoiceIn {
    message: Option<ResponseMessageIn>,
    finish_reason: Option<String>,
    logprobs: Option<Value>,
}

/// The assistant message of a choice. Fields not listed (`annotations`, `audio`,
/// `function_call`) have no canonical place and are not kept.
#[derive(Deserialize)]
struct ResponseMessageIn {
    content: Option<ContentIn>,
    refusal: Option<String>,
    tool_calls: Option<Vec<ToolCallIn>>,
    /// Reasoning text of DeepSeek, vLLM and other OpenAI-compatible servers.
    reasoning_content: Option<String>,
    /// The newer spelling of `reasoning_content` (vLLM, OpenRouter).
    reasoning: Option<String>,
}

/// Decodes an upstream's complete answer.
pub fn decode_response(body: &[u8]) -> Result<ChatResponse, CodecError> {
    // Upstream bodies need no field paths (a bad one is the upstream's fault, not the
    // client's), so plain serde_json is enough and skips path tracking.
    let raw: ResponseIn = serde_json::from_slice(body).map_err(|e| {
        CodecError::new(format!(
            "upstream response is not a valid chat completion: {e}"
        ))
    })?;
    let mut extra = raw.extra;
    let choice = raw
        .choices
        .and_then(|c| c.into_iter().next())
        .ok_or_else(|| CodecError::field("choices", "the response has no choices"))?;
    if let Some(logprobs) = choice.logprobs.filter(|v| !v.is_null()) {
        extra.insert(LOGPROBS.into(), logprobs);
    }

    let mut content = Vec::new();
    if let Some(msg) = choice.message {
        if let Some(text) = msg.reasoning_content.or(msg.reasoning) {
            if !text.is_empty() {
                content.push(ContentPart::Thinking {
                    text,
                    signature: None,
                    extra: Extras::new(),
                });
            }
        }
        match msg.content {
            Some(ContentIn::Text(text)) if !text.is_empty() => {
                content.push(ContentPart::text(text))
            }
            Some(ContentIn::Text(_)) | None => {}
            Some(ContentIn::Parts(parts)) => {
                for p in parts {
                    content.push(match p {
                        PartIn {
                            kind: Some(Tag::Text),
                            text: Some(text),
                            extra,
                            ..
                        } => ContentPart::Text { text, extra },
                        other => ContentPart::Other {
                            format: OPENAI,
                            value: other.into_raw(),
                        },
                    });
                }
            }
        }
        if let Some(refusal) = msg.refusal {
            content.push(refusal_part(refusal));
        }
        for (j, call) in msg.tool_calls.into_iter().flatten().enumerate() {
            content.push(decode_tool_call(j, call)?);
        }
    }

    let stop_reason = choice
        .finish_reason
        .as_deref()
        .map_or(StopReason::EndTurn, stop_reason_from_wire);
    Ok(ChatResponse {
        id: raw.id.unwrap_or_default(),
        model: raw.model.unwrap_or_default(),
        content,
        stop_reason,
        usage: raw
            .usage
            .as_ref()
            .map(UsageIn::to_canonical)
            .unwrap_or_default(),
        created: raw.created.unwrap_or(0),
        source: OPENAI,
        extra,
    })
}

/// A refusal, kept as OpenAI's own refusal content part (`{"type": "refusal", "refusal":
/// ...}`): an OpenAI client gets it back in `message.refusal`, and replayed in a later
/// request it is a valid assistant content part. It is not turned into text because SDKs
/// check `refusal` before parsing structured output.
fn refusal_part(refusal: String) -> ContentPart {
    let mut value = Extras::new();
    value.insert("type".into(), Value::String("refusal".into()));
    value.insert("refusal".into(), Value::String(refusal));
    ContentPart::Other {
        format: OPENAI,
        value: Value::Object(value),
    }
}

fn decode_tool_call(j: usize, call: ToolCallIn) -> Result<ContentPart, CodecError> {
    if matches!(&call.kind, Some(Tag::Other(_))) {
        return Ok(ContentPart::Other {
            format: OPENAI,
            value: call.into_raw(),
        });
    }
    let function = call.function.ok_or_else(|| {
        CodecError::field(
            format!("choices[0].message.tool_calls[{j}].function"),
            "missing required field `function`",
        )
    })?;
    Ok(ContentPart::ToolCall {
        id: call.id.unwrap_or_default(),
        name: function.name.unwrap_or_default(),
        // Some servers omit the arguments of a call without parameters.
        arguments: function.arguments.unwrap_or_else(|| "{}".to_owned()),
        extra: call.extra,
    })
}

#[derive(Serialize)]
struct ResponseOut<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: [ChoiceOut<'a>; 1],
    usage: UsageOut,
    #[serde(flatten)]
    extra: ExtrasOut<'a>,
}

#[derive(Serialize)]
struct ChoiceOut<'a> {
    index: u32,
    message: MessageOut<'a>,
    logprobs: Option<&'a Value>,
    finish_reason: &'a str,
}

#[derive(Serialize)]
struct MessageOut<'a> {
    role: &'static str,
    content: Option<Cow<'a, str>>,
    refusal: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<ToolCallOut<'a>>,
    /// Reasoning in the de-facto field of OpenAI-compatible servers (DeepSeek, vLLM), which
    /// clients such as coding agents display; official SDKs ignore unknown fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<Cow<'a, str>>,
}

fn response_key(k: &str) -> bool {
    matches!(
        k,
        "id" | "object" | "created" | "model" | "choices" | "usage" | LOGPROBS
    )
}

/// Encodes a complete answer for a client of this format.
pub fn encode_response(resp: &ChatResponse) -> Result<Vec<u8>, CodecError> {
    let same = resp.source == OPENAI;
    let extras = resp.extras_for(OPENAI);

    let mut text = Joined::default();
    let mut reasoning = Joined::default();
    let mut refusal = None;
    let mut tool_calls = Vec::new();
    for part in &resp.content {
        match part {
            ContentPart::Text { text: t, .. } => text.push(t),
            ContentPart::Thinking { text: t, .. } => reasoning.push(t),
            ContentPart::ToolCall {
                id,
                name,
                arguments,
                extra,
            } => tool_calls.push(ToolCallOut::function(id, name, arguments, extra, same)),
            ContentPart::Other { format, value } if *format == OPENAI => {
                if is_raw_tool_call(value) {
                    tool_calls.push(ToolCallOut::Raw(value));
                } else if value.get("type").and_then(Value::as_str) == Some("refusal") {
                    refusal = value.get("refusal").and_then(Value::as_str);
                }
            }
            ContentPart::Other { .. }
            | ContentPart::Image { .. }
            | ContentPart::ToolResult { .. } => {}
        }
    }
    // `content` is null only when the answer is tool calls or a refusal and nothing else.
    let content = match text.finish() {
        Some(t) => Some(t),
        None if !tool_calls.is_empty() || refusal.is_some() => None,
        None => Some(Cow::Borrowed("")),
    };

    let out = ResponseOut {
        id: &resp.id,
        object: "chat.completion",
        created: resp.created,
        model: &resp.model,
        choices: [ChoiceOut {
            index: 0,
            message: MessageOut {
                role: "assistant",
                content,
                refusal,
                tool_calls,
                reasoning_content: reasoning.finish(),
            },
            logprobs: extras.and_then(|e| e.get(LOGPROBS)),
            finish_reason: finish_reason_to_wire(&resp.stop_reason, same),
        }],
        usage: UsageOut::from(&resp.usage),
        extra: ExtrasOut::new(extras, &response_key),
    };
    to_json_vec(&out)
}

/// Concatenation of text pieces that borrows when there is only one.
#[derive(Default)]
struct Joined<'a> {
    first: Option<&'a str>,
    rest: Option<String>,
}

impl<'a> Joined<'a> {
    fn push(&mut self, piece: &'a str) {
        match (&self.first, &mut self.rest) {
            (None, _) => self.first = Some(piece),
            (Some(first), None) => {
                let mut s = String::with_capacity(first.len() + piece.len());
                s.push_str(first);
                s.push_str(piece);
                self.rest = Some(s);
            }
            (Some(_), Some(s)) => s.push_str(piece),
        }
    }

    fn finish(self) -> Option<Cow<'a, str>> {
        match (self.first, self.rest) {
            (_, Some(s)) => Some(Cow::Owned(s)),
            (Some(first), None) => Some(Cow::Borrowed(first)),
            (None, None) => None,
        }
    }
}
