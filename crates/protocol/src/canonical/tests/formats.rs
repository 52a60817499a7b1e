//! Replay and accumulation through every wire format: an upstream's complete answer,
//! replayed as events, encoded for a client of each format, decoded by that format's
//! stream decoder and accumulated, is the answer again, up to what the format cannot carry.

use super::{accumulate, decode_sse, fixture};
use crate::codec::{decode_response, AnyStreamEncoder};
use crate::replay::events_of_chunked;
use crate::{ChatResponse, ContentPart, Extras, StopReason, WireFormat};
use serde_json::json;

/// The complete answers of the codecs' fixtures: (format, fixture directory, file).
const ANSWERS: [(WireFormat, &str, &str); 12] = [
    (WireFormat::OpenAiChat, "openai", "response_object.json"),
    (WireFormat::OpenAiChat, "openai", "response_tool_calls.json"),
    (WireFormat::OpenAiChat, "openai", "response_logprobs.json"),
    (WireFormat::Anthropic, "anthropic", "response_text.json"),
    (WireFormat::Anthropic, "anthropic", "response_thinking.json"),
    (WireFormat::Anthropic, "anthropic", "response_tool_use.json"),
    (
        WireFormat::Anthropic,
        "anthropic",
        "response_web_search.json",
    ),
    (WireFormat::Gemini, "gemini", "response_text.json"),
    (WireFormat::Gemini, "gemini", "response_thinking.json"),
    (WireFormat::Gemini, "gemini", "response_function_call.json"),
    (
        WireFormat::Gemini,
        "gemini",
        "response_function_call_legacy.json",
    ),
    (WireFormat::Gemini, "gemini", "response_blocked_prompt.json"),
];

/// The client formats the gateway streams to.
const CLIENTS: [WireFormat; 2] = [WireFormat::OpenAiChat, WireFormat::Anthropic];

/// `resp` replayed to a streaming client of `client` (deltas of at most `max` bytes), as
/// that client's SSE bytes.
fn client_stream(resp: &ChatResponse, client: WireFormat, max: usize) -> Vec<u8> {
    let mut encoder = AnyStreamEncoder::new(client, true).unwrap();
    let mut out = Vec::new();
    for event in events_of_chunked(resp, max) {
        encoder.encode(&event, &mut out).unwrap();
    }
    encoder.finish(&mut out).unwrap();
    out
}

/// What of `resp` a stream of `client` carries. Streams carry no extras; beyond that:
/// - OpenAI chunks carry no signatures, no other format's blocks, no cache-write count, and
///   no stop reason OpenAI does not define (a matched stop sequence reads as `stop`); text
///   and reasoning are flat, so adjacent parts of one kind merge and empty ones vanish.
/// - Anthropic events carry no other format's blocks, no reasoning-token count, and no
///   stop reason Anthropic does not define.
fn carried(resp: &ChatResponse, client: WireFormat) -> ChatResponse {
    let mut out = resp.clone();
    out.extra = Extras::new();
    out.source = client;
    out.created = 0;
    let mut content: Vec<ContentPart> = Vec::new();
    for part in &resp.content {
        let mut part = part.clone();
        match &mut part {
            ContentPart::Text { extra, .. } | ContentPart::ToolCall { extra, .. } => {
                *extra = Extras::new()
            }
            ContentPart::Thinking {
                extra, signature, ..
            } => {
                *extra = Extras::new();
                if client == WireFormat::OpenAiChat {
                    *signature = None;
                }
            }
            ContentPart::Other { format, .. } if *format != client => continue,
            _ => {}
        }
        if client == WireFormat::OpenAiChat {
            match (content.last_mut(), &part) {
                (_, ContentPart::Text { text, .. } | ContentPart::Thinking { text, .. })
                    if text.is_empty() =>
                {
                    continue
                }
                (Some(ContentPart::Text { text, .. }), ContentPart::Text { text: more, .. })
                | (
                    Some(ContentPart::Thinking { text, .. }),
                    ContentPart::Thinking { text: more, .. },
                ) => {
                    text.push_str(more);
                    continue;
                }
                _ => {}
            }
        }
        content.push(part);
    }
    out.content = content;
    match client {
        WireFormat::OpenAiChat => {
            out.usage.cache_creation_input_tokens = None;
            if matches!(
                out.stop_reason,
                StopReason::StopSequence(_) | StopReason::Other(_)
            ) {
                out.stop_reason = StopReason::EndTurn;
            }
        }
        _ => {
            out.usage.reasoning_tokens = None;
            if let StopReason::Other(reason) = &out.stop_reason {
                if !["pause_turn", "model_context_window_exceeded"].contains(&reason.as_str()) {
                    out.stop_reason = StopReason::EndTurn;
                }
            }
        }
    }
    out
}

