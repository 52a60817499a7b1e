use super::CODEX_REQUEST;
use crate::canonical::replay::events_of;
use crate::responses::{
    decode_request, decode_response, encode_response_to, Echo, StreamDecoder, StreamEncoder,
};
use crate::{
    ChatResponse, ContentPart, SseDecoder, StopReason, StreamAccumulator, StreamEvent, Usage,
    WireFormat,
};
use serde_json::{json, Value};

fn answer() -> ChatResponse {
    ChatResponse {
        id: "msg_01".into(),
        model: "claude-upstream".into(),
        content: vec![
            ContentPart::Thinking {
                text: "Run the tests.".into(),
                signature: Some("sig".into()),
                extra: Default::default(),
            },
            ContentPart::text("Running them."),
            ContentPart::ToolCall {
                id: "call_1".into(),
                name: "shell".into(),
                arguments: r#"{"command":["cargo","test"]}"#.into(),
                extra: Default::default(),
            },
            ContentPart::ToolCall {
                id: "call_2".into(),
                name: "apply_patch".into(),
                arguments: r#"{"input":"*** Begin Patch\n*** End Patch\n"}"#.into(),
                extra: Default::default(),
            },
        ],
        stop_reason: StopReason::ToolUse,
        usage: Usage {
            input_tokens: 100,
            output_tokens: 20,
            cached_input_tokens: Some(60),
            reasoning_tokens: Some(5),
            ..Usage::default()
        },
        created: 1,
        source: WireFormat::Anthropic,
        extra: Default::default(),
    }
}

fn codex_echo() -> Echo {
    Echo::of(&decode_request(CODEX_REQUEST.as_bytes()).unwrap())
}

/// (type, data) of every frame; checks each frame is named by its `type`.
fn frames(sse: &[u8]) -> Vec<(String, Value)> {
    let mut decoder = SseDecoder::new();
    decoder.push(sse);
    let mut out = Vec::new();
    while let Some(ev) = decoder.next_event().unwrap() {
        let data: Value = serde_json::from_str(ev.data).unwrap();
        assert_eq!(ev.event, data["type"].as_str(), "{data}");
        out.push((data["type"].as_str().unwrap().to_owned(), data));
    }
    out
}

#[test]
fn a_stream_follows_the_official_event_sequence() {
    let mut enc = StreamEncoder::for_request(codex_echo());
    let mut sse = Vec::new();
    for event in events_of(&answer()) {
        enc.encode(&event, &mut sse).unwrap();
    }
    enc.finish(&mut sse).unwrap();
    let frames = frames(&sse);
    let types: Vec<&str> = frames.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.custom_tool_call_input.delta",
            "response.custom_tool_call_input.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    for (i, (_, data)) in frames.iter().enumerate() {
        assert_eq!(data["sequence_number"], i, "{data}");
    }
    let created = &frames[0].1["response"];
    assert_eq!(created["status"], "in_progress");
    assert_eq!(created["store"], false, "the request is echoed");
    assert_eq!(created["tools"][1]["type"], "custom");
    let done = &frames.last().unwrap().1["response"];
    assert_eq!(done["status"], "completed");
    assert_eq!(done["id"], created["id"]);
    assert_eq!(done["usage"]["input_tokens_details"]["cached_tokens"], 60);
    assert_eq!(
        done["usage"]["output_tokens_details"]["reasoning_tokens"],
        5
    );
    assert_eq!(done["usage"]["total_tokens"], 120);
    let output = done["output"].as_array().unwrap();
    let kinds: Vec<&str> = output.iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["reasoning", "message", "function_call", "custom_tool_call"]
    );
    assert_eq!(output[3]["input"], "*** Begin Patch\n*** End Patch\n");
    assert_eq!(output[2]["arguments"], r#"{"command":["cargo","test"]}"#);
    // The complete answer has the same items.
    let complete: Value =
        serde_json::from_slice(&encode_response_to(&answer(), &codex_echo()).unwrap()).unwrap();
    let complete_kinds: Vec<&str> = complete["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert_eq!(complete_kinds, kinds);
    assert_eq!(complete["instructions"], created["instructions"]);
}

#[test]
fn a_broken_stream_ends_with_error_and_response_failed_once() {
    let mut enc = StreamEncoder::new(true);
    let mut sse = Vec::new();
    enc.encode(
        &StreamEvent::Start {
            id: "x".into(),
            model: "m".into(),
        },
        &mut sse,
    )
    .unwrap();
    let error = StreamEvent::Error {
        kind: "overloaded_error".into(),
        message: "try later".into(),
    };
    enc.encode(&error, &mut sse).unwrap();
    enc.encode(&error, &mut sse).unwrap();
    enc.finish(&mut sse).unwrap();
    let types: Vec<String> = frames(&sse).into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        types,
        [
            "response.created",
            "response.in_progress",
            "error",
            "response.failed"
        ]
    );
}

