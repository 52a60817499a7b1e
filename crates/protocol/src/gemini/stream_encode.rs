//! Client side (test-only): canonical stream events as Gemini
//! `streamGenerateContent?alt=sse` chunks.

use super::response_decode::call_id;
use super::response_encode::{
    finish_reason, raw_args, CandidateOut, ContentOut, FunctionCallOut, PartData, PartOut,
    ResponseOut, UsageOut,
};
use super::wire::ExtrasOut;
use crate::canonical::{BlockDelta, BlockKind, StopReason, StreamEvent, Usage, WireFormat};
use crate::error::CodecError;
use crate::sse::write_json_frame;
use serde::Serialize;

/// Writes canonical stream events as Gemini `streamGenerateContent?alt=sse` chunks.
///
/// Each text or thinking delta is one chunk; a tool call is buffered until its block
/// stops and sent whole, as Gemini does. Usage is held back and sent with the final
/// chunk (`finishReason` + `usageMetadata`), which [`finish`](Self::finish) writes: Gemini
/// streams have no other end marker. Every chunk repeats `responseId` and `modelVersion`,
/// as the API's chunks do.
#[derive(Debug, Default)]
pub struct StreamEncoder {
    id: String,
    model: String,
    /// Open tool-call blocks: `(index, id, name, arguments so far)`.
    calls: Vec<(usize, String, String, String)>,
    /// Calls sent, for deciding whether an id was generated.
    sent_calls: usize,
    usage: Usage,
    stop: Option<StopReason>,
}

impl StreamEncoder {
    /// A new encoder. Gemini streams always carry usage, so `include_usage` changes
    /// nothing.
    pub fn new(include_usage: bool) -> Self {
        let _ = include_usage;
        Self::default()
    }

    /// Appends zero or more complete SSE frames for `event` to `out`.
    pub fn encode(&mut self, event: &StreamEvent, out: &mut Vec<u8>) -> Result<(), CodecError> {
        match event {
            StreamEvent::Start { id, model } => {
                self.id.clone_from(id);
                self.model.clone_from(model);
            }
            StreamEvent::BlockStart { index, block } => match block {
                BlockKind::ToolCall { id, name } => {
                    self.calls
                        .push((*index, id.clone(), name.clone(), String::new()));
                }
                BlockKind::Other { format, value } if *format == WireFormat::Gemini => {
                    self.chunk(vec![PartOut::Raw(value)], out)?;
                }
                BlockKind::Text | BlockKind::Thinking | BlockKind::Other { .. } => {}
            },
            StreamEvent::Delta { index, delta } => match delta {
                BlockDelta::Text(text) => {
                    let part = PartOut::known(PartData::Text(text), None, ExtrasOut::NONE);
                    self.chunk(vec![part], out)?;
                }
                BlockDelta::Thinking(text) => {
                    let part = PartOut::known(PartData::Text(text), Some(true), ExtrasOut::NONE);
                    self.chunk(vec![part], out)?;
                }
                BlockDelta::ToolArguments(fragment) => {
                    if let Some(call) = self.calls.iter_mut().find(|c| c.0 == *index) {
                        call.3.push_str(fragment);
                    }
                }
                BlockDelta::Signature(_) | BlockDelta::Other { .. } => {}
            },
            StreamEvent::BlockStop { index } => {
                if let Some(pos) = self.calls.iter().position(|c| c.0 == *index) {
                    let (_, id, name, arguments) = self.calls.remove(pos);
                    let generated = call_id(&self.id, self.sent_calls);
                    self.sent_calls += 1;
                    let args = raw_args(&arguments)?;
                    let call = FunctionCallOut {
                        id: (id != generated).then_some(id.as_str()),
                        name: &name,
                        args,
                    };
                    let part = PartOut::known(PartData::FunctionCall(call), None, ExtrasOut::NONE);
                    self.chunk(vec![part], out)?;
                }
            }
            StreamEvent::Usage(usage) => self.usage = *usage,
            StreamEvent::Finish { stop_reason } => self.stop = Some(stop_reason.clone()),
            StreamEvent::Error { kind, message } => {
                let body = ErrorOut {
                    error: ErrorBody {
                        code: status_code(kind),
                        message,
                        status: kind,
                    },
                };
                write_json_frame(out, None, &body)?;
            }
        }
        Ok(())
    }

    /// Appends the final chunk: `finishReason` and the usage of the whole answer.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        let stop = self.stop.take().unwrap_or(StopReason::EndTurn);
        let body = ResponseOut {
            candidates: vec![CandidateOut {
                content: None,
                finish_reason: finish_reason(&stop),
                extra: ExtrasOut::NONE,
            }],
            usage_metadata: UsageOut::new(&self.usage, None),
            model_version: &self.model,
            response_id: &self.id,
            extra: ExtrasOut::NONE,
        };
        write_json_frame(out, None, &body)
    }

    /// One chunk carrying `parts`.
    fn chunk(&self, parts: Vec<PartOut<'_>>, out: &mut Vec<u8>) -> Result<(), CodecError> {
        let body = ChunkOut {
            candidates: [ChunkCandidate {
                content: ContentOut {
                    role: "model",
                    parts,
                },
            }],
            model_version: &self.model,
            response_id: &self.id,
        };
        write_json_frame(out, None, &body)
    }
}

/// The HTTP code Google pairs with a status name (500 for names it does not know).
fn status_code(status: &str) -> u16 {
    match status {
        "INVALID_ARGUMENT" | "FAILED_PRECONDITION" | "OUT_OF_RANGE" => 400,
        "UNAUTHENTICATED" => 401,
        "PERMISSION_DENIED" => 403,
        "NOT_FOUND" => 404,
        "RESOURCE_EXHAUSTED" => 429,
        "UNAVAILABLE" => 503,
        "DEADLINE_EXCEEDED" => 504,
        _ => 500,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChunkOut<'a> {
    candidates: [ChunkCandidate<'a>; 1],
    #[serde(skip_serializing_if = "str::is_empty")]
    model_version: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    response_id: &'a str,
}

#[derive(Serialize)]
struct ChunkCandidate<'a> {
    content: ContentOut<'a>,
}

#[derive(Serialize)]
struct ErrorOut<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: u16,
    message: &'a str,
    status: &'a str,
}
