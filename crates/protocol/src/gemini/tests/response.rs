use super::fixture;
use crate::gemini::decode_response;
use crate::{ContentPart, StopReason, Usage, WireFormat};
use serde_json::{json, Value};

#[test]
fn text_answer_fixture() {
    let resp = decode_response(fixture("response_text.json").as_bytes()).unwrap();
    assert_eq!(resp.id, "wjCjaI3AI7mokdUPn8Gf2Ac");
    assert_eq!(resp.model, "gemini-2.0-flash");
    assert_eq!(resp.content, vec![ContentPart::text("Paris\n")]);
    assert_eq!(resp.stop_reason, StopReason::EndTurn);
    assert_eq!(
        resp.usage,
        Usage {
            input_tokens: 10,
            output_tokens: 2,
            ..Usage::default()
        }
    );
    assert_eq!(resp.created, 0);
    assert_eq!(resp.source, WireFormat::Gemini);
    // Unmodelled fields stay in their wire position.
    let logprobs = resp.extra["candidates"][0]["avgLogprobs"].as_f64().unwrap();
    assert!((logprobs + 0.000_552_732_788).abs() < 1e-12, "{logprobs}");
    assert!(resp.extra["usageMetadata"].get("totalTokenCount").is_none());
    assert_eq!(
        resp.extra["usageMetadata"]["promptTokensDetails"][0]["modality"],
        "TEXT"
    );
    assert_eq!(resp.extra.len(), 2, "{:?}", resp.extra);
}

#[test]
fn function_call_fixture_with_signature_and_thoughts() {
    let resp = decode_response(fixture("response_function_call.json").as_bytes()).unwrap();
    assert_eq!(resp.id, "XTH6aIb6G73WvdIPsMqa4QM");
    assert_eq!(resp.model, "gemini-2.5-flash");
    assert_eq!(resp.stop_reason, StopReason::ToolUse);
    let [ContentPart::ToolCall {
        id,
        name,
        arguments,
        extra,
    }] = resp.content.as_slice()
    else {
        panic!("{:?}", resp.content)
    };
    assert_eq!(id, "call_XTH6aIb6G73WvdIPsMqa4QM_0");
    assert_eq!(name, "get_weather");
    let args: Value = serde_json::from_str(arguments).unwrap();
    assert_eq!(args, json!({"city": "london"}));
    let sig = extra["thoughtSignature"].as_str().unwrap();
    assert!(sig.starts_with("CoYCAdHtim+7tAw+8pgc"), "{sig}");
    assert_eq!(extra.len(), 1);
    // Thoughts are billed as output: 15 visible + 58 thinking.
    assert_eq!(
        resp.usage,
        Usage {
            input_tokens: 113,
            output_tokens: 73,
            reasoning_tokens: Some(58),
            ..Usage::default()
        }
    );
    assert_eq!(
        resp.extra["candidates"][0]["finishMessage"],
        "Model generated function call(s)."
    );
    assert_eq!(resp.extra["candidates"][0]["index"], 0);
}

