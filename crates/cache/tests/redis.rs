//! The shared tier against a real Redis: two caches (as two replicas would hold) with their
//! own key prefix on the machine's Redis (127.0.0.1:6379), and one on a private
//! `redis-server` that is stopped and started again mid-test.
//!
//! Set `SWITCHYARD_REDIS_URL` to use another server for the shared tests.

#![cfg(test)]

#[path = "support/private_redis.rs"]
mod private_redis;

use private_redis::{Cleanup, PrivateRedis};
use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::{Duration, Instant},
};
use switchyard_cache::{
    embed::{BuiltinEmbedder, Embedder},
    request_key, CacheSettings, Lookup, ResponseCache, SemanticSettings, SharedSettings,
};
use switchyard_protocol::{
    ChatRequest, ChatResponse, ContentPart, Message, Role, StopReason, Usage, WireFormat,
};

fn redis_url() -> String {
    std::env::var("SWITCHYARD_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
}

/// A key prefix no other test (or run) uses.
fn unique_prefix(test: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "switchyard-test:{test}:{}-{nanos}-{}:",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn keys_under(url: &str, prefix: &str) -> Vec<String> {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client
        .get_connection_with_timeout(Duration::from_secs(2))
        .unwrap();
    redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query(&mut conn)
        .unwrap()
}

fn settings(url: &str, prefix: &str) -> CacheSettings {
    CacheSettings {
        max_entries: 1000,
        max_bytes: 10 * 1024 * 1024,
        semantic: Some(SemanticSettings {
            embedder: Embedder::Builtin(BuiltinEmbedder),
            embed_wait: Duration::from_millis(500),
            workers: 2,
        }),
        shared: Some(SharedSettings {
            url: url.into(),
            prefix: prefix.into(),
            // Generous: debug builds on a loaded CI machine.
            lookup_timeout: Duration::from_millis(200),
        }),
    }
}

fn request(text: &str) -> ChatRequest {
    let mut r = ChatRequest::new(WireFormat::OpenAiChat, "coder");
    r.messages.push(Message::text(Role::User, text));
    r
}

fn answer(text: &str) -> ChatResponse {
    ChatResponse {
        id: "resp-1".into(),
        model: "gpt-upstream".into(),
        content: vec![ContentPart::text(text)],
        stop_reason: StopReason::EndTurn,
        usage: Usage {
            input_tokens: 10,
            output_tokens: 20,
            ..Usage::default()
        },
        created: 1,
        source: WireFormat::OpenAiChat,
        extra: Default::default(),
    }
}

/// Polls `cond` every 20 ms for up to `secs`.
async fn eventually(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

const SORT: &str = "write a python function that sorts a list of user records by age";
const SORT_REWORDED: &str =
    "please write a python function which sorts a list of user records by age";
const SORT_DESC: &str =
    "write a python function that sorts a list of user records by age in descending order";

#[tokio::test]
async fn an_answer_stored_by_one_replica_is_served_by_another() {
    let url = redis_url();
    let prefix = unique_prefix("share");
    let _cleanup = Cleanup {
        url: url.clone(),
        prefix: prefix.clone(),
    };
    let a = ResponseCache::new(&settings(&url, &prefix));
    let b = ResponseCache::new(&settings(&url, &prefix));
    eventually(5, "both connected", || {
        a.shared_up() == Some(true) && b.shared_up() == Some(true)
    })
    .await;

    let key = request_key(&request(SORT), "coder", None);
    let (found, embedding) = a.lookup(&key, Some(0.7)).await;
    assert!(matches!(found, Lookup::Miss));
    a.insert(
        &key,
        answer("def sort_users(...)"),
        Duration::from_secs(60),
        embedding,
    );
    eventually(5, "the store written", || {
        a.stats().redis.unwrap().stores == 1
    })
    .await;
    let entry = format!("{prefix}e:{}", key.exact.to_hex());
    assert!(keys_under(&url, &prefix).contains(&entry));

    // Exact, through the other replica: from Redis, then from its own near tier.
    let (found, _) = b.lookup(&key, Some(0.7)).await;
    let Lookup::Exact(hit) = found else {
        panic!("expected an exact hit, got {found:?}")
    };
    assert_eq!(hit.response, answer("def sort_users(...)"));
    assert_eq!(b.stats().redis.unwrap().hits, 1);
    let (found, _) = b.lookup(&key, Some(0.7)).await;
    assert!(matches!(found, Lookup::Exact(_)));
    assert_eq!(b.stats().redis.unwrap().hits, 1, "second hit is local");

    // Semantic, through the other replica, once its index has the entry.
    eventually(5, "b indexed a's entry", || {
        b.stats().redis.unwrap().indexed >= 1
    })
    .await;
    let reworded = request_key(&request(SORT_REWORDED), "coder", None);
    let (found, _) = b.lookup(&reworded, Some(0.7)).await;
    let Lookup::Semantic { answer: hit, .. } = found else {
        panic!("expected a semantic hit, got {found:?}")
    };
    assert_eq!(hit.response.joined_text(), "def sort_users(...)");
    // ... and the guard still refuses the near-miss.
    let desc = request_key(&request(SORT_DESC), "coder", None);
    let (found, _) = b.lookup(&desc, Some(0.7)).await;
    assert!(matches!(found, Lookup::Miss), "{found:?}");

    // A replica started later fills its index from Redis (SCAN).
    let c = ResponseCache::new(&settings(&url, &prefix));
    eventually(5, "c indexed the existing entry", || {
        c.stats().redis.is_some_and(|r| r.indexed >= 1)
    })
    .await;
    let (found, _) = c.lookup(&reworded, Some(0.7)).await;
    assert!(matches!(found, Lookup::Semantic { .. }), "{found:?}");

    // The entry carries its TTL.
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_connection().unwrap();
    let ttl: i64 = redis::cmd("PTTL").arg(&entry).query(&mut conn).unwrap();
    assert!(ttl > 50_000 && ttl <= 60_000, "{ttl}");
}

#[tokio::test]
async fn an_entry_gone_from_redis_is_not_served() {
    let url = redis_url();
    let prefix = unique_prefix("expire");
    let _cleanup = Cleanup {
        url: url.clone(),
        prefix: prefix.clone(),
    };
    let a = ResponseCache::new(&settings(&url, &prefix));
    let b = ResponseCache::new(&settings(&url, &prefix));
    eventually(5, "both connected", || {
        a.shared_up() == Some(true) && b.shared_up() == Some(true)
    })
    .await;
    let key = request_key(&request(SORT), "coder", None);
    a.insert(&key, answer("x"), Duration::from_secs(1), None);
    eventually(5, "stored", || a.stats().redis.unwrap().stores == 1).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (found, _) = b.lookup(&key, Some(0.7)).await;
    assert!(matches!(found, Lookup::Miss), "{found:?}");
}

#[tokio::test]
async fn a_redis_that_hangs_costs_one_timeout_per_lookup_and_is_noticed() {
    let server = PrivateRedis::start();
    let url = server.url();
    let prefix = unique_prefix("hang");
    let mut s = settings(&url, &prefix);
    if let Some(shared) = &mut s.shared {
        shared.lookup_timeout = Duration::from_millis(20);
    }
    let a = ResponseCache::new(&s);
    eventually(5, "connected", || a.shared_up() == Some(true)).await;
    server.signal("STOP");
    let key = request_key(&request(SORT), "coder", None);
    let started = Instant::now();
    let (found, _) = a.lookup(&key, None).await;
    assert!(matches!(found, Lookup::Miss));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(20) && waited < Duration::from_millis(500),
        "{waited:?}"
    );
    assert_eq!(a.stats().redis.unwrap().timeouts, 1);
    // The health check (and the follower's read) notice it within a few seconds; then
    // lookups skip Redis.
    eventually(10, "the hang noticed", || a.shared_up() == Some(false)).await;
    let started = Instant::now();
    let (found, _) = a.lookup(&key, None).await;
    assert!(matches!(found, Lookup::Miss));
    assert!(
        started.elapsed() < Duration::from_millis(20),
        "{:?}",
        started.elapsed()
    );
    server.signal("CONT");
    eventually(10, "reconnected", || a.shared_up() == Some(true)).await;
}

#[tokio::test]
async fn redis_going_away_costs_misses_and_its_return_heals() {
    let mut server = PrivateRedis::start();
    let url = server.url();
    let prefix = unique_prefix("outage");
    let a = ResponseCache::new(&settings(&url, &prefix));
    let b = ResponseCache::new(&settings(&url, &prefix));
    eventually(5, "both connected", || {
        a.shared_up() == Some(true) && b.shared_up() == Some(true)
    })
    .await;

    server.stop();
    eventually(5, "the outage noticed", || {
        a.shared_up() == Some(false) && b.shared_up() == Some(false)
    })
    .await;
    // Lookups miss without waiting, stores are dropped.
    let key = request_key(&request(SORT), "coder", None);
    let started = Instant::now();
    let (found, embedding) = b.lookup(&key, Some(0.7)).await;
    assert!(matches!(found, Lookup::Miss));
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "{:?}",
        started.elapsed()
    );
    a.insert(
        &key,
        answer("during the outage"),
        Duration::from_secs(60),
        embedding,
    );
    assert_eq!(a.stats().redis.unwrap().dropped, 1);
    // This process still serves its own.
    assert!(matches!(
        a.lookup(&key, Some(0.7)).await.0,
        Lookup::Exact(_)
    ));

    server.restart();
    eventually(10, "reconnected", || {
        a.shared_up() == Some(true) && b.shared_up() == Some(true)
    })
    .await;
    let key2 = request_key(
        &request("write a go function that reverses a string"),
        "coder",
        None,
    );
    a.insert(&key2, answer("func reverse"), Duration::from_secs(60), None);
    eventually(5, "stored after the return", || {
        a.stats().redis.unwrap().stores == 1
    })
    .await;
    let (found, _) = b.lookup(&key2, Some(0.7)).await;
    assert!(matches!(found, Lookup::Exact(_)), "{found:?}");
    eventually(5, "b's index caught up", || {
        b.stats().redis.unwrap().indexed >= 1
    })
    .await;
    let reworded = request_key(
        &request("please write a go function which reverses a string"),
        "coder",
        None,
    );
    let (found, _) = b.lookup(&reworded, Some(0.7)).await;
    assert!(matches!(found, Lookup::Semantic { .. }), "{found:?}");
    let errors = b.stats().redis.unwrap().errors;
    assert!(errors >= 1, "the outage counted: {errors}");
}
