//! Gemini generateContent / streamGenerateContent wire format.
#![cfg(test)]

mod common;

use common::{parse_sse, post, post_json};
use serde_json::{json, Value};
use switchyard_mock::{MockBehavior, MockServer};

fn request() -> Value {
    json!({
        "systemInstruction": {"parts": [{"text": "Answer in code."}]},
        "contents": [{"role": "user", "parts": [{"text": "Sort a list in Python"}]}],
        "generationConfig": {"temperature": 0.2}
    })
}

fn tool_request() -> Value {
    let mut r = request();
    r["tools"] = json!([{"functionDeclarations": [{
        "name": "run_python",
        "description": "Runs code",
        "parameters": {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}
    }]}]);
    r
}

#[tokio::test]
async fn generate_content() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let url = format!(
        "{}/v1beta/models/gemini-2.0-flash:generateContent",
        server.url()
    );
    let (status, v) = post_json(&url, &request()).await;
    assert_eq!(status, 200);
    let cand = &v["candidates"][0];
    assert_eq!(cand["content"]["role"], "model");
    assert_eq!(
        cand["content"]["parts"][0]["text"],
        "Mock answer to: Sort a list in Python"
    );
    assert_eq!(cand["finishReason"], "STOP");
    assert_eq!(cand["index"], 0);
    assert_eq!(v["usageMetadata"]["promptTokenCount"], 8);
    assert_eq!(v["usageMetadata"]["candidatesTokenCount"], 8);
    assert_eq!(v["usageMetadata"]["totalTokenCount"], 16);
    assert_eq!(v["modelVersion"], "gemini-2.0-flash");
    assert_eq!(server.stats().by_endpoint.gemini, 1);
}

#[tokio::test]
async fn stream_generate_content_sse() {
    let server = MockServer::start(MockBehavior {
        chunk_words: 3,
        ..MockBehavior::default()
    })
    .await
    .unwrap();
    let url = format!(
        "{}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
        server.url()
    );
    let (status, headers, text) = post(&url, &request()).await;
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    assert!(text.contains("\r\n\r\n"));
    let chunks: Vec<Value> = parse_sse(&text).iter().map(|e| e.json()).collect();
    // 8 words in chunks of 3
    assert_eq!(chunks.len(), 3);
    let joined: String = chunks
        .iter()
        .map(|c| {
            c["candidates"][0]["content"]["parts"][0]["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(joined, "Mock answer to: Sort a list in Python");
    for c in &chunks[..2] {
        assert!(c["candidates"][0].get("finishReason").is_none());
        assert!(c["usageMetadata"].get("candidatesTokenCount").is_none());
    }
    let last = &chunks[2];
    assert_eq!(last["candidates"][0]["finishReason"], "STOP");
    assert_eq!(last["usageMetadata"]["candidatesTokenCount"], 8);
    assert_eq!(server.stats().streams_completed, 1);
}

#[tokio::test]
async fn function_call_and_response() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let base = server.url();
    let (_, v) = post_json(
        &format!("{base}/v1beta/models/gemini-2.5-pro:generateContent"),
        &tool_request(),
    )
    .await;
    let part = &v["candidates"][0]["content"]["parts"][0];
    assert_eq!(part["functionCall"]["name"], "run_python");
    assert_eq!(part["functionCall"]["args"], json!({"code": "x"}));
    assert_eq!(v["candidates"][0]["finishReason"], "STOP");

    let (_, _, text) = post(
        &format!("{base}/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse"),
        &tool_request(),
    )
    .await;
    let chunks: Vec<Value> = parse_sse(&text).iter().map(|e| e.json()).collect();
    assert_eq!(chunks.len(), 1);
    assert_eq!(
        chunks[0]["candidates"][0]["content"]["parts"][0]["functionCall"]["name"],
        "run_python"
    );

    let mut follow = tool_request();
    follow["contents"].as_array_mut().unwrap().extend([
        json!({"role": "model", "parts": [{"functionCall": {"name": "run_python", "args": {"code": "x"}}}]}),
        json!({"role": "user", "parts": [{"functionResponse": {"name": "run_python", "response": {"stdout": "[1, 2]"}}}]}),
    ]);
    let (_, v) = post_json(
        &format!("{base}/v1beta/models/gemini-2.5-pro:generateContent"),
        &follow,
    )
    .await;
    assert_eq!(
        v["candidates"][0]["content"]["parts"][0]["text"],
        r#"Tool result received: {"stdout":"[1, 2]"}"#
    );
}

#[tokio::test]
async fn unknown_method_is_not_found_in_google_shape() {
    let server = MockServer::start(MockBehavior::default()).await.unwrap();
    let (status, v) = post_json(
        &format!(
            "{}/v1beta/models/gemini-2.0-flash:countTokens",
            server.url()
        ),
        &request(),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(v["error"]["code"], 404);
    assert_eq!(v["error"]["status"], "NOT_FOUND");
}
