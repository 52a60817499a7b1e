//! Validation of the failover settings: `[resilience]` defaults, per-alias strategy,
//! fallbacks, retries and timeouts, and the check that fallback chains have no loop.

use super::{
    raw::{RawModel, RawResilience},
    ConfigError, Validator,
};
use crate::resilience::BreakerSettings;
use std::{collections::BTreeMap, time::Duration};
use switchyard_providers::Timeouts;

/// How a route picks among its healthy deployments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// First healthy deployment in config order.
    #[default]
    Priority,
    /// Random, in proportion to each deployment's `weight`.
    Weighted,
    /// Lowest average latency (time to first token for streams) first.
    LeastLatency,
    /// Fewest requests in flight first.
    LeastBusy,
    /// Lowest configured price first.
    Cheapest,
}

impl Strategy {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "priority" => Self::Priority,
            "weighted" => Self::Weighted,
            "least-latency" => Self::LeastLatency,
            "least-busy" => Self::LeastBusy,
            "cheapest" => Self::Cheapest,
            _ => return None,
        })
    }
}

/// Statuses that move a request on to the next try unless an alias says otherwise.
pub const DEFAULT_RETRY_ON: [u16; 8] = [408, 409, 429, 500, 502, 503, 504, 529];

/// Failover defaults of the whole gateway (`[resilience]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ResilienceConfig {
    /// Upstream attempts per request, unless an alias sets its own; `None` means one try
    /// of every deployment in the chain plus two retries.
    pub max_attempts: Option<u32>,
    /// No attempt starts after this much time, and none is allowed to run past it.
    pub time_budget: Duration,
    /// First backoff step before a deployment already tried is tried again.
    pub backoff_base: Duration,
    /// Longest backoff step.
    pub backoff_max: Duration,
    /// Circuit breakers of every deployment.
    pub breaker: BreakerSettings,
}

impl Default for ResilienceConfig {
    fn default() -> Self {
        Self {
            max_attempts: None,
            time_budget: Duration::from_secs(600),
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            breaker: BreakerSettings::default(),
        }
    }
}

/// Failover settings of one alias.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoutePolicy {
    /// How deployments are ordered.
    pub strategy: Strategy,
    /// Aliases tried, in order, when every deployment of this one failed.
    pub fallbacks: Vec<String>,
    /// Aliases tried when the prompt does not fit this alias's context window.
    pub context_window_fallbacks: Vec<String>,
    /// Aliases tried when this alias's provider refuses on content policy grounds.
    pub content_policy_fallbacks: Vec<String>,
    /// Upstream attempts per request.
    pub max_attempts: Option<u32>,
    /// Time budget per request.
    pub time_budget: Option<Duration>,
    /// Upstream statuses that move on to another try.
    pub retry_on: Vec<u16>,
    /// Whether 400/401/403/404/422 from an upstream move on too.
    pub retry_client_errors: bool,
    /// Timeout overrides for every deployment of the alias.
    pub timeouts: Timeouts,
}

fn ms(v: Option<u64>) -> Option<Duration> {
    v.map(Duration::from_millis)
}

