//! Google Gemini API codec (`generativelanguage` v1beta `models/{model}:generateContent`
//! and `:streamGenerateContent?alt=sse`).
//!
//! Gemini is spoken upstream only: the provider side of the codec contract
//! (`docs/codecs.md`) is what the gateway uses: [`encode_request`], [`decode_response`],
//! [`StreamDecoder`] and [`decode_error`]. The client side ([`decode_request`],
//! [`encode_response`], [`StreamEncoder`], [`encode_error`]) serves the mock provider and
//! test tooling, and lets the codec be checked by round trips.
//!
//! Layout: `wire` holds the serde shapes of the provider side, `request`, `response`,
//! `stream` and `error` one direction each, `client_request` / `client_response` the
//! client side with their own shapes.

mod client_request;
mod client_response;
mod error;
mod request;
mod response;
mod stream;
mod wire;

pub use client_request::decode_request;
pub use client_response::{encode_response, StreamEncoder};
pub use error::{decode_error, encode_error};
pub use request::encode_request;
pub use response::decode_response;
pub use stream::StreamDecoder;

/// The `thoughtSignature` Google documents for replaying function calls that Gemini did
/// not produce (history from another model, or from a client that cannot keep Gemini's
/// signatures). Gemini 3 rejects a replayed `functionCall` without a signature; this value
/// tells it to skip the check.
pub const DUMMY_THOUGHT_SIGNATURE: &str = "skip_thought_signature_validator";

#[cfg(test)]
mod tests;
