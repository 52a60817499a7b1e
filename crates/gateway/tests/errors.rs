//! Bad input and upstream failures get clear errors, in the client's format, with the right
//! status; every response carries the gateway's headers.

#![cfg(test)]

mod common;

use common::{chat, messages, status_fault, with_fault, Harness, ALL_KINDS, CLIENT_KEY};
use serde_json::{json, Value};
use switchyard_mock::{Family, Fault, MockBehavior};

#[tokio::test]
async fn malformed_json_is_a_400_in_each_format() {
    let h = Harness::all_kinds().await;
    let (status, body) = h.post_raw("/v1/chat/completions", "{not json").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
    let (status, body) = h.post_raw("/v1/messages", "{not json").await;
    assert_eq!(status, 400);
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn missing_and_ill_typed_fields_are_named() {
    let h = Harness::all_kinds().await;
    let (status, body) = h
        .post_raw("/v1/chat/completions", r#"{"messages":[]}"#)
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("model"),
        "{body}"
    );
    let (status, body) = h.post_raw("/v1/chat/completions",
        r#"{"model":"openai-model","messages":[{"role":"user","content":"x"}],"temperature":"hot"}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["param"], "temperature", "{body}");
    let (status, body) = h
        .post_raw(
            "/v1/messages",
            r#"{"model":"anthropic-model","messages":[{"role":"user","content":"x"}]}"#,
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_tokens"),
        "{body}"
    );
}

#[tokio::test]
async fn n_other_than_one_is_rejected() {
    let h = Harness::all_kinds().await;
    let mut req = chat("openai-model");
    req["n"] = json!(2);
    let r = h.post("/v1/chat/completions", &req).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["param"], "n");
    assert_eq!(
        h.mock.stats().requests_total,
        0,
        "nothing reached the upstream"
    );
}

#[tokio::test]
async fn oversized_body_is_a_413() {
    let h = Harness::all_kinds().await;
    let big = "x".repeat(70_000);
    let req = json!({"model": "openai-model", "messages": [{"role": "user", "content": big}]});
    let r = h.post("/v1/chat/completions", &req).send().await.unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["type"], "request_too_large", "{body}");
    let r = h.post("/v1/messages", &req).send().await.unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["type"], "request_too_large", "{body}");
}

#[tokio::test]
async fn unknown_model_is_model_not_found() {
    let h = Harness::all_kinds().await;
    let r = h
        .post("/v1/chat/completions", &chat("gpt-nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "model_not_found");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("openai-model"));
    let r = h
        .post("/v1/messages", &messages("claude-nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["type"], "not_found_error");
}

#[tokio::test]
async fn authentication_is_required_and_answered_in_format() {
    let h = Harness::all_kinds().await;
    let url = h.url();
    let r = h
        .client
        .post(format!("{url}/v1/chat/completions"))
        .json(&chat("openai-model"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("x-request-id"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["type"], "authentication_error");
    let r = h
        .client
        .post(format!("{url}/v1/messages"))
        .header("x-api-key", "wrong-key-value")
        .json(&messages("anthropic-model"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "authentication_error");
    // x-api-key works for OpenAI-format routes too, and /health needs no key.
    let r = h
        .client
        .post(format!("{url}/v1/chat/completions"))
        .header("x-api-key", CLIENT_KEY)
        .json(&chat("openai-model"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = h.client.get(format!("{url}/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn upstream_429_passes_on_with_retry_after() {
    let h = Harness::all_kinds().await;
    h.mock.set_behavior(status_fault(429, 1.0, Some(7)));
    for (path, body) in [
        ("/v1/chat/completions", chat("anthropic-model")),
        ("/v1/messages", messages("openai-model")),
    ] {
        let r = h.post(path, &body).send().await.unwrap();
        assert_eq!(r.status(), 429, "{path}");
        assert_eq!(r.headers()["retry-after"], "7");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["type"], "rate_limit_error", "{body}");
    }
}

#[tokio::test]
async fn upstream_5xx_is_a_502_without_secrets() {
    let h = Harness::all_kinds().await;
    h.mock.set_behavior(status_fault(500, 1.0, None));
    let r = h
        .post("/v1/chat/completions", &chat("openai-model"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(r.headers()["x-switchyard-provider"], "mock-openai");
    let text = r.text().await.unwrap();
    assert!(!text.contains("sk-upstream"), "upstream key leaked: {text}");
    assert!(text.contains("mock-openai"), "{text}");
}

#[tokio::test]
async fn upstream_hang_is_a_504_after_the_first_byte_timeout() {
    let config = ALL_KINDS.replace(
        "api_key = \"sk-upstream-openai\"",
        "api_key = \"sk-upstream-openai\"\nfirst_byte_timeout_ms = 300",
    );
    let h = Harness::start(&config, MockBehavior::default()).await;
    h.mock
        .set_family_behavior(Family::OpenAi, with_fault(Fault::Hang));
    let started = std::time::Instant::now();
    let r = h
        .post("/v1/chat/completions", &chat("openai-model"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 504);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json_errors() {
    let h = Harness::all_kinds().await;
    let r = h
        .client
        .get(format!("{}/v1/nope", h.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/v1/nope"));
    let r = h
        .client
        .get(format!("{}/v1/chat/completions", h.url()))
        .bearer_auth(CLIENT_KEY)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    let _: Value = r.json().await.unwrap();
}

#[tokio::test]
async fn every_response_carries_gateway_headers() {
    let h = Harness::all_kinds().await;
    let r = h
        .post("/v1/chat/completions", &chat("gemini-model"))
        .header("x-request-id", "client-chosen-id-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let headers = r.headers();
    assert_eq!(headers["x-request-id"], "client-chosen-id-1");
    assert_eq!(headers["x-switchyard-provider"], "mock-gemini");
    assert_eq!(headers["x-switchyard-model"], "gemini-upstream");
    assert_eq!(headers["x-switchyard-attempts"], "1");
    let overhead: u64 = headers["x-switchyard-overhead-us"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(overhead < 1_000_000, "overhead {overhead} us");
    let generated = h
        .post("/v1/chat/completions", &chat("nope"))
        .send()
        .await
        .unwrap();
    assert!(generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .starts_with("req_"));
}

#[tokio::test]
async fn failing_deployment_is_skipped_for_the_next() {
    let config = format!(
        "{ALL_KINDS}\n[models.chain]\ndeployments = [{{ provider = \"mock-openai\", model = \"a\" }}, {{ provider = \"mock-anthropic\", model = \"b\" }}]\n"
    );
    let h = Harness::start(&config, MockBehavior::default()).await;
    h.mock
        .set_family_behavior(Family::OpenAi, status_fault(503, 1.0, None));
    let r = h
        .post("/v1/chat/completions", &chat("chain"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-switchyard-provider"], "mock-anthropic");
    assert_eq!(r.headers()["x-switchyard-attempts"], "2");
    // A client error is not retried elsewhere.
    let mut bad = chat("chain");
    bad["messages"] = json!([]);
    let before = h.mock.stats().requests_total;
    let r = h.post("/v1/chat/completions", &bad).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(h.mock.stats().requests_total, before);
}
