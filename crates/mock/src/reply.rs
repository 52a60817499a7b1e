//! What every wire format shares: the gist of a request, the answer chosen for it, and the
//! bodies (plain JSON, timed SSE streams, deliberately cut bodies) that carry it back.

use std::io;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use http::StatusCode;
use serde_json::{Map, Value};

use crate::behavior::{Fault, MockBehavior};
use crate::shared::Shared;

/// How many characters of the user's (or tool's) text are echoed back.
const ECHO_CHARS: usize = 64;

/// The parts of a request that decide the answer, extracted by each wire format.
#[derive(Debug, Default)]
pub(crate) struct Prompt {
    pub(crate) model: String,
    pub(crate) stream: bool,
    /// OpenAI `stream_options.include_usage`.
    pub(crate) include_usage: bool,
    pub(crate) last_user_text: String,
    /// Set when the last message is a tool result: its text.
    pub(crate) tool_result: Option<String>,
    /// The function tools offered, in order.
    pub(crate) tools: Vec<ToolSpec>,
    /// The system prompt's text (demo answers look for the working directory in it).
    pub(crate) system_text: String,
    /// The JSON schema of a structured output the request asks for, if any.
    pub(crate) json_schema: Option<Value>,
    pub(crate) prompt_tokens: u64,
}

/// A function tool a request offers.
#[derive(Debug)]
pub(crate) struct ToolSpec {
    pub(crate) name: String,
    /// `required` property names of its parameter schema.
    pub(crate) required: Vec<String>,
    /// Its parameter schema (`Null` when it has none).
    pub(crate) schema: Value,
}

impl ToolSpec {
    /// Name, required properties and schema from a JSON schema (missing parts mean none).
    pub(crate) fn from_schema(name: &str, schema: Option<&Value>) -> Self {
        let required = schema
            .and_then(|s| s.get("required"))
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Self {
            name: name.to_owned(),
            required,
            schema: schema.cloned().unwrap_or(Value::Null),
        }
    }
}

/// The mock's answer.
#[derive(Debug)]
pub(crate) enum Answer {
    Text(String),
    ToolCall {
        name: String,
        /// Arguments as a JSON object.
        input: Value,
        /// The same, serialised (what OpenAI carries as a string).
        arguments: String,
    },
}

/// Everything needed to render an answer in any wire format.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) seq: u64,
    pub(crate) created: u64,
    pub(crate) model: String,
    pub(crate) answer: Answer,
    pub(crate) prompt_tokens: u64,
    pub(crate) completion_tokens: u64,
    pub(crate) words_per_chunk: usize,
}

impl Reply {
    /// Chooses the answer for `prompt` under behaviour `b`.
    pub(crate) fn new(shared: &Shared, prompt: Prompt, b: &MockBehavior) -> Self {
        let answer = choose_answer(&prompt, b);
        let completion_tokens = match &answer {
            Answer::Text(t) => word_count(t),
            Answer::ToolCall { input, .. } => 1 + input.as_object().map_or(0, |o| o.len() as u64),
        };
        Self {
            seq: shared.next_seq(),
            created: unix_now(),
            model: prompt.model,
            answer,
            prompt_tokens: prompt.prompt_tokens.max(1),
            completion_tokens,
            words_per_chunk: b.words_per_chunk(),
        }
    }

    pub(crate) fn total_tokens(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }

    /// Text pieces of a streamed text answer (concatenated they give the text exactly).
    pub(crate) fn text_chunks<'a>(&self, text: &'a str) -> Vec<&'a str> {
        split_words(text, self.words_per_chunk)
    }
}

