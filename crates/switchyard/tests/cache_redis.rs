//! The response cache's shared tier with real processes: two `switchyard serve` processes,
//! one mock upstream, and Redis. An answer cached through one gateway is an exact and a
//! semantic hit through the other; Redis going away costs misses (the gateways keep
//! answering and each logs the outage once) and its return heals the sharing.
//!
//! The sharing test uses the machine's Redis (127.0.0.1:6379, or `SWITCHYARD_REDIS_URL`)
//! under a key prefix of its own, deleted at the end; the outage test starts a private
//! `redis-server` on a free port and stops it mid-test.

#![cfg(test)]

#[path = "../../cache/tests/support/private_redis.rs"]
mod private_redis;

use private_redis::{Cleanup, PrivateRedis};
use serde_json::{json, Value};
use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    time::{Duration, Instant},
};
use switchyard_mock::{MockBehavior, MockServer};

const BIN: &str = env!("CARGO_BIN_EXE_switchyard");

fn shared_redis_url() -> String {
    std::env::var("SWITCHYARD_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
}

static N: AtomicU32 = AtomicU32::new(0);

/// A name no other test (or concurrent run) uses.
fn unique(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{what}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A `switchyard serve` process, killed when dropped; its log goes to a file.
struct Gateway {
    child: Child,
    url: String,
    log: PathBuf,
    config: PathBuf,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.config);
        let _ = std::fs::remove_file(&self.log);
    }
}

