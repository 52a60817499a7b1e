//! `POST /v1/code/{task}`: the code API. Decodes the request (the task from the path), runs
//! the pipeline, answers JSON or the code API's events. Errors are OpenAI-shaped JSON.

use super::serve;
use crate::{context::RequestId, pipeline::PipelineRequest, state::AppState};
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
    serve(
        state,
        id,
        request,
        WireFormat::OpenAiChat,
        "/v1/code",
        |bytes| {
            let req = switchyard_codeintel::decode_request(&task, bytes).map_err(|e| {
                ApiError::new(ErrorKind::InvalidRequest, e.message).with_param(e.param)
            })?;
            Ok(PipelineRequest::Code(req))
        },
    )
    .await
}