/// A stream as OpenAI's Responses API sends it: reasoning with encrypted content, text, a
/// custom tool call.
const NATIVE_STREAM: &str = concat!(
    "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_abc\",\"object\":\"response\",\"status\":\"in_progress\",\"model\":\"gpt-5-codex\",\"output\":[]}}\n\n",
    "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"sequence_number\":1,\"output_index\":0,\"item\":{\"id\":\"rs_up\",\"type\":\"reasoning\",\"summary\":[]}}\n\n",
    "event: response.reasoning_summary_text.delta\ndata: {\"type\":\"response.reasoning_summary_text.delta\",\"sequence_number\":2,\"item_id\":\"rs_up\",\"output_index\":0,\"summary_index\":0,\"delta\":\"Plan\"}\n\n",
    "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\",\"sequence_number\":3,\"output_index\":0,\"item\":{\"id\":\"rs_up\",\"type\":\"reasoning\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"Plan\"}],\"encrypted_content\":\"gAAAAenc\"}}\n\n",
    "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"sequence_number\":4,\"output_index\":1,\"item\":{\"id\":\"msg_up\",\"type\":\"message\",\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}}\n\n",
    "event: response.content_part.added\ndata: {\"type\":\"response.content_part.added\",\"sequence_number\":5,\"item_id\":\"msg_up\",\"output_index\":1,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[]}}\n\n",
    "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":6,\"item_id\":\"msg_up\",\"output_index\":1,\"content_index\":0,\"delta\":\"Patching.\",\"logprobs\":[]}\n\n",
    "event: response.content_part.done\ndata: {\"type\":\"response.content_part.done\",\"sequence_number\":7,\"item_id\":\"msg_up\",\"output_index\":1,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"Patching.\",\"annotations\":[]}}\n\n",
    "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\",\"sequence_number\":8,\"output_index\":1,\"item\":{\"id\":\"msg_up\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Patching.\",\"annotations\":[]}]}}\n\n",
    "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"sequence_number\":9,\"output_index\":2,\"item\":{\"id\":\"ctc_up\",\"type\":\"custom_tool_call\",\"status\":\"in_progress\",\"call_id\":\"call_p\",\"name\":\"apply_patch\",\"input\":\"\"}}\n\n",
    "event: response.custom_tool_call_input.delta\ndata: {\"type\":\"response.custom_tool_call_input.delta\",\"sequence_number\":10,\"item_id\":\"ctc_up\",\"output_index\":2,\"delta\":\"*** Begin Patch\\n\"}\n\n",
    "event: response.custom_tool_call_input.delta\ndata: {\"type\":\"response.custom_tool_call_input.delta\",\"sequence_number\":11,\"item_id\":\"ctc_up\",\"output_index\":2,\"delta\":\"*** End Patch\\n\"}\n\n",
    "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\",\"sequence_number\":12,\"output_index\":2,\"item\":{\"id\":\"ctc_up\",\"type\":\"custom_tool_call\",\"status\":\"completed\",\"call_id\":\"call_p\",\"name\":\"apply_patch\",\"input\":\"*** Begin Patch\\n*** End Patch\\n\"}}\n\n",
    "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":13,\"response\":{\"id\":\"resp_abc\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"gpt-5-codex\",\"output\":[],\"usage\":{\"input_tokens\":50,\"input_tokens_details\":{\"cached_tokens\":40},\"output_tokens\":9,\"output_tokens_details\":{\"reasoning_tokens\":3},\"total_tokens\":59}}}\n\n",
);

fn decode_native() -> Vec<StreamEvent> {
    let mut sse = SseDecoder::new();
    sse.push(NATIVE_STREAM.as_bytes());
    let mut decoder = StreamDecoder::new();
    let mut events = Vec::new();
    while let Some(ev) = sse.next_event().unwrap() {
        decoder.decode(&ev, &mut events).unwrap();
    }
    assert!(decoder.is_complete());
    events
}

