use super::{fixture, sse_data};
use crate::gemini::StreamDecoder;
use crate::{BlockDelta, BlockKind, SseEvent, StopReason, StreamEvent, Usage, WireFormat};
use serde_json::{json, Value};

/// Runs a whole SSE fixture through a fresh decoder.
fn decode_all(name: &str) -> (Vec<StreamEvent>, StreamDecoder) {
    let mut decoder = StreamDecoder::new();
    let mut out = Vec::new();
    for data in sse_data(&fixture(name)) {
        let event = SseEvent {
            event: None,
            data: &data,
        };
        decoder.decode(&event, &mut out).unwrap();
    }
    (out, decoder)
}

fn feed(decoder: &mut StreamDecoder, data: &str) -> Vec<StreamEvent> {
    let mut out = Vec::new();
    decoder
        .decode(&SseEvent { event: None, data }, &mut out)
        .unwrap();
    out
}

fn text(index: usize, t: &str) -> StreamEvent {
    StreamEvent::Delta {
        index,
        delta: BlockDelta::Text(t.to_owned()),
    }
}

#[test]
fn text_stream_fixture() {
    let (events, decoder) = decode_all("stream_text.sse");
    assert_eq!(
        events,
        vec![
            StreamEvent::Start {
                id: "wzCjaPa4As7shMIP2Mei0AI".to_owned(),
                model: "gemini-2.0-flash".to_owned(),
            },
            StreamEvent::BlockStart {
                index: 0,
                block: BlockKind::Text,
            },
            text(0, "Paris"),
            StreamEvent::Usage(Usage {
                input_tokens: 11,
                ..Usage::default()
            }),
            text(0, "\n"),
            StreamEvent::BlockStop { index: 0 },
            StreamEvent::Usage(Usage {
                input_tokens: 10,
                output_tokens: 2,
                ..Usage::default()
            }),
            StreamEvent::Finish {
                stop_reason: StopReason::EndTurn,
            },
        ]
    );
    assert!(decoder.is_complete());
}

#[test]
fn signature_only_tail_and_countless_usage_are_skipped() {
    let (events, decoder) = decode_all("stream_signature_tail.sse");
    assert_eq!(
        events,
        vec![
            StreamEvent::Start {
                id: "tTCwacuEBMvnitYP06qsgQY".to_owned(),
                model: "gemini-3.1-flash-lite-preview".to_owned(),
            },
            StreamEvent::BlockStart {
                index: 0,
                block: BlockKind::Text,
            },
            text(0, "Hello!"),
            text(0, " How can I help you today"),
            text(0, "?"),
            StreamEvent::BlockStop { index: 0 },
            StreamEvent::Usage(Usage {
                input_tokens: 1,
                output_tokens: 9,
                ..Usage::default()
            }),
            StreamEvent::Finish {
                stop_reason: StopReason::EndTurn,
            },
        ]
    );
    assert!(decoder.is_complete());
}

