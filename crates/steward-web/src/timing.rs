//! Request time limits that do not punish slow links: a request body is timed by progress
//! (refused with 408 only when no byte arrives for `body_read_timeout`), and the request
//! timeout counts from the last byte of the body, so a large upload on a slow line succeeds.
use crate::problem::Problem;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Time allowed to handle a request, counted from the last byte of its body.
    pub request_timeout: Duration,
    /// Longest wait for the next bytes of a request body.
    pub body_read_timeout: Duration,
}

/// The error a request body gives when its client stops sending.
#[derive(Debug, thiserror::Error)]
#[error("no part of the request body arrived for {0:?}")]
pub struct BodyStalled(Duration);

/// Shared between the body and the middleware: when the body last moved, and whether it
/// stalled.
struct Progress {
    start: Instant,
    /// Milliseconds after `start` at which a body byte last arrived.
    last_ms: AtomicU64,
    stalled: AtomicBool,
}

impl Progress {
    fn moved(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Release);
    }

    fn last_moved(&self) -> Instant {
        self.start + Duration::from_millis(self.last_ms.load(Ordering::Acquire))
    }
}

pub(crate) async fn limit(State(limits): State<Limits>, request: Request, next: Next) -> Response {
    let progress = Arc::new(Progress {
        start: Instant::now(),
        last_ms: AtomicU64::new(0),
        stalled: AtomicBool::new(false),
    });
    let request = request.map(|body| {
        Body::new(TimedBody {
            inner: body,
            wait: limits.body_read_timeout,
            stall: None,
            progress: progress.clone(),
        })
    });
    let handled = next.run(request);
    tokio::pin!(handled);
    let response = loop {
        let deadline = progress.last_moved() + limits.request_timeout;
        tokio::select! {
            response = handled.as_mut() => break response,
            () = tokio::time::sleep_until(deadline) => {
                // Body bytes that arrived meanwhile move the deadline on.
                if Instant::now() >= progress.last_moved() + limits.request_timeout {
                    return Problem::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "timeout",
                        format!("the request took longer than {:?}", limits.request_timeout),
                    )
                    .into_response();
                }
            }
        }
    };
    if progress.stalled.load(Ordering::Acquire) {
        // Whatever the handler made of the failed read, the cause is the client.
        return Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "body-timeout",
            format!(
                "no part of the request body arrived for {:?}",
                limits.body_read_timeout
            ),
        )
        .into_response();
    }
    response
}

/// A request body that fails with [`BodyStalled`] when its next bytes keep it waiting too long.
struct TimedBody {
    inner: Body,
    wait: Duration,
    /// Runs while the body is awaited: from the first read that had to wait.
    stall: Option<Pin<Box<Sleep>>>,
    progress: Arc<Progress>,
}

impl HttpBody for TimedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                self.progress.moved();
                self.stall = None;
                Poll::Ready(frame)
            }
            Poll::Pending => {
                let wait = self.wait;
                let stall = self
                    .stall
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(wait)));
                match stall.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        self.progress.stalled.store(true, Ordering::Release);
                        Poll::Ready(Some(Err(axum::Error::new(BodyStalled(wait)))))
                    }
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
