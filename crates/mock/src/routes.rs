//! HTTP routes: the provider endpoints (through one fault pipeline) and the `/_mock/*`
//! control endpoints.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, Method, StatusCode, Uri};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::behavior::{Family, Fault, MockBehavior, UnknownFamily};
use crate::gemini::{self, Method as GeminiMethod};
use crate::reply::{json, json_answer, stream_answer, Reply};
use crate::shared::{DropConnection, Shared};
use crate::{anthropic, openai, responses};

/// Request bodies up to this size are read (prompts with whole files in them are normal).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The full app: provider endpoints and control endpoints.
pub(crate) fn app(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(openai_chat))
        .route("/v1/responses", post(openai_responses))
        .route(
            "/openai/deployments/{deployment}/chat/completions",
            post(azure_chat),
        )
        .route(
            "/openai/deployments/{deployment}/embeddings",
            post(azure_embeddings),
        )
        .route("/v1/messages", post(anthropic_messages))
        .route("/v1/messages/count_tokens", post(anthropic_count_tokens))
        .route("/v1beta/models/{model_and_method}", post(gemini_generate))
        .route("/v1/models/{model_and_method}", post(gemini_generate))
        .route("/v1/embeddings", post(openai_embeddings))
        .route("/v1/models", get(list_models))
        .merge(control_routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared)
}

/// Only the control endpoints (for a control listener that stays up while the provider port
/// refuses connections).
pub(crate) fn control_app(shared: Arc<Shared>) -> Router {
    control_routes()
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared)
}

fn control_routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_mock/stats", get(stats))
        .route("/_mock/reset", post(reset))
        .route(
            "/_mock/config",
            get(get_config).post(set_config).delete(clear_config),
        )
}

/// Which wire format a provider request speaks.
enum Wire {
    OpenAi,
    Responses,
    Azure { deployment: String },
    Anthropic,
    Gemini { segment: String },
    Embeddings { azure: bool },
    Models,
}

impl Wire {
    fn needs_api_version(&self) -> bool {
        matches!(self, Wire::Azure { .. } | Wire::Embeddings { azure: true })
    }
}

async fn openai_chat(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    serve(s, Family::OpenAi, Wire::OpenAi, &uri, &headers, body).await
}

async fn openai_responses(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    serve(s, Family::OpenAi, Wire::Responses, &uri, &headers, body).await
}

async fn azure_chat(
    State(s): State<Arc<Shared>>,
    Path(deployment): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let wire = Wire::Azure { deployment };
    serve(s, Family::Azure, wire, &uri, &headers, body).await
}

async fn anthropic_messages(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    serve(s, Family::Anthropic, Wire::Anthropic, &uri, &headers, body).await
}

/// Anthropic `count_tokens`: one token per whitespace-separated word of the message texts
/// (a stand-in for the real tokenizer; enough to see the call arrive).
async fn anthropic_count_tokens(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.stats
        .record_request(Family::Anthropic, uri.path(), uri.query(), &headers, &body);
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return json(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({"type": "error", "error": {"type": "invalid_request_error", "message": "invalid JSON"}}),
        );
    };
    let words = value["messages"]
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .map(|m| match &m["content"] {
                    serde_json::Value::String(t) => t.split_whitespace().count(),
                    serde_json::Value::Array(blocks) => blocks
                        .iter()
                        .filter_map(|b| b["text"].as_str())
                        .map(|t| t.split_whitespace().count())
                        .sum(),
                    _ => 0,
                })
                .sum::<usize>()
        })
        .unwrap_or(0);
    json(
        StatusCode::OK,
        &serde_json::json!({ "input_tokens": words }),
    )
}

async fn gemini_generate(
    State(s): State<Arc<Shared>>,
    Path(segment): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let wire = Wire::Gemini { segment };
    serve(s, Family::Gemini, wire, &uri, &headers, body).await
}

async fn openai_embeddings(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let wire = Wire::Embeddings { azure: false };
    serve(s, Family::Embeddings, wire, &uri, &headers, body).await
}

async fn azure_embeddings(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let wire = Wire::Embeddings { azure: true };
    serve(s, Family::Embeddings, wire, &uri, &headers, body).await
}

