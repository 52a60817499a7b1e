//! No input makes the gateway panic, hang or answer with a 500: malformed, truncated,
//! mistyped and hostile bodies all get a client error, and the gateway keeps serving.

#![cfg(test)]

mod common;

use common::{Harness, CLIENT_KEY};
use serde_json::{json, Value};

/// Deterministic xorshift, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn seeds() -> Vec<Value> {
    vec![
        json!({"model": "openai-model", "messages": [{"role": "user", "content": "hi"}], "stream": true,
               "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]}),
        json!({"model": "anthropic-model", "max_tokens": 8, "system": [{"type": "text", "text": "s"}],
               "messages": [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "x"}]}]}),
    ]
}

/// Replaces a random node of `v` with a value of another type.
fn mutate(v: &mut Value, rng: &mut Rng) {
    let replacements = [
        json!(null),
        json!(-1),
        json!(1e308),
        json!("☃\u{0}"),
        json!([]),
        json!({}),
        json!(true),
        json!([[[]]]),
    ];
    let pick = replacements[rng.below(replacements.len())].clone();
    match v {
        Value::Object(map) if !map.is_empty() && rng.below(3) > 0 => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = &keys[rng.below(keys.len())];
            mutate(map.get_mut(key).unwrap(), rng);
        }
        Value::Array(items) if !items.is_empty() && rng.below(3) > 0 => {
            let i = rng.below(items.len());
            mutate(&mut items[i], rng);
        }
        other => *other = pick,
    }
}

async fn status_of(h: &Harness, path: &str, body: Vec<u8>) -> u16 {
    h.client
        .post(format!("{}{path}", h.url()))
        .bearer_auth(CLIENT_KEY)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn mutated_requests_never_cause_server_errors() {
    let h = Harness::all_kinds().await;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut client_errors = 0;
    for round in 0..300 {
        let seeds = seeds();
        let mut body = seeds[round % seeds.len()].clone();
        for _ in 0..=rng.below(3) {
            mutate(&mut body, &mut rng);
        }
        let path = if rng.below(2) == 0 {
            "/v1/chat/completions"
        } else {
            "/v1/messages"
        };
        let status = status_of(&h, path, serde_json::to_vec(&body).unwrap()).await;
        assert!(
            status == 200 || (400..500).contains(&status),
            "{path} answered {status} to {body}"
        );
        client_errors += usize::from(status >= 400);
    }
    assert!(
        client_errors > 100,
        "mutations should mostly be rejected: {client_errors}"
    );
}

#[tokio::test]
async fn hostile_bodies_are_rejected_cleanly() {
    let h = Harness::all_kinds().await;
    let deep = format!("{}{}", "[".repeat(30_000), "]".repeat(30_000));
    let bodies: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\xff\xfe\x00garbage".to_vec(),
        br#"{"model":"openai-model","messages":[{"role":"user","content":"hi"}]"#.to_vec(),
        br#"{"model":"openai-model","messages":[{"role":"user","content":"hi"}]} trailing"#.to_vec(),
        br#"{"model":"openai-model","messages":"not a list"}"#.to_vec(),
        br#"{"model":"openai-model","messages":[{"role":"wizard","content":"hi"}]}"#.to_vec(),
        br#"{"model":"openai-model","messages":[{"role":"user","content":"hi"}],"max_tokens":-5}"#.to_vec(),
        br#"{"model":"openai-model","messages":[{"role":"user","content":"hi"}],"max_tokens":99999999999999}"#.to_vec(),
        deep.into_bytes(),
    ];
    for path in ["/v1/chat/completions", "/v1/messages", "/v1/embeddings"] {
        for body in &bodies {
            let status = status_of(&h, path, body.clone()).await;
            assert_eq!(
                status,
                400,
                "{path} with {:?}",
                String::from_utf8_lossy(&body[..body.len().min(80)])
            );
        }
    }
    let health = h
        .client
        .get(format!("{}/health", h.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(
        h.mock.stats().requests_total,
        0,
        "nothing invalid reached the upstream"
    );
}
