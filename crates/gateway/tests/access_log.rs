//! The access log: one line per request (404s, refused keys and 400s with their reason
//! included), never a key or prompt text, and none when `server.access_log = false`.
//!
//! The lines are captured by a `tracing` subscriber installed once for this test binary;
//! each test finds its own lines by the `x-request-id` it sends.

#![cfg(test)]

mod common;

use common::{Harness, ALL_KINDS, CLIENT_KEY};
use serde_json::json;
use std::sync::{Arc, Mutex, OnceLock};
use switchyard_mock::MockBehavior;

/// Everything the access log wrote in this process.
fn captured() -> &'static Arc<Mutex<Vec<u8>>> {
    static CAPTURED: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
                "{}=info",
                switchyard_gateway::access_log::TARGET
            )))
            .with_ansi(false)
            .with_writer(move || Capture(sink.clone()))
            .init();
        buffer
    })
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The access log lines of request `id`, waiting briefly for a stream's line (written
/// when its body ends).
async fn lines_of(id: &str) -> Vec<String> {
    let quoted = format!("\"{id}\"");
    for _ in 0..50 {
        let text = String::from_utf8(captured().lock().unwrap().clone()).unwrap();
        let lines: Vec<String> = text
            .lines()
            .filter(|l| l.contains(&quoted))
            .map(str::to_owned)
            .collect();
        if !lines.is_empty() {
            return lines;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Vec::new()
}

/// The one line of request `id`.
async fn line_of(id: &str) -> String {
    let lines = lines_of(id).await;
    assert_eq!(lines.len(), 1, "{id}: {lines:?}");
    lines.into_iter().next().unwrap()
}

async fn harness() -> Harness {
    captured();
    Harness::all_kinds().await
}

#[tokio::test]
async fn requests_without_a_route_are_logged_with_method_path_and_query() {
    let h = harness().await;
    let r = h
        .client
        .post(format!("{}/v1/responses?stream=1", h.url()))
        .header("x-request-id", "req-no-route")
        .bearer_auth(CLIENT_KEY)
        .json(&json!({"model": "openai-model", "input": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let line = line_of("req-no-route").await;
    for part in [
        "method=POST",
        "path=/v1/responses?stream=1",
        "status=404",
        "reason=no route for POST /v1/responses",
    ] {
        assert!(line.contains(part), "{part} missing: {line}");
    }

    let r = h
        .client
        .head(h.url())
        .header("x-request-id", "req-head-root")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let line = line_of("req-head-root").await;
    assert!(line.contains("method=HEAD path=/ status=200"), "{line}");
}

#[tokio::test]
async fn pipeline_requests_are_logged_once_with_alias_provider_and_attempts() {
    let h = harness().await;
    let r = h
        .post(
            "/v1/chat/completions?key=upstream-secret&trace=1",
            &common::chat("openai-model"),
        )
        .header("x-request-id", "req-chat-ok")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let line = line_of("req-chat-ok").await;
    for part in [
        "method=POST",
        "path=/v1/chat/completions?key=REDACTED&trace=1",
        "status=200",
        "alias=\"openai-model\"",
        "provider=\"mock-openai\"",
        "attempts=1",
        "ms=",
    ] {
        assert!(line.contains(part), "{part} missing: {line}");
    }
    assert!(!line.contains("upstream-secret"), "{line}");

    // A stream is logged when it ends, once.
    let r = h
        .post("/v1/messages", &common::messages_stream("anthropic-model"))
        .header("x-request-id", "req-stream-ok")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let _ = r.text().await.unwrap();
    let line = line_of("req-stream-ok").await;
    assert!(line.contains("provider=\"mock-anthropic\""), "{line}");
}

#[tokio::test]
async fn a_400_says_why_without_prompt_text_or_keys() {
    let h = harness().await;
    let secret_prompt = "MY PRIVATE PROMPT ABOUT PROJECT ZEBRA";
    let r = h
        .post(
            "/v1/messages",
            &json!({"model": "anthropic-model", "max_tokens": 10,
                    "messages": [{"role": "user", "content": [{"type": "text", "text": 5}]},
                                 {"role": "user", "content": secret_prompt}],
                    "stop_sequences": secret_prompt}),
        )
        .header("x-request-id", "req-bad-body")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let line = line_of("req-bad-body").await;
    assert!(line.contains("status=400"), "{line}");
    assert!(line.contains("reason="), "{line}");
    assert!(line.contains("messages[0].content[0].text"), "{line}");
    assert!(!line.contains("ZEBRA"), "{line}");
    assert!(!line.contains(CLIENT_KEY), "{line}");

    // A wrong key: refused with its reason, the key itself never written.
    let r = h
        .client
        .post(format!("{}/v1/chat/completions", h.url()))
        .bearer_auth("sk-wrong-key-1234")
        .header("x-request-id", "req-bad-key")
        .json(&common::chat("openai-model"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let line = line_of("req-bad-key").await;
    assert!(line.contains("status=401 "), "{line}");
    assert!(line.contains("reason=invalid API key"), "{line}");
    assert!(!line.contains("sk-wrong-key"), "{line}");
}

#[tokio::test]
async fn a_string_value_in_a_refusal_is_elided() {
    let h = harness().await;
    let r = h
        .post(
            "/v1/messages",
            &json!({"model": "anthropic-model", "max_tokens": "PROJECT ZEBRA SECRET", "messages": []}),
        )
        .header("x-request-id", "req-bad-type")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let line = line_of("req-bad-type").await;
    assert!(line.contains("invalid type: string"), "{line}");
    assert!(!line.contains("ZEBRA"), "{line}");
}

#[tokio::test]
async fn the_setting_turns_it_off() {
    captured();
    let config = ALL_KINDS.replace("[server]\n", "[server]\naccess_log = false\n");
    let h = Harness::start(&config, MockBehavior::default()).await;
    let r = h
        .post("/v1/chat/completions", &common::chat("openai-model"))
        .header("x-request-id", "req-log-off")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = h
        .client
        .get(format!("{}/nowhere", h.url()))
        .header("x-request-id", "req-log-off-404")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Give a line time to appear, should one be written.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(lines_of("req-log-off").await.is_empty());
    assert!(lines_of("req-log-off-404").await.is_empty());
}
