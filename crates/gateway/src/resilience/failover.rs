//! The failover loop of one request: deployments of the requested alias in strategy order,
//! skipping open breakers and cool-downs; then its fallback aliases; then, while attempts
//! and time remain, another pass after a full-jitter backoff.
//!
//! Callers drive the loop (`next`, call the provider, `settle`) instead of passing a
//! closure: the upstream call borrows the request, and a borrowed async closure cannot be
//! proven `Send` for axum's handlers.

use super::{order, Admission, DeploymentHealth, InFlight};
use crate::{
    context::RequestContext,
    error::GatewayError,
    state::{AppState, ModelRoute},
};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use switchyard_protocol::ErrorKind;
use switchyard_providers::{Blame, Operation, Provider, ProviderError, Timeouts};

/// One upstream try the caller is to make.
#[derive(Debug)]
pub struct Attempt<'s> {
    /// The provider to call.
    pub provider: &'s Provider,
    /// Upstream model.
    pub model: Arc<str>,
    /// Timeout overrides of the deployment and alias.
    pub timeouts: Timeouts,
    /// What is left of the request's time budget.
    pub budget_left: Duration,
    /// Counts the request in flight on the deployment while held (streams keep it until
    /// their end).
    pub in_flight: InFlight,
    health: Arc<DeploymentHealth>,
    started: Instant,
}

/// Which chain of aliases is being walked.
#[derive(Debug)]
struct Chain {
    aliases: Vec<Arc<ModelRoute>>,
    /// Position in `aliases`.
    alias: usize,
    /// Deployment order of the current alias, and the position in it.
    order: Vec<usize>,
    pos: usize,
}

/// The failover state of one request.
#[derive(Debug)]
pub struct Failover<'s> {
    state: &'s AppState,
    requested: Arc<str>,
    chain: Chain,
    /// Aliases tried so far (for the final error).
    tried: Vec<Arc<str>>,
    attempts: u32,
    max_attempts: u32,
    attempts_this_pass: u32,
    pass: u32,
    started: Instant,
    budget: Duration,
    last: Option<ProviderError>,
    skipped_open: u32,
    earliest_cool_down: Option<Instant>,
    /// What is asked: deployments whose provider cannot do it are passed over.
    operation: Operation,
}

impl<'s> Failover<'s> {
    /// Starts on `route` (the alias the client asked for) for `operation`.
    pub fn new(
        state: &'s AppState,
        route: Arc<ModelRoute>,
        operation: Operation,
        ctx: &mut RequestContext,
    ) -> Self {
        ctx.alias = Some(route.alias.clone());
        let resilience = &state.config.resilience;
        let aliases = Self::expand(state, &route, |r| &r.policy.fallbacks);
        let deployments: usize = aliases.iter().map(|r| r.deployments.len()).sum();
        let max_attempts = route
            .policy
            .max_attempts
            .or(resilience.max_attempts)
            .unwrap_or(
                u32::try_from(deployments)
                    .unwrap_or(u32::MAX)
                    .saturating_add(2),
            )
            .max(1);
        let budget = route.policy.time_budget.unwrap_or(resilience.time_budget);
        Self {
            state,
            requested: route.alias.clone(),
            chain: Self::chain(aliases),
            tried: Vec::new(),
            attempts: 0,
            max_attempts,
            attempts_this_pass: 0,
            pass: 0,
            started: Instant::now(),
            budget,
            last: None,
            skipped_open: 0,
            earliest_cool_down: None,
            operation,
        }
    }

    /// `route` followed by its fallbacks (transitively, breadth first, each alias once).
    fn expand(
        state: &AppState,
        route: &Arc<ModelRoute>,
        next: impl Fn(&ModelRoute) -> &Vec<String>,
    ) -> Vec<Arc<ModelRoute>> {
        let mut out: Vec<Arc<ModelRoute>> = vec![route.clone()];
        let mut i = 0;
        while let Some(r) = out.get(i).cloned() {
            for name in next(&r) {
                if let Some(fallback) = state.routes.get(name) {
                    if !out.iter().any(|o| o.alias == fallback.alias) {
                        out.push(fallback.clone());
                    }
                }
            }
            i += 1;
        }
        out
    }