#[test]
fn every_answer_survives_a_replay_to_every_client_format() {
    for (format, dir, name) in ANSWERS {
        let resp = decode_response(format, &fixture(dir, name)).unwrap();
        for client in CLIENTS {
            let expected = carried(&resp, client);
            // Guard against a comparison of nothing: only the blocked prompt is empty.
            assert_eq!(
                expected.content.is_empty(),
                name == "response_blocked_prompt.json",
                "{dir}/{name} to {client:?}"
            );
            for max in [5, usize::MAX] {
                let bytes = client_stream(&resp, client, max);
                let (events, complete) = decode_sse(client, &bytes);
                assert!(complete, "{dir}/{name} to {client:?}");
                let back = accumulate(client, &events)
                    .unwrap_or_else(|e| panic!("{dir}/{name} to {client:?}: {e}"));
                assert_eq!(
                    carried(&back, client),
                    expected,
                    "{dir}/{name} to {client:?}, deltas of {max}"
                );
            }
        }
    }
}

#[test]
fn a_replay_to_its_own_format_keeps_signatures_server_tools_and_citations() {
    let resp = decode_response(
        WireFormat::Anthropic,
        &fixture("anthropic", "response_web_search.json"),
    )
    .unwrap();
    let (events, _) = decode_sse(
        WireFormat::Anthropic,
        &client_stream(&resp, WireFormat::Anthropic, 16),
    );
    let back = accumulate(WireFormat::Anthropic, &events).unwrap();
    assert_eq!(back.content, resp.content);
    let ContentPart::Text { extra, .. } = &back.content[4] else {
        panic!("{:?}", back.content[4]);
    };
    assert_eq!(
        extra["citations"][0]["url"],
        json!("https://en.wikipedia.org/wiki/Claude_Shannon")
    );

    let resp = decode_response(
        WireFormat::Anthropic,
        &fixture("anthropic", "response_thinking.json"),
    )
    .unwrap();
    let (events, _) = decode_sse(
        WireFormat::Anthropic,
        &client_stream(&resp, WireFormat::Anthropic, 16),
    );
    let back = accumulate(WireFormat::Anthropic, &events).unwrap();
    assert!(matches!(
        &back.content[0],
        ContentPart::Thinking { signature: Some(s), .. } if !s.is_empty()
    ));
    assert_eq!(back.content, resp.content);
}

#[test]
fn an_openai_refusal_reaches_an_openai_client_as_a_refusal() {
    let body = json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": null, "refusal": "I can't help with that."},
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11}
    });
    let resp = decode_response(WireFormat::OpenAiChat, body.to_string().as_bytes()).unwrap();
    let bytes = client_stream(&resp, WireFormat::OpenAiChat, 8);
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains(r#""refusal":"I can't ""#), "{text}");
    let (events, _) = decode_sse(WireFormat::OpenAiChat, &bytes);
    let back = accumulate(WireFormat::OpenAiChat, &events).unwrap();
    assert_eq!(back.content, resp.content);
}
