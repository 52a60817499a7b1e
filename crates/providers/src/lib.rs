//! Upstream LLM providers behind one type.
//!
//! Each provider kind has one file that knows its URLs, headers and codec; everything else
//! (pooling, timeouts, error classification, stream decoding) is shared. Dispatch is an enum
//! over kinds, never a string match.
//!
//! This crate is the one place upstream error text and upstream streams come from, so it is
//! where they are made safe: every error and in-stream error event leaving a [`Provider`]
//! has passed through its [`Redactor`] (upstreams echo the credentials they were sent), and
//! first-byte and idle timeouts count decoded content, never keep-alive bytes.

mod anthropic;
mod azure;
mod error;
mod gemini;
mod http;
mod openai;
mod redact;
mod settings;
mod stream;

pub use anthropic::AnthropicProvider;
pub use azure::AzureProvider;
pub use error::{Blame, ProviderError};
pub use gemini::GeminiProvider;
pub use openai::OpenAiProvider;
pub use redact::{Redactor, MASK};
pub use settings::{ProviderKind, ProviderSettings, ResolvedTimeouts, ResponsesMode, Timeouts};
pub use stream::UpstreamStream;

use bytes::Bytes;
use std::sync::Arc;
use switchyard_protocol::{codec, ChatRequest, ChatResponse, WireFormat};

/// How one upstream call is made: what of the client's own request a same-format route
/// passes upstream, and the call's time limits.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallOptions<'a> {
    /// The client's request headers (providers pick the few they pass on).
    pub headers: Option<&'a ::http::HeaderMap>,
    /// The client's query string, without `?`.
    pub query: Option<&'a str>,
    /// Limits overriding the provider's defaults.
    pub timeouts: Timeouts,
    /// What is left of the request's time budget: no limit of this call exceeds it.
    pub budget: Option<std::time::Duration>,
}

impl CallOptions<'_> {
    /// The limits in force for a call to a provider with `settings`.
    pub fn limits(&self, settings: &ProviderSettings) -> ResolvedTimeouts {
        let limits = self.timeouts.resolve(settings);
        match self.budget {
            Some(remaining) => limits.capped(remaining),
            None => limits,
        }
    }
}

/// What a provider is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// A chat answer, complete or streamed (every provider).
    Chat,
    /// OpenAI-shaped embeddings (OpenAI-compatible and Azure providers).
    Embeddings,
    /// Anthropic's `count_tokens` (Anthropic providers).
    CountTokens,
}

/// The kind-specific part of a provider.
#[derive(Debug)]
enum Backend {
    OpenAi(OpenAiProvider),
    Azure(AzureProvider),
    Anthropic(AnthropicProvider),
    Gemini(GeminiProvider),
}

/// One configured upstream, with its own pooled HTTP client.
#[derive(Debug)]
pub struct Provider {
    settings: Arc<ProviderSettings>,
    backend: Backend,
    /// Applied to every error (and in-stream error event) before it leaves the provider.
    redactor: Arc<Redactor>,
}

impl Provider {
    /// Builds a provider (and its connection pool) from validated settings.
    pub fn new(settings: ProviderSettings) -> Result<Self, String> {
        let backend = match settings.kind {
            ProviderKind::OpenAi => Backend::OpenAi(OpenAiProvider::new(&settings)?),
            ProviderKind::Azure => Backend::Azure(AzureProvider::new(&settings)?),
            ProviderKind::Anthropic => Backend::Anthropic(AnthropicProvider::new(&settings)?),
            ProviderKind::Gemini => Backend::Gemini(GeminiProvider::new(&settings)?),
        };
        Ok(Self {
            redactor: Arc::new(Redactor::for_settings(&settings)),
            settings: Arc::new(settings),
            backend,
        })
    }

    /// Name from config.
    pub fn name(&self) -> &str {
        &self.settings.name
    }

    /// Its settings.
    pub fn settings(&self) -> &ProviderSettings {
        &self.settings
    }

