//! The config file as written: parsed strictly (unknown keys are errors), then validated
//! into [`super::Config`].

use serde::Deserialize;
use std::collections::BTreeMap;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    #[serde(default)]
    pub server: RawServer,
    #[serde(default)]
    pub providers: BTreeMap<String, RawProvider>,
    #[serde(default)]
    pub models: BTreeMap<String, RawModel>,
    #[serde(default)]
    pub routers: BTreeMap<String, super::routers::RawRouter>,
    #[serde(default)]
    pub resilience: RawResilience,
    #[serde(default)]
    pub analytics: switchyard_analytics::AnalyticsConfig,
    pub telemetry: Option<RawTelemetry>,
    #[serde(default)]
    pub code: super::code::RawCode,
    #[serde(default)]
    pub repositories: BTreeMap<String, super::repositories::RawRepository>,
    pub cache: Option<RawCache>,
}

/// `[cache]`: the response cache.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCache {
    pub enabled: Option<bool>,
    pub semantic: Option<bool>,
    pub embedder: Option<String>,
    pub models_dir: Option<String>,
    pub ttl_secs: Option<u64>,
    pub threshold: Option<f64>,
    pub max_read_temperature: Option<f64>,
    pub max_entries: Option<u64>,
    pub max_bytes: Option<u64>,
    pub embed_wait_ms: Option<u64>,
    pub redis_url: Option<String>,
    pub redis_prefix: Option<String>,
    pub redis_timeout_ms: Option<u64>,
}

/// `[models.ALIAS.cache]`: the alias's cache policy over `[cache]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAliasCache {
    pub enabled: Option<bool>,
    pub semantic: Option<bool>,
    pub ttl_secs: Option<u64>,
    pub threshold: Option<f64>,
}

/// `[telemetry]`: OpenTelemetry traces over OTLP/HTTP.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTelemetry {
    pub otlp_endpoint: Option<String>,
    pub service_name: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub sample_ratio: Option<f64>,
    pub flush_interval_ms: Option<u64>,
}

/// `[resilience]`: defaults for every alias.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawResilience {
    pub max_attempts: Option<u32>,
    pub time_budget_ms: Option<u64>,
    pub backoff_base_ms: Option<u64>,
    pub backoff_max_ms: Option<u64>,
    pub breaker_consecutive_failures: Option<u32>,
    pub breaker_error_rate: Option<f64>,
    pub breaker_window: Option<u32>,
    pub breaker_min_requests: Option<u32>,
    pub breaker_cooldown_ms: Option<u64>,
}

/// `[server]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawServer {
    pub listen: Option<String>,
    #[serde(default)]
    pub api_keys: Vec<String>,
    #[serde(default)]
    pub allow_unauthenticated: bool,
    pub max_body_bytes: Option<u64>,
    /// Provider that serves model names which are not aliases (the name goes upstream as is).
    pub default_provider: Option<String>,
    pub shutdown_grace_ms: Option<u64>,
    /// Silence after which a relayed stream gets a `: keep-alive` comment.
    pub stream_keepalive_ms: Option<u64>,
    pub admin_key: Option<String>,
    pub header_read_timeout_ms: Option<u64>,
    pub body_idle_timeout_ms: Option<u64>,
    pub max_connections: Option<u64>,
    pub count_tokens_max_body_bytes: Option<u64>,
    pub access_log: Option<bool>,
}

/// `[providers.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProvider {
    pub kind: String,
    pub base_url: Option<String>,
    pub api_key: Option<String>,
    pub api_version: Option<String>,
    pub anthropic_version: Option<String>,
    /// `native` or `translate` (OpenAI providers only).
    pub responses: Option<String>,
    /// `completions`, `mistral` or `chat` (OpenAI providers only).
    pub fim: Option<String>,
    pub default_max_tokens: Option<u32>,
    pub connect_timeout_ms: Option<u64>,
    pub first_byte_timeout_ms: Option<u64>,
    pub total_timeout_ms: Option<u64>,
    pub stream_idle_timeout_ms: Option<u64>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// `[models.ALIAS]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawModel {
    pub deployments: Vec<RawDeployment>,
    pub strategy: Option<String>,
    #[serde(default)]
    pub fallbacks: Vec<String>,
    #[serde(default)]
    pub context_window_fallbacks: Vec<String>,
    #[serde(default)]
    pub content_policy_fallbacks: Vec<String>,
    pub max_attempts: Option<u32>,
    pub time_budget_ms: Option<u64>,
    pub retry_on: Option<Vec<u16>>,
    #[serde(default)]
    pub retry_client_errors: bool,
    pub first_byte_timeout_ms: Option<u64>,
    pub total_timeout_ms: Option<u64>,
    pub stream_idle_timeout_ms: Option<u64>,
    pub cache: Option<RawAliasCache>,
}

/// One entry of `deployments`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDeployment {
    pub provider: String,
    pub model: String,
    pub input_cost_per_mtok: Option<f64>,
    pub output_cost_per_mtok: Option<f64>,
    pub cached_input_cost_per_mtok: Option<f64>,
    pub weight: Option<u32>,
    pub first_byte_timeout_ms: Option<u64>,
    pub total_timeout_ms: Option<u64>,
    pub stream_idle_timeout_ms: Option<u64>,
}
