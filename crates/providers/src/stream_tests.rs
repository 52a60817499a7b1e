use super::*;
use crate::{ProviderKind, Redactor};
use futures_util::stream;

fn settings() -> Arc<ProviderSettings> {
    let mut s = ProviderSettings::new("p", ProviderKind::Anthropic, "http://127.0.0.1:1");
    s.api_key = Some("sk-ant-secret-0123456789abcdef".into());
    Arc::new(s)
}

fn limits(first_byte_ms: u64, idle_ms: u64) -> StreamLimits {
    StreamLimits {
        first_byte_deadline: Instant::now() + Duration::from_millis(first_byte_ms),
        first_byte: Duration::from_millis(first_byte_ms),
        idle: Duration::from_millis(idle_ms),
    }
}

/// `head`, then `tick` every 20 ms, forever.
fn chatty(head: &'static [&'static str], tick: &'static str) -> ByteStream {
    let head = stream::iter(head.iter().map(|s| Ok(Bytes::from_static(s.as_bytes()))));
    let ticks = stream::unfold((), move |()| async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Some((Ok(Bytes::from_static(tick.as_bytes())), ()))
    });
    Box::pin(head.chain(ticks))
}

fn upstream(body: ByteStream, limits: StreamLimits) -> UpstreamStream {
    let s = settings();
    let r = Arc::new(Redactor::for_settings(&s));
    UpstreamStream::from_bytes(s, r, WireFormat::Anthropic, body, limits)
}

const START: &str = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"c\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":0}}}\n\n";

#[tokio::test]
async fn comments_and_pings_do_not_count_as_a_first_event() {
    for tick in [
        ": keep-alive\n\n",
        "event: ping\ndata: {\"type\":\"ping\"}\n\n",
        "\n",
    ] {
        let started = std::time::Instant::now();
        let mut s = upstream(chatty(&[], tick), limits(300, 5_000));
        match s.next().await {
            Some(Err(ProviderError::Timeout { phase, .. })) => assert_eq!(phase, "first event"),
            other => panic!("{tick:?}: {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(3), "{tick:?}");
        assert!(s.next().await.is_none(), "the stream ended with its error");
    }
}

#[tokio::test]
async fn comments_do_not_reset_the_idle_timeout() {
    let mut s = upstream(chatty(&[START], ": keep-alive\n\n"), limits(5_000, 300));
    assert!(
        matches!(s.next().await, Some(Ok(_))),
        "message_start decodes"
    );
    let started = std::time::Instant::now();
    loop {
        match s.next().await {
            Some(Ok(_)) => continue,
            Some(Err(ProviderError::Timeout { phase, .. })) => {
                assert_eq!(phase, "stream idle");
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn in_stream_error_events_are_redacted() {
    let body: ByteStream = Box::pin(stream::iter([Ok(Bytes::from_static(
        b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"you sent x-api-key sk-ant-secret-0123456789abcdef\"}}\n\n",
    ))]));
    let mut s = upstream(body, limits(5_000, 5_000));
    match s.next().await {
        Some(Ok(StreamEvent::Error { message, .. })) => {
            assert!(!message.contains("secret"), "{message}");
            assert!(message.contains(crate::MASK), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_oversized_event_ends_the_stream_instead_of_growing_the_buffer() {
    // 64 KiB pieces of one endless `data:` line.
    static PIECE: [u8; 65536] = [b'x'; 65536];
    let head = stream::iter([Ok(Bytes::from_static(b"data: {\"a\":\""))]);
    let line = stream::repeat_with(|| Ok(Bytes::from_static(&PIECE)));
    let mut s = upstream(Box::pin(head.chain(line)), limits(5_000, 5_000));
    match s.next().await {
        Some(Err(ProviderError::Decode { source, .. })) => {
            assert!(source.message.contains("exceeds"), "{source}")
        }
        other => panic!("{other:?}"),
    }
    assert!(s.sse.pending_bytes() <= MAX_EVENT_BYTES + PIECE.len());
}
