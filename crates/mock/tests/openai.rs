//! OpenAI chat completions (and Azure OpenAI) wire format.
#![cfg(test)]

mod common;

use common::{openai_user, parse_sse, post, post_json};
use serde_json::{json, Value};
use switchyard_mock::{MockBehavior, MockServer};

#[tokio::test]
async fn non_stream_completion_echoes_the_user_text() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let body = json!({
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": [{"type": "text", "text": "Write a function that adds two numbers"}]}
        ]
    });
    let (status, v) = post_json(&format!("{}/v1/chat/completions", server.url()), &body).await;
    assert_eq!(status, 200);
    assert_eq!(v["object"], "chat.completion");
    assert!(v["id"].as_str().unwrap().starts_with("chatcmpl-"));
    assert_eq!(v["model"], "gpt-4o-mini");
    assert!(v["created"].as_u64().unwrap() > 1_600_000_000);
    let choice = &v["choices"][0];
    assert_eq!(choice["index"], 0);
    assert_eq!(choice["finish_reason"], "stop");
    assert_eq!(choice["message"]["role"], "assistant");
    assert_eq!(
        choice["message"]["content"],
        "Mock answer to: Write a function that adds two numbers"
    );
    let usage = &v["usage"];
    // system 3 words + 2 + 1 + 7
    assert_eq!(usage["prompt_tokens"], 13);
    assert_eq!(usage["completion_tokens"], 10);
    assert_eq!(usage["total_tokens"], 23);
    assert_eq!(usage["prompt_tokens_details"]["cached_tokens"], 0);
    assert_eq!(usage["completion_tokens_details"]["reasoning_tokens"], 0);
}

#[tokio::test]
async fn long_user_text_is_cut_to_64_chars_and_fixed_text_wins() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let url = format!("{}/v1/chat/completions", server.url());
    let long = "é".repeat(100);
    let (_, v) = post_json(&url, &openai_user(&long)).await;
    assert_eq!(
        v["choices"][0]["message"]["content"],
        format!("Mock answer to: {}", "é".repeat(64))
    );
    server.set_behavior(MockBehavior {
        response_text: Some("fixed words here".into()),
        ..MockBehavior::default()
    });
    let (_, v) = post_json(&url, &openai_user("hi")).await;
    assert_eq!(v["choices"][0]["message"]["content"], "fixed words here");
    assert_eq!(v["usage"]["completion_tokens"], 3);
}

