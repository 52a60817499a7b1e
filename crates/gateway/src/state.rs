//! What every request shares: providers with their pools, and the alias table.

use crate::config::{Config, Price};
use std::{collections::HashMap, sync::Arc};
use switchyard_providers::Provider;

/// One place a request can be served: a provider and its upstream model.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// Index into [`AppState::providers`].
    pub provider: usize,
    /// Upstream model name.
    pub model: Arc<str>,
    /// Configured prices.
    pub price: Price,
}

/// A resolved model alias.
#[derive(Debug)]
pub struct ModelRoute {
    /// The alias (or, for pass-through names, the name itself).
    pub alias: Arc<str>,
    /// Deployments in order of preference.
    pub deployments: Vec<Deployment>,
}

/// Shared, immutable state of a running gateway.
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
}

impl AppState {
    /// Builds providers and the alias table. Fails only if a provider's HTTP client cannot
    /// be built (e.g. no TLS roots).
    pub fn new(config: Config) -> Result<Arc<Self>, String> {
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
        let mut routes = HashMap::with_capacity(config.models.len());
        for m in &config.models {
            let mut deployments = Vec::with_capacity(m.deployments.len());
            for d in &m.deployments {
                deployments.push(Deployment {
                    provider: index(&d.provider)?,
                    model: Arc::from(d.model.as_str()),
                    price: d.price,
                });
            }
            let route = ModelRoute {
                alias: Arc::from(m.alias.as_str()),
                deployments,
            };
            routes.insert(m.alias.clone(), Arc::new(route));
        }
        let mut passthrough = Vec::with_capacity(config.passthrough.len());
        for rule in &config.passthrough {
            passthrough.push((rule.prefix.clone(), index(&rule.provider)?));
        }
        Ok(Arc::new(Self {
            config,
            providers,
            routes,
            passthrough,
        }))
    }

    /// The provider at `index` (indexes come from this state, so they are valid).
    pub fn provider(&self, index: usize) -> Option<&Provider> {
        self.providers.get(index)
    }
}
