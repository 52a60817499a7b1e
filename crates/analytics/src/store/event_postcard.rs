//! A [`RequestEvent`] in postcard's wire format, written field by field: the same bytes as
//! `postcard::to_allocvec(event)` (checked against it in the tests), so segments of format 2
//! and their decoder (serde's derive, through postcard) are unchanged.
//!
//! Why not serde: through serde's derive and postcard's serializer an event cost ~2,000
//! instructions to encode (callgrind, `scripts/analytics-instructions.sh`), the largest
//! part of what the writer does per request; written directly it is a fraction of that.
//! The fields are taken by exhaustive destructuring, so a field added to `RequestEvent`
//! does not compile until it is written here (and a new segment format is due then anyway:
//! see [`super::segment`]).
//!
//! postcard's format (postcard 1.x wire spec): unsigned integers as LEB128 varints (`u8`
//! raw), signed ones zigzagged first, `f64` as 8 little-endian bytes, `bool` as one byte,
//! strings as a varint length then the bytes, `Option` as a 0/1 byte then the value, unit
//! enum variants as the varint of their index, struct fields in order with no framing.

use crate::event::{RequestEvent, TokenUsage};

/// Appends `event`'s postcard encoding to `out`.
pub(crate) fn encode(event: &RequestEvent, out: &mut Vec<u8>) {
    let RequestEvent {
        event_id,
        ts_ms,
        request_id,
        key_hash,
        endpoint,
        client_format,
        task,
        language,
        requested_model,
        router_tier,
        router_score,
        router_baseline_model,
        alias,
        provider,
        provider_kind,
        upstream_model,
        attempts,
        fallback_alias,
        cache_status,
        cache_similarity,
        status,
        error_class,
        stream,
        usage,
        input_bytes,
        output_bytes,
        cost_usd,
        cost_estimated,
        prompt_cache_savings_usd,
        cache_savings_usd,
        router_savings_usd,
        total_ms,
        ttft_ms,
        upstream_ms,
        overhead_ms,
        template,
        validation,
        prompt_text,
        completion_text,
    } = event;
    let start = out.len();
    let mut w = Out {
        buf: std::mem::take(out),
        pos: start,
    };
    w.room(0);
    w.varint(*event_id);
    w.varint(zigzag(*ts_ms));
    w.str(request_id);
    w.opt_str(key_hash.as_deref());
    w.str(endpoint);
    w.str(client_format);
    w.opt_str(task.as_deref());
    w.opt_str(language.as_deref());
    w.opt_str(requested_model.as_deref());
    w.opt_str(router_tier.as_deref());
    w.opt_f64(*router_score);
    w.opt_str(router_baseline_model.as_deref());
    w.opt_str(alias.as_deref());
    w.opt_str(provider.as_deref());
    w.opt_str(provider_kind.as_deref());
    w.opt_str(upstream_model.as_deref());
    w.varint(u64::from(*attempts));
    w.opt_str(fallback_alias.as_deref());
    match cache_status {
        None => w.byte(0),
        Some(c) => {
            w.byte(1);
            w.varint(c.index() as u64);
        }
    }
    w.opt_f64(*cache_similarity);
    w.varint(u64::from(*status));
    w.opt_str(error_class.as_deref());
    w.bool(*stream);
    match usage {
        None => w.byte(0),
        Some(TokenUsage {
            input_tokens,
            output_tokens,
            cached_input_tokens,
            cache_creation_input_tokens,
            reasoning_tokens,
            estimated,
        }) => {
            w.byte(1);
            w.varint(*input_tokens);
            w.varint(*output_tokens);
            w.varint(*cached_input_tokens);
            w.varint(*cache_creation_input_tokens);
            w.varint(*reasoning_tokens);
            w.bool(*estimated);
        }
    }
    w.varint(*input_bytes);
    w.varint(*output_bytes);
    w.opt_f64(*cost_usd);
    w.bool(*cost_estimated);
    w.opt_f64(*prompt_cache_savings_usd);
    w.opt_f64(*cache_savings_usd);
    w.opt_f64(*router_savings_usd);
    w.f64(*total_ms);
    w.opt_f64(*ttft_ms);
    w.f64(*upstream_ms);
    w.f64(*overhead_ms);
    w.opt_str(template.as_deref());
    w.opt_str(validation.as_deref());
    w.opt_str(prompt_text.as_deref());
    w.opt_str(completion_text.as_deref());
    let Out { mut buf, pos } = w;
    buf.truncate(pos);
    *out = buf;
}

