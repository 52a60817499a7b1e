//! OpenAI legacy completions (`POST /v1/completions`), both sides, with fill in the middle:
//! `prompt` is the code before the cursor and `suffix` the code after it (the shape IDE
//! assistants speak, and Codestral's `POST /v1/fim/completions` request too).
//!
//! A request decodes to a canonical request with one user message (the prompt) and
//! [`ChatRequest::suffix`]; only a string `prompt` is accepted (token arrays and batches of
//! prompts have no canonical form). Upstream answers (`text_completion` objects and chunks)
//! decode through the chat decoders, which read `choices[].text` as content.

use super::wire::{
    deserialize_stop, finish_reason_to_wire, stop_reason_from_wire, UsageIn, UsageOut,
};
use crate::sse::{write_frame, write_json_frame};
use crate::{
    to_json_vec, BlockDelta, ChatRequest, ChatResponse, CodecError, ContentPart, Extras, Message,
    Role, StopReason, StreamEvent, Usage, WireFormat,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

const FORMAT: WireFormat = WireFormat::OpenAiCompletions;

#[derive(Deserialize)]
struct RequestIn {
    model: String,
    prompt: Value,
    suffix: Option<String>,
    max_tokens: Option<u32>,
    temperature: Option<f64>,
    top_p: Option<f64>,
    #[serde(default, deserialize_with = "deserialize_stop")]
    stop: Vec<String>,
    /// `random_seed` is Codestral's name.
    #[serde(alias = "random_seed")]
    seed: Option<i64>,
    user: Option<String>,
    #[serde(default)]
    stream: bool,
    stream_options: Option<StreamOptionsIn>,
    n: Option<u32>,
    #[serde(flatten)]
    extra: Extras,
}

#[derive(Deserialize)]
struct StreamOptionsIn {
    include_usage: Option<bool>,
}

/// Decodes a client's completions request.
pub fn decode_request(body: &[u8]) -> Result<ChatRequest, CodecError> {
    let raw: RequestIn = crate::from_json_slice(body)?;
    let prompt =
        match raw.prompt {
            Value::String(s) => s,
            _ => return Err(CodecError::field(
                "prompt",
                "`prompt` must be a string (token arrays and lists of prompts are not supported)",
            )),
        };
    if raw.n.is_some_and(|n| n != 1) {
        return Err(CodecError::field("n", "only n = 1 is supported"));
    }
    let mut req = ChatRequest::new(FORMAT, raw.model);
    req.messages = vec![Message::text(Role::User, prompt)];
    req.suffix = raw.suffix;
    req.max_tokens = raw.max_tokens;
    req.temperature = raw.temperature;
    req.top_p = raw.top_p;
    req.stop = raw.stop;
    req.seed = raw.seed;
    req.user = raw.user;
    req.stream = raw.stream;
    req.stream_include_usage = raw
        .stream_options
        .and_then(|o| o.include_usage)
        .unwrap_or(false);
    req.extra = raw.extra;
    Ok(req)
}

/// A completions request for OpenAI-compatible servers and for Mistral's FIM endpoint: the
/// same fields, the seed under each one's name, and what Mistral refuses left `None`.
#[derive(Serialize)]
struct RequestOut<'a> {
    model: &'a str,
    prompt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    suffix: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    random_seed: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<Value>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    extra: Option<&'a Extras>,
}

impl<'a> RequestOut<'a> {
    /// The fields both endpoints share.
    fn common(req: &'a ChatRequest, model: &'a str) -> Self {
        Self {
            model,
            prompt: prompt_of(req),
            suffix: req.suffix.as_deref(),
            max_tokens: req.max_tokens,
            temperature: req.temperature,
            top_p: req.top_p,
            stop: &req.stop,
            seed: None,
            random_seed: None,
            user: None,
            stream: req.stream,
            stream_options: None,
            extra: None,
        }
    }
}

/// Encodes a request for an upstream's `/completions`: the user text is the prompt.
pub fn encode_request(req: &ChatRequest, model: &str) -> Result<Vec<u8>, CodecError> {
    to_json_vec(&RequestOut {
        seed: req.seed,
        user: req.user.as_deref(),
        // Always ask for usage: the gateway accounts for every request.
        stream_options: req
            .stream
            .then(|| serde_json::json!({ "include_usage": true })),
        extra: req.extras_for(FORMAT),
        ..RequestOut::common(req, model)
    })
}

