//! The HTTP surface: routes, handlers and the access log.
//!
//! A prediction request is read (up to the body limit) on the async side, then takes a permit of
//! the concurrency semaphore (none left: 503 with `Retry-After`) and does everything CPU-bound
//! (parsing, schema checks, the pipeline run, encoding the response) in `spawn_blocking`, so the
//! async workers only move bytes.
//!
//! Extra routes from the Vertex AI environment (`AIP_HEALTH_ROUTE`, `AIP_PREDICT_ROUTE`) are
//! matched in the fallback handler by exact path, so no route a platform hands us can clash
//! with axum's path syntax.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::Semaphore;
use weir_core::data::{NodeData, Payload};
use weir_core::polars::prelude::DataFrame;

use crate::ServeOptions;
use crate::error::{ApiError, NODE_FAILED};
use crate::metrics::Metrics;
use crate::served::{PredictError, ServedPipeline};
use crate::table::{self, frame_from_csv, frame_from_instances, frame_to_csv, frame_to_rows};

/// What every handler shares.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) pipelines: Vec<ServedPipeline>,
    pub(crate) options: ServeOptions,
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) metrics: Metrics,
    /// One per core: admitted requests wait here, so scoring never oversubscribes the CPU.
    cpu_slots: Arc<Semaphore>,
    pub(crate) ready: AtomicBool,
    pub(crate) openapi: String,
    next_request_id: AtomicU64,
}

impl AppState {
    pub(crate) fn new(pipelines: Vec<ServedPipeline>, options: ServeOptions) -> Self {
        let openapi = crate::openapi::document(&pipelines).to_string();
        AppState {
            permits: Arc::new(Semaphore::new(options.max_concurrency.max(1))),
            cpu_slots: Arc::new(Semaphore::new(
                std::thread::available_parallelism().map_or(2, usize::from),
            )),
            pipelines,
            options,
            metrics: Metrics::default(),
            ready: AtomicBool::new(true),
            openapi,
            next_request_id: AtomicU64::new(1),
        }
    }

    fn pipeline(&self, name: &str) -> Option<&ServedPipeline> {
        self.pipelines.iter().find(|pipeline| pipeline.name() == name)
    }
}

/// The request's id: the client's `x-request-id`, or one the server numbers.
#[derive(Debug, Clone)]
struct RequestId(String);

/// Every route of the server.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/v1/pipelines", get(list_pipelines))
        .route("/v1/pipelines/{name}/predict", post(predict_named))
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), access_log))
        .with_state(state)
}

/// A JSON response with the given status.
pub(crate) fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn health() -> Response {
    json_response(StatusCode::OK, &serde_json::json!({"status": "alive"}))
}

async fn ready(State(state): State<Arc<AppState>>) -> Response {
    if state.ready.load(Ordering::SeqCst) {
        return json_response(StatusCode::OK, &serde_json::json!({"status": "ready"}));
    }
    let mut error =
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not ready", "the server is shutting down");
    error.retry_after = Some(1);
    error.into_response()
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

async fn openapi(State(state): State<Arc<AppState>>) -> Response {
    let mut response = state.openapi.clone().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn list_pipelines(State(state): State<Arc<AppState>>) -> Response {
    let pipelines: Vec<serde_json::Value> = state
        .pipelines
        .iter()
        .map(|pipeline| {
            let inputs: Vec<&str> = pipeline.inputs().iter().map(|i| i.name.as_str()).collect();
            let preloaded: Vec<&str> = pipeline.preloaded().collect();
            serde_json::json!({
                "name": pipeline.name(),
                "predict_route": format!("/v1/pipelines/{}/predict", pipeline.name()),
                "inputs": inputs,
                "preloaded": preloaded,
                "output": pipeline.output(),
            })
        })
        .collect();
    json_response(StatusCode::OK, &serde_json::json!({"pipelines": pipelines}))
}

async fn predict_named(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    predict(state, &name, request).await
}

/// Routes from the platform's environment, matched by exact path; anything else is a 404.
async fn fallback(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let path = request.uri().path();
    let method = request.method().clone();
    if state.options.health_route.as_deref() == Some(path) && method == Method::GET {
        return ready(State(state)).await;
    }
    if state.options.predict_route.as_deref() == Some(path) && method == Method::POST {
        let Some(first) = state.pipelines.first().map(|p| p.name().to_owned()) else {
            return not_found(path);
        };
        return predict(state, &first, request).await;
    }
    not_found(path)
}

fn not_found(path: &str) -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "no such route", format!("nothing is served at `{path}`"))
        .with_hint("GET /openapi.json lists every route")
        .into_response()
}

/// The body format of a prediction request, and of its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

