//! Execute stage: call the route's deployments in order until one answers.
//!
//! This is the basic failover of the gateway core: a deployment that fails for a reason
//! that is not the client's fault is skipped for the next one. Backoff, breakers, budgets
//! and fallback aliases (issue "Automatic failover") extend [`Failover`].
//!
//! Callers drive the loop themselves (`next`, call the provider, `settle`) rather than
//! passing a closure: the upstream call borrows the request, and a borrowed async closure
//! cannot be proven `Send` for axum's handlers.

use crate::{context::RequestContext, error::GatewayError, state::AppState, state::ModelRoute};
use std::{sync::Arc, time::Instant};
use switchyard_protocol::ErrorKind;
use switchyard_providers::{Blame, Provider, ProviderError};

/// The state of trying a route's deployments.
#[derive(Debug)]
pub struct Failover<'r> {
    route: &'r ModelRoute,
    next: usize,
    last: Option<ProviderError>,
}

impl<'r> Failover<'r> {
    /// Starts on `route`, recording its alias in the context.
    pub fn new(route: &'r ModelRoute, ctx: &mut RequestContext) -> Self {
        ctx.alias = Some(route.alias.clone());
        Self {
            route,
            next: 0,
            last: None,
        }
    }

    /// The next deployment to try, or the final error when none is left.
    pub fn next<'s>(
        &mut self,
        state: &'s AppState,
        ctx: &mut RequestContext,
    ) -> Result<(&'s Provider, Arc<str>, Instant), GatewayError> {
        while let Some(deployment) = self.route.deployments.get(self.next) {
            self.next += 1;
            if let Some(provider) = state.provider(deployment.provider) {
                ctx.attempt(deployment);
                return Ok((provider, deployment.model.clone(), Instant::now()));
            }
        }
        Err(self.exhausted())
    }

    /// Books the result of an attempt started at `started`: `Ok(Some)` on success,
    /// `Ok(None)` to try the next deployment, `Err` when no deployment can help (the
    /// client's fault).
    pub fn settle<T>(
        &mut self,
        ctx: &mut RequestContext,
        started: Instant,
        result: Result<T, ProviderError>,
    ) -> Result<Option<T>, GatewayError> {
        ctx.upstream_wait += started.elapsed();
        match result {
            Ok(value) => Ok(Some(value)),
            Err(e) if e.blame() == Blame::Client => Err(e.into()),
            Err(e) => {
                tracing::warn!(request_id = ?ctx.request_id.0, error = %e, "deployment failed");
                self.last = Some(e);
                Ok(None)
            }
        }
    }

    fn exhausted(&mut self) -> GatewayError {
        let count = self.route.deployments.len();
        match self.last.take() {
            Some(e) if count == 1 => e.into(),
            Some(e) => {
                let mut err = GatewayError::from(e);
                err.error.message = format!(
                    "all {count} deployments of `{}` failed; last error: {}",
                    self.route.alias, err.error.message
                );
                err
            }
            None => GatewayError::new(
                ErrorKind::Unavailable,
                format!("model `{}` has no usable deployment", self.route.alias),
            ),
        }
    }
}