    fn chain(aliases: Vec<Arc<ModelRoute>>) -> Chain {
        let order = aliases
            .first()
            .map(|r| order(r.policy.strategy, &r.deployments))
            .unwrap_or_default();
        Chain {
            aliases,
            alias: 0,
            order,
            pos: 0,
        }
    }

    fn current(&self) -> Option<&Arc<ModelRoute>> {
        self.chain.aliases.get(self.chain.alias)
    }

    /// The next deployment to try, waiting out a backoff between passes; or the final
    /// error when attempts, time or deployments are exhausted.
    pub async fn next(&mut self, ctx: &mut RequestContext) -> Result<Attempt<'s>, GatewayError> {
        loop {
            let elapsed = self.started.elapsed();
            if self.attempts >= self.max_attempts || elapsed >= self.budget {
                return Err(self.exhausted());
            }
            let Some(route) = self.current().cloned() else {
                self.new_pass().await?;
                continue;
            };
            let Some(&index) = self.chain.order.get(self.chain.pos) else {
                self.chain.alias += 1;
                self.chain.pos = 0;
                if let Some(r) = self.current() {
                    self.chain.order = order(r.policy.strategy, &r.deployments);
                }
                continue;
            };
            self.chain.pos += 1;
            let Some(deployment) = route.deployments.get(index) else {
                continue;
            };
            let Some(provider) = self.state.provider(deployment.provider) else {
                continue;
            };
            if !provider.supports(self.operation) {
                continue;
            }
            let now = Instant::now();
            match deployment.health.admit(now) {
                Admission::Allowed | Admission::Probe => {}
                Admission::BreakerOpen => {
                    self.skipped_open += 1;
                    continue;
                }
                Admission::CoolingDown(until) => {
                    self.earliest_cool_down =
                        Some(self.earliest_cool_down.map_or(until, |e| e.min(until)));
                    continue;
                }
            }
            if !self.tried.contains(&route.alias) {
                self.tried.push(route.alias.clone());
            }
            self.attempts += 1;
            self.attempts_this_pass += 1;
            ctx.attempt(provider.shared_settings(), &deployment.model);
            ctx.alias = Some(route.alias.clone());
            ctx.fallback = (route.alias != self.requested).then(|| route.alias.clone());
            return Ok(Attempt {
                provider,
                model: deployment.model.clone(),
                timeouts: deployment.timeouts,
                budget_left: self.budget.saturating_sub(elapsed),
                in_flight: deployment.health.enter(),
                health: deployment.health.clone(),
                started: now,
            });
        }
    }

    /// Starts another pass over the chain after a backoff, if the last one tried anything
    /// and time is left; else the final error.
    async fn new_pass(&mut self) -> Result<(), GatewayError> {
        // A token count has the gateway's estimate to fall back on: one pass, no backoff.
        if self.attempts_this_pass == 0 || self.operation == Operation::CountTokens {
            return Err(self.exhausted());
        }
        self.pass += 1;
        self.attempts_this_pass = 0;
        let r = &self.state.config.resilience;
        // Full jitter: a random wait up to the exponential step spreads retries of many
        // clients instead of synchronising them.
        let step = r
            .backoff_base
            .saturating_mul(1u32 << self.pass.min(16).saturating_sub(1))
            .min(r.backoff_max);
        let mut wait = step.mul_f64(fastrand::f64());
        if let Some(until) = self.earliest_cool_down.take() {
            wait = wait.max(until.saturating_duration_since(Instant::now()));
        }
        let left = self.budget.saturating_sub(self.started.elapsed());
        if wait >= left {
            return Err(self.exhausted());
        }
        tokio::time::sleep(wait).await;
        let first = self.chain.aliases.first().cloned();
        self.chain.alias = 0;
        self.chain.pos = 0;
        if let Some(r) = first {
            self.chain.order = order(r.policy.strategy, &r.deployments);
        }
        Ok(())
    }

    /// Books the result of `attempt`: `Ok(Some)` on success, `Ok(None)` to go on with the
    /// next try, `Err` when no other try can help (the client's fault, or a status the
    /// alias does not retry).
    pub fn settle<T>(
        &mut self,
        ctx: &mut RequestContext,
        attempt: &Attempt<'_>,
        result: Result<T, ProviderError>,
    ) -> Result<Option<T>, GatewayError> {
        let now = Instant::now();
        let took = now.duration_since(attempt.started);
        ctx.upstream_wait += took;
        let e = match result {
            Ok(value) => {
                attempt.health.record_success(took);
                return Ok(Some(value));
            }
            Err(e) => e,
        };
        tracing::warn!(request_id = ?ctx.request_id.0, error = %e, "upstream attempt failed");
        ctx.upstream_errors.push((
            attempt.provider.settings().name.clone(),
            e.to_api_error().kind,
        ));
        // An Arc of the route, not a copy of its policy: failures are not rare under faults.
        let Some(route) = self.current().cloned() else {
            self.last = Some(e);
            return Ok(None);
        };
        let policy = &route.policy;
        if e.is_context_window_exceeded() && !policy.context_window_fallbacks.is_empty() {
            attempt.health.release_probe();
            self.redirect(&policy.context_window_fallbacks);
            self.last = Some(e);
            return Ok(None);
        }
        if e.is_content_policy() && !policy.content_policy_fallbacks.is_empty() {
            attempt.health.release_probe();
            self.redirect(&policy.content_policy_fallbacks);
            self.last = Some(e);
            return Ok(None);
        }
        match e.blame() {
            Blame::Client if !policy.retry_client_errors => {
                attempt.health.release_probe();
                return Err(e.into());
            }
            Blame::Client => {
                attempt.health.release_probe();
            }
            Blame::Gateway => attempt.health.record_failure(now),
            Blame::Upstream => {
                let status = match &e {
                    ProviderError::Status { status, .. } => Some(*status),
                    _ => None,
                };
                if status.is_some_and(|s| !policy.retry_on.contains(&s)) {
                    attempt.health.record_failure(now);
                    return Err(e.into());
                }
                if status == Some(429) {
                    // Rate limits say nothing about health: wait out the upstream's window.
                    let after = e
                        .retry_after()
                        .unwrap_or(self.state.config.resilience.backoff_base);
                    attempt.health.cool_down(now, after);
                } else {
                    attempt.health.record_failure(now);
                }
            }
        }
        self.last = Some(e);
        Ok(None)
    }

    /// A successful answer that the provider filtered: go to the alias's content-policy
    /// fallbacks if it has any (returns whether it does).
    pub fn redirect_content_filtered(&mut self) -> bool {
        let Some(route) = self.current().cloned() else {
            return false;
        };
        if route.policy.content_policy_fallbacks.is_empty() {
            return false;
        }
        self.redirect(&route.policy.content_policy_fallbacks);
        true
    }

    /// Replaces what is left of the chain with `aliases` (and their own fallbacks).
    fn redirect(&mut self, aliases: &[String]) {
        let mut chain: Vec<Arc<ModelRoute>> = Vec::new();
        for name in aliases {
            if let Some(route) = self.state.routes.get(name) {
                for r in Self::expand(self.state, route, |r| &r.policy.fallbacks) {
                    if !chain.iter().any(|c| c.alias == r.alias) {
                        chain.push(r);
                    }
                }
            }
        }
        self.chain = Self::chain(chain);
        self.attempts_this_pass = self.attempts_this_pass.max(1);
    }

    /// The error when nothing more can be tried: the last upstream error, naming every
    /// alias tried; or a 503 when breakers or cool-downs left nothing to try.
    fn exhausted(&mut self) -> GatewayError {
        let tried: Vec<&str> = self.tried.iter().map(|a| &**a).collect();
        let aliases = if tried.is_empty() {
            format!("`{}`", self.requested)
        } else {
            tried
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.last.take() {
            Some(e) => {
                let mut err = GatewayError::from(e);
                err.error.message = format!(
                    "no deployment could answer (aliases tried: {aliases}; {} attempts in {} ms); \
                     last error: {}",
                    self.attempts,
                    self.started.elapsed().as_millis(),
                    err.error.message
                );
                err
            }
            None => {
                let why = if self.skipped_open > 0 {
                    "their circuit breakers are open after repeated failures"
                } else if self.earliest_cool_down.is_some() {
                    "the upstreams asked to wait (rate limited)"
                } else {
                    "none is configured"
                };
                let err = GatewayError::new(
                    ErrorKind::Unavailable,
                    format!("no deployment of {aliases} is available: {why}"),
                );
                match self.earliest_cool_down {
                    Some(until) => {
                        err.with_retry_after(until.saturating_duration_since(Instant::now()))
                    }
                    None => err,
                }
            }
        }
    }
}
