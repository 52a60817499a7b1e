//! [`EventBatch`]: the events of one store write, held in their stored form from the moment
//! the writer has prepared them.
//!
//! Why encoded, not a `Vec<RequestEvent>`: an event in memory is ~700 bytes plus its
//! strings; encoded, ~170 (a plain chat request; ~44 once LZ4-compressed in SQLite). The
//! writer used to keep every event boxed until its batch was written, moved it into the
//! batch (a 700-byte copy), then encoded the batch on the store thread: up to a batch
//! (megabytes) of events read again long after they left the cache, and, while a store was
//! down, `max_buffered` events held at full size. Now each event is encoded and freed as
//! soon as it is priced and counted, while it is still in cache, and a backlog costs a
//! quarter of the memory or less. SQLite stores the bytes as they are (compressed);
//! PostgreSQL decodes them back into rows, a cost small next to its network round trip.
//!
//! The bytes are exactly the postcard encoding of `Vec<RequestEvent>` (segment format 2,
//! [`super::segment`]; written by [`super::event_postcard`]): a varint count, then the
//! events back to back. The count is kept right-aligned in a reserved header, rewritten on
//! every push, so the whole encoding is one slice at any time, with no copy to prepend it.

use super::StoreError;
use crate::event::RequestEvent;

/// Bytes reserved in front of the events for the count (the longest varint of a `u64`).
const HEADER: usize = 10;

/// The events of one store write, postcard-encoded (see the module docs).
#[derive(Debug, Clone)]
pub struct EventBatch {
    /// `HEADER` bytes (the count's varint right-aligned in them), then the events.
    buf: Vec<u8>,
    /// Where the count's varint starts in `buf`.
    start: usize,
    len: usize,
    first_ts_ms: i64,
    last_ts_ms: i64,
}

impl Default for EventBatch {
    fn default() -> Self {
        Self::with_buffer(Vec::new())
    }
}

impl EventBatch {
    /// An empty batch that writes into `buf` (cleared; its capacity is kept, so the buffer of
    /// a written batch serves the next one).
    pub fn with_buffer(mut buf: Vec<u8>) -> Self {
        buf.clear();
        buf.resize(HEADER, 0);
        let mut batch = Self {
            buf,
            start: HEADER,
            len: 0,
            first_ts_ms: i64::MAX,
            last_ts_ms: i64::MIN,
        };
        batch.write_count();
        batch
    }

    /// A batch of `events` (tests, conversions).
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a RequestEvent>) -> Self {
        let mut batch = Self::default();
        for event in events {
            batch.push(event);
        }
        batch
    }

    /// Appends `event`.
    pub fn push(&mut self, event: &RequestEvent) {
        super::event_postcard::encode(event, &mut self.buf);
        self.len += 1;
        self.first_ts_ms = self.first_ts_ms.min(event.ts_ms);
        self.last_ts_ms = self.last_ts_ms.max(event.ts_ms);
        self.write_count();
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds no event.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Earliest `ts_ms` of its events (`i64::MAX` when empty).
    pub fn first_ts_ms(&self) -> i64 {
        self.first_ts_ms
    }

    /// Latest `ts_ms` of its events (`i64::MIN` when empty).
    pub fn last_ts_ms(&self) -> i64 {
        self.last_ts_ms
    }

    /// The postcard encoding of the events as a `Vec<RequestEvent>`.
    pub fn postcard(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Decodes the events, in the order they were pushed.
    pub fn events(&self) -> impl Iterator<Item = Result<RequestEvent, StoreError>> + '_ {
        let mut rest = &self.buf[HEADER..];
        (0..self.len).map(move |_| {
            let (event, tail) = postcard::take_from_bytes::<RequestEvent>(rest)
                .map_err(|e| StoreError::Other(format!("corrupt batch: {e}")))?;
            rest = tail;
            Ok(event)
        })
    }

    /// The buffer, for the next batch ([`Self::with_buffer`]).
    pub fn into_buffer(self) -> Vec<u8> {
        self.buf
    }

    /// Writes the count as postcard's varint, right-aligned in the header.
    fn write_count(&mut self) {
        let mut digits = [0u8; HEADER];
        let used = super::event_postcard::write_varint(&mut digits, 0, self.len as u64);
        self.start = HEADER - used;
        self.buf[self.start..HEADER].copy_from_slice(&digits[..used]);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_event as event;
    use super::*;

    #[test]
    fn bytes_are_postcard_of_the_vec_at_every_count() {
        // 0, 1, and across the one-, two- and three-byte varints of the count.
        let events: Vec<RequestEvent> = (0..17_000).map(event).collect();
        let mut batch = EventBatch::default();
        assert_eq!(
            batch.postcard(),
            postcard::to_allocvec(&events[..0]).unwrap()
        );
        for (i, e) in events.iter().enumerate() {
            batch.push(e);
            if [0, 126, 127, 128, 16_383, 16_384, 16_999].contains(&i) {
                let want = postcard::to_allocvec(&events[..=i]).unwrap();
                assert_eq!(batch.postcard(), want, "after {} events", i + 1);
            }
        }
        assert_eq!(batch.len(), 17_000);
        assert_eq!(batch.first_ts_ms(), 1_000);
        assert_eq!(batch.last_ts_ms(), 1_049);
        let decoded: Vec<RequestEvent> = batch.events().collect::<Result<_, _>>().unwrap();
        assert_eq!(decoded, events);
    }

    #[test]
    fn a_reused_buffer_starts_empty() {
        let full = EventBatch::from_events(&[event(1), event(2)]);
        let capacity = full.buf.capacity();
        let mut next = EventBatch::with_buffer(full.into_buffer());
        assert!(next.is_empty());
        assert_eq!(next.events().count(), 0);
        assert_eq!(
            (next.first_ts_ms(), next.last_ts_ms()),
            (i64::MAX, i64::MIN)
        );
        next.push(&event(3));
        assert_eq!(next.buf.capacity(), capacity);
        assert_eq!(next.events().next().unwrap().unwrap(), event(3));
        assert_eq!(
            next.postcard(),
            postcard::to_allocvec(&vec![event(3)]).unwrap()
        );
    }
}
