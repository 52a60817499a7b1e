//! Shapes and mappings shared by several files of the Responses codec.

use crate::{StopReason, Tool, Usage, WireFormat};
use serde_json::{json, Value};

/// This codec's format.
pub(super) const RESPONSES: WireFormat = WireFormat::OpenAiResponses;

/// Key of a message's `extra` marking the system message decoded from `instructions`: the
/// encoder writes that message back as `instructions`, not as an input item.
pub(super) const INSTRUCTIONS: &str = "instructions";

/// Name of the single string parameter a freeform (`custom`) tool gets when it is offered to
/// a format that only knows function tools; its calls carry `{"input": "<text>"}`.
pub(super) const CUSTOM_INPUT: &str = "input";

/// Whether a canonical tool is a Responses freeform (`custom`) tool.
pub(super) fn is_custom_tool(tool: &Tool, own: bool) -> bool {
    match tool {
        Tool::Function(f) => own && f.extra.get("type").and_then(Value::as_str) == Some("custom"),
        Tool::Other { .. } => false,
    }
}

/// The JSON schema a freeform tool is offered with where only function tools exist.
pub(super) fn custom_tool_parameters(format: Option<&Value>) -> Value {
    let mut hint = "The raw input of the tool, as free text".to_owned();
    if let Some(definition) = format
        .and_then(|f| f.get("definition"))
        .and_then(Value::as_str)
    {
        // Grammar-constrained tools (Codex's `apply_patch`) describe their input language:
        // a model without grammar support needs to see it.
        hint.push_str(", following this grammar:\n");
        hint.push_str(definition);
    }
    json!({
        "type": "object",
        "properties": {CUSTOM_INPUT: {"type": "string", "description": hint}},
        "required": [CUSTOM_INPUT],
        "additionalProperties": false
    })
}

/// The freeform input carried by a function-style call of a custom tool: the `input` string
/// of its JSON arguments, or the arguments themselves when they are not that shape.
pub(super) fn custom_input(arguments: &str) -> String {
    match serde_json::from_str::<Value>(arguments) {
        Ok(Value::Object(mut map)) => match map.remove(CUSTOM_INPUT) {
            Some(Value::String(s)) => s,
            _ => arguments.to_owned(),
        },
        _ => arguments.to_owned(),
    }
}

/// Function-call arguments carrying a freeform input.
pub(super) fn custom_arguments(input: &str) -> String {
    json!({ CUSTOM_INPUT: input }).to_string()
}

/// The Responses `usage` object.
pub(super) fn usage_out(u: &Usage) -> Value {
    json!({
        "input_tokens": u.input_tokens,
        "input_tokens_details": {"cached_tokens": u.cached_input_tokens.unwrap_or(0)},
        "output_tokens": u.output_tokens,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens.unwrap_or(0)},
        "total_tokens": u.total_tokens(),
    })
}

/// A Responses `usage` object (absent or malformed counts are zero).
pub(super) fn usage_in(v: Option<&Value>) -> Usage {
    let Some(v) = v else {
        return Usage::default();
    };
    let n = |p: &str| v.pointer(p).and_then(Value::as_u64);
    Usage {
        input_tokens: n("/input_tokens").unwrap_or(0),
        output_tokens: n("/output_tokens").unwrap_or(0),
        cached_input_tokens: n("/input_tokens_details/cached_tokens"),
        cache_creation_input_tokens: None,
        reasoning_tokens: n("/output_tokens_details/reasoning_tokens"),
    }
}

/// `status` and `incomplete_details` of a finished response.
pub(super) fn status_of(stop: &StopReason) -> (&'static str, Value) {
    match stop {
        StopReason::MaxTokens => ("incomplete", json!({"reason": "max_output_tokens"})),
        StopReason::ContentFilter => ("incomplete", json!({"reason": "content_filter"})),
        _ => ("completed", Value::Null),
    }
}

/// The stop reason of a finished Responses object.
pub(super) fn stop_reason_of(
    status: Option<&str>,
    details: Option<&Value>,
    tool_calls: bool,
) -> StopReason {
    let reason = details
        .and_then(|d| d.get("reason"))
        .and_then(Value::as_str);
    match (status, reason) {
        (Some("incomplete"), Some("max_output_tokens")) => StopReason::MaxTokens,
        (Some("incomplete"), Some("content_filter")) => StopReason::ContentFilter,
        (Some("incomplete"), Some(other)) => StopReason::Other(other.to_owned()),
        _ if tool_calls => StopReason::ToolUse,
        _ => StopReason::EndTurn,
    }
}

/// A response id in OpenAI's `resp_` form (upstreams of other formats have their own ids).
pub(super) fn response_id(id: &str) -> String {
    if id.starts_with("resp_") {
        id.to_owned()
    } else {
        format!(
            "resp_{}",
            id.trim_start_matches("chatcmpl-")
                .trim_start_matches("msg_")
        )
    }
}

/// Whether a verbatim value of this format is a content part (inside a message) rather than
/// a whole item: `Other` parts hold both.
pub(super) fn is_part_type(kind: Option<&str>) -> bool {
    matches!(
        kind,
        Some(
            "input_text"
                | "output_text"
                | "input_image"
                | "input_file"
                | "input_audio"
                | "refusal"
                | "summary_text"
                | "reasoning_text"
        )
    )
}