/// Encodes a request for Mistral's `/fim/completions` (Codestral): the same fields under
/// Mistral's names, and nothing Mistral refuses (`user`, `stream_options`, other extras);
/// its answer is a chat completion (its streams report usage unasked).
pub fn encode_mistral_request(req: &ChatRequest, model: &str) -> Result<Vec<u8>, CodecError> {
    to_json_vec(&RequestOut {
        random_seed: req.seed,
        ..RequestOut::common(req, model)
    })
}

/// The prompt of a completions request: its user text.
fn prompt_of(req: &ChatRequest) -> String {
    req.messages
        .iter()
        .filter(|m| m.role == Role::User)
        .map(Message::joined_text)
        .collect()
}

#[derive(Deserialize)]
struct ResponseIn {
    id: Option<String>,
    created: Option<u64>,
    model: Option<String>,
    choices: Option<Vec<ChoiceIn>>,
    usage: Option<UsageIn>,
}

#[derive(Deserialize)]
struct ChoiceIn {
    text: Option<String>,
    finish_reason: Option<String>,
}

/// Decodes an upstream's `text_completion`.
pub fn decode_response(body: &[u8]) -> Result<ChatResponse, CodecError> {
    let raw: ResponseIn = serde_json::from_slice(body).map_err(|e| {
        CodecError::new(format!(
            "upstream response is not a valid text completion: {e}"
        ))
    })?;
    let choice = raw
        .choices
        .and_then(|c| c.into_iter().next())
        .ok_or_else(|| CodecError::field("choices", "the response has no choices"))?;
    Ok(ChatResponse {
        id: raw.id.unwrap_or_default(),
        model: raw.model.unwrap_or_default(),
        content: vec![ContentPart::text(choice.text.unwrap_or_default())],
        stop_reason: choice
            .finish_reason
            .as_deref()
            .map_or(StopReason::EndTurn, stop_reason_from_wire),
        usage: raw.usage.map(|u| u.to_canonical()).unwrap_or_default(),
        created: raw.created.unwrap_or(0),
        source: FORMAT,
        extra: Extras::new(),
    })
}

#[derive(Serialize)]
struct ResponseOut<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: [ChoiceOut<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<UsageOut>,
}

#[derive(Serialize)]
struct ChoiceOut<'a> {
    text: &'a str,
    index: u32,
    logprobs: Option<()>,
    finish_reason: Option<&'a str>,
}

/// Encodes a complete answer as a `text_completion`.
pub fn encode_response(resp: &ChatResponse) -> Result<Vec<u8>, CodecError> {
    let text = resp.joined_text();
    to_json_vec(&ResponseOut {
        id: &resp.id,
        object: "text_completion",
        created: resp.created,
        model: &resp.model,
        choices: [ChoiceOut {
            text: &text,
            index: 0,
            logprobs: None,
            finish_reason: Some(finish_reason_to_wire(&resp.stop_reason, false)),
        }],
        usage: Some(UsageOut::from(&resp.usage)),
    })
}

/// Writes canonical stream events as `text_completion` chunks, then `data: [DONE]`.
#[derive(Debug)]
pub struct StreamEncoder {
    include_usage: bool,
    id: String,
    model: String,
    created: u64,
    usage: Option<Usage>,
}

impl StreamEncoder {
    /// `include_usage`: the client asked for a usage chunk (`stream_options.include_usage`).
    pub fn new(include_usage: bool) -> Self {
        Self {
            include_usage,
            id: String::new(),
            model: String::new(),
            created: 0,
            usage: None,
        }
    }

    fn chunk(&self, out: &mut Vec<u8>, text: &str, finish: Option<&str>) -> Result<(), CodecError> {
        write_json_frame(
            out,
            None,
            &ResponseOut {
                id: &self.id,
                object: "text_completion",
                created: self.created,
                model: &self.model,
                choices: [ChoiceOut {
                    text,
                    index: 0,
                    logprobs: None,
                    finish_reason: finish,
                }],
                usage: None,
            },
        )
    }

    /// Appends the frames of `event` to `out`.
    pub fn encode(&mut self, event: &StreamEvent, out: &mut Vec<u8>) -> Result<(), CodecError> {
        match event {
            StreamEvent::Start { id, model } => {
                self.id.clone_from(id);
                self.model.clone_from(model);
                self.created = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                Ok(())
            }
            StreamEvent::Delta {
                delta: BlockDelta::Text(text),
                ..
            } if !text.is_empty() => self.chunk(out, text, None),
            StreamEvent::Finish { stop_reason } => {
                self.chunk(out, "", Some(finish_reason_to_wire(stop_reason, false)))
            }
            StreamEvent::Usage(u) => {
                self.usage = Some(*u);
                Ok(())
            }
            StreamEvent::Error { kind, message } => write_json_frame(
                out,
                None,
                &serde_json::json!({ "error": { "message": message, "type": kind } }),
            ),
            _ => Ok(()),
        }
    }