#[tokio::test]
async fn a_response_script_answers_in_order_then_repeats_its_last() {
    let server = MockServer::start(MockBehavior {
        response_script: vec!["first".into(), "second".into()],
        response_text: Some("never".into()),
        ..MockBehavior::default()
    })
    .await
    .unwrap();
    let url = format!("{}/v1/chat/completions", server.url());
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (_, v) = post_json(&url, &openai_user("hi")).await;
        seen.push(
            v["choices"][0]["message"]["content"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(seen, ["first", "second", "second"]);
    server.set_behavior(MockBehavior {
        response_script: vec!["again".into(), "then".into()],
        ..MockBehavior::default()
    });
    let (_, v) = post_json(&url, &openai_user("hi")).await;
    assert_eq!(v["choices"][0]["message"]["content"], "again");
}

#[tokio::test]
async fn stream_with_usage_chunk_and_done() {
    let server = MockServer::start(MockBehavior {
        response_text: Some("one two three four five".into()),
        chunk_words: 2,
        ..MockBehavior::default()
    })
    .await
    .unwrap();
    let mut body = openai_user("hello");
    body["stream"] = json!(true);
    body["stream_options"] = json!({"include_usage": true});
    let (status, headers, text) =
        post(&format!("{}/v1/chat/completions", server.url()), &body).await;
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let events = parse_sse(&text);
    assert_eq!(events.last().unwrap().data, "[DONE]");
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| e.json())
        .collect();
    for c in &chunks {
        assert_eq!(c["object"], "chat.completion.chunk");
        assert_eq!(c["id"], chunks[0]["id"]);
        assert!(
            c.get("usage").is_some(),
            "every chunk has usage (null or not)"
        );
    }
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let content: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(content, "one two three four five");
    // preamble + 3 content chunks (2 words each) + finish + usage
    assert_eq!(chunks.len(), 6);
    let finish = &chunks[4];
    assert_eq!(finish["choices"][0]["finish_reason"], "stop");
    assert!(finish["usage"].is_null());
    let usage = &chunks[5];
    assert_eq!(usage["choices"], json!([]));
    assert_eq!(usage["usage"]["completion_tokens"], 5);
    assert_eq!(usage["usage"]["prompt_tokens"], 1);
    let stats = server.stats();
    assert_eq!(stats.streams_started, 1);
    assert_eq!(stats.streams_completed, 1);
}

#[tokio::test]
async fn stream_without_include_usage_has_no_usage_field() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let mut body = openai_user("hello there");
    body["stream"] = json!(true);
    let (_, _, text) = post(&format!("{}/v1/chat/completions", server.url()), &body).await;
    let events = parse_sse(&text);
    assert_eq!(events.last().unwrap().data, "[DONE]");
    for e in &events[..events.len() - 1] {
        let c = e.json();
        assert!(c.get("usage").is_none());
        assert_eq!(c["choices"].as_array().unwrap().len(), 1);
    }
    let content: String = events[..events.len() - 1]
        .iter()
        .filter_map(|e| {
            e.json()["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(content, "Mock answer to: hello there");
}

fn tool_request(stream: bool) -> Value {
    json!({
        "model": "gpt-4o-mini",
        "stream": stream,
        "messages": [{"role": "user", "content": "open the main file"}],
        "tools": [{
            "type": "function",
            "function": {
                "name": "read_file",
                "description": "Reads a file",
                "parameters": {
                    "type": "object",
                    "properties": {"path": {"type": "string"}, "limit": {"type": "integer"}},
                    "required": ["path"]
                }
            }
        }]
    })
}

#[tokio::test]
async fn tool_call_non_stream_then_tool_result() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let url = format!("{}/v1/chat/completions", server.url());
    let (_, v) = post_json(&url, &tool_request(false)).await;
    let choice = &v["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls");
    assert!(choice["message"]["content"].is_null());
    let call = &choice["message"]["tool_calls"][0];
    assert_eq!(call["type"], "function");
    assert!(call["id"].as_str().unwrap().starts_with("call_"));
    assert_eq!(call["function"]["name"], "read_file");
    let args: Value =
        serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args, json!({"path": "x"}));

    let mut follow = tool_request(false);
    follow["messages"].as_array_mut().unwrap().extend([
        json!({"role": "assistant", "content": null, "tool_calls": [call.clone()]}),
        json!({"role": "tool", "tool_call_id": call["id"], "content": "fn main() {}"}),
    ]);
    let (_, v) = post_json(&url, &follow).await;
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "Tool result received: fn main() {}"
    );

    // Switched off: plain text even with tools.
    server.set_behavior(MockBehavior {
        tool_call_when_tools: false,
        ..MockBehavior::default()
    });
    let (_, v) = post_json(&url, &tool_request(false)).await;
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "Mock answer to: open the main file"
    );
}

#[tokio::test]
async fn tool_call_stream_fragments() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let (_, _, text) = post(
        &format!("{}/v1/chat/completions", server.url()),
        &tool_request(true),
    )
    .await;
    let events = parse_sse(&text);
    assert_eq!(events.last().unwrap().data, "[DONE]");
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| e.json())
        .collect();
    assert_eq!(chunks.len(), 4);
    let first = &chunks[0]["choices"][0]["delta"]["tool_calls"][0];
    assert_eq!(first["index"], 0);
    assert_eq!(first["function"]["name"], "read_file");
    assert!(first["id"].as_str().unwrap().starts_with("call_"));
    let args: String = chunks
        .iter()
        .filter_map(|c| {
            c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(args, r#"{"path":"x"}"#);
    assert!(chunks[1]["choices"][0]["delta"]["tool_calls"][0]
        .get("id")
        .is_none());
    assert_eq!(chunks[3]["choices"][0]["finish_reason"], "tool_calls");
}

#[tokio::test]
async fn azure_requires_api_version() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let base = format!(
        "{}/openai/deployments/my-gpt/chat/completions",
        server.url()
    );
    let body = json!({"messages": [{"role": "user", "content": "hi"}]});
    let (status, v) = post_json(&base, &body).await;
    assert_eq!(status, 404);
    assert_eq!(v["error"]["message"], "Resource not found");
    let (status, v) = post_json(&format!("{base}?api-version=2024-10-21"), &body).await;
    assert_eq!(status, 200);
    assert_eq!(v["model"], "my-gpt");
    assert_eq!(v["choices"][0]["message"]["content"], "Mock answer to: hi");
    let stats = server.stats();
    assert_eq!(stats.by_endpoint.azure, 2);
    assert_eq!(stats.by_endpoint.openai, 0);
    assert_eq!(
        stats.last_request.unwrap().query.as_deref(),
        Some("api-version=2024-10-21")
    );
}

#[tokio::test]
async fn models_and_bad_json() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let v: Value = common::client()
        .get(format!("{}/v1/models", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["object"], "list");
    assert_eq!(v["data"][0]["object"], "model");
    let resp = common::client()
        .post(format!("{}/v1/chat/completions", server.url()))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["type"], "invalid_request_error");
    assert!(v["error"].get("param").is_some());
    let resp = common::client()
        .post(format!("{}/v2/nothing", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}
