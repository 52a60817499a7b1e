//! `POST /v1/embeddings`: OpenAI-shaped, passed to providers that offer embeddings with
//! only the model name replaced.

use super::{finish, json_response, read_body};
use crate::{
    context::{RequestContext, RequestId},
    error::{error_response, GatewayError},
    plan,
    resilience::Failover,
    routes::chat::call_options,
    state::AppState,
};
use axum::{
    extract::{Request, State},
    response::Response,
    Extension,
};
use serde_json::{Map, Value};
use std::{sync::Arc, time::Instant};
use switchyard_protocol::{ApiError, ErrorKind, WireFormat};

/// Forwards an embeddings request.
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    request: Request,
) -> Response {
    let format = WireFormat::OpenAiChat;
    let mut ctx = RequestContext::new(id, format, Instant::now());
    let (parts, body) = request.into_parts();
    ctx.from_parts("/v1/embeddings", &parts);
    let result = async {
        let bytes = read_body(body, &parts.headers, state.config.server.max_body_bytes).await?;
        let mut fields: Map<String, Value> = switchyard_protocol::decode_json_object(&bytes)?;
        let model = match fields.get("model") {
            Some(Value::String(m)) => m.clone(),
            Some(_) => return Err(invalid("model", "`model` must be a string")),
            None => return Err(invalid("model", "missing field `model`")),
        };
        if !fields.contains_key("input") {
            return Err(invalid("input", "missing field `input`"));
        }
        ctx.requested_model = Some(Arc::from(model.as_str()));
        let route = plan::plan(&state, &model)?;
        let mut failover = Failover::new(&state, route, &mut ctx);
        loop {
            let attempt = failover.next(&mut ctx).await?;
            fields.insert("model".into(), Value::String(attempt.model.to_string()));
            let body = switchyard_protocol::to_json_vec(&fields)?;
            let options = call_options(&parts, &attempt);
            let result = attempt
                .provider
                .embeddings(&attempt.model, body, &options)
                .await;
            if let Some(bytes) = failover.settle(&mut ctx, &attempt, result)? {
                break Ok(bytes);
            }
        }
    }
    .await;
    let response = match result {
        Ok(bytes) => json_response(bytes),
        Err(e) => error_response(format, &e, &mut ctx),
    };
    finish(&state, &mut ctx, response)
}

fn invalid(param: &str, message: &str) -> GatewayError {
    ApiError::new(ErrorKind::InvalidRequest, message)
        .with_param(param)
        .into()
}
