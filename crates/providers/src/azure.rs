//! Azure OpenAI: per-deployment URLs, `api-version`, and the `api-key` header. The wire
//! format is OpenAI's; the deployment name takes the place of the model.

use crate::{http, ProviderError, ProviderSettings};
use switchyard_protocol::{openai, ChatRequest};

/// An Azure OpenAI resource. `base_url` is the resource endpoint, e.g.
/// `https://my-resource.openai.azure.com`; a deployment's `model` is the Azure deployment
/// name.
#[derive(Debug)]
pub struct AzureProvider {
    client: reqwest::Client,
}

impl AzureProvider {
    pub(crate) fn new(settings: &ProviderSettings) -> Result<Self, String> {
        Ok(Self {
            client: http::build_client(settings)?,
        })
    }

    fn post(
        &self,
        settings: &ProviderSettings,
        deployment: &str,
        operation: &str,
        body: Vec<u8>,
    ) -> reqwest::RequestBuilder {
        let url = format!(
            "{}/openai/deployments/{deployment}/{operation}",
            settings.base_url
        );
        let mut rb = http::json_post(&self.client, settings, url.as_str(), body)
            .query(&[("api-version", settings.api_version.as_str())]);
        if let Some(key) = &settings.api_key {
            rb = rb.header("api-key", key);
        }
        rb
    }

    pub(crate) fn chat_request(
        &self,
        settings: &ProviderSettings,
        req: &ChatRequest,
        deployment: &str,
    ) -> Result<reqwest::RequestBuilder, ProviderError> {
        let body =
            openai::encode_request(req, deployment).map_err(|e| http::encode_error(settings, e))?;
        Ok(self.post(settings, deployment, "chat/completions", body))
    }

    pub(crate) fn embeddings_request(
        &self,
        settings: &ProviderSettings,
        deployment: &str,
        body: Vec<u8>,
    ) -> reqwest::RequestBuilder {
        self.post(settings, deployment, "embeddings", body)
    }
}
