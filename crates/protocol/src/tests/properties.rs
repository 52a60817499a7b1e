//! Property tests of the codecs and the SSE parser:
//! - arbitrary bytes (and arbitrary JSON) never panic a decoder, request, response, error
//!   or stream, of any format;
//! - a canonical request survives encode -> decode through each wire format;
//! - the SSE parser yields the same events however the stream is cut into chunks.
//!
//! They run in the normal test command with proptest's default of 256 cases each (a few
//! seconds); `PROPTEST_CASES=20000 cargo test -p switchyard-protocol properties` runs
//! longer. Inputs that once failed are replayed first from
//! `proptest-regressions/properties.txt` (proptest writes new ones there). A unit test of
//! the crate, not an integration test, because Gemini's client side (the decoder of the
//! round trip) is compiled for tests only.

use crate::{
    anthropic, codec, gemini, openai, ChatRequest, ContentPart, Message, Role, SseDecoder,
    SseEvent, WireFormat,
};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{json, Value};

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/properties.txt",
        ))),
        // `default()` reads PROPTEST_CASES.
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------
// Arbitrary input never panics.

/// JSON values whose keys are the ones codecs look for, so that decoding gets past the
/// first field more often than random bytes would.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec![
        "model",
        "messages",
        "role",
        "content",
        "type",
        "text",
        "tool_use",
        "tool_result",
        "input",
        "id",
        "name",
        "arguments",
        "tool_calls",
        "function",
        "choices",
        "delta",
        "message",
        "usage",
        "candidates",
        "parts",
        "functionCall",
        "max_tokens",
        "system",
        "stream",
        "tools",
        "error",
        "index",
        "content_block",
        "thinking",
        "signature",
        "finish_reason",
        "stop_reason",
        "image_url",
        "source",
        "data",
        "tool_call_id",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        prop::sample::select(vec![
            "user",
            "assistant",
            "system",
            "tool",
            "text",
            "tool_use",
            "image",
            "stop",
            "message_start",
            "content_block_delta",
            "text_delta",
            "input_json_delta",
            "",
        ])
        .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

fn bodies() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        json_value().prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
    ]
}

const FORMATS: [WireFormat; 3] = [
    WireFormat::OpenAiChat,
    WireFormat::Anthropic,
    WireFormat::Gemini,
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn decoders_never_panic(body in bodies()) {
        for format in FORMATS {
            let _ = codec::decode_request(format, &body);
            let _ = codec::decode_response(format, &body);
            let _ = codec::decode_error(format, &body);
        }
        let _ = gemini::decode_request(&body);
    }

    #[test]
    fn stream_decoders_never_panic(
        events in prop::collection::vec(
            (
                prop::option::of(prop::sample::select(vec![
                    "message_start", "content_block_start", "content_block_delta",
                    "content_block_stop", "message_delta", "message_stop", "ping", "error",
                ])),
                prop_oneof![
                    json_value().prop_map(|v| v.to_string()),
                    Just("[DONE]".to_owned()),
                    "\\PC{0,20}",
                ],
            ),
            0..8,
        )
    ) {
        for format in FORMATS {
            let mut decoder = codec::AnyStreamDecoder::new(format);
            let mut out = Vec::new();
            for (event, data) in &events {
                let event = SseEvent { event: *event, data };
                let _ = decoder.decode(&event, &mut out);
            }
            let _ = decoder.is_complete();
        }
    }

    #[test]
    fn the_sse_parser_never_panics_on_bytes(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..8)
    ) {
        let mut sse = SseDecoder::new();
        for chunk in &chunks {
            sse.push(chunk);
            while let Ok(Some(_)) = sse.next_event() {}
        }
    }
}

// ---------------------------------------------------------------------------------------
// Canonical requests survive encode -> decode.

/// One exchange of a conversation: the user's text, the assistant's text, and the tools it
/// called (each answered by a result before the assistant's last word).
#[derive(Debug, Clone)]
struct Exchange {
    user: String,
    assistant: String,
    calls: Vec<(String, String, Value, String)>,
    closing: String,
}

fn text() -> impl Strategy<Value = String> {
    // Any non-empty text. Empty text carries nothing and codecs drop it (Gemini the whole
    // empty message, OpenAI an empty content beside tool calls): the first entry of the
    // regressions corpus, found when this allowed empty strings.
    "\\PC{1,30}"
}

