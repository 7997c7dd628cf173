//! The HTTP/1.1 server: hyper with a header-read timeout, an idle timeout and a connection
//! limit, so clients that send slowly or nothing cannot hold sockets (and descriptors) for
//! ever. `axum::serve` exposes none of these.
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

/// Descriptors kept back from the connection limit for the database, logs and the like.
const RESERVED_DESCRIPTORS: u64 = 128;

#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The whole request head must arrive within this; on a kept-alive connection it is also
    /// how long the server waits for the next request.
    pub header_read_timeout: Duration,
    /// A connection with no request being handled and no byte moving either way for this long
    /// is closed (a client that stopped reading its response, say).
    pub idle_timeout: Duration,
    /// Open connections at most. At the limit the connection idle the longest is closed to
    /// make room, or, if every connection is busy, new ones wait in the listen queue. Lowered
    /// below the process's descriptor limit if need be.
    pub max_connections: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets requests in progress
/// finish. Handlers can extract `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let max = connection_budget(options.max_connections);
    let permits = Arc::new(Semaphore::new(max));
    let open = Arc::new(OpenConnections::default());
    let (stop, stopping) = watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .keep_alive(true);
    let http = Arc::new(http);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors (EMFILE/ENFILE) or an aborted handshake: neither
                    // ends the server. Pause so a full descriptor table does not spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // At the limit, a new connection makes the one idle the longest close; if all are
        // busy, it waits (and later ones stay in the listen queue).
        let permit = match permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                open.close_idlest();
                tokio::select! {
                    permit = permits.clone().acquire_owned() => permit.expect("never closed"),
                    () = &mut shutdown => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let activity = open.register();
        let connection = Connection {
            http: http.clone(),
            router: router.clone(),
            peer,
            activity,
            idle_timeout: options.idle_timeout,
            stopping: stopping.clone(),
            open: open.clone(),
        };
        tokio::spawn(async move {
            connection.run(stream).await;
            drop(permit);
        });
    }
    let _ = stop.send(true);
    drop(listener);
    // Every connection gives its permit back when it ends.
    let _ = permits.acquire_many(max as u32).await;
    Ok(())
}

/// The connection limit actually used: the configured one, but below the descriptor limit
/// (raised to its hard maximum first, as Go's runtime does) so `/healthz` keeps answering.
fn connection_budget(configured: usize) -> usize {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    let raised = Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    if limit.current < limit.maximum && setrlimit(Resource::Nofile, raised).is_ok() {
        limit = raised;
    }
    let Some(descriptors) = limit.current else {
        return configured.max(1);
    };
    let room = usize::try_from(descriptors.saturating_sub(RESERVED_DESCRIPTORS).max(16))
        .unwrap_or(usize::MAX);
    if configured > room {
        tracing::warn!(
            configured,
            used = room,
            descriptors,
            "the connection limit is lowered below the open-file limit"
        );
    }
    configured.min(room).max(1)
}

/// What the server knows of each open connection, to pick one to close at the limit.
#[derive(Default)]
struct OpenConnections {
    next_id: AtomicU64,
    by_id: Mutex<HashMap<u64, Arc<Activity>>>,
}

impl OpenConnections {
    fn register(&self) -> Arc<Activity> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let activity = Arc::new(Activity::new(id));
        self.lock().insert(id, activity.clone());
        activity
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Asks the connection idle the longest, with no request in progress, to close.
    fn close_idlest(&self) {
        let idlest = self
            .lock()
            .values()
            .filter(|a| a.in_flight.load(Ordering::Acquire) == 0)
            .min_by_key(|a| a.last_moved_ms.load(Ordering::Acquire))
            .cloned();
        if let Some(activity) = idlest {
            activity.close.notify_one();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Activity>>> {
        self.by_id
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One connection's requests in progress and when a byte last moved on it.
struct Activity {
    id: u64,
    in_flight: AtomicUsize,
    /// Milliseconds since `EPOCH` at the last byte read or written, or request finished.
    last_moved_ms: AtomicU64,
    close: Notify,
}

static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

fn now_ms() -> u64 {
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

impl Activity {
    fn new(id: u64) -> Self {
        Self {
            id,
            in_flight: AtomicUsize::new(0),
            last_moved_ms: AtomicU64::new(now_ms()),
            close: Notify::new(),
        }
    }

    fn moved(&self) {
        self.last_moved_ms.store(now_ms(), Ordering::Release);
    }

    /// When the connection will have been idle for `timeout`, if nothing moves before.
    fn idle_deadline(&self, timeout: Duration) -> Instant {
        let epoch = *EPOCH.get_or_init(Instant::now);
        epoch + Duration::from_millis(self.last_moved_ms.load(Ordering::Acquire)) + timeout
    }

    fn is_idle(&self, timeout: Duration) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0 && Instant::now() >= self.idle_deadline(timeout)
    }
}

/// Counts a request as in progress until its response body has been sent (or dropped).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn begin(activity: &Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Ordering::AcqRel);
        Self(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.moved();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

struct Connection {
    http: Arc<hyper::server::conn::http1::Builder>,
    router: Router,
    peer: SocketAddr,
    activity: Arc<Activity>,
    idle_timeout: Duration,
    stopping: watch::Receiver<bool>,
    open: Arc<OpenConnections>,
}

impl Connection {
    async fn run(mut self, stream: TcpStream) {
        let io = TokioIo::new(Watched {
            stream,
            activity: self.activity.clone(),
        });
        let (router, peer, activity) = (self.router.clone(), self.peer, self.activity.clone());
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let in_flight = InFlight::begin(&activity);
            let router = router.clone();
            async move {
                let response = router.oneshot(request.map(Body::new)).await?;
                // The guard lives as long as the response body, so a response still being
                // sent is never taken for an idle connection.
                Ok::<_, std::convert::Infallible>(response.map(move |body| {
                    Body::new(body.map_frame(move |frame| {
                        let _ = &in_flight;
                        frame
                    }))
                }))
            }
        });
        let connection = self.http.serve_connection(io, service);
        tokio::pin!(connection);
        let mut draining = *self.stopping.borrow();
        if draining {
            connection.as_mut().graceful_shutdown();
        }
        loop {
            let idle_at = self.activity.idle_deadline(self.idle_timeout);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, peer = %self.peer, "connection ended");
                    }
                    break;
                }
                () = self.activity.close.notified() => {
                    tracing::debug!(peer = %self.peer, "closing an idle connection to make room");
                    break;
                }
                () = tokio::time::sleep_until(idle_at) => {
                    if self.activity.is_idle(self.idle_timeout) {
                        tracing::debug!(peer = %self.peer, "closing an idle connection");
                        break;
                    }
                }
                changed = self.stopping.changed(), if !draining => {
                    draining = true;
                    if changed.is_ok() {
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
        }
        self.open.remove(self.activity.id);
    }
}

/// The socket, noting each byte that moves.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.moved();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.moved();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write_vectored(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.moved();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
