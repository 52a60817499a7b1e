//! Response and error codec tests.

use crate::openai::{decode_error, decode_response, encode_error, encode_response};
use crate::{
    ApiError, ChatResponse, ContentPart, ErrorKind, Extras, StopReason, Usage, WireFormat,
};
use serde_json::{json, Value};

const OBJECT: &[u8] = include_bytes!("../../../tests/fixtures/openai/response_object.json");
const TOOL_CALLS: &[u8] = include_bytes!("../../../tests/fixtures/openai/response_tool_calls.json");
const LOGPROBS: &[u8] = include_bytes!("../../../tests/fixtures/openai/response_logprobs.json");
const NOT_FOUND: &[u8] =
    include_bytes!("../../../tests/fixtures/openai/error_model_not_found.json");

fn encode_json(resp: &ChatResponse) -> Value {
    serde_json::from_slice(&encode_response(resp).unwrap()).unwrap()
}

#[test]
fn chat_completion_object_decodes_field_by_field() {
    let resp = decode_response(OBJECT).unwrap();
    assert_eq!(resp.id, "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG");
    assert_eq!(resp.model, "gpt-4o-2024-08-06");
    assert_eq!(resp.created, 1741570283);
    assert_eq!(resp.source, WireFormat::OpenAiChat);
    assert_eq!(resp.content.len(), 1);
    assert!(resp
        .joined_text()
        .starts_with("The image shows a wooden boardwalk path"));
    assert_eq!(resp.stop_reason, StopReason::EndTurn);
    assert_eq!(
        resp.usage,
        Usage {
            input_tokens: 1117,
            output_tokens: 46,
            cached_input_tokens: Some(0),
            cache_creation_input_tokens: None,
            reasoning_tokens: Some(0),
        }
    );
    assert_eq!(resp.extra.get("service_tier"), Some(&json!("default")));
    assert_eq!(
        resp.extra.get("system_fingerprint"),
        Some(&json!("fp_fc9f1d7035"))
    );
    // `object` is re-derived, a null `logprobs` is not kept.
    assert_eq!(resp.extra.len(), 2);
}

#[test]
fn tool_call_response_decodes_calls_and_reason() {
    let resp = decode_response(TOOL_CALLS).unwrap();
    assert_eq!(
        resp.content,
        vec![ContentPart::ToolCall {
            id: "call_abc123".into(),
            name: "get_current_weather".into(),
            arguments: "{\n\"location\": \"Boston, MA\"\n}".into(),
            extra: Extras::new(),
        }]
    );
    assert_eq!(resp.stop_reason, StopReason::ToolUse);
    assert_eq!(resp.usage.input_tokens, 82);
    assert_eq!(resp.usage.output_tokens, 17);
    assert_eq!(resp.usage.cached_input_tokens, None);
    assert_eq!(resp.usage.reasoning_tokens, Some(0));
}

#[test]
fn logprobs_survive_a_same_format_round_trip_inside_the_choice() {
    let resp = decode_response(LOGPROBS).unwrap();
    assert_eq!(
        resp.extra["logprobs"]["content"][0]["token"],
        json!("Hello")
    );
    let out = encode_json(&resp);
    assert_eq!(
        out["choices"][0]["logprobs"]["content"][1]["top_logprobs"][1]["token"],
        json!(" there")
    );
    assert!(out.get("logprobs").is_none());
    assert_eq!(out.get("system_fingerprint"), Some(&Value::Null));
}

#[test]
fn every_fixture_round_trips() {
    for body in [OBJECT, TOOL_CALLS, LOGPROBS] {
        let first = decode_response(body).unwrap();
        let second = decode_response(&encode_response(&first).unwrap()).unwrap();
        assert_eq!(first, second);
    }
}

