//! Incremental server-sent-events parser (the reading side; sans-IO).
//!
//! Written here rather than taken from `eventsource-stream`: that crate copies the rest of
//! its buffer after every *line* (`String::split_off`), which is quadratic in a burst of
//! events and showed up as the largest user-space cost of relaying streams, and it allocates
//! three `String`s per event. This parser keeps one growing buffer, hands out borrowed
//! events, and compacts the buffer only when most of it has been consumed.

use crate::{CodecError, SseEvent};

/// Parses an SSE byte stream into events, following the WHATWG event-stream rules: lines
/// end in `\n`, `\r\n` or `\r`; a blank line dispatches; `data` lines are joined with `\n`;
/// a single space after the colon is dropped; comment lines (`:`) and `id`/`retry` are
/// ignored; an event without `data` is not dispatched.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
    /// Start of the first unconsumed byte.
    start: usize,
    /// Scratch for events whose data spans several lines.
    joined: String,
}

/// Where one line lies in the buffer: `[start, end)` content, `next` where the next begins.
struct Line {
    start: usize,
    end: usize,
    next: usize,
}

impl SseDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes read from the connection.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes received but not yet part of a dispatched event.
    pub fn pending_bytes(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next complete event, if the buffer holds one.
    pub fn next_event(&mut self) -> Result<Option<SseEvent<'_>>, CodecError> {
        loop {
            let Some((event, data, multi, next)) = self.scan_event()? else {
                return Ok(None);
            };
            self.start = next;
            let Some((data_start, data_end)) = data else {
                // Blank line with no data field: nothing to dispatch.
                continue;
            };
            if multi {
                self.join_data(data_start, data_end)?;
            }
            let event = match event {
                Some((s, e)) => Some(utf8(self.buf.get(s..e))?),
                None => None,
            };
            let data = if multi {
                self.joined.as_str()
            } else {
                utf8(self.buf.get(data_start..data_end))?
            };
            return Ok(Some(SseEvent { event, data }));
        }
    }

    /// Finds the next blank-line-terminated event from `start`. Returns the event name's
    /// range, the data range (first data value's range, or the span of all data lines when
    /// `multi`), whether data spans several lines, and where the following event begins.
    #[expect(
        clippy::type_complexity,
        reason = "private scanner result, named in the doc"
    )]
    fn scan_event(
        &self,
    ) -> Result<Option<(Option<(usize, usize)>, Option<(usize, usize)>, bool, usize)>, CodecError>
    {
        let mut pos = self.start;
        let mut event = None;
        let mut data: Option<(usize, usize)> = None;
        let mut multi = false;
        loop {
            let Some(line) = self.line_at(pos) else {
                return Ok(None);
            };
            pos = line.next;
            if line.start == line.end {
                return Ok(Some((event, data, multi, pos)));
            }
            let bytes = self.buf.get(line.start..line.end).unwrap_or_default();
            if bytes.first() == Some(&b':') {
                continue;
            }
            let colon = bytes.iter().position(|&b| b == b':');
            let (name, value_start) = match colon {
                Some(c) => {
                    let mut v = line.start + c + 1;
                    if self.buf.get(v) == Some(&b' ') {
                        v += 1;
                    }
                    (bytes.get(..c).unwrap_or_default(), v.min(line.end))
                }
                None => (bytes, line.end),
            };
            match name {
                b"event" => event = Some((value_start, line.end)),
                b"data" => match data {
                    None => data = Some((value_start, line.end)),
                    Some((first, _)) => {
                        multi = true;
                        data = Some((first, line.end));
                    }
                },
                _ => {}
            }
        }
    }

    /// The line starting at `pos`, if its terminator has arrived. A `\r` at the very end of
    /// the buffer waits for the next byte, which may be the `\n` of a `\r\n`.
    fn line_at(&self, pos: usize) -> Option<Line> {
        let rest = self.buf.get(pos..)?;
        let i = rest.iter().position(|&b| b == b'\n' || b == b'\r')?;
        let end = pos + i;
        let next = match rest.get(i) {
            Some(b'\r') => match rest.get(i + 1) {
                Some(b'\n') => end + 2,
                Some(_) => end + 1,
                None => return None,
            },
            _ => end + 1,
        };
        Some(Line {
            start: pos,
            end,
            next,
        })
    }

    /// Joins the values of all data lines in `[from, to)` with `\n` into `joined`.
    fn join_data(&mut self, from: usize, to: usize) -> Result<(), CodecError> {
        self.joined.clear();
        let mut pos = from;
        let mut first = true;
        // `from` points into the first data line's value; the lines after it are re-read.
        while pos < to {
            let Some(line) = self.line_at(pos) else { break };
            let text = utf8(self.buf.get(pos..line.end))?;
            let value = if first {
                Some(text)
            } else {
                text.strip_prefix("data")
                    .and_then(|rest| match rest.as_bytes().first() {
                        None => Some(""),
                        Some(b':') => Some(
                            rest.get(1..)
                                .map_or("", |v| v.strip_prefix(' ').unwrap_or(v)),
                        ),
                        Some(_) => None,
                    })
            };
            if let Some(v) = value {
                if !first {
                    self.joined.push('\n');
                }
                self.joined.push_str(v);
                first = false;
            }
            pos = line.next;
        }
        Ok(())
    }
}

fn utf8(bytes: Option<&[u8]>) -> Result<&str, CodecError> {
    std::str::from_utf8(bytes.unwrap_or_default())
        .map_err(|e| CodecError::new(format!("stream is not valid UTF-8: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(decoder: &mut SseDecoder) -> Vec<(Option<String>, String)> {
        let mut out = Vec::new();
        while let Some(e) = decoder.next_event().unwrap() {
            out.push((e.event.map(str::to_owned), e.data.to_owned()));
        }
        out
    }

    #[test]
    fn parses_named_and_unnamed_events() {
        let mut d = SseDecoder::new();
        d.push(b"event: message_start\ndata: {\"a\":1}\n\ndata: [DONE]\n\n");
        assert_eq!(
            collect(&mut d),
            vec![
                (Some("message_start".into()), "{\"a\":1}".into()),
                (None, "[DONE]".into())
            ]
        );
        assert_eq!(d.pending_bytes(), 0);
    }

    #[test]
    fn waits_for_complete_events_across_pushes_byte_by_byte() {
        let input = b"event: ping\r\ndata: {}\r\n\r\n: comment\ndata:x\n\ndata: y\rdata: z\r\r\n";
        let mut d = SseDecoder::new();
        let mut got = Vec::new();
        for b in input {
            d.push(std::slice::from_ref(b));
            got.extend(collect(&mut d));
        }
        assert_eq!(
            got,
            vec![
                (Some("ping".into()), "{}".into()),
                (None, "x".into()),
                (None, "y\nz".into())
            ]
        );
    }

    #[test]
    fn joins_multiline_data_and_skips_events_without_data() {
        let mut d = SseDecoder::new();
        d.push(b"event: a\n\ndata: one\nid: 7\ndata:two\ndata\n\n");
        assert_eq!(collect(&mut d), vec![(None, "one\ntwo\n".into())]);
    }

    #[test]
    fn rejects_invalid_utf8() {
        let mut d = SseDecoder::new();
        d.push(b"data: \xff\n\n");
        assert!(d.next_event().is_err());
    }

    #[test]
    fn compacts_consumed_bytes() {
        let mut d = SseDecoder::new();
        for _ in 0..1000 {
            d.push(b"data: 0123456789\n\n");
            assert_eq!(collect(&mut d).len(), 1);
        }
        assert!(d.buf.len() < 64, "buffer grew to {}", d.buf.len());
    }
}
