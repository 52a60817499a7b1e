//! `POST /v1/responses` (the OpenAI Responses API, what Codex CLI speaks) over every provider
//! kind: a recorded Codex turn, freeform tools, reasoning with encrypted content on the
//! native route, broken streams, and malformed bodies.

#![cfg(test)]

mod common;

use common::{sse_frames, with_fault, Harness};
use serde_json::{json, Value};
use switchyard_mock::Fault;

/// Every alias of the test config: the native OpenAI route first, then the translated ones.
const KINDS: [&str; 5] = [
    "openai-native-model",
    "openai-model",
    "azure-model",
    "anthropic-model",
    "gemini-model",
];

const CODEX_REQUEST: &str =
    include_str!("../../protocol/tests/fixtures/responses/codex_request.json");

fn codex_turn(model: &str) -> Value {
    let mut body: Value = serde_json::from_str(CODEX_REQUEST).unwrap();
    body["model"] = json!(model);
    body
}

/// The `data` of every frame, checking each is named by its `type`.
fn events(text: &str) -> Vec<Value> {
    sse_frames(text)
        .into_iter()
        .map(|(name, data)| {
            let v: Value = serde_json::from_str(&data).unwrap();
            assert_eq!(name.as_deref(), v["type"].as_str(), "{data}");
            v
        })
        .collect()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_recorded_codex_turn_streams_through_every_provider_kind() {
    let h = Harness::all_kinds().await;
    for model in KINDS {
        let resp = h
            .post("/v1/responses", &codex_turn(model))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{model}");
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        let events = events(&resp.text().await.unwrap());
        let types = types(&events);
        assert_eq!(
            types[..2],
            ["response.created", "response.in_progress"],
            "{model}"
        );
        assert_eq!(
            *types.last().unwrap(),
            "response.completed",
            "{model}: {types:?}"
        );
        for (i, e) in events.iter().enumerate() {
            assert_eq!(e["sequence_number"], i, "{model}");
        }
        assert_eq!(
            events[0]["response"]["store"], false,
            "{model}: the request is echoed"
        );
        assert_eq!(
            events[0]["response"]["tools"][1]["type"], "custom",
            "{model}"
        );
        // The mock calls the first tool offered: Codex's `shell` function.
        let done = &events.last().unwrap()["response"];
        let call = done["output"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["type"] == "function_call")
            .unwrap_or_else(|| panic!("{model}: no function call in {done}"));
        assert_eq!(call["name"], "shell", "{model}");
        assert!(call["call_id"].as_str().unwrap().len() > 4, "{model}");
        assert!(
            types.contains(&"response.function_call_arguments.delta"),
            "{model}"
        );
        assert!(
            done["usage"]["input_tokens"].as_u64().unwrap() > 0,
            "{model}"
        );
        assert!(done["usage"]["output_tokens_details"]["reasoning_tokens"].is_u64());

        let upstream = h.mock.stats().last_request.unwrap();
        let sent = upstream.body.to_string();
        if model == "openai-native-model" {
            assert_eq!(upstream.path, "/v1/responses");
            let mut expected = codex_turn("gpt-upstream");
            expected["stream"] = json!(true);
            assert_eq!(upstream.body, expected, "the native route is lossless");
        } else {
            assert!(!sent.contains("encrypted_content"), "{model}: {sent}");
            assert!(!sent.contains("custom_tool_call"), "{model}: {sent}");
            assert!(
                sent.contains("apply_patch"),
                "{model}: the freeform tool is offered"
            );
            assert!(
                sent.contains("*** Begin Patch"),
                "{model}: its past call is replayed"
            );
            assert!(
                sent.contains("You are Codex"),
                "{model}: instructions are sent"
            );
        }
    }
}

#[tokio::test]
async fn a_freeform_tool_is_called_as_a_custom_tool_on_every_kind() {
    let h = Harness::all_kinds().await;
    let tool = json!({"type": "custom", "name": "apply_patch", "description": "Edit files",
        "format": {"type": "grammar", "syntax": "lark", "definition": "start: /.+/"}});
    for model in KINDS {
        let body = json!({"model": model, "input": "Fix it", "tools": [tool], "store": false});
        let resp: Value = h
            .post("/v1/responses", &body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(resp["object"], "response", "{model}: {resp}");
        assert_eq!(resp["status"], "completed", "{model}");
        let call = &resp["output"][0];
        assert_eq!(call["type"], "custom_tool_call", "{model}: {resp}");
        assert_eq!(call["name"], "apply_patch");
        assert_eq!(call["input"], "x", "{model}: the mock's input");

        let mut streamed = body.clone();
        streamed["stream"] = json!(true);
        let text = h
            .post("/v1/responses", &streamed)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let events = events(&text);
        let input_done = events
            .iter()
            .find(|e| e["type"] == "response.custom_tool_call_input.done")
            .unwrap_or_else(|| panic!("{model}: {text}"));
        assert_eq!(input_done["input"], "x", "{model}");
        let output = &events.last().unwrap()["response"]["output"][0];
        assert_eq!(output["type"], "custom_tool_call", "{model}");
    }
}

#[tokio::test]
async fn reasoning_with_encrypted_content_is_kept_on_the_native_route() {
    let h = Harness::all_kinds().await;
    let body = json!({"model": "openai-native-model", "input": "Think first",
        "reasoning": {"effort": "high", "summary": "auto"}, "store": false,
        "include": ["reasoning.encrypted_content"]});
    let resp: Value = h
        .post("/v1/responses", &body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reasoning = &resp["output"][0];
    assert_eq!(reasoning["type"], "reasoning", "{resp}");
    assert!(reasoning["encrypted_content"]
        .as_str()
        .unwrap()
        .starts_with("enc_mock"));
    assert_eq!(reasoning["summary"][0]["text"], "Mock reasoning");
    assert_eq!(resp["reasoning"]["effort"], "high", "the request is echoed");

    let mut streamed = body.clone();
    streamed["stream"] = json!(true);
    let text = h
        .post("/v1/responses", &streamed)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events = events(&text);
    let types = types(&events);
    assert!(
        types.contains(&"response.reasoning_summary_text.delta"),
        "{types:?}"
    );
    let done = &events.last().unwrap()["response"]["output"][0];
    assert_eq!(done["type"], "reasoning");
    assert!(done["encrypted_content"]
        .as_str()
        .unwrap()
        .starts_with("enc_mock"));
    let added = events
        .iter()
        .find(|e| e["type"] == "response.output_item.added")
        .unwrap();
    assert_eq!(
        added["item"]["id"], done["id"],
        "the upstream's reasoning id"
    );
}

#[tokio::test]
async fn a_stream_cut_upstream_ends_with_response_failed() {
    let h = Harness::start(common::ALL_KINDS, with_fault(Fault::CutAfter { chunks: 3 })).await;
    for model in ["openai-native-model", "anthropic-model"] {
        let body = json!({"model": model, "input": common::PROMPT, "stream": true});
        let text = h
            .post("/v1/responses", &body)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let events = events(&text);
        let types = types(&events);
        assert!(
            types.contains(&"response.output_text.delta"),
            "{model}: {types:?}"
        );
        assert_eq!(
            types[types.len() - 2..],
            ["error", "response.failed"],
            "{model}: {types:?}"
        );
        assert!(!types.contains(&"response.completed"), "{model}");
        let failed = &events.last().unwrap()["response"];
        assert_eq!(failed["status"], "failed");
        assert!(!failed["error"]["message"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn malformed_bodies_are_a_400_in_openai_error_shape() {
    let h = Harness::all_kinds().await;
    let cases = [
        (json!({"input": "x"}), Some("model")),
        (json!({"model": "openai-model"}), Some("input")),
        (json!({"model": "openai-model", "input": 7}), Some("input")),
        (
            json!({"model": "openai-model", "input": [{"type": "message", "content": "x"}]}),
            Some("input[0].role"),
        ),
        (
            json!({"model": "openai-model", "input": "x", "tools": [{"type": "function"}]}),
            Some("tools[0].name"),
        ),
        (
            json!({"model": "openai-model", "input": "x", "max_output_tokens": "many"}),
            Some("max_output_tokens"),
        ),
        (
            json!({"model": "openai-model", "input": "x", "previous_response_id": "resp_1"}),
            Some("previous_response_id"),
        ),
    ];
    for (body, param) in cases {
        let resp = h.post("/v1/responses", &body).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{body}");
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["error"]["type"], "invalid_request_error", "{err}");
        assert_eq!(err["error"]["param"].as_str(), param, "{body}: {err}");
        assert!(!err["error"]["message"].as_str().unwrap().is_empty());
    }
    let resp = h
        .client
        .post(format!("{}/v1/responses", h.url()))
        .bearer_auth(common::CLIENT_KEY)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.unwrap();
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON"),
        "{err}"
    );
    assert_eq!(
        h.mock.stats().requests_total,
        0,
        "nothing malformed goes upstream"
    );
}

#[tokio::test]
async fn a_silent_stream_gets_keep_alive_comments() {
    let config = common::ALL_KINDS.replace(
        "max_body_bytes = 65536",
        "max_body_bytes = 65536\nstream_keepalive_ms = 40",
    );
    let slow = switchyard_mock::MockBehavior {
        per_token_ms: 150,
        ..switchyard_mock::MockBehavior::default()
    };
    let h = Harness::start(&config, slow).await;
    let body = json!({"model": "openai-native-model", "input": "one two three", "stream": true});
    let text = h
        .post("/v1/responses", &body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let comments = text.matches(": keep-alive\n\n").count();
    assert!(comments >= 2, "keep-alives between slow chunks: {text}");
    // The comments are whole frames between events: without them the stream is intact.
    let events = events(&text.replace(": keep-alive\n\n", ""));
    assert_eq!(events.last().unwrap()["type"], "response.completed");
    let answer: String = events
        .iter()
        .filter(|e| e["type"] == "response.output_text.delta")
        .map(|e| e["delta"].as_str().unwrap())
        .collect();
    assert_eq!(answer, "Mock answer to: one two three");
}

#[tokio::test]
async fn keep_alives_do_not_extend_the_upstream_idle_limit() {
    let config = common::ALL_KINDS
        .replace(
            "max_body_bytes = 65536",
            "max_body_bytes = 65536\nstream_keepalive_ms = 20",
        )
        .replace(
            "responses = \"native\"",
            "responses = \"native\"\nstream_idle_timeout_ms = 200",
        );
    let stalled = switchyard_mock::MockBehavior {
        per_token_ms: 1500,
        ..switchyard_mock::MockBehavior::default()
    };
    let h = Harness::start(&config, stalled).await;
    let body = json!({"model": "openai-native-model", "input": "one two three", "stream": true});
    let started = std::time::Instant::now();
    let text = h
        .post("/v1/responses", &body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events = events(&text.replace(": keep-alive\n\n", ""));
    assert_eq!(events.last().unwrap()["type"], "response.failed", "{text}");
    assert!(text.contains(": keep-alive"), "{text}");
    assert!(
        started.elapsed() < std::time::Duration::from_millis(1400),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_json_schema_text_format_reaches_every_kind() {
    let h = Harness::all_kinds().await;
    let schema = json!({"type": "object", "properties": {"fn": {"type": "string"}},
        "required": ["fn"], "additionalProperties": false});
    for model in KINDS {
        let body = json!({"model": model, "input": "Name a function",
            "text": {"format": {"type": "json_schema", "name": "answer", "schema": schema, "strict": true}}});
        let resp = h.post("/v1/responses", &body).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{model}");
        let resp: Value = resp.json().await.unwrap();
        assert_eq!(resp["text"]["format"]["name"], "answer", "{model}: echoed");
        let sent = h.mock.stats().last_request.unwrap().body;
        match model {
            "openai-native-model" => assert_eq!(sent["text"], body["text"]),
            "openai-model" | "azure-model" => {
                assert_eq!(sent["response_format"]["type"], "json_schema", "{model}");
                assert_eq!(
                    sent["response_format"]["json_schema"]["schema"], schema,
                    "{model}"
                );
            }
            _ => assert!(
                sent.to_string().contains("additionalProperties"),
                "{model}: {sent}"
            ),
        }
    }
}
