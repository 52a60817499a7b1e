//! Stream codec tests: decoding documented chunk sequences, encoding exact frames, and
//! decode -> encode -> decode round trips.

use crate::openai::{StreamDecoder, StreamEncoder};
use crate::{BlockDelta, BlockKind, SseEvent, StopReason, StreamEvent, Usage, WireFormat};
use serde_json::{json, Value};

const TEXT: &str = include_str!("../../../tests/fixtures/openai/stream_text.sse");
const TOOLS: &str = include_str!("../../../tests/fixtures/openai/stream_tool_calls_usage.sse");

/// The `data:` payloads of an SSE text (the fixtures use one data line per event).
fn data_lines(sse: &str) -> Vec<&str> {
    sse.split("\n\n")
        .filter_map(|frame| frame.trim().strip_prefix("data: "))
        .collect()
}

fn decode_all(sse: &str) -> (Vec<StreamEvent>, bool) {
    let mut dec = StreamDecoder::new();
    let mut out = Vec::new();
    for data in data_lines(sse) {
        dec.decode(&SseEvent { event: None, data }, &mut out)
            .unwrap();
    }
    (out, dec.is_complete())
}

fn decode_data(lines: &[Value]) -> Vec<StreamEvent> {
    let mut dec = StreamDecoder::new();
    let mut out = Vec::new();
    for line in lines {
        let data = line.to_string();
        dec.decode(
            &SseEvent {
                event: None,
                data: &data,
            },
            &mut out,
        )
        .unwrap();
    }
    out
}

fn encode_all(events: &[StreamEvent], include_usage: bool) -> String {
    let mut enc = StreamEncoder::new(include_usage).with_created(1694268190);
    let mut out = Vec::new();
    for e in events {
        enc.encode(e, &mut out).unwrap();
    }
    enc.finish(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn chunk(delta: Value, finish: Value) -> Value {
    json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
}

fn start() -> StreamEvent {
    StreamEvent::Start {
        id: "chatcmpl-123".into(),
        model: "gpt-4o-mini".into(),
    }
}

fn text(index: usize, t: &str) -> StreamEvent {
    StreamEvent::Delta {
        index,
        delta: BlockDelta::Text(t.into()),
    }
}

fn args(index: usize, a: &str) -> StreamEvent {
    StreamEvent::Delta {
        index,
        delta: BlockDelta::ToolArguments(a.into()),
    }
}

#[test]
fn documented_text_stream_decodes_to_one_text_block() {
    let (events, complete) = decode_all(TEXT);
    assert!(complete);
    assert_eq!(
        events,
        vec![
            start(),
            StreamEvent::BlockStart {
                index: 0,
                block: BlockKind::Text
            },
            text(0, "Hello"),
            text(0, "!"),
            StreamEvent::BlockStop { index: 0 },
            StreamEvent::Finish {
                stop_reason: StopReason::EndTurn
            },
        ]
    );
}

#[test]
fn stream_is_complete_only_after_done() {
    let mut dec = StreamDecoder::new();
    let mut out = Vec::new();
    let lines = data_lines(TEXT);
    for data in &lines[..lines.len() - 1] {
        dec.decode(&SseEvent { event: None, data }, &mut out)
            .unwrap();
    }
    assert!(!dec.is_complete(), "finish_reason alone is not the end");
    dec.decode(
        &SseEvent {
            event: None,
            data: "[DONE]",
        },
        &mut out,
    )
    .unwrap();
    assert!(dec.is_complete());
}

#[test]
fn parallel_tool_calls_and_usage_decode() {
    let (events, complete) = decode_all(TOOLS);
    assert!(complete);
    let call = |index, id: &str| StreamEvent::BlockStart {
        index,
        block: BlockKind::ToolCall {
            id: id.into(),
            name: "get_weather".into(),
        },
    };
    assert_eq!(
        events,
        vec![
            StreamEvent::Start {
                id: "chatcmpl-abc123".into(),
                model: "gpt-4o-mini".into()
            },
            call(0, "call_DdmO9pD3xa9XTPNJ32zg2hcA"),
            args(0, "{\""),
            args(0, "location"),
            args(0, "\":\""),
            args(0, "Paris, France"),
            args(0, "\"}"),
            call(1, "call_bSe5dtH2Mq1bXJJr4uqkyAV1"),
            args(1, "{\"location\":\"Bogotá, Colombia\"}"),
            StreamEvent::BlockStop { index: 0 },
            StreamEvent::BlockStop { index: 1 },
            StreamEvent::Finish {
                stop_reason: StopReason::ToolUse
            },
            StreamEvent::Usage(Usage {
                input_tokens: 82,
                output_tokens: 37,
                cached_input_tokens: Some(64),
                cache_creation_input_tokens: None,
                reasoning_tokens: Some(0),
            }),
        ]
    );
}

#[test]
fn text_block_closes_before_a_tool_call_and_reasoning_before_text() {
    let events = decode_data(&[
        chunk(
            json!({"role": "assistant", "reasoning_content": "think"}),
            Value::Null,
        ),
        chunk(json!({"content": "Let me look."}), Value::Null),
        chunk(
            json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                    "function": {"name": "read", "arguments": "{}"}}]}),
            Value::Null,
        ),
        chunk(json!({}), json!("tool_calls")),
    ]);
    assert_eq!(
        events,
        vec![
            StreamEvent::Start {
                id: "c1".into(),
                model: "m".into()
            },
            StreamEvent::BlockStart {
                index: 0,
                block: BlockKind::Thinking
            },
            StreamEvent::Delta {
                index: 0,
                delta: BlockDelta::Thinking("think".into())
            },
            StreamEvent::BlockStop { index: 0 },
            StreamEvent::BlockStart {
                index: 1,
                block: BlockKind::Text
            },
            text(1, "Let me look."),
            StreamEvent::BlockStop { index: 1 },
            StreamEvent::BlockStart {
                index: 2,
                block: BlockKind::ToolCall {
                    id: "call_1".into(),
                    name: "read".into()
                }
            },
            args(2, "{}"),
            StreamEvent::BlockStop { index: 2 },
            StreamEvent::Finish {
                stop_reason: StopReason::ToolUse
            },
        ]
    );
}

