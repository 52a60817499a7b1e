//! Client side (test-only): a Gemini `GenerateContentRequest` body into a canonical request.
//!
//! Switchyard serves no Gemini clients; this direction exists so that tests can read what
//! the gateway sends upstream and check the provider side by round trips.

use super::response_decode::keep_signature;
use crate::canonical::{
    ChatRequest, ContentPart, Extras, FunctionTool, ImageSource, Message, ResponseFormat, Role,
    Tool, ToolChoice, WireFormat,
};
use crate::error::{from_json_slice, CodecError};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// Decodes a Gemini request body.
///
/// - The model and the streaming mode are part of the URL in this API, so `model` is empty
///   and `stream` false: the caller sets them from the path.
/// - `systemInstruction` becomes one system message; each `Content` one message (`model`
///   is the assistant); `functionResponse` parts stay in their user message as
///   `ToolResult`s whose text is the `response` object as JSON.
/// - Function calls without an `id` get `call_{n}` (n counts the request's calls) and
///   each `functionResponse` answers the earliest unanswered call of the same name, which
///   is how the API itself pairs them.
/// - `inlineData` / `fileData` with an `image/*` type are images; other media stay
///   `ContentPart::Other`, as do part kinds the model does not know.
/// - `parametersJsonSchema` and `responseJsonSchema` are JSON Schema and map onto the
///   canonical schemas; the OpenAPI-style `parameters` is used as the canonical schema too
///   but also kept in the declaration's `extra`, and `responseSchema` stays in
///   `generationConfig` extras (with `responseMimeType: application/json` as `JsonObject`),
///   so that a Gemini-to-Gemini route re-sends exactly what the client wrote.
/// - Unmodelled members stay in `extra` in their wire position (`generationConfig` and
///   `toolConfig` members under those keys).
pub fn decode_request(body: &[u8]) -> Result<ChatRequest, CodecError> {
    let wire: RequestIn<'_> = from_json_slice(body)?;
    let mut req = ChatRequest::new(WireFormat::Gemini, "");
    req.extra = wire.extra;

    if let Some(system) = wire.system_instruction {
        let content = system
            .parts
            .into_iter()
            .filter_map(|p| p.text.map(ContentPart::text))
            .collect();
        req.messages.push(Message {
            role: Role::System,
            content,
            name: None,
            extra: Extras::new(),
        });
    }

    let mut calls = Calls::default();
    for (ci, content) in wire.contents.into_iter().enumerate() {
        let role = match content.role.as_deref() {
            Some("model") => Role::Assistant,
            None | Some("user") => Role::User,
            Some(other) => {
                return Err(CodecError::field(
                    format!("contents[{ci}].role"),
                    format!("unknown role `{other}` (expected `user` or `model`)"),
                ))
            }
        };
        let mut parts = Vec::with_capacity(content.parts.len());
        for part in content.parts {
            parts.push(decode_part(part, &mut calls));
        }
        req.messages.push(Message {
            role,
            content: parts,
            name: None,
            extra: content.extra,
        });
    }

    if let Some(config) = wire.generation_config {
        apply_generation_config(&mut req, config);
    }
    for tool in wire.tools {
        decode_tool(tool, &mut req.tools);
    }
    if let Some(mut config) = wire.tool_config {
        if let Some(calling) = config.function_calling_config.take() {
            match tool_choice(&calling) {
                Some(choice) => req.tool_choice = Some(choice),
                None => {
                    config.extra.insert(
                        "functionCallingConfig".to_owned(),
                        serde_json::to_value(&calling).unwrap_or(Value::Null),
                    );
                }
            }
        }
        if !config.extra.is_empty() {
            req.extra
                .insert("toolConfig".to_owned(), Value::Object(config.extra));
        }
    }
    Ok(req)
}

/// Function calls seen so far, for ids and for pairing responses with calls.
#[derive(Default)]
struct Calls {
    count: usize,
    /// `(id, name)` of calls not yet answered.
    pending: Vec<(String, String)>,
}

