use super::CODEX_REQUEST;
use crate::responses::{decode_request, encode_request};
use crate::{openai, ContentPart, Role, ToolChoice, WireFormat};
use serde_json::{json, Value};

#[test]
fn a_codex_turn_decodes_into_the_canonical_conversation() {
    let req = decode_request(CODEX_REQUEST.as_bytes()).unwrap();
    assert_eq!(req.source, WireFormat::OpenAiResponses);
    assert_eq!(req.model, "gpt-5-codex");
    assert!(req.stream);
    let roles: Vec<Role> = req.messages.iter().map(|m| m.role).collect();
    use Role::*;
    assert_eq!(
        roles,
        [System, Developer, User, User, Assistant, Tool, Assistant, Tool, Assistant, User]
    );
    assert!(req.messages[0].joined_text().starts_with("You are Codex"));
    // Reasoning and the call it led to are one model turn.
    let turn = &req.messages[4].content;
    assert!(matches!(&turn[0], ContentPart::Thinking { text, extra, .. }
        if text.starts_with("**Inspecting") && extra["encrypted_content"].as_str().unwrap().starts_with("gAAAA")));
    assert!(matches!(&turn[1], ContentPart::ToolCall { name, .. } if name == "shell"));
    // The freeform call carries its patch as `input`, as its tool's schema says.
    let ContentPart::ToolCall {
        name, arguments, ..
    } = &req.messages[6].content[1]
    else {
        panic!("{:?}", req.messages[6]);
    };
    assert_eq!(name, "apply_patch");
    let args: Value = serde_json::from_str(arguments).unwrap();
    assert!(args["input"]
        .as_str()
        .unwrap()
        .starts_with("*** Begin Patch"));
    let crate::Tool::Function(patch) = &req.tools[1] else {
        panic!("{:?}", req.tools[1]);
    };
    assert_eq!(patch.parameters["required"], json!(["input"]));
    assert!(patch.parameters["properties"]["input"]["description"]
        .as_str()
        .unwrap()
        .contains("begin_patch"));
    assert_eq!(req.tool_choice, Some(ToolChoice::Auto));
    assert_eq!(req.parallel_tool_calls, Some(false));
    for key in ["store", "include", "prompt_cache_key", "reasoning", "text"] {
        assert!(req.extra.contains_key(key), "{key} kept in extra");
    }
}

#[test]
fn a_codex_turn_goes_upstream_unchanged_to_a_responses_provider() {
    let req = decode_request(CODEX_REQUEST.as_bytes()).unwrap();
    let body: Value =
        serde_json::from_slice(&encode_request(&req, "gpt-5-codex").unwrap()).unwrap();
    let original: Value = serde_json::from_str(CODEX_REQUEST).unwrap();
    assert_eq!(body, original);
}

#[test]
fn a_codex_turn_translates_to_chat_completions_without_responses_fields() {
    let req = decode_request(CODEX_REQUEST.as_bytes()).unwrap();
    let body: Value = serde_json::from_slice(&openai::encode_request(&req, "m").unwrap()).unwrap();
    let text = body.to_string();
    for foreign in [
        "encrypted_content",
        "prompt_cache_key\":\"0199",
        "\"include\"",
        "custom_tool_call",
    ] {
        assert!(!text.contains(foreign), "{foreign} leaked into {text}");
    }
    assert_eq!(
        body["reasoning_effort"], "medium",
        "the one reasoning setting chat has"
    );
    let tools = body["tools"].as_array().unwrap();
    assert_eq!(tools[1]["function"]["name"], "apply_patch");
    assert_eq!(
        tools[1]["function"]["parameters"]["required"],
        json!(["input"])
    );
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "system");
    assert!(messages[1]["content"]
        .to_string()
        .contains("permissions instructions"));
    let tool_results: Vec<&Value> = messages.iter().filter(|m| m["role"] == "tool").collect();
    assert_eq!(tool_results.len(), 2);
}

#[test]
fn a_plain_string_input_is_one_user_message() {
    let req = decode_request(br#"{"model":"m","input":"hello","max_output_tokens":9}"#).unwrap();
    assert_eq!(req.messages.len(), 1);
    assert_eq!(req.messages[0].role, Role::User);
    assert_eq!(req.messages[0].joined_text(), "hello");
    assert_eq!(req.max_tokens, Some(9));
    assert!(!req.stream);
}

#[test]
fn json_schema_output_is_canonical() {
    let req = decode_request(
        br#"{"model":"m","input":"x","text":{"format":{"type":"json_schema","name":"out","schema":{"type":"object"},"strict":true}}}"#,
    )
    .unwrap();
    assert_eq!(
        req.response_format,
        Some(crate::ResponseFormat::JsonSchema {
            name: "out".into(),
            schema: json!({"type": "object"}),
            strict: Some(true)
        })
    );
}

#[test]
fn malformed_requests_name_the_field_at_fault() {
    let cases: [(&str, &str); 7] = [
        (r#"{"input":"x"}"#, "model"),
        (r#"{"model":"m"}"#, "input"),
        (r#"{"model":"m","input":5}"#, "input"),
        (r#"{"model":"m","input":[]}"#, "input"),
        (
            r#"{"model":"m","input":[{"type":"function_call","call_id":"c","arguments":"{}"}]}"#,
            "input[0].name",
        ),
        (
            r#"{"model":"m","input":"x","tools":[{"type":"function"}]}"#,
            "tools[0].name",
        ),
        (
            r#"{"model":"m","input":"x","previous_response_id":"resp_1"}"#,
            "previous_response_id",
        ),
    ];
    for (body, param) in cases {
        let err = decode_request(body.as_bytes()).unwrap_err();
        assert_eq!(err.param.as_deref(), Some(param), "{body}: {err}");
    }
    let err = decode_request(br#"{"model":"m","input":"x","previous_response_id":"resp_1"}"#)
        .unwrap_err();
    assert!(err.message.contains("send the whole conversation"), "{err}");
    assert!(decode_request(b"{not json").is_err());
}

#[test]
fn reasoning_without_encrypted_content_is_not_replayed_when_nothing_is_stored() {
    let body = json!({"model": "m", "store": false, "input": [
        {"role": "user", "content": "hi"},
        {"type": "reasoning", "id": "rs_made_up", "summary": [{"type": "summary_text", "text": "t"}]},
        {"type": "reasoning", "id": "rs_real", "summary": [], "encrypted_content": "gAAAA"},
        {"role": "assistant", "content": [{"type": "output_text", "text": "hello"}]},
        {"role": "user", "content": "again"}
    ]});
    let req = decode_request(body.to_string().as_bytes()).unwrap();
    let sent: Value = serde_json::from_slice(&encode_request(&req, "m").unwrap()).unwrap();
    let ids: Vec<&str> = sent["input"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "reasoning")
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["rs_real"]);
}
