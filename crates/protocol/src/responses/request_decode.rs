//! Client side: a Responses API request body (`POST /v1/responses`) into a canonical
//! [`ChatRequest`].

use super::wire::{custom_arguments, custom_tool_parameters, INSTRUCTIONS, RESPONSES};
use crate::{
    from_json_slice, ChatRequest, CodecError, ContentPart, Extras, FunctionTool, ImageSource,
    Message, ResponseFormat, Role, Tool, ToolChoice,
};
use serde::Deserialize;
use serde_json::Value;

/// The top-level request object. Everything not listed (`store`, `include`, `reasoning`,
/// `prompt_cache_key`, `metadata`, …) lands in `extra`.
#[derive(Deserialize)]
struct RequestIn {
    model: Option<String>,
    instructions: Option<String>,
    input: Option<Value>,
    max_output_tokens: Option<u32>,
    temperature: Option<f64>,
    top_p: Option<f64>,
    tools: Option<Vec<Value>>,
    tool_choice: Option<Value>,
    parallel_tool_calls: Option<bool>,
    text: Option<Extras>,
    user: Option<String>,
    stream: Option<bool>,
    previous_response_id: Option<String>,
    #[serde(flatten)]
    extra: Extras,
}

/// Decodes a client's request body. Errors name the field (`CodecError::param`) as a path.
pub fn decode_request(body: &[u8]) -> Result<ChatRequest, CodecError> {
    let raw: RequestIn = from_json_slice(body)?;
    let mut extra = raw.extra;
    let model = raw
        .model
        .ok_or_else(|| CodecError::field("model", "missing required field `model`"))?;
    if raw.previous_response_id.is_some() {
        return Err(CodecError::field(
            "previous_response_id",
            "Switchyard does not store responses, so `previous_response_id` cannot be resolved: \
             send the whole conversation in `input` (as clients do with `store: false`)",
        ));
    }

    let mut messages = Vec::new();
    if let Some(text) = raw.instructions {
        let mut m = Message::text(Role::System, text);
        m.extra.insert(INSTRUCTIONS.into(), Value::Bool(true));
        messages.push(m);
    }
    match raw.input {
        None | Some(Value::Null) => {
            return Err(CodecError::field("input", "missing required field `input`"))
        }
        Some(Value::String(text)) => messages.push(Message::text(Role::User, text)),
        Some(Value::Array(items)) => {
            if items.is_empty() {
                return Err(CodecError::field(
                    "input",
                    "`input` must contain at least one item",
                ));
            }
            for (i, item) in items.into_iter().enumerate() {
                decode_item(i, item, &mut messages)?;
            }
        }
        Some(_) => {
            return Err(CodecError::field(
                "input",
                "expected a string or an array of input items",
            ))
        }
    }

    let mut tools = Vec::new();
    for (k, t) in raw.tools.unwrap_or_default().into_iter().enumerate() {
        tools.push(decode_tool(k, t)?);
    }
    let tool_choice = match raw.tool_choice {
        None | Some(Value::Null) => None,
        Some(v) => decode_tool_choice(v, &mut extra)?,
    };
    let response_format = match raw.text {
        None => None,
        Some(mut text) => {
            let format = match text.remove("format") {
                None | Some(Value::Null) => None,
                Some(v) => decode_format(v, &mut text)?,
            };
            if !text.is_empty() {
                // `verbosity` and future text options, for an upstream of this format.
                extra.insert("text".into(), Value::Object(text));
            }
            format
        }
    };

    Ok(ChatRequest {
        model,
        messages,
        max_tokens: raw.max_output_tokens,
        temperature: raw.temperature,
        top_p: raw.top_p,
        stop: Vec::new(),
        seed: None,
        tools,
        tool_choice,
        parallel_tool_calls: raw.parallel_tool_calls,
        response_format,
        user: raw.user,
        stream: raw.stream.unwrap_or(false),
        // Responses streams always end with the usage in `response.completed`.
        stream_include_usage: true,
        source: RESPONSES,
        extra,
    })
}

fn missing(path: String, name: &str) -> CodecError {
    CodecError::field(path, format!("missing required field `{name}`"))
}

fn string_field(obj: &mut Extras, path: &str, name: &str) -> Result<String, CodecError> {
    match obj.remove(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(CodecError::field(
            format!("{path}.{name}"),
            "expected a string",
        )),
        None => Err(missing(format!("{path}.{name}"), name)),
    }
}

/// Appends `part` to the conversation's last message if it is the model's, else to a new
/// assistant message: the items of one model turn (reasoning, text, calls) are one
/// canonical message, as every other format needs them.
fn push_assistant_part(messages: &mut Vec<Message>, part: ContentPart) {
    match messages.last_mut() {
        Some(m) if m.role == Role::Assistant => m.content.push(part),
        _ => messages.push(Message {
            role: Role::Assistant,
            content: vec![part],
            name: None,
            extra: Extras::new(),
        }),
    }
}

