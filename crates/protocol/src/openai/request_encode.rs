//! Provider side: a canonical [`ChatRequest`] into an OpenAI chat completions request body.
//!
//! Fields of the request that belong to another wire format (extras, `Other` parts and
//! tools) are never written; OpenAI's own are written back verbatim.

use super::request_decode::{MAX_COMPLETION_TOKENS, STREAM_OPTIONS};
use super::wire::ExtrasOut;
use crate::{
    to_json_vec, ChatRequest, CodecError, ContentPart, Extras, FunctionTool, ImageSource, Message,
    ResponseFormat, Role, Tool, ToolChoice, WireFormat,
};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;

const OPENAI: WireFormat = WireFormat::OpenAiChat;

#[derive(Serialize)]
struct RequestOut<'a> {
    model: &'a str,
    messages: Vec<MessageOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<ToolOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<ToolChoiceOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parallel_tool_calls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<ResponseFormatOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<StreamOptionsOut<'a>>,
    /// From a Responses client's `reasoning.effort` (an OpenAI chat client's own
    /// `reasoning_effort` is one of its extras).
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_effort: Option<&'a str>,
    #[serde(flatten)]
    extra: ExtrasOut<'a>,
}

/// `stream_options`: always `include_usage: true` (the gateway accounts every token), plus
/// the client's other options when the request came from an OpenAI client.
struct StreamOptionsOut<'a> {
    client: Option<&'a Extras>,
}

impl Serialize for StreamOptionsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("include_usage", &true)?;
        for (k, v) in self.client.into_iter().flatten() {
            if k != "include_usage" {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

#[derive(Serialize)]
struct MessageOut<'a> {
    role: &'static str,
    content: ContentOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<ToolCallOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_call_id: Option<&'a str>,
    #[serde(flatten)]
    extra: ExtrasOut<'a>,
}

fn message_key(k: &str) -> bool {
    matches!(
        k,
        "role" | "content" | "name" | "tool_calls" | "tool_call_id"
    )
}

/// A message's `content`.
enum ContentOut<'a> {
    /// `null` (an assistant turn that only calls tools).
    Null,
    /// A plain string.
    Text(&'a str),
    /// An array of parts.
    Parts(Vec<PartOut<'a>>),
}

impl Serialize for ContentOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => s.serialize_unit(),
            Self::Text(t) => s.serialize_str(t),
            Self::Parts(parts) => parts.serialize(s),
        }
    }
}

/// One element of a `content` array.
#[derive(Serialize)]
#[serde(untagged)]
enum PartOut<'a> {
    /// `{"type": "text", "text": ...}`
    Text(TextPartOut<'a>),
    /// `{"type": "image_url", "image_url": {...}}`
    Image(ImagePartOut<'a>),
    /// An OpenAI part the model does not know, verbatim.
    Raw(&'a Value),
}

#[derive(Serialize)]
struct TextPartOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'a str,
    #[serde(flatten)]
    extra: ExtrasOut<'a>,
}

#[derive(Serialize)]
struct ImagePartOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    image_url: ImageUrlOut<'a>,
    #[serde(flatten)]
    extra: ExtrasOut<'a>,
}

#[derive(Serialize)]
struct ImageUrlOut<'a> {
    url: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a Value>,
}

fn text_part_key(k: &str) -> bool {
    matches!(k, "type" | "text")
}

fn image_part_key(k: &str) -> bool {
    matches!(k, "type" | "image_url" | "detail")
}

/// A tool call of an assistant message.
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum ToolCallOut<'a> {
    /// A function call.
    Function(FunctionCallOut<'a>),
    /// An OpenAI call of another type (`custom`), verbatim.
    Raw(&'a Value),
}

#[derive(Serialize)]
pub(super) struct FunctionCallOut<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: FunctionOut<'a>,
    #[serde(flatten)]
    extra: ExtrasOut<'a>,
}

#[derive(Serialize)]
struct FunctionOut<'a> {
    name: &'a str,
    arguments: &'a str,
}

fn tool_call_key(k: &str) -> bool {
    matches!(k, "id" | "type" | "function")
}

impl<'a> ToolCallOut<'a> {
    /// A function call; `extra` is written only when `same` (it is OpenAI's).
    pub(super) fn function(
        id: &'a str,
        name: &'a str,
        arguments: &'a str,
        extra: &'a Extras,
        same: bool,
    ) -> Self {
        Self::Function(FunctionCallOut {
            id,
            kind: "function",
            function: FunctionOut { name, arguments },
            extra: ExtrasOut::new(same.then_some(extra), &tool_call_key),
        })
    }
}

/// True for an OpenAI `Other` value that is a tool call rather than a content part: tool
/// calls carry a top-level `id`, content parts never do.
pub(super) fn is_raw_tool_call(value: &Value) -> bool {
    value.get("id").is_some()
}

