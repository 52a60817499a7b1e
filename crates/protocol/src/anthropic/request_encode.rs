//! Provider side: a canonical request into an Anthropic `POST /v1/messages` body.

use super::block_encode::{emits, plain_text, BlockOut, ContentOut, ExtrasOut, Target};
use crate::{
    to_json_vec, ChatRequest, CodecError, ContentPart, Extras, Message, ResponseFormat, Role, Tool,
    ToolChoice, WireFormat,
};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::borrow::Cow;

/// Appended to the system prompt when the request asks for a JSON object
/// (`response_format: json_object`), which the stable Anthropic API has no field for.
pub const JSON_OBJECT_INSTRUCTION: &str =
    "Respond with a single valid JSON object only: no prose before or after it, no code fences.";

/// Appended to the system prompt, followed by the schema itself, when the request asks for
/// JSON matching a schema (`response_format: json_schema`).
pub const JSON_SCHEMA_INSTRUCTION: &str = "Respond with a single valid JSON object only: no prose before or after it, no code fences. The object must match this JSON schema:";

/// Top-level keys this encoder writes itself; extras never repeat them.
const MODELLED: &[&str] = &[
    "model",
    "max_tokens",
    "system",
    "messages",
    "tools",
    "tool_choice",
    "stop_sequences",
    "temperature",
    "top_p",
    "metadata",
    "stream",
];

#[derive(Serialize)]
struct RequestOut<'a> {
    model: &'a str,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<SystemOut<'a>>,
    messages: Vec<MessageOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<ToolOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<ToolChoiceOut<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop_sequences: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<MetadataOut<'a>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stream: bool,
    #[serde(flatten)]
    extra: ExtrasOut<'a>,
}

/// `system`: a string when it is one plain text, else text blocks (which keep their
/// `cache_control` breakpoints).
enum SystemOut<'a> {
    Text(Cow<'a, str>),
    Blocks(Vec<BlockOut<'a>>),
}

impl Serialize for SystemOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(text) => s.serialize_str(text),
            Self::Blocks(blocks) => blocks.serialize(s),
        }
    }
}

#[derive(Serialize)]
struct MessageOut<'a> {
    role: &'static str,
    content: ContentOut<'a>,
    #[serde(flatten)]
    extra: ExtrasOut<'a>,
}

enum ToolOut<'a> {
    Function {
        tool: &'a crate::FunctionTool,
        own: bool,
    },
    Raw(&'a Value),
}

impl Serialize for ToolOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (tool, own) = match self {
            Self::Raw(value) => return value.serialize(s),
            Self::Function { tool, own } => (*tool, *own),
        };
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", &tool.name)?;
        if let Some(description) = &tool.description {
            m.serialize_entry("description", description)?;
        }
        if tool.parameters.is_null() {
            // Anthropic requires a schema; a function without parameters takes none.
            m.serialize_entry("input_schema", &EmptyObjectSchema)?;
        } else {
            m.serialize_entry("input_schema", &tool.parameters)?;
        }
        if own {
            // `strict` on Anthropic needs the client's own beta opt-in; only an
            // Anthropic client can have made it.
            if let Some(strict) = tool.strict {
                m.serialize_entry("strict", &strict)?;
            }
            for (k, v) in &tool.extra {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

/// `{"type":"object","properties":{}}`.
struct EmptyObjectSchema;

impl Serialize for EmptyObjectSchema {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("type", "object")?;
        m.serialize_entry("properties", &Extras::new())?;
        m.end()
    }
}

#[derive(Serialize)]
struct ToolChoiceOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disable_parallel_tool_use: Option<bool>,
}

/// `metadata`: the canonical user as `user_id`, plus the other keys an Anthropic client
/// sent.
#[derive(Serialize)]
struct MetadataOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
    #[serde(flatten)]
    rest: ExtrasOut<'a>,
}

