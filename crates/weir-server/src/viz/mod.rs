//! `weir viz`: a page drawing a pipeline as a graph, and static exports of the same picture.
//!
//! - [`graph`]: the model (nodes, datasets, parameters, collapsed namespaces; edges) built from
//!   a pipeline and the catalog's types and `metadata.layer`.
//! - [`layout`]: a layered layout computed here, in Rust, so the page and the SVG/HTML exports
//!   agree: rows by dependency, layers as horizontal bands, barycentre ordering, vertical edges.
//! - [`exports`]: JSON, DOT, Mermaid, SVG and one offline HTML file.
//! - `routes`: the axum routes. `/` (page), `/app.js`, `/app.css` (plain files embedded in the
//!   binary, no build step, no external URL), `/api/pipelines`,
//!   `/api/graph?pipeline=&parameters=true&collapse=a,b`, `/api/nodes/{name}`,
//!   `/api/datasets/{name}` (type, location without credentials, versions, schema and the
//!   first rows of tabular data; declared datasets only), `/api/runs/latest` (what the page
//!   polls for node statuses).
//!
//! The server listens on 127.0.0.1 unless told otherwise; on loopback it refuses requests for
//! another host name (DNS rebinding), and every response carries a content security policy
//! allowing requests to the server itself only. Nothing reads a path from a request.
//!
//! # Limitations
//! - A node's source location is its function's Rust path: weir records no file and line.
//! - Collapsing namespaces and showing parameters re-run the layout on the server; the offline
//!   HTML export draws the graph as exported (those two controls are disabled there).
//! - A dataset preview loads the whole dataset, then keeps its first rows: a very large file
//!   takes as long to preview as to load.
//! - Run statuses come from the run records, which are committed in batches (at most 100 ms
//!   late); a node shows as done only once it finished.

pub mod exports;
pub mod graph;
pub mod layout;
mod routes;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError};

use weir_core::pipeline::Pipeline;
use weir_core::project::{ProjectError, Session};

pub use exports::ExportFormat;
pub use graph::{CatalogInfo, Graph, GraphOptions};
pub use routes::PREVIEW_ROWS;

use crate::ServeError;

/// The page's files, embedded in the binary.
pub(crate) mod static_files {
    /// The page.
    pub(crate) const INDEX_HTML: &str = include_str!("static/index.html");
    /// Its script (plain JavaScript drawing SVG).
    pub(crate) const APP_JS: &str = include_str!("static/app.js");
    /// Its styles.
    pub(crate) const APP_CSS: &str = include_str!("static/app.css");
}

/// Builds and places the graph of `pipeline`.
pub fn place(
    name: &str,
    pipeline: &Pipeline,
    catalog: &CatalogInfo,
    options: &GraphOptions,
) -> Graph {
    let mut graph = graph::build(name, pipeline, catalog, options);
    layout::apply(&mut graph);
    graph
}

/// The placed graph of the session's pipeline `name`.
pub fn graph_of(
    session: &Session,
    name: &str,
    options: &GraphOptions,
) -> Result<Graph, ProjectError> {
    let pipeline = session.pipeline(name, &weir_core::pipeline::PipelineFilter::default())?;
    let catalog = CatalogInfo::from_config(session.catalog_config());
    Ok(place(name, &pipeline, &catalog, options))
}

/// The session's pipeline `name` written in `format` (`weir viz export`).
pub fn export(
    session: &Session,
    name: &str,
    format: ExportFormat,
    options: &GraphOptions,
) -> Result<String, ProjectError> {
    Ok(exports::render(&graph_of(session, name, options)?, format))
}

/// The viz server: a session, the pipeline shown first and the run records file.
#[derive(Debug, Clone)]
pub struct VizServer {
    state: Arc<routes::VizState>,
}

impl VizServer {
    /// A server showing `session`'s pipelines, `default_pipeline` first, with run statuses
    /// from the records at `runs_db` (read once the file exists; never created).
    pub fn new(
        session: Session,
        default_pipeline: &str,
        runs_db: PathBuf,
    ) -> Result<VizServer, ProjectError> {
        session.pipeline(default_pipeline, &weir_core::pipeline::PipelineFilter::default())?;
        let state = routes::VizState::new(session, default_pipeline.to_owned(), runs_db);
        Ok(VizServer { state: Arc::new(state) })
    }

    /// The axum router.
    pub fn router(&self) -> axum::Router {
        routes::router(Arc::clone(&self.state))
    }

    /// Accepts only these host names in requests (the `Host` header, without port); the
    /// loopback names are used by [`VizServer::run_until_signal`] on a loopback address.
    pub fn restrict_hosts(&self, hosts: &[&str]) {
        let mut allowed = self.state.allowed_hosts.lock().unwrap_or_else(PoisonError::into_inner);
        *allowed = hosts.iter().map(|host| (*host).to_owned()).collect();
    }

    /// Serves on `listener` until `shutdown` completes.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router()).with_graceful_shutdown(shutdown).await
    }

    /// Listens on `address`, calls `listening` with the bound address (port 0 picks a free
    /// one), and serves until SIGTERM or SIGINT.
    pub fn run_until_signal(
        &self,
        address: &str,
        listening: impl FnOnce(SocketAddr),
    ) -> Result<(), ServeError> {
        let listen_error =
            |source: std::io::Error| ServeError::Listen { address: address.to_owned(), source };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("weir-viz")
            .build()
            .map_err(listen_error)?;
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind(address).await.map_err(listen_error)?;
            let local = listener.local_addr().map_err(listen_error)?;
            if local.ip().is_loopback() {
                self.restrict_hosts(&["127.0.0.1", "localhost", "[::1]"]);
            }
            listening(local);
            self.serve(listener, crate::shutdown_signal()).await.map_err(listen_error)
        })
    }
}
