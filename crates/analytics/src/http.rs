//! The analytics HTTP surface: summary and recent-events JSON, Prometheus metrics, and the
//! dashboard (its assets compiled into the binary). Authentication is the gateway's layer.

use crate::{
    event::now_millis,
    pipeline::{Analytics, AnalyticsError},
    summary::{GroupBy, SummaryQuery},
    timeparse::{parse_duration, parse_time},
};
use axum::{
    extract::{FromRef, Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::Deserialize;
use std::{sync::Arc, time::Duration};

/// Default `since` of a summary.
const DEFAULT_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// Largest `limit` of `/api/analytics/recent`.
pub const MAX_RECENT: usize = 500;

const DASHBOARD_HTML: &str = include_str!("../assets/dashboard.html");
const DASHBOARD_JS: &str = include_str!("../assets/dashboard.js");
const DASHBOARD_CSS: &str = include_str!("../assets/dashboard.css");
const CHARTS_JS: &str = include_str!("../assets/charts.js");

/// The routes, over `analytics`:
///
/// - `GET /api/analytics/summary?since=&until=&group_by=&bucket=` — a [`Summary`](crate::Summary)
///   as JSON. `since`/`until`: RFC 3339, a date, unix ms, `now`, or relative (`7d`, `24h`);
///   defaults: the last 24 hours. `group_by`: `model|provider|language|task|tier|key|cache`.
///   `bucket`: a duration like `1h`.
/// - `GET /api/analytics/recent?limit=` — `{"events": [...], "pipeline": {...}}`, newest
///   first (limit default 50, at most 500).
/// - `GET /metrics` — Prometheus text format.
/// - `GET /dashboard` (and `/dashboard/app.js`, `/dashboard/charts.js`,
///   `/dashboard/app.css`) — the dashboard.
pub fn router(analytics: Analytics) -> Router {
    router_with_metrics(analytics, None)
}

/// Appends gauges the analytics crate does not own (e.g. the gateway's breaker states) to
/// `/metrics`, in Prometheus text format.
pub type MetricsExtra = Arc<dyn Fn(&mut String) + Send + Sync>;

#[derive(Clone)]
struct HttpState {
    analytics: Analytics,
    extra: Option<MetricsExtra>,
}

impl FromRef<HttpState> for Analytics {
    fn from_ref(s: &HttpState) -> Analytics {
        s.analytics.clone()
    }
}

/// [`router`], with `extra` writing more metrics after the analytics ones.
pub fn router_with_metrics(analytics: Analytics, extra: Option<MetricsExtra>) -> Router {
    Router::new()
        .route("/api/analytics/summary", get(summary))
        .route("/api/analytics/recent", get(recent))
        .route("/metrics", get(metrics))
        .route("/dashboard", get(dashboard))
        .route("/dashboard/", get(dashboard))
        .route("/dashboard/app.js", get(dashboard_js))
        .route("/dashboard/app.css", get(dashboard_css))
        .route("/dashboard/charts.js", get(charts_js))
        .with_state(HttpState { analytics, extra })
}

/// Query string of `/api/analytics/summary`.
#[derive(Debug, Default, Deserialize)]
pub struct SummaryParams {
    /// Start (see [`parse_time`]).
    pub since: Option<String>,
    /// End (see [`parse_time`]).
    pub until: Option<String>,
    /// Grouping name.
    pub group_by: Option<String>,
    /// Bucket width (see [`parse_duration`]).
    pub bucket: Option<String>,
}

impl SummaryParams {
    /// The query these parameters ask for, relative to `now_ms`.
    pub fn to_query(&self, now_ms: i64) -> Result<SummaryQuery, String> {
        fn blank(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        let until = match blank(&self.until) {
            Some(s) => parse_time(s, now_ms).map_err(|e| format!("until: {e}"))?,
            None => now_ms,
        };
        let since = match blank(&self.since) {
            Some(s) => parse_time(s, now_ms).map_err(|e| format!("since: {e}"))?,
            None => until.saturating_sub(DEFAULT_WINDOW.as_millis() as i64),
        };
        let group_by = match blank(&self.group_by) {
            Some(g) => Some(GroupBy::parse(g).ok_or_else(|| {
                format!("group_by: `{g}` is not one of model, provider, language, task, tier, key, cache")
            })?),
            None => None,
        };
        let bucket = match blank(&self.bucket) {
            Some(b) => Some(parse_duration(b).map_err(|e| format!("bucket: {e}"))?),
            None => None,
        };
        let query = SummaryQuery {
            since,
            until,
            group_by,
            bucket,
        };
        query.validate()?;
        Ok(query)
    }
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

async fn summary(State(a): State<Analytics>, Query(params): Query<SummaryParams>) -> Response {
    let query = match params.to_query(now_millis()) {
        Ok(q) => q,
        Err(m) => return error(StatusCode::BAD_REQUEST, m),
    };
    match a.summary(query).await {
        Ok(s) => Json(s).into_response(),
        Err(e) => failure(e),
    }
}

/// Query string of `/api/analytics/recent`.
#[derive(Debug, Default, Deserialize)]
pub struct RecentParams {
    /// How many events (default 50, at most [`MAX_RECENT`]).
    pub limit: Option<usize>,
}

async fn recent(State(a): State<Analytics>, Query(params): Query<RecentParams>) -> Response {
    let limit = params.limit.unwrap_or(50).clamp(1, MAX_RECENT);
    match a.recent(limit).await {
        Ok(events) => Json(serde_json::json!({
            "events": events,
            "pipeline": a.stats(),
        }))
        .into_response(),
        Err(e) => failure(e),
    }
}

async fn metrics(State(s): State<HttpState>) -> Response {
    let mut text = s.analytics.metrics().render();
    if let Some(extra) = &s.extra {
        extra(&mut text);
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
    )
        .into_response()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_to_query() {
        let now = 10 * 86_400_000;
        let q = SummaryParams::default().to_query(now).unwrap();
        assert_eq!((q.since, q.until), (now - 86_400_000, now));
        let p = SummaryParams {
            since: Some("7d".into()),
            until: Some("".into()),
            group_by: Some("tier".into()),
            bucket: Some("1h".into()),
        };
        let q = p.to_query(now).unwrap();
        assert_eq!(q.since, now - 7 * 86_400_000);
        assert_eq!(q.group_by, Some(GroupBy::Tier));
        assert_eq!(q.bucket, Some(Duration::from_secs(3600)));
        let bad = SummaryParams {
            group_by: Some("colour".into()),
            ..SummaryParams::default()
        };
        assert!(bad.to_query(now).unwrap_err().contains("group_by"));
        let bad = SummaryParams {
            bucket: Some("1s".into()),
            since: Some("30d".into()),
            ..SummaryParams::default()
        };
        assert!(bad.to_query(now).unwrap_err().contains("buckets"));
    }
}
