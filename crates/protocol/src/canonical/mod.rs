//! The one internal representation of chat requests, responses and stream events.
//!
//! Every wire format converts to and from these types, so N formats cost 2N conversions.
//! What a format carries that this model does not understand rides along in `extra` maps
//! (tagged by the [`WireFormat`] it came from), so that a route whose client and provider
//! share a format re-emits it unchanged.
//!
//! A complete answer and a stream convert into each other: [`replay::events_of`] turns an
//! answer into the events a stream would carry, [`StreamAccumulator`] folds events back
//! into the answer.

mod accumulate;
pub mod replay;
mod request;
mod response;
mod stream;
#[cfg(test)]
mod tests;

pub use accumulate::{IncompleteStream, StreamAccumulator};
pub use request::*;
pub use response::*;
pub use stream::*;

/// Fields of a wire object that the canonical model does not model, kept verbatim.
pub type Extras = serde_json::Map<String, serde_json::Value>;

/// A wire format spoken by a client or a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireFormat {
    /// OpenAI chat completions (also Azure OpenAI and every OpenAI-compatible server).
    OpenAiChat,
    /// The OpenAI Responses API (`POST /v1/responses`), which Codex CLI speaks.
    OpenAiResponses,
    /// Anthropic Messages.
    Anthropic,
    /// Google Gemini `generateContent`.
    Gemini,
}

impl WireFormat {
    /// A short stable name, used in headers, logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenAiChat => "openai",
            Self::OpenAiResponses => "openai_responses",
            Self::Anthropic => "anthropic",
            Self::Gemini => "gemini",
        }
    }
}
