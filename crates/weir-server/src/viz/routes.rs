//! The viz server's routes: the page's three files and its JSON API.
//!
//! Nothing here reads a path from the request: a dataset is looked up by name in the session's
//! catalog, and only declared datasets are ever loaded.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use weir_core::data::{DataKind, NodeData, Payload};
use weir_core::pipeline::{Node, Pipeline, is_parameter};
use weir_core::polars::prelude::{DataFrame, IntoLazy, LazyFrame};
use weir_core::project::Session;
use weir_core::records::RunStore;

use super::graph::{CatalogInfo, GraphOptions};
use super::static_files::{APP_CSS, APP_JS, INDEX_HTML};
use crate::error::ApiError;
use crate::http::json_response;
use crate::table::{describe_dtype, frame_to_rows};

/// Rows shown in a dataset preview.
pub const PREVIEW_ROWS: usize = 10;

/// How many recent runs are searched for a node's last run.
const RUNS_SEARCHED: usize = 50;

/// What every handler shares.
#[derive(Debug)]
pub(crate) struct VizState {
    pub(crate) session: Session,
    pub(crate) catalog: CatalogInfo,
    pub(crate) default_pipeline: String,
    runs_db: PathBuf,
    store: Mutex<Option<Arc<RunStore>>>,
    graphs: Mutex<HashMap<String, Arc<String>>>,
    /// Host names a request may carry when the server listens on loopback (against DNS
    /// rebinding); empty when any host is accepted.
    pub(crate) allowed_hosts: Mutex<Vec<String>>,
}

impl VizState {
    pub(crate) fn new(session: Session, default_pipeline: String, runs_db: PathBuf) -> VizState {
        VizState {
            catalog: CatalogInfo::from_config(session.catalog_config()),
            session,
            default_pipeline,
            runs_db,
            store: Mutex::new(None),
            graphs: Mutex::new(HashMap::new()),
            allowed_hosts: Mutex::new(Vec::new()),
        }
    }

    /// The run records, once the file exists (viewing never creates it).
    fn store(&self) -> Option<Arc<RunStore>> {
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        if store.is_none() && self.runs_db.is_file() {
            match RunStore::open(&self.runs_db) {
                Ok(opened) => *store = Some(Arc::new(opened)),
                Err(error) => tracing::warn!(%error, "cannot read the run records"),
            }
        }
        store.clone()
    }

    fn pipeline(&self, name: &str) -> Result<Pipeline, ApiError> {
        self.session.pipelines().get(name).cloned().map_err(|_| {
            let names: Vec<String> =
                self.session.pipelines().names().map(|n| format!("`{n}`")).collect();
            ApiError::new(
                StatusCode::NOT_FOUND,
                "no such pipeline",
                format!("pipeline `{name}` is not registered"),
            )
            .with_hint(format!("the pipelines are {}", names.join(", ")))
        })
    }
}

/// Every route of the viz server.
pub(crate) fn router(state: Arc<VizState>) -> Router {
    Router::new()
        .route("/", get(|| async { static_file(INDEX_HTML, "text/html; charset=utf-8") }))
        .route("/app.js", get(|| async { static_file(APP_JS, "text/javascript; charset=utf-8") }))
        .route("/app.css", get(|| async { static_file(APP_CSS, "text/css; charset=utf-8") }))
        .route("/api/pipelines", get(pipelines))
        .route("/api/graph", get(graph))
        .route("/api/nodes/{name}", get(node_details))
        .route("/api/datasets/{name}", get(dataset_details))
        .route("/api/runs/latest", get(latest_run))
        .fallback(|request: Request| async move {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "no such route",
                format!("nothing is served at `{}`", request.uri().path()),
            )
            .into_response()
        })
        .layer(middleware::from_fn_with_state(Arc::clone(&state), guard))
        .with_state(state)
}

/// Refuses requests for another host name (DNS rebinding) and adds the content security
/// policy that keeps the page from reaching any other host.
async fn guard(State(state): State<Arc<VizState>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(host_name)
        .unwrap_or_default();
    let refused = {
        let allowed = state.allowed_hosts.lock().unwrap_or_else(PoisonError::into_inner);
        !allowed.is_empty() && !allowed.iter().any(|name| name.eq_ignore_ascii_case(&host))
    };
    if refused {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "unexpected host",
            format!("requests for host `{host}` are refused"),
        )
        .with_hint("open the page through the address `weir viz` printed")
        .into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `localhost:4141` → `localhost`, `[::1]:4141` → `[::1]`.
pub(crate) fn host_name(host: &str) -> String {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host).to_owned();
    }
    host.split(':').next().unwrap_or(host).to_owned()
}

fn static_file(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The value of `key` in the query string, percent-decoded.
pub(crate) fn query_value(request: &Request, key: &str) -> Option<String> {
    let query = request.uri().query()?;
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(name) == key).then(|| percent_decode(value))
    })
}

pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'+' => out.push(b' '),
            b'%' if at + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[at + 1..at + 3]).ok();
                match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        at += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        at += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn pipelines(State(state): State<Arc<VizState>>) -> Response {
    let names: Vec<&str> = state.session.pipelines().names().collect();
    json_response(
        StatusCode::OK,
        &serde_json::json!({"pipelines": names, "default": state.default_pipeline}),
    )
}

