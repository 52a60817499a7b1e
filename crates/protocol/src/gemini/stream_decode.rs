//! Gemini `streamGenerateContent?alt=sse` events -> canonical stream events.

use super::response_decode::{call_id, raw_part, stop_reason, synthetic_id, usage};
use super::wire::{ChunkIn, PartIn};
use crate::canonical::{BlockDelta, BlockKind, StopReason, StreamEvent, Usage, WireFormat};
use crate::error::CodecError;
use crate::sse::SseEvent;
use serde_json::Value;

/// Turns the upstream's SSE events into canonical events.
///
/// Every `data:` of a Gemini stream is a complete `GenerateContentResponse` holding the
/// next slice of the answer. The decoder maps them onto content blocks:
/// - the first chunk yields `Start` (id from `responseId`, else a hash of the chunk);
/// - text parts continue the open text block (or open one), `thought: true` parts the
///   open thinking block, closing a block of the other kind first;
/// - each `functionCall` part arrives whole, so it is a complete tool-call block:
///   `BlockStart`, one `ToolArguments` delta with the full JSON, `BlockStop`;
/// - any other part kind is a `BlockKind::Other` block opened and closed at once;
/// - `usageMetadata` (cumulative in every chunk) yields `Usage` when it changed;
/// - the chunk with `finishReason` closes the open block, then yields its usage and
///   `Finish`; the stream is then complete. A prompt blocked before generation (a chunk with
///   `promptFeedback.blockReason` and no candidates) finishes with `ContentFilter`;
/// - an `{"error": {...}}` payload yields `Error` with the status name as kind.
///
/// `thoughtSignature`s are not forwarded: a canonical stream has no Gemini-private channel
/// and a signature is of no use to any other format.
#[derive(Debug, Default)]
pub struct StreamDecoder {
    /// Response id once `Start` was emitted.
    id: Option<String>,
    /// Index the next block will get.
    next_index: usize,
    /// The open text or thinking block.
    open: Option<(usize, OpenBlock)>,
    /// Function calls so far (for generated ids).
    calls: usize,
    /// Last usage emitted, to skip repeats.
    last_usage: Option<Usage>,
    /// `finishReason` (or a prompt block) was seen.
    complete: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpenBlock {
    Text,
    Thinking,
}

impl StreamDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// True once the upstream sent a chunk with `finishReason` (or reported the prompt
    /// blocked); a stream that ends before this was cut.
    pub fn is_complete(&self) -> bool {
        self.complete
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
        let chunk: ChunkIn<'_> = crate::json_guard::from_upstream_json(data.as_bytes())?;
        if let Some(err) = chunk.error {
            let (kind, message) = err.into_pair();
            out.push(StreamEvent::Error { kind, message });
            return Ok(());
        }
        if self.id.is_none() {
            let id = chunk
                .response_id
                .unwrap_or_else(|| synthetic_id(data.as_bytes()));
            out.push(StreamEvent::Start {
                id: id.clone(),
                model: chunk.model_version.unwrap_or_default(),
            });
            self.id = Some(id);
        }

        let mut finish_reason = None;
        let had_candidates = !chunk.candidates.is_empty();
        if let Some(candidate) = chunk.candidates.into_iter().next() {
            // Content after the end is not part of the answer the client was told about.
            if !self.complete {
                for part in candidate.content.into_iter().flat_map(|c| c.parts) {
                    self.part(part, out);
                }
            }
            finish_reason = candidate.finish_reason.filter(|r| !r.is_empty());
        }

        let stop = match finish_reason {
            _ if self.complete => None,
            Some(reason) => Some(stop_reason(&reason, self.calls > 0)),
            None if !had_candidates
                && chunk
                    .prompt_feedback
                    .and_then(|f| f.block_reason)
                    .is_some_and(|r| !r.is_empty()) =>
            {
                Some(StopReason::ContentFilter)
            }
            None => None,
        };
        // Blocks close before the final usage and `Finish`, so that an encoder sees the
        // answer's end in the order every format writes it.
        if stop.is_some() {
            self.close(out);
        }
        if let Some(u) = &chunk.usage_metadata {
            let u = usage(u);
            // Early chunks may carry usage without counts (only `trafficType`).
            if u != Usage::default() && self.last_usage != Some(u) {
                self.last_usage = Some(u);
                out.push(StreamEvent::Usage(u));
            }
        }
        if let Some(stop_reason) = stop {
            out.push(StreamEvent::Finish { stop_reason });
            self.complete = true;
        }
        Ok(())
    }

    /// Events for one part.
    fn part(&mut self, part: PartIn<'_>, out: &mut Vec<StreamEvent>) {
        let PartIn {
            text,
            thought,
            thought_signature,
            function_call,
            extra,
        } = part;
        if let Some(call) = function_call {
            self.close(out);
            let index = self.take_index();
            let id = call
                .id
                .unwrap_or_else(|| call_id(self.id.as_deref().unwrap_or_default(), self.calls));
            self.calls += 1;
            out.push(StreamEvent::BlockStart {
                index,
                block: BlockKind::ToolCall {
                    id,
                    name: call.name,
                },
            });
            let args = call
                .args
                .map_or_else(|| "{}".to_owned(), |a| a.get().to_owned());
            out.push(StreamEvent::Delta {
                index,
                delta: BlockDelta::ToolArguments(args),
            });
            out.push(StreamEvent::BlockStop { index });
            return;
        }
        match text {
            Some(text) if text.is_empty() => {}
            Some(text) => {
                let kind = if thought == Some(true) {
                    OpenBlock::Thinking
                } else {
                    OpenBlock::Text
                };
                let index = match self.open {
                    Some((index, open)) if open == kind => index,
                    _ => {
                        self.close(out);
                        let index = self.take_index();
                        out.push(StreamEvent::BlockStart {
                            index,
                            block: match kind {
                                OpenBlock::Text => BlockKind::Text,
                                OpenBlock::Thinking => BlockKind::Thinking,
                            },
                        });
                        self.open = Some((index, kind));
                        index
                    }
                };
                let delta = match kind {
                    OpenBlock::Text => BlockDelta::Text(text),
                    OpenBlock::Thinking => BlockDelta::Thinking(text),
                };
                out.push(StreamEvent::Delta { index, delta });
            }
            None if extra.is_empty() => {}
            None => {
                self.close(out);
                let index = self.take_index();
                let value = Value::Object(raw_part(extra, thought, thought_signature));
                out.push(StreamEvent::BlockStart {
                    index,
                    block: BlockKind::Other {
                        format: WireFormat::Gemini,
                        value,
                    },
                });
                out.push(StreamEvent::BlockStop { index });
            }
        }
    }

    /// Closes the open text or thinking block, if any.
    fn close(&mut self, out: &mut Vec<StreamEvent>) {
        if let Some((index, _)) = self.open.take() {
            out.push(StreamEvent::BlockStop { index });
        }
    }

    /// The next block index.
    fn take_index(&mut self) -> usize {
        let index = self.next_index;
        self.next_index += 1;
        index
    }
}
