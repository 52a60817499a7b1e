//! Gemini `generateContent` / `streamGenerateContent` wire format.

use bytes::Bytes;
use http::StatusCode;
use serde_json::{json, Value};

use crate::reply::{prompt_words, Answer, Prompt, Reply, StreamPlan, ToolSpec};

/// The method named after the ':' of `/v1beta/models/{model}:{method}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Generate,
    StreamGenerate,
}

/// Splits `gemini-2.0-flash:streamGenerateContent` into model and method.
pub(crate) fn parse_model_method(segment: &str) -> Option<(&str, Method)> {
    let (model, method) = segment.rsplit_once(':')?;
    let method = match method {
        "generateContent" => Method::Generate,
        "streamGenerateContent" => Method::StreamGenerate,
        _ => return None,
    };
    (!model.is_empty()).then_some((model, method))
}

fn parts_text(content: &Value) -> String {
    content
        .get("parts")
        .and_then(Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// Protobuf JSON accepts both spellings of a field.
fn field<'a>(v: &'a Value, camel: &str, snake: &str) -> Option<&'a Value> {
    v.get(camel).or_else(|| v.get(snake))
}

/// The gist of a generateContent request.
pub(crate) fn prompt(body: &Value, model: &str, method: Method) -> Prompt {
    let contents = body.get("contents").and_then(Value::as_array);
    let last_user_text = contents
        .and_then(|c| {
            c.iter().rev().find(|c| {
                matches!(c.get("role").and_then(Value::as_str), None | Some("user"))
                    && !parts_text(c).is_empty()
            })
        })
        .map(parts_text)
        .unwrap_or_default();
    let tool_result = contents
        .and_then(|c| c.last())
        .and_then(|c| c.get("parts"))
        .and_then(Value::as_array)
        .and_then(|parts| {
            parts
                .iter()
                .rev()
                .find_map(|p| field(p, "functionResponse", "function_response"))
        })
        .map(|r| {
            // Gemini needs an object here; text results travel as {"result": "..."} (or
            // {"output": ...}), so answer with that text like the other formats do.
            let response = r.get("response").unwrap_or(r);
            ["result", "output"]
                .iter()
                .find_map(|k| response.get(k).and_then(Value::as_str))
                .map_or_else(|| response.to_string(), str::to_owned)
        });
    let tools = body
        .get("tools")
        .and_then(Value::as_array)
        .map(|tools| {
            tools
                .iter()
                .filter_map(|t| {
                    field(t, "functionDeclarations", "function_declarations")
                        .and_then(Value::as_array)
                })
                .flatten()
                .filter_map(|decl| {
                    let name = decl.get("name").and_then(Value::as_str)?;
                    let schema = decl
                        .get("parameters")
                        .or_else(|| field(decl, "parametersJsonSchema", "parameters_json_schema"));
                    Some(ToolSpec::from_schema(name, schema))
                })
                .collect()
        })
        .unwrap_or_default();
    let system = field(body, "systemInstruction", "system_instruction");
    let generation = field(body, "generationConfig", "generation_config");
    let json_schema = generation.and_then(|g| {
        field(g, "responseJsonSchema", "response_json_schema")
            .or_else(|| field(g, "responseSchema", "response_schema"))
            .cloned()
    });
    Prompt {
        model: model.to_owned(),
        stream: method == Method::StreamGenerate,
        include_usage: false,
        last_user_text,
        tool_result,
        tools,
        system_text: system.map(parts_text).unwrap_or_default(),
        json_schema,
        prompt_tokens: body.get("contents").map_or(0, prompt_words)
            + system.map_or(0, prompt_words),
    }
}

