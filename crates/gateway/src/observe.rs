//! The end of every request: one record of its context goes to analytics and one span to
//! the trace exporter (both off the request path: they only queue) and, at debug level, to
//! the log. Never prompt text or keys.

use crate::{context::RequestContext, state::AppState};
use switchyard_analytics::{unix_millis, RequestEvent, TokenUsage};
use switchyard_protocol::ErrorKind;

/// Called exactly once per request, when its response (or stream) is complete.
pub fn request_finished(state: &AppState, ctx: &mut RequestContext) {
    if state.analytics.is_enabled() {
        state.analytics.record(event(state, ctx));
    }
    if let Some(telemetry) = &state.telemetry {
        telemetry.record(state, ctx);
    }
    if tracing::enabled!(tracing::Level::DEBUG) {
        let usage = ctx.usage.unwrap_or_default();
        tracing::debug!(
            request_id = ?ctx.request_id.0,
            endpoint = ctx.endpoint,
            model = ctx.requested_model.as_deref().unwrap_or(""),
            alias = ctx.alias.as_deref().unwrap_or(""),
            provider = ctx.provider_name(state).unwrap_or(""),
            attempts = ctx.attempts,
            status = ctx.status,
            input_tokens = usage.input_tokens,
            output_tokens = usage.output_tokens,
            total_ms = ctx.received.elapsed().as_secs_f64() * 1000.0,
            overhead_us = ctx.overhead().as_micros() as u64,
            "request finished"
        );
    }
}

/// The analytics event of a finished request.
fn event(state: &AppState, ctx: &mut RequestContext) -> RequestEvent {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let provider = ctx.provider.and_then(|i| state.provider(i));
    let total = ctx.received.elapsed();
    // Moved, not copied: the writer counts their tokens or keeps them (redacted), per config.
    let texts = ctx.texts.take().map(|t| *t);
    let (prompt_text, completion_text) = match texts {
        Some(t) => (Some(t.prompt), Some(t.completion)),
        None => (None, None),
    };
    RequestEvent {
        ts_ms: unix_millis(ctx.received_at),
        request_id: ctx.request_id.0.to_str().unwrap_or_default().to_owned(),
        key_hash: ctx
            .client_key
            .and_then(|i| state.key_hashes.get(i))
            .cloned(),
        endpoint: ctx.endpoint.into(),
        client_format: ctx.client_format.as_str().into(),
        requested_model: ctx.requested_model.clone(),
        alias: ctx.alias.clone(),
        provider: provider.map(|p| p.settings().name.clone()),
        provider_kind: provider.map(|p| p.settings().kind.as_str().into()),
        upstream_model: ctx.upstream_model.clone(),
        attempts: ctx.attempts,
        fallback_alias: ctx.fallback.as_deref().map(str::to_owned),
        status: ctx.status,
        error_class: ctx.error.map(|k| error_class(k).into()),
        stream: ctx.stream,
        usage: ctx.usage.map(|u| TokenUsage {
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
            cached_input_tokens: u.cached_input_tokens.unwrap_or(0),
            cache_creation_input_tokens: u.cache_creation_input_tokens.unwrap_or(0),
            reasoning_tokens: u.reasoning_tokens.unwrap_or(0),
            estimated: false,
        }),
        input_bytes: ctx.input_bytes,
        output_bytes: ctx.output_bytes,
        total_ms: ms(total),
        ttft_ms: ctx.time_to_first_token.map(ms),
        upstream_ms: ms(ctx.upstream_wait),
        overhead_ms: ms(total.saturating_sub(ctx.upstream_wait)),
        prompt_text,
        completion_text,
        ..RequestEvent::default()
    }
}

/// The error class stored and shown (stable, low-cardinality names).
pub fn error_class(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidRequest => "invalid_request",
        ErrorKind::Authentication => "authentication",
        ErrorKind::PermissionDenied => "permission_denied",
        ErrorKind::NotFound => "not_found",
        ErrorKind::RequestTooLarge => "request_too_large",
        ErrorKind::RateLimited => "rate_limited",
        ErrorKind::Internal => "internal",
        ErrorKind::UpstreamError => "upstream_error",
        ErrorKind::Unavailable => "unavailable",
        ErrorKind::UpstreamTimeout => "upstream_timeout",
    }
}
