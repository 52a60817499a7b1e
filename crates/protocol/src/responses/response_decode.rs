//! Provider side: an upstream's Responses API `response` object into a canonical
//! [`ChatResponse`].

use super::wire::{custom_arguments, stop_reason_of, usage_in, RESPONSES};
use crate::{from_json_slice, ChatResponse, CodecError, ContentPart, Extras};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct ResponseIn {
    id: Option<String>,
    model: Option<String>,
    created_at: Option<f64>,
    status: Option<String>,
    incomplete_details: Option<Value>,
    output: Option<Vec<Value>>,
    usage: Option<Value>,
    #[serde(flatten)]
    extra: Extras,
}

/// Top-level fields that repeat the request: a response re-encoded for the client repeats
/// the client's own request instead.
const ECHO_KEYS: [&str; 20] = [
    "object",
    "error",
    "instructions",
    "max_output_tokens",
    "max_tool_calls",
    "metadata",
    "parallel_tool_calls",
    "previous_response_id",
    "prompt_cache_key",
    "reasoning",
    "safety_identifier",
    "store",
    "temperature",
    "text",
    "tool_choice",
    "tools",
    "top_p",
    "truncation",
    "user",
    "background",
];

/// Decodes an upstream's complete answer.
pub fn decode_response(body: &[u8]) -> Result<ChatResponse, CodecError> {
    let raw: ResponseIn = from_json_slice(body)?;
    let mut content = Vec::new();
    let mut tool_calls = false;
    for item in raw.output.unwrap_or_default() {
        tool_calls |= decode_output_item(item, &mut content);
    }
    let mut extra = raw.extra;
    for key in ECHO_KEYS {
        extra.remove(key);
    }
    Ok(ChatResponse {
        id: raw.id.unwrap_or_default(),
        model: raw.model.unwrap_or_default(),
        content,
        stop_reason: stop_reason_of(
            raw.status.as_deref(),
            raw.incomplete_details.as_ref(),
            tool_calls,
        ),
        usage: usage_in(raw.usage.as_ref()),
        created: raw.created_at.map_or(0, |t| t as u64),
        source: RESPONSES,
        extra,
    })
}

/// Appends the canonical parts of one output item; true when it is a tool call.
pub(super) fn decode_output_item(item: Value, content: &mut Vec<ContentPart>) -> bool {
    let Value::Object(mut obj) = item else {
        return false;
    };
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let string = |obj: &mut Extras, key: &str| match obj.remove(key) {
        Some(Value::String(s)) => s,
        _ => String::new(),
    };
    match kind.as_str() {
        "message" => {
            if let Some(Value::Array(parts)) = obj.remove("content") {
                for part in parts {
                    match part {
                        Value::Object(mut p)
                            if p.get("type").and_then(Value::as_str) == Some("output_text") =>
                        {
                            p.remove("type");
                            let text = string(&mut p, "text");
                            // An empty list is what every answer has; only real annotations
                            // are worth keeping.
                            if p.get("annotations")
                                .is_some_and(|a| a.as_array().is_some_and(Vec::is_empty))
                            {
                                p.remove("annotations");
                            }
                            content.push(ContentPart::Text { text, extra: p });
                        }
                        other => content.push(ContentPart::Other {
                            format: RESPONSES,
                            value: other,
                        }),
                    }
                }
            }
            false
        }
        "reasoning" => {
            let mut text = String::new();
            if let Some(Value::Array(summary)) = obj.get("summary") {
                for part in summary {
                    if let Some(t) = part.get("text").and_then(Value::as_str) {
                        if !text.is_empty() {
                            text.push_str("\n\n");
                        }
                        text.push_str(t);
                    }
                }
            }
            obj.remove("type");
            content.push(ContentPart::Thinking {
                text,
                signature: None,
                extra: obj,
            });
            false
        }
        "function_call" | "custom_tool_call" => {
            let call_id = string(&mut obj, "call_id");
            let name = string(&mut obj, "name");
            let arguments = if kind == "function_call" {
                obj.remove("type");
                string(&mut obj, "arguments")
            } else {
                custom_arguments(&string(&mut obj, "input"))
            };
            obj.remove("status");
            content.push(ContentPart::ToolCall {
                id: call_id,
                name,
                arguments,
                extra: obj,
            });
            true
        }
        _ => {
            content.push(ContentPart::Other {
                format: RESPONSES,
                value: Value::Object(obj),
            });
            false
        }
    }
}
