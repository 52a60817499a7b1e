//! `POST /v1/route`: the router's decision for a request, as JSON, without calling a
//! provider. The body is a chat completions or messages request (its `model` names the
//! router), or the code API's `{prompt, language?, task?, context?, model?}`; `model`
//! defaults to `auto`.

use super::{format_of, read_body, start};
use crate::{
    context::RequestId, egress::json_response, error::error_response, error::GatewayError,
    pipeline::plan, state::AppState,
};
use axum::{
    extract::{Request, State},
    response::Response,
    Extension,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use switchyard_protocol::{codec, ApiError, ErrorKind, WireFormat};
use switchyard_router::{Pin, RequestView, Task};

/// The code API's request shape.
#[derive(Debug, Deserialize)]
struct CodeRequest {
    prompt: String,
    language: Option<String>,
    task: Option<String>,
    context: Option<String>,
}

/// Decides and explains a route.
pub async fn explain(
    State(state): State<Arc<AppState>>,
    Extension(id): Extension<RequestId>,
    request: Request,
) -> Response {
    let format = format_of(request.headers(), request.uri());
    let (mut ctx, parts, body) = start(id, format, "/v1/route", request);
    let result = async {
        let bytes = read_body(body, &parts.headers, state.config.server.max_body_bytes).await?;
        let (router_name, view) = view_of(format, &bytes)?;
        let Some(router) = state.routers.get(&router_name) else {
            let mut known: Vec<&str> = state.routers.keys().map(String::as_str).collect();
            known.sort_unstable();
            let list = if known.is_empty() {
                "no routers are configured".to_owned()
            } else {
                format!("routers: {}", known.join(", "))
            };
            return Err(GatewayError::from(
                ApiError::new(
                    ErrorKind::NotFound,
                    format!("`{router_name}` is not a router ({list})"),
                )
                .with_code("router_not_found")
                .with_param("model"),
            ));
        };
        let d = plan::decide(router, &view, &ctx)?;
        let pinned = match d.pinned {
            Some(Pin::Header) => Value::from("x-switchyard-tier"),
            Some(Pin::Rule(i)) => Value::from(format!("rule {}", i + 1)),
            None => Value::Null,
        };
        Ok(json!({
            "router": &*d.router,
            "tier": &*d.tier_name,
            "model": &*d.alias,
            "score": (d.score * 1e4).round() / 1e4,
            "reasons": d.reasons,
            "task": d.task.as_str(),
            "language": d.language,
            "prompt_tokens": d.prompt_tokens,
            "pinned": pinned,
            "capped": d.capped,
        }))
    }
    .await;
    match result {
        Ok(body) => json_response(body.to_string()),
        Err(e) => error_response(format, &e, &mut ctx),
    }
}

/// The router named by a body and what it reads of it.
fn view_of(format: WireFormat, bytes: &[u8]) -> Result<(String, RequestView), GatewayError> {
    let value: Value = switchyard_protocol::from_json_slice(bytes)?;
    let model = value
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("auto")
        .to_owned();
    if value.get("prompt").is_some_and(Value::is_string) {
        let code: CodeRequest = serde_json::from_value(value).map_err(|e| {
            GatewayError::new(
                ErrorKind::InvalidRequest,
                format!("invalid code request: {e}"),
            )
        })?;
        let mut view = RequestView::of_prompt(&code.prompt);
        view.language = code.language.map(|l| l.to_ascii_lowercase());
        view.history_bytes = code.context.map_or(0, |c| c.len());
        if let Some(t) = code.task {
            view.task = Some(Task::parse(&t).ok_or_else(|| {
                GatewayError::from(
                    ApiError::new(ErrorKind::InvalidRequest, format!("unknown task `{t}`"))
                        .with_param("task"),
                )
            })?);
        }
        return Ok((model, view));
    }
    // A messages request has a top-level `system` or the client says `anthropic-version`;
    // anything else is tried as chat completions first.
    let anthropic = format == WireFormat::Anthropic || value.get("system").is_some();
    let mut body = value;
    if let Some(obj) = body.as_object_mut() {
        // The codecs require a model; the router's name is as good as any.
        obj.entry("model")
            .or_insert_with(|| Value::from(model.clone()));
    }
    let bytes = body.to_string();
    let request = if anthropic {
        codec::decode_request(WireFormat::Anthropic, bytes.as_bytes())?
    } else {
        codec::decode_request(WireFormat::OpenAiChat, bytes.as_bytes())
            .or_else(|_| codec::decode_request(WireFormat::Anthropic, bytes.as_bytes()))?
    };
    Ok((model, RequestView::of_chat(&request)))
}
