//! The code API with repository context: a request naming `repository` gets the indexed
//! code relevant to its prompt in the prompt the upstream sees, and the answer lists it in
//! `context_used`; a chat or messages request naming one in `x-switchyard-repository` gets
//! it as a system message and the `x-switchyard-context` header lists it; an unknown
//! repository is a 404 that names the configured ones.

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
    let (h, _repo, _data) = shop().await;
    let body = json!({
        "prompt": "Write a unit test for apply_loyalty_discount",
        "language": "rust",
        "model": "fast",
        "repository": "shop",
    });
    // The index is built in the background at start: 503 until it is open.
    let resp = once_indexed(|| h.post("/v1/code/generate", &body).send()).await;
    assert_eq!(resp.status(), 200);
    let answer: Value = resp.json().await.unwrap();
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

/// A repository with the two files, and a gateway configured with it.
async fn shop() -> (Harness, tempfile::TempDir, tempfile::TempDir) {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path().join("src")).unwrap();
    std::fs::write(repo.path().join("src/billing.rs"), BILLING).unwrap();
    std::fs::write(repo.path().join("src/shipping.rs"), SHIPPING).unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = CONFIG
        .replace("{REPO}", repo.path().to_str().unwrap())
        .replace("{DATA}", data.path().to_str().unwrap());
    let h = Harness::start(&config, MockBehavior::default()).await;
    (h, repo, data)
}

/// Sends `send` until the repository's index is open (503 before), then its answer.
async fn once_indexed<F, Fut>(send: F) -> reqwest::Response
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>>,
{
    for _ in 0..200 {
        let resp = send().await.unwrap();
        if resp.status().as_u16() != 503 {
            return resp;
        }
        // Clients are told when to come back.
        assert_eq!(resp.headers()["retry-after"], "1");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the repository was not indexed in 10 s");
}

#[tokio::test]
async fn a_chat_request_naming_a_repository_gets_its_code_before_the_question() {
    let (h, _repo, _data) = shop().await;
    let body = json!({
        "model": "fast",
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Write a unit test for apply_loyalty_discount"},
        ],
    });
    let resp = once_indexed(|| {
        h.post("/v1/chat/completions", &body)
            .header("x-switchyard-repository", "shop")
            .send()
    })
    .await;
    assert_eq!(resp.status(), 200);
    let listed = resp.headers()["x-switchyard-context"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        listed.starts_with("src/billing.rs:2-6 apply_loyalty_discount"),
        "{listed}"
    );
    assert!(!listed.contains("shipping"), "{listed}");
    let sent = h.mock.stats().last_request.unwrap().body;
    let messages = sent["messages"].as_array().unwrap();
    let roles: Vec<&str> = messages
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "system", "user"], "{sent}");
    let context = messages[1]["content"].to_string();
    assert!(context.contains("repository `shop`"), "{context}");
    assert!(context.contains("years.min(10)"), "{context}");
    assert!(!sent.to_string().contains("choose_carrier"));

    // Without the header nothing is added.
    let resp = h.post("/v1/chat/completions", &body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("x-switchyard-context").is_none());
    let sent = h.mock.stats().last_request.unwrap().body;
    assert_eq!(sent["messages"].as_array().unwrap().len(), 2, "{sent}");
}

#[tokio::test]
async fn a_messages_request_naming_an_unknown_repository_is_a_404_naming_the_known_ones() {
    let (h, _repo, _data) = shop().await;
    let body = json!({
        "model": "fast",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "Explain choose_carrier"}],
    });
    let resp = h
        .post("/v1/messages", &body)
        .header("x-switchyard-repository", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let v: Value = resp.json().await.unwrap();
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("known: shop"), "{message}");

    let resp = once_indexed(|| {
        h.post("/v1/messages", &body)
            .header("x-switchyard-repository", "shop")
            .send()
    })
    .await;
    assert_eq!(resp.status(), 200);
    let listed = resp.headers()["x-switchyard-context"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(listed.starts_with("src/shipping.rs"), "{listed}");
    let sent = h.mock.stats().last_request.unwrap().body.to_string();
    assert!(sent.contains("weight_grams > 30_000"), "{sent}");
}

/// The first entry of the code API's `context_used` for `question` about `repository`.
async fn first_context(h: &Harness, question: &str) -> Value {
    let body = json!({
        "prompt": question,
        "language": "rust",
        "model": "fast",
        "repository": "cache",
    });
    let resp = once_indexed(|| h.post("/v1/code/explain", &body).send()).await;
    assert_eq!(resp.status(), 200);
    let answer: Value = resp.json().await.unwrap();
    answer["context_used"][0].clone()
}

#[tokio::test]
async fn with_the_neural_embedder_a_question_in_words_finds_the_code_that_answers_it() {
    if !switchyard_cache::embed::ModelFiles::default_location().present() {
        eprintln!("note: neural model files not installed (scripts/setup-models.sh); skipped");
        return;
    }
    // The cache crate's sources: real code, where BM25 alone ranks a file that shares the
    // question's words above the one that does what it asks.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cache/src");
    let question = "load the onnx sentence embedding model";
    let want = "embed/neural.rs";
    let gateway = |embedder: &'static str| {
        let root = root.clone();
        async move {
            let data = tempfile::tempdir().unwrap();
            let config = CONFIG
                .replace("[repositories.shop]", "[repositories.cache]")
                .replace("{REPO}", root.to_str().unwrap())
                .replace("{DATA}", data.path().to_str().unwrap())
                + &format!("embedder = \"{embedder}\"\n");
            (Harness::start(&config, MockBehavior::default()).await, data)
        }
    };

    let (bm25, _bm25_data) = gateway("off").await;
    let bm25_first = first_context(&bm25, question).await;
    assert!(bm25_first["similarity"].is_null(), "{bm25_first}");
    let path = bm25_first["path"].as_str().unwrap();
    assert!(!path.contains(want), "BM25 alone: {bm25_first}");

    // The vectors are computed in the background after the index opens (seconds alone, a
    // few minutes in a debug build beside other tests): BM25's order until then.
    let (neural, _neural_data) = gateway("neural").await;
    let started = std::time::Instant::now();
    let first = loop {
        let first = first_context(&neural, question).await;
        if !first["similarity"].is_null() {
            break first;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "no re-ranked answer after 10 minutes: {first}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let path = first["path"].as_str().unwrap();
    assert!(path.contains(want), "re-ranked: {first}, not {want}");
}
