//! The stored form of an event, shared by both stores: one table, the same column order,
//! the same SQL (type names both SQLite and PostgreSQL accept), one conversion each way.

use super::StoreError;
use crate::{
    event::{CacheStatus, RequestEvent, TokenUsage},
    summary::{GroupBy, ScanRow},
};

/// The events table (unqualified).
pub(crate) const EVENTS: &str = "switchyard_events";
/// The applied-migrations table (unqualified).
pub(crate) const VERSIONS: &str = "switchyard_schema_version";

/// SQL type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Real,
    Text,
    Bool,
}

/// `(name, type, nullable)` in stored order.
pub(crate) const COLUMNS: &[(&str, Kind, bool)] = &[
    ("ts_ms", Kind::Int, false),
    ("event_id", Kind::Int, false),
    ("request_id", Kind::Text, false),
    ("key_hash", Kind::Text, true),
    ("endpoint", Kind::Text, false),
    ("client_format", Kind::Text, false),
    ("task", Kind::Text, true),
    ("language", Kind::Text, true),
    ("requested_model", Kind::Text, true),
    ("router_tier", Kind::Text, true),
    ("router_score", Kind::Real, true),
    ("router_baseline_model", Kind::Text, true),
    ("alias", Kind::Text, true),
    ("provider", Kind::Text, true),
    ("provider_kind", Kind::Text, true),
    ("upstream_model", Kind::Text, true),
    ("attempts", Kind::Int, false),
    ("fallback_alias", Kind::Text, true),
    ("cache_status", Kind::Text, true),
    ("cache_similarity", Kind::Real, true),
    ("status", Kind::Int, false),
    ("error_class", Kind::Text, true),
    ("stream", Kind::Bool, false),
    ("input_tokens", Kind::Int, true),
    ("output_tokens", Kind::Int, true),
    ("cached_input_tokens", Kind::Int, true),
    ("cache_creation_input_tokens", Kind::Int, true),
    ("reasoning_tokens", Kind::Int, true),
    ("tokens_estimated", Kind::Bool, false),
    ("input_bytes", Kind::Int, false),
    ("output_bytes", Kind::Int, false),
    ("cost_usd", Kind::Real, true),
    ("cost_estimated", Kind::Bool, false),
    ("prompt_cache_savings_usd", Kind::Real, true),
    ("cache_savings_usd", Kind::Real, true),
    ("router_savings_usd", Kind::Real, true),
    ("total_ms", Kind::Real, false),
    ("ttft_ms", Kind::Real, true),
    ("upstream_ms", Kind::Real, false),
    ("overhead_ms", Kind::Real, false),
    ("template", Kind::Text, true),
    ("validation", Kind::Text, true),
    ("prompt_text", Kind::Text, true),
    ("completion_text", Kind::Text, true),
];

impl Kind {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            Kind::Int => "BIGINT",
            Kind::Real => "DOUBLE PRECISION",
            Kind::Text => "TEXT",
            Kind::Bool => "BOOLEAN",
        }
    }
}

/// Migrations in order; `{events}` and `{prefix}` are replaced by the (qualified) events
/// table and the index-name prefix. Version numbers are positions + 1.
pub(crate) fn migrations(events: &str) -> Vec<String> {
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|(name, kind, nullable)| {
            let null = if *nullable { "" } else { " NOT NULL" };
            format!("    {name} {}{null}", kind.sql())
        })
        .collect();
    vec![
        format!(
            "CREATE TABLE {events} (\n{},\n    PRIMARY KEY (ts_ms, event_id)\n)",
            columns.join(",\n")
        ),
        format!("CREATE INDEX {EVENTS}_request_id ON {events} (request_id)"),
    ]
}

/// The column list, comma-separated.
pub(crate) fn column_list() -> String {
    COLUMNS
        .iter()
        .map(|(n, _, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One stored value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value<'a> {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<&'a str>),
    Bool(bool),
}

fn int(v: u64) -> Value<'static> {
    Value::Int(Some(i64::try_from(v).unwrap_or(i64::MAX)))
}