/// Encodes `req` for an Anthropic upstream as model `model`.
///
/// Deviation from the common codec contract: `default_max_tokens` is sent when the request
/// has no `max_tokens`, because Anthropic requires one.
///
/// System and developer messages before the conversation's first user or assistant message
/// are hoisted into `system`. Later ones stay at their place as `role: "system"` messages
/// when the request came from an Anthropic client (the `mid-conversation-system` beta the
/// client negotiated with its own `anthropic-beta` header); from other clients, which
/// cannot have negotiated the beta, they are hoisted too. Tool messages become
/// `tool_result` blocks of a user message; consecutive messages of one role are merged,
/// since Anthropic requires alternating roles. Extras and `Other` parts and tools are
/// written only when they are Anthropic's own.
pub fn encode_request(
    req: &ChatRequest,
    model: &str,
    default_max_tokens: u32,
) -> Result<Vec<u8>, CodecError> {
    let own = req.source == WireFormat::Anthropic;
    let extras = req.extras_for(WireFormat::Anthropic);

    // A client's own `output_config.format` goes upstream as it is (in the extras); the
    // instruction stands in for structured output only when the request has no such field.
    let native_format = extras
        .and_then(|e| e.get("output_config"))
        .is_some_and(|c| c.get("format").is_some());
    let instruction = if native_format {
        None
    } else {
        json_instruction(req.response_format.as_ref())?.map(ContentPart::text)
    };
    let system = system_out(&req.messages, own, instruction.as_ref());
    let messages = messages_out(&req.messages, own);

    let tools: Vec<ToolOut<'_>> = req
        .tools
        .iter()
        .filter_map(|tool| match tool {
            Tool::Function(tool) => Some(ToolOut::Function { tool, own }),
            Tool::Other { format, value } => {
                (own && *format == WireFormat::Anthropic).then_some(ToolOut::Raw(value))
            }
        })
        .collect();
    // Anthropic refuses `tool_choice` without tools.
    let tool_choice = if tools.is_empty() {
        None
    } else {
        tool_choice_out(req.tool_choice.as_ref(), req.parallel_tool_calls)
    };

    let metadata_rest = extras
        .and_then(|e| e.get("metadata"))
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty());
    let metadata = (req.user.is_some() || metadata_rest.is_some()).then_some(MetadataOut {
        user_id: req.user.as_deref(),
        rest: ExtrasOut {
            map: metadata_rest,
            skip: &["user_id"],
        },
    });

    let out = RequestOut {
        model,
        max_tokens: req.max_tokens.unwrap_or(default_max_tokens),
        system,
        messages,
        tools,
        tool_choice,
        stop_sequences: &req.stop,
        // Anthropic's range is 0..=1; OpenAI's goes to 2.
        temperature: req
            .temperature
            .map(|t| if own { t } else { t.clamp(0.0, 1.0) }),
        top_p: req.top_p,
        metadata,
        stream: req.stream,
        extra: ExtrasOut {
            map: extras,
            skip: MODELLED,
        },
    };
    to_json_vec(&out)
}

/// The instruction that stands in for `response_format`, if it asks for JSON.
fn json_instruction(format: Option<&ResponseFormat>) -> Result<Option<String>, CodecError> {
    Ok(match format {
        None | Some(ResponseFormat::Text) => None,
        Some(ResponseFormat::JsonObject) => Some(JSON_OBJECT_INSTRUCTION.to_owned()),
        Some(ResponseFormat::JsonSchema { schema, .. }) => {
            let schema = serde_json::to_string(schema).map_err(|e| {
                CodecError::field("response_format", format!("cannot serialize schema: {e}"))
            })?;
            Some(format!("{JSON_SCHEMA_INSTRUCTION}\n{schema}"))
        }
    })
}

/// Whether `m` is a system or developer message.
fn is_system(m: &Message) -> bool {
    matches!(m.role, Role::System | Role::Developer)
}

/// How many messages go into the top-level `system`: all system messages, or, for an
/// Anthropic client, those before its first user or assistant message (the others were
/// sent inside `messages` and go back there).
fn hoisted_len(messages: &[Message], own: bool) -> usize {
    if own {
        messages
            .iter()
            .position(|m| !is_system(m))
            .unwrap_or(messages.len())
    } else {
        messages.len()
    }
}

