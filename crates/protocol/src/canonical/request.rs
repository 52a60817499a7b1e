//! Canonical chat request.

use super::{Extras, WireFormat};
use serde_json::Value;

/// A chat request, whatever wire format it arrived in.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// The model name the client sent (an alias, "auto", or an upstream name).
    pub model: String,
    /// The conversation, in order. System and developer messages may appear anywhere
    /// (OpenAI semantics); codecs whose format has a single top-level system prompt
    /// hoist them.
    pub messages: Vec<Message>,
    /// Upper bound on generated tokens (`max_tokens` / `max_completion_tokens` /
    /// `maxOutputTokens`).
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    pub top_p: Option<f64>,
    /// Stop sequences.
    pub stop: Vec<String>,
    /// Sampling seed.
    pub seed: Option<i64>,
    /// Tools the model may call.
    pub tools: Vec<Tool>,
    /// How the model must use the tools.
    pub tool_choice: Option<ToolChoice>,
    /// Whether the model may call several tools in one turn.
    pub parallel_tool_calls: Option<bool>,
    /// Structured output.
    pub response_format: Option<ResponseFormat>,
    /// End-user identifier supplied by the client (`user`, Anthropic `metadata.user_id`).
    pub user: Option<String>,
    /// Fill in the middle: the code after the cursor (the last user message is the code
    /// before it). Set by the legacy completions codec; an upstream without a native
    /// fill-in-the-middle endpoint gets a chat prompt made from both instead.
    pub suffix: Option<String>,
    /// Whether the client wants a stream of events.
    pub stream: bool,
    /// Whether the client asked for a usage chunk at the end of the stream
    /// (OpenAI `stream_options.include_usage`; Anthropic streams always carry usage).
    pub stream_include_usage: bool,
    /// The format the request was decoded from: `extra` maps anywhere in this request are
    /// that format's fields, and only an encoder of the same format re-emits them.
    pub source: WireFormat,
    /// Top-level fields the model does not understand.
    pub extra: Extras,
}

impl ChatRequest {
    /// An empty request for `model` as if decoded from `source`; convenient in tests and
    /// for internally generated requests.
    pub fn new(source: WireFormat, model: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            messages: Vec::new(),
            max_tokens: None,
            temperature: None,
            top_p: None,
            stop: Vec::new(),
            seed: None,
            tools: Vec::new(),
            tool_choice: None,
            parallel_tool_calls: None,
            response_format: None,
            user: None,
            suffix: None,
            stream: false,
            stream_include_usage: false,
            source,
            extra: Extras::new(),
        }
    }

    /// The extras of this request if they belong to `target`, else `None`: encoders call
    /// this so that one format's private fields never leak into another's payload.
    pub fn extras_for(&self, target: WireFormat) -> Option<&Extras> {
        (self.source == target).then_some(&self.extra)
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Instructions from the application.
    System,
    /// OpenAI's newer name for system instructions; other formats treat it as `System`.
    Developer,
    /// The end user (Anthropic tool results arrive in user messages too).
    User,
    /// The model.
    Assistant,
    /// A tool's result (OpenAI `role: "tool"`); holds [`ContentPart::ToolResult`] parts.
    Tool,
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Author.
    pub role: Role,
    /// Content, as parts (a plain string is one `Text` part).
    pub content: Vec<ContentPart>,
    /// Optional participant name (OpenAI `name`).
    pub name: Option<String>,
    /// Message fields the model does not understand (same-format only).
    pub extra: Extras,
}

impl Message {
    /// A message with a single text part.
    pub fn text(role: Role, text: impl Into<String>) -> Self {
        Self {
            role,
            content: vec![ContentPart::text(text)],
            name: None,
            extra: Extras::new(),
        }
    }

    /// The concatenated text parts of this message.
    pub fn joined_text(&self) -> String {
        let mut out = String::new();
        for part in &self.content {
            if let ContentPart::Text { text, .. } = part {
                out.push_str(text);
            }
        }
        out
    }
}

/// A piece of message content.
#[derive(Debug, Clone, PartialEq)]
pub enum ContentPart {
    /// Text.
    Text {
        /// The text.
        text: String,
        /// Part fields not modelled, e.g. Anthropic `cache_control`, `citations`.
        extra: Extras,
    },
    /// An image, by URL or inline data.
    Image {
        /// Where the image is.
        source: ImageSource,
        /// Part fields not modelled (OpenAI `detail`, Anthropic `cache_control`).
        extra: Extras,
    },
    /// A tool call made by the assistant.
    ToolCall {
        /// Call id, referenced by the matching result.
        id: String,
        /// Tool name.
        name: String,
        /// Arguments as JSON text (OpenAI carries a string, Anthropic and Gemini an
        /// object; the text form is lossless for both).
        arguments: String,
        /// Part fields not modelled.
        extra: Extras,
    },
    /// The result of a tool call, sent back to the model.
    ToolResult {
        /// The id of the call this answers.
        tool_call_id: String,
        /// The result content (text parts, sometimes images).
        content: Vec<ContentPart>,
        /// Whether the tool reported failure (Anthropic `is_error`).
        is_error: bool,
        /// Part fields not modelled.
        extra: Extras,
    },
    /// Model reasoning (Anthropic `thinking` blocks; replayed with their signature).
    Thinking {
        /// The reasoning text.
        text: String,
        /// The provider's signature over the block; must be replayed unchanged.
        signature: Option<String>,
        /// Block fields not modelled.
        extra: Extras,
    },
    /// A block of a kind the model does not know (e.g. Anthropic `redacted_thinking`,
    /// `document`, `server_tool_use`), kept verbatim for its own format.
    Other {
        /// The format the value is written in.
        format: WireFormat,
        /// The raw block.
        value: Value,
    },
}

impl ContentPart {
    /// A text part without extras.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text {
            text: text.into(),
            extra: Extras::new(),
        }
    }
}

/// Where an image comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageSource {
    /// A URL (http(s) or a `data:` URL).
    Url(String),
    /// Inline base64 data.
    Base64 {
        /// MIME type, e.g. `image/png`.
        media_type: String,
        /// Base64 payload.
        data: String,
    },
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq)]
pub enum Tool {
    /// A function tool described by a JSON schema.
    Function(FunctionTool),
    /// A tool of a kind the model does not know (Anthropic server tools such as
    /// `web_search_20250305`, OpenAI custom tools), kept verbatim for its own format.
    Other {
        /// The format the value is written in.
        format: WireFormat,
        /// The raw tool definition.
        value: Value,
    },
}

/// A function tool.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionTool {
    /// Function name.
    pub name: String,
    /// What the function does.
    pub description: Option<String>,
    /// JSON schema of the arguments.
    pub parameters: Value,
    /// Whether the provider should enforce the schema strictly (OpenAI `strict`).
    pub strict: Option<bool>,
    /// Definition fields not modelled (e.g. Anthropic `cache_control`).
    pub extra: Extras,
}

/// How the model must use tools.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolChoice {
    /// The model decides.
    Auto,
    /// No tool calls.
    None,
    /// At least one tool call (OpenAI `required`, Anthropic `any`).
    Required,
    /// This tool must be called.
    Tool(String),
}

/// Structured output.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseFormat {
    /// Free text (the default).
    Text,
    /// Any JSON object.
    JsonObject,
    /// JSON matching a schema.
    JsonSchema {
        /// Schema name.
        name: String,
        /// The JSON schema.
        schema: Value,
        /// Strict adherence.
        strict: Option<bool>,
    },
}
