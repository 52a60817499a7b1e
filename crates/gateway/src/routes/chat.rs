//! `POST /v1/chat/completions` and `POST /v1/messages`: decode with the client's codec,
//! run the pipeline, encode.

use super::serve;
use crate::{context::RequestId, pipeline::PipelineRequest, state::AppState};
use axum::{
    extract::{Request, State},
    response::Response,
    Extension,
};
use std::sync::Arc;
use switchyard_protocol::{codec, WireFormat};

/// OpenAI chat completions.
pub async fn chat_completions(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    request: Request,
) -> Response {
    handle(
        state,
        WireFormat::OpenAiChat,
        "/v1/chat/completions",
        id,
        request,
    )
    .await
}

/// Anthropic messages.
pub async fn messages(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    request: Request,
) -> Response {
    handle(state, WireFormat::Anthropic, "/v1/messages", id, request).await
}

async fn handle(
    state: Arc<AppState>,
    format: WireFormat,
    endpoint: &'static str,
    id: RequestId,
    request: Request,
) -> Response {
    serve(state, id, request, format, endpoint, |bytes| {
        Ok(PipelineRequest::Chat(codec::decode_request(format, bytes)?))
    })
    .await
}
