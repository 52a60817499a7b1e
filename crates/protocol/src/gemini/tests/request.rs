use super::fixture;
use crate::gemini::{encode_request, DUMMY_THOUGHT_SIGNATURE};
use crate::{
    ChatRequest, ContentPart, Extras, FunctionTool, ImageSource, Message, ResponseFormat, Role,
    Tool, ToolChoice, WireFormat,
};
use serde_json::{json, Value};

fn encode(req: &ChatRequest) -> Value {
    serde_json::from_slice(&encode_request(req, "gemini-2.5-flash").unwrap()).unwrap()
}

fn extras(value: Value) -> Extras {
    value.as_object().unwrap().clone()
}

fn msg(role: Role, content: Vec<ContentPart>) -> Message {
    Message {
        role,
        content,
        name: None,
        extra: Extras::new(),
    }
}

fn call(id: &str, name: &str, arguments: &str) -> ContentPart {
    ContentPart::ToolCall {
        id: id.to_owned(),
        name: name.to_owned(),
        arguments: arguments.to_owned(),
        extra: Extras::new(),
    }
}

fn result(id: &str, content: Vec<ContentPart>, is_error: bool) -> ContentPart {
    ContentPart::ToolResult {
        tool_call_id: id.to_owned(),
        content,
        is_error,
        extra: Extras::new(),
    }
}

fn weather_tool() -> Tool {
    Tool::Function(FunctionTool {
        name: "get_weather".to_owned(),
        description: Some("returns weather in the given city".to_owned()),
        parameters: json!({
            "additionalProperties": false,
            "properties": {"city": {"description": "city name", "type": "string"}},
            "required": ["city"],
            "type": "object"
        }),
        strict: Some(true),
        extra: Extras::new(),
    })
}

/// The conversation of `request_tool_turn.recorded.json`, as an OpenAI client sends it.
fn tool_turn() -> ChatRequest {
    let mut req = ChatRequest::new(WireFormat::OpenAiChat, "auto");
    req.messages = vec![
        Message::text(
            Role::System,
            "I can answer your questions about the time and weather in a city.",
        ),
        Message::text(Role::User, "what is the weather in london?"),
        msg(
            Role::Assistant,
            vec![call(
                "call_XTH6aIb6G73WvdIPsMqa4QM_0",
                "get_weather",
                r#"{"city": "london"}"#,
            )],
        ),
        msg(
            Role::Tool,
            vec![result(
                "call_XTH6aIb6G73WvdIPsMqa4QM_0",
                vec![ContentPart::text(
                    r#"{"weather_summary":"Today in \"london\" is sunny"}"#,
                )],
                false,
            )],
        ),
    ];
    req.tools = vec![weather_tool()];
    req.stream = true;
    req
}

#[test]
fn tool_turn_matches_recorded_request() {
    let body = encode(&tool_turn());
    let recorded: Value =
        serde_json::from_str(&fixture("request_tool_turn.recorded.json")).unwrap();

    assert_eq!(
        body["systemInstruction"]["parts"],
        recorded["systemInstruction"]["parts"]
    );
    assert_eq!(body["contents"][0], recorded["contents"][0]);
    // The model turn as recorded, except that the signature Gemini produced cannot have
    // survived an OpenAI client: the documented placeholder stands in.
    let mut model_turn = recorded["contents"][1].clone();
    model_turn["parts"][0]["thoughtSignature"] = json!(DUMMY_THOUGHT_SIGNATURE);
    assert_eq!(body["contents"][1], model_turn);
    assert_eq!(body["contents"][2]["role"], "user");
    assert_eq!(
        body["contents"][2]["parts"][0],
        json!({"functionResponse": {"name": "get_weather", "response": {"weather_summary": "Today in \"london\" is sunny"}}})
    );
    assert_eq!(body["contents"].as_array().unwrap().len(), 3);
    // Same declaration, minus the response schema the canonical tool does not carry.
    let mut decl = recorded["tools"][0]["functionDeclarations"][0].clone();
    decl.as_object_mut().unwrap().remove("responseJsonSchema");
    assert_eq!(body["tools"], json!([{"functionDeclarations": [decl]}]));
    // Nothing else: no model, no stream flag, no empty generationConfig, no toolConfig.
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["contents", "systemInstruction", "tools"]);
}