/// One `input` item into the conversation.
fn decode_item(i: usize, item: Value, messages: &mut Vec<Message>) -> Result<(), CodecError> {
    let path = format!("input[{i}]");
    let Value::Object(mut obj) = item else {
        return Err(CodecError::field(path, "expected an object"));
    };
    let kind = match obj.get("type") {
        None => "message".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(CodecError::field(
                format!("{path}.type"),
                "expected a string",
            ))
        }
    };
    match kind.as_str() {
        "message" => decode_message(&path, obj, messages),
        "function_call" | "custom_tool_call" => {
            obj.remove("type");
            let call_id = string_field(&mut obj, &path, "call_id")?;
            let name = string_field(&mut obj, &path, "name")?;
            let arguments = if kind == "function_call" {
                string_field(&mut obj, &path, "arguments")?
            } else {
                obj.insert("type".into(), Value::String(kind.clone()));
                custom_arguments(&string_field(&mut obj, &path, "input")?)
            };
            push_assistant_part(
                messages,
                ContentPart::ToolCall {
                    id: call_id,
                    name,
                    arguments,
                    extra: obj,
                },
            );
            Ok(())
        }
        "function_call_output" | "custom_tool_call_output" => {
            obj.remove("type");
            let call_id = string_field(&mut obj, &path, "call_id")?;
            let content = match obj.remove("output") {
                Some(Value::String(s)) => vec![ContentPart::text(s)],
                Some(Value::Array(parts)) => {
                    let mut out = Vec::with_capacity(parts.len());
                    for (j, p) in parts.into_iter().enumerate() {
                        out.push(decode_part(&format!("{path}.output[{j}]"), p)?);
                    }
                    out
                }
                Some(_) => {
                    return Err(CodecError::field(
                        format!("{path}.output"),
                        "expected a string or an array of content parts",
                    ))
                }
                None => return Err(missing(format!("{path}.output"), "output")),
            };
            if kind == "custom_tool_call_output" {
                obj.insert("type".into(), Value::String(kind.clone()));
            }
            messages.push(Message {
                role: Role::Tool,
                content: vec![ContentPart::ToolResult {
                    tool_call_id: call_id,
                    content,
                    is_error: false,
                    extra: obj,
                }],
                name: None,
                extra: Extras::new(),
            });
            Ok(())
        }
        "reasoning" => {
            // The summary is the readable part; everything (id, encrypted_content, the
            // summary's own shape) stays in extra so that this format gets it back verbatim.
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
            push_assistant_part(
                messages,
                ContentPart::Thinking {
                    text,
                    signature: None,
                    extra: obj,
                },
            );
            Ok(())
        }
        _ => {
            // Hosted tool calls, item references, compaction items, …: verbatim, in place.
            let part = ContentPart::Other {
                format: RESPONSES,
                value: Value::Object(obj),
            };
            match messages.last_mut() {
                Some(m) => m.content.push(part),
                None => messages.push(Message {
                    role: Role::User,
                    content: vec![part],
                    name: None,
                    extra: Extras::new(),
                }),
            }
            Ok(())
        }
    }
}

fn decode_message(
    path: &str,
    mut obj: Extras,
    messages: &mut Vec<Message>,
) -> Result<(), CodecError> {
    obj.remove("type");
    let role = match obj.remove("role") {
        Some(Value::String(r)) => match r.as_str() {
            "user" => Role::User,
            "system" => Role::System,
            "developer" => Role::Developer,
            "assistant" => Role::Assistant,
            other => {
                return Err(CodecError::field(
                    format!("{path}.role"),
                    format!(
                    "unknown role `{other}`, expected `user`, `assistant`, `system` or `developer`"
                ),
                ))
            }
        },
        Some(_) => {
            return Err(CodecError::field(
                format!("{path}.role"),
                "expected a string",
            ))
        }
        None => return Err(missing(format!("{path}.role"), "role")),
    };
    let content = match obj.remove("content") {
        Some(Value::String(s)) => vec![ContentPart::text(s)],
        Some(Value::Array(parts)) => {
            let mut out = Vec::with_capacity(parts.len());
            for (j, p) in parts.into_iter().enumerate() {
                out.push(decode_part(&format!("{path}.content[{j}]"), p)?);
            }
            out
        }
        Some(_) => {
            return Err(CodecError::field(
                format!("{path}.content"),
                "expected a string or an array of content parts",
            ))
        }
        None => return Err(missing(format!("{path}.content"), "content")),
    };
    // An assistant message continues a model turn begun by reasoning or calls, when that
    // turn has no message of its own yet (the message's id and status are its extras).
    if role == Role::Assistant {
        if let Some(last) = messages.last_mut() {
            let has_text = last
                .content
                .iter()
                .any(|p| matches!(p, ContentPart::Text { .. }));
            if last.role == Role::Assistant && last.extra.is_empty() && !has_text {
                last.content.extend(content);
                last.extra = obj;
                return Ok(());
            }
        }
    }
    messages.push(Message {
        role,
        content,
        name: None,
        extra: obj,
    });
    Ok(())
}

