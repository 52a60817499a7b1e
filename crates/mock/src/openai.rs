//! OpenAI chat completions (also served for Azure OpenAI) and embeddings wire format.

use http::StatusCode;
use serde_json::{json, Value};

use crate::reply::{
    content_text, halves, prompt_words, sse_data, Answer, Prompt, Reply, StreamPlan, ToolSpec,
};

/// The gist of a chat completions request.
pub(crate) fn prompt(body: &Value, default_model: &str) -> Prompt {
    let messages = body.get("messages").and_then(Value::as_array);
    let last_user_text = messages
        .and_then(|m| {
            m.iter()
                .rev()
                .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        })
        .map(|m| content_text(m.get("content")))
        .unwrap_or_default();
    let tool_result = messages
        .and_then(|m| m.last())
        .filter(|m| m.get("role").and_then(Value::as_str) == Some("tool"))
        .map(|m| content_text(m.get("content")));
    let tools = body
        .get("tools")
        .and_then(Value::as_array)
        .map(|tools| {
            tools
                .iter()
                .filter_map(|t| t.get("function"))
                .filter_map(|f| {
                    let name = f.get("name").and_then(Value::as_str)?;
                    Some(ToolSpec::from_schema(name, f.get("parameters")))
                })
                .collect()
        })
        .unwrap_or_default();
    let system_text = messages
        .map(|m| {
            m.iter()
                .filter(|m| {
                    matches!(
                        m.get("role").and_then(Value::as_str),
                        Some("system" | "developer")
                    )
                })
                .map(|m| content_text(m.get("content")))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    Prompt {
        model: body
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or(default_model)
            .to_owned(),
        stream: body.get("stream").and_then(Value::as_bool) == Some(true),
        include_usage: body
            .pointer("/stream_options/include_usage")
            .and_then(Value::as_bool)
            == Some(true),
        last_user_text,
        tool_result,
        tools,
        system_text,
        json_schema: body.pointer("/response_format/json_schema/schema").cloned(),
        prompt_tokens: body.get("messages").map_or(0, prompt_words),
    }
}

fn completion_id(r: &Reply) -> String {
    format!("chatcmpl-mock{:06}", r.seq)
}

fn call_id(r: &Reply) -> String {
    format!("call_mock{:06}", r.seq)
}

fn usage(r: &Reply) -> Value {
    json!({
        "prompt_tokens": r.prompt_tokens,
        "completion_tokens": r.completion_tokens,
        "total_tokens": r.total_tokens(),
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0
        }
    })
}

/// A `chat.completion` object.
pub(crate) fn completion(r: &Reply) -> Value {
    let (message, finish) = match &r.answer {
        Answer::Text(t) => (
            json!({"role": "assistant", "content": t, "refusal": null, "annotations": []}),
            "stop",
        ),
        Answer::ToolCall {
            name, arguments, ..
        } => (
            json!({
                "role": "assistant",
                "content": null,
                "refusal": null,
                "annotations": [],
                "tool_calls": [{
                    "id": call_id(r),
                    "type": "function",
                    "function": {"name": name, "arguments": arguments}
                }]
            }),
            "tool_calls",
        ),
    };
    json!({
        "id": completion_id(r),
        "object": "chat.completion",
        "created": r.created,
        "model": r.model,
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish}],
        "usage": usage(r),
        "service_tier": "default",
        "system_fingerprint": "fp_mock"
    })
}

/// The `chat.completion.chunk` events of a streamed completion, then `data: [DONE]`.
pub(crate) fn stream(r: &Reply, include_usage: bool) -> StreamPlan {
    let id = completion_id(r);
    let chunk = |choices: Value, usage: Option<Value>| {
        let mut c = json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": r.created,
            "model": r.model,
            "service_tier": "default",
            "system_fingerprint": "fp_mock",
            "choices": choices,
        });
        if include_usage {
            c["usage"] = usage.unwrap_or(Value::Null);
        }
        sse_data(&c)
    };
    let delta = |delta: Value, finish: Option<&str>| {
        chunk(
            json!([{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]),
            None,
        )
    };
    let mut plan = StreamPlan::default();
    let finish = match &r.answer {
        Answer::Text(t) => {
            plan.preamble.push(delta(
                json!({"role": "assistant", "content": "", "refusal": null}),
                None,
            ));
            for piece in r.text_chunks(t) {
                plan.content.push(delta(json!({"content": piece}), None));
            }
            "stop"
        }
        Answer::ToolCall {
            name, arguments, ..
        } => {
            plan.preamble.push(delta(
                json!({
                    "role": "assistant",
                    "content": null,
                    "refusal": null,
                    "tool_calls": [{
                        "index": 0,
                        "id": call_id(r),
                        "type": "function",
                        "function": {"name": name, "arguments": ""}
                    }]
                }),
                None,
            ));
            let (a, b) = halves(arguments);
            for part in [a, b] {
                plan.content.push(delta(
                    json!({"tool_calls": [{"index": 0, "function": {"arguments": part}}]}),
                    None,
                ));
            }
            "tool_calls"
        }
    };
    plan.terminal.push(delta(json!({}), Some(finish)));
    if include_usage {
        plan.terminal.push(chunk(json!([]), Some(usage(r))));
    }
    plan.terminal
        .push(bytes::Bytes::from_static(b"data: [DONE]\n\n"));
    plan
}

