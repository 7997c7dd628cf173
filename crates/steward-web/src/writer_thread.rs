//! Runs each request that may write on the database's writer runtime, where SQLite's write
//! commands are fastest (see `steward_store::Db::writer_runtime`); reads stay where they are.
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

pub(crate) async fn run_writes_there(
    State(writer): State<Option<Handle>>,
    request: Request,
    next: Next,
) -> Response {
    let reads_only = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let Some(writer) = writer.filter(|_| !reads_only) else {
        return next.run(request).await;
    };
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
