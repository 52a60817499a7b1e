//! The shared tier: answers in Redis, so that every replica of the gateway serves what any
//! of them stored.
//!
//! Each entry is a hash `{prefix}e:{exact key, hex}` with the TTL of its answer: `r` the
//! canonical answer, `m` what a semantic index needs (scope, instruction, whether it
//! carries code, expiry) and `v` the instruction's prepared vector (sketch and `i8` values)
//! when the storing replica embedded it. Each store is also announced on the stream
//! `{prefix}stream` (trimmed to about [`STREAM_MAXLEN`] announcements), which every replica
//! follows to keep its own semantic index current; a replica that starts, or that lost
//! Redis for longer than the stream remembers, first SCANs the entries.
//!
//! Redis never stalls a request: a lookup waits at most [`SharedSettings::lookup_timeout`]
//! (then it is a miss), a store is queued and written in batches by a background task, and
//! while Redis is unreachable lookups skip it and stores are dropped. The first failure
//! logs one warning; a background task reconnects (50 ms, doubling to 1 s between tries),
//! logs once when Redis is back, and the index catches up from the stream (or a SCAN).

use crate::{
    codec::{self, IndexRecord},
    embed::Embedder,
    key::KeyHash,
    semantic::SemanticIndex,
    stats::CacheStats,
    store::CachedAnswer,
};
use redis::{aio::MultiplexedConnection, AsyncConnectionConfig, Client, RedisError, Value};
use std::{
    fmt,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, OnceLock, PoisonError, RwLock,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use tokio::{
    sync::{mpsc, watch, Notify, Semaphore},
    task::AbortHandle,
    time::timeout,
};

/// Default longest wait for Redis on a lookup.
pub const DEFAULT_LOOKUP_TIMEOUT: Duration = Duration::from_millis(5);
/// Longest wait for a batch of stores, a connection or a PING.
const IO_TIMEOUT: Duration = Duration::from_secs(1);
/// Time between PINGs of a live connection.
const HEALTH_CHECK: Duration = Duration::from_secs(1);
/// Announcements the stream keeps (approximately): how far behind a replica may fall before
/// it has to SCAN again.
pub const STREAM_MAXLEN: usize = 10_000;
/// Stores waiting to be written; beyond it a store is dropped.
const WRITE_QUEUE: usize = 4096;
/// Stores written per round trip.
const WRITE_BATCH: usize = 64;
/// How long one XREAD blocks for new announcements.
const READ_BLOCK: Duration = Duration::from_millis(1000);
/// Announcements read per XREAD.
const READ_COUNT: usize = 256;
/// Keys per SCAN step.
const SCAN_COUNT: usize = 500;
/// Records re-embedded per permit of the embedding pool.
const EMBED_CHUNK: usize = 16;

/// Where the shared tier lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedSettings {
    /// `redis://[user:password@]host:port[/db]`.
    pub url: String,
    /// Prefix of every key the tier reads and writes.
    pub prefix: String,
    /// Longest wait for Redis on a lookup before it counts as a miss.
    pub lookup_timeout: Duration,
}

/// Whether `url` is a Redis URL this build can connect to.
pub fn check_url(url: &str) -> Result<(), String> {
    if url.starts_with("rediss://") {
        return Err("TLS (rediss://) is not supported by this build; use redis://".into());
    }
    Client::open(url).map(|_| ()).map_err(|e| e.to_string())
}

/// `url` without its password, for logs.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!(
                "{}://…@{}",
                url.get(..scheme).unwrap_or(""),
                url.get(at + 1..).unwrap_or("")
            )
        }
        _ => url.to_owned(),
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// What a lookup in Redis found.
#[derive(Debug)]
pub(crate) enum Fetched {
    /// The answer, with the TTL Redis has left for it.
    Found(Arc<CachedAnswer>),
    /// Redis answered: no such entry (expired or evicted).
    Absent,
    /// Redis is down, slow or failed: nothing can be said.
    Unavailable,
}

/// A store on its way to Redis.
#[derive(Debug)]
pub(crate) struct Write {
    pub answer: Arc<CachedAnswer>,
    pub record: IndexRecord,
}

/// A live connection and the generation it belongs to (each reconnect is a new one, so
/// that the failure of an old connection never tears down its replacement).
#[derive(Clone)]
struct Link {
    generation: u64,
    conn: MultiplexedConnection,
}

