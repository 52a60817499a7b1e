//! Canonical request -> Gemini `GenerateContentRequest` body (the provider side).

use super::wire::{
    BlobOut, ContentOut, ExtrasOut, FileDataOut, FunctionCallOut, FunctionCallingConfigOut,
    FunctionDeclarationOut, FunctionResponseOut, GenerationConfigOut, KnownPart, PartData, PartOut,
    Payload, RequestOut, ResponseBody, SchemaOut, SystemInstructionOut, TextOut, ToolConfigOut,
    ToolOut,
};
use super::DUMMY_THOUGHT_SIGNATURE;
use crate::canonical::{
    ChatRequest, ContentPart, Extras, ImageSource, ResponseFormat, Role, Tool, ToolChoice,
    WireFormat,
};
use crate::error::{to_json_vec, CodecError};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;

/// Keys of a request's top-level extras that this encoder writes itself. A Gemini-sourced
/// request keeps unmodelled `generationConfig` / `toolConfig` members under these keys;
/// they are merged into the objects the encoder builds instead of being emitted twice.
const TOP_LEVEL_KEYS: &[&str] = &[
    "contents",
    "systemInstruction",
    "tools",
    "toolConfig",
    "generationConfig",
];
const GENERATION_CONFIG_KEYS: &[&str] = &[
    "maxOutputTokens",
    "temperature",
    "topP",
    "stopSequences",
    "seed",
    "responseMimeType",
    "responseJsonSchema",
];
const TOOL_CONFIG_KEYS: &[&str] = &["functionCallingConfig"];
const CONTENT_KEYS: &[&str] = &["role", "parts"];
const PART_KEYS: &[&str] = &[
    "text",
    "inlineData",
    "fileData",
    "functionCall",
    "functionResponse",
    "thought",
];
const DECLARATION_KEYS: &[&str] = &["name", "description", "parametersJsonSchema"];

/// Encodes `req` as a Gemini `generateContent` / `streamGenerateContent` body.
///
/// The model and the streaming mode are part of the URL in this API
/// (`models/{model}:streamGenerateContent?alt=sse`), so `model` and `req.stream` do not
/// appear in the body; Gemini always reports usage, so nothing has to ask for it.
///
/// Mapping decisions (why they are what they are):
/// - System and developer messages are hoisted into `systemInstruction` (text only: the
///   API accepts only text there).
/// - Tool results become `functionResponse` parts of a `user` turn. Gemini identifies the
///   call by function *name*, which the canonical result lacks, so the name is taken from
///   the nearest earlier `ToolCall` with the same id; a result without one is an error.
///   The `response` must be an object: a JSON-object result passes as is, other text is
///   wrapped as `{"result": text}`, and failures as `{"error": ...}` (the key the API
///   reference names for error details).
/// - Call ids are not sent: the API matches responses to calls by name and order, and ids
///   the gateway generated for the client would be meaningless upstream.
/// - Gemini 3 rejects a replayed `functionCall` without its `thoughtSignature`. A signature
///   only survives a same-format route, so the first call of each model turn that has
///   none gets [`DUMMY_THOUGHT_SIGNATURE`], the value Google documents for history that
///   was not produced by Gemini.
/// - Parameters and response schemas go as `parametersJsonSchema` / `responseJsonSchema`,
///   which take plain JSON Schema (`additionalProperties` and all), so client schemas need
///   no translation into the OpenAPI subset of `parameters` / `responseSchema`.
/// - Dropped: thinking parts (their signatures belong to other providers), parts and tools
///   of other formats, `parallel_tool_calls`, `user`, the schema's `name` and `strict`.
/// - Consecutive turns of the same role are merged (the API expects alternation); empty
///   text parts (which the API rejects) are left out, and so are turns left empty.
/// - Gemini's `seed` is an int32; a wider seed is truncated, which keeps it deterministic.
pub fn encode_request(req: &ChatRequest, model: &str) -> Result<Vec<u8>, CodecError> {
    // The model is addressed by the URL, see above.
    let _ = model;
    let same_format = req.source == WireFormat::Gemini;
    let top_extras = req.extras_for(WireFormat::Gemini);

    let mut system = Vec::new();
    let mut contents: Vec<ContentOut<'_>> = Vec::with_capacity(req.messages.len());
    // Call id -> function name, updated in conversation order so that a result finds the
    // nearest earlier call even if a client reuses ids across turns.
    let mut call_names: HashMap<&str, &str> = HashMap::new();

    for (mi, msg) in req.messages.iter().enumerate() {
        let role = match msg.role {
            Role::System | Role::Developer => {
                for part in &msg.content {
                    match part {
                        ContentPart::Text { text, .. } if !text.is_empty() => {
                            system.push(TextOut { text });
                        }
                        _ => {}
                    }
                }
                continue;
            }
            Role::Assistant => "model",
            Role::User | Role::Tool => "user",
        };
        let mut parts = Vec::with_capacity(msg.content.len());
        for (pi, part) in msg.content.iter().enumerate() {
            let at = Path { mi, pi };
            encode_part(part, same_format, at, &mut call_names, &mut parts)?;
        }
        if parts.is_empty() {
            continue;
        }
        let extra = ExtrasOut::new(same_format.then_some(&msg.extra), CONTENT_KEYS);
        match contents.last_mut() {
            Some(prev) if prev.role == role => prev.parts.append(&mut parts),
            _ => contents.push(ContentOut { role, parts, extra }),
        }
    }
    sign_first_calls(&mut contents);

    let body = RequestOut {
        contents,
        system_instruction: (!system.is_empty()).then_some(SystemInstructionOut { parts: system }),
        tools: Vec::new(),
        tool_config: None,
        generation_config: generation_config(req, top_extras),
        extra: ExtrasOut::new(top_extras, TOP_LEVEL_KEYS),
    };
    let body = with_tools(body, req, same_format, top_extras);
    to_json_vec(&body)
}

