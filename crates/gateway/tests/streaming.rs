//! Streams are re-encoded event by event in the client's format; a stream that breaks after
//! content was sent ends with an explicit error event, never a clean end.

#![cfg(test)]

mod common;

use common::{Harness, ALL_KINDS};
use serde_json::{json, Value};
use switchyard_mock::{Family, Fault, MockBehavior};

fn openai_stream(model: &str) -> Value {
    json!({"model": model, "stream": true, "messages": [{"role": "user", "content": "count to ten please"}]})
}

fn anthropic_stream(model: &str) -> Value {
    json!({"model": model, "stream": true, "max_tokens": 64, "messages": [{"role": "user", "content": "count to ten please"}]})
}

/// The `data:` payloads of an SSE body, with their event names.
fn sse_frames(body: &str) -> Vec<(Option<String>, String)> {
    body.split("\n\n")
        .filter(|f| !f.trim().is_empty())
        .map(|frame| {
            let mut event = None;
            let mut data = String::new();
            for line in frame.lines() {
                if let Some(e) = line.strip_prefix("event: ") {
                    event = Some(e.to_owned());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push_str(d);
                }
            }
            (event, data)
        })
        .collect()
}

#[tokio::test]
async fn openai_client_streams_from_every_upstream() {
    let h = Harness::all_kinds().await;
    for model in [
        "openai-model",
        "azure-model",
        "anthropic-model",
        "gemini-model",
    ] {
        let r = h
            .post("/v1/chat/completions", &openai_stream(model))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{model}");
        assert_eq!(r.headers()["content-type"], "text/event-stream");
        let body = r.text().await.unwrap();
        let frames = sse_frames(&body);
        assert_eq!(frames.last().unwrap().1, "[DONE]", "{model}: {body}");
        let mut text = String::new();
        for (_, data) in &frames[..frames.len() - 1] {
            let chunk: Value = serde_json::from_str(data).unwrap();
            assert_eq!(chunk["object"], "chat.completion.chunk");
            if let Some(t) = chunk["choices"][0]["delta"]["content"].as_str() {
                text.push_str(t);
            }
        }
        assert_eq!(text, "Mock answer to: count to ten please", "{model}");
    }
}

#[tokio::test]
async fn anthropic_client_streams_from_every_upstream() {
    let h = Harness::all_kinds().await;
    for model in [
        "openai-model",
        "azure-model",
        "anthropic-model",
        "gemini-model",
    ] {
        let r = h
            .post("/v1/messages", &anthropic_stream(model))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{model}");
        let body = r.text().await.unwrap();
        let frames = sse_frames(&body);
        let names: Vec<&str> = frames.iter().filter_map(|(e, _)| e.as_deref()).collect();
        assert_eq!(names.first(), Some(&"message_start"), "{model}: {body}");
        assert_eq!(names.last(), Some(&"message_stop"), "{model}: {body}");
        assert!(names.contains(&"content_block_start"));
        assert!(names.contains(&"content_block_stop"));
        let delta = frames
            .iter()
            .find(|(e, _)| e.as_deref() == Some("message_delta"))
            .unwrap();
        let delta: Value = serde_json::from_str(&delta.1).unwrap();
        assert_eq!(delta["delta"]["stop_reason"], "end_turn", "{model}");
        assert!(
            delta["usage"]["output_tokens"].as_u64().unwrap() > 0,
            "{model}: {delta}"
        );
        let mut text = String::new();
        for (e, data) in &frames {
            if e.as_deref() == Some("content_block_delta") {
                let d: Value = serde_json::from_str(data).unwrap();
                text.push_str(d["delta"]["text"].as_str().unwrap_or(""));
            }
        }
        assert_eq!(text, "Mock answer to: count to ten please", "{model}");
    }
}

#[tokio::test]
async fn stream_cut_after_content_ends_with_an_error_event() {
    let h = Harness::all_kinds().await;
    h.mock.set_behavior(MockBehavior {
        fault: Fault::CutAfter { chunks: 3 },
        ..MockBehavior::default()
    });
    let body = h
        .post("/v1/chat/completions", &openai_stream("anthropic-model"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let frames = sse_frames(&body);
    assert!(frames.iter().all(|(_, d)| d != "[DONE]"), "{body}");
    let last: Value = serde_json::from_str(&frames.last().unwrap().1).unwrap();
    assert!(last["error"]["message"].is_string(), "{body}");

    let body = h
        .post("/v1/messages", &anthropic_stream("openai-model"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let frames = sse_frames(&body);
    assert!(
        frames
            .iter()
            .all(|(e, _)| e.as_deref() != Some("message_stop")),
        "{body}"
    );
    assert_eq!(frames.last().unwrap().0.as_deref(), Some("error"), "{body}");
}

#[tokio::test]
async fn stream_failing_before_content_fails_over_invisibly() {
    let config = format!(
        "{ALL_KINDS}\n[models.chain]\ndeployments = [{{ provider = \"mock-openai\", model = \"a\" }}, {{ provider = \"mock-gemini\", model = \"b\" }}]\n"
    );
    let h = Harness::start(&config, MockBehavior::default()).await;
    h.mock.set_family_behavior(
        Family::OpenAi,
        MockBehavior {
            fault: Fault::CutAfter { chunks: 0 },
            ..MockBehavior::default()
        },
    );
    let r = h
        .post("/v1/chat/completions", &openai_stream("chain"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-switchyard-provider"], "mock-gemini");
    assert_eq!(r.headers()["x-switchyard-attempts"], "2");
    let body = r.text().await.unwrap();
    assert!(body.ends_with("data: [DONE]\n\n"), "{body}");
    assert!(!body.contains("error"), "{body}");
}