#[derive(Serialize)]
#[serde(untagged)]
enum ToolOut<'a> {
    Function(FunctionToolOut<'a>),
    Raw(&'a Value),
}

#[derive(Serialize)]
struct FunctionToolOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    function: FunctionDefOut<'a>,
    #[serde(flatten)]
    extra: ExtrasOut<'a>,
}

#[derive(Serialize)]
struct FunctionDefOut<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Value::is_null")]
    parameters: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    strict: Option<bool>,
}

fn tool_key(k: &str) -> bool {
    matches!(k, "type" | "function")
}

enum ToolChoiceOut<'a> {
    Mode(&'static str),
    Function(&'a str),
}

impl Serialize for ToolChoiceOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Mode(m) => s.serialize_str(m),
            Self::Function(name) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("type", "function")?;
                map.serialize_entry("function", &NameOnly { name })?;
                map.end()
            }
        }
    }
}

#[derive(Serialize)]
struct NameOnly<'a> {
    name: &'a str,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ResponseFormatOut<'a> {
    Text,
    JsonObject,
    JsonSchema { json_schema: JsonSchemaOut<'a> },
}

#[derive(Serialize)]
struct JsonSchemaOut<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Value::is_null")]
    schema: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    strict: Option<bool>,
}

/// Encodes a request for the upstream. `model` is the upstream model name (replaces
/// `req.model`). A streaming request asks the upstream for usage too (OpenAI
/// `stream_options.include_usage = true`), because the gateway accounts every token.
pub fn encode_request(req: &ChatRequest, model: &str) -> Result<Vec<u8>, CodecError> {
    let same = req.source == OPENAI;
    let extras = req.extras_for(OPENAI);

    let completion_spelling = extras.is_some_and(|e| e.contains_key(MAX_COMPLETION_TOKENS));
    let (max_tokens, max_completion_tokens) = if completion_spelling {
        (None, req.max_tokens)
    } else {
        (req.max_tokens, None)
    };

    let mut messages = Vec::with_capacity(req.messages.len());
    for m in &req.messages {
        push_message(m, same, &mut messages);
    }

    let tools = req
        .tools
        .iter()
        .filter_map(|t| match t {
            Tool::Function(f) => Some(ToolOut::Function(function_tool(f, same))),
            Tool::Other { format, value } if *format == OPENAI => Some(ToolOut::Raw(value)),
            Tool::Other { .. } => None,
        })
        .collect();

    let tool_choice = req.tool_choice.as_ref().map(|c| match c {
        ToolChoice::Auto => ToolChoiceOut::Mode("auto"),
        ToolChoice::None => ToolChoiceOut::Mode("none"),
        ToolChoice::Required => ToolChoiceOut::Mode("required"),
        ToolChoice::Tool(name) => ToolChoiceOut::Function(name),
    });
    let response_format = req.response_format.as_ref().map(|f| match f {
        ResponseFormat::Text => ResponseFormatOut::Text,
        ResponseFormat::JsonObject => ResponseFormatOut::JsonObject,
        ResponseFormat::JsonSchema {
            name,
            schema,
            strict,
        } => ResponseFormatOut::JsonSchema {
            json_schema: JsonSchemaOut {
                name,
                schema,
                strict: *strict,
            },
        },
    });

    let stream_options = req.stream.then(|| StreamOptionsOut {
        client: extras
            .and_then(|e| e.get(STREAM_OPTIONS))
            .and_then(Value::as_object),
    });

    // Extras whose key a typed field writes are left out: the typed (canonical) value wins.
    // `tool_choice` / `response_format` extras hold forms the model cannot express and are
    // written only when the canonical field is unset.
    let typed_tool_choice = tool_choice.is_some();
    let typed_response_format = response_format.is_some();
    let top_level_key = |k: &str| match k {
        "model"
        | "messages"
        | "max_tokens"
        | "temperature"
        | "top_p"
        | "stop"
        | "seed"
        | "n"
        | "tools"
        | "parallel_tool_calls"
        | "user"
        | "stream"
        | MAX_COMPLETION_TOKENS
        | STREAM_OPTIONS => true,
        "tool_choice" => typed_tool_choice,
        "response_format" => typed_response_format,
        _ => false,
    };

    let out = RequestOut {
        model,
        messages,
        max_tokens,
        max_completion_tokens,
        temperature: req.temperature,
        top_p: req.top_p,
        stop: &req.stop,
        seed: req.seed,
        tools,
        tool_choice,
        parallel_tool_calls: req.parallel_tool_calls,
        response_format,
        user: req.user.as_deref(),
        stream: req.stream,
        stream_options,
        reasoning_effort: responses_reasoning_effort(req),
        extra: ExtrasOut::new(extras, &top_level_key),
    };
    to_json_vec(&out)
}

