//! Summaries over a time range: counts, tokens, cost, savings, rates and latency percentiles,
//! overall, per group and per time bucket.
//!
//! Stores only scan matching rows in `(ts_ms, event_id)` order and feed them to an
//! [`Aggregator`]; all arithmetic happens here, so every store gives the same answer.

use crate::event::{CacheStatus, RequestEvent};
use crate::timeparse::{parse_duration, parse_time};
use serde::{Deserialize, Serialize};
use std::{collections::HashMap, time::Duration};

/// Most buckets one summary may have.
pub const MAX_BUCKETS: i64 = 5000;

/// What a summary breaks down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The model that answered (else the one requested).
    Model,
    /// The configured provider name.
    Provider,
    /// The programming language.
    Language,
    /// The task kind.
    Task,
    /// The router tier.
    Tier,
    /// The client key hash.
    Key,
    /// The response-cache status.
    Cache,
}

impl GroupBy {
    /// Every grouping.
    pub const ALL: [GroupBy; 7] = [
        Self::Model,
        Self::Provider,
        Self::Language,
        Self::Task,
        Self::Tier,
        Self::Key,
        Self::Cache,
    ];

    /// The query-string name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::Provider => "provider",
            Self::Language => "language",
            Self::Task => "task",
            Self::Tier => "tier",
            Self::Key => "key",
            Self::Cache => "cache",
        }
    }

    /// Parses a query-string name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// The SQL expression (same in SQLite and PostgreSQL) of the group key.
    pub(crate) fn sql(self) -> &'static str {
        match self {
            Self::Model => "COALESCE(upstream_model, requested_model)",
            Self::Provider => "provider",
            Self::Language => "language",
            Self::Task => "task",
            Self::Tier => "router_tier",
            Self::Key => "key_hash",
            Self::Cache => "cache_status",
        }
    }
}

/// A summary request: events with `since <= ts_ms < until` (unix ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryQuery {
    /// Start, inclusive (unix ms).
    pub since: i64,
    /// End, exclusive (unix ms).
    pub until: i64,
    /// Break down by this.
    pub group_by: Option<GroupBy>,
    /// Also per time bucket of this width (aligned to the unix epoch, so `1h` buckets start
    /// on the hour UTC).
    pub bucket: Option<Duration>,
}

impl SummaryQuery {
    /// Everything in the last `window` before `now_ms`.
    pub fn last(window: Duration, now_ms: i64) -> Self {
        let ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        Self {
            since: now_ms.saturating_sub(ms),
            until: now_ms,
            group_by: None,
            bucket: None,
        }
    }

    /// Checks the range and the bucket count.
    pub fn validate(&self) -> Result<(), String> {
        if self.since >= self.until {
            return Err("`since` must be before `until`".into());
        }
        if let Some(b) = self.bucket_ms() {
            if b < 1000 {
                return Err("`bucket` must be at least 1s".into());
            }
            if bucket_count(self.since, self.until, b) > MAX_BUCKETS {
                return Err(format!(
                    "too many buckets (more than {MAX_BUCKETS}); use a wider bucket"
                ));
            }
        }
        Ok(())
    }

    fn bucket_ms(&self) -> Option<i64> {
        self.bucket
            .map(|b| i64::try_from(b.as_millis()).unwrap_or(i64::MAX))
    }
}

fn bucket_count(since: i64, until: i64, bucket_ms: i64) -> i64 {
    let first = since.div_euclid(bucket_ms);
    let last = (until - 1).div_euclid(bucket_ms);
    last - first + 1
}

/// Latency percentiles in milliseconds (linear interpolation between closest ranks, as
/// PostgreSQL's `percentile_cont`); `None` without samples.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

