//! The embedded store: one SQLite file in WAL mode, a writer connection and a reader
//! connection (readers never wait for a write), every call on the blocking pool.

use super::{
    columns::{self, Columns, Value, EVENTS, VERSIONS},
    BoxFuture, EventStore, StoreError,
};
use crate::{event::RequestEvent, summary::Aggregator};
use rusqlite::{
    types::{ToSqlOutput, ValueRef},
    Connection, OpenFlags, ToSql,
};
use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

type Shared = Arc<Mutex<Connection>>;

/// Events in a SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: Shared,
    reader: Shared,
    path: Option<PathBuf>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, switches it to WAL and applies
    /// pending migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let path = path.to_owned();
        run_blocking(move || {
            let writer = Connection::open(&path)?;
            configure(&writer)?;
            let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(mode, "analytics: SQLite did not switch to WAL");
            }
            writer.execute_batch("PRAGMA synchronous = NORMAL")?;
            migrate(&writer)?;
            let reader = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            configure(&reader)?;
            Ok(Self {
                writer: Arc::new(Mutex::new(writer)),
                reader: Arc::new(Mutex::new(reader)),
                path: Some(path),
            })
        })
        .await
    }

    /// A private in-memory database (one connection; gone when the store is dropped).
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        run_blocking(|| {
            let conn = Connection::open_in_memory()?;
            configure(&conn)?;
            migrate(&conn)?;
            let conn = Arc::new(Mutex::new(conn));
            Ok(Self {
                writer: conn.clone(),
                reader: conn,
                path: None,
            })
        })
        .await
    }

    /// The database file, if not in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

fn migrate(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {VERSIONS} \
         (version BIGINT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)"
    ))?;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| -> Result<(), StoreError> {
        let current: i64 = conn.query_row(
            &format!("SELECT COALESCE(MAX(version), 0) FROM {VERSIONS}"),
            [],
            |r| r.get(0),
        )?;
        for (i, sql) in columns::migrations(EVENTS).iter().enumerate() {
            let version = i as i64 + 1;
            if version > current {
                conn.execute_batch(sql)?;
                conn.execute(
                    &format!("INSERT INTO {VERSIONS} (version, applied_at_ms) VALUES (?1, ?2)"),
                    [version, crate::event::now_millis()],
                )?;
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    Ok(())
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Other(format!("blocking task failed: {e}")))?
}

/// Rows per INSERT statement (44 columns each: well under SQLite's 32766 parameters).
const ROWS_PER_INSERT: usize = 32;

/// `INSERT OR IGNORE` of `rows` rows with numbered placeholders.
fn insert_sql(rows: usize) -> String {
    let n = columns::COLUMNS.len();
    let mut sql = format!(
        "INSERT OR IGNORE INTO {EVENTS} ({}) VALUES ",
        columns::column_list()
    );
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..n {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("?{}", r * n + c + 1));
        }
        sql.push(')');
    }
    sql
}

async fn with_conn<T: Send + 'static>(
    conn: &Shared,
    f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let conn = conn.clone();
    run_blocking(move || {
        let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    })
    .await
}

impl ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        use rusqlite::types::Value as V;
        Ok(match *self {
            Value::Int(Some(v)) => ToSqlOutput::Owned(V::Integer(v)),
            Value::Real(Some(v)) => ToSqlOutput::Owned(V::Real(v)),
            Value::Text(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bool(b) => ToSqlOutput::Owned(V::Integer(i64::from(b))),
            Value::Int(None) | Value::Real(None) | Value::Text(None) => ToSqlOutput::Owned(V::Null),
        })
    }
}

impl Columns for rusqlite::Row<'_> {
    fn int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.get(i)?)
    }

    fn real(&self, i: usize) -> Result<Option<f64>, StoreError> {
        Ok(self.get(i)?)
    }

    fn text(&self, i: usize) -> Result<Option<&str>, StoreError> {
        self.get_ref(i)?
            .as_str_or_null()
            .map_err(|e| StoreError::Other(format!("column {i}: {e}")))
    }

    fn boolean(&self, i: usize) -> Result<bool, StoreError> {
        Ok(self.get(i)?)
    }
}

impl EventStore for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    fn insert(&self, batch: Arc<Vec<RequestEvent>>) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(with_conn(&self.writer, move |conn| {
            let tx = conn.transaction()?;
            {
                // Several rows per statement: one VDBE program run and one call into SQLite
                // per chunk instead of per event, which halves the writer's cost per event.
                let full = insert_sql(ROWS_PER_INSERT);
                let mut stmt = tx.prepare(&full)?;
                let mut chunks = batch.chunks_exact(ROWS_PER_INSERT);
                for chunk in &mut chunks {
                    stmt.execute(rusqlite::params_from_iter(
                        chunk.iter().flat_map(columns::values),
                    ))?;
                }
                let rest = chunks.remainder();
                if !rest.is_empty() {
                    let mut tail = tx.prepare(&insert_sql(rest.len()))?;
                    tail.execute(rusqlite::params_from_iter(
                        rest.iter().flat_map(columns::values),
                    ))?;
                }
            }
            tx.commit()?;
            Ok(())
        }))
    }

    fn scan(&self, mut agg: Aggregator) -> BoxFuture<'_, Result<Aggregator, StoreError>> {
        Box::pin(with_conn(&self.reader, move |conn| {
            let q = *agg.query();
            let sql = columns::scan_sql(EVENTS, q.group_by, ["?1", "?2"]);
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query([q.since, q.until])?;
            while let Some(row) = rows.next()? {
                agg.push(&columns::scan_row(row)?);
            }
            Ok(agg)
        }))
    }

    fn recent(&self, limit: usize) -> BoxFuture<'_, Result<Vec<RequestEvent>, StoreError>> {
        Box::pin(with_conn(&self.reader, move |conn| {
            let sql = format!(
                "SELECT {} FROM {EVENTS} ORDER BY ts_ms DESC, event_id DESC LIMIT ?1",
                columns::column_list()
            );
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query([i64::try_from(limit).unwrap_or(i64::MAX)])?;
            let mut out = Vec::with_capacity(limit.min(1024));
            while let Some(row) = rows.next()? {
                out.push(columns::event_from(row)?);
            }
            Ok(out)
        }))
    }
}
