//! Tests of the canonical model's own logic: replaying an answer as a stream and
//! accumulating a stream into an answer, alone and through every wire format's codecs.

mod accumulate;
mod formats;
mod replay;

use crate::codec::AnyStreamDecoder;
use crate::{ChatResponse, ContentPart, Extras, StopReason, Usage};
use crate::{IncompleteStream, SseDecoder, StreamAccumulator, StreamEvent, WireFormat};

/// A fixture of `format` (`openai`, `anthropic`, `gemini`) under `tests/fixtures/`.
fn fixture(format: &str, name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/{format}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The canonical events of an SSE transcript of upstream `format`, and whether the
/// decoder saw the stream complete.
fn decode_sse(format: WireFormat, bytes: &[u8]) -> (Vec<StreamEvent>, bool) {
    let mut sse = SseDecoder::new();
    sse.push(bytes);
    let mut decoder = AnyStreamDecoder::new(format);
    let mut events = Vec::new();
    while let Some(event) = sse.next_event().unwrap() {
        decoder.decode(&event, &mut events).unwrap();
    }
    (events, decoder.is_complete())
}

/// The answer `events` carry, as the gateway would accumulate them from `source`.
fn accumulate(
    source: WireFormat,
    events: &[StreamEvent],
) -> Result<ChatResponse, IncompleteStream> {
    let mut acc = StreamAccumulator::new(source, 1_700_000_000);
    for event in events {
        acc.push(event);
    }
    acc.finish()
}

/// A response with `content`, the shape the tests vary.
fn response(content: Vec<ContentPart>, stop_reason: StopReason) -> ChatResponse {
    ChatResponse {
        id: "resp_1".into(),
        model: "model-1".into(),
        content,
        stop_reason,
        usage: Usage {
            input_tokens: 12,
            output_tokens: 34,
            cached_input_tokens: Some(4),
            cache_creation_input_tokens: None,
            reasoning_tokens: Some(5),
        },
        created: 1_700_000_000,
        source: WireFormat::OpenAiChat,
        extra: Extras::new(),
    }
}

/// A tool call part without extras.
fn tool_call(id: &str, name: &str, arguments: &str) -> ContentPart {
    ContentPart::ToolCall {
        id: id.into(),
        name: name.into(),
        arguments: arguments.into(),
        extra: Extras::new(),
    }
}

/// A thinking part without extras.
fn thinking(text: &str, signature: Option<&str>) -> ContentPart {
    ContentPart::Thinking {
        text: text.into(),
        signature: signature.map(Into::into),
        extra: Extras::new(),
    }
}