#[test]
fn generation_config_and_system_hoisting() {
    let mut req = ChatRequest::new(WireFormat::OpenAiChat, "m");
    req.messages = vec![
        Message::text(Role::System, "be brief"),
        Message::text(Role::User, "hi"),
        Message::text(Role::Developer, "use rust"),
        Message::text(Role::User, "and?"),
    ];
    req.max_tokens = Some(256);
    req.temperature = Some(0.2);
    req.top_p = Some(0.9);
    req.stop = vec!["END".to_owned()];
    req.seed = Some(42);
    req.user = Some("u-1".to_owned());
    req.parallel_tool_calls = Some(false);
    req.response_format = Some(ResponseFormat::JsonSchema {
        name: "answer".to_owned(),
        schema: json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "additionalProperties": false}),
        strict: Some(true),
    });
    let body = encode(&req);
    assert_eq!(
        body,
        json!({
            "contents": [{"role": "user", "parts": [{"text": "hi"}, {"text": "and?"}]}],
            "systemInstruction": {"parts": [{"text": "be brief"}, {"text": "use rust"}]},
            "generationConfig": {
                "maxOutputTokens": 256,
                "temperature": 0.2,
                "topP": 0.9,
                "stopSequences": ["END"],
                "seed": 42,
                "responseMimeType": "application/json",
                "responseJsonSchema": {"type": "object", "additionalProperties": false}
            }
        })
    );

    req.response_format = Some(ResponseFormat::JsonObject);
    req.seed = Some(i64::from(i32::MAX) + 2);
    let body = encode(&req);
    assert_eq!(
        body["generationConfig"]["responseMimeType"],
        "application/json"
    );
    assert!(body["generationConfig"].get("responseJsonSchema").is_none());
    assert_eq!(body["generationConfig"]["seed"], i32::MIN + 1);
}

#[test]
fn tool_results_are_wrapped_as_objects() {
    let mut req = ChatRequest::new(WireFormat::Anthropic, "m");
    req.messages = vec![
        Message::text(Role::User, "go"),
        msg(
            Role::Assistant,
            vec![
                ContentPart::text(""),
                ContentPart::text("calling"),
                call("a", "ls", "{}"),
                call("b", "cat", r#"{"path":"x"}"#),
                call("c", "rm", ""),
            ],
        ),
        msg(
            Role::User,
            vec![
                result(
                    "a",
                    vec![ContentPart::text("one"), ContentPart::text(" two")],
                    false,
                ),
                result(
                    "b",
                    vec![ContentPart::text("{\"ok\":"), ContentPart::text("true}")],
                    false,
                ),
                result("c", vec![ContentPart::text("permission denied")], true),
                ContentPart::text("continue"),
            ],
        ),
    ];
    let body = encode(&req);
    let model = &body["contents"][1];
    assert_eq!(model["role"], "model");
    assert_eq!(model["parts"][0], json!({"text": "calling"}));
    // Only the first call of the turn carries the placeholder signature.
    assert_eq!(
        model["parts"][1],
        json!({"functionCall": {"name": "ls", "args": {}}, "thoughtSignature": DUMMY_THOUGHT_SIGNATURE})
    );
    assert_eq!(
        model["parts"][2],
        json!({"functionCall": {"name": "cat", "args": {"path": "x"}}})
    );
    assert_eq!(
        model["parts"][3],
        json!({"functionCall": {"name": "rm", "args": {}}})
    );
    let user = &body["contents"][2]["parts"];
    assert_eq!(
        user[0],
        json!({"functionResponse": {"name": "ls", "response": {"result": "one two"}}})
    );
    assert_eq!(
        user[1],
        json!({"functionResponse": {"name": "cat", "response": {"ok": true}}})
    );
    assert_eq!(
        user[2],
        json!({"functionResponse": {"name": "rm", "response": {"error": "permission denied"}}})
    );
    assert_eq!(user[3], json!({"text": "continue"}));
}

#[test]
fn tool_result_names_come_from_the_nearest_earlier_call() {
    let mut req = ChatRequest::new(WireFormat::OpenAiChat, "m");
    req.messages = vec![
        Message::text(Role::User, "go"),
        msg(Role::Assistant, vec![call("call_0", "first", "{}")]),
        msg(
            Role::Tool,
            vec![result("call_0", vec![ContentPart::text("1")], false)],
        ),
        msg(Role::Assistant, vec![call("call_0", "second", "{}")]),
        msg(
            Role::Tool,
            vec![result("call_0", vec![ContentPart::text("[2]")], true)],
        ),
    ];
    let body = encode(&req);
    assert_eq!(
        body["contents"][2]["parts"][0]["functionResponse"]["name"],
        "first"
    );
    assert_eq!(
        body["contents"][4]["parts"][0]["functionResponse"]["name"],
        "second"
    );
    assert_eq!(
        body["contents"][4]["parts"][0]["functionResponse"]["response"],
        json!({"error": "[2]"})
    );
}

#[test]
fn orphan_results_and_bad_arguments_name_the_field() {
    let mut req = ChatRequest::new(WireFormat::OpenAiChat, "m");
    req.messages = vec![
        Message::text(Role::User, "go"),
        msg(Role::Tool, vec![result("nope", vec![], false)]),
    ];
    let err = encode_request(&req, "m").unwrap_err();
    assert_eq!(
        err.param.as_deref(),
        Some("messages[1].content[0].tool_call_id")
    );
    assert!(err.message.contains("nope"), "{err}");

    req.messages = vec![msg(
        Role::Assistant,
        vec![ContentPart::text("x"), call("a", "f", "{oops")],
    )];
    let err = encode_request(&req, "m").unwrap_err();
    assert_eq!(
        err.param.as_deref(),
        Some("messages[0].content[1].arguments")
    );

    req.messages = vec![msg(Role::Assistant, vec![call("a", "f", "[1]")])];
    let err = encode_request(&req, "m").unwrap_err();
    assert_eq!(
        err.param.as_deref(),
        Some("messages[0].content[0].arguments")
    );
    assert!(err.message.contains("object"), "{err}");
}

#[test]
fn images() {
    let image = |source| ContentPart::Image {
        source,
        extra: extras(json!({"detail": "high"})),
    };
    let mut req = ChatRequest::new(WireFormat::OpenAiChat, "m");
    req.messages = vec![msg(
        Role::User,
        vec![
            image(ImageSource::Base64 {
                media_type: "image/png".to_owned(),
                data: "iVBORw0KGgo=".to_owned(),
            }),
            image(ImageSource::Url(
                "data:image/jpeg;base64,/9j/4AAQ".to_owned(),
            )),
            image(ImageSource::Url(
                "https://example.com/cat.JPG?size=large".to_owned(),
            )),
            image(ImageSource::Url("https://example.com/render".to_owned())),
        ],
    )];
    let body = encode(&req);
    assert_eq!(
        body["contents"][0]["parts"],
        json!([
            {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
            {"inlineData": {"mimeType": "image/jpeg", "data": "/9j/4AAQ"}},
            {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/cat.JPG?size=large"}},
            {"fileData": {"fileUri": "https://example.com/render"}}
        ])
    );

    req.messages = vec![msg(
        Role::User,
        vec![
            ContentPart::text("see"),
            image(ImageSource::Url("data:image/png,rawbytes".to_owned())),
        ],
    )];
    let err = encode_request(&req, "m").unwrap_err();
    assert_eq!(err.param.as_deref(), Some("messages[0].content[1]"));
}

#[test]
fn tool_choice_modes() {
    let mut req = tool_turn();
    let mode = |req: &ChatRequest| encode(req)["toolConfig"].clone();
    req.tool_choice = Some(ToolChoice::Auto);
    assert_eq!(
        mode(&req),
        json!({"functionCallingConfig": {"mode": "AUTO"}})
    );
    req.tool_choice = Some(ToolChoice::None);
    assert_eq!(
        mode(&req),
        json!({"functionCallingConfig": {"mode": "NONE"}})
    );
    req.tool_choice = Some(ToolChoice::Required);
    assert_eq!(
        mode(&req),
        json!({"functionCallingConfig": {"mode": "ANY"}})
    );
    req.tool_choice = Some(ToolChoice::Tool("get_weather".to_owned()));
    assert_eq!(
        mode(&req),
        json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}})
    );
    // No functions, no config.
    req.tools.clear();
    assert_eq!(mode(&req), Value::Null);
}

