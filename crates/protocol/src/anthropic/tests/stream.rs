//! Streams: decoding upstream SSE, encoding for clients, and both in a row.

use super::{fixture, sse_frames};
use crate::anthropic::{StreamDecoder, StreamEncoder};
use crate::{BlockDelta, BlockKind, SseEvent, StopReason, StreamEvent, Usage, WireFormat};
use serde_json::{json, Value};

/// Decodes an SSE transcript; also returns whether the decoder saw a complete stream.
fn decode_sse(text: &str) -> (Vec<StreamEvent>, bool) {
    let mut decoder = StreamDecoder::new();
    let mut events = Vec::new();
    for (event, data) in sse_frames(text) {
        let sse = SseEvent {
            event: event.as_deref(),
            data: &data,
        };
        decoder.decode(&sse, &mut events).unwrap();
    }
    (events, decoder.is_complete())
}

fn encode_events(events: &[StreamEvent], finish: bool) -> String {
    let mut encoder = StreamEncoder::new(false);
    let mut out = Vec::new();
    for e in events {
        encoder.encode(e, &mut out).unwrap();
    }
    if finish {
        encoder.finish(&mut out).unwrap();
    }
    String::from_utf8(out).unwrap()
}

fn usage(input: u64, output: u64) -> StreamEvent {
    StreamEvent::Usage(Usage {
        input_tokens: input,
        output_tokens: output,
        ..Usage::default()
    })
}

fn text(index: usize, t: &str) -> StreamEvent {
    StreamEvent::Delta {
        index,
        delta: BlockDelta::Text(t.into()),
    }
}

#[test]
fn decodes_text_stream() {
    let (events, complete) = decode_sse(&fixture("stream_text.sse"));
    assert!(complete);
    assert_eq!(
        events,
        vec![
            StreamEvent::Start {
                id: "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY".into(),
                model: "claude-sonnet-4-5".into()
            },
            usage(25, 1),
            StreamEvent::BlockStart {
                index: 0,
                block: BlockKind::Text
            },
            text(0, "Hello"),
            text(0, "!"),
            StreamEvent::BlockStop { index: 0 },
            usage(25, 15),
            StreamEvent::Finish {
                stop_reason: StopReason::EndTurn
            },
        ]
    );
}

#[test]
fn decodes_tool_use_stream() {
    let (events, complete) = decode_sse(&fixture("stream_tool_use.sse"));
    assert!(complete);
    assert!(events.contains(&StreamEvent::BlockStart {
        index: 1,
        block: BlockKind::ToolCall {
            id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6".into(),
            name: "get_weather".into()
        }
    }));
    let args: String = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Delta {
                index: 1,
                delta: BlockDelta::ToolArguments(a),
            } => Some(a.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        args,
        r#"{"location": "San Francisco, CA", "unit": "fahrenheit"}"#
    );
    assert_eq!(
        events[events.len() - 2..],
        [
            usage(472, 89),
            StreamEvent::Finish {
                stop_reason: StopReason::ToolUse
            }
        ]
    );
}

#[test]
fn decodes_thinking_stream_without_usage() {
    let (events, complete) = decode_sse(&fixture("stream_thinking.sse"));
    assert!(complete);
    assert!(!events.iter().any(|e| matches!(e, StreamEvent::Usage(_))));
    assert_eq!(
        events[1],
        StreamEvent::BlockStart {
            index: 0,
            block: BlockKind::Thinking
        }
    );
    assert!(
        matches!(&events[2], StreamEvent::Delta { index: 0, delta: BlockDelta::Thinking(t) }
        if t.starts_with("I need to find the GCD") && t.contains("\n\n1071 = 2 × 462"))
    );
    assert_eq!(
        events[4],
        StreamEvent::Delta {
            index: 0,
            delta: BlockDelta::Signature(
                "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...".into()
            )
        }
    );
    assert_eq!(
        events[6],
        StreamEvent::BlockStart {
            index: 1,
            block: BlockKind::Text
        }
    );
}

