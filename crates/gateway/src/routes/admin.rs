//! `GET /admin/health`: breaker state, cool-downs, load and latency of every deployment.

use crate::state::AppState;
use axum::{
    extract::State,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;
use std::{sync::Arc, time::Instant};

/// The health of every deployment known to the gateway.
pub async fn health(State(state): State<Arc<AppState>>) -> Response {
    let now = Instant::now();
    let deployments: Vec<_> = state
        .health_report()
        .into_iter()
        .map(|d| {
            let provider = state.provider(d.provider).map_or("", |p| p.name());
            let aliases: Vec<&str> = d.aliases.iter().map(|a| &**a).collect();
            json!({
                "provider": provider,
                "model": &*d.model,
                "aliases": aliases,
                "health": d.health.snapshot(now),
            })
        })
        .collect();
    let open = deployments
        .iter()
        .filter(|d| d["health"]["state"] != "closed")
        .count();
    Json(json!({
        "status": if open == 0 { "ok" } else { "degraded" },
        "deployments": deployments,
    }))
    .into_response()
}