#[test]
fn encode_writes_one_choice_with_usage_details_when_known() {
    let resp = decode_response(TOOL_CALLS).unwrap();
    assert_eq!(
        encode_json(&resp),
        json!({
            "id": "chatcmpl-abc123",
            "object": "chat.completion",
            "created": 1699896916,
            "model": "gpt-4o-mini",
            "choices": [{
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": null,
                    "refusal": null,
                    "tool_calls": [{
                        "id": "call_abc123",
                        "type": "function",
                        "function": {
                            "name": "get_current_weather",
                            "arguments": "{\n\"location\": \"Boston, MA\"\n}"
                        }
                    }]
                },
                "logprobs": null,
                "finish_reason": "tool_calls"
            }],
            "usage": {
                "prompt_tokens": 82,
                "completion_tokens": 17,
                "total_tokens": 99,
                "completion_tokens_details": {"reasoning_tokens": 0}
            }
        })
    );
}

#[test]
fn refusal_and_reasoning_are_kept() {
    let body = json!({
        "id": "x", "object": "chat.completion", "created": 1, "model": "deepseek-reasoner",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {
            "role": "assistant", "content": null,
            "reasoning_content": "The user wants X.",
            "refusal": "I'm sorry, I cannot help with that."
        }}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15,
                  "prompt_cache_hit_tokens": 8, "prompt_cache_miss_tokens": 2}
    });
    let resp = decode_response(body.to_string().as_bytes()).unwrap();
    assert_eq!(
        resp.content,
        vec![
            ContentPart::Thinking {
                text: "The user wants X.".into(),
                signature: None,
                extra: Extras::new(),
            },
            ContentPart::Other {
                format: WireFormat::OpenAiChat,
                value: json!({"type": "refusal", "refusal": "I'm sorry, I cannot help with that."}),
            },
        ]
    );
    assert_eq!(resp.usage.cached_input_tokens, Some(8));
    let out = encode_json(&resp);
    let msg = &out["choices"][0]["message"];
    assert_eq!(msg["content"], Value::Null);
    assert_eq!(msg["refusal"], json!("I'm sorry, I cannot help with that."));
    assert_eq!(msg["reasoning_content"], json!("The user wants X."));
}

#[test]
fn response_without_choices_is_an_error() {
    let body = json!({"id": "x", "object": "chat.completion", "choices": []});
    let e = decode_response(body.to_string().as_bytes()).unwrap_err();
    assert_eq!(e.param.as_deref(), Some("choices"));
}

#[test]
fn foreign_response_is_encoded_without_foreign_fields() {
    let mut extra = Extras::new();
    extra.insert("stop_sequence".into(), Value::Null);
    extra.insert("container".into(), json!({"id": "c"}));
    let resp = ChatResponse {
        id: "msg_1".into(),
        model: "claude-sonnet-4-5".into(),
        content: vec![
            ContentPart::Thinking {
                text: "hm".into(),
                signature: Some("sig".into()),
                extra: Extras::new(),
            },
            ContentPart::Other {
                format: WireFormat::Anthropic,
                value: json!({"type": "server_tool_use", "id": "srvtoolu_1"}),
            },
            ContentPart::text("Hello "),
            ContentPart::text("world"),
        ],
        stop_reason: StopReason::Other("pause_turn".into()),
        usage: Usage {
            input_tokens: 100,
            output_tokens: 20,
            cached_input_tokens: Some(90),
            cache_creation_input_tokens: Some(10),
            reasoning_tokens: None,
        },
        created: 1_700_000_000,
        source: WireFormat::Anthropic,
        extra,
    };
    assert_eq!(
        encode_json(&resp),
        json!({
            "id": "msg_1",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "claude-sonnet-4-5",
            "choices": [{
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Hello world",
                    "refusal": null,
                    "reasoning_content": "hm"
                },
                "logprobs": null,
                "finish_reason": "stop"
            }],
            "usage": {
                "prompt_tokens": 100,
                "completion_tokens": 20,
                "total_tokens": 120,
                "prompt_tokens_details": {"cached_tokens": 90}
            }
        })
    );
}

