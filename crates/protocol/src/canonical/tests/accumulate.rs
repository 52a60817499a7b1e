//! `StreamAccumulator`: stream events folded into the complete answer.

use super::{accumulate, decode_sse, fixture, response, thinking, tool_call};
use crate::replay::{events_of, events_of_chunked};
use crate::{
    BlockDelta, BlockKind, ContentPart, IncompleteStream, StopReason, StreamEvent, Usage,
    WireFormat,
};
use serde_json::json;

const FORMAT: WireFormat = WireFormat::OpenAiChat;

fn start() -> StreamEvent {
    StreamEvent::Start {
        id: "resp_1".into(),
        model: "model-1".into(),
    }
}

fn open(index: usize, block: BlockKind) -> StreamEvent {
    StreamEvent::BlockStart { index, block }
}

fn delta(index: usize, delta: BlockDelta) -> StreamEvent {
    StreamEvent::Delta { index, delta }
}

fn stop(index: usize) -> StreamEvent {
    StreamEvent::BlockStop { index }
}

fn finish(stop_reason: StopReason) -> StreamEvent {
    StreamEvent::Finish { stop_reason }
}

fn call(id: &str) -> BlockKind {
    BlockKind::ToolCall {
        id: id.into(),
        name: "grep".into(),
    }
}

fn malformed(events: &[StreamEvent]) -> String {
    match accumulate(FORMAT, events) {
        Err(IncompleteStream::Malformed(why)) => why,
        other => panic!("expected a malformed stream, got {other:?}"),
    }
}

