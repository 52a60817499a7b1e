//! Coding agents' current requests: a recorded first turn of Claude Code 2.1.197 (mid-
//! conversation system message, adaptive thinking, `output_config`, `context_management`,
//! betas, 25 tools, cache breakpoints) through every provider kind. Same format is
//! lossless; other formats get a valid request with the system text folded in and the
//! Anthropic-only fields left out.

#![cfg(test)]

mod common;

use common::{sse_frames, Harness, ALL_KINDS, CLIENT_KEY};
use serde_json::{json, Value};
use switchyard_mock::MockBehavior;

/// The captured request: method, path, query, headers (key removed) and body.
const FIXTURE: &str = include_str!("fixtures/claude_code_first_turn.json");

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).unwrap()
}

/// [`ALL_KINDS`] with room for Claude Code's 85 KB first turn.
async fn harness() -> Harness {
    let config = ALL_KINDS.replace("max_body_bytes = 65536", "max_body_bytes = 1048576");
    Harness::start(&config, MockBehavior::default()).await
}

/// Sends the recorded turn as Claude Code does, for gateway alias `model`; returns the
/// status, the SSE body and the body size sent.
async fn send_first_turn(h: &Harness, model: &str) -> (u16, String, usize) {
    let fx = fixture();
    let mut body = fx["body"].clone();
    body["model"] = json!(model);
    let bytes = serde_json::to_vec(&body).unwrap();
    let mut rb = h.client.post(format!(
        "{}{}?{}",
        h.url(),
        fx["path"].as_str().unwrap(),
        fx["query"].as_str().unwrap()
    ));
    for (name, value) in fx["headers"].as_object().unwrap() {
        rb = rb.header(name.as_str(), value.as_str().unwrap());
    }
    let r = rb
        .header("x-api-key", CLIENT_KEY)
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap(), bytes.len())
}

/// The data of the SSE frames named `event`.
fn frames_named(body: &str, event: &str) -> Vec<Value> {
    sse_frames(body)
        .into_iter()
        .filter(|(name, _)| name.as_deref() == Some(event))
        .map(|(_, data)| serde_json::from_str(&data).unwrap())
        .collect()
}

fn assert_complete_anthropic_stream(body: &str) {
    let names: Vec<String> = sse_frames(body)
        .into_iter()
        .filter_map(|(name, _)| name)
        .collect();
    assert_eq!(
        names.first().map(String::as_str),
        Some("message_start"),
        "{body}"
    );
    assert_eq!(
        names.last().map(String::as_str),
        Some("message_stop"),
        "{body}"
    );
    assert!(!names.iter().any(|n| n == "error"), "{body}");
}

#[tokio::test]
async fn claude_code_first_turn_reaches_anthropic_unchanged_but_for_the_model() {
    let h = harness().await;
    let (status, body, _) = send_first_turn(&h, "anthropic-model").await;
    assert_eq!(status, 200, "{body}");
    assert_complete_anthropic_stream(&body);

    let fx = fixture();
    let last = h.mock.stats().last_request.unwrap();
    assert_eq!(last.path, "/v1/messages");
    assert_eq!(last.query.as_deref(), Some("beta=true"));
    for header in ["anthropic-beta", "anthropic-version"] {
        assert_eq!(
            last.headers.get(header).map(String::as_str),
            fx["headers"][header].as_str(),
            "{header}"
        );
    }
    let mut expected = fx["body"].clone();
    expected["model"] = json!("claude-upstream");
    assert_eq!(last.body, expected);
    // The mid-conversation system message is where Claude Code put it.
    assert_eq!(last.body["messages"][1]["role"], "system");
}

