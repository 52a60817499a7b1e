//! The code API's request (`POST /v1/code/{task}`): decoded from JSON with messages that
//! say what is accepted, so that a client's mistake is a 400 it can fix from the message.

use crate::{CodeTask, Language};
use serde_json::{Map, Value};

/// The fields a code request may have, for error messages.
pub const ACCEPTED_FIELDS: &str =
    "prompt, language, context, repository, prefix, suffix, maxTokens (or max_tokens), temperature, model, stream";

/// A decoded code request.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeRequest {
    /// What to do.
    pub task: CodeTask,
    /// The instructions (may be empty only for fill-in-the-middle completion).
    pub prompt: String,
    /// The language of the code.
    pub language: Language,
    /// Code the request is about.
    pub context: Option<String>,
    /// A configured repository (`[repositories.NAME]`) whose relevant code goes into the
    /// prompt.
    pub repository: Option<String>,
    /// Code before the cursor (task `complete` only).
    pub prefix: Option<String>,
    /// Code after the cursor (task `complete` only).
    pub suffix: Option<String>,
    /// Upper bound on generated tokens.
    pub max_tokens: Option<u32>,
    /// Sampling temperature, 0 to 2.
    pub temperature: Option<f64>,
    /// The model alias or router; `None` leaves it to the gateway's default router.
    pub model: Option<String>,
    /// Whether to answer with server-sent events.
    pub stream: bool,
}

impl CodeRequest {
    /// Whether this is a fill-in-the-middle completion (`prefix` or `suffix` given).
    pub fn is_fill_in_the_middle(&self) -> bool {
        self.prefix.is_some() || self.suffix.is_some()
    }
}

/// Why a code request was refused: the message and the field it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BadCodeRequest {
    /// The field (or `task` for the URL's task).
    pub param: &'static str,
    /// What is wrong and what is accepted.
    pub message: String,
}

fn bad(param: &'static str, message: impl Into<String>) -> BadCodeRequest {
    BadCodeRequest {
        param,
        message: message.into(),
    }
}

/// Decodes the body of `POST /v1/code/{task}`.
pub fn decode_request(task: &str, body: &[u8]) -> Result<CodeRequest, BadCodeRequest> {
    let task = CodeTask::from_name(task).ok_or_else(|| {
        bad(
            "task",
            format!(
                "unknown task `{task}`; accepted tasks: {}",
                CodeTask::accepted_names()
            ),
        )
    })?;
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad("body", format!("the body is not valid JSON: {e}")))?;
    let Value::Object(fields) = value else {
        return Err(bad(
            "body",
            format!("the body must be a JSON object with the fields {ACCEPTED_FIELDS}"),
        ));
    };
    for name in fields.keys() {
        if !matches!(
            name.as_str(),
            "prompt"
                | "language"
                | "context"
                | "repository"
                | "prefix"
                | "suffix"
                | "maxTokens"
                | "max_tokens"
                | "temperature"
                | "model"
                | "stream"
        ) {
            return Err(bad(
                "body",
                format!("unknown field `{name}`; accepted fields: {ACCEPTED_FIELDS}"),
            ));
        }
    }
    let language_name = string(&fields, "language")?.ok_or_else(|| {
        bad(
            "language",
            format!(
                "missing field `language`; accepted languages: {}",
                Language::accepted_names()
            ),
        )
    })?;
    let language = Language::from_name(&language_name).ok_or_else(|| {
        bad(
            "language",
            format!(
                "unknown language `{language_name}`; accepted languages: {}",
                Language::accepted_names()
            ),
        )
    })?;
    let prefix = string(&fields, "prefix")?;
    let suffix = string(&fields, "suffix")?;
    if (prefix.is_some() || suffix.is_some()) && task != CodeTask::Complete {
        return Err(bad(
            if prefix.is_some() { "prefix" } else { "suffix" },
            "`prefix` and `suffix` (fill in the middle) are accepted by the task `complete` only",
        ));
    }
    let prompt = string(&fields, "prompt")?.unwrap_or_default();
    if prompt.trim().is_empty() && prefix.is_none() && suffix.is_none() {
        return Err(bad(
            "prompt",
            "`prompt` must be a non-empty string (task `complete` also accepts `prefix` and `suffix` instead)",
        ));
    }
    let max_tokens = match (fields.get("maxTokens"), fields.get("max_tokens")) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "maxTokens",
                "give `maxTokens` or `max_tokens`, not both",
            ))
        }
        (Some(v), None) | (None, Some(v)) => Some(
            v.as_u64()
                .filter(|n| *n >= 1)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    bad(
                        "maxTokens",
                        "`maxTokens` must be a whole number from 1 to 4294967295",
                    )
                })?,
        ),
        (None, None) => None,
    };
    let temperature = match fields.get("temperature") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_f64()
                .filter(|t| (0.0..=2.0).contains(t))
                .ok_or_else(|| bad("temperature", "`temperature` must be a number from 0 to 2"))?,
        ),
    };
    let stream = match fields.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(bad("stream", "`stream` must be true or false")),
    };
    let model = string(&fields, "model")?.filter(|m| !m.trim().is_empty());
    Ok(CodeRequest {
        task,
        prompt,
        language,
        context: string(&fields, "context")?,
        repository: string(&fields, "repository")?.filter(|r| !r.trim().is_empty()),
        prefix,
        suffix,
        max_tokens,
        temperature,
        model,
        stream,
    })
}

