//! The listener, its accept loop (TCP_NODELAY, the refuse fault) and the connections.

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use crate::behavior::{Family, MockBehavior};
use crate::routes;
use crate::shared::{DropConnection, Shared};
use crate::stats::MockStats;

/// The service error that makes hyper close a connection without answering.
#[derive(Debug)]
struct DroppedByFault;

impl fmt::Display for DroppedByFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by mock fault")
    }
}

impl std::error::Error for DroppedByFault {}

/// A running fake provider. Dropping it stops it too (without waiting).
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl MockServer {
    /// Binds 127.0.0.1:0 (or the given addr) and serves in a tokio task.
    pub async fn start(behavior: MockBehavior) -> std::io::Result<MockServer> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), behavior).await
    }

    /// Binds `addr` (port 0 picks a free port) and serves in a tokio task.
    pub async fn start_on(addr: SocketAddr, behavior: MockBehavior) -> std::io::Result<MockServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(behavior));
        let (shutdown, _) = watch::channel(false);
        let app = routes::app(Arc::clone(&shared));
        let task = tokio::spawn(accept_loop(
            listener,
            app,
            Arc::clone(&shared),
            true,
            shutdown.subscribe(),
        ));
        Ok(MockServer {
            addr,
            shared,
            shutdown,
            tasks: Mutex::new(vec![task]),
        })
    }

    /// The bound address (kept across a refuse fault: the port is bound again).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL, e.g. `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sets the behaviour of all families (dropping per-family overrides).
    pub fn set_behavior(&self, b: MockBehavior) {
        self.shared.set_behavior(b);
    }

    /// Overrides the behaviour of one endpoint family.
    pub fn set_family_behavior(&self, family: Family, b: MockBehavior) {
        self.shared.set_family_behavior(family, Some(b));
    }

    /// Removes one family's override: it follows the default behaviour again.
    pub fn clear_family_behavior(&self, family: Family) {
        self.shared.set_family_behavior(family, None);
    }

    /// The behaviour that requests of `family` currently get.
    pub fn behavior(&self, family: Family) -> MockBehavior {
        MockBehavior::clone(&self.shared.behaviors.effective(family))
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> MockStats {
        self.shared.stats.snapshot()
    }

    /// Zeroes the counters (and restarts response ids and the fault generator).
    pub fn reset_stats(&self) {
        self.shared.reset_stats();
    }

    /// Also serves the `/_mock/*` control endpoints on `addr`, a listener that stays open
    /// while the provider port refuses connections. Returns the bound address.
    pub async fn serve_control_on(&self, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let app = routes::control_app(Arc::clone(&self.shared));
        let task = tokio::spawn(accept_loop(
            listener,
            app,
            Arc::clone(&self.shared),
            false,
            self.shutdown.subscribe(),
        ));
        self.tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(task);
        Ok(bound)
    }

    /// Stops accepting, closes every connection (hung ones too) and waits for the tasks.
    pub async fn shutdown(self) {
        self.shutdown.send_replace(true);
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(PoisonError::into_inner));
        for task in tasks {
            // A task that panicked is gone either way.
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish()
    }
}

/// Accepts connections until shutdown. When `refusable` and the default behaviour is
/// [`crate::Fault::Refuse`], the listener is closed (connects get refused) and bound again on
/// the same address once the behaviour changes.
async fn accept_loop(
    listener: TcpListener,
    app: Router,
    shared: Arc<Shared>,
    refusable: bool,
    mut shutdown: watch::Receiver<bool>,
) {
    let addr = listener.local_addr().ok();
    let mut listener = Some(listener);
    let mut changes = shared.config_changes.subscribe();
    let mut conns = JoinSet::new();
    loop {
        while conns.try_join_next().is_some() {}
        if *shutdown.borrow() {
            break;
        }
        if refusable && shared.behaviors.refusing() {
            if listener.take().is_some() {
                tracing::info!(?addr, "refuse fault: listener closed");
            }
            tokio::select! {
                _ = shutdown.changed() => break,
                _ = changes.changed() => continue,
            }
        }
        let Some(l) = listener.as_ref() else {
            let Some(addr) = addr else { break };
            match TcpListener::bind(addr).await {
                Ok(l) => {
                    tracing::info!(%addr, "listener bound again");
                    listener = Some(l);
                }
                Err(e) => {
                    tracing::warn!(%addr, error = %e, "cannot bind again; retrying");
                    tokio::select! {
                        _ = shutdown.changed() => break,
                        () = tokio::time::sleep(Duration::from_millis(50)) => {}
                    }
                }
            }
            continue;
        };
        tokio::select! {
            _ = shutdown.changed() => break,
            _ = changes.changed() => {}
            accepted = l.accept() => match accepted {
                Ok((stream, _)) => {
                    if refusable && shared.behaviors.refusing() {
                        // Raced with the switch to refuse: close it at once.
                        drop(stream);
                        continue;
                    }
                    conns.spawn(serve_connection(stream, app.clone(), shutdown.clone()));
                }
                Err(e) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
        }
    }
    conns.shutdown().await;
}

async fn serve_connection(stream: TcpStream, app: Router, mut shutdown: watch::Receiver<bool>) {
    // Without it a response written in two segments waits for the client's delayed ACK.
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "set_nodelay failed");
    }
    let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
        let app = app.clone();
        async move {
            let resp = match app.oneshot(req).await {
                Ok(resp) => resp,
                Err(never) => match never {},
            };
            if resp.extensions().get::<DropConnection>().is_some() {
                Err(DroppedByFault)
            } else {
                Ok(resp)
            }
        }
    });
    let mut builder = http1::Builder::new();
    builder.keep_alive(true).header_read_timeout(None);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        _ = shutdown.changed() => {}
    }
}