async fn list_models(State(s): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    let family = if headers.contains_key("anthropic-version") {
        Family::Anthropic
    } else {
        Family::OpenAi
    };
    serve(s, family, Wire::Models, &uri, &headers, Bytes::new()).await
}

/// The error object of the wire format (Azure and embeddings use OpenAI's).
fn wire_error(s: &Shared, family: Family, status: StatusCode, message: &str) -> Value {
    match family {
        Family::Anthropic => anthropic::error(status, message, s.next_seq()),
        Family::Gemini => gemini::error(status, message),
        Family::OpenAi | Family::Azure | Family::Embeddings => openai::error(status, message),
    }
}

/// Every provider request: count it, wait, inject the configured fault, then answer.
async fn serve(
    s: Arc<Shared>,
    family: Family,
    wire: Wire,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    s.stats
        .record_request(family, uri.path(), uri.query(), headers, &body);
    let b = s.behaviors.effective(family);
    if b.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(b.latency_ms)).await;
    }
    match &b.fault {
        Fault::Status {
            code,
            rate,
            retry_after,
            body: raw,
        } if s.behaviors.roll(*rate, b.seed) => {
            s.stats.fault_injected();
            return status_fault(&s, family, *code, *retry_after, raw.as_deref());
        }
        Fault::Drop | Fault::Refuse => {
            s.stats.fault_injected();
            let mut resp = Response::new(Body::empty());
            resp.extensions_mut().insert(DropConnection);
            return resp;
        }
        Fault::Hang => {
            s.stats.fault_injected();
            return std::future::pending::<Response>().await;
        }
        _ => {}
    }
    if wire.needs_api_version() && !has_query_param(uri, "api-version") {
        return json(StatusCode::NOT_FOUND, &openai::azure_missing_api_version());
    }
    if let Wire::Models = wire {
        return json(
            StatusCode::OK,
            &match family {
                Family::Anthropic => anthropic::models(),
                _ => openai::models(1_700_000_000),
            },
        );
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            let msg = format!("request body is not valid JSON: {e}");
            let err = wire_error(&s, family, StatusCode::BAD_REQUEST, &msg);
            return json(StatusCode::BAD_REQUEST, &err);
        }
    };
    answer(&s, &b, family, wire, &request)
}

fn answer(
    s: &Arc<Shared>,
    b: &MockBehavior,
    family: Family,
    wire: Wire,
    request: &Value,
) -> Response {
    const SSE: &str = "text/event-stream; charset=utf-8";
    match wire {
        Wire::OpenAi | Wire::Azure { .. } => {
            let default_model = match &wire {
                Wire::Azure { deployment } => deployment.as_str(),
                _ => "mock-model",
            };
            let prompt = openai::prompt(request, default_model);
            let (stream, include_usage) = (prompt.stream, prompt.include_usage);
            let reply = Reply::new(s, prompt, b);
            if stream {
                stream_answer(s, b, openai::stream(&reply, include_usage), SSE)
            } else {
                json_answer(s, b, &openai::completion(&reply))
            }
        }
        Wire::Responses => {
            let (prompt, custom) = responses::prompt(request);
            let shape = responses::Shape {
                custom,
                reasoning: responses::reasoning(request),
            };
            let stream = prompt.stream;
            let reply = Reply::new(s, prompt, b);
            if stream {
                stream_answer(s, b, responses::stream(&reply, &shape), SSE)
            } else {
                json_answer(s, b, &responses::complete(&reply, &shape))
            }
        }
        Wire::Anthropic => {
            let prompt = anthropic::prompt(request);
            let stream = prompt.stream;
            let reply = Reply::new(s, prompt, b);
            if stream {
                stream_answer(s, b, anthropic::stream(&reply), SSE)
            } else {
                json_answer(s, b, &anthropic::message(&reply))
            }
        }
        Wire::Gemini { segment } => {
            let Some((model, method)) = gemini::parse_model_method(&segment) else {
                let msg = format!("method not found for models/{segment}");
                return json(
                    StatusCode::NOT_FOUND,
                    &gemini::error(StatusCode::NOT_FOUND, &msg),
                );
            };
            let reply = Reply::new(s, gemini::prompt(request, model, method), b);
            match method {
                GeminiMethod::StreamGenerate => {
                    stream_answer(s, b, gemini::stream(&reply), "text/event-stream")
                }
                GeminiMethod::Generate => json_answer(s, b, &gemini::generate(&reply)),
            }
        }
        Wire::Embeddings { .. } => match openai::embeddings(request) {
            Ok(v) => json_answer(s, b, &v),
            Err(msg) => json(
                StatusCode::BAD_REQUEST,
                &wire_error(s, family, StatusCode::BAD_REQUEST, &msg),
            ),
        },
        Wire::Models => json(StatusCode::OK, &openai::models(1_700_000_000)),
    }
}