#[test]
fn error_line_and_missing_finish_reason() {
    let err = json!({"error": {"message": "The server had an error", "type": "server_error", "param": null, "code": null}});
    let events = decode_data(&[chunk(json!({"content": "a"}), Value::Null), err]);
    assert_eq!(
        events.last(),
        Some(&StreamEvent::Error {
            kind: "server_error".into(),
            message: "The server had an error".into()
        })
    );

    // A server that sends [DONE] without a finish_reason still ended normally.
    let mut dec = StreamDecoder::new();
    let mut out = Vec::new();
    let first = chunk(json!({"content": "a"}), Value::Null).to_string();
    for data in [first.as_str(), "[DONE]"] {
        dec.decode(&SseEvent { event: None, data }, &mut out)
            .unwrap();
    }
    assert!(dec.is_complete());
    assert_eq!(
        out[out.len() - 2..],
        [
            StreamEvent::BlockStop { index: 0 },
            StreamEvent::Finish {
                stop_reason: StopReason::EndTurn
            }
        ]
    );
}

#[test]
fn malformed_chunk_is_an_error() {
    let mut dec = StreamDecoder::new();
    let e = dec
        .decode(
            &SseEvent {
                event: None,
                data: "{not json",
            },
            &mut Vec::new(),
        )
        .unwrap_err();
    assert!(e.message.contains("not a valid chunk"), "{}", e.message);
}

#[test]
fn encoder_writes_exact_text_frames() {
    let events = [
        start(),
        StreamEvent::BlockStart {
            index: 0,
            block: BlockKind::Text,
        },
        text(0, "Hello"),
        StreamEvent::BlockStop { index: 0 },
        StreamEvent::Finish {
            stop_reason: StopReason::EndTurn,
        },
    ];
    let head = r#"{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":"#;
    let expected = format!(
        "data: {head}{{\"role\":\"assistant\",\"content\":\"\"}},\"logprobs\":null,\"finish_reason\":null}}]}}\n\n\
         data: {head}{{\"content\":\"Hello\"}},\"logprobs\":null,\"finish_reason\":null}}]}}\n\n\
         data: {head}{{}},\"logprobs\":null,\"finish_reason\":\"stop\"}}]}}\n\n\
         data: [DONE]\n\n"
    );
    assert_eq!(encode_all(&events, false), expected);
}