/// What the semantic tier lends the follower, to index other replicas' entries.
#[derive(Debug, Clone)]
pub(crate) struct Indexer {
    pub embedder: Arc<Embedder>,
    pub index: Arc<SemanticIndex>,
    pub permits: Arc<Semaphore>,
    /// Dimensions of this replica's embedder (a probe embedding, on first use).
    pub dims: Arc<OnceLock<usize>>,
}

/// State shared by the request path and the background tasks.
struct Inner {
    client: Client,
    /// The URL without its password.
    url: String,
    entry_prefix: String,
    stream: String,
    /// This process's name in announcements (its own are skipped when following).
    origin: String,
    link: RwLock<Option<Link>>,
    generations: AtomicU64,
    /// Woken when the link is lost.
    lost: Notify,
    /// The live link's generation, `None` while down.
    connected: watch::Sender<Option<u64>>,
    lookup_timeout: Duration,
    stats: Arc<CacheStats>,
}

/// The shared tier of one process: the handle the cache holds. Dropping it stops the
/// background tasks.
pub(crate) struct SharedTier {
    inner: Arc<Inner>,
    writes: mpsc::Sender<Write>,
    tasks: Vec<AbortHandle>,
}

impl fmt::Debug for SharedTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedTier")
            .field("url", &self.inner.url)
            .field("prefix", &self.inner.entry_prefix)
            .finish_non_exhaustive()
    }
}

impl Drop for SharedTier {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl SharedTier {
    /// Starts the tier's tasks on the current tokio runtime: the connection's supervisor,
    /// the writer and, when this process has a semantic index, the follower that fills it.
    pub fn start(
        settings: &SharedSettings,
        stats: Arc<CacheStats>,
        indexer: Option<Indexer>,
    ) -> Result<Self, String> {
        check_url(&settings.url)?;
        let client = Client::open(settings.url.as_str()).map_err(|e| e.to_string())?;
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| "the Redis tier needs a tokio runtime".to_owned())?;
        stats.redis().configured();
        let origin = format!(
            "{:x}-{:x}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
                & 0xffff_ffff_ffff
        );
        let inner = Arc::new(Inner {
            client,
            url: redacted(&settings.url),
            entry_prefix: format!("{}e:", settings.prefix),
            stream: format!("{}stream", settings.prefix),
            origin,
            link: RwLock::new(None),
            generations: AtomicU64::new(0),
            lost: Notify::new(),
            connected: watch::Sender::new(None),
            lookup_timeout: settings.lookup_timeout,
            stats,
        });
        let (writes, queue) = mpsc::channel(WRITE_QUEUE);
        let mut tasks = vec![
            runtime.spawn(supervise(inner.clone())).abort_handle(),
            runtime
                .spawn(write_loop(inner.clone(), queue))
                .abort_handle(),
        ];
        if let Some(indexer) = indexer {
            tasks.push(runtime.spawn(follow(inner.clone(), indexer)).abort_handle());
        }
        Ok(Self {
            inner,
            writes,
            tasks,
        })
    }

    /// Whether Redis is reachable now.
    pub fn is_up(&self) -> bool {
        self.inner.link().is_some()
    }

    /// The answer stored under `exact`, waiting at most the lookup timeout.
    pub async fn fetch(&self, exact: &KeyHash) -> Fetched {
        self.inner.fetch(exact).await
    }

    /// Queues `write` for Redis; dropped (and counted) when Redis is down or the queue full.
    pub fn publish(&self, write: Write) {
        if !self.is_up() || self.writes.try_send(write).is_err() {
            self.inner.stats.redis().dropped(1);
        }
    }
}

