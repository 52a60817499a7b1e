//! OpenAI embeddings.
#![cfg(test)]

mod common;

use common::post_json;
use serde_json::{json, Value};
use switchyard_mock::{MockBehavior, MockServer};

fn vector(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[tokio::test]
async fn deterministic_vectors_for_string_and_array() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let url = format!("{}/v1/embeddings", server.url());
    let (status, one) = post_json(
        &url,
        &json!({"model": "text-embedding-3-small", "input": "parse a csv file"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(one["object"], "list");
    assert_eq!(one["model"], "text-embedding-3-small");
    assert_eq!(one["data"][0]["object"], "embedding");
    let a = vector(&one["data"][0]["embedding"]);
    assert_eq!(a.len(), 8);
    let norm: f64 = a.iter().map(|x| x * x).sum();
    assert!((norm - 1.0).abs() < 1e-4);
    assert_eq!(one["usage"]["prompt_tokens"], 4);

    let (_, many) = post_json(
        &url,
        &json!({"model": "m", "input": ["parse a csv file", "something else entirely"], "dimensions": 16}),
    )
    .await;
    let data = many["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[1]["index"], 1);
    assert_eq!(vector(&data[0]["embedding"]).len(), 16);
    let (_, again) = post_json(&url, &json!({"input": "parse a csv file"})).await;
    assert_eq!(vector(&again["data"][0]["embedding"]), a);
    assert_eq!(server.stats().by_endpoint.embeddings, 3);
}

#[tokio::test]
async fn base64_encoding_and_errors() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let url = format!("{}/v1/embeddings", server.url());
    let (_, v) = post_json(
        &url,
        &json!({"input": "hello", "encoding_format": "base64"}),
    )
    .await;
    let b64 = v["data"][0]["embedding"].as_str().unwrap();
    // 8 f32 = 32 bytes -> 44 base64 characters with padding.
    assert_eq!(b64.len(), 44);
    let (status, v) = post_json(&url, &json!({"input": 12})).await;
    assert_eq!(status, 400);
    assert_eq!(v["error"]["type"], "invalid_request_error");
    let (status, _) = post_json(
        &format!(
            "{}/openai/deployments/emb/embeddings?api-version=2024-10-21",
            server.url()
        ),
        &json!({"input": [1, 2, 3]}),
    )
    .await;
    assert_eq!(status, 200);
}
