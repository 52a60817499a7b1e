//! Tests of the Responses codec: requests (a recorded Codex turn), answers and streams.

mod request;
mod stream;

/// The request body of a recorded Codex CLI turn.
pub(super) const CODEX_REQUEST: &str =
    include_str!("../../../tests/fixtures/responses/codex_request.json");
