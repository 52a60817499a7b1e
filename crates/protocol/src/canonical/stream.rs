//! Canonical stream events.
//!
//! The shape follows content blocks (as Anthropic streams do), because that is the most
//! structured of the formats: OpenAI deltas and Gemini chunks map onto it by tracking which
//! block is open, and an encoder can always produce a flatter format from it.

use super::{StopReason, Usage, WireFormat};
use serde_json::Value;

/// One event of a streamed answer.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// The answer begins. Always the first event.
    Start {
        /// Provider's response id.
        id: String,
        /// The upstream model that answers.
        model: String,
    },
    /// A content block opens. Blocks are numbered from 0 in the order they open; at most
    /// one text or thinking block is open at a time, tool calls may interleave on other
    /// indexes only if the upstream does so.
    BlockStart {
        /// Block index.
        index: usize,
        /// What kind of block.
        block: BlockKind,
    },
    /// More content for an open block.
    Delta {
        /// Block index.
        index: usize,
        /// The content.
        delta: BlockDelta,
    },
    /// A block is complete.
    BlockStop {
        /// Block index.
        index: usize,
    },
    /// Token counts so far (cumulative; the last one wins). May arrive before or after
    /// `Finish`.
    Usage(Usage),
    /// Generation stopped. All blocks are stopped before this.
    Finish {
        /// Why.
        stop_reason: StopReason,
    },
    /// The upstream reported an error inside the stream.
    Error {
        /// The upstream's error type, e.g. `overloaded_error`, verbatim.
        kind: String,
        /// Human-readable message.
        message: String,
    },
}

/// The kind of a content block in a stream.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockKind {
    /// Text.
    Text,
    /// A tool call; arguments follow as `ToolArguments` deltas.
    ToolCall {
        /// Call id.
        id: String,
        /// Tool name.
        name: String,
    },
    /// Reasoning; text follows as `Thinking` deltas, then a `Signature` delta.
    Thinking,
    /// A block the model does not know, verbatim (its `content_block` object).
    Other {
        /// The format it is written in.
        format: WireFormat,
        /// The raw block start object.
        value: Value,
    },
}

/// Incremental content of a block.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockDelta {
    /// Text.
    Text(String),
    /// A fragment of a tool call's JSON arguments.
    ToolArguments(String),
    /// Reasoning text.
    Thinking(String),
    /// The signature of a thinking block.
    Signature(String),
    /// A delta the model does not know, verbatim (its `delta` object).
    Other {
        /// The format it is written in.
        format: WireFormat,
        /// The raw delta object.
        value: Value,
    },
}
