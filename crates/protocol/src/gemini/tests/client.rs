//! The client side (decode_request, encode_response, StreamEncoder) and round trips.

use super::{fixture, sse_data};
use crate::gemini::{
    decode_request, decode_response, encode_request, encode_response, StreamDecoder, StreamEncoder,
};
use crate::{
    BlockDelta, BlockKind, ChatResponse, ContentPart, Extras, ResponseFormat, Role, SseEvent,
    StopReason, StreamEvent, Tool, ToolChoice, Usage, WireFormat,
};
use serde_json::{json, Value};

#[test]
fn decodes_recorded_request() {
    let req = decode_request(fixture("request_tool_turn.recorded.json").as_bytes()).unwrap();
    assert_eq!(req.source, WireFormat::Gemini);
    assert_eq!(req.model, "");
    assert_eq!(req.messages.len(), 4);
    assert_eq!(req.messages[0].role, Role::System);
    assert_eq!(
        req.messages[0].joined_text(),
        "I can answer your questions about the time and weather in a city."
    );
    assert_eq!(req.messages[1].role, Role::User);
    assert_eq!(req.messages[2].role, Role::Assistant);
    let ContentPart::ToolCall {
        id,
        name,
        arguments,
        extra,
    } = &req.messages[2].content[0]
    else {
        panic!("{:?}", req.messages[2])
    };
    assert_eq!((id.as_str(), name.as_str()), ("call_0", "get_weather"));
    assert_eq!(arguments, r#"{"city":"london"}"#);
    assert!(extra["thoughtSignature"]
        .as_str()
        .unwrap()
        .starts_with("CoYCAdHtim"));
    assert_eq!(
        req.messages[3].content[0],
        ContentPart::ToolResult {
            tool_call_id: "call_0".to_owned(),
            content: vec![ContentPart::text(
                r#"{"output":{"weather_summary":"Today in \"london\" is sunny"}}"#
            )],
            is_error: false,
            extra: Extras::new(),
        }
    );
    let [Tool::Function(f)] = req.tools.as_slice() else {
        panic!("{:?}", req.tools)
    };
    assert_eq!(f.parameters["properties"]["city"]["type"], "string");
    assert_eq!(f.parameters["additionalProperties"], false);
    assert!(f.extra.contains_key("responseJsonSchema"));
    assert!(req.extra.is_empty(), "{:?}", req.extra);
}

#[test]
fn recorded_request_survives_a_same_format_route() {
    let recorded = fixture("request_tool_turn.recorded.json");
    let req = decode_request(recorded.as_bytes()).unwrap();
    let encoded = encode_request(&req, "gemini-2.5-flash").unwrap();
    assert_eq!(decode_request(&encoded).unwrap(), req);
    // Byte-for-byte the same JSON, except what carries no meaning: the empty
    // `generationConfig` and the role of the system instruction.
    let mut want: Value = serde_json::from_str(&recorded).unwrap();
    want.as_object_mut().unwrap().remove("generationConfig");
    want["systemInstruction"]
        .as_object_mut()
        .unwrap()
        .remove("role");
    let got: Value = serde_json::from_slice(&encoded).unwrap();
    assert_eq!(got, want);
}

#[test]
fn request_config_round_trip() {
    let body = json!({
        "contents": [
            {"role": "user", "parts": [{"text": "hi"}, {"inlineData": {"mimeType": "image/png", "data": "iVBO"}}, {"inlineData": {"mimeType": "application/pdf", "data": "JVBE"}}]},
            {"role": "model", "parts": [{"text": "plan", "thought": true, "thoughtSignature": "c2ln"}, {"text": "ok"}]},
            {"role": "user", "parts": [{"fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/a.jpg"}}]}
        ],
        "generationConfig": {"maxOutputTokens": 64, "temperature": 0.5, "topP": 0.8, "stopSequences": ["x"], "seed": 7, "topK": 5,
                             "responseMimeType": "application/json", "responseJsonSchema": {"type": "object"}},
        "tools": [{"functionDeclarations": [{"name": "f", "parameters": {"type": "OBJECT", "properties": {"a": {"type": "STRING"}}}}]}, {"googleSearch": {}}],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["f"]}},
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]
    });
    let req = decode_request(body.to_string().as_bytes()).unwrap();
    assert_eq!(req.max_tokens, Some(64));
    assert_eq!(req.seed, Some(7));
    assert_eq!(req.stop, ["x"]);
    assert_eq!(req.tool_choice, Some(ToolChoice::Tool("f".to_owned())));
    assert!(
        matches!(&req.response_format, Some(ResponseFormat::JsonSchema { schema, .. }) if schema == &json!({"type": "object"}))
    );
    assert_eq!(req.extra["generationConfig"], json!({"topK": 5}));
    assert!(matches!(
        &req.messages[0].content[1],
        ContentPart::Image { .. }
    ));
    assert!(matches!(
        &req.messages[0].content[2],
        ContentPart::Other {
            format: WireFormat::Gemini,
            ..
        }
    ));
    assert!(matches!(
        &req.messages[1].content[0],
        ContentPart::Thinking { .. }
    ));
    assert!(matches!(
        &req.tools[1],
        Tool::Other {
            format: WireFormat::Gemini,
            ..
        }
    ));

    let encoded = encode_request(&req, "m").unwrap();
    assert_eq!(decode_request(&encoded).unwrap(), req);
    // The OpenAPI-style `parameters` is re-sent as written, not as `parametersJsonSchema`.
    let got: Value = serde_json::from_slice(&encoded).unwrap();
    assert_eq!(got, body);
}

