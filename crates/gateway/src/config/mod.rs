//! Configuration: a TOML file parsed strictly ([`raw`]), `${VAR}`-interpolated, then
//! validated into [`Config`], whose every reference is known to resolve. Errors name the
//! file, the key and the problem.

mod cache;
mod code;
mod embedded;
mod env;
mod limits;
mod raw;
mod repositories;
mod resilience;
mod routers;
mod telemetry;

pub use cache::{
    AliasCachePolicy, CacheConfig, EffectiveCachePolicy, EmbedderChoice, DEFAULT_CACHE_TTL,
};
pub use code::CodeConfig;
pub use embedded::{demo_config, environment_config};
pub use limits::ServerLimits;
pub use repositories::{
    RepositoryConfig, RepositoryEmbedder, DEFAULT_REFRESH_INTERVAL, INDEX_DIR_NAME,
};
pub use resilience::{ResilienceConfig, RoutePolicy, Strategy, DEFAULT_RETRY_ON};
pub use routers::RouterConfig;
pub use telemetry::TelemetryConfig;

use raw::{RawConfig, RawProvider};
use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};
use switchyard_analytics::AnalyticsConfig;
use switchyard_providers::{FimMode, ProviderKind, ProviderSettings, ResponsesMode, Timeouts};

/// Where the gateway listens when nothing says otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4000";
/// Default time in-flight requests get to finish on shutdown.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// Default silence after which a relayed stream gets a keep-alive comment: well under the
/// 300 s after which Codex CLI gives up on a stream, and under common proxy idle limits.
pub const DEFAULT_STREAM_KEEPALIVE: Duration = Duration::from_secs(15);
/// Default request body limit: large enough for a coding agent's whole context.
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// A config problem, naming where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {key}{sep}{message}", sep = if key.is_empty() { "" } else { ": " })]
pub struct ConfigError {
    /// The file (or "environment" / "built-in demo config").
    pub origin: String,
    /// The key path, e.g. `models.fast.deployments[0].provider`; empty for file-level errors.
    pub key: String,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
}

/// A validated gateway configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it came from, for messages.
    pub origin: String,
    /// `[server]`.
    pub server: ServerConfig,
    /// Upstream providers, in name order.
    pub providers: Vec<ProviderSettings>,
    /// Model aliases clients may send as `model`, in name order.
    pub models: Vec<ModelConfig>,
    /// Which provider serves model names that are not aliases, by name prefix (first match
    /// wins; an empty prefix matches everything).
    pub passthrough: Vec<PassthroughRule>,
    /// Routers clients may send as `model` (`[routers.NAME]`), in name order.
    pub routers: Vec<RouterConfig>,
    /// Failover defaults and circuit breakers.
    pub resilience: ResilienceConfig,
    /// Request events, their store, prices and dashboard.
    pub analytics: AnalyticsConfig,
    /// `[telemetry]`: OTLP trace export; `None` when no endpoint is configured.
    pub telemetry: Option<TelemetryConfig>,
    /// `[code]`: the code API's templates, validation modes and escalation.
    pub code: CodeConfig,
    /// `[repositories.NAME]`: repositories indexed for codebase context, in name order.
    pub repositories: Vec<RepositoryConfig>,
    /// `[cache]`: the response cache (off by default).
    pub cache: CacheConfig,
    /// Directory of the config file (relative analytics paths resolve against it).
    pub base_dir: Option<PathBuf>,
}

/// `[server]`, validated.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Listen address.
    pub listen: SocketAddr,
    /// Keys clients must present (Bearer or `x-api-key`); empty means no authentication.
    pub api_keys: Vec<String>,
    /// Explicit consent to serve a non-loopback address without keys.
    pub allow_unauthenticated: bool,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// On SIGTERM, how long in-flight requests may take to finish.
    pub shutdown_grace: Duration,
    /// Silence after which a relayed stream gets an SSE comment (`: keep-alive`), so that
    /// clients and proxies do not give up on a slow upstream.
    pub stream_keepalive: Duration,
    /// Key for the dashboard, analytics API, metrics and admin endpoints; when unset they
    /// take the client keys (or are open when there are none).
    pub admin_key: Option<String>,
    /// Slow-client timeouts, the connection cap and the `count_tokens` body limit.
    pub limits: ServerLimits,
    /// Whether every request gets an access log line (`server.access_log`, default on):
    /// method, path, status, alias, provider, attempts, duration and a 4xx's reason.
    pub access_log: bool,
}

/// A model alias and the deployments that can serve it, in order of preference.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// The name clients send.
    pub alias: String,
    /// Where it can be served.
    pub deployments: Vec<DeploymentConfig>,
    /// Strategy, fallbacks, retries and timeouts.
    pub policy: RoutePolicy,
}

