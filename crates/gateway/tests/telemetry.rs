#![cfg(test)]
//! OTLP trace export: a fake collector receives the gateway's spans and checks their names
//! and GenAI attributes, and that no prompt text leaves the gateway.

mod common;

use axum::{body::Bytes, extract::State, http::HeaderMap, routing::post, Router};
use common::{status_fault, with_fault, Harness, ALL_KINDS};
use opentelemetry_proto::tonic::{
    collector::trace::v1::ExportTraceServiceRequest,
    common::v1::{any_value::Value, AnyValue},
    trace::v1::{span::SpanKind, status::StatusCode, Span},
};
use prost::Message;
use serde_json::json;
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};
use switchyard_mock::{Fault, MockBehavior};

/// What the fake collector received: (headers, body) of each export.
type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A collector on port 0 recording every `POST /v1/traces`; returns its base URL.
async fn collector() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route(
            "/v1/traces",
            post(
                |State(r): State<Received>, headers: HeaderMap, body: Bytes| async move {
                    r.lock().unwrap().push((headers, body));
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), received)
}

/// [`ALL_KINDS`] exporting to the collector at `endpoint` every 20 ms.
fn traced(endpoint: &str) -> String {
    format!(
        "{ALL_KINDS}\n[telemetry]\notlp_endpoint = \"{endpoint}\"\nservice_name = \
         \"gw-under-test\"\nflush_interval_ms = 20\n"
    )
}

/// Every span received so far.
fn spans(received: &Received) -> Vec<Span> {
    let mut out = Vec::new();
    for (_, body) in received.lock().unwrap().iter() {
        let req = ExportTraceServiceRequest::decode(body.as_ref()).unwrap();
        for rs in req.resource_spans {
            let resource = rs.resource.unwrap();
            assert_eq!(
                attr(&resource.attributes, "service.name"),
                Some(Value::StringValue("gw-under-test".into()))
            );
            for ss in rs.scope_spans {
                out.extend(ss.spans);
            }
        }
    }
    out
}

/// Waits until `n` spans have arrived.
async fn wait_for(received: &Received, n: usize) -> Vec<Span> {
    for _ in 0..200 {
        let s = spans(received);
        if s.len() >= n {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("expected {n} spans, got {}", spans(received).len());
}

fn attr(attrs: &[opentelemetry_proto::tonic::common::v1::KeyValue], key: &str) -> Option<Value> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.clone())
        .and_then(|AnyValue { value }| value)
}

fn s(v: &str) -> Option<Value> {
    Some(Value::StringValue(v.into()))
}