impl Gateway {
    /// Starts a gateway on a free port with the cache on, answering from `mock` and sharing
    /// through `redis_url` under `prefix`.
    fn start(mock: &str, redis_url: &str, prefix: &str) -> Self {
        let name = unique("switchyard-redis-test");
        let dir = std::env::temp_dir();
        let config = dir.join(format!("{name}.toml"));
        let log = dir.join(format!("{name}.log"));
        std::fs::write(
            &config,
            format!(
                r#"
[cache]
enabled = true
semantic = true
embedder = "builtin"
redis_url = "{redis_url}"
redis_prefix = "{prefix}"
# Debug builds on a busy two-core machine: a generous bound.
redis_timeout_ms = 100

[providers.mock]
kind = "openai"
base_url = "{mock}/v1"
api_key = "sk-upstream"

[models.coder]
deployments = [{{ provider = "mock", model = "gpt-upstream" }}]
"#
            ),
        )
        .unwrap();
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(&config)
            .env("RUST_LOG", "info")
            .env_remove("SWITCHYARD_CONFIG")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("no address: {line:?}"))
            .to_owned();
        Self {
            child,
            url: format!("http://{addr}"),
            log,
            config,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Lines of its log that contain `needle`.
    fn log_lines(&self, needle: &str) -> usize {
        self.log().lines().filter(|l| l.contains(needle)).count()
    }

    async fn metric(&self, name: &str) -> f64 {
        let text = reqwest::get(format!("{}/metrics", self.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(f64::NAN)
    }

    /// Polls the metric `name` until `cond` holds (10 s at most).
    async fn wait_metric(&self, name: &str, cond: impl Fn(f64) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let v = self.metric(name).await;
            if cond(v) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{name} = {v} on {}; log:\n{}",
                self.url,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Sends a chat request for `prompt`; returns status, cache header, similarity header
    /// and the answer's text.
    async fn chat(&self, prompt: &str) -> (u16, String, Option<f64>, String) {
        let r = reqwest::Client::new()
            .post(format!("{}/v1/chat/completions", self.url))
            .header("content-type", "application/json")
            .body(
                json!({
                    "model": "coder",
                    "temperature": 0,
                    "messages": [{"role": "user", "content": prompt}],
                })
                .to_string(),
            )
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let cache = header("x-switchyard-cache").unwrap_or_default();
        let similarity = header("x-switchyard-cache-similarity").and_then(|v| v.parse().ok());
        let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null);
        let text = body["choices"][0]["message"]["content"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (status, cache, similarity, text)
    }
}

const SORT: &str = "write a python function that sorts a list of user records by age";
const SORT_REWORDED: &str =
    "please write a python function which sorts a list of user records by age";
const SORT_DESC: &str =
    "write a python function that sorts a list of user records by age in descending order";
const REVERSE: &str = "write a go function that reverses the words of a sentence";
const REVERSE_REWORDED: &str = "please write a go function which reverses the words of a sentence";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_cached_through_one_gateway_is_a_hit_through_another() {
    let mock = MockServer::start(MockBehavior::default()).await.unwrap();
    let url = shared_redis_url();
    let prefix = format!("{}:", unique("switchyard-test:two-process"));
    let _cleanup = Cleanup {
        url: url.clone(),
        prefix: prefix.clone(),
    };
    let a = Gateway::start(&mock.url(), &url, &prefix);
    let b = Gateway::start(&mock.url(), &url, &prefix);
    for g in [&a, &b] {
        g.wait_metric("switchyard_response_cache_redis_up", |v| v == 1.0)
            .await;
    }

    let (status, cache, _, answer) = a.chat(SORT).await;
    assert_eq!((status, cache.as_str()), (200, "miss"));
    a.wait_metric("switchyard_response_cache_redis_stores_total", |v| v >= 1.0)
        .await;
    let upstream = mock.stats().requests_total;

    // Exact, through the other process.
    let (status, cache, _, text) = b.chat(SORT).await;
    assert_eq!((status, cache.as_str()), (200, "exact"));
    assert_eq!(text, answer);
    assert_eq!(
        b.metric("switchyard_response_cache_redis_hits_total").await,
        1.0
    );

    // Semantic, through the other process, once its index has the entry.
    b.wait_metric("switchyard_response_cache_redis_indexed_total", |v| {
        v >= 1.0
    })
    .await;
    let (status, cache, similarity, text) = b.chat(SORT_REWORDED).await;
    assert_eq!((status, cache.as_str()), (200, "semantic"));
    assert!(
        similarity.is_some_and(|s| s > 0.7 && s < 1.0),
        "{similarity:?}"
    );
    assert_eq!(text, answer);
    assert_eq!(mock.stats().requests_total, upstream, "no upstream call");

    // The near-miss guard holds across processes too.
    let (status, cache, _, _) = b.chat(SORT_DESC).await;
    assert_eq!((status, cache.as_str()), (200, "miss"));
    assert_eq!(
        mock.stats().requests_total,
        upstream + 1,
        "answered upstream"
    );
    let mut refusals = 0.0;
    for reason in ["polarity", "constraint"] {
        refusals += b
            .metric(&format!(
                "switchyard_response_cache_guard_refusals_total{{reason=\"{reason}\"}}"
            ))
            .await;
    }
    assert!(refusals >= 1.0, "the guard refused it");

    // And in the other direction.
    b.wait_metric("switchyard_response_cache_redis_stores_total", |v| v >= 1.0)
        .await;
    let (_, cache, _, _) = a.chat(SORT_DESC).await;
    assert_eq!(cache, "exact");

    // The entries are where the prefix says, with their TTL.
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query(&mut conn)
        .unwrap();
    assert_eq!(
        keys.iter()
            .filter(|k| k.starts_with(&format!("{prefix}e:")))
            .count(),
        2,
        "{keys:?}"
    );
    assert!(keys.contains(&format!("{prefix}stream")), "{keys:?}");
    let entry = keys.iter().find(|k| k.contains(":e:")).unwrap();
    let ttl: i64 = redis::cmd("TTL").arg(entry).query(&mut conn).unwrap();
    assert!(ttl > 3000 && ttl <= 3600, "{ttl}");
}

const OUTAGE: &str = "unreachable";
const BACK: &str = "reachable again";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateways_keep_serving_through_a_redis_outage_and_share_again_after_it() {
    let mock = MockServer::start(MockBehavior::default()).await.unwrap();
    let mut redis = PrivateRedis::start();
    let prefix = "switchyard:cache:";
    let a = Gateway::start(&mock.url(), &redis.url(), prefix);
    let b = Gateway::start(&mock.url(), &redis.url(), prefix);
    for g in [&a, &b] {
        g.wait_metric("switchyard_response_cache_redis_up", |v| v == 1.0)
            .await;
    }
    let (_, cache, _, _) = a.chat(SORT).await;
    assert_eq!(cache, "miss");
    a.wait_metric("switchyard_response_cache_redis_stores_total", |v| v >= 1.0)
        .await;
    assert_eq!(b.chat(SORT).await.1, "exact");

    redis.stop();
    // Requests keep being answered (misses), quickly, and each gateway logs the outage once.
    for i in 0..6 {
        for g in [&a, &b] {
            let started = Instant::now();
            let (status, cache, _, _) = g.chat(&format!("{REVERSE} number {i}")).await;
            assert_eq!((status, cache.as_str()), (200, "miss"));
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{:?}",
                started.elapsed()
            );
        }
    }
    for g in [&a, &b] {
        g.wait_metric("switchyard_response_cache_redis_up", |v| v == 0.0)
            .await;
        // Reconnect attempts go on in the background, silently.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(g.log_lines(OUTAGE), 1, "{}", g.log());
        assert_eq!(g.log_lines(BACK), 0, "{}", g.log());
    }
    assert!(
        a.metric("switchyard_response_cache_redis_dropped_total")
            .await
            >= 1.0
    );

    // Back on the same port, empty: sharing resumes and the log says so once.
    redis.restart();
    for g in [&a, &b] {
        g.wait_metric("switchyard_response_cache_redis_up", |v| v == 1.0)
            .await;
        assert_eq!(g.log_lines(BACK), 1, "{}", g.log());
        assert_eq!(g.log_lines(OUTAGE), 1, "{}", g.log());
    }
    let indexed = b
        .metric("switchyard_response_cache_redis_indexed_total")
        .await;
    let (_, cache, _, answer) = a.chat(REVERSE).await;
    assert_eq!(cache, "miss");
    a.wait_metric("switchyard_response_cache_redis_stores_total", |v| v >= 2.0)
        .await;
    let (_, cache, _, text) = b.chat(REVERSE).await;
    assert_eq!(cache, "exact");
    assert_eq!(text, answer);
    // The index catches up (a SCAN of the emptied Redis, then the stream).
    b.wait_metric("switchyard_response_cache_redis_indexed_total", |v| {
        v >= indexed + 1.0
    })
    .await;
    let (_, cache, _, text) = b.chat(REVERSE_REWORDED).await;
    assert_eq!(cache, "semantic");
    assert_eq!(text, answer);
}
