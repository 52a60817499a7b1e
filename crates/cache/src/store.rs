//! The in-process exact tier: answers by [`KeyHash`], bounded in entries and bytes, evicted
//! by quick_cache's CLOCK-Pro policy, expired lazily by each entry's own TTL.

use crate::key::KeyHash;
use quick_cache::{sync::Cache, Weighter};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use switchyard_protocol::{ChatResponse, ContentPart};

/// A stored answer.
#[derive(Debug)]
pub struct CachedAnswer {
    /// The canonical answer, replayed in whatever format the next client speaks.
    pub response: ChatResponse,
    /// When it stops being served.
    pub expires_at: Instant,
    /// Approximate bytes it holds (text, ids, tool arguments and a fixed overhead).
    pub bytes: usize,
}

impl CachedAnswer {
    /// `response`, served for `ttl` from now.
    pub fn new(response: ChatResponse, ttl: Duration) -> Self {
        let bytes = answer_bytes(&response);
        Self {
            response,
            expires_at: Instant::now() + ttl,
            bytes,
        }
    }

    /// Whether it is still served at `now`.
    pub fn is_fresh(&self, now: Instant) -> bool {
        now < self.expires_at
    }
}

/// Approximate heap bytes of an answer: what the byte bound counts.
pub fn answer_bytes(resp: &ChatResponse) -> usize {
    let mut n = 256 + resp.id.len() + resp.model.len();
    for part in &resp.content {
        n += 64
            + match part {
                ContentPart::Text { text, .. } | ContentPart::Thinking { text, .. } => text.len(),
                ContentPart::ToolCall {
                    id,
                    name,
                    arguments,
                    ..
                } => id.len() + name.len() + arguments.len(),
                ContentPart::Other { value, .. } => value.to_string().len(),
                ContentPart::Image { .. } | ContentPart::ToolResult { .. } => 0,
            };
    }
    n
}

/// Weighs an entry by its bytes, but never below `floor` (= byte bound / entry bound), so
/// that one weight capacity bounds both the bytes and the number of entries.
#[derive(Debug, Clone)]
struct ByteWeighter {
    floor: u64,
}

impl Weighter<KeyHash, Arc<CachedAnswer>> for ByteWeighter {
    fn weight(&self, _key: &KeyHash, val: &Arc<CachedAnswer>) -> u64 {
        (val.bytes as u64).max(self.floor)
    }
}

/// Exact-match answers held in this process.
pub struct ExactStore {
    entries: Cache<KeyHash, Arc<CachedAnswer>, ByteWeighter>,
}

impl std::fmt::Debug for ExactStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExactStore")
            .field("entries", &self.entries.len())
            .field("weight", &self.entries.weight())
            .finish()
    }
}

impl ExactStore {
    /// A store of at most `max_entries` answers and `max_bytes` bytes.
    pub fn new(max_entries: usize, max_bytes: u64) -> Self {
        let max_entries = max_entries.max(1);
        let floor = (max_bytes / max_entries as u64).max(1);
        Self {
            entries: Cache::with_weighter(
                max_entries,
                max_bytes.max(floor),
                ByteWeighter { floor },
            ),
        }
    }

    /// The fresh answer under `key`; an expired one is removed.
    pub fn get(&self, key: &KeyHash) -> Option<Arc<CachedAnswer>> {
        let entry = self.entries.get(key)?;
        if entry.is_fresh(Instant::now()) {
            Some(entry)
        } else {
            self.entries.remove(key);
            None
        }
    }

    /// Stores `answer` under `key`, evicting others if the bounds require.
    pub fn insert(&self, key: KeyHash, answer: Arc<CachedAnswer>) {
        self.entries.insert(key, answer);
    }

    /// Removes the answer under `key`.
    pub fn remove(&self, key: &KeyHash) {
        self.entries.remove(key);
    }

    /// Entries held (expired ones not yet noticed included).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes held, as weighed (each entry at least the per-entry floor).
    pub fn bytes(&self) -> u64 {
        self.entries.weight()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_protocol::{StopReason, Usage, WireFormat};

    fn answer(text: &str) -> ChatResponse {
        ChatResponse {
            id: "r".into(),
            model: "m".into(),
            content: vec![ContentPart::text(text)],
            stop_reason: StopReason::EndTurn,
            usage: Usage::default(),
            created: 0,
            source: WireFormat::OpenAiChat,
            extra: Default::default(),
        }
    }

    fn key(i: u32) -> KeyHash {
        let mut k = [0u8; 32];
        k[..4].copy_from_slice(&i.to_le_bytes());
        KeyHash(k)
    }

    #[test]
    fn bounded_in_entries_and_bytes() {
        let store = ExactStore::new(100, 1_000_000);
        for i in 0..1000 {
            store.insert(
                key(i),
                Arc::new(CachedAnswer::new(answer("x"), Duration::from_secs(60))),
            );
        }
        assert!(store.len() <= 100, "{}", store.len());
        let store = ExactStore::new(1000, 100_000);
        let big = "y".repeat(10_000);
        for i in 0..100 {
            store.insert(
                key(i),
                Arc::new(CachedAnswer::new(answer(&big), Duration::from_secs(60))),
            );
        }
        assert!(store.bytes() <= 100_000, "{}", store.bytes());
        assert!(store.len() <= 10, "{}", store.len());
    }

    #[test]
    fn expired_entries_are_not_served() {
        let store = ExactStore::new(10, 100_000);
        store.insert(
            key(1),
            Arc::new(CachedAnswer::new(answer("a"), Duration::ZERO)),
        );
        store.insert(
            key(2),
            Arc::new(CachedAnswer::new(answer("b"), Duration::from_secs(60))),
        );
        assert!(store.get(&key(1)).is_none());
        assert_eq!(store.get(&key(2)).unwrap().response.joined_text(), "b");
    }
}
