//! The accept loop: HTTP/1 connections with limits on slow clients and on their number.
//!
//! `axum::serve` has neither: a client could hold a connection (and a descriptor) forever by
//! sending its headers or body a byte a minute, and any number of them could. Here every
//! connection must deliver its request headers within `server.header_read_timeout_ms`
//! (hyper closes it otherwise), a body must keep moving (`server.body_idle_timeout_ms`), and
//! at most `server.max_connections` are served at once; one more is answered `503` and
//! closed.

use crate::{config::ServerLimits, error::error_body, routes::format_of};
use axum::{body::Body, response::IntoResponse, Router};
use bytes::Bytes;
use hyper::{
    body::{Frame, Incoming, SizeHint},
    server::conn::http1,
    service::service_fn,
};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::{
    convert::Infallible,
    future::Future,
    pin::{pin, Pin},
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};
use switchyard_protocol::{ApiError, ErrorKind};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{watch, OwnedSemaphorePermit, Semaphore},
    time::{Instant, Sleep},
};

/// Connections over the cap that are answered `503` at once; past these, new connections
/// are closed without a word (answering costs a descriptor for a moment too).
const REFUSALS_IN_FLIGHT: usize = 256;

/// Longest wait for the headers of a request that will be refused anyway.
const REFUSAL_HEADER_TIMEOUT: Duration = Duration::from_secs(2);

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting and gives
/// open connections `grace` to finish their requests. Returns once they did, or when the
/// grace ran out (connections still open then are left to the runtime's shutdown).
pub(crate) async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    grace: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let refusals = Arc::new(Semaphore::new(REFUSALS_IN_FLIGHT));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    // Out of descriptors, or a connection reset before it was accepted:
                    // wait a moment rather than spin.
                    tracing::debug!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Without TCP_NODELAY a response written as headers + body waits ~40 ms for the
        // client's delayed ACK.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {e}");
        }
        if let Ok(permit) = permits.clone().try_acquire_owned() {
            tokio::spawn(connection(
                tcp,
                app.clone(),
                limits,
                stop_rx.clone(),
                permit,
            ));
        } else if let Ok(permit) = refusals.clone().try_acquire_owned() {
            tokio::spawn(refuse(tcp, limits, permit));
        } else {
            drop(tcp);
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(grace, permits.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!(
            "shutdown grace of {grace:?} expired with requests still running; dropping them"
        );
    }
    Ok(())
}

/// Serves one connection until it closes, or finishes its current request once `stop`
/// says so.
async fn connection(
    tcp: TcpStream,
    app: Router,
    limits: ServerLimits,
    mut stop: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let idle = limits.body_idle_timeout;
    let service = service_fn(move |req: hyper::Request<Incoming>| {
        let req = req.map(|body| Body::new(IdleBody::new(body, idle)));
        tower::ServiceExt::oneshot(app.clone(), req)
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut conn = pin!(builder.serve_connection(TokioIo::new(tcp), service));
    let mut stopping = *stop.borrow();
    if stopping {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!("connection ended: {e}");
                }
                return;
            }
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Answers the connection's first request with a `503` in the client's format and closes it.
async fn refuse(tcp: TcpStream, limits: ServerLimits, _permit: OwnedSemaphorePermit) {
    let service = service_fn(|req: hyper::Request<Incoming>| async move {
        let err = ApiError::new(
            ErrorKind::Unavailable,
            "the gateway is serving its maximum number of connections \
             (server.max_connections); retry shortly",
        );
        let mut response = error_body(format_of(req.headers(), req.uri()), &err).into_response();
        response.headers_mut().insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("1"),
        );
        Ok::<_, Infallible>(response)
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .keep_alive(false)
        .header_read_timeout(limits.header_read_timeout.min(REFUSAL_HEADER_TIMEOUT));
    if let Err(e) = builder.serve_connection(TokioIo::new(tcp), service).await {
        tracing::debug!("refused connection ended: {e}");
    }
}

/// A request body that fails when the client sends nothing for `idle` while the gateway
/// waits for it (the clock starts at the first read, not when the headers arrived).
struct IdleBody {
    inner: Incoming,
    idle: Duration,
    timer: Option<Pin<Box<Sleep>>>,
}

impl IdleBody {
    fn new(inner: Incoming, idle: Duration) -> Self {
        Self {
            inner,
            idle,
            timer: None,
        }
    }
}

/// The error a stalled body ends with.
#[derive(Debug, thiserror::Error)]
#[error("the request body stalled: nothing arrived for {0:?} (server.body_idle_timeout_ms)")]
pub struct BodyStalled(Duration);

impl hyper::body::Body for IdleBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                // Most bodies are read without ever waiting: no clock, no timer for them.
                if let Some(timer) = &mut this.timer {
                    timer.as_mut().reset(Instant::now() + this.idle);
                }
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let idle = this.idle;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyStalled(this.idle))))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
