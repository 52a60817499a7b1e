//! Provider side of streaming: `chat.completion.chunk` SSE events into canonical events.
//!
//! OpenAI deltas are flat (text, reasoning and tool-call fragments on one message), so the
//! decoder tracks which canonical block is open: at most one of text / thinking / refusal
//! at a time, and one block per tool call, all closed when `finish_reason` arrives.

use super::wire::{stop_reason_from_wire, UsageIn};
use crate::{BlockDelta, BlockKind, CodecError, SseEvent, StopReason, StreamEvent, WireFormat};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;

#[derive(Deserialize)]
struct ChunkIn<'a> {
    // Borrowed: only the first chunk's id and model are used, later ones cost nothing.
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    choices: Option<Vec<ChoiceIn>>,
    usage: Option<UsageIn>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct ChoiceIn {
    index: Option<u32>,
    delta: Option<DeltaIn>,
    /// Legacy completions (`text_completion` chunks) carry their text here.
    text: Option<String>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct DeltaIn {
    content: Option<String>,
    /// DeepSeek / vLLM reasoning.
    reasoning_content: Option<String>,
    /// The newer spelling of `reasoning_content` (vLLM, OpenRouter).
    reasoning: Option<String>,
    refusal: Option<String>,
    tool_calls: Option<Vec<ToolCallDeltaIn>>,
}

#[derive(Deserialize)]
struct ToolCallDeltaIn {
    index: Option<u64>,
    id: Option<String>,
    function: Option<FunctionDeltaIn>,
}

#[derive(Deserialize)]
struct FunctionDeltaIn {
    name: Option<String>,
    arguments: Option<String>,
}

/// The flat (one-at-a-time) block kinds of an OpenAI delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flat {
    Text,
    Thinking,
    Refusal,
}

/// Turns the upstream's SSE events into canonical events.
#[derive(Debug, Default)]
pub struct StreamDecoder {
    started: bool,
    finished: bool,
    done: bool,
    next_block: usize,
    /// The open text / thinking / refusal block and its canonical index.
    flat: Option<(Flat, usize)>,
    /// Open tool-call blocks: (OpenAI `tool_calls[].index`, canonical block index).
    tools: Vec<(u64, usize)>,
}

