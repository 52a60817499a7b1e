//! What every request shares: providers with their pools, the alias table, and the health
//! of every deployment.

use crate::config::{CacheConfig, EmbedderChoice};
use crate::{
    access_log::AccessLogWriter,
    config::{Config, Price, RoutePolicy},
    resilience::DeploymentHealth,
    telemetry::Telemetry,
};
use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};
use switchyard_analytics::{Analytics, ModelPrice, PriceTable};
use switchyard_cache::{
    embed::{BuiltinEmbedder, Embedder, ModelFiles, NeuralEmbedder, SETUP_HINT},
    CacheSettings, ResponseCache, SemanticSettings, SharedSettings,
};
use switchyard_codeintel::PromptTemplates;
use switchyard_providers::{Provider, Timeouts};
use switchyard_router::{Model, Router, Tier};

/// One place a request can be served: a provider and its upstream model.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// Index into [`AppState::providers`].
    pub provider: usize,
    /// Upstream model name.
    pub model: Arc<str>,
    /// Configured prices.
    pub price: Price,
    /// Share of traffic under the `weighted` strategy.
    pub weight: u32,
    /// Timeout overrides (the deployment's, else the alias's).
    pub timeouts: Timeouts,
    /// Breaker, cool-down, load and latency; shared by every alias that uses the same
    /// provider and model.
    pub health: Arc<DeploymentHealth>,
}

/// A resolved model alias.
#[derive(Debug)]
pub struct ModelRoute {
    /// The alias (or, for pass-through names, the name itself).
    pub alias: Arc<str>,
    /// Deployments, in config order.
    pub deployments: Vec<Deployment>,
    /// Strategy, fallbacks, retries and timeouts.
    pub policy: RoutePolicy,
}

/// One deployment in the health report.
#[derive(Debug)]
pub struct DeploymentReport {
    /// Provider index.
    pub provider: usize,
    /// Upstream model.
    pub model: Arc<str>,
    /// Aliases using it.
    pub aliases: Vec<Arc<str>>,
    /// Its health.
    pub health: Arc<DeploymentHealth>,
}

/// Most deployments whose health is shared and reported (config aliases plus pass-through
/// names as they are first used).
pub const MAX_TRACKED_DEPLOYMENTS: usize = 4096;

/// Health of every deployment, by (provider index, upstream model).
type HealthMap = HashMap<(usize, Arc<str>), Arc<DeploymentHealth>>;

/// Shared state of a running gateway.
#[derive(Debug)]
pub struct AppState {
    /// The validated config it was built from.
    pub config: Config,
    /// Upstreams, each with its own connection pool.
    pub providers: Vec<Provider>,
    /// Aliases by name.
    pub routes: HashMap<String, Arc<ModelRoute>>,
    /// (prefix, provider index) for names that are not aliases.
    pub passthrough: Vec<(String, usize)>,
    /// Routers by name (`[routers.NAME]`), each with its tiers' aliases and prices.
    pub routers: HashMap<String, Arc<Router>>,
    /// Deployment health; pass-through names add entries as they are first used.
    health: RwLock<HealthMap>,
    /// Request events, metrics and the dashboard's data.
    pub analytics: Analytics,
    /// Salted hashes of `server.api_keys`, by index (what analytics stores of a key).
    pub key_hashes: Vec<Arc<str>>,
    /// The OTLP trace exporter, when `[telemetry]` sets an endpoint.
    pub telemetry: Option<Telemetry>,
    /// The response cache, when `[cache]` (or an alias) enables it.
    pub cache: Option<ResponseCache>,
    /// The access log's writer, unless `server.access_log = false`.
    pub access_log: Option<AccessLogWriter>,
    /// The code API's prompt templates (built-in, with `[code] templates_dir` overrides).
    pub templates: PromptTemplates,
    /// Prices of the deployments, for the code API's `cost_usd`.
    pub prices: PriceTable,
    /// `[repositories.NAME]`, indexed in the background (`get` returns a repository once
    /// its index is open).
    pub repositories: Arc<crate::repositories::Repositories>,
}

impl AppState {
    /// Builds providers and the alias table, with analytics off. Fails only if a
    /// provider's HTTP client cannot be built (e.g. no TLS roots).
    pub fn new(config: Config) -> Result<Arc<Self>, String> {
        Self::with_analytics(config, Analytics::disabled())
    }

    /// The price table for `config`: built-in prices, with every deployment's configured
    /// prices on top.
    pub fn price_table(config: &Config) -> PriceTable {
        let mut table = PriceTable::builtin();
        for m in &config.models {
            for d in &m.deployments {
                if let (Some(input), Some(output)) =
                    (d.price.input_per_mtok, d.price.output_per_mtok)
                {
                    table.set_deployment_price(
                        &d.provider,
                        &d.model,
                        ModelPrice {
                            input,
                            output,
                            cached_input: d.price.cached_input_per_mtok,
                            cache_write: None,
                            reasoning: None,
                            long_context: None,
                        },
                    );
                }
            }
        }
        table
    }

