//! Client side: an Anthropic `POST /v1/messages` body into a canonical request.

use super::block_decode::WireContent;
use crate::{
    from_json_slice, ChatRequest, CodecError, Extras, FunctionTool, Message, ResponseFormat, Role,
    Tool, ToolChoice, WireFormat,
};
use serde::Deserialize;
use serde_json::Value;

/// A Messages request. Known fields are parsed straight into their types; every other
/// top-level field (`thinking`, `top_k`, `service_tier`, `mcp_servers`, ...) is kept in
/// `extra`.
#[derive(Deserialize)]
struct WireRequest {
    model: Option<String>,
    max_tokens: Option<u32>,
    messages: Option<Vec<WireMessage>>,
    system: Option<WireContent>,
    tools: Option<Vec<WireTool>>,
    tool_choice: Option<WireToolChoice>,
    stop_sequences: Option<Vec<String>>,
    temperature: Option<f64>,
    top_p: Option<f64>,
    metadata: Option<Extras>,
    stream: Option<bool>,
    #[serde(flatten)]
    extra: Extras,
}

#[derive(Deserialize)]
struct WireMessage {
    role: WireRole,
    content: WireContent,
    #[serde(flatten)]
    extra: Extras,
}

/// `system` is the `mid-conversation-system-2026-04-07` beta (Claude Code sends it): an
/// instruction at its place in the conversation rather than in the top-level `system`.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum WireRole {
    User,
    Assistant,
    System,
}

/// A tool definition: a custom tool (no `type`, or `type: "custom"`) or a typed tool
/// (server tools such as `web_search_20250305`, client tools such as `bash_20250124`).
#[derive(Deserialize)]
struct WireTool {
    #[serde(rename = "type")]
    kind: Option<String>,
    name: Option<String>,
    description: Option<String>,
    input_schema: Option<Value>,
    strict: Option<bool>,
    #[serde(flatten)]
    extra: Extras,
}

#[derive(Deserialize)]
struct WireToolChoice {
    #[serde(rename = "type")]
    kind: WireToolChoiceKind,
    name: Option<String>,
    disable_parallel_tool_use: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum WireToolChoiceKind {
    Auto,
    Any,
    Tool,
    None,
}

/// Decodes a client's Anthropic Messages request. Errors name the field at fault
/// (`messages[1].content[0].type`); `model`, `max_tokens` and `messages` are required, as
/// the Anthropic API requires them.
pub fn decode_request(body: &[u8]) -> Result<ChatRequest, CodecError> {
    let w: WireRequest = from_json_slice(body)?;
    let model = w
        .model
        .ok_or_else(|| CodecError::field("model", "missing field `model`"))?;
    let max_tokens = w
        .max_tokens
        .ok_or_else(|| CodecError::field("max_tokens", "missing field `max_tokens`"))?;
    if max_tokens == 0 {
        return Err(CodecError::field("max_tokens", "must be at least 1"));
    }
    let wire_messages = w
        .messages
        .ok_or_else(|| CodecError::field("messages", "missing field `messages`"))?;

    let mut req = ChatRequest::new(WireFormat::Anthropic, model);
    req.max_tokens = Some(max_tokens);
    req.extra = w.extra;

    let system = w.system.map(|c| c.0).filter(|parts| !parts.is_empty());
    req.messages = Vec::with_capacity(wire_messages.len() + usize::from(system.is_some()));
    if let Some(content) = system {
        req.messages.push(Message {
            role: Role::System,
            content,
            name: None,
            extra: Extras::new(),
        });
    }
    req.messages
        .extend(wire_messages.into_iter().map(|m| Message {
            role: match m.role {
                WireRole::User => Role::User,
                WireRole::Assistant => Role::Assistant,
                WireRole::System => Role::System,
            },
            content: m.content.0,
            name: None,
            extra: m.extra,
        }));

    if let Some(tools) = w.tools {
        req.tools = Vec::with_capacity(tools.len());
        for (i, tool) in tools.into_iter().enumerate() {
            req.tools.push(decode_tool(tool, i)?);
        }
    }
    if let Some(choice) = w.tool_choice {
        req.tool_choice =
            Some(match choice.kind {
                WireToolChoiceKind::Auto => ToolChoice::Auto,
                WireToolChoiceKind::Any => ToolChoice::Required,
                WireToolChoiceKind::None => ToolChoice::None,
                WireToolChoiceKind::Tool => ToolChoice::Tool(choice.name.ok_or_else(|| {
                    CodecError::field("tool_choice.name", "missing field `name`")
                })?),
            });
        req.parallel_tool_calls = choice.disable_parallel_tool_use.map(|disable| !disable);
    }
    req.stop = w.stop_sequences.unwrap_or_default();
    req.temperature = w.temperature;
    req.top_p = w.top_p;
    if let Some(mut metadata) = w.metadata {
        match metadata.remove("user_id") {
            Some(Value::String(user)) => req.user = Some(user),
            Some(other) => {
                metadata.insert("user_id".to_owned(), other);
            }
            None => {}
        }
        // Other metadata keys stay round-trippable; the encoder merges them back.
        if !metadata.is_empty() {
            req.extra
                .insert("metadata".to_owned(), Value::Object(metadata));
        }
    }
    req.response_format = structured_output(&req.extra);
    req.stream = w.stream.unwrap_or(false);
    // Anthropic streams always report usage.
    req.stream_include_usage = req.stream;
    Ok(req)
}

/// The canonical form of `output_config.format` (structured outputs: Claude Code asks for
/// its session titles this way), so that other formats ask for the same JSON. The field
/// itself stays in `extra`: an Anthropic upstream gets it as sent.
fn structured_output(extra: &Extras) -> Option<ResponseFormat> {
    let format = extra.get("output_config")?.get("format")?;
    match format.get("type")?.as_str()? {
        "json_schema" => Some(ResponseFormat::JsonSchema {
            name: "output".to_owned(),
            schema: format.get("schema")?.clone(),
            strict: None,
        }),
        _ => None,
    }
}

/// A custom tool becomes a function tool; a typed tool is kept verbatim.
fn decode_tool(tool: WireTool, index: usize) -> Result<Tool, CodecError> {
    let custom = match tool.kind.as_deref() {
        None => true,
        Some("custom") => true,
        Some(_) => false,
    };
    if !custom {
        let mut value = tool.extra;
        let fields = [
            ("type", tool.kind.map(Value::String)),
            ("name", tool.name.map(Value::String)),
            ("description", tool.description.map(Value::String)),
            ("input_schema", tool.input_schema),
            ("strict", tool.strict.map(Value::Bool)),
        ];
        for (key, v) in fields {
            if let Some(v) = v {
                value.insert(key.to_owned(), v);
            }
        }
        return Ok(Tool::Other {
            format: WireFormat::Anthropic,
            value: Value::Object(value),
        });
    }
    let name = tool
        .name
        .ok_or_else(|| CodecError::field(format!("tools[{index}].name"), "missing field `name`"))?;
    let mut extra = tool.extra;
    if let Some(kind) = tool.kind {
        // An explicit `type: "custom"` goes back as it came.
        extra.insert("type".to_owned(), Value::String(kind));
    }
    Ok(Tool::Function(FunctionTool {
        name,
        description: tool.description,
        parameters: tool.input_schema.unwrap_or(Value::Null),
        strict: tool.strict,
        extra,
    }))
}