/// The text parts of every hoisted system and developer message, plus the JSON instruction.
fn system_out<'a>(
    messages: &'a [Message],
    own: bool,
    instruction: Option<&'a ContentPart>,
) -> Option<SystemOut<'a>> {
    let hoisted = messages
        .get(..hoisted_len(messages, own))
        .unwrap_or(messages);
    let parts: Vec<&'a ContentPart> = hoisted
        .iter()
        .filter(|m| is_system(m))
        .flat_map(|m| m.content.iter())
        .filter(|p| matches!(p, ContentPart::Text { .. }))
        .chain(instruction)
        .collect();
    let plain: Option<Vec<&str>> = parts.iter().map(|p| plain_text(p, own)).collect();
    match plain {
        _ if parts.is_empty() => None,
        // One plain text, or plain texts joined with the instruction: a string.
        Some(texts) if texts.len() == 1 || (instruction.is_some() && texts.len() == 2) => {
            Some(SystemOut::Text(match texts.as_slice() {
                [only] => Cow::Borrowed(*only),
                _ => Cow::Owned(texts.join("\n\n")),
            }))
        }
        _ => Some(SystemOut::Blocks(
            parts
                .into_iter()
                .map(|part| BlockOut {
                    part,
                    own,
                    target: Target::Request,
                })
                .collect(),
        )),
    }
}

/// Conversation messages in Anthropic's shape: user and assistant turns, alternating, plus
/// an Anthropic client's own mid-conversation system messages at their places.
fn messages_out(messages: &[Message], own: bool) -> Vec<MessageOut<'_>> {
    // First group messages into turns of one role, then write each turn.
    struct Turn<'a> {
        role: &'static str,
        parts: Vec<&'a ContentPart>,
        first: &'a Message,
        merged: bool,
    }
    let mut turns: Vec<Turn<'_>> = Vec::with_capacity(messages.len());
    let hoisted = hoisted_len(messages, own);
    for (i, m) in messages.iter().enumerate() {
        let role = match m.role {
            // An Anthropic client's mid-conversation system message stays where it was.
            Role::System | Role::Developer if i >= hoisted => "system",
            Role::System | Role::Developer => continue,
            Role::User | Role::Tool => "user",
            Role::Assistant => "assistant",
        };
        let parts = m.content.iter().filter(|p| emits(p, own, Target::Request));
        match turns.last_mut() {
            // System messages are never merged: each one goes back as it came.
            Some(turn) if turn.role == role && role != "system" => {
                turn.parts.extend(parts);
                turn.merged = true;
            }
            _ => turns.push(Turn {
                role,
                parts: parts.collect(),
                first: m,
                merged: false,
            }),
        }
    }
    turns
        .into_iter()
        .filter(|t| !t.parts.is_empty())
        .map(|mut t| {
            if t.merged {
                // Anthropic wants a user turn's tool results before any other content;
                // merging OpenAI tool messages with a following user message can break that.
                t.parts
                    .sort_by_key(|p| !matches!(p, ContentPart::ToolResult { .. }));
            }
            let content = ContentOut::from_iter(t.parts.into_iter(), own, Target::Request);
            MessageOut {
                role: t.role,
                content,
                extra: ExtrasOut {
                    map: own.then_some(&t.first.extra),
                    skip: &["role", "content"],
                },
            }
        })
        .collect()
}

fn tool_choice_out(
    choice: Option<&ToolChoice>,
    parallel: Option<bool>,
) -> Option<ToolChoiceOut<'_>> {
    let disable_parallel_tool_use = parallel.map(|p| !p);
    let (kind, name) = match choice {
        Some(ToolChoice::Auto) => ("auto", None),
        Some(ToolChoice::None) => ("none", None),
        Some(ToolChoice::Required) => ("any", None),
        Some(ToolChoice::Tool(name)) => ("tool", Some(name.as_str())),
        // Only `disable_parallel_tool_use` to say: it lives in `tool_choice`.
        None if disable_parallel_tool_use == Some(true) => ("auto", None),
        None => return None,
    };
    Some(ToolChoiceOut {
        kind,
        name,
        // `none` takes no parallelism flag.
        disable_parallel_tool_use: if kind == "none" {
            None
        } else {
            disable_parallel_tool_use
        },
    })
}
