//! Request codec tests: golden fixtures from the OpenAI API reference, field errors,
//! round trips and cross-format safety.

use crate::openai::{decode_request, encode_request};
use crate::{
    ChatRequest, ContentPart, Extras, FunctionTool, ImageSource, Message, ResponseFormat, Role,
    Tool, ToolChoice, WireFormat,
};
use serde_json::{json, Value};

const DEFAULT: &[u8] = include_bytes!("../../../tests/fixtures/openai/request_default.json");
const IMAGE: &[u8] = include_bytes!("../../../tests/fixtures/openai/request_image.json");
const TOOLS: &[u8] = include_bytes!("../../../tests/fixtures/openai/request_tools.json");
const LOGPROBS: &[u8] = include_bytes!("../../../tests/fixtures/openai/request_logprobs.json");
const TOOL_TURN: &[u8] =
    include_bytes!("../../../tests/fixtures/openai/request_tool_result_turn.json");
const STRUCTURED: &[u8] =
    include_bytes!("../../../tests/fixtures/openai/request_structured_stream.json");

const ALL: [&[u8]; 6] = [DEFAULT, IMAGE, TOOLS, LOGPROBS, TOOL_TURN, STRUCTURED];

fn encode_json(req: &ChatRequest, model: &str) -> Value {
    serde_json::from_slice(&encode_request(req, model).unwrap()).unwrap()
}

fn err_param(body: Value) -> Option<String> {
    decode_request(body.to_string().as_bytes())
        .unwrap_err()
        .param
}

#[test]
fn default_example_decodes_field_by_field() {
    let req = decode_request(DEFAULT).unwrap();
    assert_eq!(req.model, "VAR_model_id");
    assert_eq!(req.source, WireFormat::OpenAiChat);
    assert_eq!(
        req.messages,
        vec![
            Message::text(Role::System, "You are a helpful assistant."),
            Message::text(Role::User, "Hello!"),
        ]
    );
    assert_eq!(req.max_tokens, None);
    assert!(!req.stream);
    assert!(!req.stream_include_usage);
    assert!(req.extra.is_empty());
    assert!(req.tools.is_empty());
}

#[test]
fn image_example_keeps_parts_and_max_tokens() {
    let req = decode_request(IMAGE).unwrap();
    assert_eq!(req.max_tokens, Some(300));
    assert!(req.extra.is_empty(), "max_tokens leaves no spelling marker");
    let content = &req.messages[0].content;
    assert_eq!(content.len(), 2);
    assert_eq!(content[0], ContentPart::text("What's in this image?"));
    match &content[1] {
        ContentPart::Image {
            source: ImageSource::Url(url),
            extra,
        } => {
            assert!(url.ends_with("2560px-Gfp-wisconsin-madison-the-nature-boardwalk.jpg"));
            assert!(extra.is_empty());
        }
        other => panic!("expected an image, got {other:?}"),
    }
}

#[test]
fn tools_example_decodes_function_tool() {
    let req = decode_request(TOOLS).unwrap();
    assert_eq!(req.tool_choice, Some(ToolChoice::Auto));
    assert_eq!(req.tools.len(), 1);
    let Tool::Function(f) = &req.tools[0] else {
        panic!("expected a function tool");
    };
    assert_eq!(f.name, "get_current_weather");
    assert_eq!(
        f.description.as_deref(),
        Some("Get the current weather in a given location")
    );
    assert_eq!(f.parameters["required"], json!(["location"]));
    assert_eq!(
        f.parameters["properties"]["unit"]["enum"],
        json!(["celsius", "fahrenheit"])
    );
    assert_eq!(f.strict, None);
    assert!(f.extra.is_empty());
}

#[test]
fn unknown_top_level_fields_go_to_extra() {
    let req = decode_request(LOGPROBS).unwrap();
    assert_eq!(req.extra.get("logprobs"), Some(&json!(true)));
    assert_eq!(req.extra.get("top_logprobs"), Some(&json!(2)));
    assert_eq!(req.extra.len(), 2);
}

