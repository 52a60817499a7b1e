//! Client side: canonical stream events as Anthropic's SSE event sequence.
//!
//! `message_start` is written lazily, at the first block (or error, or finish), so that it
//! can carry the input usage of an upstream that reports it up front (Anthropic does, in
//! its own `message_start`). `message_delta` waits for [`StreamEncoder::finish`], because
//! upstreams of other formats (OpenAI) report usage only after their finish reason.
//! When no input count is known by then, `message_start` carries the caller's estimate
//! ([`StreamEncoder::with_input_estimate`]): clients such as Claude Code read the context
//! size from `message_start`, and a zero there looks like an empty context. The real
//! count follows in `message_delta`, which carries the complete usage.

use super::wire::{encode_stop_reason, UsageOut};
use crate::sse::write_json_frame;
use crate::{BlockDelta, BlockKind, CodecError, StopReason, StreamEvent, Usage, WireFormat};
use serde::Serialize;
use serde_json::Value;

/// Writes canonical stream events as Anthropic SSE frames (`event:` names included).
#[derive(Debug, Default)]
pub struct StreamEncoder {
    id: String,
    model: String,
    /// Whether `message_start` (and its `ping`) has been written.
    started: bool,
    usage: Option<Usage>,
    /// Input tokens `message_start` reports when the upstream has reported none yet.
    input_estimate: u64,
    stop_reason: Option<StopReason>,
    /// Open blocks: canonical index and the Anthropic index, or `None` for a block that is
    /// not written (a foreign `Other`), whose deltas are dropped too.
    open: Vec<(usize, Option<usize>)>,
    /// Anthropic index of the next block (dense from 0 over the blocks written).
    next_index: usize,
}

#[derive(Serialize)]
struct MessageStart<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    message: StartMessage<'a>,
}

#[derive(Serialize)]
struct StartMessage<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    role: &'static str,
    content: [(); 0],
    model: &'a str,
    stop_reason: Option<()>,
    stop_sequence: Option<()>,
    usage: UsageOut<'a>,
}

#[derive(Serialize)]
struct Typed {
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct BlockEvent<T> {
    #[serde(rename = "type")]
    kind: &'static str,
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_block: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delta: Option<T>,
}

/// The opening shape of a block, as the API writes it.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum BlockStartOut<'a> {
    Text {
        text: &'static str,
    },
    ToolUse {
        id: &'a str,
        name: &'a str,
        input: Empty,
    },
    Thinking {
        thinking: &'static str,
        signature: &'static str,
    },
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
#[serde(tag = "type")]
enum DeltaOut<'a> {
    #[serde(rename = "text_delta")]
    Text { text: &'a str },
    #[serde(rename = "input_json_delta")]
    InputJson { partial_json: &'a str },
    #[serde(rename = "thinking_delta")]
    Thinking { thinking: &'a str },
    #[serde(rename = "signature_delta")]
    Signature { signature: &'a str },
}

#[derive(Serialize)]
struct MessageDelta<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    delta: StopOut<'a>,
    usage: UsageOut<'a>,
}

#[derive(Serialize)]
struct StopOut<'a> {
    stop_reason: &'a str,
    stop_sequence: Option<&'a str>,
}

#[derive(Serialize)]
struct ErrorEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    message: &'a str,
}

impl StreamEncoder {
    /// A new encoder. `include_usage` is ignored: Anthropic streams always report usage.
    pub fn new(include_usage: bool) -> Self {
        let _ = include_usage;
        Self::default()
    }

    /// Sets the input tokens `message_start` reports when the upstream has not reported its
    /// count by the first block (OpenAI and Gemini report usage only at the end).
    #[must_use]
    pub fn with_input_estimate(mut self, input_tokens: u64) -> Self {
        self.input_estimate = input_tokens;
        self
    }

    /// Appends the frames for `event` to `out`.
    pub fn encode(&mut self, event: &StreamEvent, out: &mut Vec<u8>) -> Result<(), CodecError> {
        match event {
            StreamEvent::Start { id, model } => {
                self.id.clone_from(id);
                self.model.clone_from(model);
            }
            StreamEvent::Usage(usage) => self.usage = Some(*usage),
            StreamEvent::BlockStart { index, block } => {
                self.ensure_started(out)?;
                self.block_start(*index, block, out)?;
            }
            StreamEvent::Delta { index, delta } => {
                let Some(wire) = self.wire_index(*index) else {
                    return Ok(());
                };
                let frame = |d| BlockEvent {
                    kind: "content_block_delta",
                    index: wire,
                    content_block: None,
                    delta: Some(d),
                };
                let name = Some("content_block_delta");
                match delta {
                    BlockDelta::Text(text) => {
                        write_json_frame(out, name, &frame(DeltaOut::Text { text }))?
                    }
                    BlockDelta::ToolArguments(partial_json) => {
                        write_json_frame(out, name, &frame(DeltaOut::InputJson { partial_json }))?
                    }
                    BlockDelta::Thinking(thinking) => {
                        write_json_frame(out, name, &frame(DeltaOut::Thinking { thinking }))?
                    }
                    BlockDelta::Signature(signature) => {
                        write_json_frame(out, name, &frame(DeltaOut::Signature { signature }))?
                    }
                    BlockDelta::Other { format, value } => {
                        if *format == WireFormat::Anthropic {
                            write_json_frame(
                                out,
                                name,
                                &BlockEvent::<&Value> {
                                    kind: "content_block_delta",
                                    index: wire,
                                    content_block: None,
                                    delta: Some(value),
                                },
                            )?;
                        }
                    }
                }
            }
            StreamEvent::BlockStop { index } => self.block_stop(*index, out)?,
            StreamEvent::Finish { stop_reason } => {
                self.ensure_started(out)?;
                self.stop_open_blocks(out)?;
                self.stop_reason = Some(stop_reason.clone());
            }
            StreamEvent::Error { kind, message } => {
                let body = ErrorEvent {
                    kind: "error",
                    error: ErrorBody { kind, message },
                };
                write_json_frame(out, Some("error"), &body)?;
            }
        }
        Ok(())
    }

