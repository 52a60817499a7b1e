//! Complete (non-streamed) answers: decoding an upstream's Message, encoding one for a
//! client.

use super::block_de::WireBlock;
use super::block_ser::{emits, BlockOut, ExtrasOut, Target};
use super::usage::{decode_stop_reason, encode_stop_reason, UsageOut, UsageState, WireUsage};
use crate::{to_json_vec, ChatResponse, CodecError, Extras, WireFormat};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Key of `ChatResponse::extra` under which the usage fields the canonical model lacks
/// are kept (same-format only), so that `encode_response` can write them back inside
/// `usage`.
const USAGE_EXTRA: &str = "usage";

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

#[derive(Serialize)]
struct ResponseOut<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    role: &'static str,
    model: &'a str,
    content: Vec<BlockOut<'a>>,
    stop_reason: &'a str,
    stop_sequence: Option<&'a str>,
    usage: UsageOut<'a>,
    #[serde(flatten)]
    extra: ExtrasOut<'a>,
}

/// Encodes a complete answer for an Anthropic client.
pub fn encode_response(resp: &ChatResponse) -> Result<Vec<u8>, CodecError> {
    let extras = resp.extras_for(WireFormat::Anthropic);
    let own = extras.is_some();
    let usage_extra = extras
        .and_then(|e| e.get(USAGE_EXTRA))
        .and_then(Value::as_object);
    let (stop_reason, stop_sequence) = encode_stop_reason(&resp.stop_reason);
    let out = ResponseOut {
        id: &resp.id,
        kind: "message",
        role: "assistant",
        model: &resp.model,
        content: resp
            .content
            .iter()
            .filter(|p| emits(p, own, Target::Response))
            .map(|part| BlockOut {
                part,
                own,
                target: Target::Response,
            })
            .collect(),
        stop_reason,
        stop_sequence,
        usage: UsageOut::new(&resp.usage, usage_extra),
        extra: ExtrasOut {
            map: extras,
            skip: &[
                "id",
                "type",
                "role",
                "model",
                "content",
                "stop_reason",
                "stop_sequence",
                USAGE_EXTRA,
            ],
        },
    };
    to_json_vec(&out)
}
