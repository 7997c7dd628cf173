//! Runs each request that may write on the database's writer runtime, where SQLite's write
//! commands are fastest (see `steward_store::Db::writer_runtime`); reads stay where they are.
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

/// The writer runtime (SQLite only) and what the requests need before they go there.
#[derive(Clone)]
pub(crate) struct Writes {
    pub writer: Option<Handle>,
    pub state: AppState,
}

pub(crate) async fn run_writes_there(
    State(writes): State<Writes>,
    request: Request,
    next: Next,
) -> Response {
    let reads_only = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let Some(writer) = writes.writer.filter(|_| !reads_only) else {
        return next.run(request).await;
    };
    // Who the caller is, looked up here on the main runtime: the writer thread's CPU, which
    // every write's statements queue for, is spared the lookup (bench/README.md, 2026-12-07).
    let (mut parts, body) = request.into_parts();
    crate::extract::look_up_caller(&mut parts, &writes.state).await;
    let request = Request::from_parts(parts, body);
    let mut task = AbortOnDrop(writer.spawn(next.run(request)));
    match (&mut task.0).await {
        Ok(response) => response,
        // The panic continues here, where the panic layer turns it into a 500 as before.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("the writer runtime dropped a request: {e}"),
    }
}

/// A request whose client went away (or timed out) is dropped, and its command rolled back,
/// as if it had run here: the task is aborted with it.
struct AbortOnDrop(JoinHandle<Response>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