#[tokio::test]
async fn requests_are_exported_as_genai_spans() {
    let (endpoint, received) = collector().await;
    let config = format!(
        "{ALL_KINDS}\n[telemetry]\notlp_endpoint = \"{endpoint}/\"\nservice_name = \
         \"gw-under-test\"\nflush_interval_ms = 20\nheaders = {{ \"x-collector-key\" = \"k1\" }}\n"
    );
    let h = Harness::start(&config, MockBehavior::default()).await;
    let secret_prompt = "the-secret-prompt-text-42";
    let trace = "0af7651916cd43dd8448eb211c80319c";
    let r = h
        .post(
            "/v1/chat/completions",
            &json!({"model": "anthropic-model", "messages": [{"role": "user", "content": secret_prompt}]}),
        )
        .header("traceparent", format!("00-{trace}-b7ad6b7169203331-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    let r = h
        .post(
            "/v1/chat/completions",
            &json!({"model": "nope", "messages": [{"role": "user", "content": secret_prompt}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let spans = wait_for(&received, 2).await;
    assert_eq!(spans.len(), 2);
    for (headers, body) in received.lock().unwrap().iter() {
        assert_eq!(headers["content-type"], "application/x-protobuf");
        assert_eq!(headers["x-collector-key"], "k1");
        let text = String::from_utf8_lossy(body);
        assert!(!text.contains(secret_prompt), "prompt text exported");
        assert!(!text.contains("sk-upstream"), "upstream key exported");
        assert!(!text.contains(common::CLIENT_KEY), "client key exported");
    }

    let ok = spans
        .iter()
        .find(|s| s.name == "chat anthropic-model")
        .unwrap();
    assert_eq!(ok.kind, SpanKind::Server as i32);
    assert_eq!(hex(&ok.trace_id), trace);
    assert_eq!(hex(&ok.parent_span_id), "b7ad6b7169203331");
    assert_eq!(ok.span_id.len(), 8);
    assert!(ok.end_time_unix_nano >= ok.start_time_unix_nano && ok.start_time_unix_nano > 0);
    let a = &ok.attributes;
    assert_eq!(attr(a, "gen_ai.operation.name"), s("chat"));
    assert_eq!(attr(a, "gen_ai.provider.name"), s("anthropic"));
    assert_eq!(attr(a, "gen_ai.request.model"), s("anthropic-model"));
    assert_eq!(attr(a, "gen_ai.response.model"), s("claude-upstream"));
    let tokens = |k: &str| Some(Value::IntValue(body["usage"][k].as_i64().unwrap()));
    assert_eq!(
        attr(a, "gen_ai.usage.input_tokens"),
        tokens("prompt_tokens")
    );
    assert_eq!(
        attr(a, "gen_ai.usage.output_tokens"),
        tokens("completion_tokens")
    );
    assert_eq!(attr(a, "server.address"), s("127.0.0.1"));
    let mock_port = h
        .mock
        .url()
        .rsplit(':')
        .next()
        .unwrap()
        .parse::<i64>()
        .unwrap();
    assert_eq!(attr(a, "server.port"), Some(Value::IntValue(mock_port)));
    assert_eq!(attr(a, "switchyard.alias"), s("anthropic-model"));
    assert_eq!(attr(a, "switchyard.attempts"), Some(Value::IntValue(1)));
    assert_eq!(attr(a, "switchyard.stream"), Some(Value::BoolValue(false)));
    assert!(attr(a, "switchyard.request_id").is_some());
    assert_eq!(attr(a, "error.type"), None);
    assert_ne!(
        ok.status.clone().unwrap_or_default().code,
        StatusCode::Error as i32
    );

    let failed = spans.iter().find(|s| s.name == "chat nope").unwrap();
    let a = &failed.attributes;
    assert_eq!(attr(a, "error.type"), s("not_found"));
    assert_eq!(
        attr(a, "http.response.status_code"),
        Some(Value::IntValue(404))
    );
    assert_eq!(attr(a, "gen_ai.provider.name"), None);
    assert_eq!(failed.trace_id.len(), 16);
    assert_ne!(hex(&failed.trace_id), trace);
    assert!(failed.parent_span_id.is_empty());
    // A 4xx is the client's error: the server span's status stays unset.
    assert_ne!(
        failed.status.clone().unwrap_or_default().code,
        StatusCode::Error as i32
    );
}

#[tokio::test]
async fn upstream_failures_set_error_status() {
    let (endpoint, received) = collector().await;
    let config = traced(&endpoint);
    let behavior = status_fault(500, 1.0, None);
    let h = Harness::start(&config, behavior).await;
    let r = h
        .post(
            "/v1/embeddings",
            &json!({"model": "openai-model", "input": "hello"}),
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_server_error(), "{}", r.status());
    let spans = wait_for(&received, 1).await;
    let span = &spans[0];
    assert_eq!(span.name, "embeddings openai-model");
    assert_eq!(
        attr(&span.attributes, "gen_ai.operation.name"),
        s("embeddings")
    );
    assert_eq!(attr(&span.attributes, "gen_ai.provider.name"), s("openai"));
    assert!(attr(&span.attributes, "error.type").is_some());
    assert_eq!(span.status.clone().unwrap().code, StatusCode::Error as i32);
}

#[tokio::test]
async fn streams_carry_ttft_and_broken_streams_are_errors() {
    let (endpoint, received) = collector().await;
    let config = traced(&endpoint);
    let body = json!({"model": "gemini-model", "stream": true,
        "messages": [{"role": "user", "content": "hi"}]});
    let h = Harness::start(&config, MockBehavior::default()).await;
    let r = h.post("/v1/chat/completions", &body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap();
    let spans = wait_for(&received, 1).await;
    let a = &spans[0].attributes;
    assert_eq!(attr(a, "switchyard.stream"), Some(Value::BoolValue(true)));
    assert_eq!(attr(a, "gen_ai.provider.name"), s("gcp.gemini"));
    assert!(matches!(attr(a, "switchyard.ttft_ms"), Some(Value::DoubleValue(ms)) if ms >= 0.0));
    assert_ne!(
        spans[0].status.clone().unwrap_or_default().code,
        StatusCode::Error as i32
    );

    let (endpoint, received) = collector().await;
    let config = traced(&endpoint);
    let cut = with_fault(Fault::CutAfter { chunks: 1 });
    let h = Harness::start(&config, cut).await;
    let r = h.post("/v1/chat/completions", &body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let _ = r.text().await;
    let spans = wait_for(&received, 1).await;
    let span = &spans[0];
    assert_eq!(span.status.clone().unwrap().code, StatusCode::Error as i32);
    assert!(attr(&span.attributes, "error.type").is_some());
}

#[tokio::test]
async fn without_telemetry_nothing_is_sent() {
    let (endpoint, received) = collector().await;
    // A config that names the collector nowhere but in a comment: tracing stays off.
    let config = format!("{ALL_KINDS}\n# otlp_endpoint = \"{endpoint}\"\n");
    let h = Harness::start(&config, MockBehavior::default()).await;
    let r = h
        .post(
            "/v1/chat/completions",
            &json!({"model": "openai-model", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(received.lock().unwrap().is_empty());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
