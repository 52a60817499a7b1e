//! The code API with repository context: a request naming `repository` gets the indexed
//! code relevant to its prompt in the prompt the upstream sees, and the answer lists it in
//! `context_used`; an unknown repository is a 404 that names the configured ones.

#![cfg(test)]

mod common;

use common::Harness;
use serde_json::{json, Value};
use std::time::Duration;
use switchyard_mock::MockBehavior;

const CONFIG: &str = r#"
[server]
api_keys = ["test-client-key"]

[providers.mock-openai]
kind = "openai"
base_url = "{MOCK}/v1"

[models.fast]
deployments = [{ provider = "mock-openai", model = "fast-upstream" }]

[repositories.shop]
path = "{REPO}"
data_dir = "{DATA}"
refresh_interval_secs = 0
"#;

const BILLING: &str = r#"
/// Applies the loyalty discount to an order total, in cents.
pub fn apply_loyalty_discount(total_cents: u64, years: u32) -> u64 {
    let percent = (years.min(10) as u64) * 2;
    total_cents - total_cents * percent / 100
}
"#;

const SHIPPING: &str = r#"
/// Picks the carrier for a parcel by weight.
pub fn choose_carrier(weight_grams: u32) -> &'static str {
    if weight_grams > 30_000 { "freight" } else { "post" }
}
"#;

async fn post_code(h: &Harness, body: &Value) -> (u16, Value) {
    let resp = h.post("/v1/code/generate", body).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn a_named_repository_puts_the_relevant_code_in_the_prompt() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path().join("src")).unwrap();
    std::fs::write(repo.path().join("src/billing.rs"), BILLING).unwrap();
    std::fs::write(repo.path().join("src/shipping.rs"), SHIPPING).unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = CONFIG
        .replace("{REPO}", repo.path().to_str().unwrap())
        .replace("{DATA}", data.path().to_str().unwrap());
    let h = Harness::start(&config, MockBehavior::default()).await;
    let body = json!({
        "prompt": "Write a unit test for apply_loyalty_discount",
        "language": "rust",
        "model": "fast",
        "repository": "shop",
    });
    // The index is built in the background at start: 503 until it is open.
    let mut answer = Value::Null;
    for _ in 0..200 {
        let (status, v) = post_code(&h, &body).await;
        if status != 503 {
            assert_eq!(status, 200, "{v}");
            answer = v;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let used = answer["context_used"].as_array().expect("context_used");
    assert_eq!(used[0]["path"], "src/billing.rs", "{answer}");
    assert_eq!(used[0]["symbol"], "apply_loyalty_discount");
    assert!(
        used.iter().all(|c| c["path"] != "src/shipping.rs"),
        "unrelated code: {used:?}"
    );
    let sent = h.mock.stats().last_request.unwrap().body.to_string();
    assert!(
        sent.contains("years.min(10)"),
        "the function's code reached the upstream"
    );
    assert!(!sent.contains("choose_carrier"));

    let (status, v) = post_code(
        &h,
        &json!({"prompt": "x", "language": "rust", "model": "fast", "repository": "nope"}),
    )
    .await;
    assert_eq!(status, 404, "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("unknown repository `nope`") && message.contains("known: shop"),
        "{message}"
    );
}
