//! Injected faults: statuses, drops, hangs, refused connections, cut streams, timing.
#![cfg(test)]

mod common;

use std::time::{Duration, Instant};

use common::{openai_user, post, post_json};
use futures_util::StreamExt;
use serde_json::{json, Value};
use switchyard_mock::{Family, Fault, MockBehavior, MockServer};

fn status(code: u16, rate: f64, retry_after: Option<u64>) -> MockBehavior {
    MockBehavior {
        fault: Fault::Status {
            code,
            rate,
            retry_after,
            body: None,
        },
        ..MockBehavior::default()
    }
}

fn anthropic_body(stream: bool) -> Value {
    json!({"model": "claude-x", "max_tokens": 10, "stream": stream,
           "messages": [{"role": "user", "content": "one two three four"}]})
}

fn gemini_body() -> Value {
    json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]})
}

#[tokio::test]
async fn status_fault_uses_each_provider_error_shape() {
    let server = MockServer::start(status(429, 1.0, Some(3))).await.unwrap();
    let base = server.url();

    let (code, headers, text) =
        post(&format!("{base}/v1/chat/completions"), &openai_user("hi")).await;
    assert_eq!(code, 429);
    assert_eq!(headers["retry-after"], "3");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["error"]["code"], "rate_limit_exceeded");
    assert!(v["error"]["message"].is_string());
    assert!(v["error"]["type"].is_string());
    assert!(v["error"]["param"].is_null());

    let (code, headers, text) = post(&format!("{base}/v1/messages"), &anthropic_body(false)).await;
    assert_eq!(code, 429);
    assert_eq!(headers["retry-after"], "3");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["error"]["type"], "rate_limit_error");

    let (code, v) = post_json(
        &format!("{base}/v1beta/models/g:streamGenerateContent?alt=sse"),
        &gemini_body(),
    )
    .await;
    assert_eq!(code, 429);
    assert_eq!(v["error"]["code"], 429);
    assert_eq!(v["error"]["status"], "RESOURCE_EXHAUSTED");

    let stats = server.stats();
    assert_eq!(stats.faults_injected, 3);
    assert_eq!(stats.requests_total, 3);
    assert_eq!(stats.streams_started, 0);

    server.set_behavior(MockBehavior {
        fault: Fault::Status {
            code: 503,
            rate: 1.0,
            retry_after: None,
            body: Some("upstream sad".into()),
        },
        ..MockBehavior::default()
    });
    let (code, headers, text) =
        post(&format!("{base}/v1/chat/completions"), &openai_user("hi")).await;
    assert_eq!(code, 503);
    assert_eq!(text, "upstream sad");
    assert!(headers.get("retry-after").is_none());
}

#[tokio::test]
async fn status_rate_is_about_half_and_repeatable() {
    let server = MockServer::start(status(500, 0.5, None)).await.unwrap();
    let url = format!("{}/v1/chat/completions", server.url());
    let client = common::client();
    let mut run = Vec::new();
    for _ in 0..200 {
        let resp = client
            .post(&url)
            .json(&openai_user("x"))
            .send()
            .await
            .unwrap();
        run.push(resp.status().as_u16());
    }
    let failed = run.iter().filter(|s| **s == 500).count();
    assert!((70..=130).contains(&failed), "{failed} of 200 failed");
    assert_eq!(server.stats().faults_injected, failed as u64);

    server.reset_stats();
    let mut again = Vec::new();
    for _ in 0..200 {
        let resp = client
            .post(&url)
            .json(&openai_user("x"))
            .send()
            .await
            .unwrap();
        again.push(resp.status().as_u16());
    }
    assert_eq!(run, again, "same seed, same sequence");
}

#[tokio::test]
async fn drop_closes_without_response() {
    let server = MockServer::start(MockBehavior {
        fault: Fault::Drop,
        ..MockBehavior::default()
    })
    .await
    .unwrap();
    let err = common::client()
        .post(format!("{}/v1/chat/completions", server.url()))
        .json(&openai_user("x"))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err}");
    assert!(err.status().is_none());
    let stats = server.stats();
    assert_eq!(stats.faults_injected, 1);
    assert_eq!(stats.requests_total, 1);
}

