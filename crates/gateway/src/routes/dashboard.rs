//! The operator's read-only surfaces: the analytics API (summary and recent-events JSON),
//! Prometheus `/metrics`, and the dashboard (its assets compiled into the binary).
//! Authentication is the admin layer of [`crate::router`].

use super::admin;
use crate::state::AppState;
use axum::{
    extract::{Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::Deserialize;
use std::sync::Arc;
use switchyard_analytics::{now_millis, AnalyticsError, SummaryParams};

/// Largest `limit` of `/api/analytics/recent`.
pub const MAX_RECENT: usize = 500;

const DASHBOARD_HTML: &str = include_str!("../../assets/dashboard.html");
const DASHBOARD_JS: &str = include_str!("../../assets/dashboard.js");
const DASHBOARD_CSS: &str = include_str!("../../assets/dashboard.css");
const CHARTS_JS: &str = include_str!("../../assets/charts.js");

/// The routes:
///
/// - `GET /api/analytics/summary?since=&until=&group_by=&bucket=` — a
///   [`Summary`](switchyard_analytics::Summary) as JSON; parameters as in
///   [`SummaryParams::to_query`].
/// - `GET /api/analytics/recent?limit=` — `{"events": [...], "pipeline": {...}}`, newest
///   first (limit default 50, at most [`MAX_RECENT`]).
/// - `GET /metrics` — Prometheus text format: the analytics metrics, then the breaker state
///   and requests in flight of every deployment.
/// - `GET /dashboard` (and `/dashboard/app.js`, `/dashboard/charts.js`,
///   `/dashboard/app.css`) — the dashboard.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/analytics/summary", get(summary))
        .route("/api/analytics/recent", get(recent))
        .route("/metrics", get(admin::metrics))
        .route("/dashboard", get(dashboard))
        .route("/dashboard/", get(dashboard))
        .route("/dashboard/app.js", get(dashboard_js))
        .route("/dashboard/app.css", get(dashboard_css))
        .route("/dashboard/charts.js", get(charts_js))
        .with_state(state)
}

/// Query string of `/api/analytics/recent`.
#[derive(Debug, Default, Deserialize)]
pub struct RecentParams {
    /// How many events (default 50, at most [`MAX_RECENT`]).
    pub limit: Option<usize>,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let body = serde_json::json!({
        "error": { "message": message.into(), "type": if status.is_client_error() { "invalid_request_error" } else { "analytics_unavailable" } }
    });
    (status, Json(body)).into_response()
}

fn failure(e: AnalyticsError) -> Response {
    match e {
        AnalyticsError::Query(m) | AnalyticsError::Config(m) => error(StatusCode::BAD_REQUEST, m),
        AnalyticsError::Disabled => error(StatusCode::NOT_FOUND, "analytics is disabled"),
        AnalyticsError::Store(e) => {
            tracing::warn!(error = %e, "analytics: query failed");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("analytics store unavailable: {e}"),
            )
        }
    }
}

async fn summary(
    State(state): State<Arc<AppState>>,
    Query(params): Query<SummaryParams>,
) -> Response {
    let query = match params.to_query(now_millis()) {
        Ok(q) => q,
        Err(m) => return error(StatusCode::BAD_REQUEST, m),
    };
    match state.analytics.summary(query).await {
        Ok(s) => Json(s).into_response(),
        Err(e) => failure(e),
    }
}

async fn recent(
    State(state): State<Arc<AppState>>,
    Query(params): Query<RecentParams>,
) -> Response {
    let limit = params.limit.unwrap_or(50).clamp(1, MAX_RECENT);
    let a = &state.analytics;
    match a.recent(limit).await {
        Ok(events) => Json(serde_json::json!({
            "events": events,
            "pipeline": a.stats(),
        }))
        .into_response(),
        Err(e) => failure(e),
    }
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn dashboard() -> Response {
    let mut r = asset("text/html; charset=utf-8", DASHBOARD_HTML);
    // Everything is served from here: no inline script, no CDN.
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        ),
    );
    r
}

async fn dashboard_js() -> Response {
    asset("text/javascript; charset=utf-8", DASHBOARD_JS)
}

async fn charts_js() -> Response {
    asset("text/javascript; charset=utf-8", CHARTS_JS)
}

async fn dashboard_css() -> Response {
    asset("text/css; charset=utf-8", DASHBOARD_CSS)
}