    /// Its settings, shared: what a request's context keeps to name the provider that
    /// answered without holding the provider itself.
    pub fn shared_settings(&self) -> &Arc<ProviderSettings> {
        &self.settings
    }

    /// Whether this provider can be asked to do `operation`. The failover loop skips the
    /// deployments of providers that cannot, without counting it against their health.
    pub fn supports(&self, operation: Operation) -> bool {
        match operation {
            Operation::Chat => true,
            Operation::Embeddings => matches!(self.backend, Backend::OpenAi(_) | Backend::Azure(_)),
            Operation::CountTokens => matches!(self.backend, Backend::Anthropic(_)),
        }
    }

    /// Whether every stream of this provider reports token usage. Anthropic, Gemini and
    /// Azure always do; an OpenAI-compatible server may end a stream without it (usage
    /// must then be counted from the text).
    pub fn always_reports_stream_usage(&self) -> bool {
        self.settings.kind != ProviderKind::OpenAi
    }

    /// The wire format spoken upstream for `req`: an OpenAI provider configured
    /// `responses = "native"` answers a Responses client's request in that format.
    pub fn wire_format_for(&self, req: &ChatRequest) -> WireFormat {
        if self.settings.kind == ProviderKind::OpenAi
            && openai::speaks_responses(&self.settings, req)
        {
            return WireFormat::OpenAiResponses;
        }
        self.wire_format()
    }

    /// The wire format spoken upstream.
    pub fn wire_format(&self) -> WireFormat {
        match self.settings.kind {
            ProviderKind::OpenAi | ProviderKind::Azure => WireFormat::OpenAiChat,
            ProviderKind::Anthropic => WireFormat::Anthropic,
            ProviderKind::Gemini => WireFormat::Gemini,
        }
    }

    fn chat_request(
        &self,
        req: &ChatRequest,
        model: &str,
        fwd: &CallOptions<'_>,
    ) -> Result<reqwest::RequestBuilder, ProviderError> {
        let s = &self.settings;
        if req.source != self.wire_format() && tracing::enabled!(tracing::Level::DEBUG) {
            log_dropped_fields(s, req, self.wire_format());
        }
        match &self.backend {
            Backend::OpenAi(p) => p.chat_request(s, req, model),
            Backend::Azure(p) => p.chat_request(s, req, model),
            Backend::Anthropic(p) => p.chat_request(s, req, model, fwd),
            Backend::Gemini(p) => p.chat_request(s, req, model),
        }
    }

    /// A complete answer to `req` (whose `stream` must be false) from upstream `model`.
    pub async fn chat(
        &self,
        req: &ChatRequest,
        model: &str,
        fwd: &CallOptions<'_>,
    ) -> Result<ChatResponse, ProviderError> {
        self.chat_unredacted(req, model, fwd)
            .await
            .map_err(|e| e.redacted(&self.redactor))
    }

    async fn chat_unredacted(
        &self,
        req: &ChatRequest,
        model: &str,
        fwd: &CallOptions<'_>,
    ) -> Result<ChatResponse, ProviderError> {
        let format = self.wire_format_for(req);
        let limits = fwd.limits(&self.settings);
        let rb = self.chat_request(req, model, fwd)?;
        let first_byte = http::FirstByte::from_now(limits.first_byte);
        let response = http::send(&self.settings, format, rb, first_byte).await?;
        let body = http::read_content(&self.settings, response, first_byte, limits.total).await?;
        codec::decode_response(format, &body).map_err(|source| ProviderError::Decode {
            provider: self.settings.name.clone(),
            source,
        })
    }

