//! Provider side of streaming: an upstream's Responses API events into canonical events.

use super::response_decode::decode_output_item;
use super::wire::{stop_reason_of, usage_in, CUSTOM_INPUT, RESPONSES};
use crate::{BlockDelta, BlockKind, CodecError, ContentPart, SseEvent, StreamEvent};
use serde_json::{json, Value};
use std::collections::HashMap;

/// What an open upstream output item is, canonically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Reasoning {
        block: usize,
        summary: i64,
    },
    Function {
        block: usize,
    },
    Custom {
        block: usize,
    },
    Verbatim {
        block: usize,
    },
    /// A message: its text parts are blocks of their own, keyed by content index.
    Message,
}

/// Turns the upstream's SSE events into canonical events.
///
/// Output items map to blocks: a message's `output_text` parts to text blocks, a reasoning
/// item to a thinking block (its summary is the text; the whole item follows as an `Other`
/// delta, so its id and encrypted content reach a client of this format), function and
/// custom tool calls to tool-call blocks (a custom call's input as the `input` string of
/// JSON arguments), other items to `Other` blocks.
#[derive(Debug, Default)]
pub struct StreamDecoder {
    next_block: usize,
    items: HashMap<u64, Open>,
    parts: HashMap<(u64, u64), usize>,
    tool_calls: bool,
    complete: bool,
}

