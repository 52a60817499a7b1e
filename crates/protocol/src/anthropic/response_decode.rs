//! Provider side: an upstream's complete (non-streamed) Message into a canonical
//! [`ChatResponse`].

use super::block_decode::WireBlock;
use super::wire::{decode_stop_reason, UsageState, WireUsage};
use crate::{ChatResponse, CodecError, Extras, WireFormat};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

/// Key of `ChatResponse::extra` under which the usage fields the canonical model lacks
/// are kept (same-format only), so that `encode_response` can write them back inside
/// `usage`.
pub(super) const USAGE_EXTRA: &str = "usage";

/// A Message object. `type` and `role` are constants and are not kept.
#[derive(Deserialize)]
struct WireResponse {
    id: String,
    // Required by the API reference, but some of its own examples leave it out.
    #[serde(default)]
    model: String,
    #[serde(default)]
    content: Vec<WireBlock>,
    stop_reason: Option<String>,
    stop_sequence: Option<String>,
    #[serde(default)]
    usage: WireUsage,
    #[serde(rename = "type")]
    _kind: Option<IgnoredAny>,
    #[serde(rename = "role")]
    _role: Option<IgnoredAny>,
    #[serde(flatten)]
    extra: Extras,
}

/// Decodes an upstream's complete Anthropic answer.
pub fn decode_response(body: &[u8]) -> Result<ChatResponse, CodecError> {
    let w: WireResponse = crate::json_guard::from_upstream_json(body)?;
    let mut state = UsageState::default();
    state.merge(&w.usage);
    let mut extra = w.extra;
    if !w.usage.extra.is_empty() {
        extra.insert(USAGE_EXTRA.to_owned(), Value::Object(w.usage.extra));
    }
    Ok(ChatResponse {
        id: w.id,
        model: w.model,
        content: w.content.into_iter().map(|b| b.0).collect(),
        stop_reason: decode_stop_reason(w.stop_reason, w.stop_sequence),
        usage: state.canonical(),
        // Anthropic does not say when; the gateway stamps its own time if it needs one.
        created: 0,
        source: WireFormat::Anthropic,
        extra,
    })
}
