//! The queue between the request path and the analytics writer: what it carries and the
//! pipeline's own counters. A module of its own because both [`crate::Analytics`]'s
//! pipeline (which fills, drains and counts) and the metrics (which report the counts)
//! need it, and neither should import the other.

use crate::event::RequestEvent;
use std::sync::{atomic::AtomicU64, OnceLock};
use tokio::sync::mpsc;

/// What the queue carries. Boxed because an event is ~700 bytes: unboxed, the writer moved
/// it a dozen times by value (out of the channel's block, through its preparation, into
/// its buffers) and memcpy was a quarter of its instructions; boxed, it is read in place
/// until it is encoded into its batch and freed.
pub(crate) type QueuedEvent = Box<RequestEvent>;

/// Counters of the event pipeline itself.
#[derive(Debug, Default)]
pub(crate) struct PipelineCounters {
    /// The queue's sending side, to read its depth (set once the writer starts).
    pub(crate) queue: OnceLock<mpsc::Sender<QueuedEvent>>,
    pub(crate) written: AtomicU64,
    pub(crate) dropped_queue_full: AtomicU64,
    pub(crate) dropped_backlog: AtomicU64,
    pub(crate) dropped_shutdown: AtomicU64,
    pub(crate) store_errors: AtomicU64,
    pub(crate) buffered: AtomicU64,
}

impl PipelineCounters {
    /// Events waiting in the queue.
    pub(crate) fn queued(&self) -> u64 {
        self.queue
            .get()
            .map_or(0, |tx| (tx.max_capacity() - tx.capacity()) as u64)
    }
}
