//! `POST /v1/code/{task}`: the code API. Decodes the request (the task from the path), runs
//! the pipeline, answers JSON or the code API's events. Errors are OpenAI-shaped JSON.

use super::{read_body, start};
use crate::{
    context::RequestId,
    egress,
    pipeline::{self, PipelineRequest},
    state::AppState,
};
use axum::{
    extract::{Path, Request, State},
    response::Response,
    Extension,
};
use std::sync::Arc;
use switchyard_protocol::{ApiError, ErrorKind, WireFormat};

/// Generate, complete, review, document, explain, test or refactor code.
pub async fn task(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    Path(task): Path<String>,
    request: Request,
) -> Response {
    let (mut ctx, parts, body) = start(id, WireFormat::OpenAiChat, "/v1/code", request);
    let result = async {
        let bytes = read_body(body, &parts.headers, state.config.server.max_body_bytes).await?;
        ctx.input_bytes = bytes.len() as u64;
        let req = switchyard_codeintel::decode_request(&task, &bytes)
            .map_err(|e| ApiError::new(ErrorKind::InvalidRequest, e.message).with_param(e.param))?;
        pipeline::run(&state, PipelineRequest::Code(req), &parts, &mut ctx).await
    }
    .await;
    egress::respond(state, ctx, result)
}
