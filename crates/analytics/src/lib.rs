//! Usage analytics for Switchyard: one [`RequestEvent`] per request, priced from a dated
//! [`PriceTable`], recorded off the request path ([`Analytics::record`] never blocks) into
//! SQLite or PostgreSQL, summarised ([`Analytics::summary`]) and counted as Prometheus
//! [`Metrics`]. A library without a web server: the gateway serves the dashboard, the
//! analytics API and `/metrics` from these (`switchyard_gateway::routes::dashboard`).
//!
//! The gateway builds one [`Analytics`] at start (`Analytics::open`), calls `record` from
//! its observe stage, answers its operator routes with [`Analytics::summary`],
//! [`Analytics::recent`] and [`Metrics::render`], and calls [`Analytics::shutdown`] on the
//! way out.

mod config;
mod event;
mod metrics;
mod pipeline;
mod prices;
mod queue;
mod recent;
mod redact;
mod report;
pub mod store;
mod summary;
mod timeparse;
mod tokenizer;

pub use config::{AnalyticsConfig, StoreTarget, DEFAULT_SQLITE_FILE};
pub use event::{hash_client_key, now_millis, unix_millis, CacheStatus, RequestEvent, TokenUsage};
pub use metrics::{escape_label_value, write_metric_header, Metrics, MAX_LABEL_VALUES};
pub use pipeline::{Analytics, AnalyticsError, PipelineStats};
pub use prices::{
    builtin_prices, cost, estimate_usage, Cost, LongContextPrice, ModelPrice, PriceMemo,
    PriceTable, BUILTIN_PRICES_DATE, ESTIMATE_BYTES_PER_TOKEN,
};
pub use redact::{redact_secrets, REDACTED};
pub use report::render_report;
pub use summary::{
    percentile, Aggregator, BucketStats, GroupBy, GroupStats, Percentiles, ScanRow, Stats, Summary,
    SummaryParams, SummaryQuery, MAX_BUCKETS,
};
pub use timeparse::{format_rfc3339, parse_duration, parse_time};
pub use tokenizer::{count_tokens, estimate_usage_from_text};
