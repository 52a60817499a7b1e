//! Google Gemini API codec (`generativelanguage` v1beta `models/{model}:generateContent`
//! and `:streamGenerateContent?alt=sse`).
//!
//! Gemini is spoken upstream only: the provider side of the codec contract
//! (`docs/codecs.md`) is what the gateway uses: [`encode_request`], [`decode_response`],
//! [`StreamDecoder`] and [`decode_error`], plus [`encode_error`] for the dispatch in
//! [`crate::codec`]. The client side (`decode_request`, `encode_response`, `StreamEncoder`)
//! is compiled for tests only: nothing serves Gemini to clients (the mock provider writes
//! its Gemini answers itself), and its use is to check the provider side by round trips.
//!
//! Layout, as in every format: `request_decode` / `request_encode`, `response_decode` /
//! `response_encode`, `stream_decode` / `stream_encode`, `error`, and `wire` for the serde
//! shapes the provider side shares. The test-only client side keeps its own shapes.

mod error;
#[cfg(test)]
mod request_decode;
mod request_encode;
mod response_decode;
#[cfg(test)]
mod response_encode;
mod stream_decode;
#[cfg(test)]
mod stream_encode;
mod wire;

pub use error::{decode_error, encode_error};
pub use request_encode::encode_request;
pub use response_decode::decode_response;
pub use stream_decode::StreamDecoder;
#[cfg(test)]
pub(crate) use {
    request_decode::decode_request, response_encode::encode_response, stream_encode::StreamEncoder,
};

/// The `thoughtSignature` Google documents for replaying function calls that Gemini did
/// not produce (history from another model, or from a client that cannot keep Gemini's
/// signatures). Gemini 3 rejects a replayed `functionCall` without a signature; this value
/// tells it to skip the check.
pub const DUMMY_THOUGHT_SIGNATURE: &str = "skip_thought_signature_validator";

#[cfg(test)]
mod tests;
