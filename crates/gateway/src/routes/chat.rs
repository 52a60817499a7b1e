//! `POST /v1/chat/completions` and `POST /v1/messages`: decode with the client's codec,
//! run the pipeline, encode.

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
    let (mut ctx, parts, body) = start(id, format, endpoint, request);
    let result = async {
        let bytes = read_body(body, &parts.headers, state.config.server.max_body_bytes).await?;
        ctx.input_bytes = bytes.len() as u64;
        let req = codec::decode_request(format, &bytes)?;
        pipeline::run(&state, PipelineRequest::Chat(req), &parts, &mut ctx).await
    }
    .await;
    egress::respond(state, ctx, result)
}
