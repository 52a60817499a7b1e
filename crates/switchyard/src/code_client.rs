//! The code API (`POST /v1/code/{task}`) as the CLI's commands (`review`, `docs`) call it:
//! the gateway's address, model and key from flags or the environment, one request per
//! call, and errors that tell an unreachable gateway from one that refused the request.

use anyhow::Context as _;
use serde_json::{json, Value};
use switchyard_codeintel::{CodeTask, Language};

/// Where the gateway is and what to ask it for.
#[derive(Debug, Clone, clap::Args)]
pub struct GatewayArgs {
    /// The gateway's base URL.
    #[arg(long, env = "SWITCHYARD_URL", default_value = "http://127.0.0.1:4000")]
    pub gateway: String,
    /// The model (alias or router) to ask; default: the gateway's code router.
    #[arg(long)]
    pub model: Option<String>,
    /// A repository the gateway indexes (`[repositories.NAME]`): the code of it most
    /// relevant to each question goes into the prompt.
    #[arg(long)]
    pub repository: Option<String>,
    /// A client key of the gateway, if it requires one.
    #[arg(long = "api-key", env = "SWITCHYARD_API_KEY", hide_env_values = true)]
    pub key: Option<String>,
}

/// One question to the code API.
#[derive(Debug, Clone)]
pub struct CodeQuestion<'a> {
    /// The task.
    pub task: CodeTask,
    /// The language of the code.
    pub language: Language,
    /// The instructions.
    pub prompt: &'a str,
    /// The code the question is about.
    pub context: Option<&'a str>,
}

/// What the code API answered.
#[derive(Debug, Clone)]
pub struct CodeReply {
    /// The whole answer.
    pub text: String,
}

/// Why a question got no answer.
#[derive(Debug, thiserror::Error)]
pub enum CodeClientError {
    /// Nothing answered at the address (gateway down, wrong URL).
    #[error("cannot reach the gateway at {url}: {reason}")]
    Unreachable {
        /// The endpoint called.
        url: String,
        /// What the connection attempt said.
        reason: String,
    },
    /// The gateway answered with an error.
    #[error("the gateway answered {status}: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The error's message (or the body, if it is not the gateway's error shape).
        message: String,
    },
    /// The gateway's answer is not the code API's JSON.
    #[error("the gateway's answer is not the code API's JSON: {0}")]
    Malformed(String),
}

/// A client of one gateway's code API.
#[derive(Debug, Clone)]
pub struct CodeClient {
    http: reqwest::Client,
    base: String,
    model: Option<String>,
    repository: Option<String>,
    key: Option<String>,
}

impl CodeClient {
    /// A client for the gateway, model and key in `args`.
    pub fn new(args: &GatewayArgs) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // A model may take minutes on a long review; the connection itself may not.
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self {
            http,
            base: args.gateway.trim_end_matches('/').to_owned(),
            model: args.model.clone(),
            repository: args.repository.clone(),
            key: args.key.clone(),
        })
    }

    /// Asks `question` and waits for the whole answer.
    pub async fn ask(&self, question: &CodeQuestion<'_>) -> Result<CodeReply, CodeClientError> {
        let url = format!("{}/v1/code/{}", self.base, question.task.name());
        let mut body = json!({
            "prompt": question.prompt,
            "language": question.language.name(),
        });
        if let Some(context) = question.context {
            body["context"] = Value::from(context);
        }
        if let Some(model) = &self.model {
            body["model"] = Value::from(model.as_str());
        }
        if let Some(repository) = &self.repository {
            body["repository"] = Value::from(repository.as_str());
        }
        let body = body.to_string();
        let unreachable = |e: reqwest::Error| CodeClientError::Unreachable {
            url: url.clone(),
            reason: error_chain(&e),
        };
        let started = std::time::Instant::now();
        let mut said_waiting = false;
        let response = loop {
            let mut request = self
                .http
                .post(&url)
                .header("content-type", "application/json")
                .body(body.clone());
            if let Some(key) = &self.key {
                request = request.bearer_auth(key);
            }
            let response = request.send().await.map_err(unreachable)?;
            // A 503 with Retry-After is a gateway that will answer soon (a repository still
            // being indexed at start, as in a CI job that has just started it): wait for
            // it, up to UNAVAILABLE_PATIENCE in all.
            let wait = (response.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE)
                .then(|| retry_after(&response))
                .flatten()
                .filter(|wait| started.elapsed() + *wait <= UNAVAILABLE_PATIENCE);
            let Some(wait) = wait else {
                break response;
            };
            if !said_waiting {
                eprintln!(
                    "the gateway is not ready (503); retrying for up to {} s",
                    UNAVAILABLE_PATIENCE.as_secs()
                );
                said_waiting = true;
            }
            tokio::time::sleep(wait).await;
        };
        let status = response.status();
        let bytes = response.bytes().await.map_err(unreachable)?;
        let value: Option<Value> = serde_json::from_slice(&bytes).ok();
        if !status.is_success() {
            let message = value
                .as_ref()
                .and_then(|v| v.pointer("/error/message"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
            return Err(CodeClientError::Refused {
                status: status.as_u16(),
                message,
            });
        }
        let raw = value.ok_or_else(|| {
            CodeClientError::Malformed(String::from_utf8_lossy(&bytes).chars().take(200).collect())
        })?;
        let text = raw
            .get("text")
            .and_then(Value::as_str)
            .ok_or_else(|| CodeClientError::Malformed("no `text` field".to_owned()))?
            .to_owned();
        Ok(CodeReply { text })
    }
}

/// How long a question waits in all for a gateway that answers 503 with Retry-After.
const UNAVAILABLE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(120);

/// The longest single wait a Retry-After may ask for.
const LONGEST_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

/// The response's Retry-After in seconds (the form the gateway sends), at most
/// [`LONGEST_RETRY_AFTER`].
fn retry_after(response: &reqwest::Response) -> Option<std::time::Duration> {
    let seconds: u64 = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(std::time::Duration::from_secs(seconds).min(LONGEST_RETRY_AFTER))
}

/// An error and its causes on one line ("error sending request: connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