impl StreamDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// True once the upstream has signalled a complete end of stream (`data: [DONE]`). A
    /// stream that ends before this was cut.
    pub fn is_complete(&self) -> bool {
        self.done
    }

    /// Appends the canonical events carried by one SSE event to `out`.
    pub fn decode(
        &mut self,
        event: &SseEvent<'_>,
        out: &mut Vec<StreamEvent>,
    ) -> Result<(), CodecError> {
        let data = event.data.trim();
        if data.is_empty() {
            return Ok(());
        }
        if data == "[DONE]" {
            self.done = true;
            // A server that ends without a finish_reason still ended normally.
            if self.started && !self.finished {
                self.finish(StopReason::EndTurn, out);
            }
            return Ok(());
        }
        let chunk: ChunkIn<'_> = serde_json::from_str(data).map_err(|e| {
            CodecError::new(format!("upstream stream chunk is not a valid chunk: {e}"))
        })?;
        if let Some(err) = chunk.error {
            out.push(stream_error(&err));
            return Ok(());
        }
        if !self.started {
            self.started = true;
            out.push(StreamEvent::Start {
                id: chunk.id.map(Cow::into_owned).unwrap_or_default(),
                model: chunk.model.map(Cow::into_owned).unwrap_or_default(),
            });
        }
        // n is always 1 on the gateway's requests: choice 0 is the answer.
        let choice = chunk
            .choices
            .and_then(|c| c.into_iter().find(|c| c.index.unwrap_or(0) == 0));
        if let Some(choice) = choice {
            if let Some(delta) = choice.delta {
                self.delta(delta, out);
            }
            if let Some(text) = choice.text.filter(|t| !t.is_empty()) {
                let index = self.open_flat(Flat::Text, out);
                out.push(StreamEvent::Delta {
                    index,
                    delta: BlockDelta::Text(text),
                });
            }
            if let Some(reason) = choice.finish_reason {
                if !self.finished {
                    self.finish(stop_reason_from_wire(&reason), out);
                }
            }
        }
        if let Some(usage) = chunk.usage {
            out.push(StreamEvent::Usage(usage.to_canonical()));
        }
        Ok(())
    }

    fn delta(&mut self, delta: DeltaIn, out: &mut Vec<StreamEvent>) {
        if let Some(text) = delta.reasoning_content.or(delta.reasoning) {
            if !text.is_empty() {
                let index = self.open_flat(Flat::Thinking, out);
                out.push(StreamEvent::Delta {
                    index,
                    delta: BlockDelta::Thinking(text),
                });
            }
        }
        if let Some(text) = delta.content {
            // The first chunk carries `"content": ""`; a block opens with real content only.
            if !text.is_empty() {
                let index = self.open_flat(Flat::Text, out);
                out.push(StreamEvent::Delta {
                    index,
                    delta: BlockDelta::Text(text),
                });
            }
        }
        if let Some(refusal) = delta.refusal {
            if !refusal.is_empty() {
                let index = self.open_flat(Flat::Refusal, out);
                let mut value = serde_json::Map::new();
                value.insert("refusal".into(), Value::String(refusal));
                out.push(StreamEvent::Delta {
                    index,
                    delta: BlockDelta::Other {
                        format: WireFormat::OpenAiChat,
                        value: Value::Object(value),
                    },
                });
            }
        }
        for (position, call) in delta.tool_calls.into_iter().flatten().enumerate() {
            // `index` is required by OpenAI; a few servers omit it and send one call each.
            let key = call.index.unwrap_or(position as u64);
            let (name, arguments) = match call.function {
                Some(f) => (f.name, f.arguments),
                None => (None, None),
            };
            let index = match self.tools.iter().find(|(k, _)| *k == key) {
                Some(&(_, index)) => index,
                None => {
                    self.close_flat(out);
                    let index = self.take_index();
                    self.tools.push((key, index));
                    out.push(StreamEvent::BlockStart {
                        index,
                        block: BlockKind::ToolCall {
                            id: call.id.unwrap_or_default(),
                            name: name.unwrap_or_default(),
                        },
                    });
                    index
                }
            };
            if let Some(fragment) = arguments.filter(|a| !a.is_empty()) {
                out.push(StreamEvent::Delta {
                    index,
                    delta: BlockDelta::ToolArguments(fragment),
                });
            }
        }
    }

    fn take_index(&mut self) -> usize {
        let index = self.next_block;
        self.next_block += 1;
        index
    }

    /// The index of the open `kind` block, opening it (and closing another flat block) first
    /// if needed.
    fn open_flat(&mut self, kind: Flat, out: &mut Vec<StreamEvent>) -> usize {
        if let Some((open, index)) = self.flat {
            if open == kind {
                return index;
            }
        }
        self.close_flat(out);
        let index = self.take_index();
        let block = match kind {
            Flat::Text => BlockKind::Text,
            Flat::Thinking => BlockKind::Thinking,
            Flat::Refusal => {
                let mut value = serde_json::Map::new();
                value.insert("type".into(), Value::String("refusal".into()));
                BlockKind::Other {
                    format: WireFormat::OpenAiChat,
                    value: Value::Object(value),
                }
            }
        };
        out.push(StreamEvent::BlockStart { index, block });
        self.flat = Some((kind, index));
        index
    }

    fn close_flat(&mut self, out: &mut Vec<StreamEvent>) {
        if let Some((_, index)) = self.flat.take() {
            out.push(StreamEvent::BlockStop { index });
        }
    }

    /// Stops every open block (in index order), then reports `reason`.
    fn finish(&mut self, reason: StopReason, out: &mut Vec<StreamEvent>) {
        let mut open: Vec<usize> = self.tools.drain(..).map(|(_, index)| index).collect();
        if let Some((_, index)) = self.flat.take() {
            open.push(index);
        }
        open.sort_unstable();
        out.extend(
            open.into_iter()
                .map(|index| StreamEvent::BlockStop { index }),
        );
        out.push(StreamEvent::Finish {
            stop_reason: reason,
        });
        self.finished = true;
    }
}

/// A `{"error": {...}}` data line. The kind is the error's `type`, else its `code`.
fn stream_error(err: &Value) -> StreamEvent {
    let (kind, message) = super::error::error_fields(err);
    StreamEvent::Error { kind, message }
}