async fn predict(state: Arc<AppState>, name: &str, request: Request) -> Response {
    let started = Instant::now();
    let Some(pipeline) = state.pipeline(name).cloned() else {
        let names: Vec<String> =
            state.pipelines.iter().map(|p| format!("`{}`", p.name())).collect();
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "no such pipeline",
            format!("pipeline `{name}` is not served"),
        )
        .with_hint(format!("the served pipelines are {}", names.join(", ")))
        .into_response();
    };
    let _in_flight = state.metrics.start();
    let request_id =
        request.extensions().get::<RequestId>().map_or_else(|| "-".to_owned(), |id| id.0.clone());

    let outcome = score(&state, pipeline, request, &request_id).await;
    let (response, rows, error_kind) = match outcome {
        Ok((response, rows)) => (response, rows, None),
        Err(error) => {
            let kind = error.kind();
            (error.into_response(), 0, Some(kind))
        }
    };
    state.metrics.record(name, response.status().as_u16(), started.elapsed(), rows, error_kind);
    response
}

/// Reads, checks and scores one request; the response and the number of rows scored.
async fn score(
    state: &Arc<AppState>,
    pipeline: ServedPipeline,
    request: Request,
    request_id: &str,
) -> Result<(Response, usize), ApiError> {
    let format = body_format(request.headers())?;
    let body = read_body(request.into_body(), state.options.max_body_bytes).await?;

    let Ok(permit) = Arc::clone(&state.permits).try_acquire_owned() else {
        let mut error = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many requests in flight",
            format!(
                "the server holds at most {} requests in flight",
                state.options.max_concurrency.max(1)
            ),
        )
        .with_hint("retry after the delay in the Retry-After header");
        error.retry_after = Some(1);
        return Err(error);
    };

    let Ok(cpu_slot) = Arc::clone(&state.cpu_slots).acquire_owned().await else {
        return Err(internal_error());
    };
    let request_id = request_id.to_owned();
    let span = tracing::info_span!("predict", pipeline = pipeline.name(), request_id = %request_id);
    let work = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let _cpu_slot = cpu_slot;
        let _entered = span.enter();
        score_blocking(&pipeline, format, &body, &request_id)
    });
    match work.await {
        Ok(result) => result,
        Err(join_error) => {
            tracing::error!(error = %join_error, "the scoring task did not finish");
            Err(internal_error())
        }
    }
}

fn internal_error() -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error",
        "the request could not be scored",
    )
    .with_hint("the server log has the cause")
}

/// Parses the body, runs the pipeline and encodes the output (on a blocking thread).
fn score_blocking(
    pipeline: &ServedPipeline,
    format: Format,
    body: &[u8],
    request_id: &str,
) -> Result<(Response, usize), ApiError> {
    let frames = match format {
        Format::Json => frames_from_json(pipeline, body)?,
        Format::Csv => frames_from_csv(pipeline, body)?,
    };
    let frames = conform(pipeline, frames)?;

    let output = pipeline.predict(frames).map_err(|error| match error {
        PredictError::NodeFailed { node, cause } => {
            tracing::error!(node = node.as_str(), cause = cause.as_str(), "node failed");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                NODE_FAILED,
                format!("node `{node}` failed while scoring the request"),
            )
            .with_hint(format!("the server log has the cause under request id `{request_id}`"))
        }
        PredictError::Internal(cause) => {
            tracing::error!(cause = cause.as_str(), "the run did not start");
            internal_error()
        }
    })?;
    encode_output(&output, format)
}

fn body_format(headers: &HeaderMap) -> Result<Format, ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else { return Ok(Format::Json) };
    let media = value.to_str().unwrap_or("").split(';').next().unwrap_or("").trim();
    match media.to_ascii_lowercase().as_str() {
        "application/json" | "" => Ok(Format::Json),
        "text/csv" => Ok(Format::Csv),
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported content type",
            format!("cannot read a `{other}` body"),
        )
        .with_hint("send `application/json` ({\"instances\": [...]}) or `text/csv`")),
    }
}

async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let too_large = std::error::Error::source(&error)
            .is_some_and(<dyn std::error::Error>::is::<http_body_util::LengthLimitError>);
        if too_large {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large",
                format!("the body exceeds the limit of {limit} bytes"),
            )
            .with_hint("split the rows over several requests");
        }
        ApiError::new(StatusCode::BAD_REQUEST, "unreadable body", error.to_string())
    })
}

fn malformed(detail: String, hint: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "malformed request body", detail).with_hint(hint)
}

const JSON_HINT: &str = "send {\"instances\": [{\"column\": value, ...}, ...]}";

/// The frames of a JSON body: `instances` for a single input, `inputs.<name>` for several.
fn frames_from_json(
    pipeline: &ServedPipeline,
    body: &[u8],
) -> Result<Vec<(String, DataFrame)>, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|error| malformed(format!("malformed JSON: {error}"), JSON_HINT))?;
    let Some(object) = value.as_object() else {
        return Err(malformed("the body is not a JSON object".to_owned(), JSON_HINT));
    };

    let names: Vec<&str> = pipeline.inputs().iter().map(|i| i.name.as_str()).collect();
    let mut frames = Vec::with_capacity(names.len());
    if let [only] = names.as_slice() {
        let rows = rows_of(object.get("instances"), "`instances`")?;
        frames.push(((*only).to_owned(), rows_to_frame(rows)?));
        return Ok(frames);
    }
    let inputs = object.get("inputs").and_then(serde_json::Value::as_object);
    for name in names {
        let rows =
            rows_of(inputs.and_then(|inputs| inputs.get(name)), &format!("`inputs.{name}`"))?;
        frames.push((name.to_owned(), rows_to_frame(rows)?));
    }
    Ok(frames)
}

