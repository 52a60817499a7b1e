//! Client side: a canonical [`ChatResponse`] as a complete (non-streamed) Message.

use super::block_encode::{emits, BlockOut, ExtrasOut, Target};
use super::response_decode::USAGE_EXTRA;
use super::wire::{encode_stop_reason, UsageOut};
use crate::{to_json_vec, ChatResponse, CodecError, WireFormat};
use serde::Serialize;
use serde_json::Value;

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