#[test]
fn decodes_server_tool_blocks_as_other() {
    let (events, _) = decode_sse(&fixture("stream_web_search.sse"));
    assert_eq!(
        events[1],
        StreamEvent::Usage(Usage {
            input_tokens: 2679,
            output_tokens: 3,
            cached_input_tokens: Some(0),
            cache_creation_input_tokens: Some(0),
            reasoning_tokens: None,
        })
    );
    assert!(
        matches!(&events[2], StreamEvent::BlockStart { index: 0, block: BlockKind::Other { format: WireFormat::Anthropic, value } }
        if value["type"] == "server_tool_use")
    );
    // The arguments of a server tool are not a canonical tool call's arguments.
    assert_eq!(
        events[3],
        StreamEvent::Delta {
            index: 0,
            delta: BlockDelta::Other {
                format: WireFormat::Anthropic,
                value: json!({"type": "input_json_delta", "partial_json": "{\"query\": \"weather NYC today\"}"})
            }
        }
    );
    assert!(
        matches!(&events[5], StreamEvent::BlockStart { index: 1, block: BlockKind::Other { value, .. } }
        if value["content"][0]["page_age"] == Value::Null)
    );
    assert!(
        matches!(&events[9], StreamEvent::Delta { index: 2, delta: BlockDelta::Other { value, .. } }
        if value["type"] == "citations_delta")
    );
}

#[test]
fn decodes_error_event_and_knows_the_stream_was_cut() {
    let (events, complete) = decode_sse(&fixture("stream_error.sse"));
    assert!(!complete);
    assert_eq!(
        events.last(),
        Some(&StreamEvent::Error {
            kind: "overloaded_error".into(),
            message: "Overloaded".into()
        })
    );
}

#[test]
fn rejects_invalid_event_json() {
    let mut decoder = StreamDecoder::new();
    let mut out = Vec::new();
    let sse = SseEvent {
        event: Some("content_block_delta"),
        data: "{\"type\":\"content_block_delta\",",
    };
    assert!(decoder.decode(&sse, &mut out).is_err());
    let unknown = SseEvent {
        event: Some("future_event"),
        data: r#"{"type":"future_event","x":1}"#,
    };
    decoder.decode(&unknown, &mut out).unwrap();
    assert!(out.is_empty());
}

#[test]
fn encodes_anthropic_event_sequence_exactly() {
    let (events, _) = decode_sse(&fixture("stream_text.sse"));
    let expected = concat!(
        "event: message_start\n",
        r#"data: {"type":"message_start","message":{"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}"#,
        "\n\nevent: ping\n",
        r#"data: {"type":"ping"}"#,
        "\n\nevent: content_block_start\n",
        r#"data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        "\n\nevent: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"#,
        "\n\nevent: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"!"}}"#,
        "\n\nevent: content_block_stop\n",
        r#"data: {"type":"content_block_stop","index":0}"#,
        "\n\nevent: message_delta\n",
        r#"data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":25,"output_tokens":15}}"#,
        "\n\nevent: message_stop\n",
        r#"data: {"type":"message_stop"}"#,
        "\n\n",
    );
    assert_eq!(encode_events(&events, true), expected);
}

#[test]
fn same_format_streams_round_trip() {
    for name in [
        "stream_text.sse",
        "stream_tool_use.sse",
        "stream_web_search.sse",
        "stream_thinking.sse",
    ] {
        let (events, _) = decode_sse(&fixture(name));
        let (again, complete) = decode_sse(&encode_events(&events, true));
        assert!(complete, "{name}");
        if name == "stream_thinking.sse" {
            // The upstream reported no usage; the encoder always does (zeros).
            let without_usage: Vec<_> = again
                .into_iter()
                .filter(|e| !matches!(e, StreamEvent::Usage(_)))
                .collect();
            assert_eq!(without_usage, events, "{name}");
        } else {
            assert_eq!(again, events, "{name}");
        }
    }
}

