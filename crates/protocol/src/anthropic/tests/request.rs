//! Requests: client-side decoding, provider-side encoding, same-format fidelity and
//! cross-format safety.

use super::{fixture, fixture_json};
use crate::anthropic::{
    decode_request, encode_request, JSON_OBJECT_INSTRUCTION, JSON_SCHEMA_INSTRUCTION,
};
use crate::{
    ChatRequest, ContentPart, Extras, FunctionTool, ImageSource, Message, ResponseFormat, Role,
    Tool, ToolChoice, WireFormat,
};
use serde_json::{json, Value};

fn decode_fixture(name: &str) -> ChatRequest {
    decode_request(fixture(name).as_bytes()).unwrap()
}

fn encode_json(req: &ChatRequest, model: &str) -> Value {
    serde_json::from_slice(&encode_request(req, model, 4096).unwrap()).unwrap()
}

fn text_of(part: &ContentPart) -> (&str, &Extras) {
    match part {
        ContentPart::Text { text, extra } => (text, extra),
        other => panic!("not text: {other:?}"),
    }
}

#[test]
fn decodes_basic_request() {
    let req = decode_fixture("request_basic.json");
    assert_eq!(req.model, "claude-sonnet-4-5");
    assert_eq!(req.max_tokens, Some(1024));
    assert_eq!(req.source, WireFormat::Anthropic);
    assert!(!req.stream);
    assert!(req.extra.is_empty());
    assert_eq!(
        req.messages,
        vec![Message::text(Role::User, "Hello, world")]
    );
}

