//! Client side: an OpenAI chat completions request body into a canonical [`ChatRequest`].

use super::wire::{deserialize_stop, ContentIn, PartIn, Tag, ToolCallIn};
use crate::{
    from_json_slice, ChatRequest, CodecError, ContentPart, Extras, FunctionTool, ImageSource,
    Message, ResponseFormat, Role, Tool, ToolChoice, WireFormat,
};
use serde::Deserialize;
use serde_json::Value;

/// Key under which the request's `extra` remembers that the client spelled the token limit
/// `max_completion_tokens` (value: what the client sent). It is the real OpenAI field name,
/// so it never means anything to another format, and [`super::encode_request`] writes the
/// canonical `max_tokens` under this name instead of re-emitting the stored value.
pub(super) const MAX_COMPLETION_TOKENS: &str = "max_completion_tokens";

/// Key under which the request's `extra` keeps the client's `stream_options` other than
/// `include_usage` (e.g. `include_obfuscation`), merged back by the encoder.
pub(super) const STREAM_OPTIONS: &str = "stream_options";

/// The top-level request object. Everything not listed lands in `extra`.
#[derive(Deserialize)]
struct RequestIn {
    model: Option<String>,
    messages: Option<Vec<MessageIn>>,
    max_tokens: Option<u32>,
    max_completion_tokens: Option<u32>,
    temperature: Option<f64>,
    top_p: Option<f64>,
    #[serde(default, deserialize_with = "deserialize_stop")]
    stop: Vec<String>,
    seed: Option<i64>,
    n: Option<i64>,
    tools: Option<Vec<ToolIn>>,
    // Small objects whose unknown forms are kept verbatim, so a `Value` costs nothing here.
    tool_choice: Option<Value>,
    parallel_tool_calls: Option<bool>,
    response_format: Option<Value>,
    user: Option<String>,
    stream: Option<bool>,
    stream_options: Option<StreamOptionsIn>,
    #[serde(flatten)]
    extra: Extras,
}

