//! The configuration `switchyard serve` uses when no config file is given: real providers
//! from the usual environment variables, or, when none is set, simulated ones.

use super::{
    Config, DeploymentConfig, ModelConfig, PassthroughRule, Price, ResilienceConfig, RoutePolicy,
    ServerConfig, DEFAULT_MAX_BODY_BYTES, DEFAULT_SHUTDOWN_GRACE, DEFAULT_STREAM_KEEPALIVE,
};
use std::net::SocketAddr;
use switchyard_analytics::AnalyticsConfig;
use switchyard_providers::{ProviderKind, ProviderSettings};

/// Environment variables read for each real provider: (kind, name, key variable(s), base URL
/// variable).
const ENV_PROVIDERS: [(ProviderKind, &str, &[&str], &str); 3] = [
    (
        ProviderKind::OpenAi,
        "openai",
        &["OPENAI_API_KEY"],
        "OPENAI_BASE_URL",
    ),
    (
        ProviderKind::Anthropic,
        "anthropic",
        &["ANTHROPIC_API_KEY"],
        "ANTHROPIC_BASE_URL",
    ),
    (
        ProviderKind::Gemini,
        "gemini",
        &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
        "GEMINI_BASE_URL",
    ),
];

fn server(listen: SocketAddr, lookup: &dyn Fn(&str) -> Option<String>) -> ServerConfig {
    ServerConfig {
        listen,
        api_keys: lookup("SWITCHYARD_API_KEY")
            .filter(|k| !k.is_empty())
            .into_iter()
            .collect(),
        allow_unauthenticated: false,
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
        stream_keepalive: DEFAULT_STREAM_KEEPALIVE,
        admin_key: lookup("SWITCHYARD_ADMIN_KEY").filter(|k| !k.is_empty()),
        limits: super::ServerLimits::default(),
        access_log: true,
    }
}

/// Model names go to the provider of their family; anything else to an OpenAI-kind
/// provider if there is one, else the first.
fn passthrough(providers: &[ProviderSettings]) -> Vec<PassthroughRule> {
    let mut rules = Vec::new();
    for (prefix, kind) in [
        ("claude", ProviderKind::Anthropic),
        ("gemini", ProviderKind::Gemini),
        ("gpt", ProviderKind::OpenAi),
        ("o1", ProviderKind::OpenAi),
        ("o3", ProviderKind::OpenAi),
        ("o4", ProviderKind::OpenAi),
        ("text-embedding", ProviderKind::OpenAi),
    ] {
        if let Some(p) = providers.iter().find(|p| p.kind == kind) {
            rules.push(PassthroughRule {
                prefix: prefix.to_owned(),
                provider: p.name.to_string(),
            });
        }
    }
    let catch_all = providers
        .iter()
        .find(|p| p.kind == ProviderKind::OpenAi)
        .or(providers.first());
    if let Some(p) = catch_all {
        rules.push(PassthroughRule {
            prefix: String::new(),
            provider: p.name.to_string(),
        });
    }
    rules
}

/// Real providers from `OPENAI_API_KEY`, `ANTHROPIC_API_KEY` and `GEMINI_API_KEY` (base URLs
/// overridable by `OPENAI_BASE_URL` etc.), or `None` when none is set. Clients send real
/// model names (`gpt-4o-mini`, `claude-sonnet-4-5`, `gemini-2.5-flash`), which go to the
/// provider of their family. `SWITCHYARD_API_KEY`, when set, is required from clients.
pub fn environment_config(
    listen: SocketAddr,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Option<Config> {
    let mut providers = Vec::new();
    for (kind, name, key_vars, url_var) in ENV_PROVIDERS {
        let Some(key) = key_vars
            .iter()
            .find_map(|v| lookup(v).filter(|k| !k.is_empty()))
        else {
            continue;
        };
        let base = lookup(url_var)
            .filter(|u| !u.is_empty())
            .or_else(|| kind.default_base_url().map(str::to_owned))?;
        let mut s = ProviderSettings::new(name, kind, base);
        s.api_key = Some(key);
        providers.push(s);
    }
    if providers.is_empty() {
        return None;
    }
    Some(Config {
        origin: "environment".into(),
        server: server(listen, lookup),
        passthrough: passthrough(&providers),
        providers,
        models: Vec::new(),
        routers: Vec::new(),
        resilience: ResilienceConfig::default(),
        // Events persist in `switchyard-analytics.db` in the working directory.
        analytics: AnalyticsConfig::default(),
        telemetry: None,
        code: super::CodeConfig::default(),
        repositories: Vec::new(),
        cache: Default::default(),
        base_dir: None,
    })
}

/// Simulated providers served by the in-process mock at `mock_url`, so that a newcomer sees
/// every part of the gateway work without a key. Their names start with `simulated-`, which
/// is what `x-switchyard-provider` shows.
pub fn demo_config(listen: SocketAddr, mock_url: &str) -> Config {
    let sim = |name: &str, kind: ProviderKind, base: String| {
        let mut s = ProviderSettings::new(name, kind, base);
        s.simulated = true;
        s
    };
    let providers = vec![
        sim(
            "simulated-anthropic",
            ProviderKind::Anthropic,
            mock_url.to_owned(),
        ),
        sim(
            "simulated-gemini",
            ProviderKind::Gemini,
            mock_url.to_owned(),
        ),
        sim(
            "simulated-openai",
            ProviderKind::OpenAi,
            format!("{mock_url}/v1"),
        ),
    ];
    let alias = |alias: &str, deployments: &[(&str, &str, f64, f64)]| ModelConfig {
        alias: alias.to_owned(),
        deployments: deployments
            .iter()
            .map(|(provider, model, input, output)| DeploymentConfig {
                provider: (*provider).to_owned(),
                model: (*model).to_owned(),
                price: Price {
                    input_per_mtok: Some(*input),
                    output_per_mtok: Some(*output),
                    cached_input_per_mtok: None,
                },
                weight: 1,
                timeouts: Default::default(),
            })
            .collect(),
        policy: RoutePolicy {
            retry_on: super::DEFAULT_RETRY_ON.to_vec(),
            ..RoutePolicy::default()
        },
    };
    let models = vec![
        alias(
            "coder",
            &[
                ("simulated-openai", "gpt-4o-mini", 0.15, 0.60),
                ("simulated-anthropic", "claude-haiku-4-5", 1.0, 5.0),
            ],
        ),
        alias(
            "fast",
            &[("simulated-gemini", "gemini-2.5-flash", 0.30, 2.50)],
        ),
        alias(
            "smart",
            &[("simulated-anthropic", "claude-sonnet-4-5", 3.0, 15.0)],
        ),
    ];
    Config {
        origin: "built-in demo config".into(),
        server: server(listen, &|name| std::env::var(name).ok()),
        passthrough: passthrough(&providers),
        providers,
        models,
        // `model: "auto"`: the complexity router between the cheap and the strong alias.
        routers: vec![super::RouterConfig {
            name: "auto".into(),
            tiers: vec![
                ("simple".into(), "fast".into()),
                ("complex".into(), "smart".into()),
            ],
            thresholds: switchyard_router::Router::default_thresholds(2),
            rules: Vec::new(),
        }],
        resilience: ResilienceConfig::default(),
        // Simulated traffic is kept in memory: the dashboard works, nothing is written.
        analytics: AnalyticsConfig {
            database: Some(":memory:".into()),
            ..AnalyticsConfig::default()
        },
        telemetry: None,
        code: super::CodeConfig::default(),
        repositories: Vec::new(),
        cache: Default::default(),
        base_dir: None,
    }
}
