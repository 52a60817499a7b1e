//! `POST /v1/completions` (OpenAI legacy completions, with `suffix` for fill in the middle)
//! and `POST /v1/fim/completions` (Codestral's shape: the same request, answered as a chat
//! completion): decode with the completions codec, run the pipeline, encode.

use super::{read_body, start};
use crate::{
    context::RequestId,
    egress,
    pipeline::{self, PipelineRequest},
    state::AppState,
};
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
    let answer_format = WireFormat::OpenAiCompletions;
    handle(state, answer_format, "/v1/completions", id, request).await
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
    let (mut ctx, parts, body) = start(id, answer_format, endpoint, request);
    let result = async {
        let bytes = read_body(body, &parts.headers, state.config.server.max_body_bytes).await?;
        ctx.input_bytes = bytes.len() as u64;
        let req = codec::decode_request(WireFormat::OpenAiCompletions, &bytes)?;
        pipeline::run(&state, PipelineRequest::Completion(req), &parts, &mut ctx).await
    }
    .await;
    egress::respond(state, ctx, result)
}