#[test]
fn schema_less_functions_and_empty_turns() {
    let mut req = ChatRequest::new(WireFormat::Anthropic, "m");
    req.tools = vec![Tool::Function(FunctionTool {
        name: "now".to_owned(),
        description: None,
        parameters: json!({}),
        strict: None,
        extra: Extras::new(),
    })];
    req.messages = vec![
        Message::text(Role::User, "a"),
        // Only a thinking block: nothing Gemini can take, so no turn at all.
        msg(
            Role::Assistant,
            vec![ContentPart::Thinking {
                text: "hm".to_owned(),
                signature: Some("anthropic-sig".to_owned()),
                extra: Extras::new(),
            }],
        ),
        Message::text(Role::User, "b"),
    ];
    let body = encode(&req);
    assert_eq!(
        body["tools"],
        json!([{"functionDeclarations": [{"name": "now"}]}])
    );
    assert_eq!(
        body["contents"],
        json!([{"role": "user", "parts": [{"text": "a"}, {"text": "b"}]}])
    );
}

/// A request decoded from another format, with extras and foreign kinds at every level.
fn foreign_request(source: WireFormat) -> ChatRequest {
    let mut req = ChatRequest::new(source, "m");
    req.extra = extras(
        json!({"metadata": {"k": "v"}, "generationConfig": {"topK": 3}, "safetySettings": []}),
    );
    let mut user = Message::text(Role::User, "hi");
    user.extra = extras(json!({"cache_control": {"type": "ephemeral"}}));
    user.content.push(ContentPart::Text {
        text: "more".to_owned(),
        extra: extras(json!({"citations": [], "thoughtSignature": "foreign"})),
    });
    user.content.push(ContentPart::Other {
        format: WireFormat::Anthropic,
        value: json!({"type": "document", "source": {}}),
    });
    let mut assistant = msg(
        Role::Assistant,
        vec![
            ContentPart::Thinking {
                text: "secret".to_owned(),
                signature: Some("sig".to_owned()),
                extra: Extras::new(),
            },
            ContentPart::ToolCall {
                id: "t1".to_owned(),
                name: "get_weather".to_owned(),
                arguments: "{}".to_owned(),
                extra: extras(json!({"cache_control": {"type": "ephemeral"}})),
            },
        ],
    );
    assistant.extra = extras(json!({"refusal": null}));
    req.messages = vec![user, assistant];
    let Tool::Function(mut f) = weather_tool() else {
        unreachable!()
    };
    f.extra = extras(json!({"cache_control": {"type": "ephemeral"}}));
    req.tools = vec![
        Tool::Function(f),
        Tool::Other {
            format: WireFormat::Anthropic,
            value: json!({"type": "web_search_20250305", "name": "web_search"}),
        },
    ];
    req
}