fn rows_of<'a>(
    value: Option<&'a serde_json::Value>,
    what: &str,
) -> Result<&'a [serde_json::Value], ApiError> {
    let Some(value) = value else {
        return Err(malformed(format!("the body has no {what} field"), JSON_HINT));
    };
    let Some(rows) = value.as_array() else {
        return Err(malformed(format!("{what} is not an array"), JSON_HINT));
    };
    if rows.is_empty() {
        return Err(malformed(format!("{what} is empty"), "send at least one row"));
    }
    Ok(rows)
}

fn rows_to_frame(rows: &[serde_json::Value]) -> Result<DataFrame, ApiError> {
    frame_from_instances(rows).map_err(|detail| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "rows do not fit the input schema", detail)
    })
}

fn frames_from_csv(
    pipeline: &ServedPipeline,
    body: &[u8],
) -> Result<Vec<(String, DataFrame)>, ApiError> {
    let [only] = pipeline.inputs() else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "CSV needs a single input",
            format!("pipeline `{}` reads several inputs from a request", pipeline.name()),
        )
        .with_hint("send JSON: {\"inputs\": {\"<input>\": [...], ...}}"));
    };
    let frame = frame_from_csv(body).map_err(|error| {
        malformed(format!("malformed CSV: {error}"), "send a header row, then one line per row")
    })?;
    if frame.height() == 0 {
        return Err(malformed("the CSV body has no rows".to_owned(), "send at least one row"));
    }
    Ok(vec![(only.name.clone(), frame)])
}

/// Checks each frame against its input's schema and casts it to the schema's dtypes.
fn conform(
    pipeline: &ServedPipeline,
    frames: Vec<(String, DataFrame)>,
) -> Result<Vec<(String, DataFrame)>, ApiError> {
    let mut conformed = Vec::with_capacity(frames.len());
    for (name, frame) in frames {
        let schema =
            pipeline.inputs().iter().find(|i| i.name == name).and_then(|i| i.schema.as_ref());
        let Some(schema) = schema else {
            conformed.push((name, frame));
            continue;
        };
        let frame = schema.conform(&frame).map_err(|mismatch| {
            let expected: Vec<String> = schema
                .columns()
                .iter()
                .map(|c| format!("`{}` ({})", c.name, table::describe_dtype(&c.dtype)))
                .collect();
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "rows do not fit the input schema",
                mismatch.describe(),
            )
            .with_hint(format!("each row of `{name}` needs {}", expected.join(", ")))
        })?;
        conformed.push((name, frame));
    }
    Ok(conformed)
}

/// The output as the response body, in the request's format; with the number of rows.
fn encode_output(output: &Payload, format: Format) -> Result<(Response, usize), ApiError> {
    let frame = match output {
        Payload::Frame(_) | Payload::Lazy(_) => DataFrame::from_payload(output.clone()).ok(),
        _ => None,
    };
    let Some(frame) = frame else {
        let value = output.to_structured().map_err(|error| {
            tracing::error!(error = %error, "the output cannot be sent as JSON");
            internal_error()
        })?;
        let predictions = match value {
            serde_json::Value::Array(items) => items,
            other => vec![other],
        };
        let rows = predictions.len();
        let body = serde_json::json!({"predictions": predictions});
        return Ok((json_response(StatusCode::OK, &body), rows));
    };

    let rows = frame.height();
    if format == Format::Csv {
        let csv = frame_to_csv(&frame).map_err(|error| {
            tracing::error!(error = error.as_str(), "cannot write the output as CSV");
            internal_error()
        })?;
        let mut response = csv.into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
        return Ok((response, rows));
    }
    let body = serde_json::json!({"predictions": frame_to_rows(&frame)});
    Ok((json_response(StatusCode::OK, &body), rows))
}

/// Gives each request an id (the client's `x-request-id` or a new one), echoes it in the
/// response, and logs one structured line per request.
async fn access_log(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty() && value.len() <= 128)
        .map_or_else(
            || state.next_request_id.fetch_add(1, Ordering::Relaxed).to_string(),
            str::to_owned,
        );
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    request.extensions_mut().insert(RequestId(id.clone()));
    tracing::debug!(
        target: "weir_server::access",
        request_id = id.as_str(),
        method = %method,
        path = path.as_str(),
        "request received"
    );

    let mut response = next.run(request).await;

    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let elapsed_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    tracing::info!(
        target: "weir_server::access",
        request_id = id.as_str(),
        method = %method,
        path = path.as_str(),
        status = response.status().as_u16(),
        elapsed_ms,
        "request"
    );
    response
}