/// Aggregates of a set of events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Events.
    pub requests: u64,
    /// Failed requests (error status or error class).
    pub errors: u64,
    /// Requests that needed more than one attempt or a fallback alias.
    pub fallbacks: u64,
    /// `errors / requests` (0 without requests).
    pub error_rate: f64,
    /// `fallbacks / requests` (0 without requests).
    pub fallback_rate: f64,
    /// Prompt tokens (cached included).
    pub input_tokens: u64,
    /// Generated tokens (reasoning included).
    pub output_tokens: u64,
    /// Prompt tokens read from provider prompt caches.
    pub cached_input_tokens: u64,
    /// Prompt tokens written to provider prompt caches.
    pub cache_creation_input_tokens: u64,
    /// Reasoning tokens.
    pub reasoning_tokens: u64,
    /// Money spent, USD.
    pub cost_usd: f64,
    /// Saved by the response cache, USD.
    pub cache_savings_usd: f64,
    /// Saved by routing to cheaper models, USD (net; negative if routing cost more).
    pub router_savings_usd: f64,
    /// Saved by provider prompt caching, USD (net of cache-write surcharges).
    pub prompt_cache_savings_usd: f64,
    /// All three savings.
    pub savings_usd: f64,
    /// Requests whose model has no known price (not in `cost_usd`).
    pub unpriced_requests: u64,
    /// Requests whose tokens were estimated.
    pub estimated_requests: u64,
    /// Requests that looked in the response cache (hits and misses).
    pub cache_lookups: u64,
    /// Requests served from the response cache (exact or semantic).
    pub cache_hits: u64,
    /// `cache_hits / cache_lookups`; `None` without lookups.
    pub cache_hit_rate: Option<f64>,
    /// Total latency.
    pub latency_ms: Percentiles,
    /// Time to first token (streams).
    pub ttft_ms: Percentiles,
    /// Gateway overhead.
    pub overhead_ms: Percentiles,
}

/// The stats of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    /// The group key; `None` for events without a value (e.g. no language detected).
    pub key: Option<String>,
    /// Its aggregates.
    #[serde(flatten)]
    pub stats: Stats,
}

/// The stats of one time bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketStats {
    /// Bucket start (unix ms).
    pub start: i64,
    /// Its aggregates.
    #[serde(flatten)]
    pub stats: Stats,
    /// Per group within the bucket (when grouped), most expensive first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupStats>,
}

/// The answer to a [`SummaryQuery`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Start of the range (unix ms).
    pub since: i64,
    /// End of the range (unix ms, exclusive).
    pub until: i64,
    /// The grouping, if any.
    pub group_by: Option<GroupBy>,
    /// Bucket width in ms, if bucketed.
    pub bucket_ms: Option<i64>,
    /// Everything in the range.
    pub total: Stats,
    /// Per group, most expensive first (then most requests, then by key).
    pub groups: Vec<GroupStats>,
    /// Every bucket of the range in time order, empty ones included.
    pub buckets: Vec<BucketStats>,
}

/// The columns of one stored event a summary needs. Strings borrow from the store's row.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanRow<'a> {
    /// Unix ms.
    pub ts_ms: i64,
    /// The group-by column's value.
    pub group: Option<&'a str>,
    /// Whether the event is an error ([`RequestEvent::is_error`](crate::RequestEvent::is_error)).
    pub error: bool,
    /// Whether the event is a fallback ([`RequestEvent::is_fallback`](crate::RequestEvent::is_fallback)).
    pub fallback: bool,
    /// Response-cache status.
    pub cache_status: Option<CacheStatus>,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Generated tokens.
    pub output_tokens: u64,
    /// Cached prompt tokens.
    pub cached_input_tokens: u64,
    /// Cache-write prompt tokens.
    pub cache_creation_input_tokens: u64,
    /// Reasoning tokens.
    pub reasoning_tokens: u64,
    /// Tokens were estimated.
    pub tokens_estimated: bool,
    /// Cost, if priced.
    pub cost_usd: Option<f64>,
    /// Prompt-cache saving.
    pub prompt_cache_savings_usd: f64,
    /// Response-cache saving.
    pub cache_savings_usd: f64,
    /// Router saving.
    pub router_savings_usd: f64,
    /// Total latency.
    pub total_ms: f64,
    /// Time to first token.
    pub ttft_ms: Option<f64>,
    /// Gateway overhead.
    pub overhead_ms: f64,
}