    /// Builds the state with `analytics` recording every request, and the trace exporter
    /// when `[telemetry]` is configured (which needs a tokio runtime).
    pub fn with_analytics(config: Config, analytics: Analytics) -> Result<Arc<Self>, String> {
        let mut providers = Vec::with_capacity(config.providers.len());
        for settings in &config.providers {
            providers.push(Provider::new(settings.clone())?);
        }
        let index = |name: &str| {
            providers
                .iter()
                .position(|p| p.name() == name)
                .ok_or_else(|| format!("unknown provider `{name}`"))
        };
        let breaker = config.resilience.breaker;
        let mut health = HealthMap::new();
        let mut routes = HashMap::with_capacity(config.models.len());
        for m in &config.models {
            let mut deployments = Vec::with_capacity(m.deployments.len());
            for d in &m.deployments {
                let provider = index(&d.provider)?;
                let model: Arc<str> = Arc::from(d.model.as_str());
                let health = health
                    .entry((provider, model.clone()))
                    .or_insert_with(|| Arc::new(DeploymentHealth::new(breaker)))
                    .clone();
                deployments.push(Deployment {
                    provider,
                    model,
                    price: d.price,
                    weight: d.weight,
                    timeouts: d.timeouts.or(m.policy.timeouts),
                    health,
                });
            }
            let route = ModelRoute {
                alias: Arc::from(m.alias.as_str()),
                deployments,
                policy: m.policy.clone(),
            };
            routes.insert(m.alias.clone(), Arc::new(route));
        }
        let mut passthrough = Vec::with_capacity(config.passthrough.len());
        for rule in &config.passthrough {
            passthrough.push((rule.prefix.clone(), index(&rule.provider)?));
        }
        let routers = Self::routers_of(&config)?;
        let telemetry = match &config.telemetry {
            Some(t) => Some(Telemetry::start(t, &providers)?),
            None => None,
        };
        let key_hashes = config
            .server
            .api_keys
            .iter()
            .map(|k| Arc::from(analytics.hash_key(k)))
            .collect();
        let templates = Self::templates_of(&config)?;
        let prices = Self::price_table(&config);
        let repositories = crate::repositories::Repositories::start(&config)?;
        let cache = match config.cache.is_used() {
            true => Some(ResponseCache::new(&cache_settings(&config.cache)?)),
            false => None,
        };
        let access_log = if config.server.access_log {
            AccessLogWriter::start()
        } else {
            None
        };
        Ok(Arc::new(Self {
            cache,
            config,
            providers,
            routes,
            passthrough,
            routers,
            health: RwLock::new(health),
            analytics,
            key_hashes,
            telemetry,
            access_log,
            templates,
            prices,
            repositories,
        }))
    }

    /// The built-in prompt templates with the overrides of `[code] templates_dir` (a relative
    /// directory is the config file's).
    fn templates_of(config: &Config) -> Result<PromptTemplates, String> {
        let templates = match &config.code.templates_dir {
            None => PromptTemplates::builtin(),
            Some(dir) => {
                let dir = match &config.base_dir {
                    Some(base) if dir.is_relative() => base.join(dir),
                    _ => dir.clone(),
                };
                PromptTemplates::with_overrides(&dir)
            }
        };
        templates.map_err(|e| format!("code.templates_dir: {e}"))
    }

    /// The routers of `config` with the shipped classifier; each tier's price is its
    /// alias's first deployment's, as configured or else from the built-in price table
    /// (what the cost cap and `router eval` compare).
    pub fn routers_of(config: &Config) -> Result<HashMap<String, Arc<Router>>, String> {
        if config.routers.is_empty() {
            return Ok(HashMap::new());
        }
        let model = Arc::new(Model::shipped().map_err(|e| format!("router weights: {e}"))?);
        let prices = Self::price_table(config);
        switchyard_router::warm_up();
        let mut out = HashMap::with_capacity(config.routers.len());
        for r in &config.routers {
            let tiers = r
                .tiers
                .iter()
                .map(|(name, alias)| {
                    let price = config
                        .models
                        .iter()
                        .find(|m| m.alias == *alias)
                        .and_then(|m| m.deployments.first())
                        .and_then(|d| prices.lookup(Some(&d.provider), &d.model));
                    Tier {
                        name: Arc::from(name.as_str()),
                        alias: Arc::from(alias.as_str()),
                        input_per_mtok: price.map(|p| p.input),
                        output_per_mtok: price.map(|p| p.output),
                    }
                })
                .collect();
            let router = Router {
                name: Arc::from(r.name.as_str()),
                tiers,
                thresholds: r.thresholds.clone(),
                rules: r.rules.clone(),
                model: model.clone(),
            };
            out.insert(r.name.clone(), Arc::new(router));
        }
        Ok(out)
    }

