//! Wire shapes and mappings shared by responses and streams: token usage and stop reasons.
//!
//! Anthropic's `input_tokens` counts only the prompt tokens after the last cache
//! breakpoint; `cache_read_input_tokens` and `cache_creation_input_tokens` are reported
//! beside it. Canonical `input_tokens` counts the whole prompt (OpenAI semantics), so the
//! decoder adds the cache figures and the encoder subtracts them.

use crate::{Extras, StopReason, Usage};
use serde::{Deserialize, Serialize};

/// `usage` as Anthropic writes it. Every field is optional: `message_delta` carries only
/// what changed, and documentation examples omit the cache fields.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct WireUsage {
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cache_creation_input_tokens: Option<u64>,
    pub cache_read_input_tokens: Option<u64>,
    /// `service_tier`, `server_tool_use`, `cache_creation` breakdown, ...
    #[serde(flatten)]
    pub extra: Extras,
}

/// Running Anthropic usage figures of one answer (a stream reports them in pieces).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UsageState {
    input: Option<u64>,
    output: Option<u64>,
    cache_creation: Option<u64>,
    cache_read: Option<u64>,
}

impl UsageState {
    /// Overwrites the figures `w` reports (each is cumulative), keeping the others.
    pub fn merge(&mut self, w: &WireUsage) {
        self.input = w.input_tokens.or(self.input);
        self.output = w.output_tokens.or(self.output);
        self.cache_creation = w.cache_creation_input_tokens.or(self.cache_creation);
        self.cache_read = w.cache_read_input_tokens.or(self.cache_read);
    }

    /// The canonical usage: cache figures folded into `input_tokens`.
    pub fn canonical(&self) -> Usage {
        let cache_read = self.cache_read.unwrap_or(0);
        let cache_creation = self.cache_creation.unwrap_or(0);
        Usage {
            input_tokens: self
                .input
                .unwrap_or(0)
                .saturating_add(cache_read)
                .saturating_add(cache_creation),
            output_tokens: self.output.unwrap_or(0),
            cached_input_tokens: self.cache_read,
            cache_creation_input_tokens: self.cache_creation,
            reasoning_tokens: None,
        }
    }
}

/// `usage` to write, from canonical usage. Field order follows the API's responses.
#[derive(Debug, Serialize)]
pub(crate) struct UsageOut<'a> {
    pub input_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    pub output_tokens: u64,
    /// Anthropic usage fields the canonical model lacks (same-format only).
    #[serde(flatten)]
    pub extra: Option<&'a Extras>,
}

impl<'a> UsageOut<'a> {
    /// Anthropic figures for `u`: the cache figures are taken out of `input_tokens`.
    pub fn new(u: &Usage, extra: Option<&'a Extras>) -> Self {
        let cached = u
            .cached_input_tokens
            .unwrap_or(0)
            .saturating_add(u.cache_creation_input_tokens.unwrap_or(0));
        Self {
            input_tokens: u.input_tokens.saturating_sub(cached),
            cache_creation_input_tokens: u.cache_creation_input_tokens,
            cache_read_input_tokens: u.cached_input_tokens,
            output_tokens: u.output_tokens,
            extra,
        }
    }
}

/// The canonical stop reason for Anthropic's `stop_reason` (and `stop_sequence`).
pub(crate) fn decode_stop_reason(reason: Option<String>, sequence: Option<String>) -> StopReason {
    match reason.as_deref() {
        // A complete answer always has a reason; treat a missing one as a natural end.
        None | Some("end_turn") => StopReason::EndTurn,
        Some("max_tokens") => StopReason::MaxTokens,
        Some("stop_sequence") => StopReason::StopSequence(sequence),
        Some("tool_use") => StopReason::ToolUse,
        Some("refusal") => StopReason::ContentFilter,
        Some(_) => StopReason::Other(reason.unwrap_or_default()),
    }
}

/// Stop reasons an Anthropic client may receive beyond the ones modelled.
const KNOWN_OTHER_REASONS: &[&str] = &["pause_turn", "model_context_window_exceeded"];

/// Anthropic's `stop_reason` and `stop_sequence` for a canonical reason. Reasons from
/// other formats that Anthropic clients do not know become `end_turn`.
pub(crate) fn encode_stop_reason(reason: &StopReason) -> (&str, Option<&str>) {
    match reason {
        StopReason::EndTurn => ("end_turn", None),
        StopReason::MaxTokens => ("max_tokens", None),
        StopReason::StopSequence(seq) => ("stop_sequence", seq.as_deref()),
        StopReason::ToolUse => ("tool_use", None),
        StopReason::ContentFilter => ("refusal", None),
        StopReason::Other(s) if KNOWN_OTHER_REASONS.contains(&s.as_str()) => (s, None),
        StopReason::Other(_) => ("end_turn", None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_figures_fold_into_input_and_back() {
        let mut state = UsageState::default();
        state.merge(&WireUsage {
            input_tokens: Some(10),
            output_tokens: Some(1),
            cache_creation_input_tokens: Some(100),
            cache_read_input_tokens: Some(1000),
            extra: Extras::new(),
        });
        let u = state.canonical();
        assert_eq!(u.input_tokens, 1110);
        assert_eq!(u.cached_input_tokens, Some(1000));
        assert_eq!(u.cache_creation_input_tokens, Some(100));
        let out = UsageOut::new(&u, None);
        assert_eq!(out.input_tokens, 10);
        assert_eq!(out.cache_read_input_tokens, Some(1000));
        assert_eq!(out.cache_creation_input_tokens, Some(100));
    }

    #[test]
    fn merge_keeps_unreported_figures() {
        let mut state = UsageState::default();
        state.merge(&WireUsage {
            input_tokens: Some(25),
            output_tokens: Some(1),
            ..WireUsage::default()
        });
        state.merge(&WireUsage {
            output_tokens: Some(15),
            ..WireUsage::default()
        });
        let u = state.canonical();
        assert_eq!((u.input_tokens, u.output_tokens), (25, 15));
        assert_eq!(u.cached_input_tokens, None);
    }

    #[test]
    fn stop_reasons_round_trip() {
        for (wire, seq) in [
            ("end_turn", None),
            ("max_tokens", None),
            ("stop_sequence", Some("###")),
            ("tool_use", None),
            ("refusal", None),
            ("pause_turn", None),
        ] {
            let canon = decode_stop_reason(Some(wire.to_owned()), seq.map(str::to_owned));
            assert_eq!(encode_stop_reason(&canon), (wire, seq));
        }
        assert_eq!(
            encode_stop_reason(&StopReason::Other("function_call".into())),
            ("end_turn", None)
        );
    }
}