/// Position of a part, for error paths.
#[derive(Clone, Copy)]
struct Path {
    mi: usize,
    pi: usize,
}

impl Path {
    fn field(self, name: &str) -> String {
        format!("messages[{}].content[{}].{name}", self.mi, self.pi)
    }
    fn part(self) -> String {
        format!("messages[{}].content[{}]", self.mi, self.pi)
    }
}

/// Appends the Gemini parts for one canonical part (zero, one, or several for a tool
/// result with images).
fn encode_part<'a>(
    part: &'a ContentPart,
    same_format: bool,
    at: Path,
    call_names: &mut HashMap<&'a str, &'a str>,
    out: &mut Vec<PartOut<'a>>,
) -> Result<(), CodecError> {
    let extras = |extra: &'a Extras| ExtrasOut::new(same_format.then_some(extra), PART_KEYS);
    match part {
        ContentPart::Text { text, extra } => {
            let extra = extras(extra);
            // Gemini rejects empty text parts, which OpenAI clients send next to tool
            // calls; one that carries a same-format signature is kept.
            if !text.is_empty() || !extra.is_empty() {
                out.push(known(PartData::Text(text), extra));
            }
        }
        ContentPart::Image { source, extra } => {
            out.push(known(image(source, || at.part())?, extras(extra)));
        }
        ContentPart::ToolCall {
            id,
            name,
            arguments,
            extra,
        } => {
            call_names.insert(id, name);
            let args = call_args(arguments, at)?;
            out.push(known(
                PartData::FunctionCall(FunctionCallOut { name, args }),
                extras(extra),
            ));
        }
        ContentPart::ToolResult {
            tool_call_id,
            content,
            is_error,
            extra,
        } => {
            let Some(name) = call_names.get(tool_call_id.as_str()).copied() else {
                return Err(CodecError::field(
                    at.field("tool_call_id"),
                    format!("no earlier tool call has id `{tool_call_id}`; Gemini needs the function name"),
                ));
            };
            let response = tool_response(content, *is_error);
            out.push(known(
                PartData::FunctionResponse(FunctionResponseOut { name, response }),
                extras(extra),
            ));
            // Images a tool returned ride along as sibling parts of the same turn.
            for (ii, inner) in content.iter().enumerate() {
                if let ContentPart::Image { source, .. } = inner {
                    let data = image(source, || format!("{}.content[{ii}]", at.part()))?;
                    out.push(known(data, ExtrasOut::NONE));
                }
            }
        }
        ContentPart::Thinking {
            text,
            signature,
            extra,
        } => {
            // Only a Gemini thought can be replayed to Gemini.
            if same_format {
                // The decoder keeps the signature in `extra`; `signature` is a fallback.
                let extra = extras(extra);
                let thought_signature = signature
                    .as_deref()
                    .filter(|_| !extra.has("thoughtSignature"));
                out.push(PartOut::Known(KnownPart {
                    data: PartData::Text(text),
                    thought: Some(true),
                    thought_signature,
                    extra,
                }));
            }
        }
        ContentPart::Other { format, value } => {
            if *format == WireFormat::Gemini {
                out.push(PartOut::Raw(value));
            }
        }
    }
    Ok(())
}

/// A known part without thought fields.
fn known<'a>(data: PartData<'a>, extra: ExtrasOut<'a>) -> PartOut<'a> {
    PartOut::Known(KnownPart {
        data,
        thought: None,
        thought_signature: None,
        extra,
    })
}