#[test]
fn events_round_trip_through_an_answer() {
    let resp = response(
        vec![
            thinking("Plan: grep, then answer.", Some("c2lnbmF0dXJl")),
            ContentPart::text("Searching the repository."),
            tool_call("call_1", "grep", r#"{"pattern":"fn main"}"#),
            tool_call("call_2", "grep", r#"{"pattern":"mod tests"}"#),
        ],
        StopReason::ToolUse,
    );
    for max in [3, 1000] {
        let events = events_of_chunked(&resp, max);
        let back = accumulate(FORMAT, &events).unwrap();
        assert_eq!(back, resp, "max {max}");
        assert_eq!(events_of_chunked(&back, max), events, "max {max}");
    }
}

#[test]
fn interleaved_tool_calls_come_out_whole_in_index_order() {
    let events = [
        start(),
        open(0, call("a")),
        open(1, call("b")),
        delta(1, BlockDelta::ToolArguments(r#"{"pattern":"#.into())),
        delta(0, BlockDelta::ToolArguments(r#"{"pattern":"#.into())),
        delta(0, BlockDelta::ToolArguments(r#""x"}"#.into())),
        stop(0),
        delta(1, BlockDelta::ToolArguments(r#""y"}"#.into())),
        stop(1),
        finish(StopReason::ToolUse),
    ];
    let resp = accumulate(FORMAT, &events).unwrap();
    assert_eq!(
        resp.content,
        [
            tool_call("a", "grep", r#"{"pattern":"x"}"#),
            tool_call("b", "grep", r#"{"pattern":"y"}"#)
        ]
    );
    assert_eq!(resp.stop_reason, StopReason::ToolUse);
}

#[test]
fn the_last_usage_wins_before_or_after_finish() {
    let early = Usage {
        input_tokens: 10,
        output_tokens: 1,
        ..Usage::default()
    };
    let last = Usage {
        input_tokens: 10,
        output_tokens: 7,
        ..Usage::default()
    };
    let body = [
        open(0, BlockKind::Text),
        delta(0, BlockDelta::Text("hi".into())),
        stop(0),
    ];
    // Anthropic: usage up front and again before the finish.
    let mut before = vec![start(), StreamEvent::Usage(early)];
    before.extend(body.clone());
    before.extend([StreamEvent::Usage(last), finish(StopReason::EndTurn)]);
    // OpenAI: usage in a chunk after the finish reason.
    let mut after = vec![start()];
    after.extend(body);
    after.extend([finish(StopReason::EndTurn), StreamEvent::Usage(last)]);
    for events in [before, after] {
        let resp = accumulate(FORMAT, &events).unwrap();
        assert_eq!(resp.usage, last);
        assert_eq!(resp.joined_text(), "hi");
    }
    // No usage at all reads as unreported, as a complete answer without usage does.
    let bare = [start(), finish(StopReason::EndTurn)];
    assert!(!accumulate(FORMAT, &bare).unwrap().usage.is_reported());
}

#[test]
fn thinking_keeps_its_signature() {
    let events = [
        start(),
        open(0, BlockKind::Thinking),
        delta(0, BlockDelta::Thinking("a".into())),
        delta(0, BlockDelta::Thinking("b".into())),
        delta(0, BlockDelta::Signature("sig".into())),
        stop(0),
        finish(StopReason::EndTurn),
    ];
    let resp = accumulate(FORMAT, &events).unwrap();
    assert_eq!(resp.content, [thinking("ab", Some("sig"))]);
}

#[test]
fn other_blocks_fold_the_deltas_whose_meaning_is_known() {
    let anthropic = WireFormat::Anthropic;
    let other = |format, value| delta(0, BlockDelta::Other { format, value });
    let events = [
        start(),
        open(
            0,
            BlockKind::Other {
                format: anthropic,
                value: json!({"type": "server_tool_use", "id": "srv_1", "name": "web_search", "input": {}}),
            },
        ),
        other(
            anthropic,
            json!({"type": "input_json_delta", "partial_json": "{\"query\": "}),
        ),
        other(
            anthropic,
            json!({"type": "input_json_delta", "partial_json": "\"rust\"}"}),
        ),
        stop(0),
        open(1, BlockKind::Text),
        delta(1, BlockDelta::Text("Rust is".into())),
        delta(
            1,
            BlockDelta::Other {
                format: anthropic,
                value: json!({"type": "citations_delta", "citation": {"url": "https://rust-lang.org"}}),
            },
        ),
        // A delta nobody knows is dropped, not an error (formats add delta kinds).
        delta(
            1,
            BlockDelta::Other {
                format: anthropic,
                value: json!({"type": "future_delta"}),
            },
        ),
        stop(1),
        open(
            2,
            BlockKind::Other {
                format: WireFormat::OpenAiChat,
                value: json!({"type": "refusal"}),
            },
        ),
        delta(
            2,
            BlockDelta::Other {
                format: WireFormat::OpenAiChat,
                value: json!({"refusal": "I can't "}),
            },
        ),
        delta(
            2,
            BlockDelta::Other {
                format: WireFormat::OpenAiChat,
                value: json!({"refusal": "help."}),
            },
        ),
        stop(2),
        finish(StopReason::EndTurn),
    ];
    let resp = accumulate(anthropic, &events).unwrap();
    assert_eq!(
        resp.content[0],
        ContentPart::Other {
            format: anthropic,
            value: json!({"type": "server_tool_use", "id": "srv_1", "name": "web_search", "input": {"query": "rust"}}),
        }
    );
    let ContentPart::Text { text, extra } = &resp.content[1] else {
        panic!("{:?}", resp.content[1]);
    };
    assert_eq!(text, "Rust is");
    assert_eq!(
        extra["citations"],
        json!([{"url": "https://rust-lang.org"}])
    );
    assert_eq!(
        resp.content[2],
        ContentPart::Other {
            format: WireFormat::OpenAiChat,
            value: json!({"type": "refusal", "refusal": "I can't help."}),
        }
    );
    assert_eq!(resp.source, anthropic);
}

#[test]
fn finish_closes_open_blocks_and_a_call_without_arguments_gets_an_empty_object() {
    let events = [
        start(),
        open(0, call("a")),
        open(1, BlockKind::Text),
        delta(1, BlockDelta::Text("t".into())),
        finish(StopReason::ToolUse),
    ];
    let resp = accumulate(FORMAT, &events).unwrap();
    assert_eq!(
        resp.content,
        [tool_call("a", "grep", "{}"), ContentPart::text("t")]
    );
}

#[test]
fn an_error_event_is_never_a_complete_answer() {
    let error = StreamEvent::Error {
        kind: "overloaded_error".into(),
        message: "Overloaded".into(),
    };
    let expected = Err(IncompleteStream::Error {
        kind: "overloaded_error".into(),
        message: "Overloaded".into(),
    });
    let text = [
        start(),
        open(0, BlockKind::Text),
        delta(0, BlockDelta::Text("partial".into())),
    ];
    let mut mid = text.to_vec();
    mid.push(error.clone());
    assert_eq!(accumulate(FORMAT, &mid), expected);
    // Even when the upstream sent a finish before failing, or a finish follows the error.
    let mut late = text.to_vec();
    late.extend([finish(StopReason::EndTurn), error.clone()]);
    assert_eq!(accumulate(FORMAT, &late), expected);
    mid.push(finish(StopReason::EndTurn));
    assert_eq!(accumulate(FORMAT, &mid), expected);
    // An error before anything else (an upstream that fails at once).
    assert_eq!(accumulate(FORMAT, &[error]), expected);
}

#[test]
fn a_stream_without_finish_was_cut() {
    let events = [
        start(),
        open(0, BlockKind::Text),
        delta(0, BlockDelta::Text("partial".into())),
        stop(0),
        StreamEvent::Usage(Usage::default()),
    ];
    assert_eq!(
        accumulate(FORMAT, &events),
        Err(IncompleteStream::Unfinished)
    );
    assert_eq!(accumulate(FORMAT, &[]), Err(IncompleteStream::Unfinished));
}

#[test]
fn events_out_of_order_are_malformed() {
    let text_delta = delta(0, BlockDelta::Text("x".into()));
    let done = finish(StopReason::EndTurn);
    assert!(malformed(std::slice::from_ref(&done)).contains("without a Start"));
    assert!(malformed(&[open(0, BlockKind::Text)]).contains("before Start"));
    assert!(malformed(&[start(), start()]).contains("second Start"));
    assert!(malformed(&[start(), text_delta.clone(), done.clone()]).contains("not open"));
    let reopened = [
        start(),
        open(0, BlockKind::Text),
        stop(0),
        open(0, BlockKind::Text),
    ];
    assert!(malformed(&reopened).contains("opened twice"));
    let after_stop = [
        start(),
        open(0, BlockKind::Text),
        stop(0),
        text_delta.clone(),
    ];
    assert!(malformed(&after_stop).contains("not open"));
    let wrong_kind = [
        start(),
        open(0, call("a")),
        text_delta.clone(),
        done.clone(),
    ];
    assert!(malformed(&wrong_kind).contains("a Text delta for block 0"));
    let after_finish = [start(), done.clone(), open(0, BlockKind::Text)];
    assert!(malformed(&after_finish).contains("BlockStart after Finish"));
    let bad_input = [
        start(),
        open(
            0,
            BlockKind::Other {
                format: WireFormat::Anthropic,
                value: json!({"type": "server_tool_use", "input": {}}),
            },
        ),
        delta(
            0,
            BlockDelta::Other {
                format: WireFormat::Anthropic,
                value: json!({"type": "input_json_delta", "partial_json": "{\"cut"}),
            },
        ),
        stop(0),
        done,
    ];
    assert!(malformed(&bad_input).contains("not JSON"));
}

#[test]
fn the_first_fault_wins() {
    let events = [
        start(),
        start(),
        StreamEvent::Error {
            kind: "api_error".into(),
            message: "later".into(),
        },
    ];
    assert!(malformed(&events).contains("second Start"));
}

/// Every upstream stream fixture accumulates into an answer, and that answer replays as
/// events that accumulate into the same answer.
#[test]
fn stream_fixtures_accumulate_and_replay() {
    let fixtures = [
        (WireFormat::OpenAiChat, "openai", "stream_text.sse"),
        (
            WireFormat::OpenAiChat,
            "openai",
            "stream_tool_calls_usage.sse",
        ),
        (WireFormat::Anthropic, "anthropic", "stream_text.sse"),
        (WireFormat::Anthropic, "anthropic", "stream_thinking.sse"),
        (WireFormat::Anthropic, "anthropic", "stream_tool_use.sse"),
        (WireFormat::Anthropic, "anthropic", "stream_web_search.sse"),
        (WireFormat::Gemini, "gemini", "stream_text.sse"),
        (WireFormat::Gemini, "gemini", "stream_signature_tail.sse"),
        (WireFormat::Gemini, "gemini", "stream_thinking_tools.sse"),
    ];
    for (format, dir, name) in fixtures {
        let (events, complete) = decode_sse(format, &fixture(dir, name));
        assert!(complete, "{dir}/{name}");
        let resp = accumulate(format, &events).unwrap_or_else(|e| panic!("{dir}/{name}: {e}"));
        assert!(!resp.content.is_empty(), "{dir}/{name}");
        for max in [4, usize::MAX] {
            let replayed = accumulate(format, &events_of_chunked(&resp, max)).unwrap();
            assert_eq!(replayed, resp, "{dir}/{name}, deltas of {max}");
        }
    }
}

#[test]
fn stream_fixture_contents_arrive_whole() {
    let (events, _) = decode_sse(
        WireFormat::Anthropic,
        &fixture("anthropic", "stream_web_search.sse"),
    );
    let resp = accumulate(WireFormat::Anthropic, &events).unwrap();
    let ContentPart::Other { value, .. } = &resp.content[0] else {
        panic!("{:?}", resp.content[0]);
    };
    assert_eq!(value["input"], json!({"query": "weather NYC today"}));
    let ContentPart::Text { extra, .. } = &resp.content[2] else {
        panic!("{:?}", resp.content[2]);
    };
    assert_eq!(extra["citations"].as_array().map(Vec::len), Some(1));

    let (events, _) = decode_sse(
        WireFormat::OpenAiChat,
        &fixture("openai", "stream_tool_calls_usage.sse"),
    );
    let resp = accumulate(WireFormat::OpenAiChat, &events).unwrap();
    assert_eq!(resp.stop_reason, StopReason::ToolUse);
    for part in &resp.content {
        if let ContentPart::ToolCall { arguments, .. } = part {
            serde_json::from_str::<serde_json::Value>(arguments).unwrap();
        }
    }
    assert_eq!(events_of(&resp).first(), events.first());
}

#[test]
fn error_fixtures_are_incomplete() {
    for (format, dir) in [
        (WireFormat::Anthropic, "anthropic"),
        (WireFormat::Gemini, "gemini"),
    ] {
        let (events, _) = decode_sse(format, &fixture(dir, "stream_error.sse"));
        assert!(
            matches!(
                accumulate(format, &events),
                Err(IncompleteStream::Error { .. })
            ),
            "{dir}"
        );
    }
}
