//! Cache stage: answers are looked up before execution and stored after validation.
//!
//! A lookup sees the planned request (its alias resolved), the client's request head (for
//! the `Cache-Control`-style controls) and the context (client key, for scoping). A hit is
//! a complete canonical answer, which the pipeline replays as a stream when the client
//! asked for one. A miss hands back a [`StoreTicket`] when the answer may be stored; only
//! complete, successful answers that passed validation reach [`store`], and a stream is
//! stored by its relay once it completes cleanly ([`StreamRecorder`]).

use crate::{context::RequestContext, pipeline::validate, state::AppState};
use std::{sync::Arc, time::Duration};
use switchyard_analytics::CacheStatus;
use switchyard_cache::{request_key, CachedAnswer, Embedding, Lookup, RequestKey};
use switchyard_protocol::{
    ChatRequest, ChatResponse, StopReason, StreamAccumulator, StreamEvent, WireFormat,
};
use switchyard_providers::ProviderKind;

/// Request header: seconds the answer to this request is stored for.
pub const TTL_HEADER: &str = "x-switchyard-cache-ttl";
/// Request header: `force` reads the cache even above `max_read_temperature`.
pub const READ_HEADER: &str = "x-switchyard-cache-read";

/// What the client asked of the cache in its request head.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheControls {
    /// `Cache-Control: no-cache`: do not serve from the cache.
    pub no_cache: bool,
    /// `Cache-Control: no-store`: do not store the answer.
    pub no_store: bool,
    /// `x-switchyard-cache-ttl`: store for this long instead of the alias's TTL.
    pub ttl: Option<Duration>,
    /// `x-switchyard-cache-read: force`: read even when the temperature is above the limit.
    pub force_read: bool,
}

impl CacheControls {
    /// The controls in `headers`.
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        let mut c = Self::default();
        for v in headers.get_all(http::header::CACHE_CONTROL) {
            for directive in v.to_str().unwrap_or("").split(',') {
                match directive.trim().to_ascii_lowercase().as_str() {
                    "no-cache" => c.no_cache = true,
                    "no-store" => c.no_store = true,
                    _ => {}
                }
            }
        }
        c.ttl = headers
            .get(TTL_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        // A TTL of 0 means "do not keep it".
        if c.ttl == Some(Duration::ZERO) {
            c.no_store = true;
        }
        c.force_read = headers
            .get(READ_HEADER)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"force"));
        c
    }
}

/// What is needed to store the answer to a request that missed.
#[derive(Debug)]
pub struct StoreTicket {
    key: RequestKey,
    ttl: Duration,
    /// The instruction's embedding, when the lookup computed one.
    embedding: Option<Embedding>,
}

/// What a lookup found.
#[derive(Debug)]
pub enum CacheLookup {
    /// A stored answer to serve.
    Hit(Arc<CachedAnswer>),
    /// Nothing to serve; the answer may be stored with the ticket, if there is one.
    Miss(Option<StoreTicket>),
}

/// Looks `req`, planned to `alias`, up in the cache.
pub async fn lookup(
    state: &AppState,
    alias: &str,
    req: &ChatRequest,
    headers: &http::HeaderMap,
    ctx: &mut RequestContext,
) -> CacheLookup {
    let Some(cache) = &state.cache else {
        return CacheLookup::Miss(None);
    };
    let policy = state.config.cache.policy(alias);
    if !policy.enabled {
        return CacheLookup::Miss(None);
    }
    // Several choices per request cannot be served from (or stored as) one answer.
    if req
        .extra
        .get("n")
        .and_then(serde_json::Value::as_u64)
        .is_some_and(|n| n > 1)
    {
        ctx.cache_status = Some(CacheStatus::Bypass);
        return CacheLookup::Miss(None);
    }
    let controls = CacheControls::from_headers(headers);
    let key = request_key(req, alias, ctx.client_key);
    let hot = req
        .temperature
        .is_some_and(|t| t > state.config.cache.max_read_temperature);
    let read = !controls.no_cache && (!hot || controls.force_read);
    ctx.cache_status = Some(CacheStatus::Bypass);
    let mut embedding = None;
    if read {
        ctx.cache_status = Some(CacheStatus::Miss);
        let threshold = policy.semantic.then(|| {
            policy
                .threshold
                .unwrap_or_else(|| cache.default_threshold())
        });
        let (found, computed) = cache.lookup(&key, threshold).await;
        embedding = computed;
        match found {
            Lookup::Exact(answer) => {
                hit(state, alias, ctx, &answer, CacheStatus::Hit);
                return CacheLookup::Hit(answer);
            }
            Lookup::Semantic { answer, similarity } => {
                hit(state, alias, ctx, &answer, CacheStatus::SemanticHit);
                ctx.cache_similarity = Some(similarity);
                return CacheLookup::Hit(answer);
            }
            Lookup::Miss => {}
        }
    }
    let ticket = (!controls.no_store).then(|| StoreTicket {
        key,
        ttl: controls.ttl.unwrap_or(policy.ttl),
        embedding,
    });
    CacheLookup::Miss(ticket)
}

