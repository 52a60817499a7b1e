//! Issue #11: what probes from outside found. Upstreams that echo the credentials they
//! received, upstreams that talk without answering, clients that hold sockets, and a few
//! inputs every other place already refused.

#![cfg(test)]

mod common;

use axum::{body::Body, http::HeaderMap, response::Response, Router};
use bytes::Bytes;
use common::{Harness, CLIENT_KEY};
use serde_json::json;
use std::{
    io::Write,
    net::SocketAddr,
    sync::{
        atomic::{AtomicU16, Ordering},
        Arc, Mutex, OnceLock,
    },
    time::{Duration, Instant},
};
use switchyard_mock::MockBehavior;

/// Everything the gateway logs in this test binary, at every level.
fn captured_logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        let _ = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || LogSink(sink.clone()))
            .try_init();
        logs
    })
}

struct LogSink(Arc<Mutex<Vec<u8>>>);

impl Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts `router` on a loopback port 0; returns its URL.
async fn serve_upstream(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

// ---------------------------------------------------------------------------------------
// Finding 1: provider keys leak through upstream errors.

const KEYS: [(&str, &str); 4] = [
    ("openai", "sk-upstream-SECRET-openai-0123456789"),
    // Azure keys are 32 hex digits: nothing about them looks like a key.
    ("azure", "a1b2c3d4e5f60718293a4b5c6d7e8f90"),
    ("anthropic", "sk-ant-api03-SECRET-claude-0123456789"),
    ("gemini", "AIzaSyUpstreamSECRETgemini0123456789abc"),
];

fn echo_config(echo: &str) -> String {
    let mut config = String::from(
        "[server]\napi_keys = [\"test-client-key\"]\n[resilience]\nmax_attempts = 1\n",
    );
    for (kind, key) in KEYS {
        let base = if kind == "openai" {
            format!("{echo}/v1")
        } else {
            echo.to_owned()
        };
        config.push_str(&format!(
            "[providers.echo-{kind}]\nkind = \"{kind}\"\nbase_url = \"{base}\"\napi_key = \"{key}\"\n\
             [models.m-{kind}]\ndeployments = [{{ provider = \"echo-{kind}\", model = \"up-{kind}\" }}]\n"
        ));
    }
    config
}

/// An upstream that answers `status` and says which credentials it received, whole and in
/// part: JSON in the provider's error shape for 400, plain text otherwise. With status 200
/// it answers streams with an Anthropic `error` event that echoes the key.
fn echo_upstream(status: Arc<AtomicU16>) -> Router {
    Router::new().fallback(move |headers: HeaderMap, uri: axum::http::Uri, body: Bytes| {
        let status = status.load(Ordering::SeqCst);
        async move {
            let cred = ["authorization", "x-api-key", "api-key", "x-goog-api-key"]
                .iter()
                .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()))
                .unwrap_or("none")
                .to_owned();
            let bare = cred.trim_start_matches("Bearer ");
            let said = format!(
                "bad request, you sent key {cred} (starts {}…, ends …{})",
                &bare[..12],
                &bare[bare.len() - 10..]
            );
            let path = uri.path();
            let stream = String::from_utf8_lossy(&body).contains("\"stream\":true")
                || path.contains("streamGenerateContent");
            let (content_type, text) = if status == 200 && stream {
                let event = json!({"type": "error", "error": {"type": "overloaded_error", "message": said}});
                ("text/event-stream", format!("event: error\ndata: {event}\n\n"))
            } else if status == 400 {
                let body = if path.contains("/v1/messages") {
                    json!({"type": "error", "error": {"type": "invalid_request_error", "message": said}})
                } else if path.contains("/v1beta/") {
                    json!({"error": {"code": 400, "message": said, "status": "INVALID_ARGUMENT"}})
                } else {
                    json!({"error": {"message": said, "type": "invalid_request_error", "code": cred}})
                };
                ("application/json", body.to_string())
            } else {
                ("text/plain", format!("upstream failure: {said}"))
            };
            Response::builder()
                .status(status)
                .header("content-type", content_type)
                .body(Body::from(text))
                .unwrap()
        }
    })
}