impl Inner {
    fn link(&self) -> Option<Link> {
        self.link
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn entry_key(&self, exact: &KeyHash) -> String {
        format!("{}{}", self.entry_prefix, exact.to_hex())
    }

    async fn fetch(&self, exact: &KeyHash) -> Fetched {
        let Some(mut link) = self.link() else {
            return Fetched::Unavailable;
        };
        let key = self.entry_key(exact);
        let mut pipe = redis::pipe();
        pipe.cmd("HGET").arg(&key).arg("r").cmd("PTTL").arg(&key);
        let reply = timeout(
            self.lookup_timeout,
            pipe.query_async::<(Option<Vec<u8>>, i64)>(&mut link.conn),
        )
        .await;
        match reply {
            // A slow answer is a miss, not a lost connection: a hung Redis is noticed by
            // the follower's read (or a store) timing out, without flapping under load.
            Err(_) => {
                self.stats.redis().timeout();
                Fetched::Unavailable
            }
            Ok(Err(e)) => {
                self.fail(link.generation, &e);
                Fetched::Unavailable
            }
            Ok(Ok((answer, ttl_ms))) => {
                // PTTL: -2 gone (expired between the two commands), -1 no expiry (not
                // written by a gateway; served, but held here for a minute at most).
                let ttl = match ttl_ms {
                    -2 => return Fetched::Absent,
                    -1 => Duration::from_secs(60),
                    ms => Duration::from_millis(u64::try_from(ms).unwrap_or(0)),
                };
                match answer.as_deref().and_then(codec::decode_answer) {
                    Some(resp) if !ttl.is_zero() => {
                        Fetched::Found(Arc::new(CachedAnswer::new(resp, ttl)))
                    }
                    _ => Fetched::Absent,
                }
            }
        }
    }

    /// Counts `e`; when it means the connection is gone, marks it lost.
    fn fail(&self, generation: u64, e: &RedisError) {
        self.stats.redis().error();
        if e.is_io_error() || e.is_timeout() || e.is_unrecoverable_error() {
            self.lose(generation, &e.to_string());
        } else {
            tracing::debug!(error = %e, "response cache: Redis command failed");
        }
    }

    /// Drops the link of `generation` (if it is still the live one), logs once, and wakes
    /// the supervisor to reconnect.
    fn lose(&self, generation: u64, why: &str) {
        {
            let mut link = self.link.write().unwrap_or_else(PoisonError::into_inner);
            if link.as_ref().map(|l| l.generation) != Some(generation) {
                return;
            }
            *link = None;
        }
        self.connected.send_replace(None);
        self.stats.redis().set_up(false);
        tracing::warn!(
            "response cache: Redis at {} unreachable ({why}): lookups use this process's cache \
             only and stores are not shared until it is back; reconnecting in the background",
            self.url
        );
        self.lost.notify_one();
    }

    async fn connect(&self, response_timeout: Duration) -> Result<MultiplexedConnection, String> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(IO_TIMEOUT))
            .set_response_timeout(Some(response_timeout));
        let mut conn = timeout(
            IO_TIMEOUT * 2,
            self.client
                .get_multiplexed_async_connection_with_config(&config),
        )
        .await
        .map_err(|_| "connection timed out".to_owned())?
        .map_err(|e| e.to_string())?;
        timeout(IO_TIMEOUT, redis::cmd("PING").query_async::<()>(&mut conn))
            .await
            .map_err(|_| "PING timed out".to_owned())?
            .map_err(|e| e.to_string())?;
        Ok(conn)
    }
}

/// Keeps a link to Redis: connects, and reconnects whenever the link is lost.
async fn supervise(inner: Arc<Inner>) {
    let mut outage = false;
    loop {
        let mut delay = Duration::from_millis(50);
        let conn = loop {
            match inner.connect(IO_TIMEOUT).await {
                Ok(conn) => break conn,
                Err(e) => {
                    if outage {
                        tracing::debug!(
                            "response cache: Redis at {} still unreachable: {e}",
                            inner.url
                        );
                    } else {
                        outage = true;
                        tracing::warn!(
                            "response cache: Redis at {} unreachable ({e}): the cache serves from \
                             this process only until it is reachable; retrying in the background",
                            inner.url
                        );
                    }
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(1));
                }
            }
        };
        let generation = inner.generations.fetch_add(1, Ordering::Relaxed) + 1;
        *inner.link.write().unwrap_or_else(PoisonError::into_inner) =
            Some(Link { generation, conn });
        inner.stats.redis().set_up(true);
        inner.connected.send_replace(Some(generation));
        if outage {
            tracing::info!(
                "response cache: Redis at {} reachable again; sharing resumed",
                inner.url
            );
        } else {
            tracing::info!("response cache: shared through Redis at {}", inner.url);
        }
        outage = true;
        // Until the link is lost (a stale wake-up from an older link is ignored), with a
        // PING every second, so that a Redis that hangs (rather than closing the
        // connection) is noticed without traffic.
        loop {
            tokio::select! {
                () = inner.lost.notified() => {}
                () = tokio::time::sleep(HEALTH_CHECK) => {
                    if let Some(mut link) = inner.link() {
                        let ping = redis::cmd("PING");
                        match timeout(IO_TIMEOUT, ping.query_async::<()>(&mut link.conn)).await {
                            Ok(Ok(())) => {}
                            Ok(Err(e)) => inner.fail(link.generation, &e),
                            Err(_) => {
                                inner.stats.redis().error();
                                inner.lose(link.generation, "PING timed out");
                            }
                        }
                    }
                }
            }
            if inner.link().is_none() {
                break;
            }
        }
    }
}

