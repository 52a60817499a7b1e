//! The embedded store: one SQLite file in WAL mode, a writer connection and a reader
//! connection (readers never wait for a write), every call on the blocking pool. Events are
//! kept in segments, one row per written batch (see [`super::segment`] for why).

use super::{
    columns::{self, Columns, EVENTS, VERSIONS},
    segment::{self, Segment, SegmentEncoder, FORMAT_POSTCARD_LZ4},
    BoxFuture, EventBatch, EventStore, StoreError,
};
use crate::{
    event::RequestEvent,
    summary::{Aggregator, ScanRow},
};
use rusqlite::{Connection, OpenFlags};
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
    /// Only the writer uses it (under `writer`'s lock, so never contended).
    encoder: Arc<Mutex<SegmentEncoder>>,
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
                encoder: Arc::default(),
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
                encoder: Arc::default(),
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

/// The segments table.
pub(crate) const SEGMENTS: &str = "switchyard_event_segments";

/// Events per segment when legacy rows are converted (the writer's batch size before this
/// store kept segments).
const CONVERT_CHUNK: usize = 256;

/// Migrations: versions 1 and 2 are the row-per-event table both stores share; version 3
/// replaces it with segments here, converting the rows a file already holds.
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
        let shared = columns::migrations(EVENTS);
        let steps = shared.len() + 1;
        for i in 0..steps {
            let version = i as i64 + 1;
            if version <= current {
                continue;
            }
            match shared.get(i) {
                Some(sql) => conn.execute_batch(sql)?,
                None => to_segments(conn)?,
            }
            conn.execute(
                &format!("INSERT INTO {VERSIONS} (version, applied_at_ms) VALUES (?1, ?2)"),
                [version, crate::event::now_millis()],
            )?;
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

/// Version 3: the segments table, the legacy rows moved into it in `(ts_ms, event_id)`
/// order, the legacy table dropped. Runs inside the migration's transaction: a failure
/// leaves the file as it was.
fn to_segments(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(&format!(
        "CREATE TABLE {SEGMENTS} (\
             segment_id INTEGER PRIMARY KEY, \
             first_ts_ms BIGINT NOT NULL, \
             last_ts_ms BIGINT NOT NULL, \
             events BIGINT NOT NULL, \
             format BIGINT NOT NULL, \
             data BLOB NOT NULL); \
         CREATE INDEX {SEGMENTS}_last_ts ON {SEGMENTS} (last_ts_ms)"
    ))?;
    let mut converted = 0usize;
    {
        let mut select = conn.prepare(&format!(
            "SELECT {} FROM {EVENTS} ORDER BY ts_ms, event_id",
            columns::column_list()
        ))?;
        let mut rows = select.query([])?;
        let mut encoder = SegmentEncoder::default();
        let mut chunk = EventBatch::default();
        while let Some(row) = rows.next()? {
            chunk.push(&columns::event_from(row)?);
            if chunk.len() == CONVERT_CHUNK {
                insert_segment(conn, &encoder.encode(&chunk)?)?;
                converted += chunk.len();
                chunk = EventBatch::with_buffer(chunk.into_buffer());
            }
        }
        if !chunk.is_empty() {
            insert_segment(conn, &encoder.encode(&chunk)?)?;
            converted += chunk.len();
        }
    }
    conn.execute_batch(&format!("DROP TABLE {EVENTS}"))?;
    if converted > 0 {
        tracing::info!(
            events = converted,
            "analytics: SQLite events moved into segments"
        );
    }
    Ok(())
}

fn insert_segment(conn: &Connection, seg: &Segment<'_>) -> Result<(), StoreError> {
    let mut stmt = conn.prepare(&format!(
        "INSERT INTO {SEGMENTS} (first_ts_ms, last_ts_ms, events, format, data) \
         VALUES (?1, ?2, ?3, ?4, ?5)"
    ))?;
    stmt.execute(rusqlite::params![
        seg.first_ts_ms,
        seg.last_ts_ms,
        seg.events,
        FORMAT_POSTCARD_LZ4,
        seg.data
    ])?;
    Ok(())
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Other(format!("blocking task failed: {e}")))?
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

/// Legacy rows are only written by tests now (to check the conversion).
#[cfg(test)]
impl rusqlite::ToSql for columns::Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use columns::Value;
        use rusqlite::types::Value as V;
        use rusqlite::types::{ToSqlOutput, ValueRef};
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

    fn insert(&self, batch: Arc<EventBatch>) -> BoxFuture<'_, Result<(), StoreError>> {
        let encoder = self.encoder.clone();
        Box::pin(with_conn(&self.writer, move |conn| {
            if batch.is_empty() {
                return Ok(());
            }
            // Compressed here, on the blocking thread, not on the writer's runtime worker.
            let mut encoder = encoder.lock().unwrap_or_else(|p| p.into_inner());
            let seg = encoder.encode(&batch)?;
            // One row in its own (implicit) transaction: all or nothing, and its outcome is
            // always known, so a failed insert is retried without risk of duplicates.
            insert_segment(conn, &seg)
        }))
    }

    fn scan(&self, mut agg: Aggregator) -> BoxFuture<'_, Result<Aggregator, StoreError>> {
        Box::pin(with_conn(&self.reader, move |conn| {
            let q = *agg.query();
            let mut stmt = conn.prepare(&format!(
                "SELECT format, data FROM {SEGMENTS} WHERE last_ts_ms >= ?1 AND first_ts_ms < ?2"
            ))?;
            let mut rows = stmt.query([q.since, q.until])?;
            while let Some(row) = rows.next()? {
                // The aggregator skips the events of a segment that fall outside the range.
                for e in segment::decode(row.get(0)?, blob(row, 1)?)? {
                    agg.push(&ScanRow::from_event(&e, q.group_by));
                }
            }
            Ok(agg)
        }))
    }

    fn recent(&self, limit: usize) -> BoxFuture<'_, Result<Vec<RequestEvent>, StoreError>> {
        Box::pin(with_conn(&self.reader, move |conn| {
            if limit == 0 {
                return Ok(Vec::new());
            }
            let mut stmt = conn.prepare(&format!(
                "SELECT last_ts_ms, format, data FROM {SEGMENTS} ORDER BY last_ts_ms DESC"
            ))?;
            let mut rows = stmt.query([])?;
            let mut out: Vec<RequestEvent> = Vec::new();
            while let Some(row) = rows.next()? {
                // Segments come newest-last-event first: once `limit` events are held, a
                // segment ending before the oldest of them cannot contribute.
                let last_ts: i64 = row.get(0)?;
                if out.len() >= limit && out.last().is_some_and(|e| last_ts < e.ts_ms) {
                    break;
                }
                out.extend(segment::decode(row.get(1)?, blob(row, 2)?)?);
                out.sort_by_key(|e| std::cmp::Reverse(order_key(e)));
                out.truncate(limit);
            }
            Ok(out)
        }))
    }
}

