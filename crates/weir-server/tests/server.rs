//! The server on a real loopback socket, with small pipelines built in the test: the prediction
//! contract (JSON and CSV), every error status, metrics, the concurrency limit and draining.
//!
//! Expected values are plain arithmetic on the rows sent (the pipeline multiplies `x` by the
//! `factor` parameter), never the server's own earlier output.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

#[path = "support/http.rs"]
mod http;

use std::net::SocketAddr;
use std::sync::{Condvar, Mutex, MutexGuard, mpsc};

use serde_json::json;
use weir_core::data::Payload;
use weir_core::pipeline::{Pipeline, node};
use weir_core::polars::prelude::{DataFrame, IntoColumn, NamedFrom, Series};
use weir_server::table::TableSchema;
use weir_server::{RequestInput, ServeOptions, ServedPipeline, Server};

/// Multiplies `x` by `factor`; a negative `x` fails with a message holding a fake secret, which
/// must never reach the client.
#[expect(clippy::needless_pass_by_value, reason = "nodes take their inputs by value")]
fn multiply(rows: DataFrame, factor: f64) -> Result<DataFrame, String> {
    let x = rows.column("x").map_err(|e| e.to_string())?.as_materialized_series().clone();
    if x.f64().map_err(|e| e.to_string())?.iter().flatten().any(|v| v < 0.0) {
        return Err("negative x; password=hunter2 at /srv/secret/model.bin".to_owned());
    }
    let id = rows.column("id").map_err(|e| e.to_string())?.clone();
    let y = (&x * factor).with_name("y".into()).into_column();
    DataFrame::new(rows.height(), vec![id, y]).map_err(|e| e.to_string())
}

/// The rows' schema, as start-up would read it from the configured data.
fn schema() -> TableSchema {
    let sample = DataFrame::new(
        1,
        vec![
            Series::new("id".into(), [1_i64]).into_column(),
            Series::new("x".into(), [0.5]).into_column(),
        ],
    )
    .unwrap();
    TableSchema::of_frame(&sample)
}

fn scale_pipeline() -> ServedPipeline {
    ServedPipeline::new(
        "scale",
        Pipeline::new([node(multiply, ["rows", "params:factor"], "scored")]),
        vec![("params:factor".to_owned(), Payload::Structured(json!(10.0)))],
        vec![RequestInput { name: "rows".to_owned(), schema: Some(schema()) }],
        "scored",
    )
    .unwrap()
}

/// A gate the `wait_at_gate` node blocks on, so a test controls when a request finishes.
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
    entered: Mutex<Option<mpsc::Sender<()>>>,
}

static GATE: Gate =
    Gate { open: Mutex::new(false), opened: Condvar::new(), entered: Mutex::new(None) };

/// Only one test at a time uses the gate.
static GATE_USER: Mutex<()> = Mutex::new(());

fn wait_at_gate(rows: DataFrame) -> DataFrame {
    if let Some(entered) = GATE.entered.lock().unwrap().as_ref() {
        entered.send(()).unwrap();
    }
    let mut open = GATE.open.lock().unwrap();
    while !*open {
        open = GATE.opened.wait(open).unwrap();
    }
    rows
}

/// Closes the gate and returns the lock, a receiver told when a request reaches the gate.
fn close_gate() -> (MutexGuard<'static, ()>, mpsc::Receiver<()>) {
    let user = GATE_USER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    *GATE.open.lock().unwrap() = false;
    let (sender, receiver) = mpsc::channel();
    *GATE.entered.lock().unwrap() = Some(sender);
    (user, receiver)
}

fn open_gate() {
    *GATE.open.lock().unwrap() = true;
    GATE.opened.notify_all();
}

fn gated_pipeline() -> ServedPipeline {
    ServedPipeline::new(
        "gated",
        Pipeline::new([node(wait_at_gate, "rows", "same_rows")]),
        Vec::new(),
        vec![RequestInput { name: "rows".to_owned(), schema: None }],
        "same_rows",
    )
    .unwrap()
}

/// A server on an ephemeral loopback port, in its own runtime.
struct Running {
    address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: mpsc::Receiver<std::io::Result<()>>,
    _runtime: tokio::runtime::Runtime,
}