#[test]
fn foreign_extras_and_kinds_never_leak() {
    for source in [WireFormat::OpenAiChat, WireFormat::Anthropic] {
        let body = encode(&foreign_request(source));
        let text = body.to_string();
        for leak in [
            "metadata",
            "topK",
            "safetySettings",
            "cache_control",
            "citations",
            "refusal",
            "document",
            "web_search",
            "secret",
            "foreign",
        ] {
            assert!(!text.contains(leak), "{source:?} leaked {leak}: {text}");
        }
        assert_eq!(
            body["contents"][1]["parts"],
            json!([{"functionCall": {"name": "get_weather", "args": {}}, "thoughtSignature": DUMMY_THOUGHT_SIGNATURE}])
        );
        assert_eq!(body["tools"].as_array().unwrap().len(), 1);
    }
}

#[test]
fn same_format_extras_are_re_emitted() {
    let mut req = ChatRequest::new(WireFormat::Gemini, "m");
    req.extra = extras(json!({
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
        "generationConfig": {"topK": 40, "thinkingConfig": {"includeThoughts": true}},
        "toolConfig": {"retrievalConfig": {"languageCode": "en"}},
        "contents": "must not be duplicated"
    }));
    req.temperature = Some(1.0);
    let mut user = Message::text(Role::User, "hi");
    user.content.push(ContentPart::Other {
        format: WireFormat::Gemini,
        value: json!({"fileData": {"mimeType": "application/pdf", "fileUri": "files/abc"}}),
    });
    req.messages = vec![
        user,
        msg(
            Role::Assistant,
            vec![
                ContentPart::Thinking {
                    text: "plan".to_owned(),
                    signature: None,
                    extra: extras(json!({"thoughtSignature": "c2ln"})),
                },
                ContentPart::ToolCall {
                    id: "call_r_0".to_owned(),
                    name: "get_weather".to_owned(),
                    arguments: r#"{"city":"paris"}"#.to_owned(),
                    extra: extras(json!({"thoughtSignature": "real"})),
                },
            ],
        ),
    ];
    req.tools = vec![
        weather_tool(),
        Tool::Other {
            format: WireFormat::Gemini,
            value: json!({"googleSearch": {}}),
        },
    ];
    let body = encode(&req);
    assert_eq!(body["safetySettings"][0]["threshold"], "BLOCK_NONE");
    assert_eq!(
        body["generationConfig"],
        json!({"temperature": 1.0, "topK": 40, "thinkingConfig": {"includeThoughts": true}})
    );
    assert_eq!(
        body["toolConfig"],
        json!({"retrievalConfig": {"languageCode": "en"}})
    );
    assert!(body["contents"].is_array());
    assert_eq!(
        body["contents"][0]["parts"][1],
        json!({"fileData": {"mimeType": "application/pdf", "fileUri": "files/abc"}})
    );
    assert_eq!(
        body["contents"][1]["parts"],
        json!([
            {"text": "plan", "thought": true, "thoughtSignature": "c2ln"},
            {"functionCall": {"name": "get_weather", "args": {"city": "paris"}}, "thoughtSignature": "real"}
        ])
    );
    assert_eq!(body["tools"][1], json!({"googleSearch": {}}));
    // The encoded bytes hold no duplicate keys.
    let raw = String::from_utf8(encode_request(&req, "m").unwrap()).unwrap();
    assert_eq!(raw.matches("\"contents\"").count(), 1, "{raw}");
    assert_eq!(raw.matches("\"thoughtSignature\"").count(), 2, "{raw}");
}