/// Column `i` of `row` as bytes.
fn blob<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> Result<&'r [u8], StoreError> {
    row.get_ref(i)?
        .as_blob()
        .map_err(|e| StoreError::Other(format!("segment data: {e}")))
}

/// The order of `recent` (newest first, reversed): the legacy table's `ORDER BY ts_ms,
/// event_id`, with event ids compared as the signed 64 bits that were stored.
fn order_key(e: &RequestEvent) -> (i64, i64) {
    (e.ts_ms, e.event_id as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::SummaryQuery;

    fn event(i: i64) -> RequestEvent {
        RequestEvent {
            ts_ms: 10_000 + i * 10,
            event_id: i as u64 + 1,
            request_id: format!("legacy-{i}"),
            endpoint: "/v1/chat/completions".into(),
            client_format: "openai".into(),
            upstream_model: Some("gpt-4o-mini".into()),
            status: 200,
            cost_usd: Some(0.001),
            total_ms: 3.5,
            ..RequestEvent::default()
        }
    }

    /// A file as an earlier build left it: the row-per-event table at version 2, with rows.
    fn legacy_file(path: &Path, events: &[RequestEvent]) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE {VERSIONS} (version BIGINT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)"
        ))
        .unwrap();
        for (i, sql) in columns::migrations(EVENTS).iter().enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.execute(
                &format!("INSERT INTO {VERSIONS} VALUES (?1, 0)"),
                [i as i64 + 1],
            )
            .unwrap();
        }
        let placeholders: Vec<String> = (1..=columns::COLUMNS.len())
            .map(|i| format!("?{i}"))
            .collect();
        let sql = format!(
            "INSERT INTO {EVENTS} ({}) VALUES ({})",
            columns::column_list(),
            placeholders.join(", ")
        );
        for e in events {
            conn.execute(&sql, rusqlite::params_from_iter(columns::values(e)))
                .unwrap();
        }
    }

    #[tokio::test]
    async fn legacy_rows_move_into_segments_once_and_nothing_is_lost() {
        let dir = std::env::temp_dir().join(format!("sy-legacy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("old.db");
        let _ = std::fs::remove_file(&path);
        // More than one conversion chunk, written out of order.
        let mut events: Vec<RequestEvent> = (0..600).map(event).collect();
        events.reverse();
        legacy_file(&path, &events);
        events.reverse();

        let store = SqliteStore::open(&path).await.unwrap();
        let recent = store.recent(1000).await.unwrap();
        let mut newest_first = events.clone();
        newest_first.reverse();
        assert_eq!(recent, newest_first, "every legacy event, every field");
        let q = SummaryQuery {
            since: 0,
            until: i64::MAX,
            group_by: None,
            bucket: None,
        };
        let total = store.scan(Aggregator::new(q)).await.unwrap().finish().total;
        assert_eq!(total.requests, 600);
        assert!((total.cost_usd - 0.6).abs() < 1e-9);
        drop(store);

        let conn = Connection::open(&path).unwrap();
        let legacy: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = ?1",
                [EVENTS],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(legacy, 0, "the legacy table is gone");
        let (segments, stored): (i64, i64) = conn
            .query_row(
                &format!("SELECT COUNT(*), SUM(events) FROM {SEGMENTS}"),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((segments, stored), (3, 600));
        drop(conn);
        // Reopening converts nothing twice.
        let store = SqliteStore::open(&path).await.unwrap();
        assert_eq!(store.recent(1000).await.unwrap().len(), 600);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn recent_merges_overlapping_segments_newest_first() {
        let store = SqliteStore::open_in_memory().await.unwrap();
        // Two batches whose times interleave (a long stream finishes after short ones).
        let a: Vec<RequestEvent> = (0..10).map(|i| event(i * 2)).collect();
        let b: Vec<RequestEvent> = (0..10).map(|i| event(i * 2 + 1)).collect();
        let batch = |events: &[RequestEvent]| Arc::new(EventBatch::from_events(events));
        store.insert(batch(&a)).await.unwrap();
        store.insert(batch(&b)).await.unwrap();
        store.insert(batch(&[])).await.unwrap();
        let got: Vec<String> = store
            .recent(5)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.request_id)
            .collect();
        assert_eq!(
            got,
            [
                "legacy-19",
                "legacy-18",
                "legacy-17",
                "legacy-16",
                "legacy-15"
            ]
        );
        assert_eq!(store.recent(0).await.unwrap(), Vec::new());
    }
}