#[test]
fn legacy_function_call_without_ids_or_usage() {
    let body = fixture("response_function_call_legacy.json");
    let resp = decode_response(body.as_bytes()).unwrap();
    // No responseId: a stable id derived from the body.
    assert!(resp.id.starts_with("gemini-"), "{}", resp.id);
    assert_eq!(resp.id.len(), "gemini-".len() + 16);
    assert_eq!(resp.id, decode_response(body.as_bytes()).unwrap().id);
    assert_eq!(resp.model, "");
    assert_eq!(resp.usage, Usage::default());
    assert_eq!(resp.stop_reason, StopReason::ToolUse);
    let ContentPart::ToolCall {
        id,
        name,
        arguments,
        ..
    } = &resp.content[0]
    else {
        panic!("{:?}", resp.content)
    };
    assert_eq!(id, &format!("call_{}_0", resp.id));
    assert_eq!(name, "find_theaters");
    let args: Value = serde_json::from_str(arguments).unwrap();
    assert_eq!(
        args,
        json!({"movie": "Barbie", "location": "Mountain View, CA"})
    );
    assert_eq!(
        resp.extra["promptFeedback"]["safetyRatings"][0]["category"],
        "HARM_CATEGORY_SEXUALLY_EXPLICIT"
    );
    assert_eq!(
        resp.extra["candidates"][0]["safetyRatings"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn blocked_prompt_is_content_filter() {
    let resp = decode_response(fixture("response_blocked_prompt.json").as_bytes()).unwrap();
    assert_eq!(resp.stop_reason, StopReason::ContentFilter);
    assert!(resp.content.is_empty());
    assert_eq!(resp.extra["promptFeedback"]["blockReason"], "SAFETY");
}

#[test]
fn thinking_fixture() {
    let resp = decode_response(fixture("response_thinking.json").as_bytes()).unwrap();
    assert_eq!(resp.stop_reason, StopReason::MaxTokens);
    assert_eq!(resp.content.len(), 2);
    let ContentPart::Thinking {
        text,
        signature,
        extra,
    } = &resp.content[0]
    else {
        panic!("{:?}", resp.content)
    };
    assert!(text.starts_with("**Defining Occam's Razor**"));
    assert_eq!(*signature, None);
    assert!(extra.is_empty());
    assert_eq!(
        resp.joined_text(),
        "Occam's Razor says that the simplest explanation is usually the right one."
    );
    assert_eq!(
        resp.usage,
        Usage {
            input_tokens: 16,
            output_tokens: 14 + 1024,
            cached_input_tokens: Some(8),
            cache_creation_input_tokens: None,
            reasoning_tokens: Some(1024),
        }
    );
}

#[test]
fn thought_signature_of_a_thought_part_stays_in_extra() {
    let body = json!({
        "candidates": [{"content": {"parts": [
            {"text": "hmm", "thought": true, "thoughtSignature": "c2ln"},
            {"text": "", "thoughtSignature": "dGFpbA=="}
        ]}, "finishReason": "STOP"}],
        "responseId": "r1"
    });
    let resp = decode_response(body.to_string().as_bytes()).unwrap();
    // The empty, signature-only part is dropped.
    assert_eq!(resp.content.len(), 1);
    let ContentPart::Thinking {
        signature, extra, ..
    } = &resp.content[0]
    else {
        panic!("{:?}", resp.content)
    };
    assert_eq!(*signature, None);
    assert_eq!(extra["thoughtSignature"], "c2ln");
    assert_eq!(resp.stop_reason, StopReason::EndTurn);
}

#[test]
fn upstream_call_ids_and_unknown_parts() {
    let body = json!({
        "candidates": [{"content": {"parts": [
            {"executableCode": {"language": "PYTHON", "code": "print(1)"}},
            {"functionCall": {"id": "fc-7", "name": "lookup", "args": {"q": "pines"}}},
            {"functionCall": {"name": "noargs"}}
        ], "role": "model"}, "finishReason": "STOP"}],
        "responseId": "r2"
    });
    let resp = decode_response(body.to_string().as_bytes()).unwrap();
    assert_eq!(
        resp.content[0],
        ContentPart::Other {
            format: WireFormat::Gemini,
            value: json!({"executableCode": {"language": "PYTHON", "code": "print(1)"}}),
        }
    );
    let ContentPart::ToolCall { id, arguments, .. } = &resp.content[1] else {
        panic!()
    };
    assert_eq!(id, "fc-7");
    assert_eq!(arguments, r#"{"q":"pines"}"#);
    let ContentPart::ToolCall { id, arguments, .. } = &resp.content[2] else {
        panic!()
    };
    // Numbered among the calls, not among all parts.
    assert_eq!(id, "call_r2_1");
    assert_eq!(arguments, "{}");
    assert_eq!(resp.stop_reason, StopReason::ToolUse);
}

#[test]
fn finish_reasons() {
    let cases = [
        ("STOP", StopReason::EndTurn),
        ("MAX_TOKENS", StopReason::MaxTokens),
        ("SAFETY", StopReason::ContentFilter),
        ("RECITATION", StopReason::ContentFilter),
        ("BLOCKLIST", StopReason::ContentFilter),
        ("PROHIBITED_CONTENT", StopReason::ContentFilter),
        ("SPII", StopReason::ContentFilter),
        ("OTHER", StopReason::Other("OTHER".to_owned())),
        (
            "MALFORMED_FUNCTION_CALL",
            StopReason::Other("MALFORMED_FUNCTION_CALL".to_owned()),
        ),
    ];
    for (reason, want) in cases {
        let body = json!({
            "candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": reason}],
            "responseId": "r"
        });
        let resp = decode_response(body.to_string().as_bytes()).unwrap();
        assert_eq!(resp.stop_reason, want, "{reason}");
    }
    // A safety stop may come without any content at all.
    let body = br#"{"candidates":[{"finishReason":"SAFETY","index":0}],"responseId":"r"}"#;
    let resp = decode_response(body).unwrap();
    assert_eq!(resp.stop_reason, StopReason::ContentFilter);
    assert!(resp.content.is_empty());
}

#[test]
fn tool_use_prompt_tokens_count_as_input() {
    let body = json!({
        "candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 5, "toolUsePromptTokenCount": 7, "candidatesTokenCount": 1},
        "responseId": "r"
    });
    let resp = decode_response(body.to_string().as_bytes()).unwrap();
    assert_eq!(resp.usage.input_tokens, 12);
    assert_eq!(resp.usage.output_tokens, 1);
    assert!(!resp.extra.contains_key("usageMetadata"));
}

#[test]
fn unusable_bodies_are_errors() {
    let err = decode_response(br#"{"usageMetadata":{"promptTokenCount":1}}"#).unwrap_err();
    assert_eq!(err.param.as_deref(), Some("candidates"));

    let err = decode_response(b"{not json").unwrap_err();
    assert!(err.message.contains("not valid JSON"), "{err}");

    let err =
        decode_response(br#"{"candidates":[{"content":{"parts":[{"text":5}]}}]}"#).unwrap_err();
    assert_eq!(
        err.param.as_deref(),
        Some("candidates[0].content.parts[0].text")
    );

    let err = decode_response(fixture("error_rate_limit.json").as_bytes()).unwrap_err();
    assert_eq!(err.param.as_deref(), Some("error"));
    assert!(err.message.contains("RESOURCE_EXHAUSTED"), "{err}");
}
