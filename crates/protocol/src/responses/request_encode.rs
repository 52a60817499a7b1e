//! Provider side: a canonical [`ChatRequest`] into a Responses API request body, for an
//! OpenAI upstream that speaks it natively. A request decoded from this format comes back
//! as it was sent (its extras, verbatim items and tools included); others are translated.

use super::wire::{custom_input, is_custom_tool, is_part_type, INSTRUCTIONS, RESPONSES};
use crate::{
    to_json_vec, ChatRequest, CodecError, ContentPart, Extras, ImageSource, Message,
    ResponseFormat, Role, Tool, ToolChoice,
};
use serde_json::{json, Map, Value};

/// Encodes a request for the upstream. `model` is the upstream model name.
pub fn encode_request(req: &ChatRequest, model: &str) -> Result<Vec<u8>, CodecError> {
    to_json_vec(&Value::Object(request_object(req, model, true)))
}

/// The request as a JSON object; without `input` when `with_input` is false (what a
/// response repeats of its request needs everything but the conversation).
pub(super) fn request_object(
    req: &ChatRequest,
    model: &str,
    with_input: bool,
) -> Map<String, Value> {
    let own = req.source == RESPONSES;
    let mut out = Map::new();
    out.insert("model".into(), Value::String(model.to_owned()));
    if let Some(extra) = req.extras_for(RESPONSES) {
        for (k, v) in extra {
            out.insert(k.clone(), v.clone());
        }
    }
    let custom: Vec<&str> = req
        .tools
        .iter()
        .filter(|t| is_custom_tool(t, own))
        .filter_map(|t| match t {
            Tool::Function(f) => Some(f.name.as_str()),
            Tool::Other { .. } => None,
        })
        .collect();

    // With `store: false` OpenAI can only read reasoning items that carry their encrypted
    // content; one without it (e.g. a summary the gateway made of another upstream's
    // thinking, after a failover) would be looked up by id and fail the request.
    let stored = out.get("store") != Some(&Value::Bool(false));
    let mut input = Vec::new();
    for m in &req.messages {
        if own && m.extra.get(INSTRUCTIONS) == Some(&Value::Bool(true)) {
            out.insert("instructions".into(), Value::String(m.joined_text()));
            continue;
        }
        if with_input {
            encode_message(m, own, stored, &custom, &mut input);
        }
    }
    if with_input {
        out.insert("input".into(), Value::Array(input));
    }

    if let Some(n) = req.max_tokens {
        out.insert("max_output_tokens".into(), Value::from(n));
    }
    if let Some(t) = req.temperature {
        out.insert("temperature".into(), Value::from(t));
    }
    if let Some(p) = req.top_p {
        out.insert("top_p".into(), Value::from(p));
    }
    if let Some(p) = req.parallel_tool_calls {
        out.insert("parallel_tool_calls".into(), Value::Bool(p));
    }
    if let Some(u) = &req.user {
        out.insert("user".into(), Value::String(u.clone()));
    }
    let tools: Vec<Value> = req
        .tools
        .iter()
        .filter_map(|t| encode_tool(t, own))
        .collect();
    if !tools.is_empty() {
        out.insert("tools".into(), Value::Array(tools));
    }
    if let Some(choice) = &req.tool_choice {
        let v = match choice {
            ToolChoice::Auto => json!("auto"),
            ToolChoice::None => json!("none"),
            ToolChoice::Required => json!("required"),
            ToolChoice::Tool(name) if custom.contains(&name.as_str()) => {
                json!({"type": "custom", "name": name})
            }
            ToolChoice::Tool(name) => json!({"type": "function", "name": name}),
        };
        out.insert("tool_choice".into(), v);
    }
    if let Some(format) = &req.response_format {
        let format = match format {
            ResponseFormat::Text => json!({"type": "text"}),
            ResponseFormat::JsonObject => json!({"type": "json_object"}),
            ResponseFormat::JsonSchema {
                name,
                schema,
                strict,
            } => {
                let mut f = json!({"type": "json_schema", "name": name, "schema": schema});
                if let (Some(s), Value::Object(map)) = (strict, &mut f) {
                    map.insert("strict".into(), Value::Bool(*s));
                }
                f
            }
        };
        let text = out
            .entry("text")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(text) = text {
            text.insert("format".into(), format);
        }
    }
    if req.stream {
        out.insert("stream".into(), Value::Bool(true));
    } else {
        out.remove("stream");
    }
    if !own {
        // The gateway keeps no response ids, so nothing is gained by OpenAI storing it.
        out.insert("store".into(), Value::Bool(false));
    }
    out
}

