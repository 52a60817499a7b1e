//! `[analytics]` configuration.

use crate::prices::ModelPrice;
use serde::{Deserialize, Serialize};
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::Duration,
};

/// The `[analytics]` section of the gateway config. Every field has a default, so an empty
/// section (or none) records into `switchyard-analytics.db` beside the config file.
///
/// ```toml
/// [analytics]
/// enabled = true                 # default true
/// database = "postgres://switchyard@db/analytics"   # or a SQLite file path
/// queue_capacity = 16384         # events waiting for the writer; beyond: dropped, counted
/// batch_size = 4096              # events per store write (a partial one on each flush)
/// flush_interval_ms = 1000       # a partial batch is written after this long
/// record_text = false            # store prompt/completion text (secrets redacted)
/// [analytics.prices."my-finetune"]
/// input = 3.0                    # USD per million tokens
/// output = 12.0
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyticsConfig {
    /// Record events at all. When off, [`Analytics::record`](crate::Analytics::record) is a
    /// no-op and nothing is stored. Default: true.
    pub enabled: bool,
    /// Where events go: a `postgres://` (or `postgresql://`) URL, a SQLite file path
    /// (relative paths resolve against the config file's directory), or `:memory:`.
    /// Default: `switchyard-analytics.db`.
    pub database: Option<String>,
    /// PostgreSQL schema for the tables (created when missing). Default: the connection's
    /// `search_path` (usually `public`).
    pub postgres_schema: Option<String>,
    /// Capacity of the queue between the request path and the writer. Default: 16384.
    pub queue_capacity: usize,
    /// Events per store write. Default: 4096.
    pub batch_size: usize,
    /// A partial batch is written after this many milliseconds. Default: 1000.
    pub flush_interval_ms: u64,
    /// Events held by the writer while the store is failing; beyond this the oldest are
    /// dropped (and counted), a batch at a time. They are held encoded, ~170 bytes each
    /// for a plain chat request. Default: 100000 (~17 MB).
    pub max_buffered: usize,
    /// Longest pause between retries of a failing store (backoff doubles from 100 ms up to
    /// this). Default: 5000.
    pub retry_max_backoff_ms: u64,
    /// Time limit of one store operation (connect, write or query). Default: 10000.
    pub store_timeout_ms: u64,
    /// How long shutdown keeps trying to write what is left. Default: 10000.
    pub shutdown_timeout_ms: u64,
    /// Store prompt and completion text (with secrets redacted). Default: false.
    pub record_text: bool,
    /// Salt of the client-key hash; set one per deployment. Default: `switchyard`.
    pub key_salt: String,
    /// Price overrides by model-name prefix, USD per million tokens.
    pub prices: BTreeMap<String, ModelPrice>,
}

impl Default for AnalyticsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            database: None,
            postgres_schema: None,
            queue_capacity: 16_384,
            // Few, large writes: each is one SQLite segment row (`store::segment`) or one
            // PostgreSQL statement; at low traffic the flush interval writes what there is.
            batch_size: 4096,
            flush_interval_ms: 1000,
            max_buffered: 100_000,
            retry_max_backoff_ms: 5000,
            store_timeout_ms: 10_000,
            shutdown_timeout_ms: 10_000,
            record_text: false,
            key_salt: "switchyard".to_owned(),
            prices: BTreeMap::new(),
        }
    }
}

/// The default SQLite file name.
pub const DEFAULT_SQLITE_FILE: &str = "switchyard-analytics.db";

/// Which store a config names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreTarget {
    /// A PostgreSQL connection URL.
    Postgres(String),
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// An in-memory SQLite database (tests, demos).
    SqliteMemory,
}