fn start(options: ServeOptions) -> Running {
    let server = Server::new(vec![scale_pipeline(), gated_pipeline()], options);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (finished, done) = mpsc::channel();
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        let result = server
            .serve(listener, async move {
                let _ = stopped.await;
            })
            .await;
        finished.send(result).unwrap();
    });
    Running { address, stop: Some(stop), done, _runtime: runtime }
}

fn default_server() -> Running {
    start(ServeOptions { max_body_bytes: 2048, max_concurrency: 4, ..ServeOptions::default() })
}

const PREDICT: &str = "/v1/pipelines/scale/predict";

#[test]
fn json_instances_become_predictions_row_for_row() {
    let server = default_server();
    let reply = http::post_json(
        server.address,
        PREDICT,
        &json!({"instances": [{"id": 1, "x": 2.5}, {"x": 3, "id": 2}], "parameters": {}}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.json(), json!({"predictions": [{"id": 1, "y": 25.0}, {"id": 2, "y": 30.0}]}));
    assert!(reply.header("x-request-id").is_some());
}

#[test]
fn csv_in_gives_csv_out() {
    let server = default_server();
    let reply = http::post(server.address, PREDICT, "text/csv", b"id,x\n7,0.5\n8,2\n");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("text/csv"));
    assert_eq!(reply.body.lines().collect::<Vec<_>>(), ["id,y", "7,5.0", "8,20.0"]);
}

#[test]
fn malformed_json_is_a_400_naming_the_problem() {
    let server = default_server();
    let reply = http::post(server.address, PREDICT, "application/json", b"{\"instances\": [");
    assert_eq!(reply.status, 400);
    let body = reply.json();
    assert_eq!(body["error"], "malformed request body");
    assert!(body["detail"].as_str().unwrap().starts_with("malformed JSON: "), "{body}");
    assert!(body["hint"].as_str().unwrap().contains("instances"), "{body}");

    let reply = http::post_json(server.address, PREDICT, &json!({"rows": []}));
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["detail"], "the body has no `instances` field");
}

#[test]
fn missing_and_mistyped_columns_are_a_422_naming_them() {
    let server = default_server();
    let reply = http::post_json(server.address, PREDICT, &json!({"instances": [{"id": 1}]}));
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.json()["detail"], "missing column(s) `x`");
    assert!(reply.json()["hint"].as_str().unwrap().contains("`x` (numbers)"));

    let reply =
        http::post_json(server.address, PREDICT, &json!({"instances": [{"id": 1, "x": "big"}]}));
    assert_eq!(reply.status, 422);
    assert_eq!(reply.json()["detail"], "column `x` expects numbers but holds text");

    let reply = http::post(server.address, PREDICT, "text/csv", b"id,x\n1.5,2\n");
    assert_eq!(reply.status, 422);
    assert_eq!(reply.json()["detail"], "column `id` expects integers but holds numbers");
}

#[test]
fn a_body_over_the_limit_is_a_413() {
    let server = default_server();
    let rows: Vec<_> = (0..200).map(|i| json!({"id": i, "x": 1.0})).collect();
    let reply = http::post_json(server.address, PREDICT, &json!({"instances": rows}));
    assert_eq!(reply.status, 413);
    assert_eq!(reply.json()["error"], "request body too large");
    assert!(reply.json()["detail"].as_str().unwrap().contains("2048 bytes"));
}

#[test]
fn other_content_types_and_unknown_pipelines_are_refused() {
    let server = default_server();
    let reply = http::post(server.address, PREDICT, "application/xml", b"<rows/>");
    assert_eq!(reply.status, 415);
    let reply = http::post_json(server.address, "/v1/pipelines/nope/predict", &json!({}));
    assert_eq!(reply.status, 404);
    assert!(reply.json()["hint"].as_str().unwrap().contains("`scale`"));
}

#[test]
fn a_node_error_is_a_500_naming_the_node_and_nothing_else() {
    let server = default_server();
    let reply =
        http::post_json(server.address, PREDICT, &json!({"instances": [{"id": 1, "x": -1.0}]}));
    assert_eq!(reply.status, 500);
    let body = reply.json();
    assert_eq!(body["error"], "a pipeline node failed");
    assert_eq!(body["detail"], "node `multiply` failed while scoring the request");
    assert!(!reply.body.contains("hunter2") && !reply.body.contains("/srv"), "{}", reply.body);

    // The server stays up.
    let reply =
        http::post_json(server.address, PREDICT, &json!({"instances": [{"id": 1, "x": 1}]}));
    assert_eq!(reply.status, 200);
}

