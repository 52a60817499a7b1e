//! The SQLite store's stored form: one row (a *segment*) per written batch, holding the
//! batch's events in postcard (a compact serde format), LZ4-compressed.
//!
//! Why not a row per event: on the machines this gateway targets, a 44-column row cost
//! SQLite ~10 µs to insert (B-tree, record encoding, ~250 bytes of WAL, written twice
//! counting the checkpoint), and a secondary index on random request ids ~50 µs once the
//! table outgrew the page cache: at saturation that was 13–14 % of the gateway's throughput
//! (BENCHMARKS.md). A segment costs one row per batch and ~50 bytes per event (events of a
//! batch repeat their labels, which LZ4 folds away).
//!
//! Why postcard, not JSON: JSON (format 1, still read) cost ~1.6 µs per event to encode,
//! escaping every key and string, and was the writer's largest cost; postcard takes
//! ~0.3 µs and decodes ~3× faster. Events are encoded by [`super::event_postcard`] (the
//! same bytes as serde's, cheaper) as the writer prepares them, into an [`EventBatch`];
//! this module only compresses and decodes. It is not self-describing: format 2 is exactly the
//! field list of [`RequestEvent`] in this build, pinned by a golden test. Adding or
//! changing a field means a new format number, with the old one still decoded.
//!
//! Summaries already aggregate in Rust (the store only feeds events), so nothing is lost
//! for the dashboard, the API or `switchyard report`; ad-hoc SQL over single events is
//! what the PostgreSQL store is for.

use super::{EventBatch, StoreError};
use crate::event::RequestEvent;

/// LZ4 block (size-prepended) of a JSON array of events (written by early builds of this
/// version; read, never written).
pub(crate) const FORMAT_JSON_LZ4: i64 = 1;
/// LZ4 block (size-prepended) of the postcard encoding of `Vec<RequestEvent>`.
pub(crate) const FORMAT_POSTCARD_LZ4: i64 = 2;

/// A batch ready to be stored; `data` borrows the encoder's buffer.
#[derive(Debug)]
pub(crate) struct Segment<'a> {
    /// Earliest `ts_ms` of its events.
    pub first_ts_ms: i64,
    /// Latest `ts_ms` of its events.
    pub last_ts_ms: i64,
    /// Number of events.
    pub events: i64,
    /// The compressed events.
    pub data: &'a [u8],
}

/// Compresses batches into a buffer it keeps between them.
///
/// Why keep it: a full batch is megabytes before compression. Fresh buffers per batch went
/// back to the OS between batches and were faulted in again (`perf record -e page-faults`
/// on the gateway under `switchyard-bench analytics-cost`: ~3× fewer faults with the
/// buffers kept and the writer's batch buffers reused).
#[derive(Debug, Default)]
pub(crate) struct SegmentEncoder {
    compressed: Vec<u8>,
}

impl SegmentEncoder {
    /// Encodes `batch` (non-empty) as one segment of format 2: its bytes already are the
    /// postcard encoding ([`EventBatch`]), so this only compresses them.
    pub(crate) fn encode(&mut self, batch: &EventBatch) -> Result<Segment<'_>, StoreError> {
        let raw = batch.postcard();
        // `compress_prepend_size`'s layout (u32 LE size, then the block), into our buffer.
        let need = 4 + lz4_flex::block::get_maximum_output_size(raw.len());
        if self.compressed.len() < need {
            self.compressed.resize(need, 0);
        }
        let size =
            u32::try_from(raw.len()).map_err(|_| StoreError::Other("segment over 4 GiB".into()))?;
        self.compressed[..4].copy_from_slice(&size.to_le_bytes());
        let n = lz4_flex::block::compress_into(raw, &mut self.compressed[4..])
            .map_err(|e| StoreError::Other(format!("cannot compress events: {e}")))?;
        Ok(Segment {
            first_ts_ms: batch.first_ts_ms(),
            last_ts_ms: batch.last_ts_ms(),
            events: i64::try_from(batch.len()).unwrap_or(i64::MAX),
            data: &self.compressed[..4 + n],
        })
    }
}

