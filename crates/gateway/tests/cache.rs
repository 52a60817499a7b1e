//! The response cache through the gateway: exact hits, cross-format and stream replay, the
//! request controls, and what is never stored.

#![cfg(test)]

mod common;

use common::{
    chat, chat_stream, messages, messages_stream, sse_frames, with_fault, Harness, PROMPT,
};
use serde_json::{json, Value};
use switchyard_mock::{Fault, MockBehavior};

/// Every kind of provider, the cache on for all aliases but `uncached-model`, two client keys.
const CONFIG: &str = r#"
[server]
api_keys = ["test-client-key", "other-client-key"]

[cache]
enabled = true
max_read_temperature = 0.5

[providers.mock-openai]
kind = "openai"
base_url = "{MOCK}/v1"
api_key = "sk-upstream-openai"

[providers.mock-anthropic]
kind = "anthropic"
base_url = "{MOCK}"
api_key = "sk-upstream-anthropic"

[models.openai-model]
deployments = [{ provider = "mock-openai", model = "gpt-upstream" }]
max_attempts = 1

[models.anthropic-model]
deployments = [{ provider = "mock-anthropic", model = "claude-upstream" }]

[models.uncached-model]
deployments = [{ provider = "mock-openai", model = "gpt-upstream" }]
cache = { enabled = false }
"#;

async fn harness() -> Harness {
    Harness::start(CONFIG, MockBehavior::default()).await
}

/// Upstream requests so far.
fn upstream(h: &Harness) -> u64 {
    h.mock.stats().requests_total
}

/// Sends `body` to `path` with `headers`; returns the cache header and the body text.
async fn send(
    h: &Harness,
    path: &str,
    body: &Value,
    headers: &[(&str, &str)],
) -> (u16, String, String) {
    let mut r = h.post(path, body);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let cache = r
        .headers()
        .get("x-switchyard-cache")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, cache, r.text().await.unwrap())
}

/// The replayed answer carries the first answer's message.
fn assert_same_message(replay: Value, first: &str) {
    let first: Value = serde_json::from_str(first).unwrap();
    assert_eq!(
        replay["choices"][0]["message"],
        first["choices"][0]["message"]
    );
}

/// Each prompt, a near miss of a cached one, is a miss answered upstream.
async fn assert_each_goes_upstream(h: &Harness, path: &str, near_misses: &[&str]) {
    for near_miss in near_misses {
        let before = upstream(h);
        let (_, c, _) = send(h, path, &ask(near_miss), &[]).await;
        assert_eq!(c, "miss", "{near_miss}");
        assert_eq!(upstream(h), before + 1, "answered upstream: {near_miss}");
    }
}

fn answer() -> String {
    format!("Mock answer to: {PROMPT}")
}

#[tokio::test]
async fn an_identical_request_is_served_from_the_cache() {
    let h = harness().await;
    let (s, c, first) = send(&h, "/v1/chat/completions", &chat("openai-model"), &[]).await;
    assert_eq!((s, c.as_str()), (200, "miss"));
    let before = upstream(&h);
    let (s, c, second) = send(&h, "/v1/chat/completions", &chat("openai-model"), &[]).await;
    assert_eq!((s, c.as_str()), (200, "exact"));
    assert_eq!(upstream(&h), before, "a hit makes no upstream call");
    let (a, b): (Value, Value) = (
        serde_json::from_str(&first).unwrap(),
        serde_json::from_str(&second).unwrap(),
    );
    assert_eq!(a["choices"][0]["message"]["content"], answer());
    assert_eq!(a["choices"], b["choices"]);
}

