//! Prometheus metrics in the text exposition format (0.0.4), hand-rolled: every request
//! metric is updated by the single writer task (one lock, never contended by the request
//! path) and the pipeline's own counters are atomics, so a metrics library's registry and
//! per-series locking would buy nothing here.
//!
//! Labels are low-cardinality by construction: status class, provider, alias, token kind,
//! cache status, error class; each label keeps at most [`MAX_LABEL_VALUES`] distinct
//! values, later ones are counted under `other`.

use crate::event::{CacheStatus, RequestEvent};
use std::{
    collections::{BTreeMap, HashSet},
    fmt::Write as _,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};

/// Distinct values kept per label before the rest become `other`.
pub const MAX_LABEL_VALUES: usize = 100;

const LATENCY_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];
const TTFT_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];
const OVERHEAD_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
];

#[derive(Debug, Clone)]
struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: vec![0; bounds.len()],
            sum: 0.0,
            count: 0,
        }
    }

    fn observe(&mut self, v: f64) {
        if !v.is_finite() || v < 0.0 {
            return;
        }
        if let Some(i) = self.bounds.iter().position(|b| v <= *b) {
            if let Some(c) = self.counts.get_mut(i) {
                *c += 1;
            }
        }
        self.sum += v;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, n) in self.bounds.iter().zip(&self.counts) {
            cumulative += n;
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = |l: &str| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{{{l}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {}", braces(labels), self.sum);
        let _ = writeln!(out, "{name}_count{} {}", braces(labels), self.count);
    }
}

#[derive(Debug, Default)]
struct LabelValues {
    seen: HashSet<Arc<str>>,
}

impl LabelValues {
    fn get(&mut self, v: Option<&str>) -> Arc<str> {
        let v = v.unwrap_or("none");
        if let Some(known) = self.seen.get(v) {
            return known.clone();
        }
        if self.seen.len() >= MAX_LABEL_VALUES {
            return Arc::from("other");
        }
        let value: Arc<str> = Arc::from(v);
        self.seen.insert(value.clone());
        value
    }
}

#[derive(Debug)]
struct State {
    providers: LabelValues,
    aliases: LabelValues,
    classes: LabelValues,
    requests: BTreeMap<(&'static str, Arc<str>, Arc<str>), u64>,
    tokens: BTreeMap<(Arc<str>, &'static str), u64>,
    cost: BTreeMap<Arc<str>, f64>,
    unpriced: u64,
    savings: BTreeMap<&'static str, f64>,
    cache: BTreeMap<&'static str, u64>,
    errors: BTreeMap<Arc<str>, u64>,
    upstream_errors: BTreeMap<(Arc<str>, Arc<str>), u64>,
    fallbacks: BTreeMap<Arc<str>, u64>,
    latency: BTreeMap<Arc<str>, Histogram>,
    ttft: Histogram,
    overhead: Histogram,
}

impl Default for State {
    fn default() -> Self {
        Self {
            providers: LabelValues::default(),
            aliases: LabelValues::default(),
            classes: LabelValues::default(),
            requests: BTreeMap::new(),
            tokens: BTreeMap::new(),
            cost: BTreeMap::new(),
            unpriced: 0,
            savings: BTreeMap::new(),
            cache: BTreeMap::new(),
            errors: BTreeMap::new(),
            upstream_errors: BTreeMap::new(),
            fallbacks: BTreeMap::new(),
            latency: BTreeMap::new(),
            ttft: Histogram::new(TTFT_BUCKETS),
            overhead: Histogram::new(OVERHEAD_BUCKETS),
        }
    }
}

/// Counters of the event pipeline itself.
#[derive(Debug, Default)]
pub(crate) struct PipelineCounters {
    /// The queue's sending side, to read its depth (set once the writer starts).
    pub(crate) queue: std::sync::OnceLock<tokio::sync::mpsc::Sender<RequestEvent>>,
    pub(crate) written: AtomicU64,
    pub(crate) dropped_queue_full: AtomicU64,
    pub(crate) dropped_backlog: AtomicU64,
    pub(crate) dropped_shutdown: AtomicU64,
    pub(crate) store_errors: AtomicU64,
    pub(crate) buffered: AtomicU64,
}

impl PipelineCounters {
    /// Events waiting in the queue.
    pub(crate) fn queued(&self) -> u64 {
        self.queue
            .get()
            .map_or(0, |tx| (tx.max_capacity() - tx.capacity()) as u64)
    }
}

/// The gateway's request metrics and the analytics pipeline's own.
#[derive(Debug, Default)]
pub struct Metrics {
    state: Mutex<State>,
    pub(crate) pipeline: PipelineCounters,
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => "other",
    }
}

fn add<K: Ord>(map: &mut BTreeMap<K, u64>, key: K, n: u64) {
    *map.entry(key).or_insert(0) += n;
}

impl Metrics {
    /// Empty metrics.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts one finished (and priced) request.
    pub fn observe(&self, e: &RequestEvent) {
        let mut s = self.state();
        let s = &mut *s;
        let provider = s.providers.get(e.provider.as_deref());
        let alias = s.aliases.get(e.alias.as_deref());
        add(
            &mut s.requests,
            (status_class(e.status), provider.clone(), alias.clone()),
            1,
        );
        if let Some(u) = &e.usage {
            for (kind, n) in [
                ("input", u.input_tokens),
                ("output", u.output_tokens),
                ("cached_input", u.cached_input_tokens),
                ("cache_creation_input", u.cache_creation_input_tokens),
                ("reasoning", u.reasoning_tokens),
            ] {
                add(&mut s.tokens, (provider.clone(), kind), n);
            }
        }
        match e.cost_usd {
            Some(c) => *s.cost.entry(provider.clone()).or_insert(0.0) += c,
            None => s.unpriced += 1,
        }
        for (source, v) in [
            ("cache", e.cache_savings_usd),
            ("router", e.router_savings_usd),
            ("prompt_cache", e.prompt_cache_savings_usd),
        ] {
            if let Some(v) = v {
                *s.savings.entry(source).or_insert(0.0) += v;
            }
        }
        if let Some(c) = e.cache_status {
            add(&mut s.cache, c.as_str(), 1);
        }
        if e.is_error() {
            let class = s
                .classes
                .get(Some(e.error_class.as_deref().unwrap_or("http_error")));
            add(&mut s.errors, class, 1);
        }
        if e.is_fallback() {
            add(&mut s.fallbacks, alias, 1);
        }
        s.latency
            .entry(provider)
            .or_insert_with(|| Histogram::new(LATENCY_BUCKETS))
            .observe(e.total_ms / 1000.0);
        if let Some(t) = e.ttft_ms {
            s.ttft.observe(t / 1000.0);
        }
        s.overhead.observe(e.overhead_ms / 1000.0);
    }

    /// Counts one failed upstream attempt (the gateway calls this per attempt, retried or
    /// not; `class` is its error class, e.g. `upstream_timeout`).
    pub fn record_upstream_error(&self, provider: &str, class: &str) {
        let mut s = self.state();
        let s = &mut *s;
        let provider = s.providers.get(Some(provider));
        let class = s.classes.get(Some(class));
        add(&mut s.upstream_errors, (provider, class), 1);
    }

    /// The metrics in Prometheus text format. The gateway appends its own families (e.g.
    /// breaker states) after this.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        {
            let s = self.state();
            render_state(&s, &mut out);
        }
        self.render_pipeline(&mut out);
        out
    }

    fn render_pipeline(&self, out: &mut String) {
        let p = &self.pipeline;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        write_metric_header(
            out,
            "switchyard_analytics_events_written_total",
            "counter",
            "Request events written to the analytics store.",
        );
        let _ = writeln!(
            out,
            "switchyard_analytics_events_written_total {}",
            load(&p.written)
        );
        write_metric_header(
            out,
            "switchyard_analytics_events_dropped_total",
            "counter",
            "Request events not stored: queue full, store backlog over its cap, or left at shutdown.",
        );
        for (reason, v) in [
            ("queue_full", &p.dropped_queue_full),
            ("store_backlog", &p.dropped_backlog),
            ("shutdown", &p.dropped_shutdown),
        ] {
            let _ = writeln!(
                out,
                "switchyard_analytics_events_dropped_total{{reason=\"{reason}\"}} {}",
                load(v)
            );
        }
        write_metric_header(
            out,
            "switchyard_analytics_store_errors_total",
            "counter",
            "Failed analytics store writes (the batch is retried).",
        );
        let _ = writeln!(
            out,
            "switchyard_analytics_store_errors_total {}",
            load(&p.store_errors)
        );
        write_metric_header(
            out,
            "switchyard_analytics_queued_events",
            "gauge",
            "Events in the queue between the request path and the analytics writer.",
        );
        let _ = writeln!(out, "switchyard_analytics_queued_events {}", p.queued());
        write_metric_header(
            out,
            "switchyard_analytics_buffered_events",
            "gauge",
            "Events held by the analytics writer, not yet stored.",
        );
        let _ = writeln!(
            out,
            "switchyard_analytics_buffered_events {}",
            load(&p.buffered)
        );
    }
}

