//! `POST /v1/messages/count_tokens` (Anthropic; Claude Code calls it before every turn):
//! forwarded to the alias's Anthropic deployment when it has one, else estimated.

use super::{finish, json_response, read_body};
use crate::{
    context::{RequestContext, RequestId},
    error::{error_response, GatewayError},
    plan,
    state::AppState,
};
use axum::{
    extract::{Request, State},
    response::Response,
    Extension,
};
use http::HeaderValue;
use serde_json::{Map, Value};
use std::{sync::Arc, time::Instant};
use switchyard_analytics::ESTIMATE_BYTES_PER_TOKEN;
use switchyard_protocol::{codec, ApiError, ChatRequest, ContentPart, ErrorKind, Tool, WireFormat};
use switchyard_providers::{CallOptions, ProviderKind};

/// Counts the input tokens of an Anthropic messages request.
pub async fn count(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    request: Request,
) -> Response {
    let format = WireFormat::Anthropic;
    let mut ctx = RequestContext::new(id, format, Instant::now());
    let (parts, body) = request.into_parts();
    ctx.from_parts("/v1/messages/count_tokens", &parts);
    let result = async {
        let bytes = read_body(body, &parts.headers, state.config.server.max_body_bytes).await?;
        let mut fields: Map<String, Value> = switchyard_protocol::from_json_slice(&bytes)?;
        let Some(Value::String(model)) = fields.get("model").cloned() else {
            return Err(GatewayError::from(
                ApiError::new(ErrorKind::InvalidRequest, "`model` must be a string")
                    .with_param("model"),
            ));
        };
        ctx.requested_model = Some(Arc::from(model.as_str()));
        let route = plan::plan(&state, &model)?;
        ctx.alias = Some(route.alias.clone());
        let anthropic = route.deployments.iter().find(|d| {
            d.health.peek(Instant::now()).is_allowed()
                && state
                    .provider(d.provider)
                    .is_some_and(|p| p.settings().kind == ProviderKind::Anthropic)
        });
        if let Some(d) = anthropic {
            if let Some(provider) = state.provider(d.provider) {
                ctx.attempt(d);
                fields.insert("model".into(), Value::String(d.model.to_string()));
                let upstream_body = switchyard_protocol::to_json_vec(&fields)?;
                let options = CallOptions {
                    headers: Some(&parts.headers),
                    query: parts.uri.query(),
                    timeouts: d.timeouts,
                    budget: None,
                };
                let started = Instant::now();
                let result = provider.count_tokens(upstream_body, &options).await;
                ctx.upstream_wait += started.elapsed();
                match result {
                    Ok(bytes) => return Ok((bytes.to_vec(), false)),
                    Err(e) => {
                        tracing::warn!(error = %e, "count_tokens upstream failed; estimating")
                    }
                }
            }
        }
        // Validate as a messages request (count_tokens bodies carry no max_tokens).
        fields.entry("max_tokens").or_insert(Value::from(1));
        let req = codec::decode_request(format, &switchyard_protocol::to_json_vec(&fields)?)?;
        let estimate = serde_json::json!({ "input_tokens": estimate_input_tokens(&req) });
        Ok((switchyard_protocol::to_json_vec(&estimate)?, true))
    }
    .await;
    let response = match result {
        Ok((body, estimated)) => {
            let mut r = json_response(body);
            if estimated {
                r.headers_mut()
                    .insert("x-switchyard-estimated", HeaderValue::from_static("true"));
            }
            r
        }
        Err(e) => error_response(format, &e, &mut ctx),
    };
    finish(&state, &ctx, response)
}

/// A tokenizer-free estimate, with the same bytes-per-token figure analytics uses for
/// answers without reported usage, plus a few
/// tokens of framing per message and tool.
pub fn estimate_input_tokens(req: &ChatRequest) -> u64 {
    let mut bytes = 0usize;
    let mut framing = 0u64;
    for m in &req.messages {
        framing += 4;
        for part in &m.content {
            bytes += part_bytes(part);
        }
    }
    for t in &req.tools {
        framing += 8;
        bytes += match t {
            Tool::Function(f) => {
                f.name.len()
                    + f.description.as_deref().map_or(0, str::len)
                    + f.parameters.to_string().len()
            }
            Tool::Other { value, .. } => value.to_string().len(),
        };
    }
    (bytes as u64).div_ceil(ESTIMATE_BYTES_PER_TOKEN) + framing
}

fn part_bytes(part: &ContentPart) -> usize {
    match part {
        ContentPart::Text { text, .. } => text.len(),
        ContentPart::Thinking { text, .. } => text.len(),
        ContentPart::ToolCall {
            name, arguments, ..
        } => name.len() + arguments.len(),
        ContentPart::ToolResult { content, .. } => content.iter().map(part_bytes).sum(),
        // Images are priced by size upstream; a typical screenshot is ~1.5k tokens.
        ContentPart::Image { .. } => 6000,
        ContentPart::Other { value, .. } => value.to_string().len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_protocol::{Message, Role};

    #[test]
    fn estimate_grows_with_text_and_tools() {
        let mut req = ChatRequest::new(WireFormat::Anthropic, "m");
        req.messages
            .push(Message::text(Role::User, "x".repeat(400)));
        let base = estimate_input_tokens(&req);
        assert_eq!(base, 100 + 4);
        req.messages
            .push(Message::text(Role::Assistant, "y".repeat(40)));
        assert_eq!(estimate_input_tokens(&req), base + 10 + 4);
    }
}