/// Every 10-byte window of every key, so that a partial echo shows too.
fn leaks(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (_, key) in KEYS {
        for w in key.as_bytes().windows(10) {
            let w = std::str::from_utf8(w).unwrap();
            if text.contains(w) {
                found.push(w.to_owned());
            }
        }
    }
    found
}

#[tokio::test]
async fn echoed_provider_keys_never_reach_clients_or_logs() {
    let logs = captured_logs();
    let status = Arc::new(AtomicU16::new(400));
    let echo = serve_upstream(echo_upstream(status.clone())).await;
    let h = Harness::start(&echo_config(&echo), MockBehavior::default()).await;
    let mut checked = 0;
    for code in [400, 401, 500, 200] {
        status.store(code, Ordering::SeqCst);
        for (kind, _) in KEYS {
            let model = format!("m-{kind}");
            let msgs = json!([{"role": "user", "content": "hi"}]);
            let mut cases = Vec::new();
            for stream in [false, true] {
                if code == 200 && !stream {
                    continue;
                }
                cases.push((
                    "/v1/chat/completions",
                    json!({"model": model, "stream": stream, "messages": msgs}),
                ));
                cases.push((
                    "/v1/messages",
                    json!({"model": model, "stream": stream, "max_tokens": 16, "messages": msgs}),
                ));
            }
            if code != 200 {
                cases.push(("/v1/embeddings", json!({"model": model, "input": "hi"})));
                cases.push((
                    "/v1/messages/count_tokens",
                    json!({"model": model, "messages": msgs}),
                ));
            }
            for (path, body) in cases {
                let r = h.post(path, &body).send().await.unwrap();
                let got = r.status().as_u16();
                let text = r.text().await.unwrap();
                assert!(
                    leaks(&text).is_empty(),
                    "{kind} {path} upstream {code} -> {got}: {text}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "{checked}");
    // The upstream did see the keys (else the test proves nothing), and the log saw the
    // failures (else its check proves nothing).
    let logs = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(logs.contains("upstream attempt failed"), "{logs}");
    let leaked = leaks(&logs);
    assert!(leaked.is_empty(), "keys in the log: {leaked:?}");
}

// ---------------------------------------------------------------------------------------
// Finding 3: keep-alive comments defeat the first-byte and idle timeouts.

/// An upstream that answers 200 at once, then sends `: keep-alive` every 200 ms and never
/// anything else.
fn keepalive_upstream() -> Router {
    Router::new().fallback(|body: Bytes| async move {
        let stream = String::from_utf8_lossy(&body).contains("\"stream\":true");
        let ticks = futures_util::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            Some((
                Ok::<_, std::convert::Infallible>(Bytes::from_static(b": keep-alive\n\n")),
                (),
            ))
        });
        Response::builder()
            .header(
                "content-type",
                if stream {
                    "text/event-stream"
                } else {
                    "application/json"
                },
            )
            .body(Body::from_stream(ticks))
            .unwrap()
    })
}

fn keepalive_config(talker: &str, with_backup: bool) -> String {
    let backup = if with_backup {
        ", { provider = \"mock-openai\", model = \"backup\" }"
    } else {
        ""
    };
    format!(
        r#"
[server]
api_keys = ["test-client-key"]
[providers.talker]
kind = "openai"
base_url = "{talker}/v1"
first_byte_timeout_ms = 1000
stream_idle_timeout_ms = 1000
total_timeout_ms = 60000
[providers.mock-openai]
kind = "openai"
base_url = "{{MOCK}}/v1"
[models.m]
max_attempts = 1
deployments = [{{ provider = "talker", model = "up" }}{backup}]
[models.m2]
max_attempts = 2
deployments = [{{ provider = "talker", model = "up" }}{backup}]
"#
    )
}

#[tokio::test]
async fn keepalive_comments_do_not_satisfy_first_byte_timeout() {
    let talker = serve_upstream(keepalive_upstream()).await;
    let h = Harness::start(&keepalive_config(&talker, true), MockBehavior::default()).await;
    let msgs = json!([{"role": "user", "content": "hi"}]);
    // Only the talker: a timeout, well before the 60 s total.
    for stream in [false, true] {
        let started = Instant::now();
        let r = tokio::time::timeout(
            Duration::from_secs(10),
            h.post(
                "/v1/chat/completions",
                &json!({"model": "m", "stream": stream, "messages": msgs}),
            )
            .send(),
        )
        .await
        .unwrap_or_else(|_| panic!("stream={stream}: no response within 10 s"))
        .unwrap();
        assert_eq!(r.status(), 504, "stream={stream}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "stream={stream}"
        );
    }
    // With a backup: a stream of comments fails over to it, invisibly.
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        h.post(
            "/v1/messages",
            &json!({"model": "m2", "stream": true, "max_tokens": 16, "messages": msgs}),
        )
        .send(),
    )
    .await
    .expect("no response within 10 s")
    .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-switchyard-provider"], "mock-openai");
    let body = r.text().await.unwrap();
    assert!(body.contains("message_stop"), "{body}");
}

#[tokio::test]
async fn keepalive_comments_do_not_reset_the_stream_idle_timeout() {
    // The mock sends its first content, then goes quiet for 30 s: its connection stays busy
    // only with what the talker would send, so use a mock whose chunks are 30 s apart, and
    // check the idle timeout (1 s) ends the stream with an error event in the client's
    // format.
    let talker = serve_upstream(Router::new().fallback(|| async {
        let head = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(Bytes::from_static(
            b"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"up\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n",
        ))]);
        let ticks = futures_util::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            Some((Ok(Bytes::from_static(b": keep-alive\n\n")), ()))
        });
        Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from_stream(futures_util::StreamExt::chain(head, ticks)))
            .unwrap()
    }))
    .await;
    let h = Harness::start(&keepalive_config(&talker, false), MockBehavior::default()).await;
    let started = Instant::now();
    let r = h
        .post(
            "/v1/messages",
            &json!({"model": "m", "stream": true, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body = tokio::time::timeout(Duration::from_secs(10), r.text())
        .await
        .expect("the stream did not end within 10 s")
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(body.contains("Hel"), "{body}");
    assert!(body.contains("event: error"), "{body}");
    assert!(!body.contains("message_stop"), "{body}");
}

// ---------------------------------------------------------------------------------------
// Finding 4: no timeout on reading request headers or bodies, no cap on connections.

fn slow_client_config(extra: &str) -> String {
    format!(
        "[server]\napi_keys = [\"test-client-key\"]\n{extra}\n\
         [providers.mock-openai]\nkind = \"openai\"\nbase_url = \"{{MOCK}}/v1\"\n\
         [models.m]\ndeployments = [{{ provider = \"mock-openai\", model = \"up\" }}]\n"
    )
}

/// Reads until the peer closes; `Some(bytes read)` if it closed within `within`.
async fn closed_within(
    tcp: &mut tokio::net::tcp::OwnedReadHalf,
    within: Duration,
) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt as _;
    let mut got = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(within, read).await.ok().map(|()| got)
}

#[tokio::test]
async fn slow_request_headers_are_cut_off() {
    use tokio::io::AsyncWriteExt as _;
    let h = Harness::start(
        &slow_client_config("header_read_timeout_ms = 500"),
        MockBehavior::default(),
    )
    .await;
    let tcp = tokio::net::TcpStream::connect(h.gateway).await.unwrap();
    let (mut rx, mut tx) = tcp.into_split();
    // A byte every 100 ms: the connection is never idle, its headers never complete.
    let dribble = tokio::spawn(async move {
        for b in b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nx-slow: "
            .iter()
            .cycle()
        {
            if tx.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let started = Instant::now();
    assert!(
        closed_within(&mut rx, Duration::from_secs(5))
            .await
            .is_some(),
        "the connection was still open after 5 s"
    );
    assert!(started.elapsed() >= Duration::from_millis(400));
    dribble.abort();
    // A connection that sends nothing at all is closed too.
    let tcp = tokio::net::TcpStream::connect(h.gateway).await.unwrap();
    let (mut rx, _tx) = tcp.into_split();
    assert!(closed_within(&mut rx, Duration::from_secs(5))
        .await
        .is_some());
}

#[tokio::test]
async fn stalled_request_bodies_are_cut_off() {
    use tokio::io::AsyncWriteExt as _;
    let h = Harness::start(
        &slow_client_config("body_idle_timeout_ms = 500"),
        MockBehavior::default(),
    )
    .await;
    let tcp = tokio::net::TcpStream::connect(h.gateway).await.unwrap();
    let (mut rx, mut tx) = tcp.into_split();
    let head = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {CLIENT_KEY}\r\n\
         content-type: application/json\r\ncontent-length: 1000\r\n\r\n{{\"model\":"
    );
    tx.write_all(head.as_bytes()).await.unwrap();
    let answer = closed_within(&mut rx, Duration::from_secs(5))
        .await
        .expect("the connection was still open after 5 s");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("body_idle_timeout_ms"), "{answer}");
    drop(tx);
}

#[tokio::test]
async fn connections_past_the_cap_get_a_503() {
    use tokio::io::AsyncWriteExt as _;
    let h = Harness::start(
        &slow_client_config("max_connections = 2"),
        MockBehavior::default(),
    )
    .await;
    let first = tokio::net::TcpStream::connect(h.gateway).await.unwrap();
    let second = tokio::net::TcpStream::connect(h.gateway).await.unwrap();
    // Give the gateway time to accept both.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let third = tokio::net::TcpStream::connect(h.gateway).await.unwrap();
    let (mut rx, mut tx) = third.into_split();
    tx.write_all(b"GET /v1/models HTTP/1.1\r\nhost: x\r\nanthropic-version: 2023-06-01\r\n\r\n")
        .await
        .unwrap();
    let answer = closed_within(&mut rx, Duration::from_secs(5))
        .await
        .expect("the refused connection was not closed");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("max_connections"), "{answer}");
    assert!(
        answer.contains("\"type\":\"error\""),
        "Anthropic's shape: {answer}"
    );
    // Once one closes, requests are served again.
    drop(first);
    let mut served = false;
    for _ in 0..50 {
        let r = h
            .client
            .get(format!("{}/health", h.url()))
            .header("connection", "close")
            .send()
            .await;
        if r.is_ok_and(|r| r.status() == 200) {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(served);
    drop(second);
}

// ---------------------------------------------------------------------------------------
// Finding 2: count_tokens estimation cost ~60× the body (the bound itself is proven in
// crates/analytics/tests/tokenizer_bounds.rs); its body limit can be lower than
// generation's.

#[tokio::test]
async fn count_tokens_has_its_own_body_limit_and_estimates_long_words() {
    let h = Harness::start(
        &slow_client_config("max_body_bytes = 400000\ncount_tokens_max_body_bytes = 200000"),
        MockBehavior::default(),
    )
    .await;
    let big = "A".repeat(300_000);
    let messages = json!([{"role": "user", "content": big}]);
    let r = h
        .post(
            "/v1/messages/count_tokens",
            &json!({"model": "m", "messages": messages}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body = r.text().await.unwrap();
    assert!(body.contains("200000"), "{body}");
    let r = h
        .post(
            "/v1/chat/completions",
            &json!({"model": "m", "messages": messages}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "generation keeps max_body_bytes");
    // Under the limit, one long word is estimated (no Anthropic deployment to ask).
    let word = "A".repeat(150_000);
    let r = h
        .post(
            "/v1/messages/count_tokens",
            &json!({"model": "m", "messages": [{"role": "user", "content": word}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-switchyard-estimated"], "true");
    let v: serde_json::Value = r.json().await.unwrap();
    let n = v["input_tokens"].as_u64().unwrap();
    assert!(n > 1000 && n < 150_000, "{n}");
}

// ---------------------------------------------------------------------------------------
// Finding 5: smaller inconsistencies.

async fn post_raw(h: &Harness, path: &str, body: String) -> (u16, serde_json::Value) {
    let r = h
        .client
        .post(format!("{}{path}", h.url()))
        .bearer_auth(CLIENT_KEY)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn duplicate_keys_are_a_400_on_every_route() {
    let h = Harness::all_kinds().await;
    let msgs = r#""messages":[{"role":"user","content":"hi"}]"#;
    for (path, body) in [
        (
            "/v1/chat/completions",
            format!(r#"{{"model":"openai-model",{msgs},"model":"x"}}"#),
        ),
        (
            "/v1/messages",
            format!(r#"{{"model":"anthropic-model","max_tokens":5,{msgs},"model":"x"}}"#),
        ),
        (
            "/v1/messages/count_tokens",
            format!(r#"{{"model":"openai-model",{msgs},"model":"anthropic-model"}}"#),
        ),
        (
            "/v1/embeddings",
            r#"{"model":"openai-model","input":"a","model":"azure-model"}"#.to_owned(),
        ),
    ] {
        let (status, body) = post_raw(&h, path, body).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(
            body.to_string().contains("duplicate field"),
            "{path}: {body}"
        );
    }
    assert_eq!(
        h.mock.stats().requests_total,
        0,
        "nothing reached the upstream"
    );
}

#[tokio::test]
async fn max_tokens_zero_is_refused_on_messages() {
    let h = Harness::all_kinds().await;
    let (status, body) = post_raw(
        &h,
        "/v1/messages",
        r#"{"model":"anthropic-model","max_tokens":0,"messages":[{"role":"user","content":"hi"}]}"#
            .to_owned(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_tokens"),
        "{body}"
    );
    assert_eq!(h.mock.stats().requests_total, 0);
}

#[tokio::test]
async fn deep_tool_use_input_is_refused_like_any_deep_nesting() {
    let h = Harness::all_kinds().await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let body = format!(
        r#"{{"model":"anthropic-model","max_tokens":5,"messages":[
            {{"role":"user","content":"hi"}},
            {{"role":"assistant","content":[{{"type":"tool_use","id":"t1","name":"f","input":{deep}}}]}},
            {{"role":"user","content":[{{"type":"tool_result","tool_use_id":"t1","content":"ok"}}]}}]}}"#
    );
    let (status, body) = post_raw(&h, "/v1/messages", body).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nesting"),
        "{body}"
    );
    assert_eq!(h.mock.stats().requests_total, 0, "nothing was forwarded");
}

#[tokio::test]
async fn an_undecodable_upstream_answer_is_described_as_the_upstreams() {
    let junk = serve_upstream(Router::new().fallback(|| async {
        Response::builder()
            .header("content-type", "application/json")
            .body(Body::from("<html>gateway error</html>"))
            .unwrap()
    }))
    .await;
    let config = format!(
        "[server]\napi_keys = [\"test-client-key\"]\n\
         [providers.junk]\nkind = \"anthropic\"\nbase_url = \"{junk}\"\n\
         [models.m]\nmax_attempts = 1\ndeployments = [{{ provider = \"junk\", model = \"up\" }}]\n"
    );
    let h = Harness::start(&config, MockBehavior::default()).await;
    let (status, body) = post_raw(
        &h,
        "/v1/messages",
        r#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#.to_owned(),
    )
    .await;
    assert_eq!(status, 502, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("upstream response"), "{message}");
    assert!(!message.contains("request body"), "{message}");
}