/// `inlineData` for inline images and `data:` URLs, `fileData` for other URLs.
fn image(source: &ImageSource, param: impl Fn() -> String) -> Result<PartData<'_>, CodecError> {
    match source {
        ImageSource::Base64 { media_type, data } => Ok(PartData::InlineData(BlobOut {
            mime_type: media_type,
            data,
        })),
        ImageSource::Url(url) => match url.strip_prefix("data:") {
            Some(rest) => {
                let bad = || {
                    CodecError::field(
                        param(),
                        "image data URL must be `data:<mime>;base64,<data>`",
                    )
                };
                let (meta, data) = rest.split_once(',').ok_or_else(bad)?;
                let mut params = meta.split(';');
                let mime_type = params.next().filter(|m| !m.is_empty()).ok_or_else(bad)?;
                if !params.any(|p| p.eq_ignore_ascii_case("base64")) {
                    return Err(bad());
                }
                Ok(PartData::InlineData(BlobOut { mime_type, data }))
            }
            None => Ok(PartData::FileData(FileDataOut {
                mime_type: image_mime_from_url(url),
                file_uri: url,
            })),
        },
    }
}

/// The MIME type implied by an image URL's extension, if it is one Gemini accepts.
fn image_mime_from_url(url: &str) -> Option<&'static str> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let ext = path.rsplit_once('.').map(|(_, e)| e)?;
    const TYPES: &[(&str, &str)] = &[
        ("png", "image/png"),
        ("jpg", "image/jpeg"),
        ("jpeg", "image/jpeg"),
        ("webp", "image/webp"),
        ("gif", "image/gif"),
        ("heic", "image/heic"),
        ("heif", "image/heif"),
    ];
    TYPES
        .iter()
        .find(|(e, _)| e.eq_ignore_ascii_case(ext))
        .map(|(_, m)| *m)
}

/// The `args` object of a call, borrowed from the canonical JSON text.
fn call_args(arguments: &str, at: Path) -> Result<&RawValue, CodecError> {
    let empty = || {
        serde_json::from_str::<&'static RawValue>("{}")
            .map_err(|e| CodecError::new(format!("internal: {e}")))
    };
    if arguments.trim().is_empty() {
        return empty();
    }
    let raw: &RawValue = serde_json::from_str(arguments).map_err(|e| {
        CodecError::field(
            at.field("arguments"),
            format!("tool call arguments are not valid JSON: {e}"),
        )
    })?;
    match raw.get().as_bytes().first() {
        Some(b'{') => Ok(raw),
        _ if raw.get() == "null" => empty(),
        _ => Err(CodecError::field(
            at.field("arguments"),
            "tool call arguments must be a JSON object",
        )),
    }
}

/// The `response` object for a tool result.
fn tool_response(content: &[ContentPart], is_error: bool) -> ResponseBody<'_> {
    let mut texts = content.iter().filter_map(|p| match p {
        ContentPart::Text { text, .. } => Some(text.as_str()),
        _ => None,
    });
    let text: Cow<'_, str> = match (texts.next(), texts.next()) {
        (None, _) => Cow::Borrowed(""),
        (Some(one), None) => Cow::Borrowed(one),
        (Some(first), Some(second)) => {
            let mut joined = String::from(first);
            joined.push_str(second);
            texts.for_each(|t| joined.push_str(t));
            Cow::Owned(joined)
        }
    };
    let payload = json_object(text);
    let key = match (&payload, is_error) {
        (_, true) => Some("error"),
        (Payload::Text(_), false) => Some("result"),
        (_, false) => None,
    };
    ResponseBody { key, payload }
}

/// `text` as a JSON object when it is one, else as text.
fn json_object(text: Cow<'_, str>) -> Payload<'_> {
    if !text.trim_start().starts_with('{') {
        return Payload::Text(text);
    }
    match text {
        Cow::Borrowed(s) => match serde_json::from_str::<&RawValue>(s) {
            Ok(raw) => Payload::Borrowed(raw),
            Err(_) => Payload::Text(Cow::Borrowed(s)),
        },
        Cow::Owned(s) => {
            // Validate before moving the string into a RawValue, so that on failure the
            // text is still at hand.
            if serde_json::from_str::<&RawValue>(&s).is_ok() {
                match RawValue::from_string(s) {
                    Ok(raw) => Payload::Owned(raw),
                    Err(_) => Payload::Text(Cow::Borrowed("")),
                }
            } else {
                Payload::Text(Cow::Owned(s))
            }
        }
    }
}

/// Gives the first `functionCall` of every model turn a thought signature if it has none.
fn sign_first_calls(contents: &mut [ContentOut<'_>]) {
    for content in contents.iter_mut().filter(|c| c.role == "model") {
        let first_call = content.parts.iter_mut().find_map(|p| match p {
            PartOut::Known(k) if matches!(k.data, PartData::FunctionCall(_)) => Some(k),
            _ => None,
        });
        if let Some(part) = first_call {
            if part.thought_signature.is_none() && !part.extra.has("thoughtSignature") {
                part.thought_signature = Some(DUMMY_THOUGHT_SIGNATURE);
            }
        }
    }
}

/// The nested extras object `key` of a Gemini-sourced request, if any.
fn nested<'a>(top: Option<&'a Extras>, key: &str) -> Option<&'a Extras> {
    top.and_then(|m| m.get(key)).and_then(|v| v.as_object())
}

