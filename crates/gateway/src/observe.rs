//! The end of every request: one structured record of its context. This is the seam the
//! analytics stage plugs into; today it is a debug log line (never prompt text or keys).

use crate::{context::RequestContext, state::AppState};

/// Called exactly once per request, when its response (or stream) is complete.
pub fn request_finished(state: &AppState, ctx: &RequestContext) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let usage = ctx.usage.unwrap_or_default();
    tracing::debug!(
        request_id = ?ctx.request_id.0,
        format = ctx.client_format.as_str(),
        model = ctx.requested_model.as_deref().unwrap_or(""),
        alias = ctx.alias.as_deref().unwrap_or(""),
        provider = ctx.provider_name(state).unwrap_or(""),
        upstream_model = ctx.upstream_model.as_deref().unwrap_or(""),
        attempts = ctx.attempts,
        stream = ctx.stream,
        status = ctx.status,
        input_tokens = usage.input_tokens,
        output_tokens = usage.output_tokens,
        total_ms = ctx.received.elapsed().as_secs_f64() * 1000.0,
        overhead_us = ctx.overhead().as_micros() as u64,
        "request finished"
    );
}
