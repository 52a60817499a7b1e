//! The Anthropic codec through the crate's public API: an Anthropic client routed to an
//! Anthropic upstream, request, streamed answer and error, using the golden fixtures.

use serde_json::Value;
use switchyard_protocol::{anthropic, ApiError, ErrorKind, SseEvent, StreamEvent, WireFormat};

#[expect(
    clippy::unwrap_used,
    reason = "a missing fixture must fail the test loudly"
)]
fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/anthropic/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap()
}

#[test]
fn agent_request_passes_through_with_only_the_model_renamed() {
    let body = fixture("request_agent.json");
    let req = anthropic::decode_request(body.as_bytes()).unwrap();
    assert_eq!(req.source, WireFormat::Anthropic);
    let sent = anthropic::encode_request(&req, "claude-sonnet-4-5-20250929", 8192).unwrap();
    let sent: Value = serde_json::from_slice(&sent).unwrap();
    let original: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(sent["model"], "claude-sonnet-4-5-20250929");
    for key in [
        "max_tokens",
        "system",
        "thinking",
        "metadata",
        "top_k",
        "stop_sequences",
        "tools",
        "tool_choice",
        "stream",
    ] {
        assert_eq!(sent[key], original[key], "{key}");
    }
    // Assistant turns (signed thinking, redacted thinking, server tools) are untouched.
    assert_eq!(sent["messages"][1], original["messages"][1]);
    assert_eq!(sent["messages"][3], original["messages"][3]);
}

#[test]
fn upstream_stream_is_replayed_to_the_client_event_for_event() {
    let upstream = fixture("stream_tool_use.sse");
    let mut decoder = anthropic::StreamDecoder::new();
    let mut encoder = anthropic::StreamEncoder::new(true);
    let mut events: Vec<StreamEvent> = Vec::new();
    let mut client = Vec::new();
    for chunk in upstream.split("\n\n").filter(|c| !c.trim().is_empty()) {
        let mut lines = chunk.lines();
        let event = lines.next().and_then(|l| l.strip_prefix("event: "));
        let data = lines.next().and_then(|l| l.strip_prefix("data: ")).unwrap();
        events.clear();
        decoder
            .decode(&SseEvent { event, data }, &mut events)
            .unwrap();
        for e in &events {
            encoder.encode(e, &mut client).unwrap();
        }
    }
    assert!(decoder.is_complete());
    encoder.finish(&mut client).unwrap();
    let client = String::from_utf8(client).unwrap();

    // Same events in the same order and the same data, apart from usage, which the gateway
    // always reports in full, and `ping`, which the gateway sends right after
    // `message_start` where this upstream sent it after the first block start.
    let frames = |text: &str| -> Vec<(String, Value)> {
        text.split("\n\n")
            .filter(|c| !c.trim().is_empty() && !c.starts_with("event: ping"))
            .map(|c| {
                let mut lines = c.lines();
                let name = lines
                    .next()
                    .unwrap()
                    .trim_start_matches("event: ")
                    .to_owned();
                let mut data: Value =
                    serde_json::from_str(lines.next().unwrap().trim_start_matches("data: "))
                        .unwrap();
                if let Some(obj) = data.as_object_mut() {
                    obj.remove("usage");
                }
                (name, data)
            })
            .collect()
    };
    assert_eq!(frames(&client), frames(&upstream));
}

#[test]
fn errors_read_and_write_the_documented_shape() {
    let body = anthropic::encode_error(&ApiError::new(ErrorKind::RateLimited, "slow down"));
    assert_eq!(
        body,
        br#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#
    );
    assert_eq!(
        anthropic::decode_error(fixture("error_not_found.json").as_bytes()).map(|(t, _)| t),
        Some("not_found_error".to_owned())
    );
}