/// Decodes a stored segment of `format`.
pub(crate) fn decode(format: i64, data: &[u8]) -> Result<Vec<RequestEvent>, StoreError> {
    let corrupt = |e: &dyn std::fmt::Display| StoreError::Other(format!("corrupt segment: {e}"));
    match format {
        FORMAT_JSON_LZ4 | FORMAT_POSTCARD_LZ4 => {
            let raw = lz4_flex::decompress_size_prepended(data).map_err(|e| corrupt(&e))?;
            if format == FORMAT_JSON_LZ4 {
                serde_json::from_slice(&raw).map_err(|e| corrupt(&e))
            } else {
                postcard::from_bytes(&raw).map_err(|e| corrupt(&e))
            }
        }
        _ => Err(StoreError::Other(format!(
            "segment format {format} is newer than this build understands"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_event as event;
    use super::*;
    use crate::event::TokenUsage;

    #[test]
    fn round_trips_every_field_and_spans_the_batch() {
        let mut encoder = SegmentEncoder::default();
        let events: Vec<RequestEvent> = (0..40).map(event).collect();
        let seg = encoder.encode(&EventBatch::from_events(&events)).unwrap();
        assert_eq!(seg.events, 40);
        assert_eq!(
            seg.first_ts_ms,
            events.iter().map(|e| e.ts_ms).min().unwrap()
        );
        assert_eq!(
            seg.last_ts_ms,
            events.iter().map(|e| e.ts_ms).max().unwrap()
        );
        assert!(seg.data.len() < serde_json::to_vec(&events).unwrap().len() / 10);
        assert_eq!(decode(FORMAT_POSTCARD_LZ4, seg.data).unwrap(), events);
        // The same layout as lz4_flex's own size-prepended form.
        let raw = postcard::to_allocvec(&events).unwrap();
        assert_eq!(seg.data, &lz4_flex::compress_prepend_size(&raw)[..]);
        // Buffers are reused: a smaller batch after a larger one decodes to itself.
        let few = encoder
            .encode(&EventBatch::from_events(&events[..3]))
            .unwrap();
        let got = decode(FORMAT_POSTCARD_LZ4, few.data).unwrap();
        assert_eq!(got, events[..3].to_vec());
    }

    /// Format 2 is the field list of `RequestEvent` as it is now. If this fails, the
    /// struct changed: give the new layout a new format number and keep decoding this one
    /// (e.g. with a copy of the old struct), or segments already on disk stop reading.
    #[test]
    fn format_2_layout_is_pinned() {
        let e = RequestEvent {
            ts_ms: 1,
            event_id: 2,
            request_id: "r".into(),
            status: 200,
            attempts: 1,
            usage: Some(TokenUsage {
                input_tokens: 3,
                output_tokens: 4,
                ..TokenUsage::default()
            }),
            total_ms: 0.5,
            ..RequestEvent::default()
        };
        let bytes = postcard::to_allocvec(&e).unwrap();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, GOLDEN_FORMAT_2, "RequestEvent's stored layout changed");
        assert_eq!(postcard::from_bytes::<RequestEvent>(&bytes).unwrap(), e);
    }

    const GOLDEN_FORMAT_2: &str = "020201720000000000000000000000000001000000c80100000103040000000000000000000000000000000000e03f000000000000000000000000000000000000000000";

    #[test]
    fn json_segments_of_format_1_still_read_and_missing_fields_default() {
        // A segment written by a build whose events knew only these fields.
        let old = br#"[{"ts_ms": 5, "request_id": "r", "status": 200}]"#;
        let data = lz4_flex::compress_prepend_size(old);
        let got = decode(FORMAT_JSON_LZ4, &data).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].ts_ms, got[0].status), (5, 200));
        assert_eq!(got[0].usage, None);
        assert_eq!(got[0].endpoint, "");
        let full = vec![event(3)];
        let json = lz4_flex::compress_prepend_size(&serde_json::to_vec(&full).unwrap());
        assert_eq!(decode(FORMAT_JSON_LZ4, &json).unwrap(), full);
    }

    #[test]
    fn corrupt_or_unknown_segments_are_errors_not_panics() {
        let mut encoder = SegmentEncoder::default();
        let seg = encoder
            .encode(&EventBatch::from_events(&[event(1)]))
            .unwrap();
        let mut broken = seg.data.to_vec();
        broken.truncate(broken.len() / 2);
        assert!(decode(FORMAT_POSTCARD_LZ4, &broken).is_err());
        assert!(decode(FORMAT_POSTCARD_LZ4, b"").is_err());
        assert!(
            decode(FORMAT_JSON_LZ4, seg.data).is_err(),
            "postcard is not JSON"
        );
        let err = decode(3, seg.data).unwrap_err().to_string();
        assert!(err.contains("format 3"), "{err}");
    }
}