#[test]
fn responses_round_trip() {
    for name in [
        "response_text.json",
        "response_function_call.json",
        "response_function_call_legacy.json",
        "response_blocked_prompt.json",
        "response_thinking.json",
    ] {
        let first = decode_response(fixture(name).as_bytes()).unwrap();
        let encoded = encode_response(&first).unwrap();
        let second = decode_response(&encoded).unwrap();
        assert_eq!(
            second,
            first,
            "{name}: {}",
            String::from_utf8_lossy(&encoded)
        );
    }
}

#[test]
fn encoded_response_shape() {
    let resp = decode_response(fixture("response_function_call.json").as_bytes()).unwrap();
    let got: Value = serde_json::from_slice(&encode_response(&resp).unwrap()).unwrap();
    let mut want: Value = serde_json::from_str(&fixture("response_function_call.json")).unwrap();
    // Gemini's own answer comes back as it was, down to the detail arrays.
    want["candidates"][0]["content"]["parts"][0]["functionCall"]["args"] =
        json!({"city": "london"});
    assert_eq!(got, want);
}

#[test]
fn foreign_response_extras_do_not_leak() {
    let resp = ChatResponse {
        id: "chatcmpl-1".to_owned(),
        model: "gpt-x".to_owned(),
        content: vec![
            ContentPart::Text {
                text: "hi".to_owned(),
                extra: [("annotations".to_owned(), json!([]))]
                    .into_iter()
                    .collect(),
            },
            ContentPart::Other {
                format: WireFormat::Anthropic,
                value: json!({"type": "redacted_thinking", "data": "x"}),
            },
            ContentPart::ToolCall {
                id: "call_abc".to_owned(),
                name: "f".to_owned(),
                arguments: String::new(),
                extra: Extras::new(),
            },
        ],
        stop_reason: StopReason::ToolUse,
        usage: Usage {
            input_tokens: 3,
            output_tokens: 5,
            reasoning_tokens: Some(2),
            ..Usage::default()
        },
        created: 1,
        source: WireFormat::OpenAiChat,
        extra: [("system_fingerprint".to_owned(), json!("fp"))]
            .into_iter()
            .collect(),
    };
    let got: Value = serde_json::from_slice(&encode_response(&resp).unwrap()).unwrap();
    assert_eq!(
        got,
        json!({
            "candidates": [{
                "content": {"role": "model", "parts": [
                    {"text": "hi"},
                    {"functionCall": {"id": "call_abc", "name": "f", "args": {}}}
                ]},
                "finishReason": "STOP"
            }],
            "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 3, "thoughtsTokenCount": 2, "totalTokenCount": 8},
            "modelVersion": "gpt-x",
            "responseId": "chatcmpl-1"
        })
    );
}

/// What a stream amounts to: blocks with their accumulated content, last usage, finish.
fn assemble(
    events: &[StreamEvent],
) -> (Vec<(BlockKind, String)>, Option<Usage>, Option<StopReason>) {
    let mut blocks: Vec<(usize, BlockKind, String)> = Vec::new();
    let (mut usage, mut stop) = (None, None);
    for event in events {
        match event {
            StreamEvent::BlockStart { index, block } => {
                blocks.push((*index, block.clone(), String::new()))
            }
            StreamEvent::Delta { index, delta } => {
                let block = blocks.iter_mut().find(|b| b.0 == *index).unwrap();
                match delta {
                    BlockDelta::Text(t)
                    | BlockDelta::Thinking(t)
                    | BlockDelta::ToolArguments(t) => block.2.push_str(t),
                    other => panic!("{other:?}"),
                }
            }
            StreamEvent::Usage(u) => usage = Some(*u),
            StreamEvent::Finish { stop_reason } => stop = Some(stop_reason.clone()),
            StreamEvent::Start { .. }
            | StreamEvent::BlockStop { .. }
            | StreamEvent::Error { .. } => {}
        }
    }
    (
        blocks.into_iter().map(|(_, k, c)| (k, c)).collect(),
        usage,
        stop,
    )
}

fn decode_frames(frames: &[String]) -> (Vec<StreamEvent>, bool) {
    let mut decoder = StreamDecoder::new();
    let mut out = Vec::new();
    for data in frames {
        decoder
            .decode(&SseEvent { event: None, data }, &mut out)
            .unwrap();
    }
    (out, decoder.is_complete())
}

#[test]
fn streams_round_trip() {
    for name in [
        "stream_text.sse",
        "stream_thinking_tools.sse",
        "stream_signature_tail.sse",
    ] {
        let (first, complete) = decode_frames(&sse_data(&fixture(name)));
        assert!(complete, "{name}");
        let mut encoder = StreamEncoder::new(false);
        let mut bytes = Vec::new();
        for event in &first {
            encoder.encode(event, &mut bytes).unwrap();
        }
        encoder.finish(&mut bytes).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let (second, complete) = decode_frames(&sse_data(&text));
        assert!(complete, "{name}: {text}");
        assert_eq!(second[0], first[0], "{name}: Start");
        assert_eq!(assemble(&second), assemble(&first), "{name}: {text}");
    }
}

#[test]
fn stream_error_round_trip() {
    let mut encoder = StreamEncoder::new(true);
    let mut bytes = Vec::new();
    let error = StreamEvent::Error {
        kind: "RESOURCE_EXHAUSTED".to_owned(),
        message: "quota".to_owned(),
    };
    encoder.encode(&error, &mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(
        text,
        "data: {\"error\":{\"code\":429,\"message\":\"quota\",\"status\":\"RESOURCE_EXHAUSTED\"}}\n\n"
    );
    let (events, complete) = decode_frames(&sse_data(&text));
    assert_eq!(events, vec![error]);
    assert!(!complete);
}