#[test]
fn a_native_stream_decodes_and_keeps_its_encrypted_reasoning() {
    let events = decode_native();
    let mut acc = StreamAccumulator::new(WireFormat::OpenAiResponses, 0);
    for e in &events {
        acc.push(e);
    }
    let resp = acc.finish().unwrap();
    assert_eq!(resp.id, "resp_abc");
    assert_eq!(resp.stop_reason, StopReason::ToolUse);
    assert_eq!(resp.usage.cached_input_tokens, Some(40));
    assert_eq!(resp.joined_text(), "Patching.");
    let ContentPart::Thinking { text, extra, .. } = &resp.content[0] else {
        panic!("{resp:?}")
    };
    assert_eq!(text, "Plan");
    assert_eq!(extra["encrypted_content"], "gAAAAenc");
    let ContentPart::ToolCall { arguments, .. } = &resp.content[2] else {
        panic!("{resp:?}")
    };
    let args: Value = serde_json::from_str(arguments).unwrap();
    assert_eq!(args, json!({"input": "*** Begin Patch\n*** End Patch\n"}));

    // Re-encoded for a Responses client: the upstream's reasoning id and encrypted content.
    let mut enc = StreamEncoder::for_request(codex_echo());
    let mut sse = Vec::new();
    for e in &events {
        enc.encode(e, &mut sse).unwrap();
    }
    enc.finish(&mut sse).unwrap();
    let frames = frames(&sse);
    let added = frames
        .iter()
        .find(|(t, _)| t == "response.output_item.added")
        .unwrap();
    assert_eq!(added.1["item"]["id"], "rs_up");
    let done = &frames.last().unwrap().1["response"]["output"];
    assert_eq!(done[0]["encrypted_content"], "gAAAAenc");
    assert_eq!(done[0]["id"], "rs_up");
    assert_eq!(done[2]["type"], "custom_tool_call");
    assert_eq!(done[2]["input"], "*** Begin Patch\n*** End Patch\n");
}

#[test]
fn a_native_answer_round_trips_with_its_reasoning() {
    let body = json!({
        "id": "resp_1", "object": "response", "created_at": 1700000000, "status": "completed",
        "model": "gpt-5", "store": false,
        "output": [
            {"id": "rs_1", "type": "reasoning", "summary": [], "encrypted_content": "gAAAAx"},
            {"id": "fc_1", "type": "function_call", "status": "completed", "call_id": "call_1", "name": "shell", "arguments": "{\"command\":[\"ls\"]}"}
        ],
        "usage": {"input_tokens": 5, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 3, "output_tokens_details": {"reasoning_tokens": 2}, "total_tokens": 8}
    });
    let resp = decode_response(body.to_string().as_bytes()).unwrap();
    assert_eq!(resp.stop_reason, StopReason::ToolUse);
    assert_eq!(resp.usage.reasoning_tokens, Some(2));
    let out: Value =
        serde_json::from_slice(&encode_response_to(&resp, &codex_echo()).unwrap()).unwrap();
    assert_eq!(out["id"], "resp_1");
    assert_eq!(out["output"][0]["id"], "rs_1");
    assert_eq!(out["output"][0]["encrypted_content"], "gAAAAx");
    assert_eq!(out["output"][1]["call_id"], "call_1");
    assert_eq!(out["usage"]["total_tokens"], 8);
}

#[test]
fn a_replayed_native_answer_keeps_its_reasoning_item() {
    let body = json!({
        "id": "resp_2", "status": "completed", "model": "gpt-5",
        "output": [
            {"id": "rs_2", "type": "reasoning", "summary": [{"type": "summary_text", "text": "Plan"}], "encrypted_content": "gAAAAy"},
            {"id": "msg_2", "type": "message", "status": "completed", "role": "assistant",
             "content": [{"type": "output_text", "text": "Done.", "annotations": []}, {"type": "refusal", "refusal": "Not that."}]}
        ]
    });
    let resp = decode_response(body.to_string().as_bytes()).unwrap();
    let events = events_of(&resp);
    let mut acc = StreamAccumulator::new(WireFormat::OpenAiResponses, 0);
    for e in &events {
        acc.push(e);
    }
    let again = acc.finish().unwrap();
    let ContentPart::Thinking { extra, .. } = &again.content[0] else {
        panic!("{again:?}")
    };
    assert_eq!(extra["encrypted_content"], "gAAAAy");
    assert_eq!(extra["id"], "rs_2");

    let mut enc = StreamEncoder::new(true);
    let mut sse = Vec::new();
    for e in &events {
        enc.encode(e, &mut sse).unwrap();
    }
    enc.finish(&mut sse).unwrap();
    let frames = frames(&sse);
    let output = &frames.last().unwrap().1["response"]["output"];
    assert_eq!(output[0]["id"], "rs_2");
    assert_eq!(output[0]["encrypted_content"], "gAAAAy");

    // A refusal stays a part of the message in a complete answer.
    let complete: Value =
        serde_json::from_slice(&crate::responses::encode_response(&resp).unwrap()).unwrap();
    let content = &complete["output"][1]["content"];
    assert_eq!(content[0]["text"], "Done.");
    assert_eq!(
        content[1],
        json!({"type": "refusal", "refusal": "Not that."})
    );
}