#[test]
fn tool_call_turn_decodes_calls_results_and_named_choice() {
    let req = decode_request(TOOL_TURN).unwrap();
    assert_eq!(req.messages.len(), 3);
    let assistant = &req.messages[1];
    assert_eq!(assistant.role, Role::Assistant);
    assert_eq!(
        assistant.content,
        vec![ContentPart::ToolCall {
            id: "call_abc123".into(),
            name: "get_current_weather".into(),
            arguments: "{\n\"location\": \"Boston, MA\"\n}".into(),
            extra: Extras::new(),
        }]
    );
    let tool = &req.messages[2];
    assert_eq!(tool.role, Role::Tool);
    assert_eq!(
        tool.content,
        vec![ContentPart::ToolResult {
            tool_call_id: "call_abc123".into(),
            content: vec![ContentPart::text(
                "{\"temperature\": 22, \"unit\": \"celsius\", \"description\": \"Sunny\"}"
            )],
            is_error: false,
            extra: Extras::new(),
        }]
    );
    assert_eq!(
        req.tool_choice,
        Some(ToolChoice::Tool("get_current_weather".into()))
    );
    assert_eq!(req.parallel_tool_calls, Some(false));
    let Tool::Function(f) = &req.tools[0] else {
        panic!("expected a function tool");
    };
    assert_eq!(f.strict, Some(false));
}

#[test]
fn structured_streaming_request_decodes_every_modelled_field() {
    let req = decode_request(STRUCTURED).unwrap();
    assert_eq!(req.messages[0].role, Role::Developer);
    assert_eq!(req.max_tokens, Some(1024));
    assert_eq!(req.temperature, Some(0.2));
    assert_eq!(req.top_p, Some(0.9));
    assert_eq!(req.seed, Some(42));
    assert_eq!(req.stop, vec!["\n\n\n".to_owned()]);
    assert_eq!(req.user.as_deref(), Some("user-1234"));
    assert!(req.stream);
    assert!(req.stream_include_usage);
    match &req.response_format {
        Some(ResponseFormat::JsonSchema {
            name,
            schema,
            strict,
        }) => {
            assert_eq!(name, "math_reasoning");
            assert_eq!(*strict, Some(true));
            assert_eq!(schema["required"], json!(["steps", "final_answer"]));
        }
        other => panic!("expected a json schema, got {other:?}"),
    }
    assert_eq!(req.extra.get("reasoning_effort"), Some(&json!("low")));
    assert_eq!(req.extra.get("metadata"), Some(&json!({"team": "docs"})));
    assert_eq!(req.extra.get("store"), Some(&json!(false)));
    assert_eq!(
        req.extra.get("stream_options"),
        Some(&json!({"include_obfuscation": false}))
    );
    assert_eq!(req.extra.get("max_completion_tokens"), Some(&json!(1024)));
    assert_eq!(req.extra.len(), 5);
}