fn choose_answer(p: &Prompt, b: &MockBehavior) -> Answer {
    if b.demo {
        return crate::demo::answer(p);
    }
    if b.tool_call_when_tools {
        if let Some(result) = &p.tool_result {
            return Answer::Text(format!(
                "Tool result received: {}",
                first_chars(result, ECHO_CHARS)
            ));
        }
        if let Some(tool) = p.tools.first() {
            let input: Map<String, Value> = tool
                .required
                .iter()
                .map(|k| (k.clone(), Value::String("x".to_owned())))
                .collect();
            let input = Value::Object(input);
            let arguments = input.to_string();
            return Answer::ToolCall {
                name: tool.name.clone(),
                input,
                arguments,
            };
        }
    }
    Answer::Text(match &b.response_text {
        Some(t) => t.clone(),
        None => format!(
            "Mock answer to: {}",
            first_chars(&p.last_user_text, ECHO_CHARS)
        ),
    })
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The first `n` characters of `s`.
pub(crate) fn first_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

pub(crate) fn word_count(s: &str) -> u64 {
    s.split_whitespace().count() as u64
}

/// Splits `text` into pieces of `n` words; a piece starts at a word and keeps the whitespace
/// after it, the first one also any leading whitespace, so that the pieces concatenate to
/// `text` exactly.
pub(crate) fn split_words(text: &str, n: usize) -> Vec<&str> {
    let n = n.max(1);
    let mut starts = Vec::new();
    let mut prev_space = true;
    for (i, c) in text.char_indices() {
        let space = c.is_whitespace();
        if prev_space && !space {
            starts.push(i);
        }
        prev_space = space;
    }
    if starts.is_empty() {
        return if text.is_empty() {
            Vec::new()
        } else {
            vec![text]
        };
    }
    let mut bounds: Vec<usize> = starts.iter().copied().step_by(n).collect();
    bounds[0] = 0;
    bounds.push(text.len());
    bounds.windows(2).map(|w| &text[w[0]..w[1]]).collect()
}

/// Splits `s` in two near its middle (on a character boundary).
pub(crate) fn halves(s: &str) -> (&str, &str) {
    let mut mid = s.len() / 2;
    while !s.is_char_boundary(mid) {
        mid += 1;
    }
    s.split_at(mid)
}

/// Keys whose string values are not prompt text.
const NOT_TEXT: [&str; 16] = [
    "role",
    "type",
    "id",
    "tool_call_id",
    "tool_use_id",
    "name",
    "model",
    "cache_control",
    "signature",
    "thoughtSignature",
    "data",
    "url",
    "image_url",
    "source",
    "mimeType",
    "media_type",
];

/// A rough token count: whitespace-separated words of every text string under `v`.
pub(crate) fn prompt_words(v: &Value) -> u64 {
    match v {
        Value::String(s) => word_count(s),
        Value::Array(a) => a.iter().map(prompt_words).sum(),
        Value::Object(o) => o
            .iter()
            .filter(|(k, _)| !NOT_TEXT.contains(&k.as_str()))
            .map(|(_, v)| prompt_words(v))
            .sum(),
        _ => 0,
    }
}

/// Text of an OpenAI/Anthropic style `content`: a string, or the `text` of its text parts.
pub(crate) fn content_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter(|p| p.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// `data: <json>\n\n`.
pub(crate) fn sse_data(v: &Value) -> Bytes {
    let mut out = b"data: ".to_vec();
    // Writing a Value into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut out, v);
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

/// A JSON response.
pub(crate) fn json(status: StatusCode, v: &Value) -> Response {
    let body = serde_json::to_vec(v).unwrap_or_default();
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// A successful non-streamed answer; under [`Fault::CutAfter`] the connection is closed
/// halfway through the body.
pub(crate) fn json_answer(shared: &Shared, b: &MockBehavior, v: &Value) -> Response {
    if !matches!(b.fault, Fault::CutAfter { .. }) {
        return json(StatusCode::OK, v);
    }
    shared.stats.fault_injected();
    let body = Bytes::from(serde_json::to_vec(v).unwrap_or_default());
    let full_len = body.len();
    let half = body.slice(..full_len / 2);
    let first = futures_util::stream::iter([Ok::<_, io::Error>(half)]);
    let cut = futures_util::stream::once(async {
        // Pending once, so hyper flushes what it has before the error aborts the connection.
        tokio::task::yield_now().await;
        Err(io::Error::other("mock fault: cut_after (non-stream body)"))
    });
    let mut resp = Response::new(Body::from_stream(first.chain(cut)));
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(full_len));
    resp
}

/// The SSE events of one streamed answer.
#[derive(Debug, Default)]
pub(crate) struct StreamPlan {
    /// Sent at once (e.g. `message_start`).
    pub(crate) preamble: Vec<Bytes>,
    /// Content chunks: the first after `ttft_ms`, the next ones `per_token_ms` apart.
    pub(crate) content: Vec<Bytes>,
    /// Closing events, never sent when the stream is cut.
    pub(crate) terminal: Vec<Bytes>,
    /// The first terminal event also carries content (Gemini's last chunk), so it is timed
    /// like a content chunk.
    pub(crate) terminal_carries_content: bool,
}

/// A streamed answer with the behaviour's timing and, under [`Fault::CutAfter`], cut.
pub(crate) fn stream_answer(
    shared: &Arc<Shared>,
    b: &MockBehavior,
    plan: StreamPlan,
    content_type: &'static str,
) -> Response {
    let ttft = Duration::from_millis(b.ttft_ms);
    let per_token = Duration::from_millis(b.per_token_ms);
    let cut_after = match b.fault {
        Fault::CutAfter { chunks } => Some(usize::try_from(chunks).unwrap_or(usize::MAX)),
        _ => None,
    };
    let content_len = plan.content.len();
    let mut frames: Vec<(Bytes, Duration)> =
        Vec::with_capacity(plan.preamble.len() + content_len + plan.terminal.len());
    frames.extend(plan.preamble.into_iter().map(|f| (f, Duration::ZERO)));
    let keep = cut_after.map_or(content_len, |n| n.min(content_len));
    for (i, f) in plan.content.into_iter().take(keep).enumerate() {
        frames.push((f, if i == 0 { ttft } else { per_token }));
    }
    if cut_after.is_none() {
        for (i, f) in plan.terminal.into_iter().enumerate() {
            let delay = match (i, plan.terminal_carries_content, content_len) {
                (0, true, 0) => ttft,
                (0, true, _) => per_token,
                _ => Duration::ZERO,
            };
            frames.push((f, delay));
        }
    } else {
        shared.stats.fault_injected();
    }
    let playback = Playback {
        frames: coalesce(frames).into_iter(),
        cut: cut_after.is_some(),
        guard: StreamGuard::new(Arc::clone(shared)),
    };
    let stream = futures_util::stream::unfold(playback, |mut p| async move {
        if let Some((bytes, delay)) = p.frames.next() {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            return Some((Ok(bytes), p));
        }
        if p.cut && p.guard.is_running() {
            // Pending once, so hyper flushes the events sent before the error aborts it.
            tokio::task::yield_now().await;
            p.guard.cut();
            return Some((Err(io::Error::other("mock fault: cut_after (stream)")), p));
        }
        p.guard.complete();
        None
    });
    let mut resp = Response::new(Body::from_stream(stream));
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// Merges frames that are due at once into the frame before them: one write instead of many
/// when there is no delay (the benchmark's fast path).
fn coalesce(frames: Vec<(Bytes, Duration)>) -> Vec<(Bytes, Duration)> {
    let mut out: Vec<(BytesMut, Duration)> = Vec::new();
    for (bytes, delay) in frames {
        match out.last_mut() {
            Some((buf, _)) if delay.is_zero() => buf.extend_from_slice(&bytes),
            _ => out.push((BytesMut::from(&bytes[..]), delay)),
        }
    }
    out.into_iter().map(|(b, d)| (b.freeze(), d)).collect()
}

struct Playback {
    frames: std::vec::IntoIter<(Bytes, Duration)>,
    cut: bool,
    guard: StreamGuard,
}

/// Accounting of one streamed answer: counts its completion, or an early close when the body
/// is dropped before its end (the client went away, or writing to it failed). A deliberate
/// cut is neither.
struct StreamGuard {
    shared: Arc<Shared>,
    state: StreamState,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum StreamState {
    Running,
    Completed,
    Cut,
}

impl StreamGuard {
    fn new(shared: Arc<Shared>) -> Self {
        shared.stats.stream_started();
        Self {
            shared,
            state: StreamState::Running,
        }
    }

    fn is_running(&self) -> bool {
        self.state == StreamState::Running
    }

    fn complete(&mut self) {
        if self.is_running() {
            self.state = StreamState::Completed;
            self.shared.stats.stream_completed();
        }
    }

    fn cut(&mut self) {
        self.state = StreamState::Cut;
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        if self.is_running() {
            self.shared.stats.closed_early();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_text() {
        let t = "  Mock answer to:\nhello   world ";
        for n in 1..5 {
            let parts = split_words(t, n);
            assert_eq!(parts.concat(), t);
        }
        assert_eq!(split_words("a b c", 1), vec!["a ", "b ", "c"]);
        assert_eq!(split_words("a b c", 2), vec!["a b ", "c"]);
        assert!(split_words("", 1).is_empty());
        assert_eq!(split_words("   ", 1), vec!["   "]);
    }

    #[test]
    fn helpers() {
        assert_eq!(first_chars("héllo", 2), "hé");
        assert_eq!(first_chars("hi", 64), "hi");
        assert_eq!(halves("{\"a\":\"x\"}"), ("{\"a\"", ":\"x\"}"));
        assert_eq!(halves("é"), ("é", ""));
        let v = serde_json::json!([{"role":"user","content":[{"type":"text","text":"one two"}]}]);
        assert_eq!(prompt_words(&v), 2);
        assert_eq!(content_text(v[0].get("content")), "one two");
    }

    #[test]
    fn answer_choice() {
        let b = MockBehavior::default();
        let mut p = Prompt {
            last_user_text: "x".repeat(100),
            ..Prompt::default()
        };
        match choose_answer(&p, &b) {
            Answer::Text(t) => assert_eq!(t, format!("Mock answer to: {}", "x".repeat(64))),
            other => panic!("{other:?}"),
        }
        p.tools = vec![ToolSpec::from_schema(
            "read",
            Some(&serde_json::json!({"required":["path","mode"]})),
        )];
        match choose_answer(&p, &b) {
            Answer::ToolCall {
                name, arguments, ..
            } => {
                assert_eq!(name, "read");
                let args: Value = serde_json::from_str(&arguments).unwrap();
                assert_eq!(args, serde_json::json!({"path": "x", "mode": "x"}));
            }
            other => panic!("{other:?}"),
        }
        p.tool_result = Some("file contents".into());
        match choose_answer(&p, &b) {
            Answer::Text(t) => assert_eq!(t, "Tool result received: file contents"),
            other => panic!("{other:?}"),
        }
    }
}
