//! Plan stage: the model name a client sent -> the deployments that may serve it.
//!
//! The router seam: a router turns `auto` (or its own name) into an alias here, from the
//! whole canonical request, and records its tier and reasons in the request context.

use crate::{
    config::{RoutePolicy, DEFAULT_RETRY_ON},
    context::RequestContext,
    error::GatewayError,
    state::{AppState, Deployment, ModelRoute},
};
use std::sync::Arc;
use switchyard_protocol::{ApiError, ChatRequest, ErrorKind};
use switchyard_router::{Decision, RequestView, RouteHints, Router};

/// Resolves `model` (of `request`, when the operation has a canonical request) to a route:
/// an alias from config; else a router, which picks a tier from the whole request and
/// records its decision in the context; else a pass-through rule that sends the name
/// unchanged to a provider; else `model_not_found`.
pub fn plan(
    state: &AppState,
    model: &str,
    request: Option<&ChatRequest>,
    ctx: &mut RequestContext,
) -> Result<Arc<ModelRoute>, GatewayError> {
    if let Some(route) = state.routes.get(model) {
        return Ok(route.clone());
    }
    if let Some(router) = state.routers.get(model) {
        let Some(request) = request else {
            return Err(ApiError::new(
                ErrorKind::InvalidRequest,
                format!("`{model}` is a router: it routes chat and messages requests only"),
            )
            .with_param("model")
            .into());
        };
        // Inline: a decision costs tens of microseconds (BENCHMARKS.md), less than a hop
        // to the blocking pool.
        let decision = decide(router, &RequestView::of_chat(request), ctx)?;
        let route = state.routes.get(&*decision.alias).cloned().ok_or_else(|| {
            GatewayError::new(
                ErrorKind::Internal,
                format!("router tier alias `{}` is not configured", decision.alias),
            )
        })?;
        ctx.route = Some(Box::new(decision));
        return Ok(route);
    }
    if let Some((_, provider)) = state
        .passthrough
        .iter()
        .find(|(prefix, _)| model.starts_with(prefix.as_str()))
    {
        let name: Arc<str> = Arc::from(model);
        return Ok(Arc::new(ModelRoute {
            alias: name.clone(),
            deployments: vec![Deployment {
                provider: *provider,
                health: state.health_of(*provider, &name),
                model: name,
                price: Default::default(),
                weight: 1,
                timeouts: Default::default(),
            }],
            policy: RoutePolicy {
                retry_on: DEFAULT_RETRY_ON.to_vec(),
                ..RoutePolicy::default()
            },
        }));
    }
    let mut known: Vec<&str> = state
        .routes
        .keys()
        .chain(state.routers.keys())
        .map(String::as_str)
        .collect();
    known.sort_unstable();
    let message = if known.is_empty() {
        format!("model `{model}` does not exist: no model aliases are configured")
    } else {
        format!(
            "model `{model}` does not exist; available models: {}",
            known.join(", ")
        )
    };
    Err(ApiError::new(ErrorKind::NotFound, message)
        .with_code("model_not_found")
        .with_param("model")
        .into())
}

/// `router`'s decision for `view`, with the client's routing headers (a tier pinned by
/// name, a cost cap) and client key from `ctx`.
pub fn decide(
    router: &Router,
    view: &RequestView,
    ctx: &RequestContext,
) -> Result<Decision, GatewayError> {
    let headers = ctx.route_headers.as_deref();
    let tier =
        match headers.and_then(|h| h.tier.as_ref()) {
            Some(v) => Some(v.to_str().map_err(|_| {
                invalid_header("x-switchyard-tier", "must be a tier name".to_owned())
            })?),
            None => None,
        };
    let max_cost = match headers.and_then(|h| h.max_cost.as_ref()) {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<f64>().ok())
                .filter(|c| c.is_finite() && *c >= 0.0)
                .ok_or_else(|| {
                    invalid_header(
                        "x-switchyard-max-cost",
                        "must be a non-negative number of USD per million input tokens".to_owned(),
                    )
                })?,
        ),
        None => None,
    };
    let hints = RouteHints {
        client_key: ctx.client_key,
        tier,
        max_cost_per_mtok: max_cost,
    };
    router
        .decide(view, hints)
        .map_err(|e| invalid_header("x-switchyard-tier", e.to_string()))
}

fn invalid_header(name: &str, message: String) -> GatewayError {
    ApiError::new(ErrorKind::InvalidRequest, format!("{name}: {message}"))
        .with_param(name)
        .into()
}