fn exchange(with_tools: bool) -> impl Strategy<Value = Exchange> {
    let args = prop::collection::btree_map("[a-z]{1,8}", json_value(), 0..4)
        .prop_map(|m| Value::Object(m.into_iter().collect()));
    let calls = prop::collection::vec(
        ("call_[a-zA-Z0-9]{4,12}", "[a-z_]{1,12}", args, text()),
        if with_tools { 0..3 } else { 0..1 },
    );
    (text(), text(), calls, text()).prop_map(|(user, assistant, calls, closing)| Exchange {
        user,
        assistant,
        // Ids must be unique within a conversation.
        calls: calls
            .into_iter()
            .enumerate()
            .map(|(i, (id, name, args, result))| (format!("{id}{i}"), name, args, result))
            .collect(),
        closing,
    })
}

#[derive(Debug, Clone)]
struct Conversation {
    system: Option<String>,
    exchanges: Vec<Exchange>,
    max_tokens: u32,
    temperature: Option<f64>,
    top_p: Option<f64>,
    stop: Vec<String>,
}

fn conversation(with_tools: bool) -> impl Strategy<Value = Conversation> {
    (
        prop::option::of(text()),
        prop::collection::vec(exchange(with_tools), 1..4),
        1u32..100_000,
        prop::option::of((0u32..=20).prop_map(|t| f64::from(t) / 10.0)),
        prop::option::of((1u32..=10).prop_map(|t| f64::from(t) / 10.0)),
        prop::collection::vec("[a-zA-Z#]{1,6}", 0..3),
    )
        .prop_map(
            |(system, exchanges, max_tokens, temperature, top_p, stop)| Conversation {
                system,
                exchanges,
                max_tokens,
                temperature,
                top_p,
                stop,
            },
        )
}

/// The conversation as a canonical request in `format`'s own shape (where tool results
/// live differs: OpenAI `tool` messages, Anthropic and Gemini user turns).
fn canonical(c: &Conversation, format: WireFormat) -> ChatRequest {
    let mut req = ChatRequest::new(format, "model-x");
    req.max_tokens = Some(c.max_tokens);
    req.temperature = c.temperature;
    req.top_p = c.top_p;
    req.stop.clone_from(&c.stop);
    if let Some(system) = &c.system {
        req.messages.push(Message::text(Role::System, system));
    }
    for e in &c.exchanges {
        req.messages.push(Message::text(Role::User, &e.user));
        let mut assistant = Message::text(Role::Assistant, &e.assistant);
        for (id, name, args, _) in &e.calls {
            assistant.content.push(ContentPart::ToolCall {
                id: id.clone(),
                name: name.clone(),
                arguments: args.to_string(),
                extra: Default::default(),
            });
        }
        req.messages.push(assistant);
        if e.calls.is_empty() {
            continue;
        }
        let results = e
            .calls
            .iter()
            .map(|(id, _, _, result)| ContentPart::ToolResult {
                tool_call_id: id.clone(),
                content: vec![ContentPart::text(result)],
                is_error: false,
                extra: Default::default(),
            });
        if format == WireFormat::OpenAiChat {
            for result in results {
                let mut m = Message::text(Role::Tool, "");
                m.content = vec![result];
                req.messages.push(m);
            }
        } else {
            let mut m = Message::text(Role::User, "");
            m.content = results.collect();
            req.messages.push(m);
        }
        req.messages
            .push(Message::text(Role::Assistant, &e.closing));
    }
    req
}