/// The string field `name`, if present and not null.
fn string(
    fields: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, BadCodeRequest> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(name, format!("`{name}` must be a string"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(task: &str, body: &str) -> Result<CodeRequest, BadCodeRequest> {
        decode_request(task, body.as_bytes())
    }

    #[test]
    fn a_full_request_decodes() {
        let r = decode(
            "generate",
            r#"{"prompt":"parse csv","language":"Py","context":"import csv","maxTokens":100,"temperature":0.2,"model":"fast","stream":true}"#,
        )
        .unwrap();
        assert_eq!(r.task, CodeTask::Generate);
        assert_eq!(r.language, Language::Python);
        assert_eq!(r.context.as_deref(), Some("import csv"));
        assert_eq!(r.max_tokens, Some(100));
        assert_eq!(r.temperature, Some(0.2));
        assert_eq!(r.model.as_deref(), Some("fast"));
        assert!(r.stream);
        let r = decode("test", r#"{"prompt":"x","language":"go","max_tokens":5}"#).unwrap();
        assert_eq!(r.max_tokens, Some(5));
        assert_eq!(r.model, None);
    }

    #[test]
    fn mistakes_name_the_field_and_what_is_accepted() {
        let e = decode("compile", r#"{"prompt":"x","language":"go"}"#).unwrap_err();
        assert_eq!(e.param, "task");
        assert!(
            e.message.contains("generate, complete, review"),
            "{}",
            e.message
        );
        let e = decode("generate", r#"{"prompt":"x","language":"cobol"}"#).unwrap_err();
        assert_eq!(e.param, "language");
        assert!(e.message.contains("python, javascript"), "{}", e.message);
        let e = decode("generate", r#"{"prompt":"  ","language":"go"}"#).unwrap_err();
        assert_eq!(e.param, "prompt");
        let e = decode("generate", r#"{"prompt":1,"language":"go"}"#).unwrap_err();
        assert_eq!(e.param, "prompt");
        let e = decode(
            "generate",
            r#"{"prompt":"x","language":"go","maxTokens":"9"}"#,
        )
        .unwrap_err();
        assert_eq!(e.param, "maxTokens");
        let e = decode(
            "generate",
            r#"{"prompt":"x","language":"go","temperature":3}"#,
        )
        .unwrap_err();
        assert_eq!(e.param, "temperature");
        let e = decode(
            "generate",
            r#"{"prompt":"x","language":"go","stream":"yes"}"#,
        )
        .unwrap_err();
        assert_eq!(e.param, "stream");
        let e = decode("generate", r#"{"prompt":"x","language":"go","promt":"y"}"#).unwrap_err();
        assert!(e.message.contains("accepted fields"), "{}", e.message);
        let e = decode("generate", r#"[1]"#).unwrap_err();
        assert_eq!(e.param, "body");
        let e = decode("generate", r#"{"prefix":"a","language":"go"}"#).unwrap_err();
        assert_eq!(e.param, "prefix");
    }

    #[test]
    fn fill_in_the_middle_needs_no_prompt() {
        let r = decode(
            "complete",
            r#"{"prefix":"def f(","suffix":")\n","language":"python"}"#,
        )
        .unwrap();
        assert!(r.is_fill_in_the_middle());
        assert_eq!(r.prompt, "");
    }
}
