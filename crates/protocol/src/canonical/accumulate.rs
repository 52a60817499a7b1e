//! Canonical stream events folded back into the complete answer.
//!
//! The gateway relays a live stream to its client event by event and, at the same time,
//! accumulates it, so that a complete and successful stream can be cached (and replayed
//! with [`crate::replay::events_of`], the inverse) or validated like a non-streamed answer.

use super::{
    BlockDelta, BlockKind, ChatResponse, ContentPart, Extras, StopReason, StreamEvent, Usage,
    WireFormat,
};
use serde_json::{Map, Value};

/// Why an accumulated stream is not a complete answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncompleteStream {
    /// The upstream reported an error inside the stream.
    #[error("the stream reported an error: {kind}: {message}")]
    Error {
        /// The upstream's error type, verbatim.
        kind: String,
        /// Its message.
        message: String,
    },
    /// The stream ended without `Finish`: it was cut.
    #[error("the stream ended before it finished")]
    Unfinished,
    /// The events broke the stream rules (a delta for a block that is not open, a second
    /// `Start`, content after `Finish`, unparsable server-tool arguments, ...).
    #[error("malformed stream: {0}")]
    Malformed(String),
}

/// Folds canonical stream events into the [`ChatResponse`] they carry.
///
/// Push every event in order, then call [`finish`](Self::finish). Only a stream that
/// started, finished and reported no error yields a response; anything else is an
/// [`IncompleteStream`], so a cut or failed stream can never pass for a complete answer.
///
/// Content parts are ordered by block index (the order blocks opened), so tool calls that
/// interleave their argument deltas come out whole and in order. `Usage` is cumulative: the
/// last one wins, before or after `Finish`. Deltas the canonical model does not know are
/// folded where their meaning is known (an Anthropic server tool's `input_json_delta`, a
/// text block's `citations_delta`, an OpenAI refusal's text) and dropped otherwise.
/// Extras of the response and of its parts are not streamed, so they stay empty.
#[derive(Debug)]
pub struct StreamAccumulator {
    source: WireFormat,
    created: u64,
    /// `(id, model)` once `Start` was seen.
    start: Option<(String, String)>,
    blocks: Vec<Block>,
    usage: Usage,
    stop_reason: Option<StopReason>,
    /// The first reason this stream is not a complete answer; later events are ignored.
    fault: Option<IncompleteStream>,
}

/// One content block: its canonical index, whether it is open, and its content so far.
#[derive(Debug)]
struct Block {
    index: usize,
    open: bool,
    part: ContentPart,
    /// An `Other` block's streamed `input` JSON (Anthropic server tools), parsed at stop.
    input_json: String,
}

impl StreamAccumulator {
    /// An accumulator for a stream decoded from `source`, answered at Unix time `created`
    /// (streams carry no timestamp, and this crate reads no clock).
    pub fn new(source: WireFormat, created: u64) -> Self {
        Self {
            source,
            created,
            start: None,
            blocks: Vec::new(),
            usage: Usage::default(),
            stop_reason: None,
            fault: None,
        }
    }

    /// Folds in the next event of the stream.
    pub fn push(&mut self, event: &StreamEvent) {
        if self.fault.is_some() {
            return;
        }
        if let Err(fault) = self.apply(event) {
            self.fault = Some(fault);
        }
    }

    /// The complete answer, or why there is none.
    pub fn finish(self) -> Result<ChatResponse, IncompleteStream> {
        if let Some(fault) = self.fault {
            return Err(fault);
        }
        let Some(stop_reason) = self.stop_reason else {
            return Err(IncompleteStream::Unfinished);
        };
        let (id, model) = self
            .start
            .ok_or_else(|| malformed("the stream finished without a Start event"))?;
        Ok(ChatResponse {
            id,
            model,
            content: self.blocks.into_iter().map(|b| b.part).collect(),
            stop_reason,
            usage: self.usage,
            created: self.created,
            source: self.source,
            extra: Extras::new(),
        })
    }

    fn apply(&mut self, event: &StreamEvent) -> Result<(), IncompleteStream> {
        match event {
            StreamEvent::Error { kind, message } => {
                return Err(IncompleteStream::Error {
                    kind: kind.clone(),
                    message: message.clone(),
                })
            }
            // Cumulative, and OpenAI reports it after the finish reason.
            StreamEvent::Usage(usage) => self.usage = *usage,
            _ if self.stop_reason.is_some() => {
                return Err(malformed(format!("{} after Finish", name(event))))
            }
            StreamEvent::Start { id, model } => {
                if self.start.is_some() {
                    return Err(malformed("a second Start event"));
                }
                self.start = Some((id.clone(), model.clone()));
            }
            StreamEvent::BlockStart { index, block } => self.open(*index, block)?,
            StreamEvent::Delta { index, delta } => self.open_block(*index)?.apply(delta)?,
            StreamEvent::BlockStop { index } => self.open_block(*index)?.stop()?,
            StreamEvent::Finish { stop_reason } => {
                // A finish closes what is still open (encoders do the same).
                for block in self.blocks.iter_mut().filter(|b| b.open) {
                    block.stop()?;
                }
                self.stop_reason = Some(stop_reason.clone());
            }
        }
        Ok(())
    }