#[test]
fn thinking_text_and_parallel_calls() {
    let (events, decoder) = decode_all("stream_thinking_tools.sse");
    let call = |index: usize, n: usize, city: &str| {
        [
            StreamEvent::BlockStart {
                index,
                block: BlockKind::ToolCall {
                    id: format!("call_stream-tools-fixture-1_{n}"),
                    name: "get_weather".to_owned(),
                },
            },
            StreamEvent::Delta {
                index,
                delta: BlockDelta::ToolArguments(format!(r#"{{"city": "{city}"}}"#)),
            },
            StreamEvent::BlockStop { index },
        ]
    };
    let mut want = vec![
        StreamEvent::Start {
            id: "stream-tools-fixture-1".to_owned(),
            model: "gemini-2.5-flash".to_owned(),
        },
        StreamEvent::BlockStart {
            index: 0,
            block: BlockKind::Thinking,
        },
        StreamEvent::Delta {
            index: 0,
            delta: BlockDelta::Thinking(
                "**Planning the lookup**\n\nI need the weather in both cities.".to_owned(),
            ),
        },
        StreamEvent::Usage(Usage {
            input_tokens: 113,
            ..Usage::default()
        }),
        StreamEvent::BlockStop { index: 0 },
        StreamEvent::BlockStart {
            index: 1,
            block: BlockKind::Text,
        },
        text(1, "Let me check both cities."),
        StreamEvent::BlockStop { index: 1 },
    ];
    want.extend(call(2, 0, "london"));
    want.extend(call(3, 1, "paris"));
    want.push(StreamEvent::Usage(Usage {
        input_tokens: 113,
        output_tokens: 30 + 58,
        reasoning_tokens: Some(58),
        ..Usage::default()
    }));
    want.push(StreamEvent::Finish {
        stop_reason: StopReason::ToolUse,
    });
    assert_eq!(events, want);
    assert!(decoder.is_complete());
}

#[test]
fn error_payload_mid_stream() {
    let (events, decoder) = decode_all("stream_error.sse");
    assert_eq!(events.len(), 5, "{events:?}");
    assert_eq!(events[2], text(0, "Once upon"));
    assert_eq!(
        events[4],
        StreamEvent::Error {
            kind: "INTERNAL".to_owned(),
            message: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting".to_owned(),
        }
    );
    assert!(!decoder.is_complete());
}

#[test]
fn blocked_prompt_finishes_with_content_filter() {
    let body: Value = serde_json::from_str(&fixture("response_blocked_prompt.json")).unwrap();
    let mut decoder = StreamDecoder::new();
    let events = feed(&mut decoder, &body.to_string());
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(
        matches!(&events[0], StreamEvent::Start { id, model } if id.starts_with("gemini-") && model.is_empty())
    );
    assert_eq!(
        events[1],
        StreamEvent::Finish {
            stop_reason: StopReason::ContentFilter
        }
    );
    assert!(decoder.is_complete());
}

#[test]
fn other_parts_become_other_blocks() {
    let mut decoder = StreamDecoder::new();
    let chunk = json!({
        "candidates": [{"content": {"parts": [
            {"text": "run:"},
            {"executableCode": {"language": "PYTHON", "code": "print(1)"}}
        ]}}],
        "responseId": "r"
    });
    let events = feed(&mut decoder, &chunk.to_string());
    assert_eq!(
        events[3..],
        [
            StreamEvent::BlockStop { index: 0 },
            StreamEvent::BlockStart {
                index: 1,
                block: BlockKind::Other {
                    format: WireFormat::Gemini,
                    value: json!({"executableCode": {"language": "PYTHON", "code": "print(1)"}}),
                },
            },
            StreamEvent::BlockStop { index: 1 },
        ]
    );
    assert!(!decoder.is_complete());
}

#[test]
fn content_after_finish_is_ignored_but_usage_is_not() {
    let mut decoder = StreamDecoder::new();
    feed(
        &mut decoder,
        r#"{"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"STOP"}],"responseId":"r"}"#,
    );
    assert!(decoder.is_complete());
    let late = feed(
        &mut decoder,
        r#"{"candidates":[{"content":{"parts":[{"text":"b"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1}}"#,
    );
    assert_eq!(
        late,
        vec![StreamEvent::Usage(Usage {
            input_tokens: 3,
            output_tokens: 1,
            ..Usage::default()
        })]
    );
}

#[test]
fn blank_data_is_ignored_and_bad_json_is_an_error() {
    let mut decoder = StreamDecoder::default();
    assert!(feed(&mut decoder, "  ").is_empty());
    let mut out = Vec::new();
    let err = decoder
        .decode(
            &SseEvent {
                event: None,
                data: "{\"candidates\": [",
            },
            &mut out,
        )
        .unwrap_err();
    assert!(err.message.contains("not valid JSON"), "{err}");
    assert!(out.is_empty());
}

#[test]
fn start_without_response_id_is_stable() {
    let chunk =
        r#"{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{}}}]}}]}"#;
    let a = feed(&mut StreamDecoder::new(), chunk);
    let b = feed(&mut StreamDecoder::new(), chunk);
    assert_eq!(a, b);
    let StreamEvent::Start { id, .. } = &a[0] else {
        panic!("{a:?}")
    };
    assert!(id.starts_with("gemini-"));
    assert_eq!(
        a[1],
        StreamEvent::BlockStart {
            index: 0,
            block: BlockKind::ToolCall {
                id: format!("call_{id}_0"),
                name: "f".to_owned()
            }
        }
    );
    assert_eq!(
        a[2],
        StreamEvent::Delta {
            index: 0,
            delta: BlockDelta::ToolArguments("{}".to_owned())
        }
    );
}
