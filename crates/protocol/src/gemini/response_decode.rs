//! Gemini `GenerateContentResponse` -> canonical response (the provider side), and the
//! pieces of that mapping the stream decoder shares.

use super::wire::{PartIn, ResponseIn, UsageIn};
use crate::canonical::{ChatResponse, ContentPart, Extras, StopReason, Usage, WireFormat};
use crate::error::CodecError;
use serde_json::Value;

/// Decodes a complete Gemini answer.
///
/// - Only the first candidate is read: the gateway never asks for more than one.
/// - Text parts become `Text`, `thought: true` parts `Thinking`, `functionCall` parts
///   `ToolCall` (id from the part when Gemini sends one, else `call_{response id}_{n}`,
///   unique across the turns of a conversation), any other part kind `Other`. Parts
///   without content (an empty text that only carries a `thoughtSignature`) are dropped:
///   they would surface as empty blocks in other formats.
/// - A part's `thoughtSignature` is kept in the part's `extra` (also for thinking parts,
///   not in `Thinking::signature`): the signature is Gemini's, and only extras are
///   guaranteed never to reach another provider.
/// - `STOP` is `ToolUse` when the answer calls functions, else `EndTurn` (Gemini reports
///   stop sequences as `STOP` too); a prompt blocked before generation (no candidates,
///   `promptFeedback.blockReason`) is `ContentFilter` with no content.
/// - The id is `responseId`, or `gemini-<hash of the body>` when absent (deterministic,
///   as codecs are pure). The Gemini API reports no creation time, so `created` is 0.
/// - Unmodelled fields stay in `extra` in their wire position: top-level ones as they are,
///   the first candidate's under `candidates: [{..}]`, usage details under `usageMetadata`.
pub fn decode_response(body: &[u8]) -> Result<ChatResponse, CodecError> {
    let resp: ResponseIn<'_> = crate::json_guard::from_upstream_json(body)?;
    if let Some(err) = resp.error {
        let (kind, message) = err.into_pair();
        return Err(CodecError::field(
            "error",
            format!("upstream error {kind}: {message}"),
        ));
    }
    let id = resp.response_id.unwrap_or_else(|| synthetic_id(body));
    let mut extra = resp.extra;
    let mut content = Vec::new();

    let stop_reason = match resp.candidates.into_iter().next() {
        Some(candidate) => {
            let mut calls = 0;
            for part in candidate.content.into_iter().flat_map(|c| c.parts) {
                if let Some(p) = convert_part(part, &id, &mut calls) {
                    content.push(p);
                }
            }
            if !candidate.extra.is_empty() {
                extra.insert(
                    "candidates".to_owned(),
                    Value::Array(vec![Value::Object(candidate.extra)]),
                );
            }
            stop_reason(
                candidate.finish_reason.as_deref().unwrap_or("STOP"),
                calls > 0,
            )
        }
        None if block_reason(&extra).is_some() => StopReason::ContentFilter,
        None => {
            return Err(CodecError::field(
                "candidates",
                "the response has neither candidates nor a prompt block reason",
            ))
        }
    };

    let usage = match resp.usage_metadata {
        Some(u) => {
            let usage = usage(&u);
            if !u.extra.is_empty() {
                extra.insert("usageMetadata".to_owned(), Value::Object(u.extra));
            }
            usage
        }
        None => Usage::default(),
    };

    Ok(ChatResponse {
        id,
        model: resp.model_version.unwrap_or_default(),
        content,
        stop_reason,
        usage,
        created: 0,
        source: WireFormat::Gemini,
        extra,
    })
}

/// One response part as canonical content; `None` for a part without content.
/// `calls` counts the function calls so far (for generated ids).
fn convert_part(part: PartIn<'_>, response_id: &str, calls: &mut usize) -> Option<ContentPart> {
    let PartIn {
        text,
        thought,
        thought_signature,
        function_call,
        mut extra,
    } = part;
    if let Some(call) = function_call {
        keep_signature(&mut extra, thought_signature);
        let id = call.id.unwrap_or_else(|| call_id(response_id, *calls));
        *calls += 1;
        return Some(ContentPart::ToolCall {
            id,
            name: call.name,
            arguments: call
                .args
                .map_or_else(|| "{}".to_owned(), |a| a.get().to_owned()),
            extra,
        });
    }
    match text {
        Some(text) if text.is_empty() => None,
        Some(text) => {
            keep_signature(&mut extra, thought_signature);
            Some(if thought == Some(true) {
                ContentPart::Thinking {
                    text,
                    signature: None,
                    extra,
                }
            } else {
                ContentPart::Text { text, extra }
            })
        }
        None if extra.is_empty() => None,
        None => Some(ContentPart::Other {
            format: WireFormat::Gemini,
            value: Value::Object(raw_part(extra, thought, thought_signature)),
        }),
    }
}

/// Keeps a part's `thoughtSignature` among its extras.
pub(super) fn keep_signature(extra: &mut Extras, signature: Option<String>) {
    if let Some(sig) = signature {
        extra.insert("thoughtSignature".to_owned(), Value::String(sig));
    }
}

/// Rebuilds a part of an unmodelled kind from its pieces.
pub(super) fn raw_part(
    mut extra: Extras,
    thought: Option<bool>,
    signature: Option<String>,
) -> Extras {
    if let Some(t) = thought {
        extra.insert("thought".to_owned(), Value::Bool(t));
    }
    keep_signature(&mut extra, signature);
    extra
}

/// Canonical stop reason for a Gemini `finishReason`.
pub(super) fn stop_reason(finish_reason: &str, called_tools: bool) -> StopReason {
    match finish_reason {
        "STOP" if called_tools => StopReason::ToolUse,
        "STOP" => StopReason::EndTurn,
        "MAX_TOKENS" => StopReason::MaxTokens,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => {
            StopReason::ContentFilter
        }
        other => StopReason::Other(other.to_owned()),
    }
}

/// Canonical usage from `usageMetadata`.
///
/// `promptTokenCount` already includes cached content (OpenAI semantics). Output counts
/// the visible candidates plus the thoughts, which Gemini reports apart and bills as
/// output. Tokens of tool-use prompts (e.g. search results) are input.
pub(super) fn usage(u: &UsageIn) -> Usage {
    Usage {
        input_tokens: u.prompt_token_count + u.tool_use_prompt_token_count.unwrap_or(0),
        output_tokens: u.candidates_token_count + u.thoughts_token_count.unwrap_or(0),
        cached_input_tokens: u.cached_content_token_count,
        cache_creation_input_tokens: None,
        reasoning_tokens: u.thoughts_token_count,
    }
}

/// `promptFeedback.blockReason` among a response's unmodelled fields.
pub(super) fn block_reason(extra: &Extras) -> Option<&str> {
    extra
        .get("promptFeedback")?
        .get("blockReason")?
        .as_str()
        .filter(|r| !r.is_empty())
}

/// Id of the `n`-th function call of a response that did not name its calls.
pub(super) fn call_id(response_id: &str, n: usize) -> String {
    format!("call_{response_id}_{n}")
}

/// A stable id for a response without `responseId`: FNV-1a of the bytes. Pure functions
/// cannot draw random ids, and the same body always names the same answer.
pub(super) fn synthetic_id(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("gemini-{hash:016x}")
}
