//! Client side of streaming: canonical events as `chat.completion.chunk` SSE frames.

use super::error::error_type;
use super::wire::{finish_reason_to_wire, UsageOut};
use crate::sse::{write_frame, write_json_frame};
use crate::{BlockDelta, BlockKind, CodecError, ErrorKind, StreamEvent, Usage, WireFormat};
use serde::ser::Serializer;
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
struct ChunkOut<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: &'a [ChoiceOut<'a>],
    #[serde(skip_serializing_if = "UsageSlot::is_absent")]
    usage: UsageSlot,
}

/// The chunk's `usage`: OpenAI sends `null` on every chunk but the last when usage was
/// requested, and no key at all otherwise.
enum UsageSlot {
    Absent,
    Null,
    Known(UsageOut),
}

impl UsageSlot {
    fn is_absent(&self) -> bool {
        matches!(self, Self::Absent)
    }
}

impl Serialize for UsageSlot {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Absent | Self::Null => s.serialize_unit(),
            Self::Known(u) => u.serialize(s),
        }
    }
}

#[derive(Serialize)]
struct ChoiceOut<'a> {
    index: u32,
    delta: DeltaOut<'a>,
    logprobs: Option<()>,
    finish_reason: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum DeltaOut<'a> {
    Typed(TypedDelta<'a>),
    /// An OpenAI delta the model does not know (e.g. `refusal`), verbatim.
    Raw(&'a Value),
}

#[derive(Serialize, Default)]
struct TypedDelta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<[ToolCallDeltaOut<'a>; 1]>,
}

#[derive(Serialize)]
struct ToolCallDeltaOut<'a> {
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    function: FunctionDeltaOut<'a>,
}

#[derive(Serialize)]
struct FunctionDeltaOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    arguments: &'a str,
}

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    param: Option<()>,
    code: Option<()>,
}

/// Writes canonical stream events as `chat.completion.chunk` SSE frames.
///
/// Thinking deltas are written as `reasoning_content` (the de-facto field of
/// OpenAI-compatible reasoning servers, which coding clients display and official SDKs
/// ignore); signatures are dropped. Tool calls are numbered from 0 among tool calls only,
/// as OpenAI does.
#[derive(Debug)]
pub struct StreamEncoder {
    include_usage: bool,
    id: String,
    model: String,
    /// `created` of every chunk; read from the clock at `Start` unless pinned.
    created: Option<u64>,
    /// Canonical block index of each tool call, by OpenAI tool-call index.
    tool_blocks: Vec<usize>,
    usage: Option<Usage>,
}

impl StreamEncoder {
    /// `include_usage`: the client asked for usage in the stream (OpenAI
    /// `stream_options.include_usage`).
    pub fn new(include_usage: bool) -> Self {
        Self {
            include_usage,
            id: String::new(),
            model: String::new(),
            created: None,
            tool_blocks: Vec::new(),
            usage: None,
        }
    }

    /// Pins the `created` timestamp of every chunk (e.g. a cached answer replayed with its
    /// original time, or tests); otherwise the clock is read once at `Start`, since the
    /// canonical `Start` event carries no timestamp.
    pub fn with_created(mut self, created: u64) -> Self {
        self.created = Some(created);
        self
    }

    /// Appends zero or more complete SSE frames for `event` to `out`.
    pub fn encode(&mut self, event: &StreamEvent, out: &mut Vec<u8>) -> Result<(), CodecError> {
        match event {
            StreamEvent::Start { id, model } => {
                self.id.clone_from(id);
                self.model.clone_from(model);
                if self.created.is_none() {
                    self.created = Some(now_unix());
                }
                self.write_delta(
                    out,
                    DeltaOut::Typed(TypedDelta {
                        role: Some("assistant"),
                        content: Some(""),
                        ..TypedDelta::default()
                    }),
                    None,
                )
            }
            StreamEvent::BlockStart {
                index,
                block: BlockKind::ToolCall { id, name },
            } => {
                let k = self.tool_blocks.len();
                self.tool_blocks.push(*index);
                self.write_tool_delta(out, k, Some(id), Some(name), "")
            }
            StreamEvent::BlockStart { .. } | StreamEvent::BlockStop { .. } => Ok(()),
            StreamEvent::Delta { index, delta } => self.encode_delta(*index, delta, out),
            StreamEvent::Usage(usage) => {
                self.usage = Some(*usage);
                Ok(())
            }
            StreamEvent::Finish { stop_reason } => self.write_delta(
                out,
                DeltaOut::Typed(TypedDelta::default()),
                Some(finish_reason_to_wire(stop_reason, false)),
            ),
            StreamEvent::Error { kind, message } => {
                let envelope = ErrorEnvelope {
                    error: ErrorBody {
                        message,
                        // The upstream's type, verbatim, when it has one.
                        kind: if kind.is_empty() {
                            error_type(ErrorKind::UpstreamError)
                        } else {
                            kind
                        },
                        param: None,
                        code: None,
                    },
                };
                write_json_frame(out, None, &envelope)
            }
        }
    }