#[derive(Deserialize)]
struct StreamOptionsIn {
    include_usage: Option<bool>,
    #[serde(flatten)]
    rest: Extras,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RoleIn {
    System,
    Developer,
    User,
    Assistant,
    Tool,
}

#[derive(Deserialize)]
struct MessageIn {
    role: Option<RoleIn>,
    content: Option<ContentIn>,
    name: Option<String>,
    tool_calls: Option<Vec<ToolCallIn>>,
    tool_call_id: Option<String>,
    #[serde(flatten)]
    extra: Extras,
}

#[derive(Deserialize)]
struct ToolIn {
    #[serde(rename = "type")]
    kind: Option<Tag>,
    function: Option<FunctionDefIn>,
    #[serde(flatten)]
    extra: Extras,
}

#[derive(Deserialize)]
struct FunctionDefIn {
    name: Option<String>,
    description: Option<String>,
    parameters: Option<Value>,
    strict: Option<bool>,
}

/// Decodes a client's request body. Errors name the field (`CodecError::param`) as a path.
pub fn decode_request(body: &[u8]) -> Result<ChatRequest, CodecError> {
    let raw: RequestIn = from_json_slice(body)?;
    let mut extra = raw.extra;

    let model = raw
        .model
        .ok_or_else(|| CodecError::field("model", "missing required field `model`"))?;
    let raw_messages = raw
        .messages
        .ok_or_else(|| CodecError::field("messages", "missing required field `messages`"))?;
    if raw_messages.is_empty() {
        return Err(CodecError::field(
            "messages",
            "`messages` must contain at least one message",
        ));
    }
    match raw.n {
        None | Some(1) => {}
        Some(_) => {
            return Err(CodecError::field(
                "n",
                "only n=1 is supported: Switchyard returns a single choice",
            ))
        }
    }

    let mut messages = Vec::with_capacity(raw_messages.len());
    for (i, m) in raw_messages.into_iter().enumerate() {
        messages.push(decode_message(i, m)?);
    }

    let max_tokens = match raw.max_completion_tokens {
        Some(limit) => {
            // Remember the spelling (see MAX_COMPLETION_TOKENS); when a client sends both
            // names the newer one wins, as it does at OpenAI.
            extra.insert(MAX_COMPLETION_TOKENS.into(), Value::from(limit));
            Some(limit)
        }
        None => raw.max_tokens,
    };

    let mut tools = Vec::new();
    for (k, t) in raw.tools.unwrap_or_default().into_iter().enumerate() {
        tools.push(decode_tool(k, t)?);
    }

    let tool_choice = match raw.tool_choice {
        None | Some(Value::Null) => None,
        Some(v) => decode_tool_choice(v, &mut extra)?,
    };
    let response_format = match raw.response_format {
        None | Some(Value::Null) => None,
        Some(v) => decode_response_format(v, &mut extra)?,
    };

    let mut stream_include_usage = false;
    if let Some(opts) = raw.stream_options {
        stream_include_usage = opts.include_usage.unwrap_or(false);
        if !opts.rest.is_empty() {
            extra.insert(STREAM_OPTIONS.into(), Value::Object(opts.rest));
        }
    }

    Ok(ChatRequest {
        model,
        messages,
        max_tokens,
        temperature: raw.temperature,
        top_p: raw.top_p,
        stop: raw.stop,
        seed: raw.seed,
        tools,
        tool_choice,
        parallel_tool_calls: raw.parallel_tool_calls,
        response_format,
        user: raw.user,
        suffix: None,
        stream: raw.stream.unwrap_or(false),
        stream_include_usage,
        source: WireFormat::OpenAiChat,
        extra,
    })
}

fn decode_message(i: usize, m: MessageIn) -> Result<Message, CodecError> {
    let role = m.role.ok_or_else(|| {
        CodecError::field(
            format!("messages[{i}].role"),
            "missing required field `role`",
        )
    })?;
    let missing_content = || {
        CodecError::field(
            format!("messages[{i}].content"),
            "missing required field `content`",
        )
    };
    let (role, content) = match role {
        RoleIn::System | RoleIn::Developer | RoleIn::User => {
            let content = decode_content(i, m.content.ok_or_else(missing_content)?)?;
            let role = match role {
                RoleIn::System => Role::System,
                RoleIn::Developer => Role::Developer,
                _ => Role::User,
            };
            (role, content)
        }
        RoleIn::Assistant => (
            Role::Assistant,
            decode_assistant(i, m.content, m.tool_calls)?,
        ),
        RoleIn::Tool => {
            let tool_call_id = m.tool_call_id.ok_or_else(|| {
                CodecError::field(
                    format!("messages[{i}].tool_call_id"),
                    "missing required field `tool_call_id`",
                )
            })?;
            let content = decode_content(i, m.content.ok_or_else(missing_content)?)?;
            let result = ContentPart::ToolResult {
                tool_call_id,
                content,
                is_error: false,
                extra: Extras::new(),
            };
            (Role::Tool, vec![result])
        }
    };
    Ok(Message {
        role,
        content,
        name: m.name,
        extra: m.extra,
    })
}

/// An assistant turn: its content (may be null when it only calls tools), then its calls.
fn decode_assistant(
    i: usize,
    content: Option<ContentIn>,
    tool_calls: Option<Vec<ToolCallIn>>,
) -> Result<Vec<ContentPart>, CodecError> {
    let calls = tool_calls.unwrap_or_default();
    let mut parts = match content {
        // SDKs send `""` next to tool calls; it carries nothing and other formats reject
        // empty text blocks.
        Some(ContentIn::Text(t)) if t.is_empty() && !calls.is_empty() => Vec::new(),
        Some(c) => decode_content(i, c)?,
        None => Vec::new(),
    };
    parts.reserve(calls.len());
    for (j, call) in calls.into_iter().enumerate() {
        let field = |name: &str| format!("messages[{i}].tool_calls[{j}].{name}");
        if matches!(&call.kind, Some(Tag::Other(_))) {
            // Custom (free-form) tool calls have no canonical shape: keep them verbatim.
            parts.push(ContentPart::Other {
                format: WireFormat::OpenAiChat,
                value: call.into_raw(),
            });
            continue;
        }
        let id = call
            .id
            .ok_or_else(|| CodecError::field(field("id"), "missing required field `id`"))?;
        let function = call.function.ok_or_else(|| {
            CodecError::field(field("function"), "missing required field `function`")
        })?;
        let name = function.name.ok_or_else(|| {
            CodecError::field(field("function.name"), "missing required field `name`")
        })?;
        let arguments = function.arguments.ok_or_else(|| {
            CodecError::field(
                field("function.arguments"),
                "missing required field `arguments`",
            )
        })?;
        parts.push(ContentPart::ToolCall {
            id,
            name,
            arguments,
            extra: call.extra,
        });
    }
    Ok(parts)
}

fn decode_content(i: usize, content: ContentIn) -> Result<Vec<ContentPart>, CodecError> {
    match content {
        ContentIn::Text(text) => Ok(vec![ContentPart::text(text)]),
        ContentIn::Parts(parts) => {
            let mut out = Vec::with_capacity(parts.len());
            for (j, p) in parts.into_iter().enumerate() {
                out.push(decode_part(i, j, p)?);
            }
            Ok(out)
        }
    }
}

fn decode_part(i: usize, j: usize, p: PartIn) -> Result<ContentPart, CodecError> {
    let field = |name: &str| format!("messages[{i}].content[{j}].{name}");
    match &p.kind {
        None => Err(CodecError::field(
            field("type"),
            "missing required field `type`",
        )),
        Some(Tag::Text) => {
            let text = p
                .text
                .ok_or_else(|| CodecError::field(field("text"), "missing required field `text`"))?;
            Ok(ContentPart::Text {
                text,
                extra: p.extra,
            })
        }
        Some(Tag::ImageUrl) => {
            let image = p.image_url.ok_or_else(|| {
                CodecError::field(field("image_url"), "missing required field `image_url`")
            })?;
            let url = image.url.ok_or_else(|| {
                CodecError::field(field("image_url.url"), "missing required field `url`")
            })?;
            let mut extra = p.extra;
            if let Some(detail) = image.detail {
                extra.insert("detail".into(), detail);
            }
            // A `data:` URL stays a URL: re-emitting it to OpenAI is then free, and
            // `ImageSource::Url` is documented to hold data URLs.
            Ok(ContentPart::Image {
                source: ImageSource::Url(url),
                extra,
            })
        }
        Some(Tag::Function | Tag::Other(_)) => Ok(ContentPart::Other {
            format: WireFormat::OpenAiChat,
            value: p.into_raw(),
        }),
    }
}

fn decode_tool(k: usize, t: ToolIn) -> Result<Tool, CodecError> {
    match t.kind {
        Some(Tag::Function) => {}
        None if t.function.is_some() => {}
        None => {
            return Err(CodecError::field(
                format!("tools[{k}].type"),
                "missing required field `type`",
            ))
        }
        Some(kind) => {
            let mut value = t.extra;
            value.insert("type".into(), Value::String(kind.as_str().to_owned()));
            if let Some(f) = t.function {
                value.insert("function".into(), function_def_raw(f));
            }
            return Ok(Tool::Other {
                format: WireFormat::OpenAiChat,
                value: Value::Object(value),
            });
        }
    }
    let f = t.function.ok_or_else(|| {
        CodecError::field(
            format!("tools[{k}].function"),
            "missing required field `function`",
        )
    })?;
    let name = f.name.ok_or_else(|| {
        CodecError::field(
            format!("tools[{k}].function.name"),
            "missing required field `name`",
        )
    })?;
    Ok(Tool::Function(FunctionTool {
        name,
        description: f.description,
        // Absent parameters stay absent (Null) so that the same-format route is exact.
        parameters: f.parameters.unwrap_or(Value::Null),
        strict: f.strict,
        extra: t.extra,
    }))
}

/// A `function` object of a tool kind the model does not know, rebuilt verbatim.
fn function_def_raw(f: FunctionDefIn) -> Value {
    let mut map = Extras::new();
    if let Some(name) = f.name {
        map.insert("name".into(), Value::String(name));
    }
    if let Some(d) = f.description {
        map.insert("description".into(), Value::String(d));
    }
    if let Some(p) = f.parameters {
        map.insert("parameters".into(), p);
    }
    if let Some(s) = f.strict {
        map.insert("strict".into(), Value::Bool(s));
    }
    Value::Object(map)
}

/// `tool_choice`: the modes and the named-function form are canonical; other object forms
/// (`allowed_tools`, `custom`) are kept verbatim in `extra` for an OpenAI upstream.
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
        Value::Object(obj) => {
            match obj.get("type").and_then(Value::as_str) {
                Some("function") => {}
                Some(_) => {
                    extra.insert("tool_choice".into(), Value::Object(obj));
                    return Ok(None);
                }
                None => {
                    return Err(CodecError::field(
                        "tool_choice.type",
                        "missing required field `type`",
                    ))
                }
            }
            match obj
                .get("function")
                .and_then(|f| f.get("name"))
                .and_then(Value::as_str)
            {
                Some(name) => Ok(Some(ToolChoice::Tool(name.to_owned()))),
                None => Err(CodecError::field(
                    "tool_choice.function.name",
                    "missing required string field `name`",
                )),
            }
        }
        _ => Err(CodecError::field(
            "tool_choice",
            "expected a string or an object",
        )),
    }
}