impl<'a> ScanRow<'a> {
    /// The row a store would return for `event` under `group_by` (for stores that keep
    /// events in memory, and to check stores against).
    pub fn from_event(event: &'a RequestEvent, group_by: Option<GroupBy>) -> Self {
        let usage = event.usage.unwrap_or_default();
        let group = group_by.and_then(|g| match g {
            GroupBy::Model => event.model(),
            GroupBy::Provider => event.provider.as_deref(),
            GroupBy::Language => event.language.as_deref(),
            GroupBy::Task => event.task.as_deref(),
            GroupBy::Tier => event.router_tier.as_deref(),
            GroupBy::Key => event.key_hash.as_deref(),
            GroupBy::Cache => event.cache_status.map(CacheStatus::as_str),
        });
        Self {
            ts_ms: event.ts_ms,
            group,
            error: event.is_error(),
            fallback: event.is_fallback(),
            cache_status: event.cache_status,
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
            cached_input_tokens: usage.cached_input_tokens,
            cache_creation_input_tokens: usage.cache_creation_input_tokens,
            reasoning_tokens: usage.reasoning_tokens,
            tokens_estimated: usage.estimated,
            cost_usd: event.cost_usd,
            prompt_cache_savings_usd: event.prompt_cache_savings_usd.unwrap_or(0.0),
            cache_savings_usd: event.cache_savings_usd.unwrap_or(0.0),
            router_savings_usd: event.router_savings_usd.unwrap_or(0.0),
            total_ms: event.total_ms,
            ttft_ms: event.ttft_ms,
            overhead_ms: event.overhead_ms,
        }
    }
}

/// Money is summed in whole femto-dollars (1e-15 USD): integer sums do not depend on the
/// order events arrive in, so every store (SQLite segments come in batch order, PostgreSQL
/// in time order) gives the same figures to the last digit, far below any real price.
const FEMTO_PER_USD: f64 = 1e15;

fn femto(usd: f64) -> i128 {
    (usd * FEMTO_PER_USD).round() as i128
}

fn usd(femto: i128) -> f64 {
    femto as f64 / FEMTO_PER_USD
}

#[derive(Debug, Default)]
struct Acc {
    stats: Stats,
    /// Cost, cache, router and prompt-cache savings, in femto-dollars.
    money: [i128; 4],
    latency: Vec<f64>,
    ttft: Vec<f64>,
    overhead: Vec<f64>,
}

impl Acc {
    fn add(&mut self, r: &ScanRow<'_>) {
        let s = &mut self.stats;
        s.requests += 1;
        s.errors += u64::from(r.error);
        s.fallbacks += u64::from(r.fallback);
        s.input_tokens += r.input_tokens;
        s.output_tokens += r.output_tokens;
        s.cached_input_tokens += r.cached_input_tokens;
        s.cache_creation_input_tokens += r.cache_creation_input_tokens;
        s.reasoning_tokens += r.reasoning_tokens;
        match r.cost_usd {
            Some(c) => self.money[0] += femto(c),
            None => s.unpriced_requests += 1,
        }
        s.estimated_requests += u64::from(r.tokens_estimated);
        self.money[1] += femto(r.cache_savings_usd);
        self.money[2] += femto(r.router_savings_usd);
        self.money[3] += femto(r.prompt_cache_savings_usd);
        if let Some(c) = r.cache_status {
            if c != CacheStatus::Bypass {
                s.cache_lookups += 1;
                s.cache_hits += u64::from(c.is_hit());
            }
        }
        self.latency.push(r.total_ms);
        self.overhead.push(r.overhead_ms);
        if let Some(t) = r.ttft_ms {
            self.ttft.push(t);
        }
    }