/// Bytes an event takes besides its strings' bytes, at most: 19 strings (tag and a varint
/// length of up to 10 bytes each), 14 varints of up to 10 bytes, 10 floats (tag and 8
/// bytes) and 12 tags and booleans of one byte; rounded up. The cursor keeps this much room
/// ahead of every fixed-size write.
const MAX_FIXED: usize = 19 * 11 + 14 * 10 + 10 * 9 + 12 + 64;

/// Writes `n` as postcard's varint (LEB128: seven bits a byte, low first, high bit set on
/// all but the last) at `buf[pos..]`; returns the position after it. `buf` must have room
/// for 10 bytes.
pub(super) fn write_varint(buf: &mut [u8], mut pos: usize, mut n: u64) -> usize {
    while n >= 0x80 {
        buf[pos] = (n as u8) | 0x80;
        n >>= 7;
        pos += 1;
    }
    buf[pos] = n as u8;
    pos + 1
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

/// A cursor over the vector, taken out of its `&mut` for the event's duration. Why not
/// `Vec::push`: through a `&mut Vec` every push reloads and stores the length and checks the
/// capacity; here the position stays in a register and room is made once per string.
struct Out {
    buf: Vec<u8>,
    pos: usize,
}

impl Out {
    /// Makes room for `len` bytes and then [`MAX_FIXED`] more (what any fixed-size fields
    /// up to the next string can take).
    #[inline]
    fn room(&mut self, len: usize) {
        let need = self.pos + len + MAX_FIXED;
        if self.buf.len() < need {
            self.grow(need);
        }
    }

    /// Grows past `need` by twice the fixed room, so that a usual event (its strings a few
    /// dozen bytes) grows once, at its start.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, need: usize) {
        self.buf.resize(need + 2 * MAX_FIXED, 0);
    }

    fn byte(&mut self, b: u8) {
        self.buf[self.pos] = b;
        self.pos += 1;
    }

    fn bytes(&mut self, b: &[u8]) {
        self.buf[self.pos..self.pos + b.len()].copy_from_slice(b);
        self.pos += b.len();
    }

    fn varint(&mut self, n: u64) {
        self.pos = write_varint(&mut self.buf, self.pos, n);
    }

    fn bool(&mut self, b: bool) {
        self.byte(u8::from(b));
    }

    fn f64(&mut self, x: f64) {
        self.bytes(&x.to_le_bytes());
    }

    #[inline]
    fn str(&mut self, s: &str) {
        self.varint(s.len() as u64);
        self.room(s.len());
        self.bytes(s.as_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.byte(0),
            Some(s) => {
                self.byte(1);
                self.str(s);
            }
        }
    }

    fn opt_f64(&mut self, x: Option<f64>) {
        match x {
            None => self.byte(0),
            Some(x) => {
                self.byte(1);
                self.f64(x);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::CacheStatus;
    use std::sync::Arc;

    fn encoded(e: &RequestEvent) -> Vec<u8> {
        let mut out = Vec::new();
        encode(e, &mut out);
        out
    }

    /// Every field set, with values across varint and zigzag widths.
    fn full(i: u64) -> RequestEvent {
        let s = |p: &str| Some(format!("{p}-{i}"));
        let a = |p: &str| Some(Arc::from(format!("{p}-{i}").as_str()));
        RequestEvent {
            event_id: u64::MAX - i,
            ts_ms: if i.is_multiple_of(2) {
                -(i as i64) - 1
            } else {
                i64::MAX - i as i64
            },
            request_id: "r".repeat(i as usize % 300),
            key_hash: a("key"),
            endpoint: "/v1/chat/completions".into(),
            client_format: format!("fmt{i}").into(),
            task: s("task"),
            language: s("rust"),
            requested_model: a("gpt"),
            router_tier: s("small"),
            router_score: Some(i as f64 / 7.0),
            router_baseline_model: s("big"),
            alias: a("alias"),
            provider: a("p"),
            provider_kind: Some("anthropic".into()),
            upstream_model: a("up"),
            attempts: (i as u32).wrapping_mul(2_654_435_761),
            fallback_alias: s("fb"),
            cache_status: Some(CacheStatus::ALL[i as usize % 4]),
            cache_similarity: Some(-0.5),
            status: u16::try_from(i % 65_536).unwrap(),
            error_class: Some("rate_limited".into()),
            stream: i.is_multiple_of(3),
            usage: Some(TokenUsage {
                input_tokens: 1 << (i % 64),
                output_tokens: 127,
                cached_input_tokens: 128,
                cache_creation_input_tokens: 16_384,
                reasoning_tokens: u64::MAX,
                estimated: true,
            }),
            input_bytes: i * 1_000_003,
            output_bytes: i,
            cost_usd: Some(1e-9),
            cost_estimated: true,
            prompt_cache_savings_usd: Some(f64::MAX),
            cache_savings_usd: Some(0.0),
            router_savings_usd: Some(-1.25),
            total_ms: 12.5,
            ttft_ms: Some(f64::MIN_POSITIVE),
            upstream_ms: 3.0,
            overhead_ms: 9.5,
            template: s("tpl"),
            validation: s("passed"),
            prompt_text: Some("é".repeat(i as usize % 90)),
            completion_text: s("done"),
        }
    }

    #[test]
    fn same_bytes_as_postcard_for_every_field() {
        for i in 0..200 {
            let e = full(i);
            assert_eq!(encoded(&e), postcard::to_allocvec(&e).unwrap(), "event {i}");
        }
    }

    #[test]
    fn same_bytes_as_postcard_for_sparse_events() {
        let events = [
            RequestEvent::default(),
            RequestEvent {
                ts_ms: 1_755_252_000_000,
                request_id: "req-1".into(),
                status: 200,
                attempts: 1,
                cache_status: Some(CacheStatus::Miss),
                usage: Some(TokenUsage::default()),
                ..RequestEvent::default()
            },
            RequestEvent {
                error_class: Some("upstream_error".into()),
                status: 502,
                total_ms: f64::NAN,
                ..RequestEvent::default()
            },
        ];
        for e in &events {
            assert_eq!(encoded(e), postcard::to_allocvec(e).unwrap(), "{e:?}");
            let back: RequestEvent = postcard::from_bytes(&encoded(e)).unwrap();
            assert_eq!(encoded(&back), encoded(e));
        }
    }

    #[test]
    fn the_largest_event_fits_the_reserved_space() {
        // Every option set, every integer at its widest varint, and empty strings, so that
        // all of the event is the part MAX_FIXED bounds.
        let e = RequestEvent {
            event_id: u64::MAX,
            ts_ms: i64::MIN,
            request_id: String::new(),
            key_hash: Some(Arc::from("")),
            endpoint: "".into(),
            client_format: "".into(),
            task: Some(String::new()),
            language: Some(String::new()),
            requested_model: Some(Arc::from("")),
            router_tier: Some(String::new()),
            router_score: Some(1.0),
            router_baseline_model: Some(String::new()),
            alias: Some(Arc::from("")),
            provider: Some(Arc::from("")),
            provider_kind: Some("".into()),
            upstream_model: Some(Arc::from("")),
            attempts: u32::MAX,
            fallback_alias: Some(String::new()),
            cache_status: Some(CacheStatus::Bypass),
            cache_similarity: Some(1.0),
            status: u16::MAX,
            error_class: Some("".into()),
            stream: true,
            usage: Some(TokenUsage {
                input_tokens: u64::MAX,
                output_tokens: u64::MAX,
                cached_input_tokens: u64::MAX,
                cache_creation_input_tokens: u64::MAX,
                reasoning_tokens: u64::MAX,
                estimated: true,
            }),
            input_bytes: u64::MAX,
            output_bytes: u64::MAX,
            cost_usd: Some(1.0),
            cost_estimated: true,
            prompt_cache_savings_usd: Some(1.0),
            cache_savings_usd: Some(1.0),
            router_savings_usd: Some(1.0),
            total_ms: 1.0,
            ttft_ms: Some(1.0),
            upstream_ms: 1.0,
            overhead_ms: 1.0,
            template: Some(String::new()),
            validation: Some(String::new()),
            prompt_text: Some(String::new()),
            completion_text: Some(String::new()),
        };
        let bytes = encoded(&e);
        assert_eq!(bytes, postcard::to_allocvec(&e).unwrap());
        assert!(bytes.len() <= MAX_FIXED, "{} > {MAX_FIXED}", bytes.len());
    }

    #[test]
    fn strings_far_longer_than_the_fixed_room_grow_the_buffer() {
        let mut e = full(7);
        e.request_id = "x".repeat(5 * MAX_FIXED);
        e.completion_text = Some("y".repeat(20_000));
        assert_eq!(encoded(&e), postcard::to_allocvec(&e).unwrap());
    }

    #[test]
    fn appends_without_touching_what_is_there() {
        let mut out = vec![7, 7];
        encode(&full(3), &mut out);
        encode(&full(4), &mut out);
        let (first, rest) = postcard::take_from_bytes::<RequestEvent>(&out[2..]).unwrap();
        let (second, tail) = postcard::take_from_bytes::<RequestEvent>(rest).unwrap();
        assert_eq!(out[..2], [7, 7]);
        assert_eq!((first, second), (full(3), full(4)));
        assert!(tail.is_empty());
    }
}