impl AnalyticsConfig {
    /// The store this config names; relative SQLite paths resolve against `base_dir` (the
    /// config file's directory) when given.
    pub fn store_target(&self, base_dir: Option<&Path>) -> StoreTarget {
        let db = self
            .database
            .as_deref()
            .unwrap_or(DEFAULT_SQLITE_FILE)
            .trim();
        if db.starts_with("postgres://") || db.starts_with("postgresql://") {
            return StoreTarget::Postgres(db.to_owned());
        }
        if db == ":memory:" {
            return StoreTarget::SqliteMemory;
        }
        let path = Path::new(db.strip_prefix("sqlite://").unwrap_or(db));
        match base_dir {
            Some(base) if path.is_relative() => StoreTarget::Sqlite(base.join(path)),
            _ => StoreTarget::Sqlite(path.to_owned()),
        }
    }

    /// Checks the values; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.queue_capacity == 0 {
            return Err("analytics.queue_capacity: must be at least 1".into());
        }
        if self.batch_size == 0 {
            return Err("analytics.batch_size: must be at least 1".into());
        }
        if self.flush_interval_ms == 0 {
            return Err("analytics.flush_interval_ms: must be at least 1".into());
        }
        if self.max_buffered < self.batch_size {
            return Err("analytics.max_buffered: must be at least batch_size".into());
        }
        if let Some(schema) = &self.postgres_schema {
            check_schema_name(schema).map_err(|e| format!("analytics.postgres_schema: {e}"))?;
        }
        for (model, p) in &self.prices {
            let all = [p.input, p.output]
                .into_iter()
                .chain(p.cached_input)
                .chain(p.cache_write)
                .chain(p.reasoning);
            if all.into_iter().any(|v| !v.is_finite() || v < 0.0) {
                return Err(format!(
                    "analytics.prices.{model}: prices must be non-negative numbers"
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn flush_interval(&self) -> Duration {
        Duration::from_millis(self.flush_interval_ms.max(1))
    }
}

/// Checks that `schema` is a plain lower-case SQL identifier (it is spliced into SQL).
pub fn check_schema_name(schema: &str) -> Result<(), String> {
    let mut chars = schema.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if first_ok && rest_ok && schema.len() <= 63 {
        Ok(())
    } else {
        Err(format!(
            "`{schema}` is not a plain identifier (a-z, 0-9, _; at most 63)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_targets() {
        let c = AnalyticsConfig::default();
        assert!(c.validate().is_ok());
        assert_eq!(
            c.store_target(Some(Path::new("/etc/sy"))),
            StoreTarget::Sqlite(PathBuf::from("/etc/sy/switchyard-analytics.db"))
        );
        let pg = AnalyticsConfig {
            database: Some("postgres://u@h/db".into()),
            ..c.clone()
        };
        assert_eq!(
            pg.store_target(None),
            StoreTarget::Postgres("postgres://u@h/db".into())
        );
        let abs = AnalyticsConfig {
            database: Some("/var/lib/a.db".into()),
            ..c.clone()
        };
        assert_eq!(
            abs.store_target(Some(Path::new("/etc"))),
            StoreTarget::Sqlite(PathBuf::from("/var/lib/a.db"))
        );
        let mem = AnalyticsConfig {
            database: Some(":memory:".into()),
            ..c
        };
        assert_eq!(mem.store_target(None), StoreTarget::SqliteMemory);
    }

    #[test]
    fn parses_from_json_with_prices_and_rejects_bad_values() {
        let c: AnalyticsConfig = serde_json::from_str(
            r#"{"batch_size": 10, "prices": {"my-model": {"input": 1.5, "output": 2}}}"#,
        )
        .unwrap();
        assert_eq!(c.batch_size, 10);
        assert_eq!(c.queue_capacity, 16_384);
        assert_eq!(c.prices["my-model"].input, 1.5);
        assert!(serde_json::from_str::<AnalyticsConfig>(r#"{"bogus": 1}"#).is_err());
        let bad = AnalyticsConfig {
            batch_size: 0,
            ..AnalyticsConfig::default()
        };
        assert!(bad.validate().unwrap_err().contains("batch_size"));
        let bad = AnalyticsConfig {
            postgres_schema: Some("x; drop".into()),
            ..AnalyticsConfig::default()
        };
        assert!(bad.validate().is_err());
    }
}