/// The `reasoning.effort` of a request from a Responses client: the one setting of its
/// `reasoning` that chat completions has (as `reasoning_effort`).
fn responses_reasoning_effort(req: &ChatRequest) -> Option<&str> {
    req.extras_for(WireFormat::OpenAiResponses)?
        .get("reasoning")?
        .get("effort")?
        .as_str()
}

fn function_tool(f: &FunctionTool, same: bool) -> FunctionToolOut<'_> {
    FunctionToolOut {
        kind: "function",
        function: FunctionDefOut {
            name: &f.name,
            description: f.description.as_deref(),
            parameters: &f.parameters,
            strict: f.strict,
        },
        extra: ExtrasOut::new(same.then_some(&f.extra), &tool_key),
    }
}

/// Appends the OpenAI messages for one canonical message. Tool results (in `Tool` messages,
/// or in `User` messages as Anthropic carries them) become `role: "tool"` messages placed
/// before the rest of the message, which is dropped if nothing else remains.
fn push_message<'a>(m: &'a Message, same: bool, out: &mut Vec<MessageOut<'a>>) {
    let message_extra = same.then_some(&m.extra);
    let mut has_results = false;
    for part in &m.content {
        if let ContentPart::ToolResult {
            tool_call_id,
            content,
            ..
        } = part
        {
            has_results = true;
            out.push(MessageOut {
                role: "tool",
                // OpenAI tool messages carry text parts only; images in a result are dropped.
                content: content_out(content, same, false),
                name: if m.role == Role::Tool {
                    m.name.as_deref()
                } else {
                    None
                },
                tool_calls: Vec::new(),
                tool_call_id: Some(tool_call_id),
                extra: ExtrasOut::new(message_extra.filter(|_| m.role == Role::Tool), &message_key),
            });
        }
    }
    let role = match m.role {
        Role::Tool => return,
        Role::System => "system",
        Role::Developer if same => "developer",
        Role::Developer => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
    };

    let mut tool_calls = Vec::new();
    if m.role == Role::Assistant {
        for part in &m.content {
            match part {
                ContentPart::ToolCall {
                    id,
                    name,
                    arguments,
                    extra,
                } => tool_calls.push(ToolCallOut::function(id, name, arguments, extra, same)),
                ContentPart::Other { format, value }
                    if *format == OPENAI && is_raw_tool_call(value) =>
                {
                    tool_calls.push(ToolCallOut::Raw(value))
                }
                _ => {}
            }
        }
    }
    let content = content_out(&m.content, same, true);
    let empty = matches!(&content, ContentOut::Parts(p) if p.is_empty());
    if empty && has_results {
        return;
    }
    let content = match content {
        ContentOut::Parts(p) if p.is_empty() && !tool_calls.is_empty() => ContentOut::Null,
        ContentOut::Parts(p) if p.is_empty() => ContentOut::Text(""),
        c => c,
    };
    out.push(MessageOut {
        role,
        content,
        name: m.name.as_deref(),
        tool_calls,
        tool_call_id: None,
        extra: ExtrasOut::new(message_extra, &message_key),
    });
}

/// The `content` of a message from the parts OpenAI can carry: text, images and OpenAI
/// parts kept verbatim. Tool calls and results are placed elsewhere by the caller; thinking
/// is dropped (OpenAI has no replayable reasoning) and so are other formats' parts. A lone
/// text part without extras to write becomes a plain string. An empty `Parts` means
/// nothing was left. `images`: whether image parts may be written at all.
fn content_out(parts: &[ContentPart], same: bool, images: bool) -> ContentOut<'_> {
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        match part {
            ContentPart::Text { text, extra } => out.push(PartOut::Text(TextPartOut {
                kind: "text",
                text,
                extra: ExtrasOut::new(same.then_some(extra), &text_part_key),
            })),
            ContentPart::Image { source, extra } if images => {
                let url = match source {
                    ImageSource::Url(url) => Cow::Borrowed(url.as_str()),
                    ImageSource::Base64 { media_type, data } => {
                        Cow::Owned(format!("data:{media_type};base64,{data}"))
                    }
                };
                let extra = same.then_some(extra);
                out.push(PartOut::Image(ImagePartOut {
                    kind: "image_url",
                    image_url: ImageUrlOut {
                        url,
                        detail: extra.and_then(|e| e.get("detail")),
                    },
                    extra: ExtrasOut::new(extra, &image_part_key),
                }));
            }
            ContentPart::Other { format, value }
                if *format == OPENAI && !is_raw_tool_call(value) =>
            {
                out.push(PartOut::Raw(value))
            }
            ContentPart::Other { .. }
            | ContentPart::Image { .. }
            | ContentPart::ToolCall { .. }
            | ContentPart::ToolResult { .. }
            | ContentPart::Thinking { .. } => {}
        }
    }
    if let [PartOut::Text(t)] = out.as_slice() {
        if t.extra.is_empty() {
            return ContentOut::Text(t.text);
        }
    }
    ContentOut::Parts(out)
}
