//! The code API (`POST /v1/code/{task}`) against the mock: every task, validation with
//! repair and escalation, streaming, bad input, template overrides, analytics.

#![cfg(test)]

mod common;

use common::{sse_frames, Harness, CLIENT_KEY};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use switchyard_mock::MockBehavior;

/// Two aliases on one mock (a cheap one on the OpenAI wire, a strong one on Anthropic's),
/// a router between them, and `generate` set to escalate.
const CODE_CONFIG: &str = r#"
[server]
api_keys = ["test-client-key"]
admin_key = "admin-key-for-tests"

[providers.mock-openai]
kind = "openai"
base_url = "{MOCK}/v1"

[providers.mock-anthropic]
kind = "anthropic"
base_url = "{MOCK}"

[models.fast]
deployments = [{ provider = "mock-openai", model = "fast-upstream", input_cost_per_mtok = 1.0, output_cost_per_mtok = 2.0 }]
[models.strong]
deployments = [{ provider = "mock-anthropic", model = "strong-upstream", input_cost_per_mtok = 3.0, output_cost_per_mtok = 15.0 }]

[routers.auto]
tiers = { simple = "fast", complex = "strong" }

[code.validation]
generate = "escalate"
test = "validate"
"#;

const GOOD_PYTHON: &str =
    "Here it is:\n```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```\n";
const BROKEN_PYTHON: &str =
    "Here it is:\n```python\ndef add(a: int, b: int -> int:\n    return a +\n```\n";

fn answering(text: &str) -> MockBehavior {
    MockBehavior {
        response_text: Some(text.to_owned()),
        ..MockBehavior::default()
    }
}

fn scripted(texts: &[&str]) -> MockBehavior {
    MockBehavior {
        response_script: texts.iter().map(|t| (*t).to_owned()).collect(),
        ..MockBehavior::default()
    }
}