    fn finish(mut self) -> Stats {
        let mut s = self.stats;
        let n = s.requests as f64;
        if s.requests > 0 {
            s.error_rate = s.errors as f64 / n;
            s.fallback_rate = s.fallbacks as f64 / n;
        }
        s.cache_hit_rate =
            (s.cache_lookups > 0).then(|| s.cache_hits as f64 / s.cache_lookups as f64);
        let [cost, cache, router, prompt_cache] = self.money;
        s.cost_usd = usd(cost);
        s.cache_savings_usd = usd(cache);
        s.router_savings_usd = usd(router);
        s.prompt_cache_savings_usd = usd(prompt_cache);
        s.savings_usd = usd(cache + router + prompt_cache);
        s.latency_ms = percentiles(&mut self.latency);
        s.ttft_ms = percentiles(&mut self.ttft);
        s.overhead_ms = percentiles(&mut self.overhead);
        s
    }
}

/// The `q`-quantile (0..=1) of sorted `v` by linear interpolation between closest ranks.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = q.clamp(0.0, 1.0) * last as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    let (a, b) = (*sorted.get(lo)?, *sorted.get(hi)?);
    Some(a + (b - a) * (rank - lo as f64))
}

fn percentiles(v: &mut [f64]) -> Percentiles {
    v.sort_unstable_by(f64::total_cmp);
    Percentiles {
        p50: percentile(v, 0.50),
        p95: percentile(v, 0.95),
        p99: percentile(v, 0.99),
    }
}

/// Accumulators by group key; looking up an existing key allocates nothing.
#[derive(Debug, Default)]
struct Groups {
    index: HashMap<Box<str>, usize>,
    accs: Vec<(Option<String>, Acc)>,
    none: Option<usize>,
}

impl Groups {
    fn entry(&mut self, key: Option<&str>) -> &mut Acc {
        let found = match key {
            None => self.none,
            Some(k) => self.index.get(k).copied(),
        };
        let idx = match found {
            Some(i) => i,
            None => {
                let i = self.accs.len();
                self.accs.push((key.map(str::to_owned), Acc::default()));
                match key {
                    None => self.none = Some(i),
                    Some(k) => {
                        self.index.insert(k.into(), i);
                    }
                }
                i
            }
        };
        &mut self.accs[idx].1
    }

    fn finish(self) -> Vec<GroupStats> {
        let mut out: Vec<GroupStats> = self
            .accs
            .into_iter()
            .map(|(key, acc)| GroupStats {
                key,
                stats: acc.finish(),
            })
            .collect();
        out.sort_by(|a, b| {
            b.stats
                .cost_usd
                .total_cmp(&a.stats.cost_usd)
                .then(b.stats.requests.cmp(&a.stats.requests))
                .then(a.key.cmp(&b.key))
        });
        out
    }
}

#[derive(Debug, Default)]
struct Bucket {
    total: Acc,
    groups: Groups,
}

/// Accumulates scanned rows into a [`Summary`]. Memory: three latency samples per row and
/// per place it is counted (total, group, bucket, bucket×group), i.e. ~100 bytes per event.
#[derive(Debug)]
pub struct Aggregator {
    query: SummaryQuery,
    bucket_ms: Option<i64>,
    first_bucket: i64,
    total: Acc,
    groups: Groups,
    buckets: Vec<Bucket>,
}

impl Aggregator {
    /// An empty aggregation for `query` (validate the query first).
    pub fn new(query: SummaryQuery) -> Self {
        let bucket_ms = query.bucket_ms().filter(|b| *b > 0);
        let (first_bucket, count) = match bucket_ms {
            Some(b) => (
                query.since.div_euclid(b) * b,
                bucket_count(query.since, query.until, b).clamp(0, MAX_BUCKETS),
            ),
            None => (query.since, 0),
        };
        Self {
            query,
            bucket_ms,
            first_bucket,
            total: Acc::default(),
            groups: Groups::default(),
            buckets: (0..count).map(|_| Bucket::default()).collect(),
        }
    }