#[test]
fn decodes_tool_use_conversation() {
    let req = decode_fixture("request_tools.json");
    assert_eq!(req.tool_choice, Some(ToolChoice::Required));
    assert_eq!(req.parallel_tool_calls, Some(false));
    let [Tool::Function(tool)] = req.tools.as_slice() else {
        panic!("{:?}", req.tools)
    };
    assert_eq!(tool.name, "get_weather");
    assert_eq!(
        tool.description.as_deref(),
        Some("Get the current weather in a given location")
    );
    assert_eq!(tool.parameters["required"], json!(["location"]));
    assert!(tool.extra.is_empty());

    assert_eq!(req.messages.len(), 3);
    let assistant = &req.messages[1];
    assert_eq!(assistant.role, Role::Assistant);
    match &assistant.content[1] {
        ContentPart::ToolCall {
            id,
            name,
            arguments,
            extra,
        } => {
            assert_eq!(id, "toolu_01A09q90qw90lq917835lq9");
            assert_eq!(name, "get_weather");
            // The exact text of `input`, spacing and key order included.
            assert_eq!(
                arguments,
                r#"{"location": "San Francisco, CA", "unit": "celsius"}"#
            );
            assert!(extra.is_empty());
        }
        other => panic!("{other:?}"),
    }
    match &req.messages[2].content[..] {
        [ContentPart::ToolResult {
            tool_call_id,
            content,
            is_error,
            ..
        }] => {
            assert_eq!(tool_call_id, "toolu_01A09q90qw90lq917835lq9");
            assert_eq!(content, &vec![ContentPart::text("15 degrees")]);
            assert!(!is_error);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn decodes_agent_request_with_everything_kept() {
    let req = decode_fixture("request_agent.json");
    assert!(req.stream && req.stream_include_usage);
    assert_eq!(req.user.as_deref(), Some("user_2f1d0c3e"));
    assert_eq!(req.temperature, Some(1.0));
    assert_eq!(req.stop, vec!["</answer>".to_owned()]);
    assert_eq!(req.tool_choice, Some(ToolChoice::Auto));
    assert_eq!(req.parallel_tool_calls, None);
    // Unmodelled top-level fields ride along; metadata held only user_id.
    assert_eq!(
        req.extra["thinking"],
        json!({"type": "enabled", "budget_tokens": 10000})
    );
    assert_eq!(req.extra["top_k"], json!(40));
    assert!(!req.extra.contains_key("metadata"));

    // System blocks become a leading system message; the breakpoint stays on its block.
    let system = &req.messages[0];
    assert_eq!(system.role, Role::System);
    assert_eq!(system.content.len(), 2);
    assert!(text_of(&system.content[0]).1.is_empty());
    assert_eq!(
        text_of(&system.content[1]).1["cache_control"],
        json!({"type": "ephemeral"})
    );

    let [Tool::Function(read), Tool::Other {
        format,
        value: search,
    }, Tool::Other { value: bash, .. }, Tool::Other { value: editor, .. }] = req.tools.as_slice()
    else {
        panic!("{:?}", req.tools)
    };
    assert_eq!(read.name, "Read");
    assert_eq!(read.extra["cache_control"], json!({"type": "ephemeral"}));
    assert_eq!(*format, WireFormat::Anthropic);
    assert_eq!(
        *search,
        json!({"type": "web_search_20250305", "name": "web_search", "max_uses": 5})
    );
    assert_eq!(bash["type"], "bash_20250124");
    assert_eq!(editor["type"], "text_editor_20250728");

    let user = &req.messages[1].content;
    assert_eq!(
        user[0],
        ContentPart::Image {
            source: ImageSource::Base64 {
                media_type: "image/jpeg".into(),
                data: "/9j/4AAQSkZJRg==".into()
            },
            extra: Extras::new()
        }
    );
    assert!(
        matches!(&user[1], ContentPart::Image { source: ImageSource::Url(u), .. } if u.ends_with("ant.jpg"))
    );
    assert!(matches!(&user[2], ContentPart::Other { value, .. } if value["type"] == "document"));
    assert_eq!(text_of(&user[3]).0, "Fix the failing test in src/lib.rs");

    let assistant = &req.messages[2].content;
    assert!(
        matches!(&assistant[0], ContentPart::Thinking { text, signature: Some(s), .. }
        if text == "Let me analyze this step by step..." && s.starts_with("WaUjzkyp"))
    );
    assert!(
        matches!(&assistant[1], ContentPart::Other { value, .. } if value["type"] == "redacted_thinking")
    );
    assert!(
        matches!(&assistant[2], ContentPart::ToolCall { arguments, .. }
        if arguments == r#"{"offset": 0, "file_path": "src/lib.rs",  "limit": 200}"#)
    );

    match &req.messages[3].content[..] {
        [ContentPart::ToolResult {
            content,
            is_error,
            extra,
            ..
        }] => {
            assert!(is_error);
            assert_eq!(content, &vec![ContentPart::text("fn main() {}")]);
            assert_eq!(extra["cache_control"], json!({"type": "ephemeral"}));
        }
        other => panic!("{other:?}"),
    }
    let server = &req.messages[4].content;
    assert!(
        matches!(&server[0], ContentPart::Other { value, .. } if value["type"] == "server_tool_use" && value["input"]["query"] == "claude shannon birth date")
    );
    assert!(
        matches!(&server[1], ContentPart::Other { value, .. } if value["content"][0]["page_age"] == "April 30, 2025")
    );
    // `text` came before `type` in this block: still a text part with its citations.
    let (text, extra) = text_of(&server[2]);
    assert!(text.starts_with("Claude Shannon was born"));
    assert_eq!(extra["citations"][0]["type"], "web_search_result_location");
    assert_eq!(
        req.messages[5],
        Message::text(Role::User, "Thanks. Now run the tests.")
    );
}

/// Rewrites the shorthands Anthropic treats as equal (string content = one text block),
/// so that two bodies can be compared for meaning.
fn normalize(mut v: Value) -> Value {
    fn blocks(content: &mut Value) {
        if let Value::String(s) = content {
            *content = json!([{"type": "text", "text": s}]);
        }
        if let Value::Array(items) = content {
            for item in items {
                if item["type"] == "tool_result" {
                    if let Some(c) = item.get_mut("content") {
                        blocks(c);
                    }
                }
            }
        }
    }
    if let Some(system) = v.get_mut("system") {
        blocks(system);
    }
    if let Some(Value::Array(messages)) = v.get_mut("messages") {
        for m in messages {
            blocks(&mut m["content"]);
        }
    }
    if let Some(t) = v.get_mut("temperature") {
        *t = json!(t.as_f64());
    }
    v
}

#[test]
fn same_format_requests_arrive_unchanged_apart_from_the_model() {
    for name in [
        "request_basic.json",
        "request_tools.json",
        "request_agent.json",
        "request_mid_conversation_system.json",
    ] {
        let req = decode_fixture(name);
        let sent = encode_json(&req, "claude-sonnet-4-5-20250929");
        let mut expected = fixture_json(name);
        expected["model"] = json!("claude-sonnet-4-5-20250929");
        assert_eq!(normalize(sent), normalize(expected), "{name}");
        // And decoding what was sent gives the same canonical request.
        let body = encode_request(&req, &req.model, 1).unwrap();
        assert_eq!(decode_request(&body).unwrap(), req, "{name}");
    }
}

#[test]
fn mid_conversation_system_messages_keep_their_place() {
    let req = decode_fixture("request_mid_conversation_system.json");
    let roles: Vec<Role> = req.messages.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            Role::System,
            Role::User,
            Role::System,
            Role::Assistant,
            Role::System,
            Role::System,
            Role::User
        ]
    );
    assert_eq!(req.extra["thinking"], json!({"type": "adaptive"}));
    assert_eq!(req.extra["output_config"], json!({"effort": "high"}));
    let sent = encode_json(&req, "m");
    let sent_roles: Vec<&str> = sent["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        sent_roles,
        ["user", "system", "assistant", "system", "system", "user"]
    );
    assert_eq!(
        sent["system"][1]["cache_control"],
        json!({"type": "ephemeral"})
    );
}

#[test]
fn output_config_format_is_structured_output_for_every_format() {
    let schema = json!({"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]});
    let body = json!({
        "model": "m", "max_tokens": 100,
        "messages": [{"role": "user", "content": "Title this session"}],
        "output_config": {"effort": "high", "format": {"type": "json_schema", "schema": schema}}
    });
    let req = decode_request(body.to_string().as_bytes()).unwrap();
    assert_eq!(
        req.response_format,
        Some(ResponseFormat::JsonSchema {
            name: "output".into(),
            schema: schema.clone(),
            strict: None
        })
    );
    // To Anthropic: the field as sent, no stand-in instruction in the system prompt.
    let sent = encode_json(&req, "m");
    assert_eq!(sent["output_config"], body["output_config"]);
    assert!(sent.get("system").is_none(), "{sent}");
    // To OpenAI: a json_schema response format.
    let openai: Value =
        serde_json::from_slice(&crate::openai::encode_request(&req, "gpt").unwrap()).unwrap();
    assert_eq!(openai["response_format"]["type"], "json_schema");
    assert_eq!(openai["response_format"]["json_schema"]["schema"], schema);
    assert!(openai.get("output_config").is_none());
}

#[test]
fn system_messages_of_other_clients_are_hoisted() {
    // An OpenAI client cannot have negotiated the mid-conversation beta.
    let mut req = ChatRequest::new(WireFormat::OpenAiChat, "m");
    req.messages = vec![
        Message::text(Role::User, "hi"),
        Message::text(Role::System, "be brief"),
        Message::text(Role::Developer, "use Rust"),
        Message::text(Role::User, "again"),
    ];
    let sent = encode_json(&req, "m");
    assert_eq!(
        sent["system"],
        json!([{"type": "text", "text": "be brief"}, {"type": "text", "text": "use Rust"}])
    );
    assert_eq!(
        sent["messages"],
        json!([{"role": "user", "content": [
            {"type": "text", "text": "hi"}, {"type": "text", "text": "again"}
        ]}])
    );
}

#[test]
fn tool_input_goes_upstream_byte_for_byte() {
    let req = decode_fixture("request_agent.json");
    let body = String::from_utf8(encode_request(&req, "m", 1).unwrap()).unwrap();
    assert!(body.contains(r#""input":{"offset": 0, "file_path": "src/lib.rs",  "limit": 200}"#));
}

#[test]
fn missing_required_fields_name_the_field() {
    let err = decode_request(br#"{"model":"m","messages":[]}"#).unwrap_err();
    assert_eq!(err.param.as_deref(), Some("max_tokens"));
    let err = decode_request(br#"{"max_tokens":1,"messages":[]}"#).unwrap_err();
    assert_eq!(err.param.as_deref(), Some("model"));
    let err = decode_request(br#"{"model":"m","max_tokens":1}"#).unwrap_err();
    assert_eq!(err.param.as_deref(), Some("messages"));
}

#[test]
fn invalid_fields_are_reported_with_their_path() {
    let cases: [(&[u8], &str); 5] = [
        (
            br#"{"model":"m","max_tokens":1,"messages":[{"role":"tool","content":"x"}]}"#,
            "messages[0].role",
        ),
        (
            br#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":5}]}]}"#,
            "messages[0].content[0].text",
        ),
        (
            br#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"text":"x"}]}]}"#,
            "messages[0].content[0]",
        ),
        (
            br#"{"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_use","name":"f","input":{}}]}]}"#,
            "messages[0].content[0]",
        ),
        (
            br#"{"model":"m","max_tokens":"many","messages":[]}"#,
            "max_tokens",
        ),
    ];
    for (body, path) in cases {
        let err = decode_request(body).unwrap_err();
        assert_eq!(err.param.as_deref(), Some(path), "{err}");
    }
    let err = decode_request(b"{not json").unwrap_err();
    assert!(err.message.contains("not valid JSON"), "{err}");
}

#[test]
fn fields_before_type_are_parsed_once_type_is_known() {
    let body = br#"{"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[
        {"input":{"b":1,"a":2},"name":"f","id":"t1","type":"tool_use","cache_control":{"type":"ephemeral"}},
        {"signature":"sig","thinking":"hmm","type":"thinking"}]}]}"#;
    let req = decode_request(body).unwrap();
    let content = &req.messages[0].content;
    match &content[0] {
        ContentPart::ToolCall {
            id,
            name,
            arguments,
            extra,
        } => {
            assert_eq!((id.as_str(), name.as_str()), ("t1", "f"));
            assert_eq!(arguments, r#"{"b":1,"a":2}"#);
            assert_eq!(extra["cache_control"], json!({"type": "ephemeral"}));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        content[1],
        ContentPart::Thinking {
            text: "hmm".into(),
            signature: Some("sig".into()),
            extra: Extras::new()
        }
    );
}

#[test]
fn other_metadata_keys_round_trip() {
    let body = br#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],
        "metadata":{"user_id":"u1","tenant":"acme"}}"#;
    let req = decode_request(body).unwrap();
    assert_eq!(req.user.as_deref(), Some("u1"));
    assert_eq!(req.extra["metadata"], json!({"tenant": "acme"}));
    let sent = encode_json(&req, "m");
    assert_eq!(sent["metadata"], json!({"user_id": "u1", "tenant": "acme"}));
}

/// A request as another format's decoder would produce it: extras and `Other` values
/// tagged with that format.
fn foreign_request() -> ChatRequest {
    let mut foreign = Extras::new();
    foreign.insert("detail".into(), json!("high"));
    let mut req = ChatRequest::new(WireFormat::OpenAiChat, "gpt-4o");
    req.extra.insert("logprobs".into(), json!(true));
    req.extra.insert("top_k".into(), json!(3));
    req.messages = vec![
        Message::text(Role::System, "Be terse."),
        Message::text(Role::User, "Look at this."),
        Message {
            role: Role::User,
            content: vec![
                ContentPart::Image {
                    source: ImageSource::Url("data:image/png;base64,iVBORw0KGgo=".into()),
                    extra: foreign.clone(),
                },
                ContentPart::Other {
                    format: WireFormat::OpenAiChat,
                    value: json!({"type": "input_audio"}),
                },
            ],
            name: Some("alice".into()),
            extra: foreign.clone(),
        },
        Message {
            role: Role::Assistant,
            content: vec![
                ContentPart::Thinking {
                    text: "reasoning".into(),
                    signature: Some("not-anthropic".into()),
                    extra: Extras::new(),
                },
                ContentPart::ToolCall {
                    id: "call_1".into(),
                    name: "lookup".into(),
                    arguments: r#"{"q":"x"}"#.into(),
                    extra: Extras::new(),
                },
                ContentPart::ToolCall {
                    id: "call_2".into(),
                    name: "lookup".into(),
                    arguments: r#"{"q": "trunc"#.into(),
                    extra: Extras::new(),
                },
            ],
            name: None,
            extra: Extras::new(),
        },
        Message {
            role: Role::Tool,
            content: vec![ContentPart::ToolResult {
                tool_call_id: "call_1".into(),
                content: vec![ContentPart::text("found")],
                is_error: false,
                extra: foreign.clone(),
            }],
            name: None,
            extra: Extras::new(),
        },
        Message {
            role: Role::Tool,
            content: vec![ContentPart::ToolResult {
                tool_call_id: "call_2".into(),
                content: vec![ContentPart::text("bad args")],
                is_error: true,
                extra: Extras::new(),
            }],
            name: None,
            extra: Extras::new(),
        },
        Message::text(Role::Developer, "Answer in JSON."),
        Message::text(Role::User, "Go on."),
    ];
    req.tools = vec![
        Tool::Function(FunctionTool {
            name: "lookup".into(),
            description: None,
            parameters: Value::Null,
            strict: Some(true),
            extra: foreign,
        }),
        Tool::Other {
            format: WireFormat::OpenAiChat,
            value: json!({"type": "custom", "name": "grammar"}),
        },
    ];
    req.tool_choice = Some(ToolChoice::Required);
    req.parallel_tool_calls = Some(false);
    req.temperature = Some(1.6);
    req.seed = Some(7);
    req.user = Some("alice".into());
    req.stream = true;
    req
}

#[test]
fn encodes_a_foreign_request_in_anthropic_shape() {
    let sent = encode_json(&foreign_request(), "claude-sonnet-4-5");
    let expected = json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 4096,
        "system": [
            {"type": "text", "text": "Be terse."},
            {"type": "text", "text": "Answer in JSON."}
        ],
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "Look at this."},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
            ]},
            {"role": "assistant", "content": [
                {"type": "tool_use", "id": "call_1", "name": "lookup", "input": {"q": "x"}},
                {"type": "tool_use", "id": "call_2", "name": "lookup", "input": {}}
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "call_1", "content": "found"},
                {"type": "tool_result", "tool_use_id": "call_2", "content": "bad args", "is_error": true},
                {"type": "text", "text": "Go on."}
            ]}
        ],
        "tools": [
            {"name": "lookup", "input_schema": {"type": "object", "properties": {}}}
        ],
        "tool_choice": {"type": "any", "disable_parallel_tool_use": true},
        "temperature": 1.0,
        "metadata": {"user_id": "alice"},
        "stream": true
    });
    assert_eq!(sent, expected);
}

