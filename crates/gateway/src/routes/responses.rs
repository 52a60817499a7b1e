//! `POST /v1/responses`: the OpenAI Responses API (what Codex CLI speaks). Decode with the
//! Responses codec, run the pipeline, encode; the answer repeats its request, so the
//! request's echo goes to egress.

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
use switchyard_protocol::{responses, WireFormat};

/// OpenAI Responses.
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    request: Request,
) -> Response {
    let format = WireFormat::OpenAiResponses;
    let (mut ctx, parts, body) = start(id, format, "/v1/responses", request);
    let mut echo = None;
    let result = async {
        let bytes = read_body(body, &parts.headers, state.config.server.max_body_bytes).await?;
        ctx.input_bytes = bytes.len() as u64;
        let req = responses::decode_request(&bytes)?;
        echo = Some(responses::Echo::of(&req));
        pipeline::run(&state, PipelineRequest::Chat(req), &parts, &mut ctx).await
    }
    .await;
    egress::respond_echoing(state, ctx, result, echo)
}
