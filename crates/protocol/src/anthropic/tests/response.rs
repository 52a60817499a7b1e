//! Complete answers and error bodies.

use super::{fixture, fixture_json};
use crate::anthropic::{decode_error, decode_response, encode_error, encode_response};
use crate::{
    ApiError, ChatResponse, ContentPart, ErrorKind, Extras, StopReason, Usage, WireFormat,
};
use serde_json::{json, Value};

fn decode_fixture(name: &str) -> ChatResponse {
    decode_response(fixture(name).as_bytes()).unwrap()
}

fn encode_json(resp: &ChatResponse) -> Value {
    serde_json::from_slice(&encode_response(resp).unwrap()).unwrap()
}

#[test]
fn decodes_text_response_with_cache_usage() {
    let resp = decode_fixture("response_text.json");
    assert_eq!(resp.id, "msg_013Zva2CMHLNnXjNJJKqJ2EF");
    assert_eq!(resp.model, "claude-sonnet-4-5-20250929");
    assert_eq!(
        resp.content,
        vec![ContentPart::text("Hi! My name is Claude.")]
    );
    assert_eq!(resp.stop_reason, StopReason::EndTurn);
    assert_eq!(resp.source, WireFormat::Anthropic);
    assert_eq!(
        resp.usage,
        Usage {
            // 2095 uncached + 2051 read + 2051 written.
            input_tokens: 6197,
            output_tokens: 503,
            cached_input_tokens: Some(2051),
            cache_creation_input_tokens: Some(2051),
            reasoning_tokens: None,
        }
    );
    assert_eq!(resp.extra["usage"]["service_tier"], "standard");
    assert_eq!(
        resp.extra["usage"]["server_tool_use"],
        json!({"web_search_requests": 0})
    );
}

#[test]
fn same_format_response_round_trips_exactly() {
    let resp = decode_fixture("response_text.json");
    assert_eq!(encode_json(&resp), fixture_json("response_text.json"));
    for name in [
        "response_text.json",
        "response_tool_use.json",
        "response_thinking.json",
        "response_web_search.json",
    ] {
        let resp = decode_fixture(name);
        let again = decode_response(&encode_response(&resp).unwrap()).unwrap();
        assert_eq!(again, resp, "{name}");
    }
}