/// Graph options from the query: `parameters=true`, `collapse=a,b`.
pub(crate) fn graph_options(request: &Request) -> GraphOptions {
    let show_parameters = query_value(request, "parameters")
        .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes"));
    let collapsed: BTreeSet<String> = query_value(request, "collapse")
        .map(|list| list.split(',').filter(|n| !n.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default();
    GraphOptions { show_parameters, collapsed }
}

async fn graph(State(state): State<Arc<VizState>>, request: Request) -> Response {
    let name = query_value(&request, "pipeline").unwrap_or_else(|| state.default_pipeline.clone());
    let options = graph_options(&request);
    let key = format!(
        "{name}\u{0}{}\u{0}{}",
        options.show_parameters,
        options.collapsed.iter().cloned().collect::<Vec<_>>().join(",")
    );
    let cached = state.graphs.lock().unwrap_or_else(PoisonError::into_inner).get(&key).cloned();
    if let Some(body) = cached {
        return json_text(body.as_str().to_owned());
    }
    let pipeline = match state.pipeline(&name) {
        Ok(pipeline) => pipeline,
        Err(error) => return error.into_response(),
    };
    let worker_state = Arc::clone(&state);
    let work = tokio::task::spawn_blocking(move || {
        super::place(&name, &pipeline, &worker_state.catalog, &options).to_json().to_string()
    });
    let Ok(body) = work.await else {
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            "the layout failed",
        )
        .into_response();
    };
    let body = Arc::new(body);
    state.graphs.lock().unwrap_or_else(PoisonError::into_inner).insert(key, Arc::clone(&body));
    json_text(body.as_str().to_owned())
}

fn json_text(body: String) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The node called `name` in the requested pipeline (or any registered one).
fn find_node(state: &VizState, name: &str, pipeline: Option<&str>) -> Option<(Node, Vec<String>)> {
    let mut found = None;
    let mut holders = Vec::new();
    for (pipeline_name, candidate) in state.session.pipelines().iter() {
        let Some(node) = candidate.find(name) else { continue };
        holders.push(pipeline_name.to_owned());
        if found.is_none() || pipeline == Some(pipeline_name) {
            found = Some(node.clone());
        }
    }
    found.map(|node| (node, holders))
}

async fn node_details(
    State(state): State<Arc<VizState>>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    let pipeline = query_value(&request, "pipeline");
    let Some((node, pipelines)) = find_node(&state, &name, pipeline.as_deref()) else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "no such node",
            format!("no pipeline has a node `{name}`"),
        )
        .into_response();
    };
    let worker_state = Arc::clone(&state);
    let work = tokio::task::spawn_blocking(move || node_json(&worker_state, &node, &pipelines));
    match work.await {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            "cannot describe the node",
        )
        .into_response(),
    }
}

fn node_json(state: &VizState, node: &Node, pipelines: &[String]) -> serde_json::Value {
    let single = Pipeline::new([node.clone()]);
    let parameters: serde_json::Map<String, serde_json::Value> =
        match state.session.parameter_inputs(&single) {
            Ok(bound) => bound
                .into_iter()
                .map(|(input, payload)| {
                    let value = payload.to_structured().unwrap_or(serde_json::Value::Null);
                    (input, value)
                })
                .collect(),
            Err(error) => {
                let mut map = serde_json::Map::new();
                map.insert("error".to_owned(), serde_json::Value::String(error.to_string()));
                map
            }
        };
    serde_json::json!({
        "name": node.node_name(),
        "function": node.function_name(),
        "source": "the function's Rust path; weir does not record a file and line for nodes",
        "namespace": node.namespace(),
        "tags": node.tag_set(),
        "inputs": node.inputs(),
        "outputs": node.outputs(),
        "parameters": parameters,
        "pipelines": pipelines,
        "last_run": last_run_of(state, node.node_name()),
    })
}

/// The node's record in the most recent run that ran it.
fn last_run_of(state: &VizState, node: &str) -> serde_json::Value {
    let Some(store) = state.store() else { return serde_json::Value::Null };
    let Ok(runs) = store.runs(RUNS_SEARCHED) else { return serde_json::Value::Null };
    for run in runs {
        let Ok(nodes) = store.nodes(&run.start.id) else { continue };
        if let Some(record) = nodes.into_iter().find(|record| record.node == node) {
            return serde_json::json!({
                "run_id": run.start.id,
                "run_status": run.status_text(),
                "status": record.status,
                "started_at": record.started_at,
                "duration_ms": record.duration.map(|d| d.as_secs_f64() * 1e3),
                "detail": record.detail,
            });
        }
    }
    serde_json::Value::Null
}

async fn dataset_details(State(state): State<Arc<VizState>>, Path(name): Path<String>) -> Response {
    let worker_state = Arc::clone(&state);
    let work = tokio::task::spawn_blocking(move || dataset_json(&worker_state, &name));
    match work.await {
        Ok(Ok(body)) => json_response(StatusCode::OK, &body),
        Ok(Err(error)) => error.into_response(),
        Err(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            "cannot describe the dataset",
        )
        .into_response(),
    }
}