async fn post_code(h: &Harness, task: &str, body: &Value) -> (u16, Value) {
    let resp = h
        .post(&format!("/v1/code/{task}"), body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// The user message of the last request the mock received (OpenAI or Anthropic shape).
fn last_user_text(h: &Harness) -> String {
    let last = h.mock.stats().last_request.unwrap();
    let messages = last.body["messages"].as_array().unwrap().clone();
    let user = messages.iter().rev().find(|m| m["role"] == "user").unwrap();
    match &user["content"] {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect(),
        other => panic!("content {other}"),
    }
}

#[tokio::test]
async fn every_task_answers_through_the_pipeline() {
    let h = Harness::start(CODE_CONFIG, answering(GOOD_PYTHON)).await;
    for task in [
        "generate", "complete", "review", "document", "explain", "test", "refactor",
    ] {
        let body = json!({"prompt": "add two numbers", "language": "python", "model": "fast", "context": "x = 1"});
        let (status, v) = post_code(&h, task, &body).await;
        assert_eq!(status, 200, "{task}: {v}");
        assert_eq!(v["task"], task);
        assert_eq!(v["language"], "python");
        assert_eq!(
            v["code"], "def add(a: int, b: int) -> int:\n    return a + b\n",
            "{task}"
        );
        assert_eq!(v["text"], GOOD_PYTHON);
        assert_eq!(v["model"], "fast-upstream");
        assert_eq!(v["alias"], "fast");
        assert_eq!(v["provider"], "mock-openai");
        assert_eq!(v["cache"], "miss");
        assert_eq!(v["attempts"].as_array().unwrap().len(), 1, "{task}: {v}");
        assert_eq!(v["attempts"][0]["kind"], "initial");
        assert!(v["usage"]["input_tokens"].as_u64().unwrap() > 0);
        assert!(v["usage"]["output_tokens"].as_u64().unwrap() > 0);
        assert!(v["cost_usd"].as_f64().unwrap() > 0.0, "{v}");
        assert_eq!(v["template"], format!("{task}@builtin-1"));
        if matches!(task, "review" | "explain") {
            // Off by default: prose answers are not parsed.
            assert!(v["validation"].is_null(), "{task}: {v}");
        } else {
            assert_eq!(v["validation"]["parsed"], true, "{task}: {v}");
            assert_eq!(v["validation"]["errors"], json!([]));
        }
        // The template's prompt went upstream: the request and the language's conventions.
        let user = last_user_text(&h);
        assert!(
            user.contains("add two numbers") && user.contains("x = 1"),
            "{task}: {user}"
        );
        let system = h.mock.stats().last_request.unwrap().body["messages"][0]["content"].clone();
        assert!(system.as_str().unwrap().contains("pytest"), "{system}");
    }
    assert_eq!(h.mock.stats().requests_total, 7);
}

#[tokio::test]
async fn a_syntax_error_is_repaired_with_the_parsers_errors() {
    let h = Harness::start(CODE_CONFIG, scripted(&[BROKEN_PYTHON, GOOD_PYTHON])).await;
    let body = json!({"prompt": "add two numbers", "language": "python", "model": "fast"});
    let (status, v) = post_code(&h, "refactor", &body).await;
    assert_eq!(status, 200, "{v}");
    let attempts = v["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{v}");
    assert_eq!(attempts[0]["kind"], "initial");
    assert_eq!(attempts[0]["parsed"], false);
    assert!(attempts[0]["errors"].as_u64().unwrap() >= 1);
    assert_eq!(attempts[1]["kind"], "repair");
    assert_eq!(attempts[1]["parsed"], true);
    assert_eq!(v["validation"]["parsed"], true);
    assert_eq!(v["text"], GOOD_PYTHON);
    // The repair prompt quoted the broken code and where the parser stopped.
    let repair = last_user_text(&h);
    assert!(
        repair.contains("does not parse") && repair.contains("line 1, column"),
        "{repair}"
    );
    assert!(
        repair.contains("def add(a: int, b: int -> int:"),
        "{repair}"
    );
    assert_eq!(h.mock.stats().requests_total, 2);
}

#[tokio::test]
async fn repair_then_escalation_to_the_next_tier_is_reported() {
    let h = Harness::start_with(
        CODE_CONFIG,
        scripted(&[BROKEN_PYTHON, BROKEN_PYTHON, GOOD_PYTHON]),
        true,
    )
    .await;
    let body = json!({"prompt": "add two numbers", "language": "python"});
    let resp = h
        .post("/v1/code/generate", &body)
        .header("x-switchyard-tier", "simple")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["x-switchyard-route"]
        .to_str()
        .unwrap()
        .contains("tier=simple"));
    let v: Value = resp.json().await.unwrap();
    let kinds: Vec<&str> = v["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["initial", "repair", "escalation"], "{v}");
    let attempts = &v["attempts"];
    assert_eq!(attempts[0]["parsed"], false);
    assert_eq!(attempts[0]["tier"], "simple");
    assert_eq!(attempts[1]["parsed"], false);
    assert_eq!(attempts[2]["parsed"], true);
    assert_eq!(attempts[2]["tier"], "complex");
    assert_eq!(attempts[2]["alias"], "strong");
    assert_eq!(attempts[2]["provider"], "mock-anthropic");
    assert_eq!(v["model"], "strong-upstream");
    assert_eq!(v["validation"]["parsed"], true);
    assert_eq!(h.mock.stats().by_endpoint.openai, 2);
    assert_eq!(h.mock.stats().by_endpoint.anthropic, 1);
    // Three answers were paid for.
    assert!(v["usage"]["input_tokens"].as_u64().unwrap() > 3);
    // The analytics event has the task, language, template and what validation did.
    let started = Instant::now();
    let event = loop {
        let body: Value = h
            .client
            .get(format!("{}/api/analytics/recent?limit=10", h.url()))
            .bearer_auth("admin-key-for-tests")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(e) = body["events"].as_array().and_then(|e| e.first()).cloned() {
            break e;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no event: {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(event["task"], "generation", "{event}");
    assert_eq!(event["language"], "python");
    assert_eq!(event["template"], "generate@builtin-1");
    assert_eq!(event["validation"], "escalated");
    assert_eq!(event["endpoint"], "/v1/code");
    assert_eq!(event["attempts"], 3);
}

#[tokio::test]
async fn validate_mode_reports_a_failure_without_retrying() {
    let h = Harness::start(CODE_CONFIG, scripted(&[BROKEN_PYTHON, GOOD_PYTHON])).await;
    let body = json!({"prompt": "tests for add", "language": "python", "model": "fast"});
    let (status, v) = post_code(&h, "test", &body).await;
    assert_eq!(status, 200);
    assert_eq!(v["validation"]["parsed"], false, "{v}");
    let error = &v["validation"]["errors"][0];
    assert!(error["line"].as_u64().unwrap() >= 1 && error["column"].as_u64().unwrap() >= 1);
    assert!(!error["message"].as_str().unwrap().is_empty());
    assert_eq!(v["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(h.mock.stats().requests_total, 1);
}

#[tokio::test]
async fn an_answer_without_code_is_reported_as_such() {
    let prose = "I would need more details about the numbers before writing anything.";
    let h = Harness::start(CODE_CONFIG, answering(prose)).await;
    let body = json!({"prompt": "add", "language": "rust", "model": "fast"});
    let (status, v) = post_code(&h, "document", &body).await;
    assert_eq!(status, 200);
    assert!(v["code"].is_null(), "{v}");
    assert_eq!(v["text"], prose);
    assert_eq!(v["validation"]["parsed"], false);
    assert!(v["validation"]["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("no code"));
    // Repair was tried (document repairs by default) and got prose again.
    assert_eq!(v["attempts"][1]["kind"], "repair");
    assert_eq!(v["attempts"][1]["parsed"], false);
}

#[tokio::test]
async fn a_stream_sends_text_then_the_code_and_its_validation() {
    let h = Harness::start(CODE_CONFIG, answering(GOOD_PYTHON)).await;
    let body = json!({"prompt": "add", "language": "python", "model": "strong", "stream": true});
    let resp = h.post("/v1/code/generate", &body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let frames = sse_frames(&resp.text().await.unwrap());
    let (last_event, last_data) = frames.last().unwrap();
    assert_eq!(last_event.as_deref(), Some("done"));
    let text: String = frames
        .iter()
        .filter(|(e, _)| e.as_deref() == Some("delta"))
        .map(|(_, d)| {
            serde_json::from_str::<Value>(d).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(text, GOOD_PYTHON);
    assert!(frames.len() > 3, "one delta per word");
    let done: Value = serde_json::from_str(last_data).unwrap();
    assert_eq!(
        done["code"],
        "def add(a: int, b: int) -> int:\n    return a + b\n"
    );
    assert_eq!(done["validation"]["parsed"], true);
    assert_eq!(done["text"], GOOD_PYTHON);
    assert_eq!(done["provider"], "mock-anthropic");
    assert!(done["usage"]["output_tokens"].as_u64().unwrap() > 0);

    // A broken answer streams as it is; the final event says so.
    h.mock.set_behavior(answering(BROKEN_PYTHON));
    let resp = h.post("/v1/code/generate", &body).send().await.unwrap();
    let frames = sse_frames(&resp.text().await.unwrap());
    let done: Value = serde_json::from_str(&frames.last().unwrap().1).unwrap();
    assert_eq!(done["validation"]["parsed"], false, "{done}");
}

#[tokio::test]
async fn without_a_model_the_auto_router_plans() {
    let h = Harness::start(CODE_CONFIG, answering(GOOD_PYTHON)).await;
    let body = json!({"prompt": "add two numbers", "language": "python"});
    let resp = h.post("/v1/code/complete", &body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["x-switchyard-route"]
        .to_str()
        .unwrap()
        .starts_with("router=auto"));
    // Without a router, `model` is required.
    let no_router = CODE_CONFIG.replace(
        "[routers.auto]\ntiers = { simple = \"fast\", complex = \"strong\" }",
        "",
    );
    let h = Harness::start(&no_router, answering(GOOD_PYTHON)).await;
    let (status, v) = post_code(&h, "generate", &body).await;
    assert_eq!(status, 400);
    assert_eq!(v["error"]["param"], "model");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("fast, strong"),
        "{v}"
    );
}

#[tokio::test]
async fn bad_input_gets_a_400_that_lists_what_is_accepted() {
    let h = Harness::start(CODE_CONFIG, answering(GOOD_PYTHON)).await;
    let cases = [
        (
            "compile",
            json!({"prompt": "x", "language": "python"}),
            "task",
            "generate, complete, review, document, explain, test, refactor",
        ),
        (
            "generate",
            json!({"prompt": "x", "language": "cobol"}),
            "language",
            "python, javascript, typescript, rust, go, java, c, cpp, csharp, sql, bash",
        ),
        (
            "generate",
            json!({"prompt": "", "language": "python"}),
            "prompt",
            "non-empty",
        ),
        (
            "generate",
            json!({"prompt": 7, "language": "python"}),
            "prompt",
            "string",
        ),
        (
            "generate",
            json!({"prompt": "x", "language": "python", "maxTokens": -1}),
            "maxTokens",
            "whole number",
        ),
        (
            "generate",
            json!({"prompt": "x", "language": "python", "temperature": "hot"}),
            "temperature",
            "0 to 2",
        ),
        (
            "generate",
            json!({"prompt": "x", "lang": "python"}),
            "body",
            "accepted fields",
        ),
        (
            "generate",
            json!({"prompt": "x", "language": "python", "model": "nope"}),
            "model",
            "available models",
        ),
    ];
    for (task, body, param, accepted) in cases {
        let (status, v) = post_code(&h, task, &body).await;
        assert!(
            status == 400 || status == 404,
            "{task} {body}: {status} {v}"
        );
        assert_eq!(v["error"]["param"], param, "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(accepted),
            "{v}"
        );
    }
    let resp = h
        .client
        .post(format!("{}/v1/code/generate", h.url()))
        .bearer_auth(CLIENT_KEY)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(h.mock.stats().requests_total, 0);
}

#[tokio::test]
async fn a_template_override_in_templates_dir_wins() {
    let dir =
        std::env::temp_dir().join(format!("switchyard-code-templates-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("generate.python.j2"),
        "CUSTOM for {{ language.display }}: {{ prompt }}",
    )
    .unwrap();
    let config = format!(
        "{CODE_CONFIG}\n[code]\ntemplates_dir = \"{}\"\n",
        dir.display()
    )
    .replace("[code.validation]", "[code.validation_unused]");
    // `[code]` must come before `[code.validation]` in TOML; keep only the override.
    let config = config.replace(
        "[code.validation_unused]\ngenerate = \"escalate\"\ntest = \"validate\"\n",
        "",
    );
    let h = Harness::start(&config, answering(GOOD_PYTHON)).await;
    let body = json!({"prompt": "add two numbers", "language": "python", "model": "fast"});
    let (status, v) = post_code(&h, "generate", &body).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(last_user_text(&h), "CUSTOM for Python: add two numbers");
    assert!(
        v["template"]
            .as_str()
            .unwrap()
            .starts_with("generate.python@custom-"),
        "{v}"
    );
    // Other languages keep the built-in.
    let body = json!({"prompt": "add two numbers", "language": "go", "model": "fast"});
    let (_, v) = post_code(&h, "generate", &body).await;
    assert_eq!(v["template"], "generate@builtin-1");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn without_a_router_escalation_follows_escalate_to() {
    let config = CODE_CONFIG
        .replace(
            "[routers.auto]\ntiers = { simple = \"fast\", complex = \"strong\" }\n",
            "",
        )
        .replace(
            "[code.validation]",
            "[code]\nescalate_to = [\"fast\", \"strong\"]\n[code.validation]",
        );
    let h = Harness::start(
        &config,
        scripted(&[BROKEN_PYTHON, BROKEN_PYTHON, GOOD_PYTHON]),
    )
    .await;
    let body = json!({"prompt": "add two numbers", "language": "python", "model": "fast"});
    let (status, v) = post_code(&h, "generate", &body).await;
    assert_eq!(status, 200, "{v}");
    let aliases: Vec<&str> = v["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["alias"].as_str().unwrap())
        .collect();
    assert_eq!(aliases, ["fast", "fast", "strong"], "{v}");
    assert_eq!(v["attempts"][2]["kind"], "escalation");
    assert!(
        v["attempts"][2].get("tier").is_none(),
        "no router, no tier: {v}"
    );
    assert_eq!(v["validation"]["parsed"], true);
    // From the strongest alias there is nowhere to go: repair is the last attempt.
    h.mock.set_behavior(scripted(&[BROKEN_PYTHON]));
    let body = json!({"prompt": "add two numbers", "language": "python", "model": "strong"});
    let (_, v) = post_code(&h, "generate", &body).await;
    assert_eq!(v["attempts"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["validation"]["parsed"], false);
}

#[tokio::test]
async fn an_upstream_failure_is_a_json_error_that_names_the_upstream() {
    let h = Harness::start(CODE_CONFIG, common::status_fault(500, 1.0, None)).await;
    let body = json!({"prompt": "add", "language": "go", "model": "fast"});
    let (status, v) = post_code(&h, "generate", &body).await;
    assert_eq!(status, 502, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("mock-openai"),
        "{v}"
    );
    // Streamed: the failure comes before any event, so it is the same status.
    let body = json!({"prompt": "add", "language": "go", "model": "fast", "stream": true});
    let (status, _) = post_code(&h, "generate", &body).await;
    assert_eq!(status, 502);
}

#[tokio::test]
async fn a_rejected_answer_is_never_cached_and_a_valid_one_is() {
    let config = format!("{CODE_CONFIG}\n[cache]\nenabled = true\n");
    // `test` only validates: the broken answer is returned (marked) but must not be stored.
    let h = Harness::start(&config, scripted(&[BROKEN_PYTHON, GOOD_PYTHON])).await;
    let body = json!({"prompt": "tests for add", "language": "python", "model": "fast"});
    let (_, first) = post_code(&h, "test", &body).await;
    assert_eq!(first["validation"]["parsed"], false, "{first}");
    assert_eq!(first["cache"], "miss");
    let (_, second) = post_code(&h, "test", &body).await;
    assert_eq!(
        second["cache"], "miss",
        "a rejected answer was served: {second}"
    );
    assert_eq!(second["validation"]["parsed"], true, "{second}");
    assert_eq!(h.mock.stats().requests_total, 2);
    let (_, third) = post_code(&h, "test", &body).await;
    assert_eq!(third["cache"], "exact", "{third}");
    assert_eq!(third["code"], second["code"]);
    assert_eq!(
        h.mock.stats().requests_total,
        2,
        "the hit called no upstream"
    );
}