/// Writes the `# HELP` and `# TYPE` lines of a metric (for metrics appended by other crates
/// through [`crate::MetricsExtra`]).
pub fn write_metric_header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Escapes a Prometheus label value (backslash, quote, newline).
pub fn escape_label_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn render_state(s: &State, out: &mut String) {
    write_metric_header(
        out,
        "switchyard_requests_total",
        "counter",
        "Requests finished, by status class, provider and alias.",
    );
    for ((class, provider, alias), n) in &s.requests {
        let _ = writeln!(
            out,
            "switchyard_requests_total{{status_class=\"{class}\",provider=\"{}\",alias=\"{}\"}} {n}",
            escape_label_value(provider),
            escape_label_value(alias)
        );
    }
    write_metric_header(
        out,
        "switchyard_tokens_total",
        "counter",
        "Tokens by provider and kind (input includes cached and cache_creation_input; output includes reasoning).",
    );
    for ((provider, kind), n) in &s.tokens {
        let _ = writeln!(
            out,
            "switchyard_tokens_total{{provider=\"{}\",kind=\"{kind}\"}} {n}",
            escape_label_value(provider)
        );
    }
    write_metric_header(
        out,
        "switchyard_cost_usd_total",
        "counter",
        "Money spent on upstream calls, USD, by provider.",
    );
    for (provider, v) in &s.cost {
        let _ = writeln!(
            out,
            "switchyard_cost_usd_total{{provider=\"{}\"}} {v}",
            escape_label_value(provider)
        );
    }
    write_metric_header(
        out,
        "switchyard_unpriced_requests_total",
        "counter",
        "Requests whose model has no known price (missing from the cost).",
    );
    let _ = writeln!(out, "switchyard_unpriced_requests_total {}", s.unpriced);
    write_metric_header(
        out,
        "switchyard_savings_usd_total",
        "counter",
        "Money saved, USD, by source: response cache, router, provider prompt cache.",
    );
    for source in ["cache", "router", "prompt_cache"] {
        let v = s.savings.get(source).copied().unwrap_or(0.0);
        let _ = writeln!(
            out,
            "switchyard_savings_usd_total{{source=\"{source}\"}} {v}"
        );
    }
    write_metric_header(
        out,
        "switchyard_cache_requests_total",
        "counter",
        "Requests by response-cache status.",
    );
    for status in CacheStatus::ALL {
        let v = s.cache.get(status.as_str()).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "switchyard_cache_requests_total{{status=\"{}\"}} {v}",
            status.as_str()
        );
    }
    write_metric_header(
        out,
        "switchyard_request_errors_total",
        "counter",
        "Failed requests by error class.",
    );
    for (class, n) in &s.errors {
        let _ = writeln!(
            out,
            "switchyard_request_errors_total{{class=\"{}\"}} {n}",
            escape_label_value(class)
        );
    }
    write_metric_header(
        out,
        "switchyard_upstream_errors_total",
        "counter",
        "Failed upstream attempts by provider and error class.",
    );
    for ((provider, class), n) in &s.upstream_errors {
        let _ = writeln!(
            out,
            "switchyard_upstream_errors_total{{provider=\"{}\",class=\"{}\"}} {n}",
            escape_label_value(provider),
            escape_label_value(class)
        );
    }
    write_metric_header(
        out,
        "switchyard_fallbacks_total",
        "counter",
        "Requests that needed a retry or a fallback alias, by alias.",
    );
    for (alias, n) in &s.fallbacks {
        let _ = writeln!(
            out,
            "switchyard_fallbacks_total{{alias=\"{}\"}} {n}",
            escape_label_value(alias)
        );
    }
    write_metric_header(
        out,
        "switchyard_request_duration_seconds",
        "histogram",
        "Total request latency by provider.",
    );
    for (provider, h) in &s.latency {
        h.render(
            out,
            "switchyard_request_duration_seconds",
            &format!("provider=\"{}\"", escape_label_value(provider)),
        );
    }
    write_metric_header(
        out,
        "switchyard_time_to_first_token_seconds",
        "histogram",
        "Time to the first content event of streams.",
    );
    s.ttft
        .render(out, "switchyard_time_to_first_token_seconds", "");
    write_metric_header(
        out,
        "switchyard_gateway_overhead_seconds",
        "histogram",
        "Time spent in the gateway itself (total minus upstream waits).",
    );
    s.overhead
        .render(out, "switchyard_gateway_overhead_seconds", "");
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