/// Records a hit in the context: its usage is what the hit saved, priced (by analytics) as
/// the alias's deployment that serves the answering model would charge for it — the one
/// whose model names the answer's model, else the first (no attempt is counted).
fn hit(
    state: &AppState,
    alias: &str,
    ctx: &mut RequestContext,
    answer: &CachedAnswer,
    status: CacheStatus,
) {
    ctx.cache_status = Some(status);
    let usage = answer.response.usage;
    ctx.usage = usage.is_reported().then_some(usage);
    let model = answer.response.model.as_str();
    if !model.is_empty() {
        ctx.upstream_model = Some(Arc::from(model));
    }
    if let Some(route) = state.routes.get(alias) {
        ctx.alias = Some(route.alias.clone());
        let deployment = route
            .deployments
            .iter()
            .find(|d| !model.is_empty() && model.starts_with(&*d.model))
            .or_else(|| route.deployments.first());
        if let Some(p) = deployment.and_then(|d| state.provider(d.provider)) {
            ctx.provider = Some(p.shared_settings().clone());
        }
    }
}

/// Whether an answer that ended this way is a complete answer worth replaying.
fn storable(resp: &ChatResponse) -> bool {
    matches!(
        resp.stop_reason,
        StopReason::EndTurn
            | StopReason::StopSequence(_)
            | StopReason::ToolUse
            | StopReason::MaxTokens
    ) && !resp.content.is_empty()
}

/// Stores a complete, validated answer.
pub fn store(state: &AppState, ticket: StoreTicket, resp: &ChatResponse) {
    if let Some(cache) = &state.cache {
        if storable(resp) {
            cache.insert(&ticket.key, resp.clone(), ticket.ttl, ticket.embedding);
        }
    }
}

/// Folds a live stream into the answer it carries, so that a stream that completes cleanly
/// is stored like a complete answer (and a cut or failed one never is).
#[derive(Debug)]
pub struct StreamRecorder {
    ticket: StoreTicket,
    /// The request, for validating the accumulated answer.
    request: ChatRequest,
    events: StreamAccumulator,
}

impl StreamRecorder {
    /// A recorder of the answer to `request`.
    pub fn new(ticket: StoreTicket, request: &ChatRequest, ctx: &RequestContext) -> Self {
        // The stream's events were decoded from the answering provider's format.
        let source = match ctx.provider.as_deref().map(|p| p.kind) {
            Some(ProviderKind::Anthropic) => WireFormat::Anthropic,
            Some(ProviderKind::Gemini) => WireFormat::Gemini,
            _ => WireFormat::OpenAiChat,
        };
        let created = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self {
            ticket,
            request: request.clone(),
            events: StreamAccumulator::new(source, created),
        }
    }

    /// Folds in the next event.
    pub fn push(&mut self, event: &StreamEvent) {
        self.events.push(event);
    }

    /// The stream ended cleanly: store its answer if it is complete and valid.
    pub fn finish(self, state: &AppState) {
        match self.events.finish() {
            Ok(resp) => {
                if validate::check(&self.request, &resp).is_ok() {
                    store(state, self.ticket, &resp);
                }
            }
            Err(e) => tracing::debug!(error = %e, "stream not cached"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_read_from_the_request_head() {
        let mut h = http::HeaderMap::new();
        assert_eq!(CacheControls::from_headers(&h), CacheControls::default());
        h.insert("cache-control", "No-Cache, max-age=0".parse().unwrap());
        h.append("cache-control", "no-store".parse().unwrap());
        h.insert(TTL_HEADER, "30".parse().unwrap());
        h.insert(READ_HEADER, "FORCE".parse().unwrap());
        let c = CacheControls::from_headers(&h);
        assert!(c.no_cache && c.no_store && c.force_read);
        assert_eq!(c.ttl, Some(Duration::from_secs(30)));
        let mut h = http::HeaderMap::new();
        h.insert(TTL_HEADER, "0".parse().unwrap());
        assert!(CacheControls::from_headers(&h).no_store);
    }
}
