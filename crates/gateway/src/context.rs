//! Per-request facts, gathered as the request moves through the stages and read at the end
//! by the response headers and the analytics event.

use crate::transcript::RequestTexts;
use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};
use switchyard_analytics::CacheStatus;
use switchyard_protocol::{ErrorKind, Usage, WireFormat};
use switchyard_providers::ProviderSettings;
use switchyard_router::Decision;

/// The routing headers a client sent: `x-switchyard-tier` pins a router's tier by name,
/// `x-switchyard-max-cost` caps it by price (USD per million input tokens).
#[derive(Debug, Clone, Default)]
pub struct RouteHeaders {
    /// `x-switchyard-tier`.
    pub tier: Option<http::HeaderValue>,
    /// `x-switchyard-max-cost`.
    pub max_cost: Option<http::HeaderValue>,
}

/// What the code API knows of a request, for its analytics event.
#[derive(Debug, Clone)]
pub struct CodeFacts {
    /// The kind of work, in the router's (and analytics') names.
    pub task: switchyard_router::Task,
    /// The language of the code.
    pub language: switchyard_codeintel::Language,
    /// The prompt template, `name@version`.
    pub template: String,
    /// What validation concluded: `passed`, `failed`, `no_code`, `repaired`, `escalated`
    /// (`None`: validation is off, or the stream did not end).
    pub validation: Option<&'static str>,
}

/// The request id: the client's `x-request-id` if it sent a sane one, else generated.
#[derive(Debug, Clone)]
pub struct RequestId(pub http::HeaderValue);

/// Which of `server.api_keys` the client presented (index), set by authentication.
#[derive(Debug, Clone, Copy)]
pub struct ClientKey(pub usize);

/// Everything known about one request. Holds no prompt or completion text, except in
/// [`RequestContext::texts`] when analytics needs it.
#[derive(Debug)]
pub struct RequestContext {
    /// Request id.
    pub request_id: RequestId,
    /// The route, e.g. `/v1/chat/completions`.
    pub endpoint: &'static str,
    /// The request's method (for the access log).
    pub method: http::Method,
    /// The request's URI as the client sent it (for the access log, which redacts it).
    pub uri: http::Uri,
    /// Why a request was refused (a 4xx's message), for the access log.
    pub refusal: Option<Box<str>>,
    /// Wall-clock time of receipt (for the analytics event).
    pub received_at: SystemTime,
    /// The client key used, if keys are configured.
    pub client_key: Option<usize>,
    /// Size of the request body.
    pub input_bytes: u64,
    /// Size of the generated text (or the encoded answer), for token estimates.
    pub output_bytes: u64,
    /// The client's wire format.
    pub client_format: WireFormat,
    /// When the gateway received the request.
    pub received: Instant,
    /// The `model` the client sent.
    pub requested_model: Option<Arc<str>>,
    /// The client's routing headers, if it sent any.
    pub route_headers: Option<Box<RouteHeaders>>,
    /// The router's decision, when a router planned the request.
    pub route: Option<Box<Decision>>,
    /// The alias that served it (or was last tried).
    pub alias: Option<Arc<str>>,
    /// The alias that answered when it is a fallback of the requested one.
    pub fallback: Option<Arc<str>>,
    /// The provider that answered (or was last tried).
    pub provider: Option<Arc<ProviderSettings>>,
    /// Upstream model that answered.
    pub upstream_model: Option<Arc<str>>,
    /// Upstream calls made.
    pub attempts: u32,
    /// Upstream attempts that failed: (provider, error class), in order. Failover records
    /// them; the observe stage turns them into metrics.
    pub upstream_errors: Vec<(Arc<str>, ErrorKind)>,
    /// Whether the client asked for a stream.
    pub stream: bool,
    /// Token usage reported by the upstream.
    pub usage: Option<Usage>,
    /// Time spent waiting on upstreams (excluded from the gateway's overhead).
    pub upstream_wait: Duration,
    /// Streams: time from receipt to the first content event.
    pub time_to_first_token: Option<Duration>,
    /// HTTP status returned.
    pub status: u16,
    /// Class of the error, if the request failed (or a stream broke).
    pub error: Option<ErrorKind>,
    /// The client's W3C `traceparent` header, if any (the parent of the request's span).
    pub traceparent: Option<http::HeaderValue>,
    /// The code API's task, language, template and validation outcome.
    pub code: Option<Box<CodeFacts>>,
    /// What the response cache did (`None`: caching is off for this request's alias).
    pub cache_status: Option<CacheStatus>,
    /// Similarity of a semantic cache hit.
    pub cache_similarity: Option<f32>,
    /// The repository chunks put into a chat request (`x-switchyard-repository`), as the
    /// `x-switchyard-context` response header lists them.
    pub context_used: Option<Box<str>>,
    /// Prompt and completion text, only when analytics needs them: the upstream reported
    /// no usage (tokens are then counted from the text), or `analytics.record_text` is on.
    /// Never logged.
    pub texts: Option<Box<RequestTexts>>,
}

impl RequestContext {
    /// A context for a request received at `received`.
    pub fn new(request_id: RequestId, client_format: WireFormat, received: Instant) -> Self {
        Self {
            request_id,
            endpoint: "",
            method: http::Method::GET,
            uri: http::Uri::default(),
            refusal: None,
            received_at: SystemTime::now(),
            client_key: None,
            input_bytes: 0,
            output_bytes: 0,
            client_format,
            received,
            requested_model: None,
            route_headers: None,
            route: None,
            alias: None,
            fallback: None,
            provider: None,
            upstream_model: None,
            attempts: 0,
            upstream_errors: Vec::new(),
            stream: false,
            usage: None,
            upstream_wait: Duration::ZERO,
            time_to_first_token: None,
            status: 200,
            error: None,
            traceparent: None,
            code: None,
            cache_status: None,
            context_used: None,
            cache_similarity: None,
            texts: None,
        }
    }

    /// Records that upstream `model` of `provider` is being tried.
    pub fn attempt(&mut self, provider: &Arc<ProviderSettings>, model: &Arc<str>) {
        self.attempts += 1;
        self.provider = Some(provider.clone());
        self.upstream_model = Some(model.clone());
    }

    /// Fills what the request's own parts say: endpoint, method, URI, client key, trace parent.
    pub fn from_parts(&mut self, endpoint: &'static str, parts: &http::request::Parts) {
        self.endpoint = endpoint;
        self.method = parts.method.clone();
        self.uri = parts.uri.clone();
        self.client_key = parts.extensions.get::<ClientKey>().map(|k| k.0);
        self.traceparent = parts.headers.get("traceparent").cloned();
        let tier = parts.headers.get("x-switchyard-tier");
        let max_cost = parts.headers.get("x-switchyard-max-cost");
        if tier.is_some() || max_cost.is_some() {
            self.route_headers = Some(Box::new(RouteHeaders {
                tier: tier.cloned(),
                max_cost: max_cost.cloned(),
            }));
        }
    }

    /// Time spent in the gateway itself so far: total minus upstream waits.
    pub fn overhead(&self) -> Duration {
        self.received.elapsed().saturating_sub(self.upstream_wait)
    }

    /// The name of the provider that answered (or was last tried), if any.
    pub fn provider_name(&self) -> Option<&str> {
        self.provider.as_deref().map(|p| &*p.name)
    }
}