#[tokio::test]
async fn hang_never_answers_and_shutdown_still_works() {
    let server = MockServer::start(MockBehavior {
        fault: Fault::Hang,
        ..MockBehavior::default()
    })
    .await
    .unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = client
        .post(format!("{}/v1/messages", server.url()))
        .json(&anthropic_body(false))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(server.stats().faults_injected, 1);
    // Another request hangs while shutdown happens: shutdown must not wait for it.
    let url = format!("{}/v1/messages", server.url());
    let pending = tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .json(&anthropic_body(false))
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    tokio::time::timeout(Duration::from_secs(5), server.shutdown())
        .await
        .unwrap();
    let result = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .unwrap()
        .unwrap();
    assert!(
        result.is_err(),
        "hung request ends with a closed connection"
    );
}

async fn wait_until_refused(addr: std::net::SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::net::TcpStream::connect(addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return,
            _ if Instant::now() > deadline => panic!("{addr} still accepts connections"),
            _ => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

async fn wait_until_ok(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match reqwest::Client::new()
            .post(url)
            .json(&openai_user("back"))
            .send()
            .await
        {
            Ok(resp) if resp.status() == 200 => return,
            _ if Instant::now() > deadline => panic!("{url} did not come back"),
            _ => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

#[tokio::test]
async fn refuse_closes_the_port_and_rebinds_the_same_one() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let addr = server.addr();
    let url = format!("{}/v1/chat/completions", server.url());
    server.set_behavior(MockBehavior {
        fault: Fault::Refuse,
        ..MockBehavior::default()
    });
    wait_until_refused(addr).await;
    let err = reqwest::Client::new()
        .post(&url)
        .json(&openai_user("x"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err}");
    server.set_behavior(MockBehavior::default());
    wait_until_ok(&url).await;
    assert_eq!(server.addr(), addr);
}

#[tokio::test]
async fn refuse_set_and_cleared_over_http_with_control_listener() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let control = server
        .serve_control_on("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{}/_mock/config", server.url()))
        .body(r#"{"fault":"refuse"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    wait_until_refused(server.addr()).await;
    let resp = client
        .post(format!("http://{control}/_mock/config"))
        .body(r#"{"fault":"none"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    wait_until_ok(&format!("{}/v1/chat/completions", server.url())).await;
    // A family-only refuse cannot close the shared port: that family's requests are dropped.
    server.set_family_behavior(
        Family::Gemini,
        MockBehavior {
            fault: Fault::Refuse,
            ..MockBehavior::default()
        },
    );
    let err = client
        .post(format!("{}/v1beta/models/g:generateContent", server.url()))
        .json(&gemini_body())
        .send()
        .await
        .unwrap_err();
    assert!(err.status().is_none());
    let (code, _) = post_json(
        &format!("{}/v1/chat/completions", server.url()),
        &openai_user("x"),
    )
    .await;
    assert_eq!(code, 200);
}

/// Reads a streamed body until it ends or fails; returns the text and whether it failed.
async fn read_stream(resp: reqwest::Response) -> (String, bool) {
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(item) = stream.next().await {
        match item {
            Ok(bytes) => body.extend_from_slice(&bytes),
            Err(_) => return (String::from_utf8(body).unwrap(), true),
        }
    }
    (String::from_utf8(body).unwrap(), false)
}

#[tokio::test]
async fn cut_after_stops_streams_before_the_terminal_event() {
    let server = MockServer::start(MockBehavior {
        fault: Fault::CutAfter { chunks: 2 },
        ..MockBehavior::default()
    })
    .await
    .unwrap();
    let client = common::client();
    let mut body = openai_user("a b c d e f");
    body["stream"] = json!(true);
    let resp = client
        .post(format!("{}/v1/chat/completions", server.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (text, failed) = read_stream(resp).await;
    assert!(failed, "the body ends with an error, not a clean end");
    let events = common::parse_sse(&text);
    assert_eq!(events.len(), 3, "preamble and 2 content chunks: {text}");
    assert!(!text.contains("[DONE]"));
    assert!(!text.contains("finish_reason\":\"stop"));

    let resp = client
        .post(format!("{}/v1/messages", server.url()))
        .json(&anthropic_body(true))
        .send()
        .await
        .unwrap();
    let (text, failed) = read_stream(resp).await;
    assert!(failed);
    let events = common::parse_sse(&text);
    let deltas = events
        .iter()
        .filter(|e| e.event.as_deref() == Some("content_block_delta"))
        .count();
    assert_eq!(deltas, 2);
    assert!(!text.contains("message_stop"));

    let resp = client
        .post(format!(
            "{}/v1beta/models/g:streamGenerateContent?alt=sse",
            server.url()
        ))
        .json(&gemini_body())
        .send()
        .await
        .unwrap();
    let (text, failed) = read_stream(resp).await;
    assert!(failed);
    assert_eq!(common::parse_sse(&text).len(), 2);
    assert!(!text.contains("finishReason"));

    let stats = server.stats();
    assert_eq!(stats.streams_started, 3);
    assert_eq!(stats.streams_completed, 0);
    assert_eq!(stats.connections_closed_early, 0);
    assert_eq!(stats.faults_injected, 3);
}

#[tokio::test]
async fn cut_after_closes_non_stream_bodies_midway() {
    let server = MockServer::start(MockBehavior {
        fault: Fault::CutAfter { chunks: 1 },
        ..MockBehavior::default()
    })
    .await
    .unwrap();
    let resp = common::client()
        .post(format!("{}/v1/chat/completions", server.url()))
        .json(&openai_user("hello"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let announced = resp.content_length().unwrap();
    let (text, failed) = read_stream(resp).await;
    assert!(failed);
    assert!((text.len() as u64) < announced);
    assert!(serde_json::from_str::<Value>(&text).is_err());
}

#[tokio::test]
async fn latency_ttft_and_token_pace() {
    let server = MockServer::start(MockBehavior {
        latency_ms: 150,
        ..MockBehavior::default()
    })
    .await
    .unwrap();
    let started = Instant::now();
    let (code, _) = post_json(
        &format!("{}/v1/chat/completions", server.url()),
        &openai_user("x"),
    )
    .await;
    assert_eq!(code, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));

    server.set_behavior(MockBehavior {
        ttft_ms: 200,
        per_token_ms: 50,
        response_text: Some("w1 w2 w3 w4 w5".into()),
        ..MockBehavior::default()
    });
    let mut body = openai_user("x");
    body["stream"] = json!(true);
    let started = Instant::now();
    let resp = common::client()
        .post(format!("{}/v1/chat/completions", server.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(150),
        "headers come at once"
    );
    let mut stream = resp.bytes_stream();
    let mut first_content = None;
    let mut text = String::new();
    while let Some(bytes) = stream.next().await {
        text.push_str(std::str::from_utf8(&bytes.unwrap()).unwrap());
        if first_content.is_none() && text.contains("w1") {
            first_content = Some(started.elapsed());
        }
    }
    let total = started.elapsed();
    let first = first_content.unwrap();
    assert!(first >= Duration::from_millis(200), "{first:?}");
    assert!(total >= Duration::from_millis(400), "{total:?}");
    assert!(text.ends_with("data: [DONE]\n\n"));
}

#[tokio::test]
async fn client_going_away_mid_stream_is_counted() {
    let server = MockServer::start(MockBehavior {
        per_token_ms: 50,
        response_text: Some("word ".repeat(100)),
        ..MockBehavior::default()
    })
    .await
    .unwrap();
    let mut body = anthropic_body(true);
    body["stream"] = json!(true);
    let resp = common::client()
        .post(format!("{}/v1/messages", server.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let mut stream = resp.bytes_stream();
    stream.next().await.unwrap().unwrap();
    stream.next().await.unwrap().unwrap();
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.stats().connections_closed_early == 0 {
        assert!(Instant::now() < deadline, "early close not counted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stats = server.stats();
    assert_eq!(stats.streams_started, 1);
    assert_eq!(stats.streams_completed, 0);
    assert_eq!(stats.connections_closed_early, 1);
}

#[tokio::test]
async fn family_override_only_hits_that_family() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    server.set_family_behavior(Family::Anthropic, status(529, 1.0, None));
    let (code, v) = post_json(
        &format!("{}/v1/messages", server.url()),
        &anthropic_body(false),
    )
    .await;
    assert_eq!(code, 529);
    assert_eq!(v["error"]["type"], "overloaded_error");
    let (code, _) = post_json(
        &format!("{}/v1/chat/completions", server.url()),
        &openai_user("x"),
    )
    .await;
    assert_eq!(code, 200);
    let (code, _) = post_json(
        &format!("{}/v1beta/models/g:generateContent", server.url()),
        &gemini_body(),
    )
    .await;
    assert_eq!(code, 200);
    server.clear_family_behavior(Family::Anthropic);
    let (code, _) = post_json(
        &format!("{}/v1/messages", server.url()),
        &anthropic_body(false),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(server.stats().faults_injected, 1);
}
