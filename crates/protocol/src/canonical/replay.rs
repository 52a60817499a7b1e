//! A complete answer as the canonical stream events that would have carried it.
//!
//! The gateway's cache stores complete answers and serves a streaming client by replaying
//! one: the events go through the same stream encoders as a live upstream's, so a client
//! cannot tell a replay from a live stream. [`crate::StreamAccumulator`] is the inverse.

use super::{BlockDelta, BlockKind, ChatResponse, ContentPart, StreamEvent, WireFormat};
use serde_json::{Map, Value};

/// The canonical events of `resp`: `Start`, then per content part `BlockStart`, its
/// content as one delta, `BlockStop`; then `Usage` and `Finish`.
pub fn events_of(resp: &ChatResponse) -> Vec<StreamEvent> {
    events_of_chunked(resp, usize::MAX)
}

/// Like [`events_of`], with text, reasoning and tool arguments cut into deltas of at most
/// `max_delta_bytes` bytes (at character boundaries; at least one character each), so that
/// a replay arrives in pieces as a live stream does.
///
/// Parts carry their content the way the format's own stream decoder delivers it, so that
/// accumulating the events gives `resp` back (extras aside, which streams do not carry):
/// a thinking block's signature is a `Signature` delta, a Responses reasoning item's fields
/// an `{"type": "reasoning_item", "item": ...}` delta; the citations of an Anthropic text
/// part are `citations_delta`s; an OpenAI refusal opens as `{"type": "refusal"}` and
/// arrives as a `{"refusal": ...}` delta (what OpenAI clients read); any other `Other`
/// part opens with its whole value and has no deltas. Image and tool-result parts, which
/// no answer holds, are skipped.
pub fn events_of_chunked(resp: &ChatResponse, max_delta_bytes: usize) -> Vec<StreamEvent> {
    let mut out = Vec::with_capacity(4 + 3 * resp.content.len());
    out.push(StreamEvent::Start {
        id: resp.id.clone(),
        model: resp.model.clone(),
    });
    let mut index = 0;
    for part in &resp.content {
        if push_part(&mut out, index, part, resp.source, max_delta_bytes) {
            out.push(StreamEvent::BlockStop { index });
            index += 1;
        }
    }
    out.push(StreamEvent::Usage(resp.usage));
    out.push(StreamEvent::Finish {
        stop_reason: resp.stop_reason.clone(),
    });
    out
}

/// Appends the opening and content events of `part` as block `index`; false if the part
/// has no place in a stream.
fn push_part(
    out: &mut Vec<StreamEvent>,
    index: usize,
    part: &ContentPart,
    source: WireFormat,
    max: usize,
) -> bool {
    let start = |block| StreamEvent::BlockStart { index, block };
    let delta = |delta| StreamEvent::Delta { index, delta };
    match part {
        ContentPart::Text { text, extra } => {
            out.push(start(BlockKind::Text));
            out.extend(chunks(text, max).map(|c| delta(BlockDelta::Text(c.to_owned()))));
            // Citations are Anthropic's (the extras belong to the answer's source).
            let citations = extra.get("citations").and_then(Value::as_array);
            if let (WireFormat::Anthropic, Some(citations)) = (source, citations) {
                out.extend(citations.iter().map(|citation| {
                    let mut value = Map::new();
                    value.insert("type".into(), Value::from("citations_delta"));
                    value.insert("citation".into(), citation.clone());
                    delta(BlockDelta::Other {
                        format: WireFormat::Anthropic,
                        value: Value::Object(value),
                    })
                }));
            }
        }
        ContentPart::ToolCall {
            id,
            name,
            arguments,
            ..
        } => {
            out.push(start(BlockKind::ToolCall {
                id: id.clone(),
                name: name.clone(),
            }));
            out.extend(
                chunks(arguments, max).map(|c| delta(BlockDelta::ToolArguments(c.to_owned()))),
            );
        }
        ContentPart::Thinking {
            text,
            signature,
            extra,
        } => {
            out.push(start(BlockKind::Thinking));
            // A Responses reasoning item (id, encrypted content) arrives as its stream
            // decoder delivers it: the whole item as an `Other` delta.
            if source == WireFormat::OpenAiResponses && !extra.is_empty() {
                let mut item = extra.clone();
                item.insert("type".into(), Value::from("reasoning"));
                let mut value = Map::new();
                value.insert("type".into(), Value::from("reasoning_item"));
                value.insert("item".into(), Value::Object(item));
                out.push(delta(BlockDelta::Other {
                    format: WireFormat::OpenAiResponses,
                    value: Value::Object(value),
                }));
            }
            out.extend(chunks(text, max).map(|c| delta(BlockDelta::Thinking(c.to_owned()))));
            if let Some(signature) = signature {
                out.push(delta(BlockDelta::Signature(signature.clone())));
            }
        }
        ContentPart::Other { format, value } => match openai_refusal(*format, value) {
            Some(refusal) => {
                let mut opening = Map::new();
                opening.insert("type".into(), Value::from("refusal"));
                out.push(start(BlockKind::Other {
                    format: WireFormat::OpenAiChat,
                    value: Value::Object(opening),
                }));
                out.extend(chunks(refusal, max).map(|c| {
                    let mut value = Map::new();
                    value.insert("refusal".into(), Value::from(c));
                    delta(BlockDelta::Other {
                        format: WireFormat::OpenAiChat,
                        value: Value::Object(value),
                    })
                }));
            }
            None => out.push(start(BlockKind::Other {
                format: *format,
                value: value.clone(),
            })),
        },
        ContentPart::Image { .. } | ContentPart::ToolResult { .. } => return false,
    }
    true
}

/// The text of an OpenAI refusal part (`{"type": "refusal", "refusal": ...}`).
fn openai_refusal(format: WireFormat, value: &Value) -> Option<&str> {
    if format != WireFormat::OpenAiChat || value.get("type")? != "refusal" {
        return None;
    }
    value.get("refusal")?.as_str()
}

/// `text` in pieces of at most `max` bytes, cut at character boundaries; nothing for an
/// empty text (a stream opens an empty block and sends no delta).
fn chunks(text: &str, max: usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = max.min(rest.len());
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        if end == 0 {
            // `max` is smaller than the first character: send that character alone.
            end = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}