/// OpenAI's error object: `{"error": {message, type, param, code}}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Value {
    let (kind, code) = match status.as_u16() {
        401 => ("invalid_request_error", Some("invalid_api_key")),
        403 => (
            "invalid_request_error",
            Some("unsupported_country_region_territory"),
        ),
        404 => ("invalid_request_error", Some("model_not_found")),
        429 => ("requests", Some("rate_limit_exceeded")),
        500..=599 => ("server_error", None),
        _ => ("invalid_request_error", None),
    };
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
}

/// Azure's answer to a request without `api-version`.
pub(crate) fn azure_missing_api_version() -> Value {
    json!({"error": {"code": "404", "message": "Resource not found"}})
}

/// `GET /v1/models` in OpenAI's shape.
pub(crate) fn models(created: u64) -> Value {
    let data: Vec<Value> = MODELS
        .iter()
        .map(|id| json!({"id": id, "object": "model", "created": created, "owned_by": "switchyard-mock"}))
        .collect();
    json!({"object": "list", "data": data})
}

/// Model names the mock lists (it answers for any name).
pub(crate) const MODELS: [&str; 4] = [
    "gpt-4o-mini",
    "gpt-4.1",
    "text-embedding-3-small",
    "mock-model",
];

/// Default embedding width when the request does not ask for `dimensions`.
const DEFAULT_DIMS: usize = 8;
/// Largest `dimensions` honoured.
const MAX_DIMS: usize = 4096;

/// An embeddings response: one deterministic unit vector per input, built by hashing its
/// words into buckets (so texts sharing words are close, identical texts equal).
pub(crate) fn embeddings(body: &Value) -> Result<Value, String> {
    let inputs: Vec<String> = match body.get("input") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) if !items.is_empty() => {
            if items.iter().all(Value::is_number) {
                vec![tokens_text(items)]
            } else {
                items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => Ok(s.clone()),
                        Value::Array(t) => Ok(tokens_text(t)),
                        _ => Err("'input' items must be strings or token arrays".to_owned()),
                    })
                    .collect::<Result<_, _>>()?
            }
        }
        _ => return Err("'input' must be a non-empty string or array".to_owned()),
    };
    let dims = body
        .get("dimensions")
        .and_then(Value::as_u64)
        .and_then(|d| usize::try_from(d).ok())
        .map_or(DEFAULT_DIMS, |d| d.clamp(1, MAX_DIMS));
    let base64 = body.get("encoding_format").and_then(Value::as_str) == Some("base64");
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("text-embedding-3-small");
    let mut words = 0u64;
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(index, text)| {
            words += crate::reply::word_count(text).max(1);
            let v = embed(text, dims);
            let embedding = if base64 {
                let raw: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                Value::String(base64_encode(&raw))
            } else {
                json!(v)
            };
            json!({"object": "embedding", "index": index, "embedding": embedding})
        })
        .collect();
    Ok(json!({
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": words, "total_tokens": words}
    }))
}

fn tokens_text(tokens: &[Value]) -> String {
    tokens
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// FNV-1a, stable across runs and platforms.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Hashed bag of words, L2-normalised.
pub(crate) fn embed(text: &str, dims: usize) -> Vec<f32> {
    let mut v = vec![0f32; dims.max(1)];
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let h = crate::behavior::splitmix64(fnv1a(word.to_lowercase().as_bytes()));
        let bucket = usize::try_from(h % dims.max(1) as u64).unwrap_or(0);
        v[bucket] += if h >> 63 == 0 { 1.0 } else { -1.0 };
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm == 0.0 {
        v[0] = 1.0;
    } else {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// Standard base64 with padding (what OpenAI returns for `encoding_format: "base64"`).
fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sym = |shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
        out.push(sym(18));
        out.push(sym(12));
        out.push(if chunk.len() > 1 { sym(6) } else { '=' });
        out.push(if chunk.len() > 2 { sym(0) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_reference() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn embeddings_are_deterministic_and_normalised() {
        let a = embed("What is Rust?", 8);
        assert_eq!(a, embed("what is rust", 8));
        let norm: f32 = a.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert_eq!(embed("", 4), vec![1.0, 0.0, 0.0, 0.0]);
        let r = embeddings(&json!({"input": ["a", "b"], "dimensions": 3})).unwrap();
        assert_eq!(r["data"][1]["index"], 1);
        assert_eq!(r["data"][0]["embedding"].as_array().unwrap().len(), 3);
        assert!(embeddings(&json!({"input": 5})).is_err());
    }
}