#[test]
fn every_fixture_round_trips() {
    for body in ALL {
        let first = decode_request(body).unwrap();
        let bytes = encode_request(&first, &first.model).unwrap();
        let second = decode_request(&bytes).unwrap();
        assert_eq!(first, second, "{}", String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn encode_replaces_model_and_writes_plain_strings() {
    let req = decode_request(DEFAULT).unwrap();
    let out = encode_json(&req, "gpt-4o-2024-08-06");
    assert_eq!(
        out,
        json!({
            "model": "gpt-4o-2024-08-06",
            "messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "Hello!"}
            ]
        })
    );
}

#[test]
fn encode_keeps_client_spelling_and_stream_options() {
    let mut req = decode_request(STRUCTURED).unwrap();
    // The canonical value wins over the one remembered with the spelling.
    req.max_tokens = Some(512);
    let out = encode_json(&req, "gpt-4o");
    assert_eq!(out["max_completion_tokens"], json!(512));
    assert!(out.get("max_tokens").is_none());
    assert_eq!(
        out["stream_options"],
        json!({"include_usage": true, "include_obfuscation": false})
    );
    assert_eq!(out["stream"], json!(true));
    assert_eq!(out["messages"][0]["role"], json!("developer"));
    assert_eq!(out["reasoning_effort"], json!("low"));
    assert_eq!(out["stop"], json!(["\n\n\n"]));
    assert_eq!(
        out["response_format"]["json_schema"]["name"],
        json!("math_reasoning")
    );
    assert_eq!(out["response_format"]["json_schema"]["strict"], json!(true));
}

#[test]
fn streaming_request_always_asks_for_usage() {
    let mut req = decode_request(DEFAULT).unwrap();
    req.stream = true;
    let out = encode_json(&req, "m");
    assert_eq!(out["stream"], json!(true));
    assert_eq!(out["stream_options"], json!({"include_usage": true}));
}

#[test]
fn field_errors_name_the_path() {
    let ok_msgs = json!([{"role": "user", "content": "hi"}]);
    assert_eq!(
        err_param(json!({"messages": ok_msgs})).as_deref(),
        Some("model")
    );
    assert_eq!(
        err_param(json!({"model": "m"})).as_deref(),
        Some("messages")
    );
    assert_eq!(
        err_param(json!({"model": "m", "messages": []})).as_deref(),
        Some("messages")
    );
    assert_eq!(
        err_param(
            json!({"model": "m", "messages": [{"role": "user", "content": "a"}, {"content": "b"}]})
        )
        .as_deref(),
        Some("messages[1].role")
    );
    assert_eq!(
        err_param(json!({"model": "m", "messages": [{"role": "user", "content": "a"}, {"role": "robot", "content": "b"}]}))
            .as_deref(),
        Some("messages[1].role")
    );
    let e = decode_request(
        json!({"model": "m", "messages": [{"role": "robot", "content": "b"}]})
            .to_string()
            .as_bytes(),
    )
    .unwrap_err();
    assert!(
        e.message.contains("unknown variant `robot`"),
        "{}",
        e.message
    );
    assert_eq!(
        err_param(json!({"model": "m", "messages": [{"role": "user", "content": 5}]})).as_deref(),
        Some("messages[0].content")
    );
    assert_eq!(
        err_param(json!({"model": "m", "messages": [{"role": "user"}]})).as_deref(),
        Some("messages[0].content")
    );
    assert_eq!(
        err_param(json!({"model": "m", "messages": [{"role": "tool", "content": "r"}]})).as_deref(),
        Some("messages[0].tool_call_id")
    );
    assert_eq!(
        err_param(
            json!({"model": "m", "messages": [{"role": "assistant", "tool_calls": [
                {"type": "function", "function": {"name": "f", "arguments": "{}"}}
            ]}]})
        )
        .as_deref(),
        Some("messages[0].tool_calls[0].id")
    );
    assert_eq!(
        err_param(
            json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "text"}]}]})
        )
        .as_deref(),
        Some("messages[0].content[0].text")
    );
    assert_eq!(
        err_param(json!({"model": "m", "messages": ok_msgs, "temperature": "hot"})).as_deref(),
        Some("temperature")
    );
    assert_eq!(
        err_param(json!({"model": "m", "messages": ok_msgs, "stop": ["a", 1]})).as_deref(),
        Some("stop[1]")
    );
    assert_eq!(
        err_param(json!({"model": "m", "messages": ok_msgs, "tools": [{"type": "function", "function": {}}]}))
            .as_deref(),
        Some("tools[0].function.name")
    );
    assert_eq!(
        err_param(json!({"model": "m", "messages": ok_msgs, "tool_choice": "sometimes"}))
            .as_deref(),
        Some("tool_choice")
    );
    assert_eq!(
        err_param(json!({"model": "m", "messages": ok_msgs, "response_format": {"type": "json_schema", "json_schema": {}}}))
            .as_deref(),
        Some("response_format.json_schema.name")
    );
    let e = decode_request(b"model=gpt-4o").unwrap_err();
    assert_eq!(e.param, None);
    assert!(e.message.contains("not valid JSON"), "{}", e.message);
}

