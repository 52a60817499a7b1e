//! Anthropic Messages API codec (`POST /v1/messages`), both directions.
//!
//! Client side: [`decode_request`], [`encode_response`], [`StreamEncoder`], [`encode_error`].
//! Provider side: [`encode_request`], [`decode_response`], [`StreamDecoder`], [`decode_error`].
//!
//! Same-format fidelity is the point of this module: coding agents replay signed thinking
//! blocks, set `cache_control` breakpoints and use server tools and beta fields. Everything
//! this codec does not model rides in `extra` maps or `ContentPart::Other` /
//! `Tool::Other` tagged [`WireFormat::Anthropic`](crate::WireFormat), and is re-emitted only
//! to an Anthropic upstream or client. Tool-call arguments are kept as the exact JSON text
//! the client sent (via `RawValue`), so `tool_use.input` goes upstream byte for byte.
//!
//! Documented deviations and choices:
//! - [`encode_request`] takes a third argument, `default_max_tokens`, because Anthropic
//!   requires `max_tokens` and a request decoded from another format may not have one.
//! - `response_format` (JSON object / JSON schema) has no stable Anthropic field: the
//!   encoder appends an instruction to the system prompt (see [`JSON_OBJECT_INSTRUCTION`]).
//! - Tool-call arguments that are not a JSON object (empty, invalid, or another JSON type,
//!   e.g. a truncated OpenAI argument string replayed from history) are sent as `input: {}`:
//!   Anthropic only accepts an object, and refusing the whole conversation would break
//!   histories that other providers accept.
//! - Thinking blocks are sent upstream only when the request came from an Anthropic client
//!   and the block carries a non-empty signature: Anthropic rejects unsigned blocks and
//!   signatures minted by other providers.
//! - `role: "system"` messages inside `messages` (the `mid-conversation-system` beta, sent
//!   by Claude Code) are canonical system messages at their place. The encoder hoists the
//!   system messages before the first user or assistant message into `system` and, for an
//!   Anthropic client, writes later ones back in place; so a client's own leading
//!   `role: "system"` message (before any other, with no top-level `system`) goes upstream
//!   as `system`, the one non-identical but equivalent rewrite. Other formats fold the text
//!   in as they can (OpenAI: in place; Gemini: into `systemInstruction`).
//! - `output_config.format` (structured outputs) also becomes the canonical
//!   `response_format`, so that other formats ask for the same JSON; `output_config` itself,
//!   `thinking` (e.g. `{type: "adaptive"}`) and other unknown fields stay in `extra`,
//!   which only an Anthropic upstream receives.
//! - Anthropic has no `created` timestamp: decoded responses carry `created: 0`.
//! - Usage fields the canonical model lacks (`service_tier`, `server_tool_use`,
//!   `cache_creation` breakdown, ...) are kept under the key `usage` of the response's
//!   `extra` and merged back into `usage` by [`encode_response`].

mod block_decode;
mod block_encode;
mod error;
mod request_decode;
mod request_encode;
mod response_decode;
mod response_encode;
mod stream_decode;
mod stream_encode;
mod wire;

#[cfg(test)]
mod tests;

pub use error::{decode_error, encode_error};
pub use request_decode::decode_request;
pub use request_encode::{encode_request, JSON_OBJECT_INSTRUCTION, JSON_SCHEMA_INSTRUCTION};
pub use response_decode::decode_response;
pub use response_encode::encode_response;
pub use stream_decode::StreamDecoder;
pub use stream_encode::StreamEncoder;
