//! Switchyard's canonical chat model and one codec per wire format.
//!
//! Everything here is pure (no IO): codecs turn wire JSON into [`canonical`] types and back.
//! Client-facing formats (OpenAI chat, OpenAI Responses, Anthropic messages) have both directions for both
//! sides; Gemini is spoken upstream only.

pub mod anthropic;
pub mod canonical;
pub mod codec;
mod error;
pub mod gemini;
mod json_guard;
pub mod openai;
pub mod responses;
pub mod sse;
mod sse_decode;

pub use canonical::*;
pub use error::{from_json_slice, to_json_vec, ApiError, CodecError, ErrorKind};
pub use json_guard::{decode_json_object, depth_within_limit, MAX_DEPTH};
pub use sse::SseEvent;
pub use sse_decode::SseDecoder;

#[cfg(test)]
mod tests;