#[test]
fn encoder_numbers_tool_calls_among_tool_calls_and_reports_usage() {
    let usage = Usage {
        input_tokens: 50,
        output_tokens: 10,
        cached_input_tokens: Some(40),
        cache_creation_input_tokens: None,
        reasoning_tokens: None,
    };
    let events = [
        start(),
        StreamEvent::BlockStart {
            index: 0,
            block: BlockKind::Text,
        },
        text(0, "Reading."),
        StreamEvent::BlockStop { index: 0 },
        StreamEvent::BlockStart {
            index: 1,
            block: BlockKind::ToolCall {
                id: "toolu_a".into(),
                name: "read".into(),
            },
        },
        args(1, "{\"p\":1}"),
        StreamEvent::BlockStop { index: 1 },
        StreamEvent::BlockStart {
            index: 2,
            block: BlockKind::ToolCall {
                id: "toolu_b".into(),
                name: "grep".into(),
            },
        },
        args(2, "{}"),
        StreamEvent::BlockStop { index: 2 },
        StreamEvent::Usage(usage),
        StreamEvent::Finish {
            stop_reason: StopReason::ToolUse,
        },
    ];
    let sse = encode_all(&events, true);
    let chunks: Vec<Value> = data_lines(&sse)
        .into_iter()
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    assert!(sse.ends_with("data: [DONE]\n\n"));
    let deltas: Vec<&Value> = chunks.iter().map(|c| &c["choices"][0]["delta"]).collect();
    assert_eq!(deltas[1], &json!({"content": "Reading."}));
    assert_eq!(
        deltas[2],
        &json!({"tool_calls": [{"index": 0, "id": "toolu_a", "type": "function",
                                "function": {"name": "read", "arguments": ""}}]})
    );
    assert_eq!(
        deltas[3],
        &json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"p\":1}"}}]})
    );
    assert_eq!(deltas[4]["tool_calls"][0]["index"], json!(1));
    assert_eq!(deltas[5]["tool_calls"][0]["index"], json!(1));
    assert_eq!(
        chunks[6]["choices"][0]["finish_reason"],
        json!("tool_calls")
    );
    // With include_usage every chunk carries `usage: null`, the last one the figures.
    assert!(chunks[..7]
        .iter()
        .all(|c| c["usage"].is_null() && c.as_object().unwrap().contains_key("usage")));
    assert_eq!(chunks[7]["choices"], json!([]));
    assert_eq!(
        chunks[7]["usage"],
        json!({"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60,
               "prompt_tokens_details": {"cached_tokens": 40}})
    );
    assert_eq!(chunks.len(), 8);
}

#[test]
fn encoder_writes_thinking_as_reasoning_content_and_refusal_verbatim() {
    let events = [
        start(),
        StreamEvent::BlockStart {
            index: 0,
            block: BlockKind::Thinking,
        },
        StreamEvent::Delta {
            index: 0,
            delta: BlockDelta::Thinking("hmm".into()),
        },
        StreamEvent::Delta {
            index: 0,
            delta: BlockDelta::Signature("sig".into()),
        },
        StreamEvent::Delta {
            index: 0,
            delta: BlockDelta::Other {
                format: WireFormat::Anthropic,
                value: json!({"type": "citations_delta"}),
            },
        },
        StreamEvent::Delta {
            index: 1,
            delta: BlockDelta::Other {
                format: WireFormat::OpenAiChat,
                value: json!({"refusal": "No."}),
            },
        },
    ];
    let sse = encode_all(&events, false);
    let deltas: Vec<Value> = data_lines(&sse)
        .into_iter()
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str::<Value>(d).unwrap()["choices"][0]["delta"].clone())
        .collect();
    assert_eq!(
        deltas,
        vec![
            json!({"role": "assistant", "content": ""}),
            json!({"reasoning_content": "hmm"}),
            json!({"refusal": "No."}),
        ]
    );
}

#[test]
fn encoder_error_frame_and_bad_tool_arguments() {
    let mut enc = StreamEncoder::new(false);
    let mut out = Vec::new();
    enc.encode(
        &StreamEvent::Error {
            kind: "overloaded_error".into(),
            message: "Overloaded".into(),
        },
        &mut out,
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\",\"param\":null,\"code\":null}}\n\n"
    );
    let e = enc.encode(&args(3, "{}"), &mut Vec::new()).unwrap_err();
    assert!(e.message.contains("block 3"), "{}", e.message);
}

#[test]
fn streams_round_trip_through_the_encoder() {
    for sse in [TEXT, TOOLS] {
        let (events, _) = decode_all(sse);
        let has_usage = events.iter().any(|e| matches!(e, StreamEvent::Usage(_)));
        let reencoded = encode_all(&events, has_usage);
        let (again, complete) = decode_all(&reencoded);
        assert!(complete);
        assert_eq!(events, again, "{reencoded}");
    }
}

#[test]
fn refusal_stream_round_trips() {
    let events = decode_data(&[
        chunk(
            json!({"role": "assistant", "content": "", "refusal": null}),
            Value::Null,
        ),
        chunk(json!({"refusal": "I can't"}), Value::Null),
        chunk(json!({"refusal": " help."}), Value::Null),
        chunk(json!({}), json!("stop")),
    ]);
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
    let (again, _) = decode_all(&encode_all(&events, false));
    assert_eq!(events, again);
}

#[test]
fn only_choice_zero_is_decoded() {
    let other = json!({"id": "c1", "model": "m", "choices": [
        {"index": 1, "delta": {"content": "ignored"}, "finish_reason": null}
    ]});
    let events = decode_data(&[other, chunk(json!({"content": "kept"}), Value::Null)]);
    assert_eq!(
        events[1..],
        [
            StreamEvent::BlockStart {
                index: 0,
                block: BlockKind::Text
            },
            text(0, "kept"),
        ]
    );
}
