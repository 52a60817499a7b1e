//! The scale-out store: PostgreSQL over plain TCP (`tokio-postgres`, no TLS). Connects
//! lazily and reconnects after a failure; every operation has a time limit; migrations run
//! under an advisory lock, so replicas starting together apply each one once.

use super::{
    columns::{self, Columns, Kind, Value, EVENTS, VERSIONS},
    BoxFuture, EventBatch, EventStore, StoreError,
};
use crate::{event::RequestEvent, summary::Aggregator};
use futures_util::TryStreamExt;
use std::{
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio_postgres::{types::ToSql, Client, NoTls};

/// Advisory-lock key serialising migrations ("SwYdMigr").
const MIGRATION_LOCK: i64 = 0x5377_5964_4d69_6772;

/// Events in PostgreSQL tables.
pub struct PostgresStore {
    config: tokio_postgres::Config,
    schema: Option<String>,
    events: String,
    versions: String,
    timeout: Duration,
    client: Mutex<Option<Arc<Client>>>,
}

impl std::fmt::Debug for PostgresStore {
    // The config may hold a password: print only where the tables are.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("events", &self.events)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Checks that `schema` is a plain lower-case SQL identifier (it is spliced into SQL).
/// Defined with the configuration, which validates the name before any store exists.
pub use crate::config::check_schema_name;

impl PostgresStore {
    /// A store for the database at `url` (`postgres://user@host:port/db`), its tables in
    /// `schema` (created when missing; default: the connection's `search_path`). Nothing is
    /// connected until the first operation; `timeout` bounds each connect and statement.
    pub fn new(url: &str, schema: Option<&str>, timeout: Duration) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config = url.parse()?;
        config.connect_timeout(timeout);
        config.application_name("switchyard-analytics");
        if let Some(s) = schema {
            check_schema_name(s).map_err(StoreError::Other)?;
        }
        let qualify = |table: &str| match schema {
            Some(s) => format!("\"{s}\".{table}"),
            None => table.to_owned(),
        };
        Ok(Self {
            events: qualify(EVENTS),
            versions: qualify(VERSIONS),
            schema: schema.map(str::to_owned),
            config,
            timeout,
            client: Mutex::new(None),
        })
    }

    /// Connects now (and migrates), to report a bad URL or server at start-up.
    pub async fn check(&self) -> Result<(), StoreError> {
        self.op(self.timeout, |_| async { Ok(()) }).await
    }

    fn cached(&self) -> Option<Arc<Client>> {
        let guard = self.client.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().filter(|c| !c.is_closed()).cloned()
    }

    fn forget(&self) {
        *self.client.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    async fn connect(&self) -> Result<Arc<Client>, StoreError> {
        if let Some(c) = self.cached() {
            return Ok(c);
        }
        let (mut client, connection) = self.config.connect(NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "analytics: postgres connection ended");
            }
        });
        self.migrate(&mut client).await?;
        let client = Arc::new(client);
        *self.client.lock().unwrap_or_else(|p| p.into_inner()) = Some(client.clone());
        Ok(client)
    }

    async fn migrate(&self, client: &mut Client) -> Result<(), StoreError> {
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        if let Some(schema) = &self.schema {
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
                .await?;
        }
        let versions = &self.versions;
        tx.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {versions} \
             (version BIGINT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)"
        ))
        .await?;
        let current: i64 = tx
            .query_one(
                &format!("SELECT COALESCE(MAX(version), 0) FROM {versions}"),
                &[],
            )
            .await?
            .try_get(0)?;
        for (i, sql) in columns::migrations(&self.events).iter().enumerate() {
            let version = i as i64 + 1;
            if version > current {
                tx.batch_execute(sql).await?;
                tx.execute(
                    &format!("INSERT INTO {versions} (version, applied_at_ms) VALUES ($1, $2)"),
                    &[&version, &crate::event::now_millis()],
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Runs `f` on a connected client within `limit`; a failure that is not the server
    /// rejecting a statement drops the connection, so the next operation reconnects.
    async fn op<T, F, Fut>(&self, limit: Duration, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(Arc<Client>) -> Fut,
        Fut: Future<Output = Result<T, StoreError>>,
    {
        let result = tokio::time::timeout(limit, async {
            let client = self.connect().await?;
            f(client).await
        })
        .await
        .unwrap_or(Err(StoreError::Timeout(limit)));
        if let Err(e) = &result {
            let server_rejected =
                matches!(e, StoreError::Postgres(pg) if pg.as_db_error().is_some());
            if !server_rejected {
                self.forget();
            }
        }
        result
    }
}

/// One column of a batch, for `UNNEST`.
enum Array<'a> {
    Int(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    Text(Vec<Option<&'a str>>),
    Bool(Vec<bool>),
}

impl Array<'_> {
    fn as_param(&self) -> &(dyn ToSql + Sync) {
        match self {
            Array::Int(v) => v,
            Array::Real(v) => v,
            Array::Text(v) => v,
            Array::Bool(v) => v,
        }
    }
}

fn arrays(batch: &[RequestEvent]) -> Vec<Array<'_>> {
    let mut arrays: Vec<Array<'_>> = columns::COLUMNS
        .iter()
        .map(|(_, kind, _)| match kind {
            Kind::Int => Array::Int(Vec::with_capacity(batch.len())),
            Kind::Real => Array::Real(Vec::with_capacity(batch.len())),
            Kind::Text => Array::Text(Vec::with_capacity(batch.len())),
            Kind::Bool => Array::Bool(Vec::with_capacity(batch.len())),
        })
        .collect();
    for event in batch {
        for (array, value) in arrays.iter_mut().zip(columns::values(event)) {
            match (array, value) {
                (Array::Int(a), Value::Int(v)) => a.push(v),
                (Array::Real(a), Value::Real(v)) => a.push(v),
                (Array::Text(a), Value::Text(v)) => a.push(v),
                (Array::Bool(a), Value::Bool(v)) => a.push(v),
                // COLUMNS and values() agree (unit-tested); nothing else can occur.
                _ => {}
            }
        }
    }
    arrays
}

fn insert_sql(events: &str) -> String {
    let unnest: Vec<String> = columns::COLUMNS
        .iter()
        .enumerate()
        .map(|(i, (_, kind, _))| format!("${}::{}[]", i + 1, kind.sql()))
        .collect();
    format!(
        "INSERT INTO {events} ({}) SELECT * FROM UNNEST({}) ON CONFLICT (ts_ms, event_id) DO NOTHING",
        columns::column_list(),
        unnest.join(", ")
    )
}

impl Columns for tokio_postgres::Row {
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(i)?)
    }

    fn real(&self, i: usize) -> Result<Option<f64>, StoreError> {
        Ok(self.try_get(i)?)
    }

    fn text(&self, i: usize) -> Result<Option<&str>, StoreError> {
        Ok(self.try_get(i)?)
    }

    fn boolean(&self, i: usize) -> Result<bool, StoreError> {
        Ok(self.try_get(i)?)
    }
}

