//! Client side: a canonical [`ChatResponse`] as a complete (non-streamed) `chat.completion`.

use super::request_encode::{is_raw_tool_call, ToolCallOut};
use super::response_decode::LOGPROBS;
use super::wire::{finish_reason_to_wire, ExtrasOut, UsageOut};
use crate::{to_json_vec, ChatResponse, CodecError, ContentPart, WireFormat};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;

const OPENAI: WireFormat = WireFormat::OpenAiChat;

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
