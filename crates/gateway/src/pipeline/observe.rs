//! Observe stage: what the request did becomes its analytics event, metrics, trace span,
//! access log line and, at debug level, a detailed log line. Events and spans only queue (their writers run off the
//! request path). Never prompt text or keys.

use crate::{
    access_log::AccessRecord,
    context::RequestContext,
    state::AppState,
    transcript::{completion_text, prompt_text, RequestTexts},
};
use switchyard_analytics::{unix_millis, RequestEvent, TokenUsage};
use switchyard_protocol::{ChatRequest, ChatResponse};

/// Records what a complete answer tells: usage, upstream model and, when analytics needs
/// them, the texts.
pub fn answered(
    state: &AppState,
    ctx: &mut RequestContext,
    req: &ChatRequest,
    resp: &ChatResponse,
) {
    // Unreported usage is estimated by analytics, not booked as a free request.
    ctx.usage = resp.usage.is_reported().then_some(resp.usage);
    if state.analytics.needs_text(ctx.usage.is_none()) {
        ctx.texts = Some(Box::new(RequestTexts {
            prompt: prompt_text(req),
            completion: completion_text(&resp.content),
        }));
    }
    if !resp.model.is_empty() {
        ctx.upstream_model = Some(std::sync::Arc::from(resp.model.as_str()));
    }
}

/// Whether a stream's texts must be gathered for analytics: it records text, or the
/// answering provider may end a stream without usage (tokens are then counted from the
/// text). Other streams drop the request at once rather than hold it for the stream's life.
pub fn needs_stream_text(state: &AppState, ctx: &RequestContext) -> bool {
    let may_lack_usage = ctx.provider.as_deref().is_some_and(|p| {
        state
            .providers
            .iter()
            .find(|q| std::ptr::eq(q.settings(), p))
            .is_some_and(|q| !q.always_reports_stream_usage())
    });
    state.analytics.needs_text(may_lack_usage)
}

/// Called exactly once per request, when its response (or stream) is complete.
pub fn request_finished(state: &AppState, ctx: &mut RequestContext) {
    if !ctx.upstream_errors.is_empty() {
        let metrics = state.analytics.metrics();
        for (provider, kind) in ctx.upstream_errors.drain(..) {
            metrics.record_upstream_error(&provider, kind.as_str());
        }
    }
    if state.analytics.is_enabled() {
        state.analytics.record(event(state, ctx));
    }
    if let Some(telemetry) = &state.telemetry {
        telemetry.record(ctx);
    }
    if let Some(writer) = &state.access_log {
        // The request ends here: its URI and refusal move into the record.
        writer.record(AccessRecord {
            request_id: ctx.request_id.0.clone(),
            method: ctx.method.clone(),
            uri: std::mem::take(&mut ctx.uri),
            status: ctx.status,
            alias: ctx.alias.clone(),
            provider: ctx.provider.as_ref().map(|p| p.name.clone()),
            attempts: ctx.attempts,
            duration: ctx.received.elapsed(),
            refusal: ctx.refusal.take(),
        });
    }
    if tracing::enabled!(tracing::Level::DEBUG) {
        let usage = ctx.usage.unwrap_or_default();
        tracing::debug!(
            request_id = ?ctx.request_id.0,
            endpoint = ctx.endpoint,
            model = ctx.requested_model.as_deref().unwrap_or(""),
            alias = ctx.alias.as_deref().unwrap_or(""),
            provider = ctx.provider_name().unwrap_or(""),
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
    let provider = ctx.provider.as_deref();
    let total = ctx.received.elapsed();
    // Moved, not copied: the writer counts their tokens or keeps them (redacted), per config.
    let texts = ctx.texts.take().map(|t| *t);
    let route = ctx.route.as_deref();
    let code = ctx.code.as_deref();
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
        task: match code {
            Some(c) => Some(c.task.as_str().to_owned()),
            None => route.map(|r| r.task.as_str().to_owned()),
        },
        language: match code {
            Some(c) => Some(c.language.name().to_owned()),
            None => route.and_then(|r| r.language.clone()),
        },
        router_tier: route.map(|r| r.tier_name.to_string()),
        router_score: route.map(|r| r.score),
        router_baseline_model: route.and_then(|r| baseline_model(state, &r.strongest_alias)),
        alias: ctx.alias.clone(),
        provider: provider.map(|p| p.name.clone()),
        provider_kind: provider.map(|p| p.kind.as_str().into()),
        upstream_model: ctx.upstream_model.clone(),
        attempts: ctx.attempts,
        fallback_alias: ctx.fallback.as_deref().map(str::to_owned),
        status: ctx.status,
        error_class: ctx.error.map(|k| k.as_str().into()),
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
        template: code.map(|c| c.template.clone()),
        validation: code.and_then(|c| c.validation).map(str::to_owned),
        prompt_text,
        completion_text,
        cache_status: ctx.cache_status,
        cache_similarity: ctx.cache_similarity.map(f64::from),
        ..RequestEvent::default()
    }
}

/// What the router's savings are counted against: the first deployment of its strongest
/// tier's alias, as `provider/model` (analytics prices it with that provider's configured
/// prices).
fn baseline_model(state: &AppState, alias: &str) -> Option<String> {
    let d = state.routes.get(alias)?.deployments.first()?;
    let provider = state.provider(d.provider)?.name();
    Some(format!("{provider}/{}", d.model))
}
