//! Client side: a canonical [`ChatResponse`] as a complete Responses API `response` object,
//! and the pieces (items, the response envelope) the stream encoder shares.

use super::request_encode::request_object;
use super::wire::{
    custom_input, is_custom_tool, is_part_type, response_id, status_of, usage_out, RESPONSES,
};
use crate::{to_json_vec, ChatRequest, ChatResponse, CodecError, ContentPart, Extras, Tool, Usage};
use serde_json::{json, Map, Value};

/// A request field a `response` object repeats, and the value OpenAI echoes when the
/// request left it out.
type EchoedField = (&'static str, fn() -> Value);

/// Request fields a `response` object repeats, with OpenAI's defaults for absent ones.
const ECHOED: [EchoedField; 15] = [
    ("instructions", || Value::Null),
    ("max_output_tokens", || Value::Null),
    ("max_tool_calls", || Value::Null),
    ("metadata", || json!({})),
    ("parallel_tool_calls", || json!(true)),
    ("previous_response_id", || Value::Null),
    ("prompt_cache_key", || Value::Null),
    ("reasoning", || json!({"effort": null, "summary": null})),
    ("safety_identifier", || Value::Null),
    ("store", || json!(true)),
    ("temperature", || json!(1.0)),
    ("text", || json!({"format": {"type": "text"}})),
    ("tool_choice", || json!("auto")),
    ("tools", || json!([])),
    ("top_p", || json!(1.0)),
];

/// What a Responses answer repeats of its request (`instructions`, `tools`, `reasoning`, …)
/// and must know of it to write the answer: which tools are freeform (`custom`), whose calls
/// are `custom_tool_call` items whatever the upstream made of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Echo {
    fields: Map<String, Value>,
    custom_tools: Vec<String>,
}

impl Echo {
    /// The echo of `req` (a request decoded from this format; others echo their defaults).
    pub fn of(req: &ChatRequest) -> Self {
        let own = req.source == RESPONSES;
        let mut request = request_object(req, &req.model, false);
        let mut fields = Map::new();
        for (key, default) in ECHOED {
            fields.insert(key.to_owned(), request.remove(key).unwrap_or_else(default));
        }
        for key in [
            "user",
            "service_tier",
            "truncation",
            "top_logprobs",
            "background",
        ] {
            if let Some(v) = request.remove(key) {
                fields.insert(key.to_owned(), v);
            }
        }
        let custom_tools = req
            .tools
            .iter()
            .filter(|t| is_custom_tool(t, own))
            .filter_map(|t| match t {
                Tool::Function(f) => Some(f.name.clone()),
                Tool::Other { .. } => None,
            })
            .collect();
        Self {
            fields,
            custom_tools,
        }
    }

    /// Whether calls of tool `name` are `custom_tool_call` items.
    pub(super) fn is_custom(&self, name: &str) -> bool {
        self.custom_tools.iter().any(|t| t == name)
    }