#[test]
fn foreign_extras_and_values_never_leak() {
    let mut req = decode_fixture("request_agent.json");
    // The same content, but claimed by another format: nothing Anthropic-private may go.
    req.source = WireFormat::OpenAiChat;
    let body = String::from_utf8(encode_request(&req, "m", 1).unwrap()).unwrap();
    for private in [
        "cache_control",
        "citations",
        "top_k",
        "budget_tokens",
        "redacted_thinking",
        "server_tool_use",
        "\"document\"",
        "\"thinking\"",
        "web_search_20250305",
        "web_search_tool_result",
    ] {
        assert!(!body.contains(private), "{private} leaked: {body}");
    }
    // What every format has is still there.
    assert!(body.contains(r#""input":{"offset": 0, "file_path": "src/lib.rs",  "limit": 200}"#));
    assert!(body.contains(r#""name":"Read""#));

    let body = String::from_utf8(encode_request(&foreign_request(), "m", 1).unwrap()).unwrap();
    for private in [
        "logprobs",
        "detail",
        "input_audio",
        "grammar",
        "strict",
        "seed",
        "top_k",
    ] {
        assert!(!body.contains(private), "{private} leaked: {body}");
    }
}

#[test]
fn response_format_becomes_a_system_instruction() {
    let mut req = ChatRequest::new(WireFormat::OpenAiChat, "gpt");
    req.messages = vec![
        Message::text(Role::System, "You extract data."),
        Message::text(Role::User, "Alice is 30."),
    ];
    let schema = json!({"type": "object", "properties": {"age": {"type": "integer"}}});
    req.response_format = Some(ResponseFormat::JsonSchema {
        name: "person".into(),
        schema: schema.clone(),
        strict: Some(true),
    });
    let sent = encode_json(&req, "m");
    assert_eq!(
        sent["system"],
        json!(format!(
            "You extract data.\n\n{JSON_SCHEMA_INSTRUCTION}\n{schema}"
        ))
    );
    assert!(sent.get("response_format").is_none());

    // Without a system prompt, and with blocks that carry breakpoints.
    req.response_format = Some(ResponseFormat::JsonObject);
    req.messages.remove(0);
    assert_eq!(
        encode_json(&req, "m")["system"],
        json!(JSON_OBJECT_INSTRUCTION)
    );
    let mut req = decode_fixture("request_agent.json");
    req.response_format = Some(ResponseFormat::JsonObject);
    let system = &encode_json(&req, "m")["system"];
    assert_eq!(system[1]["cache_control"], json!({"type": "ephemeral"}));
    assert_eq!(
        system[2],
        json!({"type": "text", "text": JSON_OBJECT_INSTRUCTION})
    );
}

#[test]
fn max_tokens_and_tool_choice_defaults() {
    let mut req = ChatRequest::new(WireFormat::OpenAiChat, "gpt");
    req.messages = vec![Message::text(Role::User, "hi")];
    req.tool_choice = Some(ToolChoice::Tool("f".into()));
    let sent = encode_json(&req, "m");
    assert_eq!(sent["max_tokens"], json!(4096));
    // No tools: Anthropic refuses a tool_choice.
    assert!(sent.get("tool_choice").is_none());
    assert_eq!(sent["messages"], json!([{"role": "user", "content": "hi"}]));

    req.tools = vec![Tool::Function(FunctionTool {
        name: "f".into(),
        description: Some("does f".into()),
        parameters: json!({"type": "object"}),
        strict: None,
        extra: Extras::new(),
    })];
    req.max_tokens = Some(10);
    req.parallel_tool_calls = Some(true);
    let sent = encode_json(&req, "m");
    assert_eq!(sent["max_tokens"], json!(10));
    assert_eq!(
        sent["tool_choice"],
        json!({"type": "tool", "name": "f", "disable_parallel_tool_use": false})
    );
    req.tool_choice = None;
    req.parallel_tool_calls = Some(false);
    assert_eq!(
        encode_json(&req, "m")["tool_choice"],
        json!({"type": "auto", "disable_parallel_tool_use": true})
    );
}
