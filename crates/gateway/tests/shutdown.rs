//! Graceful shutdown: once told to stop, the gateway accepts no new connections but lets
//! requests in flight finish.

#![cfg(test)]

mod common;

use common::{Harness, ALL_KINDS};
use serde_json::json;
use std::time::Duration;
use switchyard_mock::MockBehavior;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_requests_finish_after_shutdown_begins() {
    let mut h = Harness::start(
        ALL_KINDS,
        MockBehavior {
            latency_ms: 400,
            ..MockBehavior::default()
        },
    )
    .await;
    let body =
        json!({"model": "openai-model", "messages": [{"role": "user", "content": "slow one"}]});
    let in_flight = tokio::spawn(h.post("/v1/chat/completions", &body).send());
    tokio::time::sleep(Duration::from_millis(100)).await;
    h.begin_shutdown();
    let r = in_flight.await.unwrap().unwrap();
    assert_eq!(r.status(), 200, "the in-flight request was cut");
    let text = r.text().await.unwrap();
    assert!(text.contains("Mock answer to: slow one"), "{text}");
    // New connections are no longer served.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let fresh = reqwest::Client::new()
        .post(format!("{}/v1/chat/completions", h.url()))
        .json(&body)
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(fresh.is_err(), "a new request was served after shutdown");
}
