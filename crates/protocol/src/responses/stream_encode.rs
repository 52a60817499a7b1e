//! Client side of streaming: canonical events as Responses API stream events
//! (`response.created` … `response.completed`), each an SSE frame named by its `type`.

use super::response_encode::{
    custom_call_item, function_call_item, message_item, output_text, reasoning_item, Echo, ItemIds,
    ResponseHead,
};
use super::wire::{custom_input, response_id, status_of, RESPONSES};
use crate::sse::write_json_frame;
use crate::{BlockDelta, BlockKind, CodecError, Extras, StopReason, StreamEvent, Usage};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// An output item being streamed.
#[derive(Debug)]
enum OpenItem {
    Message {
        id: String,
        text: String,
    },
    /// `added` is false until its `output_item.added` was written: a reasoning item's id may
    /// arrive with its first delta (from an upstream of this format).
    Reasoning {
        id: String,
        text: String,
        upstream: Option<Extras>,
        added: bool,
    },
    Function {
        id: String,
        call_id: String,
        name: String,
        arguments: String,
    },
    Custom {
        id: String,
        call_id: String,
        name: String,
        arguments: String,
    },
    Verbatim {
        item: Value,
    },
}

/// Writes canonical stream events as Responses API events.
///
/// Every event carries `type` and `sequence_number`; the response object travels under
/// `response` in the lifecycle events. Thinking blocks become `reasoning` items with their
/// text as the summary; calls of the request's freeform tools become `custom_tool_call`
/// items (their input is sent whole when the call is complete, because it is the `input`
/// string inside the upstream's JSON arguments).
#[derive(Debug)]
pub struct StreamEncoder {
    echo: Echo,
    id: String,
    model: String,
    created: u64,
    seq: u64,
    ids: ItemIds,
    /// Output items by canonical block index, with their output index.
    open: HashMap<usize, (usize, OpenItem)>,
    /// Completed items, by output index.
    done: Vec<Option<Value>>,
    usage: Option<Usage>,
    stop: Option<StopReason>,
    /// Set once `response.failed` was written: nothing may follow it.
    failed: bool,
}

impl StreamEncoder {
    /// An encoder that echoes request defaults. Responses streams always report usage, so
    /// `include_usage` changes nothing.
    pub fn new(include_usage: bool) -> Self {
        let _ = include_usage;
        Self::for_request(Echo::default())
    }

    /// An encoder for the client whose request gave `echo`.
    pub fn for_request(echo: Echo) -> Self {
        Self {
            echo,
            id: String::new(),
            model: String::new(),
            created: 0,
            seq: 0,
            ids: ItemIds::new(""),
            open: HashMap::new(),
            done: Vec::new(),
            usage: None,
            stop: None,
            failed: false,
        }
    }

