//! Streams are re-encoded event by event in the client's format, from every upstream format.
//! (Broken streams are proven in failover.rs.)

#![cfg(test)]

mod common;

use common::{chat_stream, messages_stream, sse_frames, Harness, PROMPT};
use serde_json::Value;

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
            .post("/v1/chat/completions", &chat_stream(model))
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
        assert_eq!(text, format!("Mock answer to: {PROMPT}"), "{model}");
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
            .post("/v1/messages", &messages_stream(model))
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
        assert_eq!(text, format!("Mock answer to: {PROMPT}"), "{model}");
    }
}
