//! `switchyard-mock`: a programmable fake LLM provider.
//!
//! It speaks the OpenAI chat completions (and Azure OpenAI), OpenAI Responses, Anthropic Messages and Gemini
//! `generateContent` wire formats plus OpenAI embeddings, streamed or not, and writes their
//! JSON itself, independently of Switchyard's protocol crate, so that it checks the
//! gateway's codecs rather than mirroring them. Latency, time to first token, token pace
//! and faults (error statuses, refused/dropped/hung connections, streams cut short) are set
//! by a [`MockBehavior`], for all endpoint families or per [`Family`], in process or over
//! HTTP (`/_mock/config`); `/_mock/stats` tells what reached it.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use switchyard_mock::{Fault, Family, MockBehavior, MockServer};
//!
//! let server = MockServer::start(MockBehavior::default()).await?;
//! let base = server.url(); // http://127.0.0.1:PORT
//! server.set_family_behavior(
//!     Family::Anthropic,
//!     MockBehavior {
//!         fault: Fault::Status { code: 529, rate: 1.0, retry_after: Some(1), body: None },
//!         ..MockBehavior::default()
//!     },
//! );
//! // ... drive the gateway against `base` ...
//! assert_eq!(server.stats().faults_injected, 0);
//! server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Endpoints: `POST /v1/chat/completions`, `POST /v1/completions` (legacy, with `suffix`),
//! `POST /v1/fim/completions` (Mistral's fill in the middle),
//! `POST /v1/responses`,
//! `POST /openai/deployments/{deployment}/chat/completions?api-version=...`,
//! `POST /v1/messages`, `POST /v1beta/models/{model}:generateContent`,
//! `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`, `POST /v1/embeddings`,
//! `GET /v1/models`; control: `GET /_mock/stats`, `POST /_mock/reset`,
//! `GET|POST|DELETE /_mock/config[?family=...]`.

#![warn(missing_docs)]

mod anthropic;
mod behavior;
mod completions;
mod demo;
mod demo_docs;
mod demo_review;
mod gemini;
mod openai;
mod reply;
mod responses;
mod routes;
mod server;
mod shared;
mod stats;

pub use behavior::{Family, Fault, MockBehavior, UnknownFamily};
pub use server::MockServer;
pub use stats::{EndpointCounts, LastRequest, MockStats, REDACTED};

#[cfg(test)]
mod tests {
    #[test]
    fn handle_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<super::MockServer>();
        check::<super::MockBehavior>();
        check::<super::MockStats>();
    }
}
