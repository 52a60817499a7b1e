//! Validated settings of one provider, as the gateway's config produces them.

use std::{sync::Arc, time::Duration};

/// Which API a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// OpenAI, or any OpenAI-compatible server (vLLM, Ollama, Groq, ...).
    OpenAi,
    /// Azure OpenAI (deployment URLs, `api-version`, `api-key` header).
    Azure,
    /// Anthropic Messages.
    Anthropic,
    /// Google Gemini.
    Gemini,
}

impl ProviderKind {
    /// The kind as written in config.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenAi => "openai",
            Self::Azure => "azure",
            Self::Anthropic => "anthropic",
            Self::Gemini => "gemini",
        }
    }

    /// Parses a config value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "openai" => Some(Self::OpenAi),
            "azure" => Some(Self::Azure),
            "anthropic" => Some(Self::Anthropic),
            "gemini" => Some(Self::Gemini),
            _ => None,
        }
    }

    /// The public endpoint used when config gives no `base_url`.
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            Self::OpenAi => Some("https://api.openai.com/v1"),
            Self::Anthropic => Some("https://api.anthropic.com"),
            Self::Gemini => Some("https://generativelanguage.googleapis.com"),
            // Azure endpoints are per resource; there is no public default.
            Self::Azure => None,
        }
    }
}

/// How an OpenAI provider serves a client that speaks the Responses API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponsesMode {
    /// The upstream speaks `/responses` itself: the client's request passes through
    /// losslessly (the default for the official OpenAI URL).
    Native,
    /// The request is translated to chat completions (the default for any other server,
    /// since few OpenAI-compatible servers implement the Responses API).
    Translate,
}

impl ResponsesMode {
    /// Parses a config value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "native" => Some(Self::Native),
            "translate" => Some(Self::Translate),
            _ => None,
        }
    }

    /// The default for a provider of `kind` at `base_url`.
    pub fn default_for(kind: ProviderKind, base_url: &str) -> Self {
        let official = base_url
            .trim_end_matches('/')
            .strip_prefix("https://api.openai.com")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        if kind == ProviderKind::OpenAi && official {
            Self::Native
        } else {
            Self::Translate
        }
    }
}

/// Everything needed to talk to one provider.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// Name in config; shown in `x-switchyard-provider`. Shared, because every analytics
    /// event and metric of the provider carries it.
    pub name: Arc<str>,
    /// API kind.
    pub kind: ProviderKind,
    /// Base URL without trailing slash (OpenAI-style includes `/v1`).
    pub base_url: String,
    /// Secret key, if the provider needs one. Never logged.
    pub api_key: Option<String>,
    /// Azure `api-version` query value.
    pub api_version: String,
    /// Anthropic `anthropic-version` header sent unless the client sent its own.
    pub anthropic_version: String,
    /// `max_tokens` for Anthropic when the client gave none (Anthropic requires it).
    pub default_max_tokens: u32,
    /// TCP connect limit.
    pub connect_timeout: Duration,
    /// Limit for the response headers (time to first byte).
    pub first_byte_timeout: Duration,
    /// Limit for the whole exchange of a non-streamed request.
    pub total_timeout: Duration,
    /// Longest silence allowed between two chunks of a stream.
    pub stream_idle_timeout: Duration,
    /// Extra headers sent on every request.
    pub headers: Vec<(String, String)>,
    /// True for the built-in simulated providers of demo mode.
    pub simulated: bool,
    /// How Responses API clients are served (OpenAI providers only).
    pub responses: ResponsesMode,
}

impl ProviderSettings {
    /// Settings with defaults for `kind` at `base_url`.
    pub fn new(name: impl Into<Arc<str>>, kind: ProviderKind, base_url: impl Into<String>) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Self {
            name: name.into(),
            kind,
            responses: ResponsesMode::default_for(kind, &base_url),
            base_url,
            api_key: None,
            api_version: "2024-10-21".to_owned(),
            anthropic_version: "2023-06-01".to_owned(),
            default_max_tokens: 4096,
            connect_timeout: Duration::from_secs(10),
            first_byte_timeout: Duration::from_secs(120),
            total_timeout: Duration::from_secs(600),
            stream_idle_timeout: Duration::from_secs(120),
            headers: Vec::new(),
            simulated: false,
        }
    }
}

/// Per-call overrides of a provider's timeouts (from the alias or deployment), already
/// capped by what is left of the request's time budget.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeouts {
    /// Limit for the response headers.
    pub first_byte: Option<Duration>,
    /// Limit for a whole non-streamed exchange.
    pub total: Option<Duration>,
    /// Longest silence between two stream chunks.
    pub stream_idle: Option<Duration>,
}

impl Timeouts {
    /// Each limit of `self`, else of `fallback`.
    pub fn or(self, fallback: Timeouts) -> Timeouts {
        Timeouts {
            first_byte: self.first_byte.or(fallback.first_byte),
            total: self.total.or(fallback.total),
            stream_idle: self.stream_idle.or(fallback.stream_idle),
        }
    }

    /// The limits in force for `settings`: overrides, else the provider's own.
    pub fn resolve(self, settings: &ProviderSettings) -> ResolvedTimeouts {
        ResolvedTimeouts {
            first_byte: self.first_byte.unwrap_or(settings.first_byte_timeout),
            total: self.total.unwrap_or(settings.total_timeout),
            stream_idle: self.stream_idle.unwrap_or(settings.stream_idle_timeout),
        }
    }
}

/// The limits of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedTimeouts {
    /// Limit for the response headers.
    pub first_byte: Duration,
    /// Limit for a whole non-streamed exchange.
    pub total: Duration,
    /// Longest silence between two stream chunks.
    pub stream_idle: Duration,
}

impl ResolvedTimeouts {
    /// Caps every limit at `remaining` (what is left of the request's time budget).
    pub fn capped(self, remaining: Duration) -> Self {
        Self {
            first_byte: self.first_byte.min(remaining),
            total: self.total.min(remaining),
            stream_idle: self.stream_idle,
        }
    }
}