#[test]
fn unknown_finish_reason_passes_through_only_from_openai() {
    let body = json!({"id": "x", "model": "m", "choices": [
        {"index": 0, "finish_reason": "abort", "message": {"role": "assistant", "content": "a"}}
    ]});
    let resp = decode_response(body.to_string().as_bytes()).unwrap();
    assert_eq!(resp.stop_reason, StopReason::Other("abort".into()));
    assert_eq!(
        encode_json(&resp)["choices"][0]["finish_reason"],
        json!("abort")
    );
}

#[test]
fn encode_error_uses_openai_shape() {
    let err = ApiError::new(
        ErrorKind::NotFound,
        "The model `gpt-9` does not exist or you do not have access to it.",
    )
    .with_code("model_not_found");
    let out: Value = serde_json::from_slice(&encode_error(&err)).unwrap();
    assert_eq!(
        out,
        json!({"error": {
            "message": "The model `gpt-9` does not exist or you do not have access to it.",
            "type": "invalid_request_error",
            "param": null,
            "code": "model_not_found"
        }})
    );
    let err = ApiError::new(ErrorKind::InvalidRequest, "bad").with_param("messages[1].role");
    let out: Value = serde_json::from_slice(&encode_error(&err)).unwrap();
    assert_eq!(out["error"]["param"], json!("messages[1].role"));
    assert_eq!(out["error"]["code"], Value::Null);
}

#[test]
fn every_error_kind_has_a_type() {
    let expected = [
        (ErrorKind::InvalidRequest, "invalid_request_error"),
        (ErrorKind::Authentication, "authentication_error"),
        (ErrorKind::PermissionDenied, "permission_error"),
        (ErrorKind::NotFound, "invalid_request_error"),
        (ErrorKind::RequestTooLarge, "request_too_large"),
        (ErrorKind::RateLimited, "rate_limit_error"),
        (ErrorKind::Internal, "server_error"),
        (ErrorKind::UpstreamError, "upstream_error"),
        (ErrorKind::Unavailable, "service_unavailable"),
        (ErrorKind::UpstreamTimeout, "timeout_error"),
    ];
    for (kind, ty) in expected {
        let out: Value = serde_json::from_slice(&encode_error(&ApiError::new(kind, "m"))).unwrap();
        assert_eq!(out["error"]["type"], json!(ty), "{kind:?}");
    }
}

#[test]
fn decode_error_reads_openai_and_compatible_shapes() {
    assert_eq!(
        decode_error(NOT_FOUND),
        Some((
            "invalid_request_error".to_owned(),
            "The model `computer-use-preview-2025-03-11` does not exist or you do not have access to it."
                .to_owned()
        ))
    );
    // Azure: a code and no type.
    let azure = br#"{"error":{"code":"429","message":"Rate limit is exceeded."}}"#;
    assert_eq!(
        decode_error(azure),
        Some(("429".to_owned(), "Rate limit is exceeded.".to_owned()))
    );
    // vLLM: a top-level error object.
    let vllm = br#"{"object":"error","message":"max_tokens is too large","type":"BadRequestError","param":null,"code":400}"#;
    assert_eq!(
        decode_error(vllm),
        Some((
            "BadRequestError".to_owned(),
            "max_tokens is too large".to_owned()
        ))
    );
    assert_eq!(decode_error(br#"{"id": "chatcmpl-1"}"#), None);
    assert_eq!(decode_error(b"<html>502 Bad Gateway</html>"), None);
}

#[test]
fn malformed_upstream_body_is_an_error() {
    let e = decode_response(b"<html>").unwrap_err();
    assert!(e.message.contains("upstream response"), "{}", e.message);
    let e = decode_response(br#"{"choices": "none"}"#).unwrap_err();
    assert!(e.message.contains("invalid type"), "{}", e.message);
}
