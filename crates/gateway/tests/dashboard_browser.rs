//! The dashboard in a real headless Chromium (Debian `chromium`, installed by
//! `scripts/setup-chromium.sh`): the page loads without console messages of any kind (the
//! dashboard writes none, so any message is an error, a CSP violation or a failed load) and
//! shows the number of requests just recorded, the recent list and the cost insights.
//!
//! Chromium is driven with `--dump-dom` after a virtual-time budget (the page's fetches and
//! rendering complete inside it) and `--enable-logging=stderr`, which prints every console
//! message as a `CONSOLE` line. A deliberately broken page checks that this detection works.
//! Set `SWITCHYARD_SKIP_BROWSER_TESTS=1` to skip on machines without Chromium.

#![cfg(test)]

mod browser;
#[path = "../../analytics/tests/common/events.rs"]
mod sample;

use axum::{response::Html, routing::get};
use browser::{ensure_chromium, load, test_id_text};
use sample::sample_events;
use std::time::Duration;
use switchyard_analytics::{now_millis, Analytics, AnalyticsConfig, PriceTable};
use switchyard_gateway::{AppState, Config};

const BROKEN: &str = r#"<!doctype html><html><head><link rel="icon" href="data:,">
<script src="/missing.js"></script></head><body><p>broken</p>
<script>undefinedFunction();</script></body></html>"#;

async fn record(a: &Analytics, n: usize, offset: usize) {
    let now = now_millis();
    for (i, mut e) in sample_events(offset + n)
        .into_iter()
        .enumerate()
        .skip(offset)
    {
        e.ts_ms = now - ((offset + n - i) as i64) * 1000;
        e.event_id = 0;
        a.record(e);
    }
    for _ in 0..500 {
        if a.stats().written == (offset + n) as u64 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("events not written: {:?}", a.stats());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_renders_the_recorded_requests_without_console_errors() {
    if std::env::var_os("SWITCHYARD_SKIP_BROWSER_TESTS").is_some() {
        eprintln!("skipped: SWITCHYARD_SKIP_BROWSER_TESTS is set");
        return;
    }
    let browser = tokio::task::spawn_blocking(ensure_chromium).await.unwrap();
    let config = AnalyticsConfig {
        database: Some(":memory:".into()),
        flush_interval_ms: 10,
        ..AnalyticsConfig::default()
    };
    let a = Analytics::open(config, None, PriceTable::builtin())
        .await
        .unwrap();
    record(&a, 37, 0).await;

    // No keys: the operator routes are open.
    let config = Config::parse("", "test config", &|_| None).unwrap();
    let state = AppState::with_analytics(config, a.clone()).unwrap();
    let app = switchyard_gateway::router(state).route("/broken", get(|| async { Html(BROKEN) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The detector sees errors: a page with a missing script and an exception.
    let url = format!("{base}/broken");
    let b = browser.clone();
    let broken = tokio::task::spawn_blocking(move || load(&b, &url))
        .await
        .unwrap();
    assert!(broken.dom.contains("broken"), "{}", broken.dom);
    assert!(
        broken
            .console
            .iter()
            .any(|l| l.contains("undefinedFunction")),
        "console errors must be detected: {:?}",
        broken.console
    );

    let url = format!("{base}/dashboard");
    let b = browser.clone();
    let page = tokio::task::spawn_blocking(move || load(&b, &url))
        .await
        .unwrap();
    assert!(page.console.is_empty(), "console: {:#?}", page.console);
    assert_eq!(
        test_id_text(&page.dom, "total-requests"),
        Some("37"),
        "requests shown; DOM:\n{}",
        page.dom
    );
    let cost = test_id_text(&page.dom, "total-cost").unwrap();
    assert!(cost.contains('$') && cost != "$0", "{cost}");
    assert!(
        page.dom.contains("req-0036"),
        "the recent list shows the latest request"
    );
    assert!(
        page.dom.contains("of spend"),
        "the cost insights are rendered"
    );
    assert!(page.dom.contains("<svg"), "charts are drawn");
    assert!(!page.dom.contains("Could not load analytics"));

    // More requests: the page shows the new total.
    record(&a, 5, 37).await;
    let url = format!("{base}/dashboard");
    let page = tokio::task::spawn_blocking(move || load(&browser, &url))
        .await
        .unwrap();
    assert!(page.console.is_empty(), "console: {:#?}", page.console);
    assert_eq!(test_id_text(&page.dom, "total-requests"), Some("42"));
    a.shutdown().await;
}
