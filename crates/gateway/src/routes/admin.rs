//! `GET /admin/health`: breaker state, cool-downs, load and latency of every deployment;
//! `GET /metrics`: the analytics metrics, then the same report as Prometheus gauges.

use crate::{resilience::BreakerState, state::AppState};
use axum::{
    extract::State,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;
use std::{fmt::Write as _, sync::Arc, time::Instant};
use switchyard_analytics::{escape_label_value, write_metric_header};

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

/// `GET /metrics` in Prometheus text format.
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut text = state.analytics.metrics().render();
    write_breaker_metrics(&state, &mut text);
    write_cache_metrics(&state, &mut text);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}

/// Breaker state of every deployment as Prometheus gauges (0 closed, 1 half-open, 2 open),
/// and its requests in flight.
pub fn write_breaker_metrics(state: &AppState, out: &mut String) {
    let now = Instant::now();
    let report = state.health_report();
    write_metric_header(
        out,
        "switchyard_breaker_state",
        "gauge",
        "Circuit breaker per deployment: 0 closed, 1 half-open, 2 open.",
    );
    let mut in_flight = String::new();
    for d in &report {
        let provider = state.provider(d.provider).map_or("", |p| p.name());
        let snap = d.health.snapshot(now);
        let value = match snap.state {
            BreakerState::Closed => 0,
            BreakerState::HalfOpen => 1,
            BreakerState::Open => 2,
        };
        let labels = format!(
            "provider=\"{}\",model=\"{}\"",
            escape_label_value(provider),
            escape_label_value(&d.model)
        );
        let _ = writeln!(out, "switchyard_breaker_state{{{labels}}} {value}");
        let _ = writeln!(
            in_flight,
            "switchyard_deployment_in_flight{{{labels}}} {}",
            snap.in_flight
        );
    }
    write_metric_header(
        out,
        "switchyard_deployment_in_flight",
        "gauge",
        "Upstream requests in flight per deployment.",
    );
    out.push_str(&in_flight);
}

/// The response cache's own counters: lookups by result, the near-miss guard's refusals by
/// reason, stores, busy embedder, and what the process holds.
pub fn write_cache_metrics(state: &AppState, out: &mut String) {
    let Some(cache) = &state.cache else { return };
    let s = cache.stats();
    if let Some(embedder) = cache.embedder_name() {
        write_metric_header(
            out,
            "switchyard_response_cache_embedder_info",
            "gauge",
            "The semantic tier's embedder (builtin or neural).",
        );
        let _ = writeln!(
            out,
            "switchyard_response_cache_embedder_info{{embedder=\"{embedder}\"}} 1"
        );
    }
    write_metric_header(
        out,
        "switchyard_response_cache_lookups_total",
        "counter",
        "Response-cache lookups by result.",
    );
    for (result, v) in [
        ("exact_hit", s.exact_hits),
        ("semantic_hit", s.semantic_hits),
        ("miss", s.misses),
    ] {
        let _ = writeln!(
            out,
            "switchyard_response_cache_lookups_total{{result=\"{result}\"}} {v}"
        );
    }
    write_metric_header(
        out,
        "switchyard_response_cache_guard_refusals_total",
        "counter",
        "Semantic candidates the near-miss guard refused, by reason.",
    );
    for (reason, v) in &s.refusals {
        let _ = writeln!(
            out,
            "switchyard_response_cache_guard_refusals_total{{reason=\"{}\"}} {v}",
            reason.as_str()
        );
    }
    for (name, kind, help, v) in [
        (
            "switchyard_response_cache_stores_total",
            "counter",
            "Answers stored.",
            s.stores,
        ),
        (
            "switchyard_response_cache_embedder_busy_total",
            "counter",
            "Semantic lookups counted as misses because no embedding worker was free in time.",
            s.embedder_busy,
        ),
        (
            "switchyard_response_cache_entries",
            "gauge",
            "Answers held in this process.",
            s.entries,
        ),
        (
            "switchyard_response_cache_bytes",
            "gauge",
            "Bytes of answers held in this process.",
            s.bytes,
        ),
        (
            "switchyard_response_cache_index_entries",
            "gauge",
            "Prompts in this process's semantic index.",
            s.index_entries,
        ),
    ] {
        write_metric_header(out, name, kind, help);
        let _ = writeln!(out, "{name} {v}");
    }
    let Some(r) = s.redis else { return };
    for (name, kind, help, v) in [
        (
            "switchyard_response_cache_redis_up",
            "gauge",
            "1 while the shared tier's Redis is reachable.",
            u64::from(r.up),
        ),
        (
            "switchyard_response_cache_redis_hits_total",
            "counter",
            "Answers found in Redis that this process did not hold (exact or semantic hits).",
            r.hits,
        ),
        (
            "switchyard_response_cache_redis_errors_total",
            "counter",
            "Redis commands that failed or timed out.",
            r.errors,
        ),
        (
            "switchyard_response_cache_redis_timeouts_total",
            "counter",
            "Lookups that gave up waiting for Redis (served as misses).",
            r.timeouts,
        ),
        (
            "switchyard_response_cache_redis_stores_total",
            "counter",
            "Answers written to Redis.",
            r.stores,
        ),
        (
            "switchyard_response_cache_redis_dropped_total",
            "counter",
            "Answers not written to Redis because it was down or the write queue was full.",
            r.dropped,
        ),
        (
            "switchyard_response_cache_redis_indexed_total",
            "counter",
            "Entries stored by other replicas added to this process's semantic index.",
            r.indexed,
        ),
    ] {
        write_metric_header(out, name, kind, help);
        let _ = writeln!(out, "{name} {v}");
    }
}