/// `generationConfig`.
fn generation_config<'a>(req: &'a ChatRequest, top: Option<&'a Extras>) -> GenerationConfigOut<'a> {
    let extra = nested(top, "generationConfig");
    let (mime, schema) = match &req.response_format {
        None | Some(ResponseFormat::Text) => (None, None),
        Some(ResponseFormat::JsonObject) => (Some("application/json"), None),
        Some(ResponseFormat::JsonSchema { schema, .. }) => {
            (Some("application/json"), Some(SchemaOut(schema)))
        }
    };
    // A Gemini client's own MIME type or schema (not a canonical response format) rides
    // in the extras; written here so that the keys are never emitted twice.
    let from_extra = |key: &str| extra.and_then(|e| e.get(key));
    let mime = mime.or_else(|| from_extra("responseMimeType").and_then(|v| v.as_str()));
    let schema = schema.or_else(|| from_extra("responseJsonSchema").map(SchemaOut));
    GenerationConfigOut {
        max_output_tokens: req.max_tokens,
        temperature: req.temperature,
        top_p: req.top_p,
        stop_sequences: &req.stop,
        // Gemini's seed is an int32; truncation keeps a wider seed deterministic.
        seed: req.seed.map(|s| s as i32),
        response_mime_type: mime,
        response_json_schema: schema,
        extra: ExtrasOut::new(extra, GENERATION_CONFIG_KEYS),
    }
}

/// Adds `tools` and `toolConfig`. Tools keep their canonical order: consecutive functions
/// share one `functionDeclarations` entry, Gemini's own tools stand alone.
fn with_tools<'a>(
    mut body: RequestOut<'a>,
    req: &'a ChatRequest,
    same_format: bool,
    top: Option<&'a Extras>,
) -> RequestOut<'a> {
    let mut any_function = false;
    for tool in &req.tools {
        match tool {
            Tool::Function(f) => {
                any_function = true;
                let extra = ExtrasOut::new(same_format.then_some(&f.extra), DECLARATION_KEYS);
                // A schema-less function (or `{}`) takes no arguments: leave the schema
                // out rather than send one that does not describe an object. A Gemini
                // client's OpenAPI-style `parameters` rides in `extra` and excludes
                // `parametersJsonSchema`.
                let has_schema = match &f.parameters {
                    serde_json::Value::Null => false,
                    serde_json::Value::Object(o) => !o.is_empty(),
                    _ => true,
                } && !extra.has("parameters");
                let declaration = FunctionDeclarationOut {
                    name: &f.name,
                    description: f.description.as_deref(),
                    parameters_json_schema: has_schema.then_some(SchemaOut(&f.parameters)),
                    extra,
                };
                match body.tools.last_mut() {
                    Some(ToolOut::Functions {
                        function_declarations,
                    }) => function_declarations.push(declaration),
                    _ => body.tools.push(ToolOut::Functions {
                        function_declarations: vec![declaration],
                    }),
                }
            }
            Tool::Other { format, value } if *format == WireFormat::Gemini => {
                body.tools.push(ToolOut::Raw(value));
            }
            Tool::Other { .. } => {}
        }
    }
    let calling = if !any_function {
        None
    } else {
        req.tool_choice.as_ref().map(|choice| match choice {
            ToolChoice::Auto => FunctionCallingConfigOut {
                mode: "AUTO",
                allowed_function_names: None,
            },
            ToolChoice::None => FunctionCallingConfigOut {
                mode: "NONE",
                allowed_function_names: None,
            },
            ToolChoice::Required => FunctionCallingConfigOut {
                mode: "ANY",
                allowed_function_names: None,
            },
            ToolChoice::Tool(name) => FunctionCallingConfigOut {
                mode: "ANY",
                allowed_function_names: Some([name.as_str()]),
            },
        })
    };
    // Without a canonical choice, a Gemini client's own `functionCallingConfig` (e.g.
    // mode `VALIDATED`) passes through from the extras.
    let skip = if calling.is_some() {
        TOOL_CONFIG_KEYS
    } else {
        &[]
    };
    let config_extra = ExtrasOut::new(nested(top, "toolConfig"), skip);
    if calling.is_some() || !config_extra.is_empty() {
        body.tool_config = Some(ToolConfigOut {
            function_calling_config: calling,
            extra: config_extra,
        });
    }
    body
}
