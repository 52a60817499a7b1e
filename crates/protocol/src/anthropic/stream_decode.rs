//! Provider side: an Anthropic SSE stream into canonical stream events.

use super::wire::{decode_stop_reason, UsageState, WireUsage};
use crate::{BlockDelta, BlockKind, CodecError, SseEvent, StreamEvent, WireFormat};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;

/// One event's data. Every event type's fields are optional members of one struct, so
/// the JSON is parsed in a single pass without serde's tagged-enum buffering; `delta` and
/// `content_block` stay raw until the event type says how to read them.
#[derive(Deserialize)]
struct WireEvent<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    index: Option<usize>,
    message: Option<WireStartMessage>,
    #[serde(borrow)]
    content_block: Option<&'a RawValue>,
    #[serde(borrow)]
    delta: Option<&'a RawValue>,
    usage: Option<WireUsage>,
    error: Option<WireError>,
}

#[derive(Deserialize)]
struct WireStartMessage {
    #[serde(default)]
    id: String,
    #[serde(default)]
    model: String,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireError {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    message: String,
}

/// The start of a block: what is needed to open it, plus any content it already has.
#[derive(Deserialize)]
struct WireBlockStart<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    id: Option<String>,
    name: Option<String>,
    text: Option<String>,
    thinking: Option<String>,
    signature: Option<String>,
    #[serde(borrow)]
    input: Option<&'a RawValue>,
}

/// A `content_block_delta`'s or `message_delta`'s `delta`.
#[derive(Deserialize)]
struct WireDelta<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    text: Option<String>,
    partial_json: Option<String>,
    thinking: Option<String>,
    signature: Option<String>,
    stop_reason: Option<String>,
    stop_sequence: Option<String>,
}

/// Turns an Anthropic upstream's SSE events into canonical events.
///
/// Block indexes are Anthropic's own (they already count every block from 0). Deltas of
/// blocks the canonical model does not know (`server_tool_use`, `web_search_tool_result`,
/// ...) are passed on as [`BlockDelta::Other`], so that only an Anthropic encoder re-emits
/// them.
#[derive(Debug, Default)]
pub struct StreamDecoder {
    usage: UsageState,
    /// Indexes of open blocks of unknown kinds.
    other_blocks: Vec<usize>,
    complete: bool,
}

impl StreamDecoder {
    /// A decoder for one stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// True once `message_stop` has been seen: a stream that ends before it was cut.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Appends the canonical events carried by one SSE event to `out`. `ping` and event
    /// types this codec does not know carry none (the API may add event types).
    pub fn decode(
        &mut self,
        event: &SseEvent<'_>,
        out: &mut Vec<StreamEvent>,
    ) -> Result<(), CodecError> {
        if event.data.trim().is_empty() {
            return Ok(());
        }
        let ev: WireEvent<'_> = serde_json::from_str(event.data)
            .map_err(|e| CodecError::new(format!("invalid Anthropic stream event: {e}")))?;
        match ev.kind.as_ref() {
            "message_start" => {
                let message = ev
                    .message
                    .ok_or_else(|| CodecError::field("message", "missing in message_start"))?;
                out.push(StreamEvent::Start {
                    id: message.id,
                    model: message.model,
                });
                if let Some(usage) = &message.usage {
                    self.usage.merge(usage);
                    out.push(StreamEvent::Usage(self.usage.canonical()));
                }
            }
            "content_block_start" => {
                let index = required_index(ev.index)?;
                let raw = ev.content_block.ok_or_else(|| {
                    CodecError::field("content_block", "missing in content_block_start")
                })?;
                self.block_start(index, raw, out)?;
            }
            "content_block_delta" => {
                let index = required_index(ev.index)?;
                let raw = ev
                    .delta
                    .ok_or_else(|| CodecError::field("delta", "missing in content_block_delta"))?;
                let delta = self.block_delta(index, raw)?;
                out.push(StreamEvent::Delta { index, delta });
            }
            "content_block_stop" => {
                let index = required_index(ev.index)?;
                self.other_blocks.retain(|&i| i != index);
                out.push(StreamEvent::BlockStop { index });
            }
            "message_delta" => {
                if let Some(usage) = &ev.usage {
                    self.usage.merge(usage);
                    out.push(StreamEvent::Usage(self.usage.canonical()));
                }
                if let Some(raw) = ev.delta {
                    let delta: WireDelta<'_> = parse(raw, "delta")?;
                    if delta.stop_reason.is_some() {
                        out.push(StreamEvent::Finish {
                            stop_reason: decode_stop_reason(delta.stop_reason, delta.stop_sequence),
                        });
                    }
                }
            }
            "message_stop" => self.complete = true,
            "error" => {
                let error = ev.error.unwrap_or(WireError {
                    kind: "api_error".to_owned(),
                    message: String::new(),
                });
                out.push(StreamEvent::Error {
                    kind: error.kind,
                    message: error.message,
                });
            }
            _ => {}
        }
        Ok(())
    }