/// One place an alias can be served.
#[derive(Debug, Clone)]
pub struct DeploymentConfig {
    /// Provider name (known to exist).
    pub provider: String,
    /// Upstream model name (Azure: deployment name).
    pub model: String,
    /// USD per million tokens, when configured.
    pub price: Price,
    /// Share of traffic under the `weighted` strategy.
    pub weight: u32,
    /// Timeout overrides (over the alias's, over the provider's).
    pub timeouts: Timeouts,
}

/// Prices of one deployment, USD per million tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Price {
    /// Prompt tokens.
    pub input_per_mtok: Option<f64>,
    /// Generated tokens.
    pub output_per_mtok: Option<f64>,
    /// Prompt tokens read from the provider's cache.
    pub cached_input_per_mtok: Option<f64>,
}

/// Model names starting with `prefix` that are not aliases go to `provider` unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassthroughRule {
    /// Name prefix ("" matches all).
    pub prefix: String,
    /// Provider name.
    pub provider: String,
}

impl Config {
    /// Reads and validates a config file, interpolating `${VAR}` from the environment.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            origin: origin.clone(),
            key: String::new(),
            message: format!("cannot read config file: {e}"),
        })?;
        let mut config = Self::parse(&text, &origin, &|name| std::env::var(name).ok())?;
        config.base_dir = path.parent().map(Path::to_path_buf);
        Ok(config)
    }

    /// Parses and validates config text; `lookup` resolves `${VAR}` references.
    pub fn parse(
        text: &str,
        origin: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError {
            origin: origin.to_owned(),
            key: String::new(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        Validator { origin, lookup }.config(raw)
    }

    /// Refuses to expose an unauthenticated gateway beyond this machine.
    pub fn check_exposure(&self, listen: SocketAddr) -> Result<(), ConfigError> {
        let s = &self.server;
        if listen.ip().is_loopback() || !s.api_keys.is_empty() || s.allow_unauthenticated {
            return Ok(());
        }
        Err(ConfigError {
            origin: self.origin.clone(),
            key: "server.api_keys".into(),
            message: format!(
                "refusing to serve {listen} without authentication: anyone who can reach it \
                 could spend your provider credit. Set `api_keys = [\"${{SWITCHYARD_KEY}}\"]` \
                 under [server] (clients then send `Authorization: Bearer <key>` or \
                 `x-api-key`), or opt out explicitly with `allow_unauthenticated = true`"
            ),
        })
    }
}

pub(crate) struct Validator<'a> {
    origin: &'a str,
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl Validator<'_> {
    fn err(&self, key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            origin: self.origin.to_owned(),
            key: key.into(),
            message: message.into(),
        }
    }

    fn interpolate(&self, key: &str, value: &str) -> Result<String, ConfigError> {
        env::interpolate(value, self.lookup).map_err(|m| self.err(key, m))
    }

    fn config(&self, mut raw: RawConfig) -> Result<Config, ConfigError> {
        let listen_text = match &raw.server.listen {
            Some(l) => self.interpolate("server.listen", l)?,
            None => DEFAULT_LISTEN.to_owned(),
        };
        let listen: SocketAddr = listen_text.parse().map_err(|_| {
            self.err(
                "server.listen",
                format!("`{listen_text}` is not an address like 127.0.0.1:4000"),
            )
        })?;
        let mut api_keys = Vec::new();
        for (i, key) in raw.server.api_keys.iter().enumerate() {
            let k = self.interpolate(&format!("server.api_keys[{i}]"), key)?;
            if k.len() < 8 {
                return Err(self.err(
                    format!("server.api_keys[{i}]"),
                    "a client key must be at least 8 characters",
                ));
            }
            api_keys.push(k);
        }
        let max_body_bytes = match raw.server.max_body_bytes {
            None => DEFAULT_MAX_BODY_BYTES,
            Some(0) => return Err(self.err("server.max_body_bytes", "must be greater than 0")),
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        };
        let limits = ServerLimits::from_raw(&raw.server, max_body_bytes)
            .map_err(|(key, problem)| self.err(key, problem))?;
        let mut providers = Vec::with_capacity(raw.providers.len());
        for (name, p) in &raw.providers {
            providers.push(self.provider(name, p)?);
        }
        let known = |name: &str| providers.iter().any(|p| *p.name == *name);
        let known_list = || {
            let names: Vec<&str> = providers.iter().map(|p| &*p.name).collect();
            if names.is_empty() {
                "no providers are configured".to_owned()
            } else {
                format!("known: {}", names.join(", "))
            }
        };
        let resilience = self.resilience(&raw.resilience)?;
        let mut analytics = raw.analytics.clone();
        if let Some(db) = &analytics.database {
            analytics.database = Some(self.interpolate("analytics.database", db)?);
        }
        analytics.validate().map_err(|m| {
            let (key, message) = m.split_once(": ").unwrap_or(("analytics", &m));
            self.err(key, message)
        })?;
        let telemetry = self.telemetry(raw.telemetry.as_ref())?;
        let alias_caches: BTreeMap<String, Option<raw::RawAliasCache>> = raw
            .models
            .iter_mut()
            .map(|(alias, m)| (alias.clone(), m.cache.take()))
            .collect();
        let cache = self.cache(raw.cache.as_ref(), &alias_caches)?;
        let admin_key = match &raw.server.admin_key {
            None => None,
            Some(k) => {
                let k = self.interpolate("server.admin_key", k)?;
                if k.len() < 8 {
                    return Err(self.err(
                        "server.admin_key",
                        "the admin key must be at least 8 characters",
                    ));
                }
                Some(k)
            }
        };
        let mut policies = BTreeMap::new();
        for (alias, m) in &raw.models {
            policies.insert(
                alias.clone(),
                self.route_policy(&format!("models.{alias}"), m)?,
            );
        }
        self.fallback_graph(&policies)?;
        let mut models = Vec::with_capacity(raw.models.len());
        for (alias, m) in raw.models {
            let key = format!("models.{alias}");
            let policy = policies.remove(&alias).unwrap_or_default();
            if m.deployments.is_empty() {
                return Err(self.err(
                    format!("{key}.deployments"),
                    "an alias needs at least one deployment",
                ));
            }
            let mut deployments = Vec::with_capacity(m.deployments.len());
            for (i, d) in m.deployments.into_iter().enumerate() {
                let dkey = format!("{key}.deployments[{i}]");
                if !known(&d.provider) {
                    return Err(self.err(
                        format!("{dkey}.provider"),
                        format!("unknown provider `{}` ({})", d.provider, known_list()),
                    ));
                }
                if d.model.trim().is_empty() {
                    return Err(self.err(format!("{dkey}.model"), "must not be empty"));
                }
                let price = Price {
                    input_per_mtok: self.cost(
                        &dkey,
                        "input_cost_per_mtok",
                        d.input_cost_per_mtok,
                    )?,
                    output_per_mtok: self.cost(
                        &dkey,
                        "output_cost_per_mtok",
                        d.output_cost_per_mtok,
                    )?,
                    cached_input_per_mtok: self.cost(
                        &dkey,
                        "cached_input_cost_per_mtok",
                        d.cached_input_cost_per_mtok,
                    )?,
                };
                if d.weight == Some(0) {
                    return Err(self.err(format!("{dkey}.weight"), "must be at least 1"));
                }
                let timeouts = self.timeouts(
                    &dkey,
                    d.first_byte_timeout_ms,
                    d.total_timeout_ms,
                    d.stream_idle_timeout_ms,
                )?;
                deployments.push(DeploymentConfig {
                    provider: d.provider,
                    model: d.model,
                    price,
                    weight: d.weight.unwrap_or(1),
                    timeouts,
                });
            }
            models.push(ModelConfig {
                alias,
                deployments,
                policy,
            });
        }
        let mut passthrough = Vec::new();
        if let Some(p) = raw.server.default_provider {
            if !known(&p) {
                return Err(self.err(
                    "server.default_provider",
                    format!("unknown provider `{p}` ({})", known_list()),
                ));
            }
            passthrough.push(PassthroughRule {
                prefix: String::new(),
                provider: p,
            });
        }
        let alias_names: Vec<&str> = models.iter().map(|m| m.alias.as_str()).collect();
        let routers = self.routers(raw.routers, &alias_names, &api_keys)?;
        let code = self.code(raw.code, &alias_names)?;
        let repositories = self.repositories(raw.repositories)?;
        Ok(Config {
            origin: self.origin.to_owned(),
            server: ServerConfig {
                listen,
                api_keys,
                allow_unauthenticated: raw.server.allow_unauthenticated,
                max_body_bytes,
                shutdown_grace: match raw.server.shutdown_grace_ms {
                    Some(ms) => Duration::from_millis(ms),
                    None => DEFAULT_SHUTDOWN_GRACE,
                },
                stream_keepalive: match raw.server.stream_keepalive_ms {
                    Some(0) => {
                        return Err(self.err("server.stream_keepalive_ms", "must be at least 1 ms"))
                    }
                    Some(ms) => Duration::from_millis(ms),
                    None => DEFAULT_STREAM_KEEPALIVE,
                },
                admin_key,
                limits,
                access_log: raw.server.access_log.unwrap_or(true),
            },
            providers,
            models,
            passthrough,
            routers,
            resilience,
            analytics,
            telemetry,
            code,
            repositories,
            cache,
            base_dir: None,
        })
    }

    fn cost(&self, dkey: &str, field: &str, v: Option<f64>) -> Result<Option<f64>, ConfigError> {
        match v {
            Some(c) if !c.is_finite() || c < 0.0 => Err(self.err(
                format!("{dkey}.{field}"),
                "must be a non-negative number of USD per million tokens",
            )),
            other => Ok(other),
        }
    }

    fn provider(&self, name: &str, p: &RawProvider) -> Result<ProviderSettings, ConfigError> {
        let key = format!("providers.{name}");
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(self.err(
                &key,
                "provider names may use letters, digits, '-', '_' and '.' only",
            ));
        }
        let kind = ProviderKind::parse(&p.kind).ok_or_else(|| {
            self.err(
                format!("{key}.kind"),
                format!(
                    "unknown provider kind `{}` (expected openai, azure, anthropic or gemini)",
                    p.kind
                ),
            )
        })?;
        let base_url =
            match (&p.base_url, kind.default_base_url()) {
                (Some(u), _) => self.interpolate(&format!("{key}.base_url"), u)?,
                (None, Some(d)) => d.to_owned(),
                (None, None) => return Err(self.err(
                    format!("{key}.base_url"),
                    "required for azure: the resource endpoint, e.g. https://NAME.openai.azure.com",
                )),
            };
        check_url(&base_url).map_err(|m| self.err(format!("{key}.base_url"), m))?;
        let mut s = ProviderSettings::new(name, kind, base_url);
        if let Some(k) = &p.api_key {
            s.api_key = Some(self.interpolate(&format!("{key}.api_key"), k)?);
        }
        if let Some(v) = &p.api_version {
            s.api_version = self.interpolate(&format!("{key}.api_version"), v)?;
        }
        if let Some(v) = &p.anthropic_version {
            s.anthropic_version = self.interpolate(&format!("{key}.anthropic_version"), v)?;
        }
        if let Some(v) = &p.responses {
            let field = format!("{key}.responses");
            if kind != ProviderKind::OpenAi {
                return Err(self.err(
                    field,
                    "only providers of kind `openai` have a Responses API setting",
                ));
            }
            s.responses = ResponsesMode::parse(v).ok_or_else(|| {
                self.err(
                    field,
                    format!("unknown value `{v}` (expected native or translate)"),
                )
            })?;
        }
        if let Some(v) = &p.fim {
            let field = format!("{key}.fim");
            if kind != ProviderKind::OpenAi {
                return Err(self.err(
                    field,
                    "only providers of kind `openai` have a native fill-in-the-middle setting",
                ));
            }
            s.fim = FimMode::parse(v).ok_or_else(|| {
                self.err(
                    field,
                    format!("unknown value `{v}` (expected completions, mistral or chat)"),
                )
            })?;
        }
        if let Some(n) = p.default_max_tokens {
            if n == 0 {
                return Err(self.err(format!("{key}.default_max_tokens"), "must be at least 1"));
            }
            s.default_max_tokens = n;
        }
        let ms = |field: &str, v: Option<u64>, current: Duration| match v {
            Some(0) => Err(self.err(format!("{key}.{field}"), "must be at least 1 ms")),
            Some(ms) => Ok(Duration::from_millis(ms)),
            None => Ok(current),
        };
        s.connect_timeout = ms(
            "connect_timeout_ms",
            p.connect_timeout_ms,
            s.connect_timeout,
        )?;
        s.first_byte_timeout = ms(
            "first_byte_timeout_ms",
            p.first_byte_timeout_ms,
            s.first_byte_timeout,
        )?;
        s.total_timeout = ms("total_timeout_ms", p.total_timeout_ms, s.total_timeout)?;
        s.stream_idle_timeout = ms(
            "stream_idle_timeout_ms",
            p.stream_idle_timeout_ms,
            s.stream_idle_timeout,
        )?;
        s.headers = self.headers(&key, &p.headers)?;
        Ok(s)
    }

    fn headers(
        &self,
        key: &str,
        headers: &BTreeMap<String, String>,
    ) -> Result<Vec<(String, String)>, ConfigError> {
        let mut out = Vec::with_capacity(headers.len());
        for (name, value) in headers {
            let hkey = format!("{key}.headers.{name}");
            if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(self.err(hkey, "not a valid HTTP header name"));
            }
            let v = self.interpolate(&hkey, value)?;
            if http::HeaderValue::from_str(&v).is_err() {
                return Err(self.err(hkey, "not a valid HTTP header value"));
            }
            out.push((name.clone(), v));
        }
        Ok(out)
    }
}

/// An absolute http(s) URL with a host.
fn check_url(u: &str) -> Result<(), String> {
    let parsed = url::Url::parse(u).map_err(|e| format!("`{u}` is not a valid URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("`{u}` must start with http:// or https://"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{u}` has no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("`{u}` must not contain a query or fragment"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
