//! Helpers shared by the integration tests.

#![allow(
    dead_code,
    reason = "each test file uses its own subset; `expect` would be unfulfilled in some"
)]

use serde_json::Value;

/// A client that never reuses a connection across tests' faults unexpectedly.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap()
}

/// POSTs JSON; returns status, headers and the body text.
pub async fn post(url: &str, body: &Value) -> (u16, reqwest::header::HeaderMap, String) {
    let resp = client().post(url).json(body).send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap())
}

/// POSTs JSON and parses the JSON answer.
pub async fn post_json(url: &str, body: &Value) -> (u16, Value) {
    let (status, _, text) = post(url, body).await;
    (status, serde_json::from_str(&text).unwrap())
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event: Option<String>,
    pub data: String,
}

impl Event {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap()
    }
}

/// Parses an SSE body (LF or CRLF line ends).
pub fn parse_sse(text: &str) -> Vec<Event> {
    let normalized = text.replace("\r\n", "\n");
    normalized
        .split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut event = None;
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    event = Some(v.to_owned());
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data.push(v);
                }
            }
            Event {
                event,
                data: data.join("\n"),
            }
        })
        .collect()
}

/// A user message in OpenAI's shape.
pub fn openai_user(text: &str) -> Value {
    serde_json::json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]})
}
