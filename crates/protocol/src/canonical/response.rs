//! Canonical chat response and token usage.

use super::{ContentPart, Extras, WireFormat};

/// A complete (non-streamed) answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatResponse {
    /// Provider's response id.
    pub id: String,
    /// The upstream model that answered.
    pub model: String,
    /// Assistant content: `Text`, `ToolCall`, `Thinking` or `Other` parts, in order.
    pub content: Vec<ContentPart>,
    /// Why generation stopped.
    pub stop_reason: StopReason,
    /// Tokens used.
    pub usage: Usage,
    /// Unix time (seconds) the answer was created.
    pub created: u64,
    /// The format the response was decoded from (owner of `extra`).
    pub source: WireFormat,
    /// Top-level fields not modelled (e.g. OpenAI `system_fingerprint`, `service_tier`).
    pub extra: Extras,
}

impl ChatResponse {
    /// The extras of this response if they belong to `target`.
    pub fn extras_for(&self, target: WireFormat) -> Option<&Extras> {
        (self.source == target).then_some(&self.extra)
    }

    /// The concatenated text parts of the answer.
    pub fn joined_text(&self) -> String {
        let mut out = String::new();
        for part in &self.content {
            if let ContentPart::Text { text, .. } = part {
                out.push_str(text);
            }
        }
        out
    }
}

/// Why generation stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// Natural end (`stop`, `end_turn`, `STOP`).
    EndTurn,
    /// The token limit was reached (`length`, `max_tokens`, `MAX_TOKENS`).
    MaxTokens,
    /// A stop sequence matched.
    StopSequence(Option<String>),
    /// The model called tools (`tool_calls`, `tool_use`).
    ToolUse,
    /// Output was withheld by a content filter (`content_filter`, `refusal`, `SAFETY`).
    ContentFilter,
    /// A reason the model does not know, verbatim.
    Other(String),
}

/// Tokens used by one request.
///
/// `input_tokens` counts the whole prompt, cached parts included (OpenAI semantics);
/// `cached_input_tokens` and `cache_creation_input_tokens` are subsets of it. Anthropic's
/// `input_tokens` excludes the cache figures, so its codec adds them on the way in and
/// subtracts them on the way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Prompt tokens, cached ones included.
    pub input_tokens: u64,
    /// Generated tokens, reasoning included.
    pub output_tokens: u64,
    /// Prompt tokens read from the provider's prompt cache.
    pub cached_input_tokens: Option<u64>,
    /// Prompt tokens written to the provider's prompt cache (Anthropic).
    pub cache_creation_input_tokens: Option<u64>,
    /// Generated tokens spent on reasoning (a subset of `output_tokens`).
    pub reasoning_tokens: Option<u64>,
}

impl Usage {
    /// Prompt plus completion tokens.
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }

    /// Whether the provider reported usage. Every codec decodes an answer without a usage
    /// object as all zeros, and no real request has zero prompt tokens.
    pub fn is_reported(&self) -> bool {
        *self != Self::default()
    }
}
