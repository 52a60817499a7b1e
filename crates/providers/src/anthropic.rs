//! Anthropic Messages: `x-api-key`, `anthropic-version`, required `max_tokens`.
//!
//! When the client speaks Anthropic too, its `anthropic-version` and `anthropic-beta`
//! headers and its query string (Claude Code sends `?beta=true`) go upstream unchanged:
//! beta features are negotiated by the client, not by the gateway.

use crate::{http, CallOptions, ProviderError, ProviderSettings};
use switchyard_protocol::{anthropic, ChatRequest, WireFormat};

/// Client headers passed through on same-format routes.
const FORWARDED_HEADERS: [&str; 2] = ["anthropic-version", "anthropic-beta"];

/// An Anthropic upstream.
#[derive(Debug)]
pub struct AnthropicProvider {
    client: reqwest::Client,
    // Parsed once: parsing (with IDNA processing) per request shows up in profiles.
    messages_url: reqwest::Url,
    count_tokens_url: reqwest::Url,
}

impl AnthropicProvider {
    pub(crate) fn new(settings: &ProviderSettings) -> Result<Self, String> {
        Ok(Self {
            client: http::build_client(settings)?,
            messages_url: http::parse_url(settings, "/v1/messages")?,
            count_tokens_url: http::parse_url(settings, "/v1/messages/count_tokens")?,
        })
    }

    pub(crate) fn chat_request(
        &self,
        settings: &ProviderSettings,
        req: &ChatRequest,
        model: &str,
        fwd: &CallOptions<'_>,
    ) -> Result<reqwest::RequestBuilder, ProviderError> {
        let body = anthropic::encode_request(req, model, settings.default_max_tokens)
            .map_err(|e| http::encode_error(settings, e))?;
        let same_format = req.source == WireFormat::Anthropic;
        Ok(self.post(settings, &self.messages_url, body, same_format, fwd))
    }

    /// `POST /v1/messages/count_tokens` with a client's own Anthropic body (model already
    /// replaced).
    pub(crate) fn count_tokens_request(
        &self,
        settings: &ProviderSettings,
        body: Vec<u8>,
        fwd: &CallOptions<'_>,
    ) -> reqwest::RequestBuilder {
        self.post(settings, &self.count_tokens_url, body, true, fwd)
    }

    fn post(
        &self,
        settings: &ProviderSettings,
        url: &reqwest::Url,
        body: Vec<u8>,
        same_format: bool,
        fwd: &CallOptions<'_>,
    ) -> reqwest::RequestBuilder {
        let mut url = url.clone();
        if let Some(query) = fwd.query.filter(|q| same_format && !q.is_empty()) {
            url.set_query(Some(query));
        }
        let mut rb = http::json_post(&self.client, settings, url, body);
        if let Some(key) = &settings.api_key {
            rb = rb.header("x-api-key", key);
        }
        let mut client_sent_version = false;
        if let (true, Some(headers)) = (same_format, fwd.headers) {
            for name in FORWARDED_HEADERS {
                for value in headers.get_all(name) {
                    client_sent_version |= name == "anthropic-version";
                    rb = rb.header(name, value);
                }
            }
        }
        if !client_sent_version {
            rb = rb.header("anthropic-version", settings.anthropic_version.as_str());
        }
        rb
    }
}