/// One content part of a message or a tool output.
fn decode_part(path: &str, part: Value) -> Result<ContentPart, CodecError> {
    let Value::Object(mut obj) = part else {
        return Err(CodecError::field(path, "expected an object"));
    };
    let kind = obj.get("type").and_then(Value::as_str).map(str::to_owned);
    match kind.as_deref() {
        Some("input_text" | "output_text") => {
            obj.remove("type");
            let text = string_field(&mut obj, path, "text")?;
            Ok(ContentPart::Text { text, extra: obj })
        }
        Some("input_image") if matches!(obj.get("image_url"), Some(Value::String(_))) => {
            obj.remove("type");
            let url = string_field(&mut obj, path, "image_url")?;
            Ok(ContentPart::Image {
                source: ImageSource::Url(url),
                extra: obj,
            })
        }
        Some(_) => Ok(ContentPart::Other {
            format: RESPONSES,
            value: Value::Object(obj),
        }),
        None => Err(missing(format!("{path}.type"), "type")),
    }
}

fn decode_tool(k: usize, t: Value) -> Result<Tool, CodecError> {
    let path = format!("tools[{k}]");
    let Value::Object(mut obj) = t else {
        return Err(CodecError::field(path, "expected an object"));
    };
    let kind = match obj.get("type") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(CodecError::field(
                format!("{path}.type"),
                "expected a string",
            ))
        }
        None => return Err(missing(format!("{path}.type"), "type")),
    };
    match kind.as_str() {
        "function" => {
            obj.remove("type");
            let name = string_field(&mut obj, &path, "name")?;
            let description = match obj.remove("description") {
                Some(Value::String(d)) => Some(d),
                _ => None,
            };
            let strict = obj.remove("strict").and_then(|s| s.as_bool());
            Ok(Tool::Function(FunctionTool {
                name,
                description,
                parameters: obj.remove("parameters").unwrap_or(Value::Null),
                strict,
                extra: obj,
            }))
        }
        "custom" => {
            // A freeform tool is offered elsewhere as a function of one string, `input`;
            // `type` and `format` stay in extra so that this format gets it back as it was.
            let name = string_field(&mut obj, &path, "name")?;
            let description = match obj.remove("description") {
                Some(Value::String(d)) => Some(d),
                _ => None,
            };
            Ok(Tool::Function(FunctionTool {
                name,
                description,
                parameters: custom_tool_parameters(obj.get("format")),
                strict: None,
                extra: obj,
            }))
        }
        _ => Ok(Tool::Other {
            format: RESPONSES,
            value: Value::Object(obj),
        }),
    }
}

/// `tool_choice`: the modes and the named function or custom tool are canonical; hosted
/// tool and `allowed_tools` forms stay in `extra` for an upstream of this format.
fn decode_tool_choice(v: Value, extra: &mut Extras) -> Result<Option<ToolChoice>, CodecError> {
    match v {
        Value::String(s) => match s.as_str() {
            "auto" => Ok(Some(ToolChoice::Auto)),
            "none" => Ok(Some(ToolChoice::None)),
            "required" => Ok(Some(ToolChoice::Required)),
            other => Err(CodecError::field(
                "tool_choice",
                format!("unknown tool_choice `{other}`, expected `auto`, `none`, `required` or an object"),
            )),
        },
        Value::Object(obj) => match obj.get("type").and_then(Value::as_str) {
            Some("function" | "custom") => match obj.get("name").and_then(Value::as_str) {
                Some(name) => Ok(Some(ToolChoice::Tool(name.to_owned()))),
                None => Err(CodecError::field(
                    "tool_choice.name",
                    "missing required string field `name`",
                )),
            },
            Some(_) => {
                extra.insert("tool_choice".into(), Value::Object(obj));
                Ok(None)
            }
            None => Err(CodecError::field(
                "tool_choice.type",
                "missing required field `type`",
            )),
        },
        _ => Err(CodecError::field(
            "tool_choice",
            "expected a string or an object",
        )),
    }
}

/// `text.format`; a form the model does not know stays in `text` for this format.
fn decode_format(v: Value, text: &mut Extras) -> Result<Option<ResponseFormat>, CodecError> {
    let Value::Object(mut obj) = v else {
        return Err(CodecError::field("text.format", "expected an object"));
    };
    match obj.get("type").and_then(Value::as_str) {
        Some("text") => Ok(Some(ResponseFormat::Text)),
        Some("json_object") => Ok(Some(ResponseFormat::JsonObject)),
        Some("json_schema") => {
            let name = match obj.remove("name") {
                Some(Value::String(n)) => n,
                _ => {
                    return Err(CodecError::field(
                        "text.format.name",
                        "missing required string field `name`",
                    ))
                }
            };
            let schema = match obj.remove("schema") {
                Some(s @ Value::Object(_)) => s,
                _ => {
                    return Err(CodecError::field(
                        "text.format.schema",
                        "missing required object `schema`",
                    ))
                }
            };
            Ok(Some(ResponseFormat::JsonSchema {
                name,
                schema,
                strict: obj.get("strict").and_then(Value::as_bool),
            }))
        }
        Some(_) => {
            text.insert("format".into(), Value::Object(obj));
            Ok(None)
        }
        None => Err(CodecError::field(
            "text.format.type",
            "missing required string field `type`",
        )),
    }
}