    /// A streamed answer to `req` (whose `stream` must be true) from upstream `model`.
    /// Returns once the upstream's response headers arrived.
    pub async fn chat_stream(
        &self,
        req: &ChatRequest,
        model: &str,
        fwd: &CallOptions<'_>,
    ) -> Result<UpstreamStream, ProviderError> {
        let format = self.wire_format_for(req);
        let limits = fwd.limits(&self.settings);
        let redact = |e: ProviderError| e.redacted(&self.redactor);
        let rb = self.chat_request(req, model, fwd).map_err(redact)?;
        let first_byte = http::FirstByte::from_now(limits.first_byte);
        let response = http::send(&self.settings, format, rb, first_byte)
            .await
            .map_err(redact)?;
        Ok(UpstreamStream::new(
            self.settings.clone(),
            self.redactor.clone(),
            format,
            response,
            stream::StreamLimits {
                first_byte_deadline: first_byte.deadline,
                first_byte: first_byte.limit,
                idle: limits.stream_idle,
            },
        ))
    }

    /// Forwards an Anthropic `count_tokens` body (its `model` already set to the upstream
    /// model) and returns the upstream's JSON answer. Anthropic providers only.
    pub async fn count_tokens(
        &self,
        body: Vec<u8>,
        options: &CallOptions<'_>,
    ) -> Result<Bytes, ProviderError> {
        let s = &self.settings;
        let Backend::Anthropic(p) = &self.backend else {
            return Err(ProviderError::Unsupported {
                provider: s.name.clone(),
                kind: s.kind.as_str(),
                operation: "count_tokens",
            });
        };
        let limits = options.limits(s);
        let rb = p.count_tokens_request(s, body, options);
        let redact = |e: ProviderError| e.redacted(&self.redactor);
        let first_byte = http::FirstByte::from_now(limits.first_byte);
        let response = http::send(s, WireFormat::Anthropic, rb, first_byte)
            .await
            .map_err(redact)?;
        http::read_content(s, response, first_byte, limits.total)
            .await
            .map_err(redact)
    }

    /// Forwards an OpenAI-shaped embeddings request body (its `model` already set to the
    /// upstream model) and returns the upstream's JSON answer.
    pub async fn embeddings(
        &self,
        model: &str,
        body: Vec<u8>,
        options: &CallOptions<'_>,
    ) -> Result<Bytes, ProviderError> {
        let s = &self.settings;
        let limits = options.limits(s);
        let rb = match &self.backend {
            Backend::OpenAi(p) => p.embeddings_request(s, body),
            Backend::Azure(p) => p.embeddings_request(s, model, body),
            Backend::Anthropic(_) | Backend::Gemini(_) => {
                return Err(ProviderError::Unsupported {
                    provider: s.name.clone(),
                    kind: s.kind.as_str(),
                    operation: "embeddings",
                })
            }
        };
        let redact = |e: ProviderError| e.redacted(&self.redactor);
        let first_byte = http::FirstByte::from_now(limits.first_byte);
        let response = http::send(s, WireFormat::OpenAiChat, rb, first_byte)
            .await
            .map_err(redact)?;
        http::read_content(s, response, first_byte, limits.total)
            .await
            .map_err(redact)
    }
}

/// Says at debug level which of the client's own fields a request to a provider of another
/// format leaves out (e.g. Anthropic `thinking`, `output_config`, `context_management` sent
/// to OpenAI): field names and counts only, never their values.
fn log_dropped_fields(settings: &ProviderSettings, req: &ChatRequest, target: WireFormat) {
    let fields: Vec<&str> = req.extra.keys().map(String::as_str).collect();
    let foreign_blocks = req
        .messages
        .iter()
        .flat_map(|m| &m.content)
        .filter(|p| matches!(p, switchyard_protocol::ContentPart::Other { .. }))
        .count();
    let foreign_tools = req
        .tools
        .iter()
        .filter(|t| matches!(t, switchyard_protocol::Tool::Other { .. }))
        .count();
    if fields.is_empty() && foreign_blocks == 0 && foreign_tools == 0 {
        return;
    }
    tracing::debug!(
        provider = &*settings.name,
        client_format = req.source.as_str(),
        upstream_format = target.as_str(),
        dropped_fields = ?fields,
        dropped_blocks = foreign_blocks,
        dropped_tools = foreign_tools,
        "fields of the client's format that the upstream's format has no place for are left out"
    );
}