#[test]
fn only_one_choice_is_supported() {
    let msgs = json!([{"role": "user", "content": "hi"}]);
    let e = decode_request(
        json!({"model": "m", "messages": msgs, "n": 2})
            .to_string()
            .as_bytes(),
    )
    .unwrap_err();
    assert_eq!(e.param.as_deref(), Some("n"));
    assert!(e.message.contains("n=1"), "{}", e.message);
    let req = decode_request(
        json!({"model": "m", "messages": msgs, "n": 1})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    assert!(req.extra.is_empty());
}

#[test]
fn stop_may_be_a_string_and_nulls_are_absent() {
    let body = json!({
        "model": "m", "messages": [{"role": "user", "content": "hi"}],
        "stop": "END", "temperature": null, "tool_choice": null, "stream": null
    });
    let req = decode_request(body.to_string().as_bytes()).unwrap();
    assert_eq!(req.stop, vec!["END".to_owned()]);
    assert_eq!(req.temperature, None);
    assert_eq!(req.tool_choice, None);
    assert!(!req.stream);
}

#[test]
fn unknown_kinds_are_kept_verbatim_and_reemitted() {
    let audio = json!({"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}});
    let custom_call = json!({"id": "call_9", "type": "custom", "custom": {"name": "patch", "input": "*** Begin"}});
    let custom_tool =
        json!({"type": "custom", "custom": {"name": "patch", "description": "Apply a patch"}});
    let allowed = json!({"type": "allowed_tools", "allowed_tools": {"mode": "auto", "tools": []}});
    let body = json!({
        "model": "m",
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "listen"}, audio]},
            {"role": "assistant", "content": "", "tool_calls": [custom_call]},
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBOR", "detail": "high"}}]}
        ],
        "tools": [custom_tool],
        "tool_choice": allowed,
    });
    let req = decode_request(body.to_string().as_bytes()).unwrap();
    assert_eq!(
        req.messages[0].content[1],
        ContentPart::Other {
            format: WireFormat::OpenAiChat,
            value: audio.clone()
        }
    );
    // `""` next to tool calls carries nothing and is not kept as a text part.
    assert_eq!(
        req.messages[1].content,
        vec![ContentPart::Other {
            format: WireFormat::OpenAiChat,
            value: custom_call.clone()
        }]
    );
    match &req.messages[2].content[0] {
        ContentPart::Image { source, extra } => {
            assert_eq!(
                source,
                &ImageSource::Url("data:image/png;base64,iVBOR".into())
            );
            assert_eq!(extra.get("detail"), Some(&json!("high")));
        }
        other => panic!("expected an image, got {other:?}"),
    }
    assert_eq!(
        req.tools,
        vec![Tool::Other {
            format: WireFormat::OpenAiChat,
            value: custom_tool.clone()
        }]
    );
    assert_eq!(req.tool_choice, None);
    assert_eq!(req.extra.get("tool_choice"), Some(&allowed));

    let out = encode_json(&req, "m");
    assert_eq!(out["messages"][0]["content"][1], audio);
    assert_eq!(out["messages"][1]["content"], Value::Null);
    assert_eq!(out["messages"][1]["tool_calls"], json!([custom_call]));
    assert_eq!(
        out["messages"][2]["content"][0],
        json!({"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBOR", "detail": "high"}})
    );
    assert_eq!(out["tools"], json!([custom_tool]));
    assert_eq!(out["tool_choice"], allowed);
}

