//! IDE completion: `POST /v1/completions` (legacy, with `suffix`) and
//! `POST /v1/fim/completions` (Codestral's shape), streamed and not; native fill in the
//! middle to an OpenAI-compatible upstream, a chat prompt to others; a client that leaves
//! cancels the upstream call; the code API's `complete` with `prefix` and `suffix`.

#![cfg(test)]

mod common;

use common::{sse_frames, Harness};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use switchyard_mock::MockBehavior;

const FIM_CONFIG: &str = r#"
[server]
api_keys = ["test-client-key"]

[providers.mock-openai]
kind = "openai"
base_url = "{MOCK}/v1"

[providers.mock-anthropic]
kind = "anthropic"
base_url = "{MOCK}"

[providers.mock-mistral]
kind = "openai"
base_url = "{MOCK}/v1"
fim = "mistral"

[models.codestral]
deployments = [{ provider = "mock-mistral", model = "codestral-upstream" }]
[models.coder]
deployments = [{ provider = "mock-openai", model = "coder-upstream" }]
[models.claude]
deployments = [{ provider = "mock-anthropic", model = "claude-upstream" }]
"#;

const PREFIX: &str = "def add(a, b):\n    return ";
const SUFFIX: &str = "\n\nprint(add(1, 2))\n";

fn answering(text: &str) -> MockBehavior {
    MockBehavior {
        response_text: Some(text.to_owned()),
        ..MockBehavior::default()
    }
}

fn fim_body(model: &str, stream: bool) -> Value {
    json!({"model": model, "prompt": PREFIX, "suffix": SUFFIX, "max_tokens": 16, "stream": stream,
           "stream_options": {"include_usage": true}})
}

#[tokio::test]
async fn legacy_completions_fill_in_the_middle_natively() {
    let h = Harness::start(FIM_CONFIG, answering("a + b")).await;
    let mut body = fim_body("coder", false);
    body.as_object_mut().unwrap().remove("stream_options");
    let resp = h.post("/v1/completions", &body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("x-switchyard-overhead-us"));
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["object"], "text_completion", "{v}");
    assert_eq!(v["choices"][0]["text"], "a + b");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    assert!(v["usage"]["prompt_tokens"].as_u64().unwrap() > 0);
    let last = h.mock.stats().last_request.unwrap();
    assert_eq!(last.path, "/v1/completions", "native endpoint upstream");
    assert_eq!(last.body["prompt"], PREFIX);
    assert_eq!(last.body["suffix"], SUFFIX);
    assert_eq!(last.body["model"], "coder-upstream");
}

#[tokio::test]
async fn without_a_native_endpoint_the_middle_is_asked_through_chat() {
    let h = Harness::start(FIM_CONFIG, answering("```python\na + b\n```")).await;
    let resp = h
        .post("/v1/completions", &fim_body("claude", false))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    // The chat model's fence is removed: an editor inserts the text as it is.
    assert_eq!(v["choices"][0]["text"], "a + b", "{v}");
    let last = h.mock.stats().last_request.unwrap();
    assert_eq!(last.path, "/v1/messages");
    let user = last.body["messages"][0]["content"].to_string();
    assert!(
        user.contains("<prefix>def add(a, b):") && user.contains("<suffix>"),
        "{user}"
    );
}

#[tokio::test]
async fn legacy_completions_stream_text_chunks_and_usage() {
    for model in ["coder", "claude"] {
        let h = Harness::start(FIM_CONFIG, answering("a + b if a else b")).await;
        let resp = h
            .post("/v1/completions", &fim_body(model, true))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let frames = sse_frames(&resp.text().await.unwrap());
        assert_eq!(frames.last().unwrap().1, "[DONE]", "{model}");
        let chunks: Vec<Value> = frames[..frames.len() - 1]
            .iter()
            .map(|(_, d)| serde_json::from_str(d).unwrap())
            .collect();
        let text: String = chunks
            .iter()
            .filter_map(|c| c["choices"][0]["text"].as_str())
            .collect();
        assert_eq!(text, "a + b if a else b", "{model}");
        assert!(chunks.iter().all(|c| c["object"] == "text_completion"));
        assert!(chunks
            .iter()
            .any(|c| c["choices"][0]["finish_reason"] == "stop"));
        assert!(
            chunks.last().unwrap()["usage"]["total_tokens"]
                .as_u64()
                .unwrap()
                > 0,
            "{model}"
        );
    }
}

