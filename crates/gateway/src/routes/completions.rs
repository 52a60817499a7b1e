//! `POST /v1/completions` (OpenAI legacy completions, with `suffix` for fill in the middle)
//! and `POST /v1/fim/completions` (Codestral's shape: the same request, answered as a chat
//! completion): decode with the completions codec, run the pipeline, encode.

use super::serve;
use crate::{context::RequestId, pipeline::PipelineRequest, state::AppState};
use axum::{
    extract::{Request, State},
    response::Response,
    Extension,
};
use std::sync::Arc;
use switchyard_protocol::{codec, WireFormat};

/// OpenAI legacy completions: answered as `text_completion` objects and chunks.
pub async fn legacy(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    request: Request,
) -> Response {
    handle(
        state,
        WireFormat::OpenAiCompletions,
        "/v1/completions",
        id,
        request,
    )
    .await
}

/// Codestral fill in the middle: answered as chat completions and their chunks.
pub async fn fim(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    request: Request,
) -> Response {
    handle(
        state,
        WireFormat::OpenAiChat,
        "/v1/fim/completions",
        id,
        request,
    )
    .await
}

async fn handle(
    state: Arc<AppState>,
    answer_format: WireFormat,
    endpoint: &'static str,
    id: RequestId,
    request: Request,
) -> Response {
    serve(state, id, request, answer_format, endpoint, |bytes| {
        let req = codec::decode_request(WireFormat::OpenAiCompletions, bytes)?;
        Ok(PipelineRequest::Completion(req))
    })
    .await
}
