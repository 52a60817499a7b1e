//! The OpenAI Responses API (`POST /v1/responses`), both sides: Switchyard serves Responses
//! clients (Codex CLI speaks nothing else) with it, and speaks it to an OpenAI upstream
//! configured `responses = "native"`, so that a Responses client reaches OpenAI losslessly.
//!
//! The functions follow the contract in `docs/codecs.md`. Choices this codec makes where
//! the canonical model and the wire format do not line up one to one:
//!
//! - **Items and messages.** `instructions` becomes a leading system message marked in its
//!   `extra`, written back as `instructions`. The items of one model turn (`reasoning`, an
//!   assistant `message`, `function_call`, `custom_tool_call`) are one assistant message, as
//!   every other format needs them; each `function_call_output` is a tool message. Items of
//!   kinds the model does not know (hosted tool calls, item references) are `Other` parts,
//!   written back in place.
//! - **Freeform tools.** A `custom` tool (Codex's `apply_patch`) is a function tool with one
//!   string parameter, `input` (described with the tool's grammar), so that every upstream
//!   can call it; `type` and `format` stay in its `extra`, so this format gets the tool back
//!   as sent. Calls of it carry `{"input": "<text>"}` as arguments and are written to the
//!   client as `custom_tool_call` items with the text as `input`: the encoders know the
//!   request's freeform tools through [`Echo`].
//! - **Reasoning.** A `reasoning` item is a thinking part whose text is the summary and whose
//!   `extra` holds the item (id, `encrypted_content`), replayed only to this format.
//!   Thinking from other upstreams reaches the client as a reasoning item with the thinking
//!   as its summary.
//! - **Request echo.** A `response` object repeats its request (`instructions`, `tools`,
//!   `reasoning`, `store`, …): [`Echo::of`] takes them from the request, and
//!   [`encode_response_to`] / [`StreamEncoder::for_request`] write them.
//! - **No store.** `previous_response_id` is refused with a 400 that asks for the history:
//!   the gateway stores no responses.
//! - **Errors.** OpenAI's error shape (see [`crate::openai::encode_error`]). A stream that
//!   breaks ends with an `error` event and `response.failed`.

mod error;
mod request_decode;
mod request_encode;
mod response_decode;
mod response_encode;
mod stream_decode;
mod stream_encode;
mod wire;

pub use error::{decode_error, encode_error};
pub use request_decode::decode_request;
pub use request_encode::encode_request;
pub use response_decode::decode_response;
pub use response_encode::{encode_response, encode_response_to, Echo};
pub use stream_decode::StreamDecoder;
pub use stream_encode::StreamEncoder;

#[cfg(test)]
mod tests;