    /// The query being answered (stores read its range and grouping).
    pub fn query(&self) -> &SummaryQuery {
        &self.query
    }

    /// Counts one row (rows outside the range are ignored).
    pub fn push(&mut self, row: &ScanRow<'_>) {
        if row.ts_ms < self.query.since || row.ts_ms >= self.query.until {
            return;
        }
        self.total.add(row);
        let grouped = self.query.group_by.is_some();
        if grouped {
            self.groups.entry(row.group).add(row);
        }
        if let Some(b) = self.bucket_ms {
            let idx = (row.ts_ms - self.first_bucket).div_euclid(b);
            if let Some(bucket) = usize::try_from(idx)
                .ok()
                .and_then(|i| self.buckets.get_mut(i))
            {
                bucket.total.add(row);
                if grouped {
                    bucket.groups.entry(row.group).add(row);
                }
            }
        }
    }

    /// The summary.
    pub fn finish(self) -> Summary {
        let first = self.first_bucket;
        let width = self.bucket_ms.unwrap_or(0);
        Summary {
            since: self.query.since,
            until: self.query.until,
            group_by: self.query.group_by,
            bucket_ms: self.bucket_ms,
            total: self.total.finish(),
            groups: self.groups.finish(),
            buckets: self
                .buckets
                .into_iter()
                .enumerate()
                .map(|(i, b)| BucketStats {
                    start: first + i as i64 * width,
                    stats: b.total.finish(),
                    groups: b.groups.finish(),
                })
                .collect(),
        }
    }
}

/// Default `since` of a [`SummaryParams`] query: the last day.
const DEFAULT_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// A summary query in text form, as an operator writes it (the dashboard's query string,
/// the CLI's flags).
#[derive(Debug, Default, Deserialize)]
pub struct SummaryParams {
    /// Start (see [`parse_time`]).
    pub since: Option<String>,
    /// End (see [`parse_time`]).
    pub until: Option<String>,
    /// Grouping name.
    pub group_by: Option<String>,
    /// Bucket width (see [`parse_duration`]).
    pub bucket: Option<String>,
}

impl SummaryParams {
    /// The query these parameters ask for, relative to `now_ms`. `since`/`until`: RFC 3339,
    /// a date, unix ms, `now`, or relative (`7d`, `24h`); defaults: the last 24 hours.
    /// `group_by`: `model|provider|language|task|tier|key|cache`. `bucket`: a duration
    /// like `1h`.
    pub fn to_query(&self, now_ms: i64) -> Result<SummaryQuery, String> {
        fn blank(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        let until = match blank(&self.until) {
            Some(s) => parse_time(s, now_ms).map_err(|e| format!("until: {e}"))?,
            None => now_ms,
        };
        let since = match blank(&self.since) {
            Some(s) => parse_time(s, now_ms).map_err(|e| format!("since: {e}"))?,
            None => until.saturating_sub(DEFAULT_WINDOW.as_millis() as i64),
        };
        let group_by = match blank(&self.group_by) {
            Some(g) => Some(GroupBy::parse(g).ok_or_else(|| {
                format!("group_by: `{g}` is not one of model, provider, language, task, tier, key, cache")
            })?),
            None => None,
        };
        let bucket = match blank(&self.bucket) {
            Some(b) => Some(parse_duration(b).map_err(|e| format!("bucket: {e}"))?),
            None => None,
        };
        let query = SummaryQuery {
            since,
            until,
            group_by,
            bucket,
        };
        query.validate()?;
        Ok(query)
    }
}

#[cfg(test)]
mod tests;