#[test]
fn thinking_and_tool_blocks_open_with_the_api_shapes() {
    let events = [
        StreamEvent::Start {
            id: "m".into(),
            model: "x".into(),
        },
        StreamEvent::BlockStart {
            index: 0,
            block: BlockKind::Thinking,
        },
        StreamEvent::BlockStop { index: 0 },
        StreamEvent::BlockStart {
            index: 1,
            block: BlockKind::ToolCall {
                id: "toolu_1".into(),
                name: "f".into(),
            },
        },
    ];
    let out = encode_events(&events, false);
    assert!(out.contains(r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#));
    assert!(out.contains(r#"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}"#));
}

/// What an OpenAI upstream's decoder produces: usage only after the finish reason, a
/// foreign block to skip, and a tool block still open at the finish.
#[test]
fn copes_with_a_foreign_upstream() {
    let events = [
        StreamEvent::Start {
            id: "chatcmpl-1".into(),
            model: "gpt-4o".into(),
        },
        StreamEvent::BlockStart {
            index: 0,
            block: BlockKind::Other {
                format: WireFormat::OpenAiChat,
                value: json!({"type": "refusal"}),
            },
        },
        StreamEvent::Delta {
            index: 0,
            delta: BlockDelta::Other {
                format: WireFormat::OpenAiChat,
                value: json!({"refusal": "no"}),
            },
        },
        StreamEvent::BlockStop { index: 0 },
        StreamEvent::BlockStart {
            index: 1,
            block: BlockKind::Text,
        },
        text(1, "Hi"),
        StreamEvent::BlockStop { index: 1 },
        StreamEvent::BlockStart {
            index: 2,
            block: BlockKind::ToolCall {
                id: "call_1".into(),
                name: "f".into(),
            },
        },
        StreamEvent::Delta {
            index: 2,
            delta: BlockDelta::ToolArguments("{}".into()),
        },
        StreamEvent::Finish {
            stop_reason: StopReason::ToolUse,
        },
        StreamEvent::Usage(Usage {
            input_tokens: 100,
            output_tokens: 20,
            cached_input_tokens: Some(40),
            cache_creation_input_tokens: None,
            reasoning_tokens: None,
        }),
    ];
    let out = encode_events(&events, true);
    assert!(!out.contains("refusal"), "{out}");
    let frames = sse_frames(&out);
    let names: Vec<_> = frames.iter().map(|(e, _)| e.as_deref().unwrap()).collect();
    assert_eq!(
        names,
        [
            "message_start",
            "ping",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    let data = |i: usize| -> Value { serde_json::from_str(&frames[i].1).unwrap() };
    assert_eq!(
        data(0)["message"]["usage"],
        json!({"input_tokens": 0, "output_tokens": 0})
    );
    // Indexes are dense over the blocks written.
    assert_eq!(data(2)["index"], 0);
    assert_eq!(data(5)["index"], 1);
    assert_eq!(data(7), json!({"type": "content_block_stop", "index": 1}));
    assert_eq!(
        data(8),
        json!({
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": null},
            "usage": {"input_tokens": 60, "cache_read_input_tokens": 40, "output_tokens": 20}
        })
    );
}

#[test]
fn encodes_errors_in_stream() {
    let out = encode_events(
        &[StreamEvent::Error {
            kind: "overloaded_error".into(),
            message: "Overloaded".into(),
        }],
        false,
    );
    assert_eq!(
        out,
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
    );
}

#[test]
fn stop_sequence_reaches_the_client() {
    let events = [
        StreamEvent::Start {
            id: "m".into(),
            model: "x".into(),
        },
        StreamEvent::Finish {
            stop_reason: StopReason::StopSequence(Some("END".into())),
        },
    ];
    let out = encode_events(&events, true);
    assert!(out.contains(r#""delta":{"stop_reason":"stop_sequence","stop_sequence":"END"}"#));
}

#[test]
fn message_start_carries_the_estimate_until_the_upstream_reports() {
    let foreign = [
        StreamEvent::Start {
            id: "chatcmpl-1".into(),
            model: "gpt-4o".into(),
        },
        StreamEvent::BlockStart {
            index: 0,
            block: BlockKind::Text,
        },
        text(0, "Hi"),
        StreamEvent::Finish {
            stop_reason: StopReason::EndTurn,
        },
        usage(1234, 5),
    ];
    let encode = |events: &[StreamEvent]| {
        let mut encoder = StreamEncoder::new(false).with_input_estimate(1200);
        let mut out = Vec::new();
        for e in events {
            encoder.encode(e, &mut out).unwrap();
        }
        encoder.finish(&mut out).unwrap();
        let frames = sse_frames(&String::from_utf8(out).unwrap());
        let data: Vec<Value> = frames
            .iter()
            .map(|(_, d)| serde_json::from_str(d).unwrap())
            .collect();
        data
    };
    // Usage only at the end (OpenAI, Gemini): the estimate first, the real count last.
    let data = encode(&foreign);
    assert_eq!(data[0]["message"]["usage"]["input_tokens"], 1200);
    let delta = data.iter().find(|d| d["type"] == "message_delta").unwrap();
    assert_eq!(delta["usage"]["input_tokens"], 1234);
    assert_eq!(delta["usage"]["output_tokens"], 5);
    // Usage up front (Anthropic): the real count from the start.
    let mut reported = foreign.to_vec();
    reported.insert(1, usage(1500, 1));
    let data = encode(&reported);
    assert_eq!(data[0]["message"]["usage"]["input_tokens"], 1500);
}
