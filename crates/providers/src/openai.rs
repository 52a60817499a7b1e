//! OpenAI chat completions, and every OpenAI-compatible server (vLLM, Ollama, LM Studio,
//! Groq, Together, DeepSeek, Mistral, OpenRouter) through `base_url`.

use crate::{http, ProviderError, ProviderSettings, ResponsesMode};
use switchyard_protocol::{openai, responses, ChatRequest, WireFormat};

/// An OpenAI-compatible upstream.
#[derive(Debug)]
pub struct OpenAiProvider {
    client: reqwest::Client,
    // Parsed once: parsing (with IDNA processing) per request shows up in profiles.
    chat_url: reqwest::Url,
    responses_url: reqwest::Url,
    embeddings_url: reqwest::Url,
}

/// Whether `req` goes to this provider's `/responses` instead of `/chat/completions`: a
/// Responses client's request, to an upstream that speaks the Responses API.
pub(crate) fn speaks_responses(settings: &ProviderSettings, req: &ChatRequest) -> bool {
    req.source == WireFormat::OpenAiResponses && settings.responses == ResponsesMode::Native
}

impl OpenAiProvider {
    pub(crate) fn new(settings: &ProviderSettings) -> Result<Self, String> {
        Ok(Self {
            client: http::build_client(settings)?,
            chat_url: http::parse_url(settings, "/chat/completions")?,
            responses_url: http::parse_url(settings, "/responses")?,
            embeddings_url: http::parse_url(settings, "/embeddings")?,
        })
    }

    fn post(
        &self,
        settings: &ProviderSettings,
        url: &reqwest::Url,
        body: Vec<u8>,
    ) -> reqwest::RequestBuilder {
        let mut rb = http::json_post(&self.client, settings, url.clone(), body);
        if let Some(key) = &settings.api_key {
            rb = rb.bearer_auth(key);
        }
        rb
    }

    pub(crate) fn chat_request(
        &self,
        settings: &ProviderSettings,
        req: &ChatRequest,
        model: &str,
    ) -> Result<reqwest::RequestBuilder, ProviderError> {
        if speaks_responses(settings, req) {
            let body = responses::encode_request(req, model)
                .map_err(|e| http::encode_error(settings, e))?;
            return Ok(self.post(settings, &self.responses_url, body));
        }
        let body =
            openai::encode_request(req, model).map_err(|e| http::encode_error(settings, e))?;
        Ok(self.post(settings, &self.chat_url, body))
    }

    pub(crate) fn embeddings_request(
        &self,
        settings: &ProviderSettings,
        body: Vec<u8>,
    ) -> reqwest::RequestBuilder {
        self.post(settings, &self.embeddings_url, body)
    }
}