fn with_extras(mut obj: Map<String, Value>, extra: &Extras, own: bool) -> Value {
    if own {
        for (k, v) in extra {
            obj.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    Value::Object(obj)
}

fn encode_message(m: &Message, own: bool, stored: bool, custom: &[&str], items: &mut Vec<Value>) {
    let role = match m.role {
        Role::System => "system",
        Role::Developer => "developer",
        Role::User | Role::Tool => "user",
        Role::Assistant => "assistant",
    };
    let assistant = m.role == Role::Assistant;
    let mut parts: Vec<Value> = Vec::new();
    let mut message_extra = Some(&m.extra);
    let flush = |parts: &mut Vec<Value>, items: &mut Vec<Value>, extra: &mut Option<&Extras>| {
        if parts.is_empty() {
            return;
        }
        let mut obj = Map::new();
        obj.insert("type".into(), json!("message"));
        obj.insert("role".into(), json!(role));
        obj.insert("content".into(), Value::Array(std::mem::take(parts)));
        let empty = Extras::new();
        let extra = extra.take().unwrap_or(&empty);
        items.push(with_extras(obj, &strip_instructions(extra), own));
    };
    for part in &m.content {
        match part {
            ContentPart::Text { text, extra } => {
                let kind = if assistant {
                    "output_text"
                } else {
                    "input_text"
                };
                let mut obj = Map::new();
                obj.insert("type".into(), json!(kind));
                obj.insert("text".into(), json!(text));
                if assistant && !own {
                    obj.insert("annotations".into(), json!([]));
                }
                parts.push(with_extras(obj, extra, own));
            }
            ContentPart::Image { source, extra } => {
                let url = match source {
                    ImageSource::Url(u) => u.clone(),
                    ImageSource::Base64 { media_type, data } => {
                        format!("data:{media_type};base64,{data}")
                    }
                };
                let mut obj = Map::new();
                obj.insert("type".into(), json!("input_image"));
                obj.insert("image_url".into(), json!(url));
                if !own {
                    obj.insert("detail".into(), json!("auto"));
                }
                parts.push(with_extras(obj, extra, own));
            }
            ContentPart::Other { format, value } if own && *format == RESPONSES => {
                if is_part_type(value.get("type").and_then(Value::as_str)) {
                    parts.push(value.clone());
                } else {
                    flush(&mut parts, items, &mut message_extra);
                    items.push(value.clone());
                }
            }
            ContentPart::Other { .. } => {}
            ContentPart::Thinking { text, extra, .. } => {
                flush(&mut parts, items, &mut message_extra);
                // Reasoning is only replayable to the API that produced it (its id and
                // encrypted content); other formats' thinking is dropped.
                let readable =
                    extra.contains_key("encrypted_content") || (stored && extra.contains_key("id"));
                if own && readable {
                    let mut obj = Map::new();
                    obj.insert("type".into(), json!("reasoning"));
                    if !extra.contains_key("summary") {
                        let summary = if text.is_empty() {
                            json!([])
                        } else {
                            json!([{"type": "summary_text", "text": text}])
                        };
                        obj.insert("summary".into(), summary);
                    }
                    items.push(with_extras(obj, extra, own));
                }
            }
            ContentPart::ToolCall {
                id,
                name,
                arguments,
                extra,
            } => {
                flush(&mut parts, items, &mut message_extra);
                let marked =
                    own && extra.get("type").and_then(Value::as_str) == Some("custom_tool_call");
                let mut obj = Map::new();
                if marked || custom.contains(&name.as_str()) {
                    obj.insert("type".into(), json!("custom_tool_call"));
                    obj.insert("call_id".into(), json!(id));
                    obj.insert("name".into(), json!(name));
                    obj.insert("input".into(), json!(custom_input(arguments)));
                } else {
                    obj.insert("type".into(), json!("function_call"));
                    obj.insert("call_id".into(), json!(id));
                    obj.insert("name".into(), json!(name));
                    obj.insert("arguments".into(), json!(arguments));
                }
                items.push(with_extras(obj, extra, own));
            }
            ContentPart::ToolResult {
                tool_call_id,
                content,
                extra,
                ..
            } => {
                flush(&mut parts, items, &mut message_extra);
                let kind = match extra.get("type").and_then(Value::as_str) {
                    Some("custom_tool_call_output") if own => "custom_tool_call_output",
                    _ => "function_call_output",
                };
                let mut obj = Map::new();
                obj.insert("type".into(), json!(kind));
                obj.insert("call_id".into(), json!(tool_call_id));
                obj.insert("output".into(), tool_output(content, own));
                items.push(with_extras(obj, extra, own));
            }
        }
    }
    flush(&mut parts, items, &mut message_extra);
}

fn strip_instructions(extra: &Extras) -> Extras {
    let mut e = extra.clone();
    e.remove(INSTRUCTIONS);
    e
}

/// A tool result's `output`: a string when it is only text, else content parts.
fn tool_output(content: &[ContentPart], own: bool) -> Value {
    let all_text = content
        .iter()
        .all(|p| matches!(p, ContentPart::Text { extra, .. } if !own || extra.is_empty()));
    if all_text {
        let mut s = String::new();
        for p in content {
            if let ContentPart::Text { text, .. } = p {
                s.push_str(text);
            }
        }
        return Value::String(s);
    }
    let mut parts = Vec::new();
    for p in content {
        match p {
            ContentPart::Text { text, extra } => parts.push(with_extras(
                Map::from_iter([
                    ("type".to_owned(), json!("input_text")),
                    ("text".to_owned(), json!(text)),
                ]),
                extra,
                own,
            )),
            ContentPart::Image { source, extra } => {
                let url = match source {
                    ImageSource::Url(u) => u.clone(),
                    ImageSource::Base64 { media_type, data } => {
                        format!("data:{media_type};base64,{data}")
                    }
                };
                parts.push(with_extras(
                    Map::from_iter([
                        ("type".to_owned(), json!("input_image")),
                        ("image_url".to_owned(), json!(url)),
                    ]),
                    extra,
                    own,
                ));
            }
            ContentPart::Other { format, value } if own && *format == RESPONSES => {
                parts.push(value.clone());
            }
            _ => {}
        }
    }
    Value::Array(parts)
}

fn encode_tool(tool: &Tool, own: bool) -> Option<Value> {
    match tool {
        Tool::Function(f) if is_custom_tool(tool, own) => {
            let mut obj = Map::new();
            obj.insert("type".into(), json!("custom"));
            obj.insert("name".into(), json!(f.name));
            if let Some(d) = &f.description {
                obj.insert("description".into(), json!(d));
            }
            Some(with_extras(obj, &f.extra, own))
        }
        Tool::Function(f) => {
            let mut obj = Map::new();
            obj.insert("type".into(), json!("function"));
            obj.insert("name".into(), json!(f.name));
            if let Some(d) = &f.description {
                obj.insert("description".into(), json!(d));
            }
            if !f.parameters.is_null() {
                obj.insert("parameters".into(), f.parameters.clone());
            }
            // Unset means `true` at the Responses API but "not strict" in every other
            // format: a translated tool says so explicitly.
            let strict = match (f.strict, own) {
                (Some(s), _) => Some(s),
                (None, true) => None,
                (None, false) => Some(false),
            };
            if let Some(s) = strict {
                obj.insert("strict".into(), json!(s));
            }
            Some(with_extras(obj, &f.extra, own))
        }
        Tool::Other { format, value } if own && *format == RESPONSES => Some(value.clone()),
        Tool::Other { .. } => None,
    }
}