    /// The provider at `index` (indexes come from this state, so they are valid).
    pub fn provider(&self, index: usize) -> Option<&Provider> {
        self.providers.get(index)
    }

    /// The health of (provider, model), created on first use. Pass-through names come from
    /// clients, so the shared table is bounded: past [`MAX_TRACKED_DEPLOYMENTS`] a new name
    /// gets a health of its own that is not remembered.
    pub fn health_of(&self, provider: usize, model: &Arc<str>) -> Arc<DeploymentHealth> {
        let key = (provider, model.clone());
        if let Some(h) = self
            .health
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
        {
            return h.clone();
        }
        let fresh = || Arc::new(DeploymentHealth::new(self.config.resilience.breaker));
        let mut map = self
            .health
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= MAX_TRACKED_DEPLOYMENTS && !map.contains_key(&key) {
            return fresh();
        }
        map.entry(key).or_insert_with(fresh).clone()
    }

    /// Every known deployment's health, with the aliases that use it.
    pub fn health_report(&self) -> Vec<DeploymentReport> {
        let map = self
            .health
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out: Vec<_> = map
            .iter()
            .map(|((provider, model), health)| {
                let mut aliases: Vec<Arc<str>> = self
                    .routes
                    .values()
                    .filter(|r| {
                        r.deployments
                            .iter()
                            .any(|d| d.provider == *provider && d.model == *model)
                    })
                    .map(|r| r.alias.clone())
                    .collect();
                aliases.sort();
                DeploymentReport {
                    provider: *provider,
                    model: model.clone(),
                    aliases,
                    health: health.clone(),
                }
            })
            .collect();
        out.sort_by(|a, b| (a.provider, &a.model).cmp(&(b.provider, &b.model)));
        out
    }
}

/// The response cache's settings for `[cache]`; the embedder it can run.
fn cache_settings(config: &CacheConfig) -> Result<CacheSettings, String> {
    let semantic = if config.semantic_used() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let embedder = embedder(config, neural_sessions(cores))?;
        Some(SemanticSettings {
            // As many embeddings at once as the embedder runs in parallel (a neural session
            // runs one at a time: more would queue inside the blocking pool, past the wait).
            workers: embedder.parallelism().unwrap_or(cores),
            embedder,
            embed_wait: config.embed_wait,
        })
    } else {
        None
    };
    Ok(CacheSettings {
        max_entries: config.max_entries,
        max_bytes: config.max_bytes,
        semantic,
        shared: config.redis_url.as_ref().map(|url| SharedSettings {
            url: url.clone(),
            prefix: config.redis_prefix.clone(),
            lookup_timeout: config.redis_timeout,
        }),
    })
}

/// Neural sessions for `cores` cores: one per two cores, at most four. Each holds the model's
/// weights as ONNX Runtime expands them (about 95 MB: the int8 weights become float32), so a
/// small machine runs one, and a lookup finding it busy past `embed_wait_ms` is a miss.
fn neural_sessions(cores: usize) -> usize {
    (cores / 2).clamp(1, 4)
}

/// The semantic tier's embedder for `[cache] embedder`, with `workers` neural sessions.
/// `auto` takes the neural one when its files are installed and loadable, else the
/// built-in one, saying once how to get the better one; `neural` without its files is an
/// error that says the same.
fn embedder(config: &CacheConfig, workers: usize) -> Result<Embedder, String> {
    let dir = config.models_location();
    let files = ModelFiles::in_dir(&dir);
    match &config.embedder {
        EmbedderChoice::Builtin => Ok(Embedder::Builtin(BuiltinEmbedder)),
        EmbedderChoice::Neural => NeuralEmbedder::load(&files, workers)
            .map(|n| Embedder::Neural(Arc::new(n)))
            .map_err(|e| format!("cache.embedder = \"neural\": {e}")),
        EmbedderChoice::Auto if !files.present() => {
            tracing::info!(
                "semantic cache: built-in embedder (no neural model files in {}; {SETUP_HINT} \
                 for the better neural embedder)",
                dir.display()
            );
            Ok(Embedder::Builtin(BuiltinEmbedder))
        }
        EmbedderChoice::Auto => match NeuralEmbedder::load(&files, workers) {
            Ok(n) => {
                tracing::info!("semantic cache: neural embedder from {}", dir.display());
                Ok(Embedder::Neural(Arc::new(n)))
            }
            Err(e) => {
                tracing::warn!(
                    "semantic cache: built-in embedder, the neural one did not load ({e}; \
                     {SETUP_HINT} to reinstall its files)"
                );
                Ok(Embedder::Builtin(BuiltinEmbedder))
            }
        },
        EmbedderChoice::Provider(_) => Err(
            "cache.embedder: `provider:<alias>` is not available in this build; use auto, \
             builtin or neural"
                .to_owned(),
        ),
    }
}