    /// Appends `message_delta` (stop reason and final usage) and `message_stop`.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.ensure_started(out)?;
        self.stop_open_blocks(out)?;
        let reason = self.stop_reason.clone().unwrap_or(StopReason::EndTurn);
        let (stop_reason, stop_sequence) = encode_stop_reason(&reason);
        let usage = self.usage.unwrap_or_default();
        let delta = MessageDelta {
            kind: "message_delta",
            delta: StopOut {
                stop_reason,
                stop_sequence,
            },
            usage: UsageOut::new(&usage, None),
        };
        write_json_frame(out, Some("message_delta"), &delta)?;
        write_json_frame(
            out,
            Some("message_stop"),
            &Typed {
                kind: "message_stop",
            },
        )
    }

    fn ensure_started(&mut self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        let mut usage = self.usage.unwrap_or_default();
        if usage.input_tokens == 0 {
            usage.input_tokens = self.input_estimate;
        }
        let start = MessageStart {
            kind: "message_start",
            message: StartMessage {
                id: &self.id,
                kind: "message",
                role: "assistant",
                content: [],
                model: &self.model,
                stop_reason: None,
                stop_sequence: None,
                usage: UsageOut::new(&usage, None),
            },
        };
        write_json_frame(out, Some("message_start"), &start)?;
        write_json_frame(out, Some("ping"), &Typed { kind: "ping" })
    }

    fn block_start(
        &mut self,
        index: usize,
        block: &BlockKind,
        out: &mut Vec<u8>,
    ) -> Result<(), CodecError> {
        let name = Some("content_block_start");
        let wire = self.next_index;
        let event = |b| BlockEvent {
            kind: "content_block_start",
            index: wire,
            content_block: Some(b),
            delta: None,
        };
        match block {
            BlockKind::Text => {
                write_json_frame(out, name, &event(BlockStartOut::Text { text: "" }))?
            }
            BlockKind::ToolCall { id, name: tool } => write_json_frame(
                out,
                name,
                &event(BlockStartOut::ToolUse {
                    id,
                    name: tool,
                    input: Empty {},
                }),
            )?,
            BlockKind::Thinking => write_json_frame(
                out,
                name,
                &event(BlockStartOut::Thinking {
                    thinking: "",
                    signature: "",
                }),
            )?,
            BlockKind::Other { format, value } => {
                if *format != WireFormat::Anthropic {
                    self.open.push((index, None));
                    return Ok(());
                }
                write_json_frame(
                    out,
                    name,
                    &BlockEvent::<&Value> {
                        kind: "content_block_start",
                        index: wire,
                        content_block: Some(value),
                        delta: None,
                    },
                )?;
            }
        }
        self.open.push((index, Some(wire)));
        self.next_index += 1;
        Ok(())
    }

    /// The Anthropic index of open canonical block `index`, if it is written.
    fn wire_index(&self, index: usize) -> Option<usize> {
        self.open
            .iter()
            .find(|(canonical, _)| *canonical == index)
            .and_then(|(_, wire)| *wire)
    }

    fn block_stop(&mut self, index: usize, out: &mut Vec<u8>) -> Result<(), CodecError> {
        let Some(pos) = self.open.iter().position(|(c, _)| *c == index) else {
            return Ok(());
        };
        let (_, wire) = self.open.remove(pos);
        match wire {
            Some(wire) => write_stop(wire, out),
            None => Ok(()),
        }
    }

    fn stop_open_blocks(&mut self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        for (_, wire) in std::mem::take(&mut self.open) {
            if let Some(wire) = wire {
                write_stop(wire, out)?;
            }
        }
        Ok(())
    }
}

fn write_stop(index: usize, out: &mut Vec<u8>) -> Result<(), CodecError> {
    write_json_frame(
        out,
        Some("content_block_stop"),
        &BlockEvent::<()> {
            kind: "content_block_stop",
            index,
            content_block: None,
            delta: None,
        },
    )
}