#[tokio::test]
async fn what_decides_the_answer_is_in_the_key() {
    let h = harness().await;
    send(&h, "/v1/chat/completions", &chat("openai-model"), &[]).await;
    let variants = [
        json!({"model": "openai-model", "messages": [{"role": "system", "content": "answer in French"}, {"role": "user", "content": PROMPT}]}),
        json!({"model": "openai-model", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}, {"role": "user", "content": PROMPT}]}),
        json!({"model": "openai-model", "messages": [{"role": "user", "content": PROMPT}], "response_format": {"type": "json_object"}}),
        json!({"model": "openai-model", "messages": [{"role": "user", "content": PROMPT}], "max_tokens": 5}),
        json!({"model": "openai-model", "messages": [{"role": "user", "content": PROMPT}], "tool_choice": "none",
               "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]}),
        json!({"model": "openai-model", "messages": [{"role": "user", "content": format!("{PROMPT} six")}]}),
    ];
    for (i, v) in variants.iter().enumerate() {
        let (_, c, _) = send(&h, "/v1/chat/completions", v, &[]).await;
        assert_eq!(c, "miss", "variant {i}");
    }
    // Another client key does not see this client's answers.
    let r = h
        .client
        .post(format!("{}/v1/chat/completions", h.url()))
        .bearer_auth("other-client-key")
        .json(&chat("openai-model"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-switchyard-cache"], "miss");
}

#[tokio::test]
async fn an_answer_cached_for_openai_is_replayed_to_anthropic_clients_streamed_or_not() {
    let h = harness().await;
    // The same request in both formats: same alias, prompt and max_tokens.
    let mut openai = chat("openai-model");
    openai["max_tokens"] = json!(64);
    send(&h, "/v1/chat/completions", &openai, &[]).await;
    let before = upstream(&h);
    let (s, c, body) = send(&h, "/v1/messages", &messages("openai-model"), &[]).await;
    assert_eq!((s, c.as_str()), (200, "exact"), "{body}");
    let msg: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(msg["type"], "message");
    assert_eq!(msg["content"][0]["text"], answer());
    let (s, c, body) = send(&h, "/v1/messages", &messages_stream("openai-model"), &[]).await;
    assert_eq!((s, c.as_str()), (200, "exact"));
    let frames = sse_frames(&body);
    let names: Vec<&str> = frames.iter().filter_map(|(e, _)| e.as_deref()).collect();
    assert_eq!(names.first(), Some(&"message_start"), "{body}");
    assert_eq!(names.last(), Some(&"message_stop"), "{body}");
    let text: String = frames
        .iter()
        .filter(|(e, _)| e.as_deref() == Some("content_block_delta"))
        .map(|(_, d)| {
            serde_json::from_str::<Value>(d).unwrap()["delta"]["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(text, answer());
    assert_eq!(upstream(&h), before);
}

/// Text of an OpenAI SSE body, and whether it ended with `[DONE]`.
fn openai_stream_text(body: &str) -> (String, bool) {
    let frames = sse_frames(body);
    let done = frames.last().is_some_and(|f| f.1 == "[DONE]");
    let text = frames
        .iter()
        .filter(|(_, d)| d != "[DONE]")
        .filter_map(|(_, d)| serde_json::from_str::<Value>(d).ok())
        .filter_map(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    (text, done)
}

#[tokio::test]
async fn a_completed_stream_is_stored_and_replayed_as_a_stream_or_whole() {
    let h = Harness::start(CONFIG, MockBehavior::default()).await;
    let (_, c, body) = send(&h, "/v1/messages", &messages_stream("anthropic-model"), &[]).await;
    assert_eq!(c, "miss", "{body}");
    let before = upstream(&h);
    let mut openai = chat_stream("anthropic-model");
    openai["max_tokens"] = json!(64);
    let (s, c, body) = send(&h, "/v1/chat/completions", &openai, &[]).await;
    assert_eq!((s, c.as_str()), (200, "exact"), "{body}");
    let (text, done) = openai_stream_text(&body);
    assert_eq!(text, answer());
    assert!(done, "{body}");
    let (_, c, body) = send(&h, "/v1/messages", &messages("anthropic-model"), &[]).await;
    assert_eq!(c, "exact", "{body}");
    assert_eq!(upstream(&h), before);
}

#[tokio::test]
async fn a_cut_stream_is_never_stored() {
    let h = Harness::start(CONFIG, with_fault(Fault::CutAfter { chunks: 3 })).await;
    let (_, _, body) = send(
        &h,
        "/v1/chat/completions",
        &chat_stream("openai-model"),
        &[],
    )
    .await;
    assert!(!openai_stream_text(&body).1, "the stream was cut: {body}");
    h.mock.set_behavior(MockBehavior::default());
    let (_, c, body) = send(
        &h,
        "/v1/chat/completions",
        &chat_stream("openai-model"),
        &[],
    )
    .await;
    assert_eq!(c, "miss");
    assert_eq!(openai_stream_text(&body), (answer(), true));
    let (_, c, _) = send(
        &h,
        "/v1/chat/completions",
        &chat_stream("openai-model"),
        &[],
    )
    .await;
    assert_eq!(c, "exact", "the complete stream was stored");
}

#[tokio::test]
async fn errors_are_never_cached() {
    let h = Harness::start(CONFIG, common::status_fault(500, 1.0, None)).await;
    let (s, c, _) = send(&h, "/v1/chat/completions", &chat("openai-model"), &[]).await;
    assert!(s >= 500, "{s}");
    assert_eq!(c, "miss");
    let (s, c, _) = send(&h, "/v1/chat/completions", &chat("openai-model"), &[]).await;
    assert!(s >= 500, "the error was not replayed as a 200: {s}");
    assert_eq!(c, "miss");
    h.mock.set_behavior(MockBehavior::default());
    let before = upstream(&h);
    let (s, c, _) = send(&h, "/v1/chat/completions", &chat("openai-model"), &[]).await;
    assert_eq!((s, c.as_str()), (200, "miss"));
    assert_eq!(upstream(&h), before + 1);
}

#[tokio::test]
async fn request_controls_skip_the_lookup_or_the_store() {
    let h = harness().await;
    let path = "/v1/chat/completions";
    let (_, c, _) = send(
        &h,
        path,
        &chat("openai-model"),
        &[("cache-control", "no-store")],
    )
    .await;
    assert_eq!(c, "miss");
    let (_, c, _) = send(&h, path, &chat("openai-model"), &[]).await;
    assert_eq!(c, "miss", "no-store kept it out");
    let before = upstream(&h);
    let (_, c, _) = send(
        &h,
        path,
        &chat("openai-model"),
        &[("cache-control", "no-cache")],
    )
    .await;
    assert_eq!(c, "miss", "no-cache skips the lookup");
    assert_eq!(upstream(&h), before + 1);
    let (_, c, _) = send(&h, path, &chat("openai-model"), &[]).await;
    assert_eq!(c, "exact");
}

#[tokio::test]
async fn a_request_ttl_bounds_how_long_the_answer_is_served() {
    let h = harness().await;
    let path = "/v1/chat/completions";
    send(
        &h,
        path,
        &chat("openai-model"),
        &[("x-switchyard-cache-ttl", "1")],
    )
    .await;
    let (_, c, _) = send(&h, path, &chat("openai-model"), &[]).await;
    assert_eq!(c, "exact");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, c, _) = send(&h, path, &chat("openai-model"), &[]).await;
    assert_eq!(c, "miss", "expired");
}

#[tokio::test]
async fn hot_requests_do_not_read_the_cache_unless_they_ask() {
    let h = harness().await;
    let path = "/v1/chat/completions";
    let mut hot = chat("openai-model");
    hot["temperature"] = json!(0.9);
    send(&h, path, &hot, &[]).await;
    let (_, c, _) = send(&h, path, &hot, &[]).await;
    assert_eq!(c, "miss", "above max_read_temperature");
    let (_, c, _) = send(&h, path, &hot, &[("x-switchyard-cache-read", "force")]).await;
    assert_eq!(c, "exact");
}

#[tokio::test]
async fn several_choices_and_uncached_aliases_are_never_stored() {
    let h = harness().await;
    let path = "/v1/chat/completions";
    let mut n2 = chat("openai-model");
    n2["n"] = json!(2);
    // The gateway answers one choice only: `n > 1` is refused before it could be cached.
    let before = upstream(&h);
    let (s, _, _) = send(&h, path, &n2, &[]).await;
    assert_eq!(s, 400);
    send(&h, path, &chat("uncached-model"), &[]).await;
    let r = h.post(path, &chat("uncached-model")).send().await.unwrap();
    assert!(
        r.headers().get("x-switchyard-cache").is_none(),
        "caching is off for the alias"
    );
    assert_eq!(upstream(&h), before + 2);
}

/// The cache with semantic lookups (built-in embedder).
const SEMANTIC: &str = r#"
[server]
api_keys = ["test-client-key"]

[cache]
enabled = true
semantic = true
embedder = "builtin"

[providers.mock-openai]
kind = "openai"
base_url = "{MOCK}/v1"
api_key = "sk-upstream-openai"

[models.openai-model]
deployments = [{ provider = "mock-openai", model = "gpt-upstream" }]
"#;

fn ask(text: &str) -> Value {
    json!({"model": "openai-model", "messages": [{"role": "user", "content": text}]})
}

#[tokio::test]
async fn a_reworded_request_is_a_semantic_hit_and_a_near_miss_is_refused() {
    let h = Harness::start(SEMANTIC, MockBehavior::default()).await;
    let path = "/v1/chat/completions";
    let anchor = "Write a Python function that sorts a list of users by age in ascending order.";
    let (_, c, first) = send(&h, path, &ask(anchor), &[]).await;
    assert_eq!(c, "miss");
    let r = h
        .post(
            path,
            &ask("python function: sort a list of users by age, ascending order please"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-switchyard-cache"], "semantic");
    let similarity: f32 = r.headers()["x-switchyard-cache-similarity"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(similarity > 0.6 && similarity <= 1.0, "{similarity}");
    assert_same_message(r.json().await.unwrap(), &first);
    assert_each_goes_upstream(
        &h,
        path,
        &[
        "Write a Python function that sorts a list of users by age in descending order.",
        "Write a Go function that sorts a list of users by age in ascending order.",
        "Write a Python function that sorts a list of users by name in ascending order.",
        "Write a Python function that sorts a list of users by age in ascending order, in place without copying.",
        ],
    )
    .await;
    let metrics = h
        .client
        .get(format!("{}/metrics", h.url()))
        .bearer_auth(common::CLIENT_KEY)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |line: &str| -> f64 {
        let found = metrics
            .lines()
            .find(|l| l.starts_with(line))
            .unwrap_or_else(|| panic!("{line}: {metrics}"));
        found.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert_eq!(
        value("switchyard_response_cache_lookups_total{result=\"semantic_hit\"}"),
        1.0
    );
    assert_eq!(
        value("switchyard_response_cache_lookups_total{result=\"miss\"}"),
        5.0
    );
    assert!(value("switchyard_response_cache_guard_refusals_total{reason=\"polarity\"}") >= 1.0);
    assert!(value("switchyard_response_cache_guard_refusals_total{reason=\"language\"}") >= 1.0);
    assert_eq!(value("switchyard_response_cache_entries"), 5.0);
    assert!(value("switchyard_response_cache_bytes") > 0.0);
}

#[tokio::test]
async fn the_same_instruction_on_other_code_is_not_a_hit() {
    let h = Harness::start(SEMANTIC, MockBehavior::default()).await;
    let path = "/v1/chat/completions";
    send(
        &h,
        path,
        &ask("Explain this code:\n```python\ndef f(x):\n    return x * 2\n```"),
        &[],
    )
    .await;
    let (_, c, _) = send(
        &h,
        path,
        &ask("Explain this code please:\n```python\ndef f(x):\n    return x * 2\n```"),
        &[],
    )
    .await;
    assert_eq!(c, "semantic");
    let (_, c, _) = send(
        &h,
        path,
        &ask("Explain this code please:\n```python\ndef f(x):\n    return x * 3\n```"),
        &[],
    )
    .await;
    assert_eq!(c, "miss");
}

/// [`SEMANTIC`] with `embedder = EMBEDDER` and the neural model files looked for in `DIR`.
fn semantic_with(embedder: &str, dir: &std::path::Path) -> String {
    SEMANTIC.replace(
        "embedder = \"builtin\"",
        &format!(
            "embedder = \"{embedder}\"\nmodels_dir = \"{}\"",
            dir.display()
        ),
    )
}

/// The installed neural model files' directory, or `None` (with a note) when absent.
fn installed_models() -> Option<std::path::PathBuf> {
    use switchyard_cache::embed::ModelFiles;
    let dir = ModelFiles::default_dir();
    if ModelFiles::in_dir(&dir).present() {
        Some(dir)
    } else {
        eprintln!(
            "note: neural embedder test skipped: no model files in {} (run scripts/setup-models.sh)",
            dir.display()
        );
        None
    }
}

/// The embedder the gateway's `/metrics` reports.
async fn embedder_in_use(h: &Harness) -> String {
    let metrics = h
        .client
        .get(format!("{}/metrics", h.url()))
        .bearer_auth(common::CLIENT_KEY)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = metrics
        .lines()
        .find(|l| l.starts_with("switchyard_response_cache_embedder_info{"))
        .unwrap_or_else(|| panic!("no embedder info: {metrics}"));
    line.split('"').nth(1).unwrap().to_owned()
}

#[tokio::test]
async fn auto_takes_the_builtin_embedder_without_model_files() {
    let empty = std::env::temp_dir().join("switchyard-no-models");
    let h = Harness::start(&semantic_with("auto", &empty), MockBehavior::default()).await;
    assert_eq!(embedder_in_use(&h).await, "builtin");
}

#[test]
fn the_neural_embedder_without_model_files_does_not_start() {
    let empty = std::env::temp_dir().join("switchyard-no-models");
    let text = semantic_with("neural", &empty).replace("{MOCK}", "http://127.0.0.1:9");
    let config = switchyard_gateway::Config::parse(&text, "test config", &|_| None).unwrap();
    let err = switchyard_gateway::AppState::new(config).unwrap_err();
    assert!(err.contains("scripts/setup-models.sh"), "{err}");
    assert!(err.contains("switchyard-no-models"), "{err}");
}

#[tokio::test]
async fn auto_takes_the_neural_embedder_and_a_paraphrase_hits() {
    let Some(dir) = installed_models() else {
        return;
    };
    let h = Harness::start(&semantic_with("auto", &dir), MockBehavior::default()).await;
    assert_eq!(embedder_in_use(&h).await, "neural");
    let path = "/v1/chat/completions";
    let anchor = "Write a Python function that checks whether a number is prime.";
    let (_, c, first) = send(&h, path, &ask(anchor), &[]).await;
    assert_eq!(c, "miss");
    let r = h
        .post(
            path,
            &ask("python: how can I test if an integer is a prime?"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-switchyard-cache"], "semantic");
    assert_same_message(r.json().await.unwrap(), &first);
    assert_each_goes_upstream(
        &h,
        path,
        &[
            "Write a Rust function that checks whether a number is prime.",
            "Write a Python function that checks whether a number is even.",
            "Write a Python function that returns the first 100 prime numbers.",
        ],
    )
    .await;
}
