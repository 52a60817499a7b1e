//! Google Gemini: `models/{model}:generateContent` and `:streamGenerateContent?alt=sse`,
//! authenticated with the `x-goog-api-key` header (never a `?key=` query, which would put
//! the key in URLs and logs).

use crate::{http, ProviderError, ProviderSettings};
use switchyard_protocol::{gemini, ChatRequest};

/// A Gemini upstream.
#[derive(Debug)]
pub struct GeminiProvider {
    client: reqwest::Client,
}

impl GeminiProvider {
    pub(crate) fn new(settings: &ProviderSettings) -> Result<Self, String> {
        Ok(Self {
            client: http::build_client(settings)?,
        })
    }

    pub(crate) fn chat_request(
        &self,
        settings: &ProviderSettings,
        req: &ChatRequest,
        model: &str,
    ) -> Result<reqwest::RequestBuilder, ProviderError> {
        let body =
            gemini::encode_request(req, model).map_err(|e| http::encode_error(settings, e))?;
        let url = if req.stream {
            format!(
                "{}/v1beta/models/{model}:streamGenerateContent?alt=sse",
                settings.base_url
            )
        } else {
            format!(
                "{}/v1beta/models/{model}:generateContent",
                settings.base_url
            )
        };
        let mut rb = http::json_post(&self.client, settings, url.as_str(), body);
        if let Some(key) = &settings.api_key {
            rb = rb.header("x-goog-api-key", key);
        }
        Ok(rb)
    }
}