#[test]
fn decodes_tool_use_response_without_usage() {
    let resp = decode_fixture("response_tool_use.json");
    assert_eq!(resp.stop_reason, StopReason::ToolUse);
    assert_eq!(resp.usage, Usage::default());
    assert!(resp.extra.is_empty());
    assert!(
        matches!(&resp.content[1], ContentPart::ToolCall { id, arguments, .. }
        if id == "toolu_01A09q90qw90lq917835lq9"
            && arguments == r#"{"location": "San Francisco, CA", "unit": "celsius"}"#)
    );
    let out = encode_json(&resp);
    assert_eq!(out["type"], "message");
    assert_eq!(out["role"], "assistant");
    assert_eq!(out["stop_reason"], "tool_use");
    assert_eq!(out["stop_sequence"], Value::Null);
    assert_eq!(out["usage"], json!({"input_tokens": 0, "output_tokens": 0}));
    assert_eq!(
        out["content"][1]["input"],
        json!({"location": "San Francisco, CA", "unit": "celsius"})
    );
}

#[test]
fn decodes_thinking_and_stop_sequence() {
    let resp = decode_fixture("response_thinking.json");
    assert_eq!(
        resp.stop_reason,
        StopReason::StopSequence(Some("</answer>".into()))
    );
    assert!(
        matches!(&resp.content[0], ContentPart::Thinking { signature: Some(s), .. } if s.starts_with("WaUj"))
    );
    assert!(
        matches!(&resp.content[1], ContentPart::Other { format: WireFormat::Anthropic, value }
        if value["data"].as_str().is_some_and(|d| d.starts_with("EmwK")))
    );
    assert_eq!(resp.joined_text(), "Based on my analysis...");
    let out = encode_json(&resp);
    assert_eq!(out["stop_reason"], "stop_sequence");
    assert_eq!(out["stop_sequence"], "</answer>");
}

#[test]
fn decodes_server_tool_blocks_verbatim() {
    let resp = decode_fixture("response_web_search.json");
    assert_eq!(resp.id, "msg_a930390d3a");
    assert_eq!(resp.content.len(), 5);
    let expected = fixture_json("response_web_search.json");
    assert_eq!(
        resp.content[2],
        ContentPart::Other {
            format: WireFormat::Anthropic,
            value: expected["content"][2].clone()
        }
    );
    match &resp.content[4] {
        ContentPart::Text { text, extra } => {
            assert!(text.starts_with("Claude Shannon"));
            assert_eq!(extra["citations"], expected["content"][4]["citations"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        resp.extra["usage"],
        json!({"server_tool_use": {"web_search_requests": 1}})
    );
}

#[test]
fn foreign_responses_are_shown_without_foreign_fields() {
    let mut extra = Extras::new();
    extra.insert("system_fingerprint".into(), json!("fp_1"));
    let resp = ChatResponse {
        id: "chatcmpl-1".into(),
        model: "gpt-4o".into(),
        content: vec![
            ContentPart::Thinking {
                text: "hmm".into(),
                signature: None,
                extra: Extras::new(),
            },
            ContentPart::Other {
                format: WireFormat::OpenAiChat,
                value: json!({"type": "refusal"}),
            },
            ContentPart::text("Hello"),
        ],
        stop_reason: StopReason::Other("function_call".into()),
        usage: Usage {
            input_tokens: 100,
            output_tokens: 7,
            cached_input_tokens: Some(60),
            cache_creation_input_tokens: None,
            reasoning_tokens: Some(3),
        },
        created: 1,
        source: WireFormat::OpenAiChat,
        extra,
    };
    assert_eq!(
        encode_json(&resp),
        json!({
            "id": "chatcmpl-1",
            "type": "message",
            "role": "assistant",
            "model": "gpt-4o",
            "content": [
                {"type": "thinking", "thinking": "hmm", "signature": ""},
                {"type": "text", "text": "Hello"}
            ],
            "stop_reason": "end_turn",
            "stop_sequence": null,
            "usage": {"input_tokens": 40, "cache_read_input_tokens": 60, "output_tokens": 7}
        })
    );
}

#[test]
fn errors_use_anthropic_types() {
    let cases = [
        (ErrorKind::InvalidRequest, "invalid_request_error"),
        (ErrorKind::Authentication, "authentication_error"),
        (ErrorKind::PermissionDenied, "permission_error"),
        (ErrorKind::NotFound, "not_found_error"),
        (ErrorKind::RequestTooLarge, "request_too_large"),
        (ErrorKind::RateLimited, "rate_limit_error"),
        (ErrorKind::Internal, "api_error"),
        (ErrorKind::UpstreamError, "api_error"),
        (ErrorKind::Unavailable, "overloaded_error"),
        (ErrorKind::UpstreamTimeout, "timeout_error"),
    ];
    for (kind, wire) in cases {
        let body = encode_error(&ApiError::new(kind, "it \"broke\"").with_param("messages"));
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            json!({"type": "error", "error": {"type": wire, "message": "it \"broke\""}})
        );
        assert_eq!(
            decode_error(&body),
            Some((wire.to_owned(), "it \"broke\"".to_owned()))
        );
    }
}

#[test]
fn decodes_upstream_error_bodies() {
    assert_eq!(
        decode_error(fixture("error_not_found.json").as_bytes()),
        Some((
            "not_found_error".to_owned(),
            "The requested resource could not be found.".to_owned()
        ))
    );
    assert_eq!(decode_error(br#"{"error":{"message":"x"}}"#), None);
    assert_eq!(decode_error(b"<html>502 Bad Gateway</html>"), None);
}