/// A request as the Anthropic codec would decode it, full of Anthropic-only fields.
fn anthropic_request() -> ChatRequest {
    let mut cache = Extras::new();
    cache.insert("cache_control".into(), json!({"type": "ephemeral"}));
    let mut req = ChatRequest::new(WireFormat::Anthropic, "claude-sonnet-4-5");
    req.extra.insert("anthropic_beta".into(), json!(["x"]));
    req.extra.insert("top_k".into(), json!(5));
    req.max_tokens = Some(1024);
    req.stream = true;
    req.messages = vec![
        Message {
            role: Role::Developer,
            content: vec![ContentPart::Text {
                text: "Be terse.".into(),
                extra: cache.clone(),
            }],
            name: None,
            extra: cache.clone(),
        },
        Message {
            role: Role::Assistant,
            content: vec![
                ContentPart::Thinking {
                    text: "secret reasoning".into(),
                    signature: Some("sig".into()),
                    extra: Extras::new(),
                },
                ContentPart::Other {
                    format: WireFormat::Anthropic,
                    value: json!({"type": "redacted_thinking", "data": "xyz"}),
                },
                ContentPart::text("Checking."),
                ContentPart::ToolCall {
                    id: "toolu_1".into(),
                    name: "read".into(),
                    arguments: "{\"path\":\"a.rs\"}".into(),
                    extra: cache.clone(),
                },
            ],
            name: None,
            extra: Extras::new(),
        },
        Message {
            role: Role::User,
            content: vec![
                ContentPart::ToolResult {
                    tool_call_id: "toolu_1".into(),
                    content: vec![ContentPart::text("fn main() {}")],
                    is_error: false,
                    extra: cache.clone(),
                },
                ContentPart::Image {
                    source: ImageSource::Base64 {
                        media_type: "image/png".into(),
                        data: "iVBOR".into(),
                    },
                    extra: cache.clone(),
                },
                ContentPart::text("Now fix it."),
            ],
            name: None,
            extra: Extras::new(),
        },
    ];
    req.tools = vec![
        Tool::Function(FunctionTool {
            name: "read".into(),
            description: None,
            parameters: json!({"type": "object"}),
            strict: None,
            extra: cache,
        }),
        Tool::Other {
            format: WireFormat::Anthropic,
            value: json!({"type": "web_search_20250305", "name": "web_search"}),
        },
    ];
    req
}

#[test]
fn foreign_request_is_encoded_without_foreign_fields() {
    let req = anthropic_request();
    let bytes = encode_request(&req, "gpt-4o").unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    for foreign in [
        "cache_control",
        "anthropic_beta",
        "top_k",
        "redacted_thinking",
        "web_search",
        "secret reasoning",
    ] {
        assert!(!text.contains(foreign), "{foreign} leaked: {text}");
    }
    let out: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(out["max_tokens"], json!(1024));
    assert!(out.get("max_completion_tokens").is_none());
    assert_eq!(out["stream_options"], json!({"include_usage": true}));
    assert_eq!(
        out["messages"],
        json!([
            {"role": "system", "content": "Be terse."},
            {"role": "assistant", "content": "Checking.", "tool_calls": [
                {"id": "toolu_1", "type": "function", "function": {"name": "read", "arguments": "{\"path\":\"a.rs\"}"}}
            ]},
            {"role": "tool", "content": "fn main() {}", "tool_call_id": "toolu_1"},
            {"role": "user", "content": [
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBOR"}},
                {"type": "text", "text": "Now fix it."}
            ]}
        ])
    );
    assert_eq!(
        out["tools"],
        json!([{"type": "function", "function": {"name": "read", "parameters": {"type": "object"}}}])
    );
}

#[test]
fn openai_extras_do_not_leak_when_the_source_is_another_format() {
    // The same request, had its extras come from another format, must lose all of them.
    let mut req = decode_request(STRUCTURED).unwrap();
    req.source = WireFormat::Gemini;
    let text = String::from_utf8(encode_request(&req, "m").unwrap()).unwrap();
    for key in [
        "reasoning_effort",
        "metadata",
        "store",
        "include_obfuscation",
        "max_completion_tokens",
        "developer",
    ] {
        assert!(!text.contains(key), "{key} leaked: {text}");
    }
    assert!(text.contains("\"max_tokens\":1024"), "{text}");
}

#[test]
fn user_message_of_only_tool_results_becomes_only_tool_messages() {
    let mut req = ChatRequest::new(WireFormat::Anthropic, "m");
    req.messages = vec![Message {
        role: Role::User,
        content: vec![
            ContentPart::ToolResult {
                tool_call_id: "a".into(),
                content: vec![ContentPart::text("1")],
                is_error: false,
                extra: Extras::new(),
            },
            ContentPart::ToolResult {
                tool_call_id: "b".into(),
                content: vec![ContentPart::text("x"), ContentPart::text("y")],
                is_error: true,
                extra: Extras::new(),
            },
        ],
        name: None,
        extra: Extras::new(),
    }];
    let out = encode_json(&req, "m");
    assert_eq!(
        out["messages"],
        json!([
            {"role": "tool", "content": "1", "tool_call_id": "a"},
            {"role": "tool", "content": [{"type": "text", "text": "x"}, {"type": "text", "text": "y"}], "tool_call_id": "b"}
        ])
    );
}
