//! Complexity routing: `model: "auto"` (or any `[routers.NAME]`) goes to the tier the
//! router picks; rules, `x-switchyard-tier` and a cost cap pin or cap it; every routed
//! response says why in `x-switchyard-route`; `POST /v1/route` explains without calling a
//! provider; a tier whose alias is down fails over only as that alias is configured to.

#![cfg(test)]

mod common;

use common::{Harness, ALL_KINDS, CLIENT_KEY};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use switchyard_mock::{Family, MockBehavior};

const CI_KEY: &str = "ci-pipeline-key";

/// The mock's OpenAI family serves the cheap tier, Anthropic the strong one, Gemini the
/// strong tier's backup.
const ROUTERS: &str = r#"
[models.fast]
deployments = [{ provider = "mock-openai", model = "fast-upstream", input_cost_per_mtok = 0.15, output_cost_per_mtok = 0.60 }]
[models.strong]
deployments = [{ provider = "mock-anthropic", model = "strong-upstream", input_cost_per_mtok = 3.0, output_cost_per_mtok = 15.0 }]
[models.strong-guarded]
fallbacks = ["strong-backup"]
deployments = [{ provider = "mock-anthropic", model = "strong-upstream", input_cost_per_mtok = 3.0, output_cost_per_mtok = 15.0 }]
[models.strong-backup]
deployments = [{ provider = "mock-gemini", model = "backup-upstream", input_cost_per_mtok = 2.5, output_cost_per_mtok = 10.0 }]

[routers.auto]
tiers = { simple = "fast", complex = "strong" }
[[routers.auto.rules]]
tasks = ["review"]
tier = "complex"
[[routers.auto.rules]]
languages = ["sql"]
tier = "simple"
[[routers.auto.rules]]
client_keys = ["ci-pipeline-key"]
tier = "complex"
[[routers.auto.rules]]
min_prompt_tokens = 3000
tier = "complex"

[routers.guarded]
tiers = { simple = "fast", complex = "strong-guarded" }

# No configured prices: the cost cap reads the built-in price table.
[models.mini]
deployments = [{ provider = "mock-openai", model = "gpt-4o-mini" }]
[models.sonnet]
deployments = [{ provider = "mock-anthropic", model = "claude-sonnet-4-5" }]
[routers.builtin]
tiers = { simple = "mini", complex = "sonnet" }
"#;

const EASY: &str = "Write a Python function that returns the sum of the even numbers in a list.";
const HARD: &str = "Implement a lock-free MPMC queue in C++ with atomics: no lost wake-ups, \
    it must be linearizable, and explain the memory orderings you chose.";

