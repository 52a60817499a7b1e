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

mod common;

use axum::{response::Html, routing::get};
use common::{sample_events, unique_suffix};
use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};
use switchyard_analytics::{now_millis, router, Analytics, AnalyticsConfig, PriceTable};

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
    })
}

/// The browser, installed through the project script when missing.
fn ensure_chromium() -> PathBuf {
    if let Some(path) = chromium() {
        return path;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/setup-chromium.sh");
    let status = Command::new("bash").arg(&script).status();
    assert!(
        matches!(status, Ok(s) if s.success()),
        "{} failed: {status:?}",
        script.display()
    );
    chromium().expect("chromium installed by scripts/setup-chromium.sh")
}

struct Page {
    dom: String,
    console: Vec<String>,
}

/// Loads `url` in a fresh headless Chromium profile; returns the rendered DOM and every
/// console message.
fn load(browser: &Path, url: &str) -> Page {
    let profile = std::env::temp_dir().join(format!("sy-chromium-{}", unique_suffix()));
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--window-size=1280,2000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .output()
        .expect("run chromium");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        output.status.success(),
        "chromium exited with {}",
        output.status
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    Page {
        dom: String::from_utf8_lossy(&output.stdout).into_owned(),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_owned)
            .collect(),
    }
}

/// The text of the element carrying `data-testid="{id}"`.
fn test_id_text<'a>(dom: &'a str, id: &str) -> Option<&'a str> {
    let marker = format!("data-testid=\"{id}\">");
    let start = dom.find(&marker)? + marker.len();
    let len = dom[start..].find('<')?;
    Some(&dom[start..start + len])
}

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

    let app = router(a.clone()).route("/broken", get(|| async { Html(BROKEN) }));
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