/// The stored values of `e`, in [`COLUMNS`] order.
pub(crate) fn values(e: &RequestEvent) -> [Value<'_>; 44] {
    let u = e.usage;
    let tokens = |f: fn(&TokenUsage) -> u64| {
        Value::Int(u.as_ref().map(|u| i64::try_from(f(u)).unwrap_or(i64::MAX)))
    };
    fn text<S: std::ops::Deref<Target = str>>(s: &Option<S>) -> Value<'_> {
        Value::Text(s.as_deref())
    }
    [
        Value::Int(Some(e.ts_ms)),
        // Stored as the same 64 bits, signed.
        Value::Int(Some(e.event_id as i64)),
        Value::Text(Some(&e.request_id)),
        text(&e.key_hash),
        Value::Text(Some(&e.endpoint)),
        Value::Text(Some(&e.client_format)),
        text(&e.task),
        text(&e.language),
        text(&e.requested_model),
        text(&e.router_tier),
        Value::Real(e.router_score),
        text(&e.router_baseline_model),
        text(&e.alias),
        text(&e.provider),
        text(&e.provider_kind),
        text(&e.upstream_model),
        int(u64::from(e.attempts)),
        text(&e.fallback_alias),
        Value::Text(e.cache_status.map(CacheStatus::as_str)),
        Value::Real(e.cache_similarity),
        int(u64::from(e.status)),
        text(&e.error_class),
        Value::Bool(e.stream),
        tokens(|u| u.input_tokens),
        tokens(|u| u.output_tokens),
        tokens(|u| u.cached_input_tokens),
        tokens(|u| u.cache_creation_input_tokens),
        tokens(|u| u.reasoning_tokens),
        Value::Bool(u.is_some_and(|u| u.estimated)),
        int(e.input_bytes),
        int(e.output_bytes),
        Value::Real(e.cost_usd),
        Value::Bool(e.cost_estimated),
        Value::Real(e.prompt_cache_savings_usd),
        Value::Real(e.cache_savings_usd),
        Value::Real(e.router_savings_usd),
        Value::Real(Some(e.total_ms)),
        Value::Real(e.ttft_ms),
        Value::Real(Some(e.upstream_ms)),
        Value::Real(Some(e.overhead_ms)),
        text(&e.template),
        text(&e.validation),
        text(&e.prompt_text),
        text(&e.completion_text),
    ]
}

/// Typed access to the columns of a result row (one impl per store).
pub(crate) trait Columns {
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError>;
    fn real(&self, i: usize) -> Result<Option<f64>, StoreError>;
    fn text(&self, i: usize) -> Result<Option<&str>, StoreError>;
    fn boolean(&self, i: usize) -> Result<bool, StoreError>;
}

fn unsigned(v: Option<i64>) -> u64 {
    v.and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
}

/// An event from a row of `SELECT {column_list()}`.
pub(crate) fn event_from(r: &impl Columns) -> Result<RequestEvent, StoreError> {
    let owned =
        |i: usize| -> Result<Option<String>, StoreError> { Ok(r.text(i)?.map(str::to_owned)) };
    let usage = match r.int(23)? {
        None => None,
        Some(input) => Some(TokenUsage {
            input_tokens: unsigned(Some(input)),
            output_tokens: unsigned(r.int(24)?),
            cached_input_tokens: unsigned(r.int(25)?),
            cache_creation_input_tokens: unsigned(r.int(26)?),
            reasoning_tokens: unsigned(r.int(27)?),
            estimated: r.boolean(28)?,
        }),
    };
    Ok(RequestEvent {
        ts_ms: r.int(0)?.unwrap_or(0),
        event_id: r.int(1)?.unwrap_or(0) as u64,
        request_id: owned(2)?.unwrap_or_default(),
        key_hash: owned(3)?.map(Into::into),
        endpoint: owned(4)?.unwrap_or_default().into(),
        client_format: owned(5)?.unwrap_or_default().into(),
        task: owned(6)?,
        language: owned(7)?,
        requested_model: owned(8)?.map(Into::into),
        router_tier: owned(9)?,
        router_score: r.real(10)?,
        router_baseline_model: owned(11)?,
        alias: owned(12)?.map(Into::into),
        provider: owned(13)?.map(Into::into),
        provider_kind: owned(14)?.map(Into::into),
        upstream_model: owned(15)?.map(Into::into),
        attempts: u32::try_from(unsigned(r.int(16)?)).unwrap_or(u32::MAX),
        fallback_alias: owned(17)?,
        cache_status: r.text(18)?.and_then(CacheStatus::parse),
        cache_similarity: r.real(19)?,
        status: u16::try_from(unsigned(r.int(20)?)).unwrap_or(0),
        error_class: owned(21)?.map(Into::into),
        stream: r.boolean(22)?,
        usage,
        input_bytes: unsigned(r.int(29)?),
        output_bytes: unsigned(r.int(30)?),
        cost_usd: r.real(31)?,
        cost_estimated: r.boolean(32)?,
        prompt_cache_savings_usd: r.real(33)?,
        cache_savings_usd: r.real(34)?,
        router_savings_usd: r.real(35)?,
        total_ms: r.real(36)?.unwrap_or(0.0),
        ttft_ms: r.real(37)?,
        upstream_ms: r.real(38)?.unwrap_or(0.0),
        overhead_ms: r.real(39)?.unwrap_or(0.0),
        template: owned(40)?,
        validation: owned(41)?,
        prompt_text: owned(42)?,
        completion_text: owned(43)?,
    })
}