    /// Appends the usage chunk (if asked for) and `[DONE]`.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        if self.include_usage {
            let usage = self.usage.unwrap_or_default();
            write_json_frame(
                out,
                None,
                &serde_json::json!({
                    "id": self.id, "object": "text_completion", "created": self.created,
                    "model": self.model, "choices": [], "usage": UsageOut::from(&usage),
                }),
            )?;
        }
        write_frame(out, None, b"[DONE]");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fill_in_the_middle_request_round_trips() {
        let body = br#"{"model":"m","prompt":"def add(a, b):\n    return ","suffix":"\n","max_tokens":16,"stop":"\n\n","stream":true,"random_seed":3,"min_tokens":1}"#;
        let req = decode_request(body).unwrap();
        assert_eq!(req.suffix.as_deref(), Some("\n"));
        assert_eq!(req.messages[0].joined_text(), "def add(a, b):\n    return ");
        assert_eq!(req.stop, ["\n\n"]);
        assert_eq!(req.seed, Some(3));
        let out: Value = serde_json::from_slice(&encode_request(&req, "up").unwrap()).unwrap();
        assert_eq!(out["model"], "up");
        assert_eq!(out["prompt"], "def add(a, b):\n    return ");
        assert_eq!(out["suffix"], "\n");
        assert_eq!(out["stream_options"]["include_usage"], true);
        assert_eq!(
            out["min_tokens"], 1,
            "a field of the same format rides along"
        );
        assert!(decode_request(br#"{"model":"m","prompt":[1,2]}"#).is_err());
    }

    #[test]
    fn a_mistral_request_uses_mistrals_names_only() {
        let body = br#"{"model":"m","prompt":"a = ","suffix":"\n","seed":7,"user":"u","stream":true,"min_tokens":1}"#;
        let req = decode_request(body).unwrap();
        let out: Value =
            serde_json::from_slice(&encode_mistral_request(&req, "codestral").unwrap()).unwrap();
        assert_eq!(out["model"], "codestral");
        assert_eq!(out["prompt"], "a = ");
        assert_eq!(out["suffix"], "\n");
        assert_eq!(out["random_seed"], 7);
        assert_eq!(out["stream"], true);
        for absent in ["seed", "user", "stream_options", "min_tokens"] {
            assert!(out.get(absent).is_none(), "{absent}: {out}");
        }
    }

    #[test]
    fn responses_decode_and_encode() {
        let body = br#"{"id":"cmpl-1","object":"text_completion","created":5,"model":"up","choices":[{"text":"a + b","index":0,"finish_reason":"length"}],"usage":{"prompt_tokens":4,"completion_tokens":3,"total_tokens":7}}"#;
        let resp = decode_response(body).unwrap();
        assert_eq!(resp.joined_text(), "a + b");
        assert_eq!(resp.stop_reason, StopReason::MaxTokens);
        assert_eq!(resp.usage.output_tokens, 3);
        let out: Value = serde_json::from_slice(&encode_response(&resp).unwrap()).unwrap();
        assert_eq!(out["object"], "text_completion");
        assert_eq!(out["choices"][0]["text"], "a + b");
        assert_eq!(out["choices"][0]["finish_reason"], "length");
        assert_eq!(out["usage"]["total_tokens"], 7);
    }

    #[test]
    fn a_stream_is_text_chunks_then_done() {
        let mut enc = StreamEncoder::new(true);
        let mut out = Vec::new();
        for event in [
            StreamEvent::Start {
                id: "c".into(),
                model: "m".into(),
            },
            StreamEvent::Delta {
                index: 0,
                delta: BlockDelta::Text("a +".into()),
            },
            StreamEvent::Delta {
                index: 0,
                delta: BlockDelta::Text(" b".into()),
            },
            StreamEvent::Finish {
                stop_reason: StopReason::EndTurn,
            },
            StreamEvent::Usage(Usage {
                input_tokens: 2,
                output_tokens: 2,
                ..Usage::default()
            }),
        ] {
            enc.encode(&event, &mut out).unwrap();
        }
        enc.finish(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(r#""text":"a +""#) && text.contains(r#""text":" b""#),
            "{text}"
        );
        assert!(text.contains(r#""finish_reason":"stop""#));
        assert!(text.contains(r#""total_tokens":4"#));
        assert!(text.ends_with("data: [DONE]\n\n"));
    }
}
