//! Unit tests of the OpenAI chat completions codec against golden fixtures
//! (`crates/protocol/tests/fixtures/openai/`, sources in its README).

mod request;
mod response;
mod stream;