    /// The `response` object around `output`.
    pub(super) fn response(&self, head: &ResponseHead<'_>, output: Vec<Value>) -> Value {
        let mut obj = Map::new();
        obj.insert("id".into(), json!(head.id));
        obj.insert("object".into(), json!("response"));
        obj.insert("created_at".into(), json!(head.created));
        obj.insert("status".into(), json!(head.status));
        obj.insert("background".into(), json!(false));
        obj.insert("error".into(), head.error.clone());
        obj.insert("incomplete_details".into(), head.incomplete.clone());
        obj.insert("model".into(), json!(head.model));
        obj.insert("output".into(), Value::Array(output));
        obj.insert("truncation".into(), json!("disabled"));
        for (k, v) in &self.fields {
            obj.insert(k.clone(), v.clone());
        }
        obj.insert("usage".into(), head.usage.map_or(Value::Null, usage_out));
        if let Some(extra) = head.extra {
            for (k, v) in extra {
                obj.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        Value::Object(obj)
    }
}

/// The parts of a `response` object that are not items or echoed request fields.
pub(super) struct ResponseHead<'a> {
    pub id: &'a str,
    pub model: &'a str,
    pub created: u64,
    pub status: &'static str,
    pub error: Value,
    pub incomplete: Value,
    pub usage: Option<&'a Usage>,
    /// Top-level fields of a response from an upstream of this format.
    pub extra: Option<&'a Extras>,
}

/// Encodes a complete answer for a client of this format, without its request at hand
/// (request fields are echoed with their defaults and no call is a `custom_tool_call`).
pub fn encode_response(resp: &ChatResponse) -> Result<Vec<u8>, CodecError> {
    encode_response_to(resp, &Echo::default())
}

/// Encodes a complete answer for the client whose request gave `echo`.
pub fn encode_response_to(resp: &ChatResponse, echo: &Echo) -> Result<Vec<u8>, CodecError> {
    let own = resp.source == RESPONSES;
    let id = response_id(&resp.id);
    let mut items = ItemIds::new(&id);
    let mut output = Vec::new();
    let mut texts: Vec<Value> = Vec::new();
    for part in &resp.content {
        // A verbatim content part (a refusal) belongs in the message, like text.
        let in_message = match part {
            ContentPart::Text { .. } => true,
            ContentPart::Other { format, value } => {
                own && *format == RESPONSES
                    && is_part_type(value.get("type").and_then(Value::as_str))
            }
            _ => false,
        };
        if !in_message && !texts.is_empty() {
            output.push(message_item(
                &items.next("msg"),
                "completed",
                std::mem::take(&mut texts),
            ));
        }
        match part {
            ContentPart::Text { text, extra } => texts.push(output_text(text, extra, own)),
            ContentPart::Thinking { text, extra, .. } => {
                let fallback = items.next("rs");
                output.push(reasoning_item(&fallback, text, extra, own));
            }
            ContentPart::ToolCall {
                id: call_id,
                name,
                arguments,
                extra,
            } => {
                let custom = echo.is_custom(name)
                    || (own
                        && extra.get("type").and_then(Value::as_str) == Some("custom_tool_call"));
                output.push(if custom {
                    custom_call_item(&items.next("ctc"), call_id, name, &custom_input(arguments))
                } else {
                    function_call_item(&items.next("fc"), call_id, name, arguments, "completed")
                });
            }
            ContentPart::Other { value, .. } if in_message => texts.push(value.clone()),
            ContentPart::Other { format, value } if own && *format == RESPONSES => {
                output.push(value.clone());
            }
            ContentPart::Other { .. }
            | ContentPart::Image { .. }
            | ContentPart::ToolResult { .. } => {}
        }
    }
    if !texts.is_empty() {
        output.push(message_item(&items.next("msg"), "completed", texts));
    }
    let (status, incomplete) = status_of(&resp.stop_reason);
    let head = ResponseHead {
        id: &id,
        model: &resp.model,
        created: resp.created,
        status,
        error: Value::Null,
        incomplete,
        usage: Some(&resp.usage),
        extra: resp.extras_for(RESPONSES),
    };
    to_json_vec(&echo.response(&head, output))
}

/// Ids of the items of one response: `<prefix>_<response id>_<n>`.
#[derive(Debug)]
pub(super) struct ItemIds {
    base: String,
    n: usize,
}

impl ItemIds {
    pub(super) fn new(response_id: &str) -> Self {
        Self {
            base: response_id.trim_start_matches("resp_").to_owned(),
            n: 0,
        }
    }

    pub(super) fn next(&mut self, prefix: &str) -> String {
        self.n += 1;
        format!("{prefix}_{}_{}", self.base, self.n)
    }
}

/// An `output_text` content part.
pub(super) fn output_text(text: &str, extra: &Extras, own: bool) -> Value {
    let mut obj = Map::new();
    obj.insert("type".into(), json!("output_text"));
    obj.insert("text".into(), json!(text));
    obj.insert("annotations".into(), json!([]));
    if own {
        for (k, v) in extra {
            obj.insert(k.clone(), v.clone());
        }
    }
    Value::Object(obj)
}

/// An assistant `message` item.
pub(super) fn message_item(id: &str, status: &str, content: Vec<Value>) -> Value {
    json!({"id": id, "type": "message", "status": status, "role": "assistant", "content": content})
}

/// A `reasoning` item: this format's own (id, encrypted content) when it came from it, else
/// the thinking text as its summary.
pub(super) fn reasoning_item(fallback_id: &str, text: &str, extra: &Extras, own: bool) -> Value {
    let mut obj = Map::new();
    obj.insert("id".into(), json!(fallback_id));
    obj.insert("type".into(), json!("reasoning"));
    let summary = if text.is_empty() {
        json!([])
    } else {
        json!([{"type": "summary_text", "text": text}])
    };
    obj.insert("summary".into(), summary);
    if own {
        for (k, v) in extra {
            obj.insert(k.clone(), v.clone());
        }
    }
    Value::Object(obj)
}

/// A `function_call` item.
pub(super) fn function_call_item(
    id: &str,
    call_id: &str,
    name: &str,
    arguments: &str,
    status: &str,
) -> Value {
    json!({"id": id, "type": "function_call", "status": status, "call_id": call_id, "name": name, "arguments": arguments})
}

/// A `custom_tool_call` item.
pub(super) fn custom_call_item(id: &str, call_id: &str, name: &str, input: &str) -> Value {
    json!({"id": id, "type": "custom_tool_call", "call_id": call_id, "name": name, "input": input})
}