fn has_query_param(uri: &Uri, name: &str) -> bool {
    uri.query().is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.split('=').next() == Some(name))
    })
}

fn status_fault(
    s: &Shared,
    family: Family,
    code: u16,
    retry_after: Option<u64>,
    raw: Option<&str>,
) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = match raw {
        Some(text) => {
            let is_json = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
            let mut r = Response::new(Body::from(text.to_owned()));
            let ct = if is_json {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(ct));
            *r.status_mut() = status;
            r
        }
        None => {
            let msg = format!("mock fault: injected status {}", status.as_u16());
            json(status, &wire_error(s, family, status, &msg))
        }
    };
    if let Some(secs) = retry_after {
        resp.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

async fn not_found(method: Method, uri: Uri) -> Response {
    let msg = format!("switchyard-mock has no endpoint {method} {}", uri.path());
    json(
        StatusCode::NOT_FOUND,
        &openai::error(StatusCode::NOT_FOUND, &msg),
    )
}

async fn stats(State(s): State<Arc<Shared>>) -> Response {
    json(StatusCode::OK, &json!(s.stats.snapshot()))
}

async fn reset(State(s): State<Arc<Shared>>) -> Response {
    s.reset_stats();
    json(StatusCode::OK, &json!({"reset": true}))
}

#[derive(Deserialize)]
struct ConfigQuery {
    family: Option<String>,
}

fn control_error(message: &str) -> Response {
    json(StatusCode::BAD_REQUEST, &json!({"error": message}))
}

fn parse_family(q: &ConfigQuery) -> Result<Option<Family>, UnknownFamily> {
    q.family.as_deref().map(str::parse::<Family>).transpose()
}

async fn get_config(State(s): State<Arc<Shared>>, Query(q): Query<ConfigQuery>) -> Response {
    let b = match parse_family(&q) {
        Ok(Some(f)) => s.behaviors.effective(f),
        Ok(None) => s.behaviors.default_behavior(),
        Err(e) => return control_error(&e.to_string()),
    };
    json(StatusCode::OK, &json!(*b))
}

/// Without `?family=` the body replaces the behaviour of every family (and drops the
/// overrides); with it, only that family's.
async fn set_config(
    State(s): State<Arc<Shared>>,
    Query(q): Query<ConfigQuery>,
    body: Bytes,
) -> Response {
    let family = match parse_family(&q) {
        Ok(f) => f,
        Err(e) => return control_error(&e.to_string()),
    };
    let b: MockBehavior = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return control_error(&format!("invalid behaviour: {e}")),
    };
    let out = json!(b);
    match family {
        Some(f) => s.set_family_behavior(f, Some(b)),
        None => s.set_behavior(b),
    }
    json(StatusCode::OK, &out)
}

/// `DELETE /_mock/config?family=x` removes that family's override; without a family every
/// override goes and the default becomes [`MockBehavior::default`].
async fn clear_config(State(s): State<Arc<Shared>>, Query(q): Query<ConfigQuery>) -> Response {
    match parse_family(&q) {
        Ok(Some(f)) => s.set_family_behavior(f, None),
        Ok(None) => s.set_behavior(MockBehavior::default()),
        Err(e) => return control_error(&e.to_string()),
    }
    json(StatusCode::OK, &json!({"cleared": true}))
}
