//! Prometheus metrics in the text exposition format (0.0.4), hand-rolled: every request
//! metric is updated by the single writer task (one lock, never contended by the request
//! path) and the pipeline's own counters are atomics, so a metrics library's registry and
//! per-series locking would buy nothing here.
//!
//! Labels are low-cardinality by construction: status class, provider, alias, token kind,
//! cache status, error class; each label keeps at most [`MAX_LABEL_VALUES`] distinct
//! values, later ones are counted under `other`.

use crate::{
    event::{CacheStatus, RequestEvent},
    queue::PipelineCounters,
    recent::RecentLookups,
};
use std::{
    collections::{BTreeMap, HashMap, HashSet},
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

/// The status classes of `switchyard_requests_total`, in label order.
const STATUS_CLASSES: [&str; 6] = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"];

/// The token kinds of `switchyard_tokens_total`.
const TOKEN_KINDS: [&str; 5] = [
    "input",
    "output",
    "cached_input",
    "cache_creation_input",
    "reasoning",
];

/// Savings sources of `switchyard_savings_usd_total`, in output order.
const SAVINGS_SOURCES: [&str; 3] = ["cache", "router", "prompt_cache"];

/// Recent (provider, alias) pairs remembered by their raw names, so that the usual request
/// finds its series by comparing two short strings instead of hashing three.
const PAIR_MEMO: usize = 16;

/// What every request of one provider label updates.
#[derive(Debug)]
struct ProviderSeries {
    label: Arc<str>,
    /// Counts by [`TOKEN_KINDS`]; `None` until a request of this provider reported usage.
    tokens: Option<[u64; TOKEN_KINDS.len()]>,
    /// `None` until a request of this provider was priced.
    cost: Option<f64>,
    latency: Histogram,
}

/// Requests of one (provider, alias) pair, by [`STATUS_CLASSES`].
#[derive(Debug)]
struct PairSeries {
    provider: usize,
    alias: Arc<str>,
    by_class: [u64; STATUS_CLASSES.len()],
}

/// The request metrics. The hot families are plain counters in per-series structs (one
/// memo hit per request, no map updates); the rare ones (errors, fallbacks, upstream
/// errors) stay in maps. [`Families`] rebuilds the sorted view when rendering.
#[derive(Debug)]
struct State {
    providers: LabelValues,
    aliases: LabelValues,
    classes: LabelValues,
    provider_series: Vec<ProviderSeries>,
    provider_index: HashMap<Arc<str>, usize>,
    pairs: Vec<PairSeries>,
    pair_index: HashMap<(Arc<str>, Arc<str>), usize>,
    /// Index into `pairs` by raw provider and alias names.
    pair_memo: RecentLookups<usize, PAIR_MEMO>,
    unpriced: u64,
    savings: [f64; SAVINGS_SOURCES.len()],
    cache: [u64; CacheStatus::ALL.len()],
    errors: BTreeMap<Arc<str>, u64>,
    upstream_errors: BTreeMap<(Arc<str>, Arc<str>), u64>,
    fallbacks: BTreeMap<Arc<str>, u64>,
    ttft: Histogram,
    overhead: Histogram,
}

impl Default for State {
    fn default() -> Self {
        Self {
            providers: LabelValues::default(),
            aliases: LabelValues::default(),
            classes: LabelValues::default(),
            provider_series: Vec::new(),
            provider_index: HashMap::new(),
            pairs: Vec::new(),
            pair_index: HashMap::new(),
            pair_memo: RecentLookups::default(),
            unpriced: 0,
            savings: [0.0; SAVINGS_SOURCES.len()],
            cache: [0; CacheStatus::ALL.len()],
            errors: BTreeMap::new(),
            upstream_errors: BTreeMap::new(),
            fallbacks: BTreeMap::new(),
            ttft: Histogram::new(TTFT_BUCKETS),
            overhead: Histogram::new(OVERHEAD_BUCKETS),
        }
    }
}

impl State {
    /// The series of `e`'s (provider, alias) pair, created on first sight.
    fn pair(&mut self, e: &RequestEvent) -> usize {
        let (provider, alias) = (e.provider.as_deref(), e.alias.as_deref());
        if let Some(i) = self.pair_memo.get(provider, alias) {
            return i;
        }
        let provider_label = self.providers.get(provider);
        let alias_label = self.aliases.get(alias);
        let key = (provider_label, alias_label);
        let i = match self.pair_index.get(&key) {
            Some(&i) => i,
            None => {
                let provider = self.provider_series_of(&key.0);
                let i = self.pairs.len();
                self.pairs.push(PairSeries {
                    provider,
                    alias: key.1.clone(),
                    by_class: [0; STATUS_CLASSES.len()],
                });
                self.pair_index.insert(key, i);
                i
            }
        };
        self.pair_memo.put(provider, alias, i);
        i
    }

    fn provider_series_of(&mut self, label: &Arc<str>) -> usize {
        if let Some(&i) = self.provider_index.get(label) {
            return i;
        }
        let i = self.provider_series.len();
        self.provider_series.push(ProviderSeries {
            label: label.clone(),
            tokens: None,
            cost: None,
            latency: Histogram::new(LATENCY_BUCKETS),
        });
        self.provider_index.insert(label.clone(), i);
        i
    }
}

/// The metric families as sorted maps, rebuilt from [`State`] for rendering.
struct Families<'a> {
    requests: BTreeMap<(&'static str, &'a str, &'a str), u64>,
    tokens: BTreeMap<(&'a str, &'static str), u64>,
    cost: BTreeMap<&'a str, f64>,
    latency: BTreeMap<&'a str, &'a Histogram>,
}

impl<'a> Families<'a> {
    fn of(s: &'a State) -> Self {
        let mut f = Families {
            requests: BTreeMap::new(),
            tokens: BTreeMap::new(),
            cost: BTreeMap::new(),
            latency: BTreeMap::new(),
        };
        for pair in &s.pairs {
            let Some(provider) = s.provider_series.get(pair.provider) else {
                continue;
            };
            for (class, &n) in STATUS_CLASSES.iter().zip(&pair.by_class) {
                if n > 0 {
                    f.requests.insert((class, &provider.label, &pair.alias), n);
                }
            }
        }
        for p in &s.provider_series {
            if let Some(tokens) = &p.tokens {
                for (kind, &n) in TOKEN_KINDS.iter().zip(tokens) {
                    f.tokens.insert((&p.label, kind), n);
                }
            }
            if let Some(cost) = p.cost {
                f.cost.insert(&p.label, cost);
            }
            f.latency.insert(&p.label, &p.latency);
        }
        f
    }
}

/// The gateway's request metrics and the analytics pipeline's own.
#[derive(Debug, Default)]
pub struct Metrics {
    state: Mutex<State>,
    pub(crate) pipeline: PipelineCounters,
}

/// The index in [`STATUS_CLASSES`] of an HTTP status.
fn status_class(status: u16) -> usize {
    match status {
        100..=599 => usize::from(status / 100 - 1),
        _ => STATUS_CLASSES.len() - 1,
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
        let pair_index = s.pair(e);
        let Some(pair) = s.pairs.get_mut(pair_index) else {
            return;
        };
        if let Some(n) = pair.by_class.get_mut(status_class(e.status)) {
            *n += 1;
        }
        if e.is_fallback() {
            add(&mut s.fallbacks, pair.alias.clone(), 1);
        }
        let Some(provider) = s.provider_series.get_mut(pair.provider) else {
            return;
        };
        if let Some(u) = &e.usage {
            let tokens = provider.tokens.get_or_insert([0; TOKEN_KINDS.len()]);
            let counts = [
                u.input_tokens,
                u.output_tokens,
                u.cached_input_tokens,
                u.cache_creation_input_tokens,
                u.reasoning_tokens,
            ];
            for (total, n) in tokens.iter_mut().zip(counts) {
                *total += n;
            }
        }
        match e.cost_usd {
            Some(c) => *provider.cost.get_or_insert(0.0) += c,
            None => s.unpriced += 1,
        }
        provider.latency.observe(e.total_ms / 1000.0);
        let savings = [
            e.cache_savings_usd,
            e.router_savings_usd,
            e.prompt_cache_savings_usd,
        ];
        for (total, v) in s.savings.iter_mut().zip(savings) {
            if let Some(v) = v {
                *total += v;
            }
        }
        if let Some(n) = e.cache_status.and_then(|c| s.cache.get_mut(c.index())) {
            *n += 1;
        }
        if e.is_error() {
            let class = s
                .classes
                .get(Some(e.error_class.as_deref().unwrap_or("http_error")));
            add(&mut s.errors, class, 1);
        }
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

/// Writes the `# HELP` and `# TYPE` lines of a metric (for metrics other crates append to
/// [`Metrics::render`]'s text, e.g. the gateway's breaker gauges).
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
    let f = Families::of(s);
    write_metric_header(
        out,
        "switchyard_requests_total",
        "counter",
        "Requests finished, by status class, provider and alias.",
    );
    for ((class, provider, alias), n) in &f.requests {
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
    for ((provider, kind), n) in &f.tokens {
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
    for (provider, v) in &f.cost {
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
    for (source, v) in SAVINGS_SOURCES.iter().zip(&s.savings) {
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
    for (status, v) in CacheStatus::ALL.iter().zip(&s.cache) {
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
    for (provider, h) in &f.latency {
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
mod tests;
