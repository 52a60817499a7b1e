//! OpenAI chat completions (`POST /v1/chat/completions`), both sides: Switchyard serves
//! OpenAI clients with it and speaks it to OpenAI and every OpenAI-compatible upstream.
//!
//! The functions follow the contract in `docs/codecs.md`. Choices this codec makes where
//! the canonical model and the wire format do not line up one to one:
//!
//! - **`max_completion_tokens`.** Both `max_tokens` and `max_completion_tokens` decode to
//!   canonical `max_tokens`. When the client used `max_completion_tokens`, the request's
//!   `extra` keeps that key (with the value sent), and [`encode_request`] then writes the
//!   canonical limit under that name: the key is OpenAI's own field name, so it means
//!   nothing to other formats (which never see OpenAI extras), and the canonical value
//!   always wins over the stored one. Requests from other formats get `max_tokens`, which
//!   every OpenAI-compatible server understands.
//! - **`stream_options`.** `include_usage` is canonical; other keys (e.g.
//!   `include_obfuscation`) ride in `extra["stream_options"]` and are merged into the
//!   upstream's `stream_options`, which always asks for usage when streaming and is left out
//!   when not streaming.
//! - **`n`.** Only `n` absent or 1 is accepted (a `CodecError` on `n` otherwise).
//! - **Unknown forms.** Content-part, tool and tool-call types the model does not know
//!   become `Other` values; `tool_choice` / `response_format` forms it cannot express
//!   (`allowed_tools`, a future format type) stay in `extra` under their own key, so an
//!   OpenAI upstream still receives them. `json_schema.description` has no canonical field
//!   and is not kept.
//! - **Images.** A `data:` URL stays an [`ImageSource::Url`](crate::ImageSource); inline
//!   base64 from other formats is written as a `data:` URL. `detail` is the image part's
//!   `detail` extra.
//! - **Tool results.** A `role: "tool"` message decodes to a `Tool` message holding one
//!   `ToolResult`. On encode, tool results anywhere (Anthropic carries them in user
//!   messages) become `role: "tool"` messages placed before the rest of their message;
//!   `is_error` and non-text result parts have no OpenAI equivalent and are dropped.
//! - **Reasoning.** Requests never carry thinking upstream (OpenAI has nothing to replay it
//!   into). Responses and streams decode `reasoning_content` / `reasoning`
//!   (DeepSeek, vLLM, OpenRouter) into thinking, and clients receive thinking as
//!   `reasoning_content`.
//! - **Refusals.** `message.refusal` decodes to an OpenAI `Other` part
//!   `{"type": "refusal", "refusal": ...}` (a streamed refusal to an `Other` block) and is
//!   written back as `refusal`; it is not turned into text, because SDKs check `refusal`
//!   before parsing structured output. Other formats do not receive it.
//! - **Response extras.** Top-level unknown fields (`system_fingerprint`, `service_tier`)
//!   are kept; `choices[0].logprobs` is kept in `extra["logprobs"]` and put back into the
//!   choice. Message-level extras (`annotations`, `audio`) are not kept.
//! - **Finish reasons.** `stop` / `length` / `tool_calls` / `content_filter` map both ways
//!   (`function_call` decodes as a tool call); a reason OpenAI does not define is written
//!   verbatim only in a response that came from an OpenAI-format upstream, else as `stop`.
//! - **Errors.** See [`encode_error`] for the `type` of each error class.

pub mod completions;
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
pub use response_encode::encode_response;
pub use stream_decode::StreamDecoder;
pub use stream_encode::StreamEncoder;

#[cfg(test)]
mod tests;
