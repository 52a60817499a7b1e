//! Shared setup of the gateway's integration tests: a mock provider and a gateway, both on
//! port 0 of the loopback interface, in this process.
#![allow(
    dead_code,
    reason = "each test file uses a different part of this module"
)]

use serde_json::{json, Value};
use std::{net::SocketAddr, sync::Arc};
use switchyard_gateway::{AppState, Config};
use switchyard_mock::{Fault, MockBehavior, MockServer};
use tokio::sync::oneshot;

/// A client key the test configs require.
pub const CLIENT_KEY: &str = "test-client-key";

/// Providers of every kind, all pointing at the mock at `{MOCK}`, and one alias per kind
/// (OpenAI twice: `openai-native-model` speaks the Responses API upstream).
pub const ALL_KINDS: &str = r#"
[server]
api_keys = ["test-client-key"]
max_body_bytes = 65536

[providers.mock-openai]
kind = "openai"
base_url = "{MOCK}/v1"
api_key = "sk-upstream-openai"

[providers.mock-openai-native]
kind = "openai"
base_url = "{MOCK}/v1"
api_key = "sk-upstream-openai"
responses = "native"

[providers.mock-azure]
kind = "azure"
base_url = "{MOCK}"
api_key = "sk-upstream-azure"

[providers.mock-anthropic]
kind = "anthropic"
base_url = "{MOCK}"
api_key = "sk-upstream-anthropic"

[providers.mock-gemini]
kind = "gemini"
base_url = "{MOCK}"
api_key = "sk-upstream-gemini"

[models.openai-model]
deployments = [{ provider = "mock-openai", model = "gpt-upstream" }]
[models.openai-native-model]
deployments = [{ provider = "mock-openai-native", model = "gpt-upstream" }]
[models.azure-model]
deployments = [{ provider = "mock-azure", model = "azure-deployment" }]
[models.anthropic-model]
deployments = [{ provider = "mock-anthropic", model = "claude-upstream" }]
[models.gemini-model]
deployments = [{ provider = "mock-gemini", model = "gemini-upstream" }]
"#;

/// A running mock and gateway.
pub struct Harness {
    pub mock: MockServer,
    pub gateway: SocketAddr,
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Harness {
    /// Starts the mock with `behavior`, then a gateway whose config is `config` with
    /// `{MOCK}` replaced by the mock's URL.
    pub async fn start(config: &str, behavior: MockBehavior) -> Self {
        Self::start_with(config, behavior, false).await
    }

    /// Like [`Harness::start`], recording analytics into an in-memory store when
    /// `analytics` is true.
    pub async fn start_with(config: &str, behavior: MockBehavior, analytics: bool) -> Self {
        let settings = analytics.then(|| switchyard_analytics::AnalyticsConfig {
            database: Some(":memory:".into()),
            flush_interval_ms: 20,
            ..Default::default()
        });
        Self::start_with_analytics(config, behavior, settings).await
    }

    /// Like [`Harness::start`], recording analytics with `settings` when given.
    pub async fn start_with_analytics(
        config: &str,
        behavior: MockBehavior,
        settings: Option<switchyard_analytics::AnalyticsConfig>,
    ) -> Self {
        let mock = MockServer::start(behavior).await.unwrap();
        let text = config.replace("{MOCK}", &mock.url());
        let config = Config::parse(&text, "test config", &|_| None).unwrap();
        let analytics = if let Some(settings) = settings {
            let prices = AppState::price_table(&config);
            switchyard_analytics::Analytics::open(settings, None, prices)
                .await
                .unwrap()
        } else {
            switchyard_analytics::Analytics::disabled()
        };
        let state: Arc<AppState> = AppState::with_analytics(config, analytics).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gateway = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = switchyard_gateway::serve(listener, state, async {
                let _ = rx.await;
            })
            .await;
        });
        Self {
            mock,
            gateway,
            client: reqwest::Client::new(),
            shutdown: Some(tx),
        }
    }

    /// Starts with [`ALL_KINDS`] and a default mock.
    pub async fn all_kinds() -> Self {
        Self::start(ALL_KINDS, MockBehavior::default()).await
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.gateway)
    }

    /// An authenticated POST of a JSON body to `path`.
    pub fn post(&self, path: &str, body: &serde_json::Value) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.url()))
            .bearer_auth(CLIENT_KEY)
            .json(body)
    }
}

impl Harness {
    /// Signals the gateway to shut down gracefully (as SIGTERM does).
    pub fn begin_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A mock that answers `code` to a share `rate` of requests, with `Retry-After` if given.
pub fn status_fault(code: u16, rate: f64, retry_after: Option<u64>) -> MockBehavior {
    with_fault(Fault::Status {
        code,
        rate,
        retry_after,
        body: None,
    })
}

/// A mock with `fault` and otherwise default behaviour.
pub fn with_fault(fault: Fault) -> MockBehavior {
    MockBehavior {
        fault,
        ..MockBehavior::default()
    }
}

/// The user text of the request bodies below. The mock answers `Mock answer to: <it>`, one
/// word per stream chunk, so streams have ten content chunks.
pub const PROMPT: &str = "count to ten please: one two three four five";

/// An OpenAI chat completions body for `model`.
pub fn chat(model: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": PROMPT}]})
}

/// The same, streamed.
pub fn chat_stream(model: &str) -> Value {
    json!({"model": model, "stream": true, "messages": [{"role": "user", "content": PROMPT}]})
}

/// An Anthropic messages body for `model`.
pub fn messages(model: &str) -> Value {
    json!({"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": PROMPT}]})
}

/// The same, streamed.
pub fn messages_stream(model: &str) -> Value {
    json!({"model": model, "stream": true, "max_tokens": 64, "messages": [{"role": "user", "content": PROMPT}]})
}

/// The frames of an SSE body: (event name, joined `data:` payload).
pub fn sse_frames(body: &str) -> Vec<(Option<String>, String)> {
    body.split("\n\n")
        .filter(|f| !f.trim().is_empty())
        .map(|frame| {
            let mut event = None;
            let mut data = String::new();
            for line in frame.lines() {
                if let Some(e) = line.strip_prefix("event: ") {
                    event = Some(e.to_owned());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push_str(d);
                }
            }
            (event, data)
        })
        .collect()
}