impl Validator<'_> {
    pub(super) fn resilience(&self, r: &RawResilience) -> Result<ResilienceConfig, ConfigError> {
        let d = ResilienceConfig::default();
        let positive = |key: &str, v: Option<u64>| match v {
            Some(0) => Err(self.err(format!("resilience.{key}"), "must be greater than 0")),
            other => Ok(ms(other)),
        };
        if r.max_attempts == Some(0) {
            return Err(self.err("resilience.max_attempts", "must be at least 1"));
        }
        if let Some(rate) = r.breaker_error_rate {
            if !(rate > 0.0 && rate <= 1.0) {
                return Err(self.err(
                    "resilience.breaker_error_rate",
                    "must be a share in (0, 1], e.g. 0.5",
                ));
            }
        }
        if r.breaker_window.is_some_and(|w| w == 0 || w > 64) {
            return Err(self.err("resilience.breaker_window", "must be between 1 and 64"));
        }
        let breaker = BreakerSettings {
            consecutive_failures: r
                .breaker_consecutive_failures
                .unwrap_or(d.breaker.consecutive_failures)
                .max(1),
            error_rate: r.breaker_error_rate.unwrap_or(d.breaker.error_rate),
            window: r.breaker_window.unwrap_or(d.breaker.window),
            min_requests: r.breaker_min_requests.unwrap_or(d.breaker.min_requests),
            cooldown: positive("breaker_cooldown_ms", r.breaker_cooldown_ms)?
                .unwrap_or(d.breaker.cooldown),
        };
        Ok(ResilienceConfig {
            max_attempts: r.max_attempts,
            time_budget: positive("time_budget_ms", r.time_budget_ms)?.unwrap_or(d.time_budget),
            backoff_base: positive("backoff_base_ms", r.backoff_base_ms)?.unwrap_or(d.backoff_base),
            backoff_max: positive("backoff_max_ms", r.backoff_max_ms)?.unwrap_or(d.backoff_max),
            breaker,
        })
    }

    pub(super) fn timeouts(
        &self,
        key: &str,
        first_byte: Option<u64>,
        total: Option<u64>,
        stream_idle: Option<u64>,
    ) -> Result<Timeouts, ConfigError> {
        for (name, v) in [
            ("first_byte_timeout_ms", first_byte),
            ("total_timeout_ms", total),
            ("stream_idle_timeout_ms", stream_idle),
        ] {
            if v == Some(0) {
                return Err(self.err(format!("{key}.{name}"), "must be at least 1 ms"));
            }
        }
        Ok(Timeouts {
            first_byte: ms(first_byte),
            total: ms(total),
            stream_idle: ms(stream_idle),
        })
    }

    pub(super) fn route_policy(&self, key: &str, m: &RawModel) -> Result<RoutePolicy, ConfigError> {
        let strategy = match &m.strategy {
            None => Strategy::default(),
            Some(s) => Strategy::parse(s).ok_or_else(|| {
                self.err(
                    format!("{key}.strategy"),
                    format!(
                        "unknown strategy `{s}` (expected priority, weighted, least-latency, \
                         least-busy or cheapest)"
                    ),
                )
            })?,
        };
        if m.max_attempts == Some(0) {
            return Err(self.err(format!("{key}.max_attempts"), "must be at least 1"));
        }
        if m.time_budget_ms == Some(0) {
            return Err(self.err(format!("{key}.time_budget_ms"), "must be greater than 0"));
        }
        let retry_on = match &m.retry_on {
            None => DEFAULT_RETRY_ON.to_vec(),
            Some(codes) => {
                if let Some(bad) = codes.iter().find(|c| !(400..=599).contains(*c)) {
                    return Err(self.err(
                        format!("{key}.retry_on"),
                        format!("{bad} is not an HTTP error status (400-599)"),
                    ));
                }
                codes.clone()
            }
        };
        Ok(RoutePolicy {
            strategy,
            fallbacks: m.fallbacks.clone(),
            context_window_fallbacks: m.context_window_fallbacks.clone(),
            content_policy_fallbacks: m.content_policy_fallbacks.clone(),
            max_attempts: m.max_attempts,
            time_budget: ms(m.time_budget_ms),
            retry_on,
            retry_client_errors: m.retry_client_errors,
            timeouts: self.timeouts(
                key,
                m.first_byte_timeout_ms,
                m.total_timeout_ms,
                m.stream_idle_timeout_ms,
            )?,
        })
    }

    /// Every fallback names an alias, and following fallbacks never comes back to where it
    /// started.
    pub(super) fn fallback_graph(
        &self,
        policies: &BTreeMap<String, RoutePolicy>,
    ) -> Result<(), ConfigError> {
        let edges = |p: &RoutePolicy| -> Vec<(&'static str, String)> {
            let mut out = Vec::new();
            for (kind, list) in [
                ("fallbacks", &p.fallbacks),
                ("context_window_fallbacks", &p.context_window_fallbacks),
                ("content_policy_fallbacks", &p.content_policy_fallbacks),
            ] {
                out.extend(list.iter().map(|a| (kind, a.clone())));
            }
            out
        };
        for (alias, policy) in policies {
            for (kind, target) in edges(policy) {
                if !policies.contains_key(&target) {
                    let known: Vec<&str> = policies.keys().map(String::as_str).collect();
                    return Err(self.err(
                        format!("models.{alias}.{kind}"),
                        format!("unknown alias `{target}` (known: {})", known.join(", ")),
                    ));
                }
            }
        }
        // Depth-first search from every alias; a path that reaches an alias already on it
        // is a loop.
        for start in policies.keys() {
            let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
            while let Some((node, path)) = stack.pop() {
                let Some(policy) = policies.get(&node) else {
                    continue;
                };
                for (kind, next) in edges(policy) {
                    if path.contains(&next) {
                        let mut cycle = path.clone();
                        cycle.push(next);
                        return Err(self.err(
                            format!("models.{node}.{kind}"),
                            format!("fallback loop: {}", cycle.join(" -> ")),
                        ));
                    }
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next, longer));
                }
            }
        }
        Ok(())
    }
}