fn response(r: &Reply, parts: Value, finished: bool) -> Value {
    let mut candidate = json!({"content": {"parts": parts, "role": "model"}, "index": 0});
    let usage = if finished {
        candidate["finishReason"] = json!("STOP");
        json!({
            "promptTokenCount": r.prompt_tokens,
            "candidatesTokenCount": r.completion_tokens,
            "totalTokenCount": r.total_tokens()
        })
    } else {
        // Like Gemini, partial chunks report the prompt only; the last one has the totals.
        json!({"promptTokenCount": r.prompt_tokens, "totalTokenCount": r.prompt_tokens})
    };
    json!({
        "candidates": [candidate],
        "usageMetadata": usage,
        "modelVersion": r.model,
        "responseId": format!("mock{:06}", r.seq)
    })
}

fn answer_parts(r: &Reply) -> Value {
    match &r.answer {
        Answer::Text(t) => json!([{"text": t}]),
        Answer::ToolCall { name, input, .. } => {
            json!([{"functionCall": {"name": name, "args": input}}])
        }
    }
}

/// A `GenerateContentResponse`.
pub(crate) fn generate(r: &Reply) -> Value {
    response(r, answer_parts(r), true)
}

/// `data: <json>\r\n\r\n`, the framing of `alt=sse`.
fn sse(v: &Value) -> Bytes {
    let mut out = b"data: ".to_vec();
    // Writing a Value into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut out, v);
    out.extend_from_slice(b"\r\n\r\n");
    Bytes::from(out)
}

/// The chunks of `streamGenerateContent?alt=sse`: one response per piece of text; the last
/// one carries `finishReason` and the usage totals (Gemini has no separate end event).
pub(crate) fn stream(r: &Reply) -> StreamPlan {
    let mut plan = StreamPlan {
        terminal_carries_content: true,
        ..StreamPlan::default()
    };
    match &r.answer {
        Answer::Text(t) => {
            let pieces = r.text_chunks(t);
            let (last, rest) = pieces.split_last().map_or(("", &[][..]), |(l, r)| (*l, r));
            for piece in rest {
                plan.content
                    .push(sse(&response(r, json!([{ "text": piece }]), false)));
            }
            plan.terminal
                .push(sse(&response(r, json!([{ "text": last }]), true)));
        }
        Answer::ToolCall { .. } => plan.terminal.push(sse(&generate(r))),
    }
    plan
}

/// Google's error object: `{"error": {code, message, status}}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Value {
    let name = match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        500..=599 => "INTERNAL",
        _ => "FAILED_PRECONDITION",
    };
    json!({"error": {"code": status.as_u16(), "message": message, "status": name}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_and_method() {
        assert_eq!(
            parse_model_method("gemini-2.0-flash:streamGenerateContent"),
            Some(("gemini-2.0-flash", Method::StreamGenerate))
        );
        assert_eq!(
            parse_model_method("gemini-2.0-flash:generateContent"),
            Some(("gemini-2.0-flash", Method::Generate))
        );
        assert_eq!(parse_model_method("gemini-2.0-flash:countTokens"), None);
        assert_eq!(parse_model_method("gemini-2.0-flash"), None);
        assert_eq!(parse_model_method(":generateContent"), None);
    }

    #[test]
    fn prompt_extraction() {
        let body = json!({
            "systemInstruction": {"parts": [{"text": "be brief"}]},
            "contents": [
                {"role": "user", "parts": [{"text": "read it"}]},
                {"role": "model", "parts": [{"functionCall": {"name": "read", "args": {}}}]},
                {"role": "user", "parts": [{"functionResponse": {"name": "read", "response": {"ok": 1}}}]}
            ],
            "tools": [{"function_declarations": [{"name": "read", "parameters": {"required": ["path"]}}]}]
        });
        let p = prompt(&body, "g", Method::Generate);
        assert_eq!(p.last_user_text, "read it");
        assert_eq!(p.tool_result.as_deref(), Some(r#"{"ok":1}"#));
        assert_eq!(p.tools[0].required, vec!["path".to_owned()]);
        assert_eq!(p.prompt_tokens, 4);
    }
}
