//! `POST /v1/embeddings`: OpenAI-shaped, passed to providers that offer embeddings with
//! only the model name replaced.

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
use serde_json::{Map, Value};
use std::sync::Arc;
use switchyard_protocol::WireFormat;

/// Forwards an embeddings request.
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    request: Request,
) -> Response {
    let (mut ctx, parts, body) = start(id, WireFormat::OpenAiChat, "/v1/embeddings", request);
    let result = async {
        let bytes = read_body(body, &parts.headers, state.config.server.max_body_bytes).await?;
        let fields: Map<String, Value> = switchyard_protocol::decode_json_object(&bytes)?;
        if !fields.contains_key("input") {
            return Err(pipeline::invalid("input", "missing field `input`"));
        }
        pipeline::run(
            &state,
            PipelineRequest::Embeddings(fields),
            &parts,
            &mut ctx,
        )
        .await
    }
    .await;
    egress::respond(state, ctx, result)
}