/// The scan query for a summary; parameters: since, until. `events` is the (qualified)
/// table, `placeholders` the two parameter markers (`?1, ?2` or `$1, $2`).
pub(crate) fn scan_sql(events: &str, group: Option<GroupBy>, placeholders: [&str; 2]) -> String {
    let group = group.map_or("NULL", GroupBy::sql);
    let [since, until] = placeholders;
    format!(
        "SELECT ts_ms, {group}, status, error_class, attempts, fallback_alias, cache_status, \
         input_tokens, output_tokens, cached_input_tokens, cache_creation_input_tokens, \
         reasoning_tokens, tokens_estimated, cost_usd, prompt_cache_savings_usd, \
         cache_savings_usd, router_savings_usd, total_ms, ttft_ms, overhead_ms \
         FROM {events} WHERE ts_ms >= {since} AND ts_ms < {until} ORDER BY ts_ms, event_id"
    )
}

/// A [`ScanRow`] from a row of [`scan_sql`].
pub(crate) fn scan_row(r: &impl Columns) -> Result<ScanRow<'_>, StoreError> {
    let status = unsigned(r.int(2)?);
    let attempts = unsigned(r.int(4)?);
    Ok(ScanRow {
        ts_ms: r.int(0)?.unwrap_or(0),
        group: r.text(1)?,
        error: status >= 400 || r.text(3)?.is_some(),
        fallback: attempts > 1 || r.text(5)?.is_some(),
        cache_status: r.text(6)?.and_then(CacheStatus::parse),
        input_tokens: unsigned(r.int(7)?),
        output_tokens: unsigned(r.int(8)?),
        cached_input_tokens: unsigned(r.int(9)?),
        cache_creation_input_tokens: unsigned(r.int(10)?),
        reasoning_tokens: unsigned(r.int(11)?),
        tokens_estimated: r.boolean(12)?,
        cost_usd: r.real(13)?,
        prompt_cache_savings_usd: r.real(14)?.unwrap_or(0.0),
        cache_savings_usd: r.real(15)?.unwrap_or(0.0),
        router_savings_usd: r.real(16)?.unwrap_or(0.0),
        total_ms: r.real(17)?.unwrap_or(0.0),
        ttft_ms: r.real(18)?,
        overhead_ms: r.real(19)?.unwrap_or(0.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_values_line_up() {
        assert_eq!(COLUMNS.len(), 44);
        let e = RequestEvent::default();
        for ((name, kind, nullable), v) in COLUMNS.iter().zip(values(&e)) {
            let matches = matches!(
                (kind, v),
                (Kind::Int, Value::Int(_))
                    | (Kind::Real, Value::Real(_))
                    | (Kind::Text, Value::Text(_))
                    | (Kind::Bool, Value::Bool(_))
            );
            assert!(matches, "{name}");
            if !nullable {
                assert!(
                    !matches!(v, Value::Int(None) | Value::Real(None) | Value::Text(None)),
                    "{name} is NOT NULL"
                );
            }
        }
        let sql = migrations("t");
        assert!(sql[0].contains("cost_usd DOUBLE PRECISION,"));
        assert!(sql[0].contains("ts_ms BIGINT NOT NULL"));
    }
}