/// Writes queued stores in batches: each entry with its TTL, and its announcement.
async fn write_loop(inner: Arc<Inner>, mut queue: mpsc::Receiver<Write>) {
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    while queue.recv_many(&mut batch, WRITE_BATCH).await > 0 {
        let n = batch.len();
        let Some(mut link) = inner.link() else {
            inner.stats.redis().dropped(n);
            batch.clear();
            continue;
        };
        let mut pipe = redis::pipe();
        pipe.atomic();
        let mut written = 0;
        for w in batch.drain(..) {
            let ttl = w
                .answer
                .expires_at
                .saturating_duration_since(std::time::Instant::now());
            let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
            if ttl_ms == 0 {
                continue;
            }
            let hex = w.record.exact.to_hex();
            let key = format!("{}{hex}", inner.entry_prefix);
            let (meta, vector) = w.record.encode();
            let answer = codec::encode_answer(&w.answer.response);
            let hset = pipe
                .cmd("HSET")
                .arg(&key)
                .arg("r")
                .arg(answer)
                .arg("m")
                .arg(&meta);
            if !vector.is_empty() {
                hset.arg("v").arg(&vector);
            }
            hset.ignore();
            pipe.cmd("PEXPIRE").arg(&key).arg(ttl_ms).ignore();
            pipe.cmd("XADD")
                .arg(&inner.stream)
                .arg("MAXLEN")
                .arg("~")
                .arg(STREAM_MAXLEN)
                .arg("*")
                .arg("k")
                .arg(&hex)
                .arg("m")
                .arg(&meta)
                .arg("v")
                .arg(&vector)
                .arg("o")
                .arg(&inner.origin)
                .ignore();
            written += 1;
        }
        if written == 0 {
            continue;
        }
        match timeout(IO_TIMEOUT, pipe.query_async::<()>(&mut link.conn)).await {
            Ok(Ok(())) => inner.stats.redis().stored(written),
            Ok(Err(e)) => {
                inner.fail(link.generation, &e);
                inner.stats.redis().dropped(written);
            }
            Err(_) => {
                inner.stats.redis().error();
                inner.stats.redis().dropped(written);
                inner.lose(link.generation, "a store timed out");
            }
        }
    }
}

/// A stream entry id, `ms-seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct StreamId(u64, u64);

impl StreamId {
    fn parse(s: &[u8]) -> Option<Self> {
        let s = std::str::from_utf8(s).ok()?;
        let (ms, seq) = s.split_once('-')?;
        Some(Self(ms.parse().ok()?, seq.parse().ok()?))
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.0, self.1)
    }
}

