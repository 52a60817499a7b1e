//! Provider side: an upstream's complete (non-streamed) `chat.completion` into a canonical
//! [`ChatResponse`].

use super::wire::{stop_reason_from_wire, ContentIn, PartIn, Tag, ToolCallIn, UsageIn};
use crate::{ChatResponse, CodecError, ContentPart, Extras, StopReason, WireFormat};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

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