/// `response_format`: `text`, `json_object` and `json_schema` are canonical (the schema's
/// optional `description` has no canonical field and is not kept); other types are kept
/// verbatim in `extra` for an OpenAI upstream.
fn decode_response_format(
    v: Value,
    extra: &mut Extras,
) -> Result<Option<ResponseFormat>, CodecError> {
    let Value::Object(mut obj) = v else {
        return Err(CodecError::field("response_format", "expected an object"));
    };
    let kind = match obj.get("type") {
        Some(Value::String(s)) => s.as_str(),
        _ => {
            return Err(CodecError::field(
                "response_format.type",
                "missing required string field `type`",
            ))
        }
    };
    match kind {
        "text" => Ok(Some(ResponseFormat::Text)),
        "json_object" => Ok(Some(ResponseFormat::JsonObject)),
        "json_schema" => {
            let Some(Value::Object(mut schema)) = obj.remove("json_schema") else {
                return Err(CodecError::field(
                    "response_format.json_schema",
                    "missing required object `json_schema`",
                ));
            };
            let name = match schema.remove("name") {
                Some(Value::String(name)) => name,
                _ => {
                    return Err(CodecError::field(
                        "response_format.json_schema.name",
                        "missing required string field `name`",
                    ))
                }
            };
            let strict = match schema.remove("strict") {
                None | Some(Value::Null) => None,
                Some(Value::Bool(b)) => Some(b),
                Some(_) => {
                    return Err(CodecError::field(
                        "response_format.json_schema.strict",
                        "expected a boolean",
                    ))
                }
            };
            Ok(Some(ResponseFormat::JsonSchema {
                name,
                schema: schema.remove("schema").unwrap_or(Value::Null),
                strict,
            }))
        }
        _ => {
            extra.insert("response_format".into(), Value::Object(obj));
            Ok(None)
        }
    }
}