impl StreamDecoder {
    /// A fresh decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// True once the upstream sent `response.completed`, `response.incomplete` or
    /// `response.failed`.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    fn open_block(&mut self, block: BlockKind, out: &mut Vec<StreamEvent>) -> usize {
        let index = self.next_block;
        self.next_block += 1;
        out.push(StreamEvent::BlockStart { index, block });
        index
    }

    /// Appends the canonical events carried by one SSE event to `out`.
    pub fn decode(
        &mut self,
        event: &SseEvent<'_>,
        out: &mut Vec<StreamEvent>,
    ) -> Result<(), CodecError> {
        if event.data.trim().is_empty() || event.data == "[DONE]" {
            return Ok(());
        }
        let ev: Value = serde_json::from_str(event.data).map_err(|e| {
            CodecError::new(format!(
                "upstream sent a Responses event that is not JSON: {e}"
            ))
        })?;
        let kind = ev
            .get("type")
            .and_then(Value::as_str)
            .or(event.event)
            .unwrap_or("");
        let output_index = ev.get("output_index").and_then(Value::as_u64).unwrap_or(0);
        let text = |key: &str| ev.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
        match kind {
            "response.created" => {
                let response = ev.get("response");
                let field = |k: &str| {
                    response
                        .and_then(|r| r.get(k))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned()
                };
                out.push(StreamEvent::Start {
                    id: field("id"),
                    model: field("model"),
                });
            }
            "response.output_item.added" => {
                let item = ev.get("item").cloned().unwrap_or(Value::Null);
                let open = match item.get("type").and_then(Value::as_str) {
                    Some("message") => Open::Message,
                    Some("reasoning") => {
                        let block = self.open_block(BlockKind::Thinking, out);
                        out.push(reasoning_delta(block, item));
                        Open::Reasoning { block, summary: -1 }
                    }
                    Some(kind @ ("function_call" | "custom_tool_call")) => {
                        self.tool_calls = true;
                        let field =
                            |k: &str| item.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                        let block = self.open_block(
                            BlockKind::ToolCall {
                                id: field("call_id"),
                                name: field("name"),
                            },
                            out,
                        );
                        if kind == "custom_tool_call" {
                            let head = format!("{{\"{CUSTOM_INPUT}\":\"");
                            out.push(arguments(block, head));
                            Open::Custom { block }
                        } else {
                            Open::Function { block }
                        }
                    }
                    _ => Open::Verbatim {
                        block: self.open_block(
                            BlockKind::Other {
                                format: RESPONSES,
                                value: item,
                            },
                            out,
                        ),
                    },
                };
                self.items.insert(output_index, open);
            }
            "response.content_part.added" => {
                let content_index = ev.get("content_index").and_then(Value::as_u64).unwrap_or(0);
                // Only text parts stream as blocks; a refusal part is not carried in
                // streams (complete answers keep it).
                if ev.pointer("/part/type").and_then(Value::as_str) == Some("output_text") {
                    let index = self.open_block(BlockKind::Text, out);
                    self.parts.insert((output_index, content_index), index);
                }
            }
            "response.output_text.delta" => {
                let content_index = ev.get("content_index").and_then(Value::as_u64).unwrap_or(0);
                if let Some(&index) = self.parts.get(&(output_index, content_index)) {
                    out.push(StreamEvent::Delta {
                        index,
                        delta: BlockDelta::Text(text("delta")),
                    });
                }
            }
            "response.content_part.done" => {
                let content_index = ev.get("content_index").and_then(Value::as_u64).unwrap_or(0);
                if let Some(index) = self.parts.remove(&(output_index, content_index)) {
                    out.push(StreamEvent::BlockStop { index });
                }
            }
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                let summary_index = ev.get("summary_index").and_then(Value::as_i64).unwrap_or(0);
                if let Some(Open::Reasoning { block, summary }) = self.items.get_mut(&output_index)
                {
                    if *summary >= 0 && summary_index != *summary {
                        // Summary parts are separate paragraphs.
                        out.push(StreamEvent::Delta {
                            index: *block,
                            delta: BlockDelta::Thinking("\n\n".into()),
                        });
                    }
                    *summary = summary_index;
                    out.push(StreamEvent::Delta {
                        index: *block,
                        delta: BlockDelta::Thinking(text("delta")),
                    });
                }
            }
            "response.function_call_arguments.delta" => {
                if let Some(Open::Function { block }) = self.items.get(&output_index) {
                    out.push(arguments(*block, text("delta")));
                }
            }
            "response.custom_tool_call_input.delta" => {
                if let Some(Open::Custom { block }) = self.items.get(&output_index) {
                    out.push(arguments(*block, json_string_body(&text("delta"))));
                }
            }
            "response.output_item.done" => {
                let item = ev.get("item").cloned().unwrap_or(Value::Null);
                match self.items.remove(&output_index) {
                    Some(Open::Reasoning { block, .. }) => {
                        out.push(reasoning_delta(block, item));
                        out.push(StreamEvent::BlockStop { index: block });
                    }
                    Some(Open::Function { block }) => {
                        out.push(StreamEvent::BlockStop { index: block })
                    }
                    Some(Open::Custom { block }) => {
                        out.push(arguments(block, "\"}".to_owned()));
                        out.push(StreamEvent::BlockStop { index: block });
                    }
                    Some(Open::Verbatim { block }) => {
                        out.push(StreamEvent::Delta {
                            index: block,
                            delta: BlockDelta::Other {
                                format: RESPONSES,
                                value: json!({"type": "item", "item": item}),
                            },
                        });
                        out.push(StreamEvent::BlockStop { index: block });
                    }
                    Some(Open::Message) => {}
                    None => {
                        // An item announced only when done: its content at once.
                        let mut parts = Vec::new();
                        self.tool_calls |= decode_output_item(item, &mut parts);
                        for part in parts {
                            self.replay_part(part, out);
                        }
                    }
                }
            }
            "response.completed" | "response.incomplete" => {
                let response = ev.get("response");
                out.push(StreamEvent::Usage(usage_in(
                    response.and_then(|r| r.get("usage")),
                )));
                out.push(StreamEvent::Finish {
                    stop_reason: stop_reason_of(
                        response
                            .and_then(|r| r.get("status"))
                            .and_then(Value::as_str),
                        response.and_then(|r| r.get("incomplete_details")),
                        self.tool_calls,
                    ),
                });
                self.complete = true;
            }
            "response.failed" | "error" => {
                let error = ev.pointer("/response/error").or(Some(&ev));
                let field = |k: &str| {
                    error
                        .and_then(|e| e.get(k))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                };
                out.push(StreamEvent::Error {
                    kind: field("code")
                        .or_else(|| field("type"))
                        .unwrap_or_else(|| "server_error".into()),
                    message: field("message").unwrap_or_default(),
                });
                self.complete = true;
            }
            _ => {}
        }
        Ok(())
    }

    /// A complete part as the events of one block.
    fn replay_part(&mut self, part: ContentPart, out: &mut Vec<StreamEvent>) {
        let (block, delta) = match part {
            ContentPart::Text { text, .. } => (BlockKind::Text, Some(BlockDelta::Text(text))),
            ContentPart::ToolCall {
                id,
                name,
                arguments,
                ..
            } => (
                BlockKind::ToolCall { id, name },
                Some(BlockDelta::ToolArguments(arguments)),
            ),
            ContentPart::Thinking { text, .. } => {
                (BlockKind::Thinking, Some(BlockDelta::Thinking(text)))
            }
            ContentPart::Other { format, value } => (BlockKind::Other { format, value }, None),
            ContentPart::Image { .. } | ContentPart::ToolResult { .. } => return,
        };
        let index = self.open_block(block, out);
        if let Some(delta) = delta {
            out.push(StreamEvent::Delta { index, delta });
        }
        out.push(StreamEvent::BlockStop { index });
    }
}

fn arguments(index: usize, fragment: String) -> StreamEvent {
    StreamEvent::Delta {
        index,
        delta: BlockDelta::ToolArguments(fragment),
    }
}

/// The upstream's reasoning item, for a client of this format (see the stream encoder).
fn reasoning_delta(index: usize, item: Value) -> StreamEvent {
    StreamEvent::Delta {
        index,
        delta: BlockDelta::Other {
            format: RESPONSES,
            value: json!({"type": "reasoning_item", "item": item}),
        },
    }
}

/// `s` escaped as the inside of a JSON string (without the quotes).
fn json_string_body(s: &str) -> String {
    let quoted = Value::String(s.to_owned()).to_string();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or("")
        .to_owned()
}