#[tokio::test]
async fn codestral_fim_answers_as_chat_completions_streamed_and_not() {
    let h = Harness::start(FIM_CONFIG, answering("a + b")).await;
    let mut body = fim_body("coder", false);
    body.as_object_mut().unwrap().remove("stream_options");
    let v: Value = h
        .post("/v1/fim/completions", &body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["object"], "chat.completion", "{v}");
    assert_eq!(v["choices"][0]["message"]["content"], "a + b");
    assert_eq!(h.mock.stats().last_request.unwrap().path, "/v1/completions");

    let resp = h
        .post("/v1/fim/completions", &fim_body("claude", true))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let frames = sse_frames(&resp.text().await.unwrap());
    assert_eq!(frames.last().unwrap().1, "[DONE]");
    let text: String = frames[..frames.len() - 1]
        .iter()
        .map(|(_, d)| serde_json::from_str::<Value>(d).unwrap())
        .filter_map(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(text, "a + b");
}

/// Waits until the mock has seen `n` answers abandoned by the gateway.
async fn wait_closed_early(h: &Harness, n: u64) {
    let left = Instant::now();
    while h.mock.stats().connections_closed_early < n {
        assert!(
            left.elapsed() < Duration::from_secs(5),
            "upstream call still running {:?} after the client left",
            left.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_client_that_leaves_cancels_the_upstream_call() {
    // Streamed: the client reads a piece, then goes away (the next keystroke).
    let h = Harness::start(
        FIM_CONFIG,
        MockBehavior {
            per_token_ms: 20,
            response_text: Some("word ".repeat(500)),
            ..MockBehavior::default()
        },
    )
    .await;
    let mut resp = h
        .post("/v1/completions", &fim_body("coder", true))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(!resp.chunk().await.unwrap().unwrap().is_empty());
    assert_eq!(h.mock.stats().connections_closed_early, 0);
    drop(resp);
    wait_closed_early(&h, 1).await;

    // Not streamed: the client gives up while the upstream is still thinking.
    h.mock.set_behavior(MockBehavior {
        latency_ms: 10_000,
        ..MockBehavior::default()
    });
    let mut body = fim_body("coder", false);
    body.as_object_mut().unwrap().remove("stream_options");
    let gave_up = h
        .post("/v1/fim/completions", &body)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(gave_up.is_err());
    wait_closed_early(&h, 2).await;
}

#[tokio::test]
async fn bad_completion_requests_are_400s() {
    let h = Harness::start(FIM_CONFIG, answering("x")).await;
    for body in [
        json!({"model": "coder", "prompt": [1, 2, 3]}),
        json!({"prompt": "x"}),
        json!({"model": "coder", "prompt": "x", "n": 2}),
    ] {
        let resp = h.post("/v1/completions", &body).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{body}");
        let v: Value = resp.json().await.unwrap();
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(h.mock.stats().requests_total, 0);
}

#[tokio::test]
async fn the_code_api_completes_between_prefix_and_suffix() {
    let h = Harness::start(FIM_CONFIG, answering("a + b")).await;
    let body = json!({"language": "python", "prefix": PREFIX, "suffix": SUFFIX, "model": "coder"});
    let resp = h.post("/v1/code/complete", &body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["code"], "a + b", "{v}");
    assert_eq!(
        v["validation"]["parsed"], true,
        "parsed with its prefix and suffix: {v}"
    );
    assert_eq!(h.mock.stats().last_request.unwrap().path, "/v1/completions");
    // A middle that breaks the file is reported (complete validates by default).
    h.mock.set_behavior(answering("a +"));
    let v: Value = h
        .post("/v1/code/complete", &body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["validation"]["parsed"], false, "{v}");
}

#[tokio::test]
async fn the_code_api_streams_a_middle_through_chat_and_checks_it_in_place() {
    let h = Harness::start(FIM_CONFIG, answering("```python\na + b\n```")).await;
    let body = json!({"language": "python", "prefix": PREFIX, "suffix": SUFFIX, "model": "claude", "stream": true});
    let resp = h.post("/v1/code/complete", &body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let frames = sse_frames(&resp.text().await.unwrap());
    let (event, data) = frames.last().unwrap();
    assert_eq!(event.as_deref(), Some("done"));
    let done: Value = serde_json::from_str(data).unwrap();
    assert_eq!(done["code"], "a + b", "{done}");
    assert_eq!(done["validation"]["parsed"], true, "{done}");
    assert_eq!(done["provider"], "mock-anthropic");
    // Through chat, the template's prompt carries both sides of the cursor.
    let last = h.mock.stats().last_request.unwrap();
    assert_eq!(last.path, "/v1/messages");
    let prompt = last.body["messages"][0]["content"].to_string();
    assert!(
        prompt.contains("Prefix:") && prompt.contains("print(add(1, 2))"),
        "{prompt}"
    );
}

#[tokio::test]
async fn a_mistral_provider_fills_in_the_middle_at_its_own_endpoint() {
    let h = Harness::start(FIM_CONFIG, answering("a + b")).await;
    for stream in [false, true] {
        let resp = h
            .post("/v1/completions", &fim_body("codestral", stream))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let text = resp.text().await.unwrap();
        let answer: String = if stream {
            sse_frames(&text)
                .iter()
                .filter(|(_, d)| d != "[DONE]")
                .filter_map(|(_, d)| {
                    serde_json::from_str::<Value>(d).unwrap()["choices"][0]["text"]
                        .as_str()
                        .map(str::to_owned)
                })
                .collect()
        } else {
            serde_json::from_str::<Value>(&text).unwrap()["choices"][0]["text"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(answer, "a + b", "stream {stream}: {text}");
        let last = h.mock.stats().last_request.unwrap();
        assert_eq!(last.path, "/v1/fim/completions");
        assert_eq!(last.body["suffix"], SUFFIX);
        assert!(last.body.get("stream_options").is_none(), "{}", last.body);
    }
}
