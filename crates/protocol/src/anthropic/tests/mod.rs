//! Fixture-driven tests of the Anthropic codec. Fixtures under
//! `crates/protocol/tests/fixtures/anthropic/` are example payloads from Anthropic's API
//! reference and guides (Messages, streaming, tool use, extended thinking, web search,
//! errors).

mod request;
mod response;
mod stream;

use serde_json::Value;

/// A fixture's text.
pub(super) fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/anthropic/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fixture parsed as JSON.
pub(super) fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// Splits an SSE transcript into (event name, data) pairs.
pub(super) fn sse_frames(text: &str) -> Vec<(Option<String>, String)> {
    text.split("\n\n")
        .filter(|chunk| !chunk.trim().is_empty())
        .map(|chunk| {
            let mut event = None;
            let mut data = Vec::new();
            for line in chunk.lines() {
                if let Some(name) = line.strip_prefix("event: ") {
                    event = Some(name.to_owned());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push(d);
                }
            }
            (event, data.join("\n"))
        })
        .collect()
}
