//! The state one mock server shares between its accept loop, its handlers and its
//! [`MockServer`](crate::MockServer) handle. A module of its own so that the server (which
//! builds the routes) and the routes (which read the state) do not import each other.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::watch;

use crate::behavior::{BehaviorStore, Family, MockBehavior};
use crate::stats::Stats;

/// State shared by the accept loop, the handlers and the [`MockServer`] handle.
pub(crate) struct Shared {
    pub(crate) behaviors: BehaviorStore,
    pub(crate) stats: Stats,
    seq: AtomicU64,
    /// Bumped on every behaviour change, so the accept loop re-checks the refuse fault.
    pub(crate) config_changes: watch::Sender<u64>,
}

impl Shared {
    pub(crate) fn new(behavior: MockBehavior) -> Self {
        Self {
            behaviors: BehaviorStore::new(behavior),
            stats: Stats::default(),
            seq: AtomicU64::new(0),
            config_changes: watch::Sender::new(0),
        }
    }

    /// A per-server sequence number for response ids.
    pub(crate) fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn set_behavior(&self, b: MockBehavior) {
        self.behaviors.set_all(b);
        self.config_changes.send_modify(|n| *n += 1);
    }

    pub(crate) fn set_family_behavior(&self, family: Family, b: Option<MockBehavior>) {
        self.behaviors.set_family(family, b);
        self.config_changes.send_modify(|n| *n += 1);
    }

    /// Zeroes the counters and restarts ids and the fault generator, so a run repeats.
    pub(crate) fn reset_stats(&self) {
        self.stats.reset();
        self.behaviors.reset_draws();
        self.seq.store(0, Ordering::Relaxed);
    }
}

/// Marks a response that must not be sent: the connection is closed instead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;
