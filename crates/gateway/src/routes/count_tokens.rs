//! `POST /v1/messages/count_tokens` (Anthropic; Claude Code calls it before every turn):
//! forwarded to the alias's Anthropic deployment when it has one, else estimated.

use super::{finish, json_response, read_body};
use crate::transcript::{image_count, prompt_text};
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
use switchyard_analytics::{estimate_usage, estimate_usage_from_text};
use switchyard_protocol::{codec, ApiError, ChatRequest, ErrorKind, WireFormat};
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
        let limit = state.config.server.limits.count_tokens_max_body_bytes;
        let bytes = read_body(body, &parts.headers, limit).await?;
        let mut fields: Map<String, Value> = switchyard_protocol::decode_json_object(&bytes)?;
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
        let estimate = serde_json::json!({ "input_tokens": estimate_input_tokens(&req).await });
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
    finish(&state, &mut ctx, response)
}

/// Tokens a typical image (a screenshot) costs; providers bill images by size, not text.
const IMAGE_TOKENS: u64 = 1500;

/// An estimate: the prompt's text counted by analytics' tokenizer (`o200k_base`: exact for
/// OpenAI's current models, within ~10–20 % for Claude's), plus a few tokens of framing per
/// message and tool, and [`IMAGE_TOKENS`] per image. Counting runs on the blocking pool;
/// should the tokenizer be unavailable, the text's bytes / 4 stand in.
pub async fn estimate_input_tokens(req: &ChatRequest) -> u64 {
    let framing = 3 * req.messages.len() as u64
        + 8 * req.tools.len() as u64
        + IMAGE_TOKENS * image_count(req);
    let text = prompt_text(req);
    let bytes = text.len() as u64;
    let counted = tokio::task::spawn_blocking(move || {
        estimate_usage_from_text(Some(&text), None, bytes, 0).input_tokens
    })
    .await
    .unwrap_or_else(|_| estimate_usage(bytes, 0).input_tokens);
    counted + framing
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_analytics::count_tokens;
    use switchyard_protocol::{Message, Role};

    #[tokio::test]
    async fn estimate_counts_text_tokens_and_framing() {
        let mut req = ChatRequest::new(WireFormat::Anthropic, "m");
        req.messages
            .push(Message::text(Role::User, "Hello, world!"));
        req.messages
            .push(Message::text(Role::Assistant, "x".repeat(400)));
        let estimate = estimate_input_tokens(&req).await;
        let text = count_tokens(&prompt_text(&req)).unwrap();
        assert_eq!(
            estimate,
            text + 2 * 3,
            "text tokens plus framing per message"
        );
        // "Hello, world!" is 4 tokens; 400 repeated letters compress to far fewer than the
        // 100 the bytes/4 rule would say; role names and newlines add a few.
        assert!((6..60).contains(&text), "{text}");
        req.messages.push(Message::text(Role::User, "look"));
        if let Some(m) = req.messages.last_mut() {
            m.content.push(switchyard_protocol::ContentPart::Image {
                source: switchyard_protocol::ImageSource::Url("https://example.com/a.png".into()),
                extra: Default::default(),
            });
        }
        assert!(estimate_input_tokens(&req).await >= estimate + IMAGE_TOKENS);
    }
}
