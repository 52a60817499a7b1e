//! The OpenAI Responses API (`POST /v1/responses`): what an OpenAI provider configured
//! `responses = "native"` talks to.

use serde_json::{json, Value};

use crate::reply::{
    content_text, halves, prompt_words, sse_data, Answer, Prompt, Reply, StreamPlan, ToolSpec,
};

/// The gist of a Responses request, and whether its first tool is freeform (`custom`),
/// whose calls carry a raw `input` string.
pub(crate) fn prompt(body: &Value) -> (Prompt, bool) {
    let items = body.get("input").and_then(Value::as_array);
    let last_user_text = match body.get("input") {
        Some(Value::String(s)) => s.clone(),
        _ => items
            .and_then(|items| {
                items
                    .iter()
                    .rev()
                    .find(|i| i.get("role").and_then(Value::as_str) == Some("user"))
            })
            .map(|m| input_text(m.get("content")))
            .unwrap_or_default(),
    };
    let tool_result = items.and_then(|i| i.last()).and_then(|last| {
        match last.get("type").and_then(Value::as_str) {
            Some("function_call_output" | "custom_tool_call_output") => {
                Some(match last.get("output") {
                    Some(Value::String(s)) => s.clone(),
                    other => input_text(other),
                })
            }
            _ => None,
        }
    });
    let tool_list = body.get("tools").and_then(Value::as_array);
    let custom = tool_list
        .and_then(|t| t.first())
        .and_then(|t| t.get("type"))
        .and_then(Value::as_str)
        == Some("custom");
    // A freeform (`custom`) tool takes one raw string, shown here as a required `input`.
    let tools = tool_list
        .map(|tools| {
            tools
                .iter()
                .filter_map(|t| {
                    let name = t.get("name").and_then(Value::as_str)?;
                    Some(match t.get("type").and_then(Value::as_str) {
                        Some("custom") => ToolSpec {
                            name: name.to_owned(),
                            required: vec!["input".to_owned()],
                            schema: json!({
                                "type": "object",
                                "properties": {"input": {"type": "string"}},
                                "required": ["input"],
                            }),
                        },
                        _ => ToolSpec::from_schema(name, t.get("parameters")),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let json_schema = body
        .pointer("/text/format")
        .filter(|f| f.get("type").and_then(Value::as_str) == Some("json_schema"))
        .and_then(|f| f.get("schema"))
        .cloned();
    let prompt = Prompt {
        model: body
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or("mock-model")
            .to_owned(),
        stream: body.get("stream").and_then(Value::as_bool) == Some(true),
        include_usage: true,
        last_user_text,
        tool_result,
        tools,
        system_text: body
            .get("instructions")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        json_schema,
        prompt_tokens: body.get("input").map_or(0, prompt_words)
            + body.get("instructions").map_or(0, prompt_words),
    };
    (prompt, custom)
}

/// Text of `input_text` / `output_text` parts (or of a plain string).
fn input_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        other => content_text(other),
    }
}

/// Whether the request asks for reasoning, and with its encrypted content.
pub(crate) fn reasoning(body: &Value) -> Option<bool> {
    body.get("reasoning").filter(|r| !r.is_null())?;
    let encrypted = body
        .get("include")
        .and_then(Value::as_array)
        .is_some_and(|i| i.iter().any(|v| v == "reasoning.encrypted_content"));
    Some(encrypted)
}

/// What to render besides the reply.
pub(crate) struct Shape {
    /// The first tool is freeform.
    pub(crate) custom: bool,
    /// A reasoning item first; `Some(true)` with encrypted content.
    pub(crate) reasoning: Option<bool>,
}

fn ids(r: &Reply) -> (String, String) {
    (
        format!("resp_mock{:06}", r.seq),
        format!("call_mock{:06}", r.seq),
    )
}

fn usage(r: &Reply) -> Value {
    json!({
        "input_tokens": r.prompt_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": r.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": r.total_tokens(),
    })
}

fn reasoning_item(r: &Reply, encrypted: bool) -> Value {
    let mut item = json!({
        "id": format!("rs_mock{:06}", r.seq),
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": "Mock reasoning"}],
    });
    if encrypted {
        item["encrypted_content"] = json!(format!("enc_mock{:06}", r.seq));
    }
    item
}

/// The answer's output items, complete.
fn output(r: &Reply, shape: &Shape) -> Vec<Value> {
    let (resp_id, call_id) = ids(r);
    let mut out = Vec::new();
    if let Some(encrypted) = shape.reasoning {
        out.push(reasoning_item(r, encrypted));
    }
    out.push(match &r.answer {
        Answer::Text(t) => json!({
            "id": format!("msg_{resp_id}"), "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": t, "annotations": []}]
        }),
        Answer::ToolCall { name, input, arguments } if shape.custom => json!({
            "id": format!("ctc_{resp_id}"), "type": "custom_tool_call", "status": "completed",
            "call_id": call_id, "name": name,
            "input": input.get("input").and_then(Value::as_str).unwrap_or(arguments),
        }),
        Answer::ToolCall { name, arguments, .. } => json!({
            "id": format!("fc_{resp_id}"), "type": "function_call", "status": "completed",
            "call_id": call_id, "name": name, "arguments": arguments
        }),
    });
    out
}

fn response(r: &Reply, status: &str, output: Vec<Value>, usage: Value) -> Value {
    json!({
        "id": ids(r).0, "object": "response", "created_at": r.created, "status": status,
        "error": null, "incomplete_details": null, "model": r.model, "output": output,
        "parallel_tool_calls": true, "tool_choice": "auto", "tools": [], "store": false,
        "usage": usage
    })
}

/// A complete `response` object.
pub(crate) fn complete(r: &Reply, shape: &Shape) -> Value {
    response(r, "completed", output(r, shape), usage(r))
}

/// The events of a streamed response, in the official order.
pub(crate) fn stream(r: &Reply, shape: &Shape) -> StreamPlan {
    let mut seq = 0u64;
    let mut event = |kind: &str, mut v: Value| {
        v["type"] = json!(kind);
        v["sequence_number"] = json!(seq);
        seq += 1;
        let mut frame = format!("event: {kind}\n").into_bytes();
        frame.extend_from_slice(&sse_data(&v));
        bytes::Bytes::from(frame)
    };
    let items = output(r, shape);
    let mut plan = StreamPlan::default();
    plan.preamble.push(event(
        "response.created",
        json!({"response": response(r, "in_progress", vec![], Value::Null)}),
    ));
    plan.preamble.push(event(
        "response.in_progress",
        json!({"response": response(r, "in_progress", vec![], Value::Null)}),
    ));
    for (n, item) in items.iter().enumerate() {
        let id = item["id"].clone();
        match item["type"].as_str() {
            Some("reasoning") => {
                let added = json!({"id": id, "type": "reasoning", "summary": []});
                plan.preamble.push(event(
                    "response.output_item.added",
                    json!({"output_index": n, "item": added}),
                ));
                plan.preamble.push(event("response.reasoning_summary_part.added", json!({"item_id": id, "output_index": n, "summary_index": 0, "part": {"type": "summary_text", "text": ""}})));
                plan.preamble.push(event("response.reasoning_summary_text.delta", json!({"item_id": id, "output_index": n, "summary_index": 0, "delta": "Mock reasoning"})));
                plan.preamble.push(event("response.reasoning_summary_text.done", json!({"item_id": id, "output_index": n, "summary_index": 0, "text": "Mock reasoning"})));
                plan.preamble.push(event("response.reasoning_summary_part.done", json!({"item_id": id, "output_index": n, "summary_index": 0, "part": {"type": "summary_text", "text": "Mock reasoning"}})));
                plan.preamble.push(event(
                    "response.output_item.done",
                    json!({"output_index": n, "item": item}),
                ));
            }
            Some("message") => {
                let text = item["content"][0]["text"].as_str().unwrap_or("").to_owned();
                let added = json!({"id": id, "type": "message", "status": "in_progress", "role": "assistant", "content": []});
                plan.preamble.push(event(
                    "response.output_item.added",
                    json!({"output_index": n, "item": added}),
                ));
                plan.preamble.push(event("response.content_part.added", json!({"item_id": id, "output_index": n, "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": []}})));
                for piece in r.text_chunks(&text) {
                    plan.content.push(event("response.output_text.delta", json!({"item_id": id, "output_index": n, "content_index": 0, "delta": piece, "logprobs": []})));
                }
                plan.terminal.push(event("response.output_text.done", json!({"item_id": id, "output_index": n, "content_index": 0, "text": text, "logprobs": []})));
                plan.terminal.push(event("response.content_part.done", json!({"item_id": id, "output_index": n, "content_index": 0, "part": {"type": "output_text", "text": text, "annotations": []}})));
                plan.terminal.push(event(
                    "response.output_item.done",
                    json!({"output_index": n, "item": item}),
                ));
            }
            Some(kind @ ("function_call" | "custom_tool_call")) => {
                let (field, delta_kind, done_kind) = if kind == "function_call" {
                    (
                        "arguments",
                        "response.function_call_arguments.delta",
                        "response.function_call_arguments.done",
                    )
                } else {
                    (
                        "input",
                        "response.custom_tool_call_input.delta",
                        "response.custom_tool_call_input.done",
                    )
                };
                let full = item[field].as_str().unwrap_or("").to_owned();
                let mut added = item.clone();
                added[field] = json!("");
                added["status"] = json!("in_progress");
                plan.preamble.push(event(
                    "response.output_item.added",
                    json!({"output_index": n, "item": added}),
                ));
                let (a, b) = halves(&full);
                for part in [a, b] {
                    plan.content.push(event(
                        delta_kind,
                        json!({"item_id": id, "output_index": n, "delta": part}),
                    ));
                }
                plan.terminal.push(event(
                    done_kind,
                    json!({"item_id": id, "output_index": n, field: full}),
                ));
                plan.terminal.push(event(
                    "response.output_item.done",
                    json!({"output_index": n, "item": item}),
                ));
            }
            _ => {}
        }
    }
    plan.terminal.push(event(
        "response.completed",
        json!({"response": response(r, "completed", items.clone(), usage(r))}),
    ));
    plan
}