#[tokio::test]
async fn claude_code_first_turn_becomes_a_valid_openai_request() {
    let h = harness().await;
    for model in ["openai-model", "azure-model"] {
        let (status, body, _) = send_first_turn(&h, model).await;
        assert_eq!(status, 200, "{model}: {body}");
        assert_complete_anthropic_stream(&body);

        let last = h.mock.stats().last_request.unwrap();
        assert!(last.path.ends_with("/chat/completions"), "{}", last.path);
        assert!(!last.headers.contains_key("anthropic-beta"), "{model}");
        let sent = &last.body;
        // System text stays at its place: OpenAI takes system messages anywhere.
        let roles: Vec<&str> = sent["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["role"].as_str().unwrap())
            .collect();
        assert_eq!(roles, ["system", "user", "system"], "{model}");
        let text = |i: usize| sent["messages"][i]["content"].to_string();
        assert!(text(0).contains("You are a Claude agent"), "{model}");
        assert!(text(1).contains("Write a hello world in Python"), "{model}");
        assert!(text(2).contains("Available agent types"), "{model}");
        assert_eq!(sent["tools"].as_array().unwrap().len(), 25, "{model}");
        assert_eq!(sent["stream"], true);
        assert_no_anthropic_fields(sent, model);
    }
}

#[tokio::test]
async fn claude_code_first_turn_becomes_a_valid_gemini_request() {
    let h = harness().await;
    let (status, body, _) = send_first_turn(&h, "gemini-model").await;
    assert_eq!(status, 200, "{body}");
    assert_complete_anthropic_stream(&body);

    let last = h.mock.stats().last_request.unwrap();
    assert!(
        last.path.ends_with("gemini-upstream:streamGenerateContent"),
        "{}",
        last.path
    );
    assert!(!last.headers.contains_key("anthropic-beta"));
    let sent = &last.body;
    // Gemini has one system instruction: both system texts are folded into it, in order.
    let system = sent["systemInstruction"].to_string();
    let first = system.find("You are a Claude agent").unwrap();
    let later = system.find("Available agent types").unwrap();
    assert!(first < later);
    let contents = sent["contents"].as_array().unwrap();
    assert_eq!(contents.len(), 1);
    assert_eq!(contents[0]["role"], "user");
    let declarations = sent["tools"][0]["functionDeclarations"].as_array().unwrap();
    assert_eq!(declarations.len(), 25);
    assert_no_anthropic_fields(sent, "gemini-model");
}

/// Nothing of Anthropic's own reaches another format: no beta fields, no breakpoints.
fn assert_no_anthropic_fields(sent: &Value, model: &str) {
    let text = sent.to_string();
    for field in [
        "cache_control",
        "\"thinking\"",
        "output_config",
        "context_management",
        "input_schema",
    ] {
        assert!(!text.contains(field), "{model}: {field} leaked");
    }
    // (Tool schemas name a `metadata` property; the top-level field must not be there.)
    assert!(sent.get("metadata").is_none(), "{model}: metadata leaked");
}

#[tokio::test]
async fn message_start_estimates_input_tokens_when_the_upstream_reports_them_at_the_end() {
    let h = harness().await;
    let (status, body, sent_bytes) = send_first_turn(&h, "openai-model").await;
    assert_eq!(status, 200, "{body}");
    let start = &frames_named(&body, "message_start")[0];
    let estimate = start["message"]["usage"]["input_tokens"].as_u64().unwrap();
    assert_eq!(estimate, sent_bytes.div_ceil(4) as u64);
    // The real count (the mock's) follows in message_delta.
    let delta = &frames_named(&body, "message_delta")[0];
    let reported = delta["usage"]["input_tokens"].as_u64().unwrap();
    assert!(
        reported > 0 && reported != estimate,
        "{reported} vs {estimate}"
    );

    // An Anthropic upstream reports its count up front: no estimate then.
    let (_, body, _) = send_first_turn(&h, "anthropic-model").await;
    let start = &frames_named(&body, "message_start")[0];
    let delta = &frames_named(&body, "message_delta")[0];
    assert_eq!(
        start["message"]["usage"]["input_tokens"],
        delta["usage"]["input_tokens"]
    );
}

#[tokio::test]
async fn the_root_answers_claude_codes_probe() {
    let h = harness().await;
    let head = h.client.head(h.url()).send().await.unwrap();
    assert_eq!(head.status(), 200);
    let get = h.client.get(h.url()).send().await.unwrap();
    assert_eq!(get.status(), 200);
    let body: Value = get.json().await.unwrap();
    assert_eq!(body["service"], "switchyard");
    // Other paths still say what was not found.
    let other = h
        .client
        .post(format!("{}/v1/nothing", h.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
}
