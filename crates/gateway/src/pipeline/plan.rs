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

/// Resolves `model` (of `request`, when the operation has a canonical request) to a route:
/// an alias from config, else a pass-through rule that sends the name unchanged to a
/// provider, else `model_not_found`.
pub fn plan(
    state: &AppState,
    model: &str,
    request: Option<&ChatRequest>,
    ctx: &mut RequestContext,
) -> Result<Arc<ModelRoute>, GatewayError> {
    // No router yet: the request and context are what one will read and write.
    let _ = (request, ctx);
    if let Some(route) = state.routes.get(model) {
        return Ok(route.clone());
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
    let mut known: Vec<&str> = state.routes.keys().map(String::as_str).collect();
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
