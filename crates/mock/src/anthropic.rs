//! Anthropic Messages wire format.

use bytes::Bytes;
use http::StatusCode;
use serde_json::{json, Value};

use crate::reply::{
    content_text, halves, prompt_words, Answer, Prompt, Reply, StreamPlan, ToolSpec,
};

/// The gist of a Messages request.
pub(crate) fn prompt(body: &Value) -> Prompt {
    let messages = body.get("messages").and_then(Value::as_array);
    let is_user = |m: &&Value| m.get("role").and_then(Value::as_str) == Some("user");
    let last_user_text = messages
        .and_then(|m| m.iter().rev().find(is_user))
        .map(|m| content_text(m.get("content")))
        .unwrap_or_default();
    // Mid-conversation system messages (Claude Code) may follow the tool result.
    let tool_result = messages
        .and_then(|m| {
            m.iter()
                .rev()
                .find(|m| m.get("role").and_then(Value::as_str) != Some("system"))
        })
        .filter(is_user)
        .and_then(|m| m.get("content"))
        .and_then(Value::as_array)
        .and_then(|blocks| {
            blocks
                .iter()
                .rev()
                .find(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
        })
        .map(|b| content_text(b.get("content")));
    let tools = body
        .get("tools")
        .and_then(Value::as_array)
        .map(|tools| {
            tools
                .iter()
                .filter_map(|t| {
                    let name = t.get("name").and_then(Value::as_str)?;
                    Some(ToolSpec::from_schema(name, t.get("input_schema")))
                })
                .collect()
        })
        .unwrap_or_default();
    Prompt {
        model: body
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or("claude-mock")
            .to_owned(),
        stream: body.get("stream").and_then(Value::as_bool) == Some(true),
        include_usage: false,
        last_user_text,
        tool_result,
        tools,
        system_text: content_text(body.get("system")),
        json_schema: body.pointer("/output_config/format/schema").cloned(),
        prompt_tokens: body.get("system").map_or(0, prompt_words)
            + body.get("messages").map_or(0, prompt_words),
    }
}

fn message_id(r: &Reply) -> String {
    format!("msg_mock{:06}", r.seq)
}

fn tool_use_id(r: &Reply) -> String {
    format!("toolu_mock{:06}", r.seq)
}

fn stop_reason(r: &Reply) -> &'static str {
    match r.answer {
        Answer::Text(_) => "end_turn",
        Answer::ToolCall { .. } => "tool_use",
    }
}

fn usage(input: u64, output: u64) -> Value {
    json!({
        "input_tokens": input,
        "output_tokens": output,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0
    })
}

/// A `message` object.
pub(crate) fn message(r: &Reply) -> Value {
    let block = match &r.answer {
        Answer::Text(t) => json!({"type": "text", "text": t}),
        Answer::ToolCall { name, input, .. } => {
            json!({"type": "tool_use", "id": tool_use_id(r), "name": name, "input": input})
        }
    };
    json!({
        "id": message_id(r),
        "type": "message",
        "role": "assistant",
        "model": r.model,
        "content": [block],
        "stop_reason": stop_reason(r),
        "stop_sequence": null,
        "usage": usage(r.prompt_tokens, r.completion_tokens)
    })
}

/// `event: <type>\ndata: <json>\n\n`.
fn event(v: &Value) -> Bytes {
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("message");
    let mut out = format!("event: {kind}\ndata: ").into_bytes();
    // Writing a Value into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut out, v);
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

/// The event sequence of a streamed message: `message_start`, `content_block_start`, `ping`,
/// `content_block_delta`s, `content_block_stop`, `message_delta`, `message_stop`.
pub(crate) fn stream(r: &Reply) -> StreamPlan {
    let mut plan = StreamPlan::default();
    plan.preamble.push(event(&json!({
        "type": "message_start",
        "message": {
            "id": message_id(r),
            "type": "message",
            "role": "assistant",
            "model": r.model,
            "content": [],
            "stop_reason": null,
            "stop_sequence": null,
            "usage": usage(r.prompt_tokens, 1)
        }
    })));
    let delta = |d: Value| event(&json!({"type": "content_block_delta", "index": 0, "delta": d}));
    match &r.answer {
        Answer::Text(t) => {
            plan.preamble.push(event(&json!({
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""}
            })));
            plan.preamble.push(event(&json!({"type": "ping"})));
            for piece in r.text_chunks(t) {
                plan.content
                    .push(delta(json!({"type": "text_delta", "text": piece})));
            }
        }
        Answer::ToolCall {
            name, arguments, ..
        } => {
            plan.preamble.push(event(&json!({
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "tool_use", "id": tool_use_id(r), "name": name, "input": {}}
            })));
            plan.preamble.push(event(&json!({"type": "ping"})));
            let (a, b) = halves(arguments);
            for part in [a, b] {
                plan.content.push(delta(
                    json!({"type": "input_json_delta", "partial_json": part}),
                ));
            }
        }
    }
    plan.terminal
        .push(event(&json!({"type": "content_block_stop", "index": 0})));
    plan.terminal.push(event(&json!({
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason(r), "stop_sequence": null},
        "usage": {"output_tokens": r.completion_tokens}
    })));
    plan.terminal.push(event(&json!({"type": "message_stop"})));
    plan
}

/// Anthropic's error object: `{"type": "error", "error": {type, message}}`.
pub(crate) fn error(status: StatusCode, message: &str, seq: u64) -> Value {
    let kind = match status.as_u16() {
        400 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        500..=599 => "api_error",
        _ => "invalid_request_error",
    };
    json!({
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": format!("req_mock{seq:06}")
    })
}

/// `GET /v1/models` in Anthropic's shape (asked with an `anthropic-version` header).
pub(crate) fn models() -> Value {
    let data: Vec<Value> = MODELS
        .iter()
        .map(|id| {
            json!({
                "type": "model",
                "id": id,
                "display_name": id,
                "created_at": "2025-01-01T00:00:00Z"
            })
        })
        .collect();
    json!({
        "data": data,
        "has_more": false,
        "first_id": MODELS.first(),
        "last_id": MODELS.last()
    })
}

/// Model names listed (any name is answered).
const MODELS: [&str; 2] = ["claude-sonnet-4-5", "claude-haiku-4-5"];