    fn block_start(
        &mut self,
        index: usize,
        raw: &RawValue,
        out: &mut Vec<StreamEvent>,
    ) -> Result<(), CodecError> {
        let start: WireBlockStart<'_> = parse(raw, "content_block")?;
        let (block, first) = match start.kind.as_ref() {
            "text" => (BlockKind::Text, start.text.map(BlockDelta::Text)),
            "thinking" => {
                out.push(StreamEvent::BlockStart {
                    index,
                    block: BlockKind::Thinking,
                });
                if let Some(text) = start.thinking.filter(|t| !t.is_empty()) {
                    out.push(StreamEvent::Delta {
                        index,
                        delta: BlockDelta::Thinking(text),
                    });
                }
                if let Some(sig) = start.signature.filter(|s| !s.is_empty()) {
                    out.push(StreamEvent::Delta {
                        index,
                        delta: BlockDelta::Signature(sig),
                    });
                }
                return Ok(());
            }
            "tool_use" => (
                BlockKind::ToolCall {
                    id: start.id.unwrap_or_default(),
                    name: start.name.unwrap_or_default(),
                },
                // The API opens with `input: {}` and streams the arguments as deltas;
                // only a start that already carries arguments (some compatible servers do)
                // has any to pass on.
                start
                    .input
                    .filter(|raw| !is_empty_object(raw.get()))
                    .map(|raw| BlockDelta::ToolArguments(raw.get().to_owned())),
            ),
            _ => {
                self.other_blocks.push(index);
                let value: Value = parse(raw, "content_block")?;
                (
                    BlockKind::Other {
                        format: WireFormat::Anthropic,
                        value,
                    },
                    None,
                )
            }
        };
        out.push(StreamEvent::BlockStart { index, block });
        if let Some(delta) = first.filter(|d| !matches!(d, BlockDelta::Text(t) if t.is_empty())) {
            out.push(StreamEvent::Delta { index, delta });
        }
        Ok(())
    }

    fn block_delta(&self, index: usize, raw: &RawValue) -> Result<BlockDelta, CodecError> {
        if !self.other_blocks.contains(&index) {
            let d: WireDelta<'_> = parse(raw, "delta")?;
            let known = match d.kind.as_deref() {
                Some("text_delta") => d.text.map(BlockDelta::Text),
                Some("input_json_delta") => d.partial_json.map(BlockDelta::ToolArguments),
                Some("thinking_delta") => d.thinking.map(BlockDelta::Thinking),
                Some("signature_delta") => d.signature.map(BlockDelta::Signature),
                _ => None,
            };
            if let Some(delta) = known {
                return Ok(delta);
            }
        }
        Ok(BlockDelta::Other {
            format: WireFormat::Anthropic,
            value: parse(raw, "delta")?,
        })
    }
}

fn required_index(index: Option<usize>) -> Result<usize, CodecError> {
    index.ok_or_else(|| CodecError::field("index", "missing block index"))
}

fn parse<'a, T: Deserialize<'a>>(raw: &'a RawValue, field: &str) -> Result<T, CodecError> {
    serde_json::from_str(raw.get()).map_err(|e| CodecError::field(field, e.to_string()))
}

/// True for `{}` with any whitespace.
fn is_empty_object(json: &str) -> bool {
    let mut bytes = json.bytes().filter(|b| !b.is_ascii_whitespace());
    bytes.next() == Some(b'{') && bytes.next() == Some(b'}') && bytes.next().is_none()
}