    /// Appends the frames that close a successful stream: the usage chunk (when the client
    /// asked for usage), then `data: [DONE]`.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        if self.include_usage {
            let usage = self.usage.unwrap_or_default();
            let chunk = ChunkOut {
                id: &self.id,
                object: "chat.completion.chunk",
                created: self.created.unwrap_or(0),
                model: &self.model,
                choices: &[],
                usage: UsageSlot::Known(UsageOut::from(&usage)),
            };
            write_json_frame(out, None, &chunk)?;
        }
        write_frame(out, None, b"[DONE]");
        Ok(())
    }

    fn encode_delta(
        &mut self,
        index: usize,
        delta: &BlockDelta,
        out: &mut Vec<u8>,
    ) -> Result<(), CodecError> {
        match delta {
            BlockDelta::Text(text) if !text.is_empty() => self.write_delta(
                out,
                DeltaOut::Typed(TypedDelta {
                    content: Some(text),
                    ..TypedDelta::default()
                }),
                None,
            ),
            BlockDelta::Thinking(text) if !text.is_empty() => self.write_delta(
                out,
                DeltaOut::Typed(TypedDelta {
                    reasoning_content: Some(text),
                    ..TypedDelta::default()
                }),
                None,
            ),
            BlockDelta::ToolArguments(fragment) => {
                let k = self
                    .tool_blocks
                    .iter()
                    .position(|&b| b == index)
                    .ok_or_else(|| {
                        CodecError::new(format!(
                            "tool arguments for block {index}, which is not an open tool call"
                        ))
                    })?;
                self.write_tool_delta(out, k, None, None, fragment)
            }
            BlockDelta::Other {
                format: WireFormat::OpenAiChat,
                value,
            } if value.is_object() => self.write_delta(out, DeltaOut::Raw(value), None),
            BlockDelta::Text(_)
            | BlockDelta::Thinking(_)
            | BlockDelta::Signature(_)
            | BlockDelta::Other { .. } => Ok(()),
        }
    }

    fn write_tool_delta(
        &self,
        out: &mut Vec<u8>,
        k: usize,
        id: Option<&str>,
        name: Option<&str>,
        arguments: &str,
    ) -> Result<(), CodecError> {
        let call = ToolCallDeltaOut {
            index: k,
            id,
            kind: id.map(|_| "function"),
            function: FunctionDeltaOut { name, arguments },
        };
        self.write_delta(
            out,
            DeltaOut::Typed(TypedDelta {
                tool_calls: Some([call]),
                ..TypedDelta::default()
            }),
            None,
        )
    }

    fn write_delta(
        &self,
        out: &mut Vec<u8>,
        delta: DeltaOut<'_>,
        finish_reason: Option<&str>,
    ) -> Result<(), CodecError> {
        let choice = ChoiceOut {
            index: 0,
            delta,
            logprobs: None,
            finish_reason,
        };
        let chunk = ChunkOut {
            id: &self.id,
            object: "chat.completion.chunk",
            created: self.created.unwrap_or(0),
            model: &self.model,
            choices: std::slice::from_ref(&choice),
            usage: if self.include_usage {
                UsageSlot::Null
            } else {
                UsageSlot::Absent
            },
        };
        write_json_frame(out, None, &chunk)
    }
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
