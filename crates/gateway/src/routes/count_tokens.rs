//! `POST /v1/messages/count_tokens` (Anthropic; Claude Code calls it before every turn):
//! answered by the alias's Anthropic deployments when it has any, else estimated.

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
use switchyard_protocol::{codec, to_json_vec, WireFormat};

/// Counts the input tokens of an Anthropic messages request.
pub async fn count(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    request: Request,
) -> Response {
    let format = WireFormat::Anthropic;
    let (mut ctx, parts, body) = start(id, format, "/v1/messages/count_tokens", request);
    let result = async {
        let limit = state.config.server.limits.count_tokens_max_body_bytes;
        let bytes = read_body(body, &parts.headers, limit).await?;
        let mut fields: Map<String, Value> = switchyard_protocol::decode_json_object(&bytes)?;
        if !matches!(fields.get("model"), Some(Value::String(_))) {
            return Err(pipeline::invalid("model", "`model` must be a string"));
        }
        // Validated as the messages request it is, but for max_tokens, which count_tokens
        // bodies do not carry; providers get the body as the client sent it.
        let added = !fields.contains_key("max_tokens");
        if added {
            fields.insert("max_tokens".into(), Value::from(1));
        }
        let request = codec::decode_request(format, &to_json_vec(&fields)?)?;
        if added {
            fields.remove("max_tokens");
        }
        let request = PipelineRequest::CountTokens {
            fields,
            request: Box::new(request),
        };
        pipeline::run(&state, request, &parts, &mut ctx).await
    }
    .await;
    egress::respond(state, ctx, result)
}
