//! OpenAI legacy completions (`POST /v1/completions`) with fill in the middle (`suffix`):
//! what OpenAI-compatible code models (vLLM, Ollama, DeepSeek) serve to IDE assistants.

use serde_json::{json, Value};

use crate::reply::{sse_data, word_count, Answer, Prompt, Reply, StreamPlan};

/// The gist of a completions request: the prompt is the "user text" the default answer echoes.
pub(crate) fn prompt(body: &Value) -> Prompt {
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default();
    Prompt {
        model: body
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or("mock-model")
            .to_owned(),
        stream: body.get("stream").and_then(Value::as_bool).unwrap_or(false),
        include_usage: body
            .pointer("/stream_options/include_usage")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        last_user_text: text("prompt").to_owned(),
        prompt_tokens: word_count(text("prompt")) + word_count(text("suffix")),
        ..Prompt::default()
    }
}

fn answer_text(r: &Reply) -> &str {
    match &r.answer {
        Answer::Text(t) => t,
        Answer::ToolCall { arguments, .. } => arguments,
    }
}

fn usage(r: &Reply) -> Value {
    json!({
        "prompt_tokens": r.prompt_tokens,
        "completion_tokens": r.completion_tokens,
        "total_tokens": r.total_tokens(),
    })
}

/// A complete `text_completion`.
pub(crate) fn completion(r: &Reply) -> Value {
    json!({
        "id": format!("cmpl-mock{:06}", r.seq),
        "object": "text_completion",
        "created": r.created,
        "model": r.model,
        "choices": [{"text": answer_text(r), "index": 0, "logprobs": null, "finish_reason": "stop"}],
        "usage": usage(r),
    })
}

/// A streamed `text_completion`: one chunk per piece of text, a finishing chunk, usage
/// when asked, `[DONE]`.
pub(crate) fn stream(r: &Reply, include_usage: bool) -> StreamPlan {
    let id = format!("cmpl-mock{:06}", r.seq);
    let chunk = |text: &str, finish: Option<&str>| {
        sse_data(&json!({
            "id": id, "object": "text_completion", "created": r.created, "model": r.model,
            "choices": [{"text": text, "index": 0, "logprobs": null, "finish_reason": finish}],
        }))
    };
    let mut plan = StreamPlan::default();
    for piece in r.text_chunks(answer_text(r)) {
        plan.content.push(chunk(piece, None));
    }
    plan.terminal.push(chunk("", Some("stop")));
    if include_usage {
        plan.terminal.push(sse_data(&json!({
            "id": id, "object": "text_completion", "created": r.created, "model": r.model,
            "choices": [], "usage": usage(r),
        })));
    }
    plan.terminal
        .push(bytes::Bytes::from_static(b"data: [DONE]\n\n"));
    plan
}
