//! Server-sent events framing, the writing side. The reading side is
//! [`SseDecoder`](crate::SseDecoder) (`sse_decode.rs`): the providers crate feeds it an
//! upstream's bytes and hands each parsed [`SseEvent`] to the format's stream decoder.

/// One parsed server-sent event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SseEvent<'a> {
    /// The `event:` field, if the upstream sent one.
    pub event: Option<&'a str>,
    /// The `data:` field (lines joined by `\n`).
    pub data: &'a str,
}

/// Appends one SSE frame to `out`. `data` must not contain a newline (JSON from
/// `serde_json::to_writer` never does).
pub fn write_frame(out: &mut Vec<u8>, event: Option<&str>, data: &[u8]) {
    if let Some(name) = event {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(name.as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(b"data: ");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\n\n");
}

/// Appends one SSE frame whose data is `value` serialized as JSON.
pub fn write_json_frame<T: serde::Serialize>(
    out: &mut Vec<u8>,
    event: Option<&str>,
    value: &T,
) -> Result<(), crate::CodecError> {
    if let Some(name) = event {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(name.as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(b"data: ");
    serde_json::to_writer(&mut *out, value)
        .map_err(|e| crate::CodecError::new(format!("cannot serialize stream event: {e}")))?;
    out.extend_from_slice(b"\n\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_with_and_without_event_name() {
        let mut out = Vec::new();
        write_frame(&mut out, Some("ping"), b"{}");
        write_frame(&mut out, None, b"[DONE]");
        assert_eq!(out, b"event: ping\ndata: {}\n\ndata: [DONE]\n\n");
    }
}