/// Keeps this replica's semantic index current with what the others store.
async fn follow(inner: Arc<Inner>, indexer: Indexer) {
    let mut last: Option<StreamId> = None;
    let mut connected = inner.connected.subscribe();
    loop {
        let generation = match connected.wait_for(Option::is_some).await {
            Ok(g) => g.unwrap_or(0),
            Err(_) => return,
        };
        if let Err(e) = follow_link(&inner, &indexer, &mut last).await {
            inner.fail(generation, &e);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// Catches up (from the stream, or by a SCAN when the stream no longer reaches back to
/// `last`), then reads announcements until the connection fails.
async fn follow_link(
    inner: &Inner,
    indexer: &Indexer,
    last: &mut Option<StreamId>,
) -> Result<(), RedisError> {
    // Its own connection: a blocking XREAD holds the connection it is sent on.
    let mut conn = inner
        .connect(READ_BLOCK + IO_TIMEOUT)
        .await
        .map_err(|e| RedisError::from(std::io::Error::other(e)))?;
    let resume = match *last {
        None => false,
        Some(id) => {
            let first: Value = redis::cmd("XRANGE")
                .arg(&inner.stream)
                .arg("-")
                .arg("+")
                .arg("COUNT")
                .arg(1)
                .query_async(&mut conn)
                .await?;
            range_ids(&first).first().is_some_and(|f| *f <= id)
        }
    };
    if !resume {
        let newest: Value = redis::cmd("XREVRANGE")
            .arg(&inner.stream)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .query_async(&mut conn)
            .await?;
        let from = range_ids(&newest)
            .first()
            .copied()
            .unwrap_or(StreamId(0, 0));
        let n = scan(inner, indexer, &mut conn).await?;
        tracing::debug!("response cache: indexed {n} entries from Redis");
        *last = Some(from);
    }
    loop {
        let from = last.unwrap_or(StreamId(0, 0));
        let reply: Value = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(READ_COUNT)
            .arg("BLOCK")
            .arg(u64::try_from(READ_BLOCK.as_millis()).unwrap_or(1000))
            .arg("STREAMS")
            .arg(&inner.stream)
            .arg(from.to_string())
            .query_async(&mut conn)
            .await?;
        let (records, newest) = announcements(&reply, &inner.origin);
        if let Some(n) = newest {
            *last = Some(n);
        }
        if !records.is_empty() {
            add(inner, indexer, records).await;
        }
    }
}

/// Indexes every entry under the prefix; returns how many.
async fn scan(
    inner: &Inner,
    indexer: &Indexer,
    conn: &mut MultiplexedConnection,
) -> Result<usize, RedisError> {
    let pattern = format!("{}*", glob_escape(&inner.entry_prefix));
    let mut cursor = 0u64;
    let mut total = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(SCAN_COUNT)
            .query_async(conn)
            .await?;
        if !keys.is_empty() {
            let mut pipe = redis::pipe();
            for k in &keys {
                pipe.cmd("HMGET").arg(k).arg("m").arg("v");
            }
            let rows: Vec<MetaAndVector> = pipe.query_async(conn).await?;
            let records: Vec<IndexRecord> = keys
                .iter()
                .zip(rows)
                .filter_map(|(k, (meta, vector))| {
                    let exact = KeyHash::from_hex(k.strip_prefix(&inner.entry_prefix)?)?;
                    IndexRecord::decode(exact, &meta?, &vector.unwrap_or_default())
                })
                .collect();
            total += records.len();
            add(inner, indexer, records).await;
        }
        if next == 0 {
            return Ok(total);
        }
        cursor = next;
    }
}

/// An entry's `m` and `v` fields.
type MetaAndVector = (Option<Vec<u8>>, Option<Vec<u8>>);

/// `s` with SCAN's glob characters escaped.
fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Adds `records` to the index: a vector prepared by the same embedder as-is, any other
/// (or none) embedded again here, on the blocking pool, a few at a time per permit so that
/// lookups keep their workers.
async fn add(inner: &Inner, indexer: &Indexer, records: Vec<IndexRecord>) {
    let now = unix_ms();
    let name = indexer.embedder.name();
    let embedder = indexer.embedder.clone();
    let dims_cell = indexer.dims.clone();
    let dims = match dims_cell.get() {
        Some(d) => *d,
        None => tokio::task::spawn_blocking(move || {
            *dims_cell.get_or_init(|| embedder.embed("dimensions").len())
        })
        .await
        .unwrap_or(0),
    };
    let (ready, unprepared): (Vec<_>, Vec<_>) = records
        .into_iter()
        .filter(|r| r.expires_unix_ms > now && !r.instruction.is_empty())
        .partition(|r| {
            r.vector
                .as_ref()
                .is_some_and(|(e, v)| e == name && v.values.len() == dims)
        });
    let count = ready.len() + unprepared.len();
    if !ready.is_empty() {
        let index = indexer.index.clone();
        let _ = tokio::task::spawn_blocking(move || {
            for r in ready {
                if let Some((_, v)) = r.vector {
                    index.insert_prepared(r.scope, r.exact, v, &r.instruction, r.has_code);
                }
            }
        })
        .await;
    }
    let mut unprepared = unprepared.into_iter().peekable();
    while unprepared.peek().is_some() {
        let chunk: Vec<IndexRecord> = unprepared.by_ref().take(EMBED_CHUNK).collect();
        let Ok(permit) = indexer.permits.clone().acquire_owned().await else {
            return;
        };
        let (embedder, index) = (indexer.embedder.clone(), indexer.index.clone());
        let _ = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            for r in chunk {
                let v = embedder.embed(&r.instruction);
                index.insert(r.scope, r.exact, &v, &r.instruction, r.has_code);
            }
        })
        .await;
    }
    inner.stats.redis().indexed(count);
}

/// The ids of an XRANGE / XREVRANGE reply.
fn range_ids(v: &Value) -> Vec<StreamId> {
    let Value::Array(entries) = v else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|e| match e {
            Value::Array(pair) => pair.first().and_then(bytes).and_then(StreamId::parse),
            _ => None,
        })
        .collect()
}

