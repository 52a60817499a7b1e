//! `/_mock/*` control endpoints: stats, reset, runtime configuration.
#![cfg(test)]

mod common;

use common::{client, openai_user};
use serde_json::{json, Value};
use switchyard_mock::{Family, Fault, MockBehavior, MockServer, MockStats, REDACTED};

async fn get(url: &str) -> (u16, Value) {
    let resp = client().get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn post_raw(url: &str, body: &str) -> (u16, Value) {
    let resp = client()
        .post(url)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn stats_record_the_last_request_with_secrets_redacted() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let base = server.url();
    client()
        .post(format!("{base}/v1/chat/completions?trace=1"))
        .header("authorization", "Bearer sk-secret")
        .header("x-api-key", "sk-ant-secret")
        .header("x-request-id", "abc")
        .json(&openai_user("what reached the upstream"))
        .send()
        .await
        .unwrap();
    client()
        .post(format!(
            "{base}/v1beta/models/g:generateContent?key=AIza-secret"
        ))
        .header("x-goog-api-key", "AIza-secret")
        .json(&json!({"contents": [{"parts": [{"text": "hi"}]}]}))
        .send()
        .await
        .unwrap();
    let (code, v) = get(&format!("{base}/_mock/stats")).await;
    assert_eq!(code, 200);
    let stats: MockStats = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(stats, server.stats());
    assert_eq!(v["requests_total"], 2);
    assert_eq!(v["by_endpoint"]["openai"], 1);
    assert_eq!(v["by_endpoint"]["gemini"], 1);
    for key in ["anthropic", "azure", "embeddings"] {
        assert_eq!(v["by_endpoint"][key], 0);
    }
    let last = &v["last_request"];
    assert_eq!(last["path"], "/v1beta/models/g:generateContent");
    assert_eq!(last["query"], format!("key={REDACTED}"));
    assert_eq!(last["headers"]["x-goog-api-key"], REDACTED);
    assert_eq!(last["body"]["contents"][0]["parts"][0]["text"], "hi");
    assert!(!v.to_string().contains("secret"));

    // The earlier request, checked through the library snapshot before the second one.
    server.reset_stats();
    client()
        .post(format!("{base}/v1/chat/completions?trace=1"))
        .header("authorization", "Bearer sk-secret")
        .header("x-api-key", "sk-ant-secret")
        .header("api-key", "azure-secret")
        .header("x-request-id", "abc")
        .json(&openai_user("what reached the upstream"))
        .send()
        .await
        .unwrap();
    let last = server.stats().last_request.unwrap();
    assert_eq!(last.path, "/v1/chat/completions");
    assert_eq!(last.query.as_deref(), Some("trace=1"));
    assert_eq!(last.headers["authorization"], REDACTED);
    assert_eq!(last.headers["x-api-key"], REDACTED);
    assert_eq!(last.headers["api-key"], REDACTED);
    assert_eq!(last.headers["x-request-id"], "abc");
    assert_eq!(last.headers["content-type"], "application/json");
    assert_eq!(
        last.body["messages"][0]["content"],
        "what reached the upstream"
    );
}

#[tokio::test]
async fn reset_zeroes_and_control_calls_are_not_counted() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let base = server.url();
    client()
        .post(format!("{base}/v1/chat/completions"))
        .json(&openai_user("x"))
        .send()
        .await
        .unwrap();
    let (_, v) = get(&format!("{base}/_mock/stats")).await;
    assert_eq!(v["requests_total"], 1);
    let (code, _) = post_raw(&format!("{base}/_mock/reset"), "").await;
    assert_eq!(code, 200);
    let (_, v) = get(&format!("{base}/_mock/stats")).await;
    assert_eq!(v["requests_total"], 0);
    assert!(v["last_request"].is_null());
    assert_eq!(server.stats(), MockStats::default());
}

#[tokio::test]
async fn config_round_trip_and_family_override_over_http() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let base = server.url();
    let (code, v) = get(&format!("{base}/_mock/config")).await;
    assert_eq!(code, 200);
    let current: MockBehavior = serde_json::from_value(v).unwrap();
    assert_eq!(current, MockBehavior::default());

    let (code, _) = post_raw(
        &format!("{base}/_mock/config"),
        r#"{"response_text": "all families", "latency_ms": 0}"#,
    )
    .await;
    assert_eq!(code, 200);
    let (code, _) = post_raw(
        &format!("{base}/_mock/config?family=anthropic"),
        r#"{"fault": {"status": {"code": 500}}}"#,
    )
    .await;
    assert_eq!(code, 200);
    let (_, v) = get(&format!("{base}/_mock/config?family=anthropic")).await;
    assert_eq!(v["fault"]["status"]["code"], 500);
    assert_eq!(v["fault"]["status"]["rate"], 1.0);
    let (_, v) = get(&format!("{base}/_mock/config")).await;
    assert_eq!(v["response_text"], "all families");
    assert_eq!(v["fault"], "none");
    assert_eq!(
        server.behavior(Family::Anthropic).fault,
        Fault::Status {
            code: 500,
            rate: 1.0,
            retry_after: None,
            body: None
        }
    );

    let (code, v) =
        common::post_json(&format!("{base}/v1/chat/completions"), &openai_user("x")).await;
    assert_eq!(code, 200);
    assert_eq!(v["choices"][0]["message"]["content"], "all families");
    let (code, v) = common::post_json(
        &format!("{base}/v1/messages"),
        &json!({"model": "c", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}),
    )
    .await;
    assert_eq!(code, 500);
    assert_eq!(v["error"]["type"], "api_error");

    // DELETE with a family drops the override.
    let resp = client()
        .delete(format!("{base}/_mock/config?family=anthropic"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(server.behavior(Family::Anthropic).fault, Fault::None);

    // Posting without a family replaces everything, overrides included.
    server.set_family_behavior(
        Family::Gemini,
        MockBehavior {
            latency_ms: 7,
            ..MockBehavior::default()
        },
    );
    let (code, _) = post_raw(&format!("{base}/_mock/config"), "{}").await;
    assert_eq!(code, 200);
    assert_eq!(server.behavior(Family::Gemini), MockBehavior::default());
}

#[tokio::test]
async fn config_rejects_bad_input() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let base = server.url();
    let (code, v) = post_raw(&format!("{base}/_mock/config"), r#"{"latency": 5}"#).await;
    assert_eq!(code, 400);
    assert!(v["error"].as_str().unwrap().contains("latency"));
    let (code, _) = post_raw(&format!("{base}/_mock/config"), "not json").await;
    assert_eq!(code, 400);
    let (code, v) = post_raw(&format!("{base}/_mock/config?family=bedrock"), "{}").await;
    assert_eq!(code, 400);
    assert!(v["error"].as_str().unwrap().contains("bedrock"));
    assert_eq!(server.behavior(Family::OpenAi), MockBehavior::default());
}