#[test]
fn health_readiness_listing_openapi_and_metrics() {
    let server = default_server();
    assert_eq!(http::get(server.address, "/health").json(), json!({"status": "alive"}));
    assert_eq!(http::get(server.address, "/ready").json(), json!({"status": "ready"}));

    let listing = http::get(server.address, "/v1/pipelines").json();
    assert_eq!(listing["pipelines"][0]["name"], "scale");
    assert_eq!(listing["pipelines"][0]["inputs"], json!(["rows"]));
    assert_eq!(listing["pipelines"][0]["preloaded"], json!(["params:factor"]));

    let openapi = http::get(server.address, "/openapi.json").json();
    assert_eq!(openapi["openapi"], "3.0.3");
    let row = &openapi["paths"][PREDICT]["post"]["requestBody"]["content"]["application/json"]["schema"]
        ["properties"]["instances"]["items"];
    assert_eq!(row["properties"], json!({"id": {"type": "integer"}, "x": {"type": "number"}}));
    assert_eq!(row["required"], json!(["id", "x"]));

    http::post_json(
        server.address,
        PREDICT,
        &json!({"instances": [{"id": 1, "x": 1}, {"id": 2, "x": 2}]}),
    );
    http::post_json(server.address, PREDICT, &json!({"instances": [{"id": 1}]}));
    let metrics = http::get(server.address, "/metrics");
    assert!(metrics.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    for line in [
        "weir_requests_total{pipeline=\"scale\",status=\"200\"} 1",
        "weir_requests_total{pipeline=\"scale\",status=\"422\"} 1",
        "weir_request_errors_total{pipeline=\"scale\",kind=\"schema_mismatch\"} 1",
        "weir_rows_scored_total{pipeline=\"scale\"} 2",
        "weir_request_duration_seconds_count{pipeline=\"scale\"} 2",
        "weir_requests_in_flight 0",
    ] {
        assert!(metrics.body.lines().any(|l| l == line), "no `{line}` in\n{}", metrics.body);
    }
}

#[test]
fn platform_routes_answer_like_ready_and_predict() {
    let server = start(ServeOptions {
        health_route: Some("/v1/endpoints/1/deployedModels/2:health".to_owned()),
        predict_route: Some("/v1/endpoints/1/deployedModels/2:predict".to_owned()),
        ..ServeOptions::default()
    });
    let reply = http::get(server.address, "/v1/endpoints/1/deployedModels/2:health");
    assert_eq!(reply.json(), json!({"status": "ready"}));
    let reply = http::post_json(
        server.address,
        "/v1/endpoints/1/deployedModels/2:predict",
        &json!({"instances": [{"id": 3, "x": 0.25}]}),
    );
    assert_eq!(reply.json(), json!({"predictions": [{"id": 3, "y": 2.5}]}));
    assert_eq!(http::get(server.address, "/elsewhere").status, 404);
}

#[test]
fn over_the_concurrency_limit_is_a_503_with_retry_after() {
    let (_user, entered) = close_gate();
    let server = start(ServeOptions { max_concurrency: 1, ..ServeOptions::default() });
    let address = server.address;
    let body = json!({"instances": [{"a": 1}]});
    let first = std::thread::spawn(move || {
        http::post_json(address, "/v1/pipelines/gated/predict", &json!({"instances": [{"a": 1}]}))
    });
    entered.recv().unwrap();

    let refused = http::post_json(address, "/v1/pipelines/gated/predict", &body);
    assert_eq!(refused.status, 503);
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert_eq!(refused.json()["error"], "too many requests in flight");

    open_gate();
    assert_eq!(first.join().unwrap().json(), json!({"predictions": [{"a": 1}]}));
}

#[test]
fn shutdown_waits_for_the_request_in_flight() {
    let (_user, entered) = close_gate();
    let mut server = start(ServeOptions::default());
    let address = server.address;
    let in_flight = std::thread::spawn(move || {
        http::post_json(address, "/v1/pipelines/gated/predict", &json!({"instances": [{"a": 2}]}))
    });
    entered.recv().unwrap();

    server.stop.take().unwrap().send(()).unwrap();
    // While the request is held at the gate the server cannot have finished.
    assert!(server.done.try_recv().is_err());

    open_gate();
    let reply = in_flight.join().unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({"predictions": [{"a": 2}]}));
    server.done.recv().unwrap().unwrap();
}
