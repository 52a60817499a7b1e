//! The analytics API, metrics and dashboard routes (`routes::dashboard`) over a store of
//! sample events: summary and recent JSON, errors, metrics with the breaker gauges, and the
//! dashboard's assets (all built in; nothing fetched from elsewhere).

#![cfg(test)]

#[path = "../../analytics/tests/common/events.rs"]
mod sample;

use axum::{body::Body, http::Request, Router};
use http_body_util::BodyExt;
use sample::sample_events;
use std::time::Duration;
use switchyard_analytics::{now_millis, Analytics, AnalyticsConfig, PriceTable};
use switchyard_gateway::{AppState, Config};
use tower::ServiceExt;

/// One deployment (never called), so that `/metrics` has a breaker to report; no keys, so
/// the operator routes are open.
const CONFIG: &str = r#"
[providers.upstream]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
api_key = "sk-never-used"

[models.coder]
deployments = [{ provider = "upstream", model = "gpt-upstream" }]
"#;

/// The gateway's routes over `analytics`.
fn router(analytics: Analytics) -> Router {
    let config = Config::parse(CONFIG, "test config", &|_| None).unwrap();
    switchyard_gateway::router(AppState::with_analytics(config, analytics).unwrap())
}

async fn get(app: &Router, uri: &str) -> (u16, String, String) {
    let resp = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, ctype, String::from_utf8(body.to_vec()).unwrap())
}

/// Analytics over in-memory SQLite holding `n` events from the last `n` seconds.
async fn analytics_with(n: usize) -> Analytics {
    let config = AnalyticsConfig {
        database: Some(":memory:".into()),
        flush_interval_ms: 10,
        ..AnalyticsConfig::default()
    };
    let a = Analytics::open(config, None, PriceTable::builtin())
        .await
        .unwrap();
    let now = now_millis();
    for (i, mut e) in sample_events(n).into_iter().enumerate() {
        e.ts_ms = now - (n - i) as i64 * 1000;
        e.event_id = 0;
        e.prompt_text = Some("secret prompt".into());
        a.record(e);
    }
    for _ in 0..500 {
        if a.stats().written == n as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(a.stats().written, n as u64);
    a
}

#[tokio::test]
async fn summary_and_recent() {
    let a = analytics_with(40).await;
    let app = router(a.clone());

    let (status, ctype, body) = get(
        &app,
        "/api/analytics/summary?since=1h&group_by=model&bucket=5m",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(ctype.starts_with("application/json"));
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["total"]["requests"], 40);
    assert_eq!(v["group_by"], "model");
    assert_eq!(v["bucket_ms"], 300_000);
    assert!(v["buckets"].as_array().unwrap().len() >= 12);
    let groups = v["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 6);
    let costs: Vec<f64> = groups
        .iter()
        .map(|g| g["cost_usd"].as_f64().unwrap())
        .collect();
    assert!(
        costs.windows(2).all(|w| w[0] >= w[1]),
        "most expensive first"
    );
    for field in ["p50", "p95", "p99"] {
        assert!(v["total"]["latency_ms"][field].as_f64().unwrap() > 0.0);
    }

    // Defaults: the last 24 hours, no grouping.
    let (_, _, body) = get(&app, "/api/analytics/summary").await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["total"]["requests"], 40);
    assert!(v["groups"].as_array().unwrap().is_empty());

    // An absolute window that holds nothing.
    let (status, _, body) = get(
        &app,
        "/api/analytics/summary?since=2020-01-01T00:00:00Z&until=2020-01-02",
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("\"requests\":0"));

    let (status, _, body) = get(&app, "/api/analytics/recent?limit=3").await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0]["request_id"], "req-0039");
    assert!(
        events[0]["prompt_text"].is_null(),
        "no text unless configured"
    );
    assert_eq!(v["pipeline"]["written"], 40);
    a.shutdown().await;
}

#[tokio::test]
async fn bad_queries_get_json_errors() {
    let app = router(analytics_with(1).await);
    for uri in [
        "/api/analytics/summary?group_by=colour",
        "/api/analytics/summary?since=yesterday",
        "/api/analytics/summary?since=1h&until=2h",
        "/api/analytics/summary?since=30d&bucket=1s",
        "/api/analytics/summary?bucket=fortnight",
    ] {
        let (status, _, body) = get(&app, uri).await;
        assert_eq!(status, 400, "{uri}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(v["error"]["message"].as_str().unwrap().len() > 5, "{uri}");
    }
    let (status, _, _) = get(&router(Analytics::disabled()), "/api/analytics/summary").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn metrics_endpoint() {
    let app = router(analytics_with(10).await);
    let (status, ctype, body) = get(&app, "/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(ctype, "text/plain; version=0.0.4; charset=utf-8");
    assert!(body.contains("# TYPE switchyard_requests_total counter"));
    assert!(body.contains("switchyard_analytics_events_written_total 10"));
    // The gateway's own gauges follow the analytics metrics.
    assert!(body.contains("# TYPE switchyard_breaker_state gauge"));
    assert!(
        body.contains(r#"switchyard_breaker_state{provider="upstream",model="gpt-upstream"} 0"#),
        "{body}"
    );
    assert!(body.contains(
        r#"switchyard_deployment_in_flight{provider="upstream",model="gpt-upstream"} 0"#
    ));
}

#[tokio::test]
async fn dashboard_assets_are_built_in() {
    let app = router(Analytics::disabled());
    let resp = app
        .clone()
        .oneshot(Request::get("/dashboard").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let csp = resp.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"));
    let (status, ctype, html) = get(&app, "/dashboard").await;
    assert_eq!((status, ctype.as_str()), (200, "text/html; charset=utf-8"));
    assert!(html.contains("Where the money goes"));
    assert!(html.contains("data-testid=\"total-requests\""));
    for (path, ctype_want) in [
        ("/dashboard/app.js", "text/javascript; charset=utf-8"),
        ("/dashboard/charts.js", "text/javascript; charset=utf-8"),
        ("/dashboard/app.css", "text/css; charset=utf-8"),
    ] {
        assert!(html.contains(path), "{path} referenced");
        let (status, ctype, body) = get(&app, path).await;
        assert_eq!((status, ctype.as_str()), (200, ctype_want), "{path}");
        assert!(body.len() > 500, "{path}");
        // No CDN: nothing is loaded from another origin (the SVG namespace is a name).
        let body = body.replace("\"http://www.w3.org/2000/svg\"", "");
        assert!(
            !body.contains("http://") && !body.contains("https://"),
            "{path}"
        );
    }
    assert!(!html.contains("https://") && !html.contains("http://"));
}
