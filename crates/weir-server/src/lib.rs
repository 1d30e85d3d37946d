//! Serves a weir project's inference pipeline over HTTP (what `weir serve` runs).
//!
//! At start-up a [`ServedPipeline`] loads, once, everything the pipeline reads that does not
//! come from the request (fitted artefacts, lookup tables, parameters). Each request's rows
//! become the pipeline's request-fed input(s), the pipeline runs with weir-core's sequential
//! runner on a per-request in-memory catalog sharing the preloaded payloads, and the output is
//! returned; nothing is written to disk per request.
//!
//! Routes:
//! - `POST /v1/pipelines/{name}/predict`: `{"instances": [{...}, ...]}` in,
//!   `{"predictions": [{...}, ...]}` out (the Vertex AI prediction contract), or CSV in and out
//!   with `Content-Type: text/csv`.
//! - `GET /health` (alive), `GET /ready` (loaded and not draining), `GET /metrics`
//!   (Prometheus), `GET /openapi.json`, `GET /v1/pipelines`.
//! - The Vertex AI custom-container routes `AIP_HEALTH_ROUTE` and `AIP_PREDICT_ROUTE`, when
//!   configured in [`ServeOptions`].
//!
//! Errors answer with `{"error", "detail", "hint"}`: 400 malformed body, 404 unknown pipeline,
//! 413 body over the limit, 415 unknown content type, 422 missing or mistyped columns, 500 a
//! node failed (named; the cause stays in the server log), 503 over the concurrency limit (with
//! `Retry-After`). SIGTERM or SIGINT stop accepting connections, let in-flight requests finish,
//! and return.
//!
//! Module map: `table` (rows ⇄ frames, schemas), `served` (the pipeline and one request's run),
//! `http` (routes, handlers, access log), `metrics`, `openapi`, `error`. This crate depends on
//! weir-core and axum/tokio, never on clap; it installs no log subscriber.
//!
//! ```no_run
//! # fn demo(served: weir_server::ServedPipeline) -> Result<(), weir_server::ServeError> {
//! let server = weir_server::Server::new(vec![served], weir_server::ServeOptions::default());
//! server.run_until_signal("127.0.0.1:8080")
//! # }
//! ```
//!
//! # Limitations
//! - HTTP/1.1 only, no TLS: put a proxy or the platform's load balancer in front.
//! - Signals are handled on Unix only; elsewhere the server stops when the process is killed.
//! - A request waits for no permit: over the concurrency limit it is refused at once (503).

mod error;
mod http;
mod metrics;
mod openapi;
mod served;
pub mod table;
pub mod viz;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub use error::{ApiError, ServeError};
pub use served::{PredictError, RequestInput, ServedPipeline};

/// Requests in flight before the server answers 503, unless configured.
pub const DEFAULT_MAX_CONCURRENCY: usize = 64;

/// Limits and extra routes.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The largest request body accepted, in bytes (larger: 413).
    pub max_body_bytes: usize,
    /// How many requests may be in flight at once (more: 503). Admitted requests wait for one
    /// of the CPU slots (one per core) to be scored, so a burst queues briefly instead of being
    /// refused or oversubscribing the cores.
    pub max_concurrency: usize,
    /// An extra path answering like `/ready` (Vertex AI's `AIP_HEALTH_ROUTE`).
    pub health_route: Option<String>,
    /// An extra path scoring with the first pipeline (Vertex AI's `AIP_PREDICT_ROUTE`).
    pub predict_route: Option<String>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_body_bytes: 10 * 1024 * 1024,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            health_route: None,
            predict_route: None,
        }
    }
}

/// The server: served pipelines, options and shared state.
#[derive(Debug, Clone)]
pub struct Server {
    state: Arc<http::AppState>,
}

impl Server {
    /// A server for `pipelines`.
    pub fn new(pipelines: Vec<ServedPipeline>, options: ServeOptions) -> Server {
        Server { state: Arc::new(http::AppState::new(pipelines, options)) }
    }

    /// The axum router, for embedding the routes in another application.
    pub fn router(&self) -> axum::Router {
        http::router(Arc::clone(&self.state))
    }

    /// Serves on `listener` until `shutdown` completes, then lets in-flight requests finish.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let state = Arc::clone(&self.state);
        let draining = async move {
            shutdown.await;
            state.ready.store(false, Ordering::SeqCst);
            tracing::info!("shutting down: draining in-flight requests");
        };
        axum::serve(listener, self.router()).with_graceful_shutdown(draining).await
    }

    /// Starts a multi-threaded runtime, listens on `address` and serves until SIGTERM or
    /// SIGINT; returns once in-flight requests have finished.
    pub fn run_until_signal(&self, address: &str) -> Result<(), ServeError> {
        let listen_error =
            |source: std::io::Error| ServeError::Listen { address: address.to_owned(), source };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("weir-server")
            .build()
            .map_err(listen_error)?;

        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind(address).await.map_err(listen_error)?;
            let local: Option<SocketAddr> = listener.local_addr().ok();
            tracing::info!(
                address = %local.map_or_else(|| address.to_owned(), |a| a.to_string()),
                pipelines = self.state.pipelines.len(),
                "listening"
            );
            self.serve(listener, shutdown_signal()).await.map_err(listen_error)
        })
    }
}

/// Completes when the process receives SIGTERM or SIGINT (Unix); never completes elsewhere or
/// when the handlers cannot be installed.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    let (sender, receiver) = tokio::sync::oneshot::channel::<()>();
    spawn_signal_thread(sender);
    async move {
        // A dropped sender (no handler installed) must not stop the server.
        if receiver.await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(unix)]
fn spawn_signal_thread(sender: tokio::sync::oneshot::Sender<()>) {
    use signal_hook::consts::{SIGINT, SIGTERM};

    let mut signals = match signal_hook::iterator::Signals::new([SIGTERM, SIGINT]) {
        Ok(signals) => signals,
        Err(error) => {
            tracing::warn!(error = %error, "cannot install signal handlers: stop the server by killing it");
            return;
        }
    };
    let spawned = std::thread::Builder::new().name("weir-signals".to_owned()).spawn(move || {
        if let Some(signal) = signals.forever().next() {
            tracing::info!(signal, "received a stop signal");
            let _ignored = sender.send(());
        }
    });
    if let Err(error) = spawned {
        tracing::warn!(error = %error, "cannot watch for stop signals");
    }
}

#[cfg(not(unix))]
fn spawn_signal_thread(sender: tokio::sync::oneshot::Sender<()>) {
    drop(sender);
}
