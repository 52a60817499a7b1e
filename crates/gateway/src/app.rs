//! The axum application and the server loop.

use crate::{
    access_log,
    middleware::{authenticate, authenticate_admin, request_id},
    routes::{
        admin, chat, count_tokens, dashboard, embeddings, health, models, not_found, responses,
        root, route,
    },
    state::AppState,
};
use axum::{
    middleware::{from_fn, from_fn_with_state},
    routing::{get, post},
    Router,
};
use std::{future::Future, sync::Arc};
use tokio::net::TcpListener;

/// All routes with their middleware.
pub fn router(state: Arc<AppState>) -> Router {
    // Operator surfaces: dashboard, analytics API, metrics, admin; behind the admin key.
    let admin = dashboard::router(state.clone())
        .merge(
            Router::new()
                .route("/admin/health", get(admin::health))
                .with_state(state.clone()),
        )
        .route_layer(from_fn_with_state(state.clone(), authenticate_admin));
    let access_log = state.access_log.is_some();
    let routes = Router::new()
        .route("/v1/chat/completions", post(chat::chat_completions))
        .route("/chat/completions", post(chat::chat_completions))
        .route("/v1/responses", post(responses::create))
        .route("/responses", post(responses::create))
        .route("/v1/messages", post(chat::messages))
        .route("/v1/messages/count_tokens", post(count_tokens::count))
        .route("/v1/models", get(models::list))
        .route("/v1/embeddings", post(embeddings::create))
        .route("/v1/route", post(route::explain))
        .route_layer(from_fn_with_state(state.clone(), authenticate))
        .route("/health", get(health))
        // Claude Code probes `HEAD /` before its first request; `get` answers HEAD too.
        .route("/", get(root))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(state.clone())
        .merge(admin);
    // Inside `request_id`, so that the line carries the id; absent when off, so that
    // turning it off costs nothing.
    let routes = if access_log {
        routes.layer(from_fn_with_state(state, access_log::layer))
    } else {
        routes
    };
    routes.layer(from_fn(request_id))
}

/// Serves until `shutdown` resolves, then stops accepting and lets in-flight requests
/// finish for up to `server.shutdown_grace`; requests still running then are dropped
/// (which cancels their upstream calls). Slow clients and too many connections are held
/// off by `server.limits` (see the `server` module).
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let grace = state.config.server.shutdown_grace;
    let limits = state.config.server.limits;
    crate::server::serve_connections(listener, router(state), limits, grace, shutdown).await
}
