//! `replay::events_of`: a complete answer as stream events.

use super::{response, thinking, tool_call};
use crate::replay::{events_of, events_of_chunked};
use crate::{
    BlockDelta, BlockKind, ContentPart, Extras, ImageSource, StopReason, StreamEvent, WireFormat,
};
use serde_json::json;

fn text_deltas(events: &[StreamEvent], block: usize) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Delta {
                index,
                delta: BlockDelta::Text(t),
            } if *index == block => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn every_part_kind_becomes_one_block_in_order() {
    let other = json!({"type": "redacted_thinking", "data": "EmwKAhgB"});
    let resp = response(
        vec![
            thinking("Let me think.", Some("sig==")),
            ContentPart::text("Calling a tool."),
            tool_call("call_1", "get_weather", r#"{"city":"Paris"}"#),
            ContentPart::Other {
                format: WireFormat::Anthropic,
                value: other.clone(),
            },
        ],
        StopReason::ToolUse,
    );
    let start = |index, block| StreamEvent::BlockStart { index, block };
    let delta = |index, delta| StreamEvent::Delta { index, delta };
    let stop = |index| StreamEvent::BlockStop { index };
    assert_eq!(
        events_of(&resp),
        vec![
            StreamEvent::Start {
                id: "resp_1".into(),
                model: "model-1".into()
            },
            start(0, BlockKind::Thinking),
            delta(0, BlockDelta::Thinking("Let me think.".into())),
            delta(0, BlockDelta::Signature("sig==".into())),
            stop(0),
            start(1, BlockKind::Text),
            delta(1, BlockDelta::Text("Calling a tool.".into())),
            stop(1),
            start(
                2,
                BlockKind::ToolCall {
                    id: "call_1".into(),
                    name: "get_weather".into()
                }
            ),
            delta(2, BlockDelta::ToolArguments(r#"{"city":"Paris"}"#.into())),
            stop(2),
            start(
                3,
                BlockKind::Other {
                    format: WireFormat::Anthropic,
                    value: other
                }
            ),
            stop(3),
            StreamEvent::Usage(resp.usage),
            StreamEvent::Finish {
                stop_reason: StopReason::ToolUse
            },
        ]
    );
}

#[test]
fn chunked_deltas_cut_at_character_boundaries() {
    let text = "héllo wörld — ünïcode 🦀 text";
    let resp = response(vec![ContentPart::text(text)], StopReason::EndTurn);
    for max in [1, 2, 3, 5, 8, 64] {
        let events = events_of_chunked(&resp, max);
        let pieces = text_deltas(&events, 0);
        assert_eq!(pieces.concat(), text, "max {max}");
        // A piece exceeds `max` only when it is a single character wider than `max`.
        assert!(
            pieces
                .iter()
                .all(|p| p.len() <= max || p.chars().count() == 1),
            "max {max}: {pieces:?}"
        );
        assert!(pieces.iter().all(|p| !p.is_empty()));
    }
    assert_eq!(
        text_deltas(&events_of_chunked(&resp, 2), 0)[..3],
        ["h", "é", "ll"]
    );
    assert_eq!(text_deltas(&events_of(&resp), 0), [text]);
}

#[test]
fn chunked_arguments_and_reasoning_reassemble() {
    let args = r#"{"path":"src/main.rs","line":42}"#;
    let resp = response(
        vec![
            thinking("step one, step two", None),
            tool_call("c", "open", args),
        ],
        StopReason::ToolUse,
    );
    let events = events_of_chunked(&resp, 5);
    let (mut reasoning, mut arguments, mut deltas) = (String::new(), String::new(), 0);
    for event in &events {
        match event {
            StreamEvent::Delta {
                index: 0,
                delta: BlockDelta::Thinking(t),
            } => reasoning.push_str(t),
            StreamEvent::Delta {
                index: 1,
                delta: BlockDelta::ToolArguments(a),
            } => arguments.push_str(a),
            StreamEvent::Delta { .. } => panic!("unexpected {event:?}"),
            _ => continue,
        }
        deltas += 1;
    }
    assert_eq!(
        (reasoning.as_str(), arguments.as_str()),
        ("step one, step two", args)
    );
    assert_eq!(deltas, 4 + 7);
    // No signature, no signature delta.
    assert!(!events.iter().any(|e| matches!(
        e,
        StreamEvent::Delta {
            delta: BlockDelta::Signature(_),
            ..
        }
    )));
}

#[test]
fn empty_text_opens_a_block_without_deltas() {
    let resp = response(vec![ContentPart::text("")], StopReason::EndTurn);
    let events = events_of_chunked(&resp, 3);
    assert_eq!(events.len(), 5, "{events:?}");
    assert_eq!(events[2], StreamEvent::BlockStop { index: 0 });
}

#[test]
fn parts_no_answer_holds_are_skipped_and_indexes_stay_dense() {
    let resp = response(
        vec![
            ContentPart::Image {
                source: ImageSource::Url("https://example.com/a.png".into()),
                extra: Extras::new(),
            },
            ContentPart::text("after"),
        ],
        StopReason::EndTurn,
    );
    let events = events_of(&resp);
    assert_eq!(
        events[1],
        StreamEvent::BlockStart {
            index: 0,
            block: BlockKind::Text
        }
    );
    assert_eq!(text_deltas(&events, 0), ["after"]);
    assert_eq!(events.len(), 6);
}

#[test]
fn an_openai_refusal_streams_as_the_openai_decoder_delivers_it() {
    let resp = response(
        vec![ContentPart::Other {
            format: WireFormat::OpenAiChat,
            value: json!({"type": "refusal", "refusal": "I can't help with that."}),
        }],
        StopReason::EndTurn,
    );
    let events = events_of_chunked(&resp, 10);
    assert_eq!(
        events[1],
        StreamEvent::BlockStart {
            index: 0,
            block: BlockKind::Other {
                format: WireFormat::OpenAiChat,
                value: json!({"type": "refusal"})
            }
        }
    );
    assert_eq!(
        events[2],
        StreamEvent::Delta {
            index: 0,
            delta: BlockDelta::Other {
                format: WireFormat::OpenAiChat,
                value: json!({"refusal": "I can't he"})
            }
        }
    );
    // Start, BlockStart, three deltas, BlockStop, Usage, Finish.
    assert_eq!(events.len(), 8);
}

#[test]
fn anthropic_citations_stream_as_citations_deltas_of_their_own_format_only() {
    let citation = json!({"type": "web_search_result_location", "url": "https://example.com"});
    let mut extra = Extras::new();
    extra.insert("citations".into(), json!([citation.clone()]));
    let mut resp = response(
        vec![ContentPart::Text {
            text: "cited".into(),
            extra,
        }],
        StopReason::EndTurn,
    );
    resp.source = WireFormat::Anthropic;
    let cited = StreamEvent::Delta {
        index: 0,
        delta: BlockDelta::Other {
            format: WireFormat::Anthropic,
            value: json!({"type": "citations_delta", "citation": citation}),
        },
    };
    assert_eq!(events_of(&resp)[3], cited);
    resp.source = WireFormat::OpenAiChat;
    assert!(!events_of(&resp).contains(&cited));
}