    fn open(&mut self, index: usize, block: &BlockKind) -> Result<(), IncompleteStream> {
        if self.start.is_none() {
            return Err(malformed("a block opened before Start"));
        }
        if self.blocks.iter().any(|b| b.index == index) {
            return Err(malformed(format!("block {index} opened twice")));
        }
        let part = match block {
            BlockKind::Text => ContentPart::text(""),
            BlockKind::ToolCall { id, name } => ContentPart::ToolCall {
                id: id.clone(),
                name: name.clone(),
                arguments: String::new(),
                extra: Extras::new(),
            },
            BlockKind::Thinking => ContentPart::Thinking {
                text: String::new(),
                signature: None,
                extra: Extras::new(),
            },
            BlockKind::Other { format, value } => ContentPart::Other {
                format: *format,
                value: value.clone(),
            },
        };
        let block = Block {
            index,
            open: true,
            part,
            input_json: String::new(),
        };
        // Blocks open in index order; an out-of-order index still lands in its place.
        let at = self.blocks.partition_point(|b| b.index < index);
        self.blocks.insert(at, block);
        Ok(())
    }

    fn open_block(&mut self, index: usize) -> Result<&mut Block, IncompleteStream> {
        self.blocks
            .iter_mut()
            .rev()
            .find(|b| b.index == index && b.open)
            .ok_or_else(|| malformed(format!("block {index} is not open")))
    }
}

impl Block {
    fn apply(&mut self, delta: &BlockDelta) -> Result<(), IncompleteStream> {
        match (&mut self.part, delta) {
            (ContentPart::Text { text, .. }, BlockDelta::Text(more))
            | (ContentPart::Thinking { text, .. }, BlockDelta::Thinking(more))
            | (
                ContentPart::ToolCall {
                    arguments: text, ..
                },
                BlockDelta::ToolArguments(more),
            ) => text.push_str(more),
            (ContentPart::Thinking { signature, .. }, BlockDelta::Signature(more)) => {
                signature.get_or_insert_with(String::new).push_str(more)
            }
            (part, BlockDelta::Other { format, value }) => {
                fold_other(part, &mut self.input_json, *format, value)
            }
            (_, delta) => {
                return Err(malformed(format!(
                    "{} delta for block {}, which is not of that kind",
                    delta_name(delta),
                    self.index
                )))
            }
        }
        Ok(())
    }

    fn stop(&mut self) -> Result<(), IncompleteStream> {
        self.open = false;
        match &mut self.part {
            // A call without arguments streams none; `{}` is what a complete answer holds
            // and what every format's encoder can parse.
            ContentPart::ToolCall { arguments, .. } if arguments.is_empty() => {
                arguments.push_str("{}")
            }
            ContentPart::Other { value, .. } if !self.input_json.is_empty() => {
                let input: Value = serde_json::from_str(&self.input_json).map_err(|e| {
                    malformed(format!(
                        "block {}: streamed input is not JSON: {e}",
                        self.index
                    ))
                })?;
                if let Value::Object(map) = value {
                    map.insert("input".into(), input);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Folds a delta the canonical model does not know into `part`, where its meaning is known.
fn fold_other(part: &mut ContentPart, input_json: &mut String, format: WireFormat, delta: &Value) {
    let kind = delta.get("type").and_then(Value::as_str);
    match (part, format, kind) {
        // A server tool's input streams as JSON text, like a tool call's arguments.
        (ContentPart::Other { .. }, WireFormat::Anthropic, Some("input_json_delta")) => {
            if let Some(fragment) = delta.get("partial_json").and_then(Value::as_str) {
                input_json.push_str(fragment);
            }
        }
        // The complete text block lists its citations.
        (ContentPart::Text { extra, .. }, WireFormat::Anthropic, Some("citations_delta")) => {
            if let Some(citation) = delta.get("citation") {
                let list = extra
                    .entry("citations")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = list {
                    list.push(citation.clone());
                }
            }
        }
        // A Responses upstream's reasoning item (id, encrypted content) belongs to the block.
        (
            ContentPart::Thinking { extra, .. },
            WireFormat::OpenAiResponses,
            Some("reasoning_item"),
        ) => {
            if let Some(Value::Object(item)) = delta.get("item") {
                for (k, v) in item {
                    if k != "type" {
                        extra.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        // A Responses upstream's verbatim item, complete.
        (ContentPart::Other { value, .. }, WireFormat::OpenAiResponses, Some("item")) => {
            if let Some(item) = delta.get("item") {
                *value = item.clone();
            }
        }
        // OpenAI's unknown deltas (a refusal) continue string fields of the block.
        (ContentPart::Other { value, .. }, WireFormat::OpenAiChat, _) => {
            if let (Value::Object(block), Value::Object(delta)) = (value, delta) {
                append_strings(block, delta);
            }
        }
        _ => {}
    }
}

/// Appends every string field of `delta` to the same field of `block`.
fn append_strings(block: &mut Map<String, Value>, delta: &Map<String, Value>) {
    for (key, more) in delta {
        match (block.get_mut(key), more) {
            (Some(Value::String(text)), Value::String(more)) => text.push_str(more),
            (_, more) => {
                block.insert(key.clone(), more.clone());
            }
        }
    }
}

fn malformed(message: impl Into<String>) -> IncompleteStream {
    IncompleteStream::Malformed(message.into())
}

fn name(event: &StreamEvent) -> &'static str {
    match event {
        StreamEvent::Start { .. } => "Start",
        StreamEvent::BlockStart { .. } => "BlockStart",
        StreamEvent::Delta { .. } => "Delta",
        StreamEvent::BlockStop { .. } => "BlockStop",
        StreamEvent::Usage(_) => "Usage",
        StreamEvent::Finish { .. } => "Finish",
        StreamEvent::Error { .. } => "Error",
    }
}

fn delta_name(delta: &BlockDelta) -> &'static str {
    match delta {
        BlockDelta::Text(_) => "a Text",
        BlockDelta::ToolArguments(_) => "a ToolArguments",
        BlockDelta::Thinking(_) => "a Thinking",
        BlockDelta::Signature(_) => "a Signature",
        BlockDelta::Other { .. } => "an Other",
    }
}