fn config() -> String {
    ALL_KINDS.replace(
        r#"api_keys = ["test-client-key"]"#,
        &format!(r#"api_keys = ["test-client-key", "{CI_KEY}"]"#),
    ) + ROUTERS
}

async fn start() -> Harness {
    Harness::start(&config(), MockBehavior::default()).await
}

fn chat_with(model: &str, prompt: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": prompt}]})
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn ask(h: &Harness, body: &Value, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = h.post("/v1/chat/completions", body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn easy_requests_go_to_the_cheap_tier_and_hard_ones_to_the_strong_one() {
    let h = start().await;
    let easy = ask(&h, &chat_with("auto", EASY), &[]).await;
    assert_eq!(easy.status(), 200);
    assert_eq!(header(&easy, "x-switchyard-model"), "fast-upstream");
    let route = header(&easy, "x-switchyard-route");
    assert!(
        route.starts_with("router=auto; tier=simple; score=0."),
        "{route}"
    );
    assert!(route.contains("reasons="), "{route}");

    let hard = ask(&h, &chat_with("auto", HARD), &[]).await;
    assert_eq!(hard.status(), 200);
    assert_eq!(header(&hard, "x-switchyard-model"), "strong-upstream");
    let route = header(&hard, "x-switchyard-route");
    assert!(route.starts_with("router=auto; tier=complex;"), "{route}");
    assert!(route.contains("concurrency"), "{route}");

    // The same for an Anthropic client, streamed: the header comes with the stream.
    let body = json!({"model": "auto", "max_tokens": 64, "stream": true,
                      "messages": [{"role": "user", "content": HARD}]});
    let r = h.post("/v1/messages", &body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(header(&r, "x-switchyard-route").contains("tier=complex"));
    assert!(r.text().await.unwrap().contains("message_stop"));

    // A plain alias is not routed and says nothing about routing.
    let plain = ask(&h, &chat_with("fast", HARD), &[]).await;
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("x-switchyard-route").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tier_header_pins_and_an_unknown_tier_is_refused() {
    let h = start().await;
    let r = ask(
        &h,
        &chat_with("auto", EASY),
        &[("x-switchyard-tier", "complex")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-switchyard-model"), "strong-upstream");
    assert!(header(&r, "x-switchyard-route").contains("pinned by x-switchyard-tier"));

    let r = ask(
        &h,
        &chat_with("auto", HARD),
        &[("x-switchyard-tier", "simple")],
    )
    .await;
    assert_eq!(header(&r, "x-switchyard-model"), "fast-upstream");

    let r = ask(
        &h,
        &chat_with("auto", EASY),
        &[("x-switchyard-tier", "medium")],
    )
    .await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("simple, complex"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cost_cap_lowers_the_tier_to_one_it_can_pay_for() {
    let h = start().await;
    let r = ask(
        &h,
        &chat_with("auto", HARD),
        &[("x-switchyard-max-cost", "1.0")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-switchyard-model"), "fast-upstream");
    assert!(header(&r, "x-switchyard-route").contains("capped by cost"));

    // A cap the strong tier fits under changes nothing.
    let r = ask(
        &h,
        &chat_with("auto", HARD),
        &[("x-switchyard-max-cost", "5")],
    )
    .await;
    assert_eq!(header(&r, "x-switchyard-model"), "strong-upstream");

    let r = ask(
        &h,
        &chat_with("auto", HARD),
        &[("x-switchyard-max-cost", "cheap")],
    )
    .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_pin_tiers_by_task_language_client_key_and_prompt_size() {
    let h = start().await;
    // Task: a trivial review still goes to the strong tier.
    let review = "Quick review of this please:\n```python\ndef add(a, b):\n    return a + b\n```";
    let r = ask(&h, &chat_with("auto", review), &[]).await;
    assert_eq!(header(&r, "x-switchyard-model"), "strong-upstream");
    assert!(header(&r, "x-switchyard-route").contains("pinned by rule 1"));

    // Language: SQL is pinned to the cheap tier, however hard it sounds.
    let sql = format!("{HARD}\n```sql\nSELECT 1;\n```");
    let r = ask(&h, &chat_with("auto", &sql), &[]).await;
    assert_eq!(header(&r, "x-switchyard-model"), "fast-upstream");
    assert!(header(&r, "x-switchyard-route").contains("pinned by rule 2"));

    // Client key: the CI key always gets the strong tier.
    let r = h
        .client
        .post(format!("{}/v1/chat/completions", h.url()))
        .bearer_auth(CI_KEY)
        .json(&chat_with("auto", EASY))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&r, "x-switchyard-model"), "strong-upstream");
    assert!(header(&r, "x-switchyard-route").contains("pinned by rule 3"));

    // Prompt size: a long easy prompt is pinned to the strong tier.
    let long = format!("{EASY} {}", "Keep it short. ".repeat(1200));
    let r = ask(&h, &chat_with("auto", &long), &[]).await;
    assert_eq!(header(&r, "x-switchyard-model"), "strong-upstream");
    assert!(header(&r, "x-switchyard-route").contains("pinned by rule 4"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_endpoint_explains_every_request_shape_without_calling_a_provider() {
    let h = start().await;
    let check = |body: &Value, tier: &str, model: &str| {
        assert_eq!(body["router"], "auto", "{body}");
        assert_eq!(body["tier"], tier, "{body}");
        assert_eq!(body["model"], model, "{body}");
        let score = body["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score), "{body}");
        assert!(!body["reasons"].as_array().unwrap().is_empty(), "{body}");
    };
    // Chat completions.
    let r = h
        .post("/v1/route", &chat_with("auto", HARD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    check(&r.json().await.unwrap(), "complex", "strong");
    // Messages, with a system prompt.
    let messages = json!({"model": "auto", "max_tokens": 100, "system": "You are a coding assistant.",
                          "messages": [{"role": "user", "content": [{"type": "text", "text": EASY}]}]});
    let r = h
        .post("/v1/route", &messages)
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    check(&r.json().await.unwrap(), "simple", "fast");
    // The code API's shape; `model` defaults to `auto`, the task is the endpoint's.
    let code = json!({"prompt": "fn factorial(n: u64) -> u64 {\n", "language": "rust", "task": "completion"});
    let r = h.post("/v1/route", &code).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    check(&body, "simple", "fast");
    assert_eq!(body["task"], "completion");
    assert_eq!(body["language"], "rust");
    // Headers apply as they do to routed requests.
    let r = h
        .post("/v1/route", &chat_with("auto", EASY))
        .header("x-switchyard-tier", "complex")
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["tier"], "complex");
    assert_eq!(body["pinned"], "x-switchyard-tier");

    let stats = h.mock.stats();
    for family in [Family::OpenAi, Family::Anthropic, Family::Gemini] {
        assert_eq!(stats.by_endpoint.get(family), 0, "{family:?} was called");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_router_is_a_404_listing_the_known_ones() {
    let h = start().await;
    let r = h
        .post("/v1/route", &chat_with("smart", EASY))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "router_not_found");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("routers: auto, builtin, guarded"),
        "{message}"
    );

    // Through the chat route the model list names the routers too.
    let r = ask(&h, &chat_with("smart", EASY), &[]).await;
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("auto") && message.contains("guarded"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tier_whose_alias_is_down_fails_over_only_as_configured() {
    let h = start().await;
    h.mock
        .set_family_behavior(Family::Anthropic, common::status_fault(503, 1.0, None));
    // No fallback configured: the client gets the error, never the weaker tier.
    let r = ask(&h, &chat_with("auto", HARD), &[]).await;
    assert!(r.status().is_server_error(), "{}", r.status());
    assert!(header(&r, "x-switchyard-route").contains("tier=complex"));
    assert_eq!(
        h.mock.stats().by_endpoint.get(Family::OpenAi),
        0,
        "fell to the cheap tier"
    );

    // The guarded router's strong alias lists a backup: that answers, and says so.
    let r = ask(&h, &chat_with("guarded", HARD), &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-switchyard-fallback"), "strong-backup");
    assert_eq!(header(&r, "x-switchyard-model"), "backup-upstream");
    assert!(header(&r, "x-switchyard-route").contains("router=guarded; tier=complex"));
    assert_eq!(h.mock.stats().by_endpoint.get(Family::OpenAi), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routed_requests_record_task_tier_score_and_savings() {
    let h = Harness::start_with(&config(), MockBehavior::default(), true).await;
    assert_eq!(ask(&h, &chat_with("auto", EASY), &[]).await.status(), 200);
    assert_eq!(ask(&h, &chat_with("auto", HARD), &[]).await.status(), 200);
    let started = Instant::now();
    let events = loop {
        let body: Value = h
            .client
            .get(format!("{}/api/analytics/recent?limit=10", h.url()))
            .bearer_auth(CLIENT_KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let events = body["events"].as_array().cloned().unwrap_or_default();
        if events.len() >= 2 {
            break events;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let by_tier = |tier: &str| {
        events
            .iter()
            .find(|e| e["router_tier"] == tier)
            .unwrap_or_else(|| panic!("no {tier} event: {events:?}"))
            .clone()
    };
    let simple = by_tier("simple");
    assert_eq!(simple["requested_model"], "auto");
    assert_eq!(simple["task"], "generation");
    assert!(simple["router_score"].as_f64().unwrap() < 0.5);
    // The cheap tier saved what the strong tier's price would have cost more.
    assert!(
        simple["router_savings_usd"].as_f64().unwrap() > 0.0,
        "{simple}"
    );
    let complex = by_tier("complex");
    assert!(complex["router_score"].as_f64().unwrap() >= 0.5);
    assert_eq!(
        complex["router_savings_usd"].as_f64().unwrap(),
        0.0,
        "{complex}"
    );
}