fn decode_part(part: PartReqIn<'_>, calls: &mut Calls) -> ContentPart {
    let PartReqIn {
        text,
        thought,
        thought_signature,
        function_call,
        function_response,
        inline_data,
        file_data,
        mut extra,
    } = part;
    if let Some(call) = function_call {
        keep_signature(&mut extra, thought_signature);
        let id = call.id.unwrap_or_else(|| format!("call_{}", calls.count));
        calls.count += 1;
        calls.pending.push((id.clone(), call.name.clone()));
        return ContentPart::ToolCall {
            id,
            name: call.name,
            arguments: call
                .args
                .map_or_else(|| "{}".to_owned(), |a| a.get().to_owned()),
            extra,
        };
    }
    if let Some(response) = function_response {
        keep_signature(&mut extra, thought_signature);
        let tool_call_id = match response.id {
            Some(id) => {
                calls.pending.retain(|(pending, _)| *pending != id);
                id
            }
            None => match calls.pending.iter().position(|(_, n)| *n == response.name) {
                Some(i) => calls.pending.remove(i).0,
                // No call to answer: the name is the best id there is.
                None => response.name,
            },
        };
        let text = response
            .response
            .map_or_else(|| "{}".to_owned(), |r| r.get().to_owned());
        return ContentPart::ToolResult {
            tool_call_id,
            content: vec![ContentPart::text(text)],
            is_error: false,
            extra,
        };
    }
    if let Some(text) = text {
        keep_signature(&mut extra, thought_signature);
        return if thought == Some(true) {
            ContentPart::Thinking {
                text,
                signature: None,
                extra,
            }
        } else {
            ContentPart::Text { text, extra }
        };
    }
    let image = match (inline_data, file_data) {
        (Some(blob), _) if blob.mime_type.starts_with("image/") => Ok(ImageSource::Base64 {
            media_type: blob.mime_type,
            data: blob.data,
        }),
        (None, Some(file))
            if file
                .mime_type
                .as_deref()
                .is_some_and(|m| m.starts_with("image/")) =>
        {
            Ok(ImageSource::Url(file.file_uri))
        }
        (blob, file) => Err((blob, file)),
    };
    match image {
        Ok(source) => {
            keep_signature(&mut extra, thought_signature);
            ContentPart::Image { source, extra }
        }
        Err((blob, file)) => {
            // Not an image: keep the whole part verbatim.
            if let Some(blob) = blob {
                extra.insert(
                    "inlineData".to_owned(),
                    serde_json::to_value(blob).unwrap_or(Value::Null),
                );
            }
            if let Some(file) = file {
                extra.insert(
                    "fileData".to_owned(),
                    serde_json::to_value(file).unwrap_or(Value::Null),
                );
            }
            ContentPart::Other {
                format: WireFormat::Gemini,
                value: Value::Object(super::response_decode::raw_part(
                    extra,
                    thought,
                    thought_signature,
                )),
            }
        }
    }
}

fn apply_generation_config(req: &mut ChatRequest, mut config: GenerationConfigIn) {
    req.max_tokens = config.max_output_tokens;
    req.temperature = config.temperature;
    req.top_p = config.top_p;
    req.stop = config.stop_sequences;
    req.seed = config.seed.map(i64::from);
    let json = config.response_mime_type.as_deref() == Some("application/json");
    req.response_format = match config.response_json_schema.take() {
        Some(schema) if json => Some(ResponseFormat::JsonSchema {
            name: "response".to_owned(),
            schema,
            strict: None,
        }),
        Some(schema) => {
            // A schema without JSON output is not a canonical response format.
            config.extra.insert("responseJsonSchema".to_owned(), schema);
            None
        }
        None if json => Some(ResponseFormat::JsonObject),
        None => None,
    };
    if let (Some(mime), false) = (config.response_mime_type, json) {
        config
            .extra
            .insert("responseMimeType".to_owned(), Value::String(mime));
    }
    if !config.extra.is_empty() {
        req.extra
            .insert("generationConfig".to_owned(), Value::Object(config.extra));
    }
}

fn decode_tool(tool: Extras, out: &mut Vec<Tool>) {
    for (key, value) in tool {
        if key != "functionDeclarations" && key != "function_declarations" {
            let mut single = Extras::new();
            single.insert(key, value);
            out.push(Tool::Other {
                format: WireFormat::Gemini,
                value: Value::Object(single),
            });
            continue;
        }
        let Value::Array(declarations) = value else {
            continue;
        };
        for declaration in declarations {
            let Value::Object(mut d) = declaration else {
                continue;
            };
            let name = match d.remove("name") {
                Some(Value::String(n)) => n,
                _ => String::new(),
            };
            let description = match d.remove("description") {
                Some(Value::String(s)) => Some(s),
                _ => None,
            };
            let parameters = match d.remove("parametersJsonSchema") {
                Some(schema) => schema,
                // OpenAPI-style: usable as a schema elsewhere, re-sent as is to Gemini.
                None => d.get("parameters").cloned().unwrap_or(Value::Null),
            };
            out.push(Tool::Function(FunctionTool {
                name,
                description,
                parameters,
                strict: None,
                extra: d,
            }));
        }
    }
}