impl EventStore for PostgresStore {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    fn insert(&self, batch: Arc<EventBatch>) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            // Decoded before the operation: neither under its time limit nor, should the
            // bytes be bad, taken for a broken connection.
            let events = batch.events().collect::<Result<Vec<_>, _>>()?;
            self.op(self.timeout, move |client| async move {
                let arrays = arrays(&events);
                let params: Vec<&(dyn ToSql + Sync)> = arrays.iter().map(Array::as_param).collect();
                client.execute(&insert_sql(&self.events), &params).await?;
                Ok(())
            })
            .await
        })
    }

    fn scan(&self, mut agg: Aggregator) -> BoxFuture<'_, Result<Aggregator, StoreError>> {
        // Scans read many rows: allow them longer than a write.
        Box::pin(self.op(self.timeout * 6, move |client| async move {
            let q = *agg.query();
            let sql = columns::scan_sql(&self.events, q.group_by, ["$1", "$2"]);
            let params: [&(dyn ToSql + Sync); 2] = [&q.since, &q.until];
            let rows = client.query_raw(&sql, params).await?;
            let mut rows = std::pin::pin!(rows);
            while let Some(row) = rows.try_next().await? {
                agg.push(&columns::scan_row(&row)?);
            }
            Ok(agg)
        }))
    }

    fn recent(&self, limit: usize) -> BoxFuture<'_, Result<Vec<RequestEvent>, StoreError>> {
        Box::pin(self.op(self.timeout, move |client| async move {
            let sql = format!(
                "SELECT {} FROM {} ORDER BY ts_ms DESC, event_id DESC LIMIT $1",
                columns::column_list(),
                self.events
            );
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = client.query(&sql, &[&limit]).await?;
            rows.iter().map(columns::event_from).collect()
        }))
    }
}
