//! Anthropic Messages wire format.
#![cfg(test)]

mod common;

use common::{parse_sse, post, post_json};
use serde_json::{json, Value};
use switchyard_mock::{MockBehavior, MockServer};

fn request(stream: bool) -> Value {
    json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "stream": stream,
        "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "Explain the borrow checker"}]
    })
}

fn tool_request(stream: bool) -> Value {
    let mut r = request(stream);
    r["tools"] = json!([{
        "name": "grep",
        "description": "Search code",
        "input_schema": {
            "type": "object",
            "properties": {"pattern": {"type": "string"}, "dir": {"type": "string"}},
            "required": ["pattern", "dir"]
        }
    }]);
    r
}

#[tokio::test]
async fn non_stream_message() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let (status, v) = post_json(&format!("{}/v1/messages", server.url()), &request(false)).await;
    assert_eq!(status, 200);
    assert_eq!(v["type"], "message");
    assert_eq!(v["role"], "assistant");
    assert!(v["id"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(v["model"], "claude-sonnet-4-5");
    assert_eq!(v["content"][0]["type"], "text");
    assert_eq!(
        v["content"][0]["text"],
        "Mock answer to: Explain the borrow checker"
    );
    assert_eq!(v["stop_reason"], "end_turn");
    assert!(v["stop_sequence"].is_null());
    assert_eq!(v["usage"]["input_tokens"], 6);
    assert_eq!(v["usage"]["output_tokens"], 7);
}

#[tokio::test]
async fn stream_event_sequence() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let (status, headers, text) =
        post(&format!("{}/v1/messages", server.url()), &request(true)).await;
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let events = parse_sse(&text);
    let names: Vec<&str> = events.iter().map(|e| e.event.as_deref().unwrap()).collect();
    let mut expected = vec!["message_start", "content_block_start", "ping"];
    expected.extend(std::iter::repeat_n("content_block_delta", 7));
    expected.extend(["content_block_stop", "message_delta", "message_stop"]);
    assert_eq!(names, expected);
    for e in &events {
        assert_eq!(e.json()["type"], e.event.as_deref().unwrap());
    }
    let start = events[0].json();
    assert_eq!(start["message"]["content"], json!([]));
    assert_eq!(start["message"]["usage"]["input_tokens"], 6);
    let text: String = events
        .iter()
        .filter(|e| e.event.as_deref() == Some("content_block_delta"))
        .map(|e| {
            let d = e.json();
            assert_eq!(d["delta"]["type"], "text_delta");
            d["delta"]["text"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(text, "Mock answer to: Explain the borrow checker");
    let delta = events[events.len() - 2].json();
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    assert_eq!(delta["usage"]["output_tokens"], 7);
    assert_eq!(server.stats().streams_completed, 1);
}

#[tokio::test]
async fn tool_use_non_stream_and_stream() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let url = format!("{}/v1/messages", server.url());
    let (_, v) = post_json(&url, &tool_request(false)).await;
    assert_eq!(v["stop_reason"], "tool_use");
    let block = &v["content"][0];
    assert_eq!(block["type"], "tool_use");
    assert_eq!(block["name"], "grep");
    assert!(block["id"].as_str().unwrap().starts_with("toolu_"));
    assert_eq!(block["input"], json!({"pattern": "x", "dir": "x"}));

    let (_, _, text) = post(&url, &tool_request(true)).await;
    let events = parse_sse(&text);
    let start = events[1].json();
    assert_eq!(start["content_block"]["type"], "tool_use");
    assert_eq!(start["content_block"]["name"], "grep");
    assert_eq!(start["content_block"]["input"], json!({}));
    let partial: Vec<String> = events
        .iter()
        .filter(|e| e.event.as_deref() == Some("content_block_delta"))
        .map(|e| {
            let d = e.json();
            assert_eq!(d["delta"]["type"], "input_json_delta");
            d["delta"]["partial_json"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(partial.len(), 2);
    let input: Value = serde_json::from_str(&partial.concat()).unwrap();
    assert_eq!(input, json!({"dir": "x", "pattern": "x"}));
    let delta = events[events.len() - 2].json();
    assert_eq!(delta["delta"]["stop_reason"], "tool_use");
    assert_eq!(
        events.last().unwrap().event.as_deref(),
        Some("message_stop")
    );
}

#[tokio::test]
async fn tool_result_is_acknowledged() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let mut r = tool_request(false);
    r["messages"].as_array_mut().unwrap().extend([
        json!({"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_1", "name": "grep", "input": {"pattern": "x", "dir": "x"}}
        ]}),
        json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "src/lib.rs:3: x"}]}
        ]}),
    ]);
    let (_, v) = post_json(&format!("{}/v1/messages", server.url()), &r).await;
    assert_eq!(v["stop_reason"], "end_turn");
    assert_eq!(
        v["content"][0]["text"],
        "Tool result received: src/lib.rs:3: x"
    );
}

#[tokio::test]
async fn models_list_in_anthropic_shape() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let v: Value = common::client()
        .get(format!("{}/v1/models", server.url()))
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["data"][0]["type"], "model");
    assert_eq!(v["has_more"], false);
    assert_eq!(server.stats().by_endpoint.anthropic, 1);
}