fn tool_choice(config: &FunctionCallingConfigIn) -> Option<ToolChoice> {
    let names = config.allowed_function_names.as_deref().unwrap_or_default();
    match (config.mode.as_deref(), names) {
        (None | Some("AUTO"), []) => Some(ToolChoice::Auto),
        (Some("NONE"), []) => Some(ToolChoice::None),
        (Some("ANY"), []) => Some(ToolChoice::Required),
        (Some("ANY"), [one]) => Some(ToolChoice::Tool(one.clone())),
        // `VALIDATED`, or several allowed names: not a canonical choice.
        _ => None,
    }
}

// ------------------------------------------------------------------------------------------
// Wire shapes of a request as a client writes it (camelCase; snake_case accepted too, as
// the API does).
// ------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestIn<'a> {
    #[serde(default, borrow)]
    contents: Vec<ContentReqIn<'a>>,
    #[serde(default, alias = "system_instruction")]
    system_instruction: Option<SystemInstructionIn>,
    #[serde(default)]
    tools: Vec<Extras>,
    #[serde(default, alias = "tool_config")]
    tool_config: Option<ToolConfigIn>,
    #[serde(default, alias = "generation_config")]
    generation_config: Option<GenerationConfigIn>,
    #[serde(flatten)]
    extra: Extras,
}

#[derive(Deserialize)]
struct SystemInstructionIn {
    #[serde(default)]
    parts: Vec<SystemPartIn>,
}

#[derive(Deserialize)]
struct SystemPartIn {
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct ContentReqIn<'a> {
    #[serde(default)]
    role: Option<String>,
    #[serde(default, borrow)]
    parts: Vec<PartReqIn<'a>>,
    #[serde(flatten)]
    extra: Extras,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PartReqIn<'a> {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    thought: Option<bool>,
    #[serde(default, alias = "thought_signature")]
    thought_signature: Option<String>,
    #[serde(default, borrow, alias = "function_call")]
    function_call: Option<FunctionCallReqIn<'a>>,
    #[serde(default, borrow, alias = "function_response")]
    function_response: Option<FunctionResponseIn<'a>>,
    #[serde(default, alias = "inline_data")]
    inline_data: Option<BlobIn>,
    #[serde(default, alias = "file_data")]
    file_data: Option<FileDataIn>,
    #[serde(flatten)]
    extra: Extras,
}

#[derive(Deserialize)]
struct FunctionCallReqIn<'a> {
    #[serde(default)]
    id: Option<String>,
    name: String,
    #[serde(default, borrow)]
    args: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct FunctionResponseIn<'a> {
    #[serde(default)]
    id: Option<String>,
    name: String,
    #[serde(default, borrow)]
    response: Option<&'a RawValue>,
}

#[derive(Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct BlobIn {
    #[serde(alias = "mime_type")]
    mime_type: String,
    data: String,
}

#[derive(Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct FileDataIn {
    #[serde(default, alias = "mime_type", skip_serializing_if = "Option::is_none")]
    mime_type: Option<String>,
    #[serde(alias = "file_uri")]
    file_uri: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ToolConfigIn {
    #[serde(default, alias = "function_calling_config")]
    function_calling_config: Option<FunctionCallingConfigIn>,
    #[serde(flatten)]
    extra: Extras,
}

#[derive(Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct FunctionCallingConfigIn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mode: Option<String>,
    #[serde(
        default,
        alias = "allowed_function_names",
        skip_serializing_if = "Option::is_none"
    )]
    allowed_function_names: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerationConfigIn {
    #[serde(default, alias = "max_output_tokens")]
    max_output_tokens: Option<u32>,
    #[serde(default)]
    temperature: Option<f64>,
    #[serde(default, alias = "top_p")]
    top_p: Option<f64>,
    #[serde(default, alias = "stop_sequences")]
    stop_sequences: Vec<String>,
    #[serde(default)]
    seed: Option<i32>,
    #[serde(default, alias = "response_mime_type")]
    response_mime_type: Option<String>,
    #[serde(default, alias = "response_json_schema")]
    response_json_schema: Option<Value>,
    #[serde(flatten)]
    extra: Extras,
}
