//! Same-format routes are lossless: what the gateway does not model reaches the upstream
//! exactly as the client sent it, apart from the model name.

#![cfg(test)]

mod common;

use common::Harness;
use serde_json::{json, Value};
use switchyard_mock::MockBehavior;

/// A Claude Code-like request: beta fields, cache breakpoints, a signed thinking block to
/// replay, a redacted thinking block, a server tool and an unknown top-level field.
fn claude_code_request() -> Value {
    json!({
        "model": "anthropic-model",
        "max_tokens": 1024,
        "system": [
            {"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}}
        ],
        "thinking": {"type": "enabled", "budget_tokens": 2048},
        "context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]},
        "metadata": {"user_id": "user_abc"},
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "Fix the bug in main.rs", "cache_control": {"type": "ephemeral", "ttl": "1h"}}
            ]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "The user wants a fix.", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"},
                {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"},
                {"type": "tool_use", "id": "toolu_01A", "name": "Read", "input": {"file_path": "/src/main.rs", "limit": 20}}
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "fn main() {}", "cache_control": {"type": "ephemeral"}},
                {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "README"}, "title": "Readme"}
            ]}
        ],
        "tools": [
            {"name": "Read", "description": "Read a file", "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}}, "cache_control": {"type": "ephemeral"}},
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}
        ],
        "tool_choice": {"type": "auto"}
    })
}

#[tokio::test]
async fn anthropic_to_anthropic_keeps_everything_but_the_model() {
    let h = Harness::all_kinds().await;
    let sent = claude_code_request();
    let r = h
        .client
        .post(format!("{}/v1/messages?beta=true", h.url()))
        .header("x-api-key", common::CLIENT_KEY)
        .header("anthropic-version", "2023-06-01")
        .header(
            "anthropic-beta",
            "interleaved-thinking-2025-05-14,context-management-2025-06-27",
        )
        .json(&sent)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let last = h.mock.stats().last_request.unwrap();
    assert_eq!(last.path, "/v1/messages");
    assert_eq!(last.query.as_deref(), Some("beta=true"));
    assert_eq!(
        last.headers.get("anthropic-beta").map(String::as_str),
        Some("interleaved-thinking-2025-05-14,context-management-2025-06-27")
    );
    assert_eq!(
        last.headers.get("anthropic-version").map(String::as_str),
        Some("2023-06-01")
    );
    // The upstream got the gateway's key, not the client's.
    assert!(last.headers.contains_key("x-api-key"));
    let mut expected = sent.clone();
    expected["model"] = json!("claude-upstream");
    let mut got = last.body.clone();
    // `system` may be re-encoded only in an equivalent form; here it has extras, so it must
    // stay as blocks.
    assert_eq!(got["system"], expected["system"]);
    got.as_object_mut().unwrap().remove("stream");
    assert_eq!(got, expected, "upstream body differs from the client's");
}

#[tokio::test]
async fn openai_to_openai_keeps_unknown_fields() {
    // The mock would answer a call to the first tool; this one is of a kind it cannot call.
    let behavior = MockBehavior {
        tool_call_when_tools: false,
        ..MockBehavior::default()
    };
    let h = Harness::start(common::ALL_KINDS, behavior).await;
    let sent = json!({
        "model": "openai-model",
        "messages": [
            {"role": "developer", "content": "Be terse."},
            {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]}
        ],
        "reasoning_effort": "low",
        "logprobs": true,
        "top_logprobs": 2,
        "metadata": {"team": "ide"},
        "prediction": {"type": "content", "content": "fn main() {}"},
        "max_completion_tokens": 100,
        "tools": [{"type": "custom", "custom": {"name": "grammar_tool"}}]
    });
    let r = h.post("/v1/chat/completions", &sent).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let got = h.mock.stats().last_request.unwrap().body;
    for key in [
        "reasoning_effort",
        "logprobs",
        "top_logprobs",
        "metadata",
        "prediction",
        "max_completion_tokens",
        "tools",
    ] {
        assert_eq!(got[key], sent[key], "field {key}");
    }
    assert_eq!(got["model"], "gpt-upstream");
    assert_eq!(got["messages"][0]["role"], "developer");
    assert_eq!(
        got["messages"][1]["content"][1],
        sent["messages"][1]["content"][1]
    );
}

#[tokio::test]
async fn foreign_fields_never_leak_across_formats() {
    let h = Harness::all_kinds().await;
    let r = h
        .client
        .post(format!("{}/v1/messages", h.url()))
        .header("x-api-key", common::CLIENT_KEY)
        .header("anthropic-beta", "some-beta")
        .json(&json!({
            "model": "openai-model",
            "max_tokens": 64,
            "thinking": {"type": "enabled", "budget_tokens": 1024},
            "messages": [{"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}]}]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let last = h.mock.stats().last_request.unwrap();
    assert_eq!(last.path, "/v1/chat/completions");
    assert!(!last.headers.contains_key("anthropic-beta"));
    let body = last.body.to_string();
    assert!(!body.contains("thinking"), "{body}");
    assert!(!body.contains("cache_control"), "{body}");
    assert_eq!(last.body["max_tokens"], 64);
}

#[tokio::test]
async fn count_tokens_is_forwarded_to_anthropic_and_estimated_elsewhere() {
    let h = Harness::all_kinds().await;
    let body = json!({"model": "anthropic-model", "messages": [{"role": "user", "content": "one two three four"}]});
    let r = h
        .client
        .post(format!("{}/v1/messages/count_tokens?beta=true", h.url()))
        .header("x-api-key", common::CLIENT_KEY)
        .header("anthropic-beta", "token-counting-2024-11-01")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(!r.headers().contains_key("x-switchyard-estimated"));
    let counted: Value = r.json().await.unwrap();
    assert_eq!(counted["input_tokens"], 4);
    let last = h.mock.stats().last_request.unwrap();
    assert_eq!(last.path, "/v1/messages/count_tokens");
    assert_eq!(last.query.as_deref(), Some("beta=true"));
    assert_eq!(last.body["model"], "claude-upstream");
    assert_eq!(
        last.headers.get("anthropic-beta").map(String::as_str),
        Some("token-counting-2024-11-01")
    );

    let mut other = body.clone();
    other["model"] = json!("openai-model");
    other["messages"][0]["content"] = json!("x".repeat(400));
    let r = h
        .client
        .post(format!("{}/v1/messages/count_tokens", h.url()))
        .header("x-api-key", common::CLIENT_KEY)
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-switchyard-estimated"], "true");
    let estimated: Value = r.json().await.unwrap();
    // The prompt's text ("user", the content) in o200k tokens, plus 3 of framing per message.
    let text = format!("user\n{}\n", "x".repeat(400));
    let expected = switchyard_analytics::count_tokens(&text).unwrap() + 3;
    assert_eq!(estimated["input_tokens"], expected);
}
