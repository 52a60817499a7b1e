//! Every request through the gateway becomes an analytics event with its cost; the
//! dashboard, analytics API and metrics show them, behind the admin key; the dashboard
//! renders in a real headless Chromium.

#![cfg(test)]

mod browser;
mod common;

use common::{Harness, ALL_KINDS, CLIENT_KEY};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use switchyard_mock::MockBehavior;

const ADMIN_KEY: &str = "admin-key-for-tests";

async fn admin_get(h: &Harness, path: &str) -> reqwest::Response {
    h.client
        .get(format!("{}{path}", h.url()))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap()
}

/// Every kind of provider, with [`ADMIN_KEY`] guarding the operator endpoints.
fn with_admin_key() -> String {
    ALL_KINDS.replace(
        "max_body_bytes = 65536",
        &format!("max_body_bytes = 65536\nadmin_key = \"{ADMIN_KEY}\""),
    )
}

/// Waits until the store holds `n` events (the writer batches every 20 ms).
async fn recent(h: &Harness, n: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let body: Value = admin_get(h, "/api/analytics/recent?limit=100")
            .await
            .json()
            .await
            .unwrap();
        let events = body["events"].as_array().cloned().unwrap_or_default();
        if events.len() >= n {
            return events;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "only {} events: {body}",
            events.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_become_priced_events_and_metrics() {
    let config = with_admin_key()
        + r#"
[models.priced]
deployments = [{ provider = "mock-openai", model = "my-finetune", input_cost_per_mtok = 2.0, output_cost_per_mtok = 8.0 }]
"#;
    let h = Harness::start_with(&config, MockBehavior::default(), true).await;
    let secret_prompt = "SECRET-PROMPT-TEXT reverse a linked list";
    for model in ["priced", "anthropic-model"] {
        let r = h
            .post(
                "/v1/chat/completions",
                &json!({"model": model, "messages": [{"role": "user", "content": secret_prompt}]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let r = h
        .post(
            "/v1/messages",
            &json!({"model": "gemini-model", "max_tokens": 32, "stream": true,
                    "messages": [{"role": "user", "content": "stream please"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let _ = r.text().await.unwrap();
    let r = h
        .post(
            "/v1/chat/completions",
            &json!({"model": "nope", "messages": [{"role": "user", "content": "x"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let events = recent(&h, 4).await;
    let text = serde_json::to_string(&events).unwrap();
    assert!(
        !text.contains("SECRET-PROMPT-TEXT"),
        "prompt text stored: {text}"
    );
    assert!(!text.contains(CLIENT_KEY), "client key stored");
    let priced = events.iter().find(|e| e["alias"] == "priced").unwrap();
    assert_eq!(priced["provider"], "mock-openai");
    assert_eq!(priced["provider_kind"], "openai");
    assert_eq!(priced["endpoint"], "/v1/chat/completions");
    assert_eq!(priced["status"], 200);
    assert!(priced["key_hash"].as_str().unwrap().len() == 16);
    let usage = &priced["usage"];
    let (input, output) = (
        usage["input_tokens"].as_f64().unwrap(),
        usage["output_tokens"].as_f64().unwrap(),
    );
    assert!(input > 0.0 && output > 0.0);
    let expected = (input * 2.0 + output * 8.0) / 1e6;
    let cost = priced["cost_usd"].as_f64().unwrap();
    assert!((cost - expected).abs() < 1e-12, "cost {cost} != {expected}");
    let stream = events.iter().find(|e| e["stream"] == true).unwrap();
    assert_eq!(stream["client_format"], "anthropic");
    assert_eq!(stream["provider"], "mock-gemini");
    assert!(stream["ttft_ms"].as_f64().is_some());
    assert!(stream["usage"]["output_tokens"].as_f64().unwrap() > 0.0);
    let missing = events.iter().find(|e| e["status"] == 404).unwrap();
    assert_eq!(missing["error_class"], "not_found");

    let summary: Value = admin_get(&h, "/api/analytics/summary?since=1h&group_by=provider")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["total"]["requests"], 4, "{summary}");

    // Operator surfaces need the admin key; the client key is not enough.
    let r = h
        .client
        .get(format!("{}/metrics", h.url()))
        .bearer_auth(CLIENT_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let metrics = admin_get(&h, "/metrics").await.text().await.unwrap();
    assert!(
        metrics
            .contains("switchyard_breaker_state{provider=\"mock-openai\",model=\"my-finetune\"} 0"),
        "{metrics}"
    );
    assert!(metrics.contains("switchyard_requests_total"), "{metrics}");
    let health = admin_get(&h, "/admin/health").await;
    assert_eq!(health.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_shows_the_requests_just_sent() {
    // No keys at all: the dashboard's data is open, as on a developer's machine.
    let config = ALL_KINDS.replace("api_keys = [\"test-client-key\"]", "");
    let h = Harness::start_with(&config, MockBehavior::default(), true).await;
    let n = 7;
    for i in 0..n {
        let model = ["openai-model", "anthropic-model", "gemini-model"][i % 3];
        let r = h
            .client
            .post(format!("{}/v1/chat/completions", h.url()))
            .json(&json!({"model": model, "messages": [{"role": "user", "content": "hello"}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let started = Instant::now();
    while recent_count(&h).await < n {
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let chromium = browser::ensure_chromium();
    let url = format!("{}/dashboard", h.url());
    let page = tokio::task::spawn_blocking(move || browser::load(&chromium, &url))
        .await
        .unwrap();
    assert!(page.console.is_empty(), "console: {:#?}", page.console);
    assert_eq!(
        browser::test_id_text(&page.dom, "total-requests"),
        Some(n.to_string().as_str()),
        "{}",
        page.dom
    );
    assert!(page.dom.contains("mock-gemini") || page.dom.contains("gemini-upstream"));
}

async fn recent_count(h: &Harness) -> usize {
    let body: Value = h
        .client
        .get(format!("{}/api/analytics/recent?limit=100", h.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["events"].as_array().map_or(0, Vec::len)
}

/// An OpenAI-compatible server (as some local ones do) that reports no `usage`: the event is
/// priced on estimated tokens, marked as such, never booked as a free request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_without_usage_are_priced_on_estimated_tokens() {
    let upstream = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(|| async {
            axum::Json(json!({
                "id": "chatcmpl-1", "object": "chat.completion", "created": 1,
                "model": "bare-model",
                "choices": [{"index": 0, "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "fn main() { println!(\"hi\"); }"}}]
            }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, upstream).await;
    });
    let config = with_admin_key()
        + &format!(
            r#"
[providers.bare]
kind = "openai"
base_url = "http://{addr}/v1"
[models.bare]
deployments = [{{ provider = "bare", model = "bare-model", input_cost_per_mtok = 1.0, output_cost_per_mtok = 4.0 }}]
"#
        );
    let h = Harness::start_with(&config, MockBehavior::default(), true).await;
    let r = h
        .post(
            "/v1/chat/completions",
            &json!({"model": "bare", "messages": [{"role": "user", "content": "print hi in Rust"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let events = recent(&h, 1).await;
    let e = &events[0];
    assert_eq!(e["usage"]["estimated"], true, "{e}");
    assert_eq!(e["cost_estimated"], true);
    let (input, output) = (
        e["usage"]["input_tokens"].as_f64().unwrap(),
        e["usage"]["output_tokens"].as_f64().unwrap(),
    );
    assert!(input > 0.0 && output > 0.0, "{e}");
    let expected = (input * 1.0 + output * 4.0) / 1e6;
    assert!((e["cost_usd"].as_f64().unwrap() - expected).abs() < 1e-12);
    // Counted from the text, not from the JSON body's size: "print hi in Rust" is a few
    // tokens, the body ~90 bytes.
    assert!(input < 15.0, "{input}");
    assert!(e["prompt_text"].is_null() && e["completion_text"].is_null());
}

/// `record_text = true` keeps the prompt and completion, secrets redacted; streamed answers
/// too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_text_keeps_redacted_text_of_plain_and_streamed_answers() {
    let config = with_admin_key();
    let settings = switchyard_analytics::AnalyticsConfig {
        database: Some(":memory:".into()),
        flush_interval_ms: 20,
        record_text: true,
        ..Default::default()
    };
    let behavior = MockBehavior {
        response_text: Some("answer text here".into()),
        ..MockBehavior::default()
    };
    let h = Harness::start_with_analytics(&config, behavior, Some(settings)).await;
    let secret = "my key is sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";
    for stream in [false, true] {
        let r = h
            .post(
                "/v1/chat/completions",
                &json!({"model": "openai-model", "stream": stream,
                        "messages": [{"role": "user", "content": secret}]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let _ = r.text().await.unwrap();
    }
    let events = recent(&h, 2).await;
    for e in &events {
        let prompt = e["prompt_text"].as_str().unwrap_or_default();
        assert!(prompt.contains("my key is"), "{e}");
        assert!(
            !prompt.contains("abcdefghijklmnopqrstuvwxyz"),
            "secret kept: {prompt}"
        );
        let completion = e["completion_text"].as_str().unwrap_or_default();
        assert!(completion.contains("answer text here"), "{e}");
    }
    assert!(events.iter().any(|e| e["stream"] == true));
}

/// A response-cache hit costs nothing and records what the upstream call would have cost;
/// the summary's cache figures (the dashboard's cache card and savings) count it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_hits_record_the_cost_they_avoided() {
    let config = with_admin_key()
        + r#"
[cache]
enabled = true
semantic = true
embedder = "builtin"

[models.priced]
deployments = [{ provider = "mock-openai", model = "my-finetune", input_cost_per_mtok = 2.0, output_cost_per_mtok = 8.0 }]
"#;
    let h = Harness::start_with(&config, MockBehavior::default(), true).await;
    let mut statuses = Vec::new();
    for prompt in [
        "write a python function that sorts a list of user records by age",
        "write a python function that sorts a list of user records by age",
        "please write a python function which sorts a list of user records by age",
    ] {
        let r = h
            .post(
                "/v1/chat/completions",
                &json!({"model": "priced", "messages": [{"role": "user", "content": prompt}]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        statuses.push(
            r.headers()["x-switchyard-cache"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
        let _ = r.text().await.unwrap();
    }
    assert_eq!(statuses, ["miss", "exact", "semantic"]);
    let events = recent(&h, 3).await;
    let by_status = |s: &str| {
        events
            .iter()
            .find(|e| e["cache_status"] == s)
            .unwrap_or_else(|| panic!("no {s} event: {events:?}"))
    };
    let miss = by_status("miss");
    let cost = miss["cost_usd"].as_f64().unwrap();
    assert!(cost > 0.0, "{miss}");
    for status in ["hit", "semantic_hit"] {
        let e = by_status(status);
        assert_eq!(e["cost_usd"].as_f64(), Some(0.0), "{e}");
        let saved = e["cache_savings_usd"]
            .as_f64()
            .unwrap_or_else(|| panic!("{e}"));
        assert!(
            (saved - cost).abs() < 1e-12,
            "{status} saved {saved}, the miss cost {cost}"
        );
    }
    let summary: Value = admin_get(&h, "/api/analytics/summary?since=1h")
        .await
        .json()
        .await
        .unwrap();
    let t = &summary["total"];
    assert_eq!(t["cache_lookups"], 3, "{summary}");
    assert_eq!(t["cache_hits"], 2, "{summary}");
    assert!((t["cache_savings_usd"].as_f64().unwrap() - 2.0 * cost).abs() < 1e-12);
}