    fn emit(&mut self, out: &mut Vec<u8>, kind: &str, fields: Value) -> Result<(), CodecError> {
        let mut obj = match fields {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        obj.insert("type".into(), json!(kind));
        obj.insert("sequence_number".into(), json!(self.seq));
        self.seq += 1;
        write_json_frame(out, Some(kind), &Value::Object(obj))
    }

    fn response(
        &self,
        status: &'static str,
        error: Value,
        incomplete: Value,
        final_: bool,
    ) -> Value {
        let output = if final_ {
            self.done.iter().flatten().cloned().collect()
        } else {
            Vec::new()
        };
        let head = ResponseHead {
            id: &self.id,
            model: &self.model,
            created: self.created,
            status,
            error,
            incomplete,
            usage: if final_ {
                Some(self.usage.as_ref().unwrap_or(&ZERO))
            } else {
                None
            },
            extra: None,
        };
        self.echo.response(&head, output)
    }

    fn next_output(&mut self) -> usize {
        self.done.push(None);
        self.done.len() - 1
    }

    /// Appends zero or more complete SSE frames for `event` to `out`.
    pub fn encode(&mut self, event: &StreamEvent, out: &mut Vec<u8>) -> Result<(), CodecError> {
        if self.failed {
            return Ok(());
        }
        match event {
            StreamEvent::Start { id, model } => {
                self.id = response_id(id);
                self.model.clone_from(model);
                self.created = now_unix();
                self.ids = ItemIds::new(&self.id);
                let response = self.response("in_progress", Value::Null, Value::Null, false);
                self.emit(out, "response.created", json!({ "response": response }))?;
                let response = self.response("in_progress", Value::Null, Value::Null, false);
                self.emit(out, "response.in_progress", json!({ "response": response }))
            }
            StreamEvent::BlockStart { index, block } => self.start_block(*index, block, out),
            StreamEvent::Delta { index, delta } => self.delta(*index, delta, out),
            StreamEvent::BlockStop { index } => self.stop_block(*index, out),
            StreamEvent::Usage(u) => {
                self.usage = Some(*u);
                Ok(())
            }
            StreamEvent::Finish { stop_reason } => {
                self.stop = Some(stop_reason.clone());
                Ok(())
            }
            StreamEvent::Error { kind, message } => {
                let code = if kind.is_empty() {
                    "server_error"
                } else {
                    kind.as_str()
                };
                self.emit(
                    out,
                    "error",
                    json!({"code": code, "message": message, "param": null}),
                )?;
                self.failed = true;
                let error = json!({"code": "server_error", "message": message});
                let response = self.response("failed", error, Value::Null, true);
                self.emit(out, "response.failed", json!({ "response": response }))
            }
        }
    }

    /// Appends the frames that close a successful stream: `response.completed` (or
    /// `response.incomplete` when the answer was cut by its token limit) with the whole
    /// response, usage included.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        if self.failed {
            return Ok(());
        }
        let (status, incomplete) = status_of(self.stop.as_ref().unwrap_or(&StopReason::EndTurn));
        let kind = if status == "completed" {
            "response.completed"
        } else {
            "response.incomplete"
        };
        let response = self.response(status, Value::Null, incomplete, true);
        self.emit(out, kind, json!({ "response": response }))
    }

    fn start_block(
        &mut self,
        index: usize,
        block: &BlockKind,
        out: &mut Vec<u8>,
    ) -> Result<(), CodecError> {
        let item = match block {
            BlockKind::Text => {
                let id = self.ids.next("msg");
                let n = self.next_output();
                self.emit(
                    out,
                    "response.output_item.added",
                    json!({
                        "output_index": n, "item": message_item(&id, "in_progress", Vec::new())
                    }),
                )?;
                self.emit(
                    out,
                    "response.content_part.added",
                    json!({
                        "item_id": id, "output_index": n, "content_index": 0,
                        "part": output_text("", &Extras::new(), false)
                    }),
                )?;
                (
                    n,
                    OpenItem::Message {
                        id,
                        text: String::new(),
                    },
                )
            }
            BlockKind::Thinking => {
                let id = self.ids.next("rs");
                let n = self.next_output();
                (
                    n,
                    OpenItem::Reasoning {
                        id,
                        text: String::new(),
                        upstream: None,
                        added: false,
                    },
                )
            }
            BlockKind::ToolCall { id: call_id, name } => {
                let n = self.next_output();
                if self.echo.is_custom(name) {
                    let id = self.ids.next("ctc");
                    self.emit(
                        out,
                        "response.output_item.added",
                        json!({
                            "output_index": n, "item": custom_call_item(&id, call_id, name, "")
                        }),
                    )?;
                    (
                        n,
                        OpenItem::Custom {
                            id,
                            call_id: call_id.clone(),
                            name: name.clone(),
                            arguments: String::new(),
                        },
                    )
                } else {
                    let id = self.ids.next("fc");
                    self.emit(out, "response.output_item.added", json!({
                        "output_index": n, "item": function_call_item(&id, call_id, name, "", "in_progress")
                    }))?;
                    (
                        n,
                        OpenItem::Function {
                            id,
                            call_id: call_id.clone(),
                            name: name.clone(),
                            arguments: String::new(),
                        },
                    )
                }
            }
            BlockKind::Other { format, value } if *format == RESPONSES => {
                let n = self.next_output();
                self.emit(
                    out,
                    "response.output_item.added",
                    json!({"output_index": n, "item": value}),
                )?;
                (
                    n,
                    OpenItem::Verbatim {
                        item: value.clone(),
                    },
                )
            }
            // Another format's block has no Responses item.
            BlockKind::Other { .. } => return Ok(()),
        };
        self.open.insert(index, item);
        Ok(())
    }

    fn added_reasoning(&mut self, index: usize, out: &mut Vec<u8>) -> Result<(), CodecError> {
        let Some((n, OpenItem::Reasoning { id, added, .. })) = self.open.get_mut(&index) else {
            return Ok(());
        };
        if *added {
            return Ok(());
        }
        *added = true;
        let (n, id) = (*n, id.clone());
        self.emit(
            out,
            "response.output_item.added",
            json!({
                "output_index": n, "item": {"id": id, "type": "reasoning", "summary": []}
            }),
        )
    }

    fn delta(
        &mut self,
        index: usize,
        delta: &BlockDelta,
        out: &mut Vec<u8>,
    ) -> Result<(), CodecError> {
        let Some((n, item)) = self.open.get_mut(&index) else {
            return Ok(());
        };
        let n = *n;
        match (item, delta) {
            (OpenItem::Message { id, text }, BlockDelta::Text(t)) => {
                text.push_str(t);
                let id = id.clone();
                self.emit(out, "response.output_text.delta", json!({
                    "item_id": id, "output_index": n, "content_index": 0, "delta": t, "logprobs": []
                }))
            }
            (OpenItem::Reasoning { id, text, .. }, BlockDelta::Thinking(t)) => {
                let first = text.is_empty();
                text.push_str(t);
                let id = id.clone();
                self.added_reasoning(index, out)?;
                if first {
                    self.emit(
                        out,
                        "response.reasoning_summary_part.added",
                        json!({
                            "item_id": id, "output_index": n, "summary_index": 0,
                            "part": {"type": "summary_text", "text": ""}
                        }),
                    )?;
                }
                self.emit(
                    out,
                    "response.reasoning_summary_text.delta",
                    json!({
                        "item_id": id, "output_index": n, "summary_index": 0, "delta": t
                    }),
                )
            }
            (
                OpenItem::Reasoning {
                    id,
                    upstream,
                    added,
                    ..
                },
                BlockDelta::Other { format, value },
            ) if *format == RESPONSES => {
                // The upstream's own reasoning item: its id (if nothing was written yet) and
                // its encrypted content go to the client.
                if let Some(Value::Object(item)) = value.get("item") {
                    if !*added {
                        if let Some(Value::String(upstream_id)) = item.get("id") {
                            id.clone_from(upstream_id);
                        }
                    }
                    let mut fields = item.clone();
                    fields.remove("type");
                    upstream.get_or_insert_with(Extras::new).extend(fields);
                }
                Ok(())
            }
            (OpenItem::Function { id, arguments, .. }, BlockDelta::ToolArguments(t)) => {
                arguments.push_str(t);
                let id = id.clone();
                self.emit(
                    out,
                    "response.function_call_arguments.delta",
                    json!({
                        "item_id": id, "output_index": n, "delta": t
                    }),
                )
            }
            (OpenItem::Custom { arguments, .. }, BlockDelta::ToolArguments(t)) => {
                arguments.push_str(t);
                Ok(())
            }
            (OpenItem::Verbatim { item }, BlockDelta::Other { format, value })
                if *format == RESPONSES =>
            {
                if let Some(done) = value.get("item") {
                    *item = done.clone();
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn stop_block(&mut self, index: usize, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.added_reasoning(index, out)?;
        let Some((n, item)) = self.open.remove(&index) else {
            return Ok(());
        };
        let done = match item {
            OpenItem::Message { id, text } => {
                let part = output_text(&text, &Extras::new(), false);
                self.emit(out, "response.output_text.done", json!({
                    "item_id": id, "output_index": n, "content_index": 0, "text": text, "logprobs": []
                }))?;
                self.emit(
                    out,
                    "response.content_part.done",
                    json!({
                        "item_id": id, "output_index": n, "content_index": 0, "part": part
                    }),
                )?;
                message_item(&id, "completed", vec![part])
            }
            OpenItem::Reasoning {
                id, text, upstream, ..
            } => {
                if !text.is_empty() {
                    self.emit(
                        out,
                        "response.reasoning_summary_text.done",
                        json!({
                            "item_id": id, "output_index": n, "summary_index": 0, "text": text
                        }),
                    )?;
                    self.emit(
                        out,
                        "response.reasoning_summary_part.done",
                        json!({
                            "item_id": id, "output_index": n, "summary_index": 0,
                            "part": {"type": "summary_text", "text": text}
                        }),
                    )?;
                }
                let own = upstream.is_some();
                let mut item = reasoning_item(&id, &text, &upstream.unwrap_or_default(), own);
                if let Value::Object(map) = &mut item {
                    map.insert("id".into(), json!(id));
                }
                item
            }
            OpenItem::Function {
                id,
                call_id,
                name,
                arguments,
            } => {
                let arguments = if arguments.is_empty() {
                    "{}".to_owned()
                } else {
                    arguments
                };
                self.emit(
                    out,
                    "response.function_call_arguments.done",
                    json!({
                        "item_id": id, "output_index": n, "arguments": arguments
                    }),
                )?;
                function_call_item(&id, &call_id, &name, &arguments, "completed")
            }
            OpenItem::Custom {
                id,
                call_id,
                name,
                arguments,
            } => {
                let input = custom_input(&arguments);
                self.emit(
                    out,
                    "response.custom_tool_call_input.delta",
                    json!({
                        "item_id": id, "output_index": n, "delta": input
                    }),
                )?;
                self.emit(
                    out,
                    "response.custom_tool_call_input.done",
                    json!({
                        "item_id": id, "output_index": n, "input": input
                    }),
                )?;
                custom_call_item(&id, &call_id, &name, &input)
            }
            OpenItem::Verbatim { item } => item,
        };
        self.emit(
            out,
            "response.output_item.done",
            json!({"output_index": n, "item": done}),
        )?;
        if let Some(slot) = self.done.get_mut(n) {
            *slot = Some(done);
        }
        Ok(())
    }
}

const ZERO: Usage = Usage {
    input_tokens: 0,
    output_tokens: 0,
    cached_input_tokens: None,
    cache_creation_input_tokens: None,
    reasoning_tokens: None,
};

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