/// What must survive: roles, texts, tool calls (arguments as JSON values), tool results.
fn projection(req: &ChatRequest) -> Value {
    let parts = |content: &[ContentPart]| -> Vec<Value> {
        content
            .iter()
            .map(|p| match p {
                ContentPart::Text { text, .. } => json!({"text": text}),
                ContentPart::ToolCall {
                    id,
                    name,
                    arguments,
                    ..
                } => json!({
                    "call": id, "name": name,
                    "args": serde_json::from_str::<Value>(arguments).unwrap_or(Value::Null),
                }),
                ContentPart::ToolResult {
                    tool_call_id,
                    content,
                    is_error,
                    ..
                } => {
                    let text: String = content
                        .iter()
                        .filter_map(|c| match c {
                            ContentPart::Text { text, .. } => Some(text.as_str()),
                            _ => None,
                        })
                        .collect();
                    json!({"result": tool_call_id, "text": text, "is_error": is_error})
                }
                other => json!({"other": format!("{other:?}")}),
            })
            .collect()
    };
    json!({
        "max_tokens": req.max_tokens,
        "temperature": req.temperature,
        "top_p": req.top_p,
        "stop": req.stop,
        "messages": req.messages.iter().map(|m| json!({
            "role": format!("{:?}", m.role),
            "content": parts(&m.content),
        })).collect::<Vec<_>>(),
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn openai_requests_survive_encode_decode(c in conversation(true)) {
        let req = canonical(&c, WireFormat::OpenAiChat);
        let wire = openai::encode_request(&req, "model-x").unwrap();
        let back = openai::decode_request(&wire).unwrap();
        prop_assert_eq!(projection(&back), projection(&req));
        prop_assert_eq!(back.model, "model-x");
    }

    #[test]
    fn anthropic_requests_survive_encode_decode(c in conversation(true)) {
        let req = canonical(&c, WireFormat::Anthropic);
        let wire = anthropic::encode_request(&req, "model-x", 4096).unwrap();
        let back = anthropic::decode_request(&wire).unwrap();
        prop_assert_eq!(projection(&back), projection(&req));
        prop_assert_eq!(back.model, "model-x");
    }

    #[test]
    fn gemini_requests_survive_encode_decode(c in conversation(false)) {
        // Gemini names no tool-call ids; text conversations must survive whole.
        let req = canonical(&c, WireFormat::Gemini);
        let wire = gemini::encode_request(&req, "model-x").unwrap();
        let back = gemini::decode_request(&wire).unwrap();
        prop_assert_eq!(projection(&back), projection(&req));
    }
}

// ---------------------------------------------------------------------------------------
// SSE parsing does not depend on chunking.

#[derive(Debug, Clone)]
struct Frame {
    comment: Option<String>,
    event: Option<String>,
    data: Vec<String>,
}

fn frames() -> impl Strategy<Value = (Vec<Frame>, &'static str)> {
    let frame = (
        prop::option::of("[ -~]{0,10}"),
        prop::option::of("[a-z_]{1,12}"),
        prop::collection::vec("[ -~é中]{0,16}", 0..3),
    )
        .prop_map(|(comment, event, data)| Frame {
            comment,
            event,
            data,
        });
    (
        prop::collection::vec(frame, 0..8),
        prop::sample::select(vec!["\n", "\r\n", "\r"]),
    )
}

fn serialize(frames: &[Frame], eol: &str) -> Vec<u8> {
    let mut out = String::new();
    for f in frames {
        if let Some(c) = &f.comment {
            out.push_str(&format!(":{c}{eol}"));
        }
        if let Some(e) = &f.event {
            out.push_str(&format!("event: {e}{eol}"));
        }
        for d in &f.data {
            out.push_str(&format!("data: {d}{eol}"));
        }
        out.push_str(eol);
    }
    // A final byte that is not `\r`, so a trailing `\r` terminator is complete.
    out.push_str(": end\n");
    out.into_bytes()
}

fn parse_in_chunks(bytes: &[u8], cuts: &[usize]) -> Result<Vec<(Option<String>, String)>, String> {
    let mut sse = SseDecoder::new();
    let mut out = Vec::new();
    let mut from = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.push(bytes.len());
    for to in cuts {
        sse.push(&bytes[from..to]);
        from = to;
        while let Some(e) = sse.next_event().map_err(|e| e.to_string())? {
            out.push((e.event.map(str::to_owned), e.data.to_owned()));
        }
    }
    Ok(out)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sse_events_do_not_depend_on_chunking(
        (frames, eol) in frames(),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let bytes = serialize(&frames, eol);
        let whole = parse_in_chunks(&bytes, &[]).unwrap();
        let chunked = parse_in_chunks(&bytes, &cuts).unwrap();
        prop_assert_eq!(&chunked, &whole);
        // And they are the frames that were written (those with data).
        let expected: Vec<(Option<String>, String)> = frames
            .iter()
            .filter(|f| !f.data.is_empty())
            .map(|f| (f.event.clone(), f.data.join("\n")))
            .collect();
        prop_assert_eq!(whole, expected);
    }
}