fn bytes(v: &Value) -> Option<&[u8]> {
    match v {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.as_bytes()),
        _ => None,
    }
}

/// The records of an XREAD reply announced by other processes, and the newest id read.
fn announcements(reply: &Value, origin: &str) -> (Vec<IndexRecord>, Option<StreamId>) {
    // RESP2: [[stream, [[id, [field, value, ...]], ...]]]; RESP3: {stream: [...]}.
    let entries = match reply {
        Value::Array(streams) => streams.first().and_then(|s| match s {
            Value::Array(kv) => kv.get(1),
            _ => None,
        }),
        Value::Map(streams) => streams.first().map(|(_, v)| v),
        _ => None,
    };
    let Some(Value::Array(entries)) = entries else {
        return (Vec::new(), None);
    };
    let mut records = Vec::with_capacity(entries.len());
    let mut newest = None;
    for e in entries {
        let Value::Array(pair) = e else { continue };
        let (Some(id), Some(Value::Array(fields))) = (
            pair.first().and_then(bytes).and_then(StreamId::parse),
            pair.get(1),
        ) else {
            continue;
        };
        newest = Some(id);
        let mut key = None;
        let (mut meta, mut vector, mut from) = (None, None, None);
        for kv in fields.chunks_exact(2) {
            let (Some(k), Some(v)) = (kv.first().and_then(bytes), kv.get(1).and_then(bytes)) else {
                continue;
            };
            match k {
                b"k" => key = std::str::from_utf8(v).ok().and_then(KeyHash::from_hex),
                b"m" => meta = Some(v),
                b"v" => vector = Some(v),
                b"o" => from = Some(v),
                _ => {}
            }
        }
        if from == Some(origin.as_bytes()) {
            continue;
        }
        if let (Some(exact), Some(meta)) = (key, meta) {
            records.extend(IndexRecord::decode(exact, meta, vector.unwrap_or_default()));
        }
    }
    (records, newest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_stay_out_of_logs() {
        assert_eq!(
            redacted("redis://user:secret@10.0.0.1:6379/0"),
            "redis://…@10.0.0.1:6379/0"
        );
        assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }

    #[test]
    fn urls_are_checked() {
        assert!(check_url("redis://127.0.0.1:6379/0").is_ok());
        assert!(check_url("rediss://127.0.0.1:6379/0").is_err());
        assert!(check_url("redis://127.0.0.1:notaport").is_err());
    }

    #[test]
    fn stream_ids_order_and_print() {
        let a = StreamId::parse(b"1700000000000-0").unwrap();
        let b = StreamId::parse(b"1700000000000-12").unwrap();
        let c = StreamId::parse(b"1700000000001-0").unwrap();
        assert!(a < b && b < c);
        assert_eq!(b.to_string(), "1700000000000-12");
        assert!(StreamId::parse(b"nope").is_none());
    }

    #[test]
    fn glob_characters_are_escaped() {
        assert_eq!(glob_escape("a*b?[c]\\:"), "a\\*b\\?\\[c\\]\\\\:");
    }

    #[test]
    fn announcements_are_read_and_own_ones_skipped() {
        let record = IndexRecord {
            exact: KeyHash([3; 32]),
            scope: KeyHash([4; 32]),
            instruction: "sort it".into(),
            has_code: false,
            vector: None,
            expires_unix_ms: 1,
        };
        let (meta, vector) = record.encode();
        let entry = |id: &str, origin: &str| {
            Value::Array(vec![
                Value::BulkString(id.into()),
                Value::Array(vec![
                    Value::BulkString(b"k".to_vec()),
                    Value::BulkString(record.exact.to_hex().into_bytes()),
                    Value::BulkString(b"m".to_vec()),
                    Value::BulkString(meta.clone()),
                    Value::BulkString(b"v".to_vec()),
                    Value::BulkString(vector.clone()),
                    Value::BulkString(b"o".to_vec()),
                    Value::BulkString(origin.into()),
                ]),
            ])
        };
        let reply = Value::Array(vec![Value::Array(vec![
            Value::BulkString(b"p:stream".to_vec()),
            Value::Array(vec![entry("5-0", "other"), entry("6-1", "me")]),
        ])]);
        let (records, newest) = announcements(&reply, "me");
        assert_eq!(records, vec![record]);
        assert_eq!(newest, Some(StreamId(6, 1)));
        assert_eq!(announcements(&Value::Nil, "me"), (Vec::new(), None));
    }
}
