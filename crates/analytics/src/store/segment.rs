//! The SQLite store's stored form: one row (a *segment*) per written batch, holding the
//! batch's events as a JSON array, LZ4-compressed.
//!
//! Why not a row per event: on the machines this gateway targets, a 44-column row cost
//! SQLite ~10 µs to insert (B-tree, record encoding, ~250 bytes of WAL, written twice
//! counting the checkpoint), and a secondary index on random request ids ~50 µs once the
//! table outgrew the page cache: at saturation that was 15 % of the gateway's throughput.
//! A segment costs one row per 256 events and ~70 bytes per event (JSON of a batch
//! compresses ~14× since events repeat their labels); encoding takes ~1.6 µs per event, on
//! the writer's blocking thread. JSON (not a binary format) keeps the stored form
//! self-describing: fields added to [`RequestEvent`] later default when old segments are
//! read, and `lz4 -d` plus any JSON tool reads a segment by hand.
//!
//! Summaries already aggregate in Rust (the store only feeds events), so nothing is lost
//! for the dashboard, the API or `switchyard report`; ad-hoc SQL over single events is
//! what the PostgreSQL store is for.

use super::StoreError;
use crate::event::RequestEvent;

/// The only format so far: LZ4 block (size-prepended) of a JSON array of events.
pub(crate) const FORMAT_JSON_LZ4: i64 = 1;

/// A batch ready to be stored.
#[derive(Debug)]
pub(crate) struct Segment {
    /// Earliest `ts_ms` of its events.
    pub first_ts_ms: i64,
    /// Latest `ts_ms` of its events.
    pub last_ts_ms: i64,
    /// Number of events.
    pub events: i64,
    /// The compressed events.
    pub data: Vec<u8>,
}

/// Encodes `events` (non-empty) as one segment.
pub(crate) fn encode(events: &[RequestEvent]) -> Result<Segment, StoreError> {
    let json = serde_json::to_vec(events)
        .map_err(|e| StoreError::Other(format!("cannot encode events: {e}")))?;
    let (first_ts_ms, last_ts_ms) = events.iter().fold((i64::MAX, i64::MIN), |(lo, hi), e| {
        (lo.min(e.ts_ms), hi.max(e.ts_ms))
    });
    Ok(Segment {
        first_ts_ms,
        last_ts_ms,
        events: i64::try_from(events.len()).unwrap_or(i64::MAX),
        data: lz4_flex::compress_prepend_size(&json),
    })
}

/// Decodes a stored segment of `format`.
pub(crate) fn decode(format: i64, data: &[u8]) -> Result<Vec<RequestEvent>, StoreError> {
    if format != FORMAT_JSON_LZ4 {
        return Err(StoreError::Other(format!(
            "segment format {format} is newer than this build understands"
        )));
    }
    let json = lz4_flex::decompress_size_prepended(data)
        .map_err(|e| StoreError::Other(format!("corrupt segment: {e}")))?;
    serde_json::from_slice(&json).map_err(|e| StoreError::Other(format!("corrupt segment: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{CacheStatus, TokenUsage};

    fn event(i: i64) -> RequestEvent {
        RequestEvent {
            ts_ms: 1_000 + (i * 7) % 50,
            event_id: i as u64 + 1,
            request_id: format!("req-{i}"),
            endpoint: "/v1/messages".into(),
            client_format: "anthropic".into(),
            upstream_model: Some("claude-sonnet-4-5".into()),
            cache_status: Some(CacheStatus::SemanticHit),
            cache_similarity: Some(0.97),
            usage: Some(TokenUsage {
                input_tokens: 10,
                output_tokens: 3,
                ..TokenUsage::default()
            }),
            cost_usd: Some(1.5e-5),
            total_ms: 12.25,
            ..RequestEvent::default()
        }
    }

    #[test]
    fn round_trips_every_field_and_spans_the_batch() {
        let events: Vec<RequestEvent> = (0..40).map(event).collect();
        let seg = encode(&events).unwrap();
        assert_eq!(seg.events, 40);
        assert_eq!(
            seg.first_ts_ms,
            events.iter().map(|e| e.ts_ms).min().unwrap()
        );
        assert_eq!(
            seg.last_ts_ms,
            events.iter().map(|e| e.ts_ms).max().unwrap()
        );
        assert!(seg.data.len() < serde_json::to_vec(&events).unwrap().len() / 4);
        assert_eq!(decode(FORMAT_JSON_LZ4, &seg.data).unwrap(), events);
    }

    #[test]
    fn fields_missing_from_old_segments_default() {
        // A segment written by a build whose events knew only these fields.
        let old = br#"[{"ts_ms": 5, "request_id": "r", "status": 200}]"#;
        let data = lz4_flex::compress_prepend_size(old);
        let got = decode(FORMAT_JSON_LZ4, &data).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].ts_ms, got[0].status), (5, 200));
        assert_eq!(got[0].usage, None);
        assert_eq!(got[0].endpoint, "");
    }

    #[test]
    fn corrupt_or_unknown_segments_are_errors_not_panics() {
        let seg = encode(&[event(1)]).unwrap();
        let mut broken = seg.data.clone();
        broken.truncate(broken.len() / 2);
        assert!(decode(FORMAT_JSON_LZ4, &broken).is_err());
        assert!(decode(FORMAT_JSON_LZ4, b"").is_err());
        let err = decode(2, &seg.data).unwrap_err().to_string();
        assert!(err.contains("format 2"), "{err}");
    }
}