/// A dataset's description and preview. Only declared datasets are loaded; a name no catalog
/// entry and no pipeline knows is a 404.
pub(crate) fn dataset_json(state: &VizState, name: &str) -> Result<serde_json::Value, ApiError> {
    let used = state.session.pipelines().iter().any(|(_, p)| p.datasets().contains(name));
    if is_parameter(name) && used {
        let single = Pipeline::new(
            state
                .session
                .pipelines()
                .iter()
                .flat_map(|(_, p)| p.nodes().iter().cloned())
                .filter(|n| n.inputs().iter().any(|i| i == name))
                .take(1),
        );
        let value = state
            .session
            .parameter_inputs(&single)
            .ok()
            .and_then(|bound| bound.into_iter().find(|(input, _)| input == name))
            .and_then(|(_, payload)| payload.to_structured().ok());
        return Ok(
            serde_json::json!({"name": name, "kind": "parameters", "declared": false, "value": value}),
        );
    }
    if !state.session.catalog().is_declared(name) {
        if used {
            return Ok(serde_json::json!({
                "name": name,
                "kind": "dataset",
                "declared": false,
                "type": "MemoryDataset",
                "location": null,
                "note": "not declared in the catalog: the data lives in memory during a run",
            }));
        }
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no such dataset",
            format!("`{name}` is neither declared in the catalog nor used by a pipeline"),
        ));
    }

    let dataset = state.session.catalog().dataset(name);
    let versions = dataset.versions().unwrap_or_default();
    let mut body = serde_json::json!({
        "name": name,
        "kind": "dataset",
        "declared": true,
        "type": state.catalog.type_name(name).unwrap_or(dataset.type_name()),
        "layer": state.catalog.layer(name),
        "location": dataset.location(),
        "versions": versions,
        "loads": dataset.loads().map(|kind| kind.to_string()),
        "schema": null,
        "rows": null,
    });
    if !matches!(dataset.loads(), Some(DataKind::Frame | DataKind::Lazy)) {
        return Ok(body);
    }
    match dataset.exists() {
        Ok(true) => {}
        Ok(false) => {
            body["preview_error"] = "nothing saved yet: run the pipeline that writes it".into();
            return Ok(body);
        }
        Err(error) => {
            body["preview_error"] = error.to_string().into();
            return Ok(body);
        }
    }
    match dataset.load().map_err(|error| error.to_string()).and_then(preview) {
        Ok((schema, rows)) => {
            body["schema"] = schema;
            body["rows"] = rows;
        }
        Err(error) => body["preview_error"] = error.into(),
    }
    Ok(body)
}

/// The schema and first rows of a tabular payload.
fn preview(payload: Payload) -> Result<(serde_json::Value, serde_json::Value), String> {
    let head = match payload {
        Payload::Lazy(lazy) => {
            let lazy: LazyFrame = *lazy;
            #[expect(clippy::cast_possible_truncation, reason = "a handful of rows")]
            let limit = PREVIEW_ROWS as u32;
            lazy.limit(limit).collect().map_err(|error| error.to_string())?
        }
        other => {
            let frame = DataFrame::from_payload(other).map_err(|error| error.to_string())?;
            frame
                .lazy()
                .limit(u32::try_from(PREVIEW_ROWS).unwrap_or(10))
                .collect()
                .map_err(|error| error.to_string())?
        }
    };
    let schema: Vec<serde_json::Value> = head
        .columns()
        .iter()
        .map(|column| {
            serde_json::json!({
                "name": column.name().as_str(),
                "dtype": column.dtype().to_string(),
                "description": describe_dtype(column.dtype()),
            })
        })
        .collect();
    Ok((serde_json::Value::Array(schema), serde_json::Value::Array(frame_to_rows(&head))))
}

async fn latest_run(State(state): State<Arc<VizState>>) -> Response {
    let worker_state = Arc::clone(&state);
    let work = tokio::task::spawn_blocking(move || latest_run_json(&worker_state));
    match work.await {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            "cannot read the run records",
        )
        .into_response(),
    }
}

/// The newest run and the status of each node it recorded so far.
pub(crate) fn latest_run_json(state: &VizState) -> serde_json::Value {
    let empty = serde_json::json!({"run": null, "nodes": {}});
    let Some(store) = state.store() else { return empty };
    let Ok(runs) = store.runs(1) else { return empty };
    let Some(run) = runs.into_iter().next() else { return empty };
    let nodes: serde_json::Map<String, serde_json::Value> = store
        .nodes(&run.start.id)
        .unwrap_or_default()
        .into_iter()
        .map(|record| {
            let value = serde_json::json!({
                "status": record.status,
                "duration_ms": record.duration.map(|d| d.as_secs_f64() * 1e3),
            });
            (record.node, value)
        })
        .collect();
    serde_json::json!({
        "run": {
            "id": run.start.id,
            "pipeline": run.start.pipeline,
            "status": run.status_text(),
            "started_at": run.start.started_at,
            "finished_at": run.finished_at,
        },
        "nodes": nodes,
    })
}
