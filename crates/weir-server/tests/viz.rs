//! The viz server on a real loopback socket, over a project written by the test: the page and
//! its files, the graph JSON, node and dataset details, the refusal of undeclared names and of
//! foreign host names, and run records that are read but never created.
//!
//! Expected values come from the files and pipeline the test writes, never from earlier output.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

#[path = "support/http.rs"]
mod http;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;

use weir_core::pipeline::{Pipeline, PipelineRegistry, node};
use weir_core::project::{ProjectDefinition, Session, SessionOptions};
use weir_server::viz::VizServer;

fn scale(x: i64, factor: i64) -> i64 {
    x * factor
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::File::create(path).unwrap().write_all(text.as_bytes()).unwrap();
}

/// A project with a 12-row CSV in the `raw` layer, a JSON dataset and a parameter.
fn project(root: &Path) -> Session {
    let mut csv = String::from("id,name\n");
    for row in 1..=12 {
        csv.push_str(&format!("{row},row {row}\n"));
    }
    write(&root.join("data/01_raw/table.csv"), &csv);
    write(&root.join("data/01_raw/value.json"), "7");
    write(
        &root.join("conf/base/catalog.yml"),
        "table:\n  type: pandas.CSVDataset\n  filepath: data/01_raw/table.csv\n  metadata:\n    layer: raw\n\
         value:\n  type: json.JSONDataset\n  filepath: data/01_raw/value.json\n  metadata:\n    layer: raw\n",
    );
    write(&root.join("conf/base/parameters.yml"), "factor: 3\n");
    std::fs::create_dir_all(root.join("conf/local")).unwrap();
    let pipeline = Pipeline::new([
        node(scale, ["value", "params:factor"], "scaled").name("scale").tags(["math"]),
        node(|t: weir_core::polars::prelude::DataFrame| t.height(), "table", "rows").name("count"),
    ]);
    let registry = PipelineRegistry::new().with("main", pipeline).with_default_of_all();
    let options = SessionOptions { project_root: root.to_path_buf(), ..SessionOptions::default() };
    Session::open(ProjectDefinition::from(registry), options).unwrap()
}

struct Running {
    address: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

fn start(root: &Path) -> Running {
    let server =
        VizServer::new(project(root), "__default__", root.join(".weir/runs.sqlite")).unwrap();
    server.restrict_hosts(&["127.0.0.1", "localhost"]);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        server.serve(listener, std::future::pending()).await.unwrap();
    });
    Running { address, _runtime: runtime }
}

#[test]
fn the_page_and_its_files_are_served_with_a_self_only_policy() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let page = http::get(server.address, "/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<script src=\"app.js\"></script>"));
    assert!(page.header("content-security-policy").unwrap().starts_with("default-src 'self'"));
    for (path, kind) in [("/app.js", "text/javascript"), ("/app.css", "text/css")] {
        let reply = http::get(server.address, path);
        assert_eq!(reply.status, 200);
        assert!(reply.header("content-type").unwrap().starts_with(kind));
        assert!(!reply.body.contains("http://") && !reply.body.contains("https://"));
    }
}

#[test]
fn the_graph_lists_nodes_datasets_edges_and_layers() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let pipelines = http::get(server.address, "/api/pipelines").json();
    assert_eq!(pipelines["pipelines"], serde_json::json!(["main", "__default__"]));

    let graph = http::get(server.address, "/api/graph?pipeline=main").json();
    let ids: Vec<&str> =
        graph["vertices"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    // 2 nodes; value, scaled, table, rows; the parameter hidden by default.
    assert_eq!(ids.len(), 6, "{ids:?}");
    assert_eq!(graph["edges"].as_array().unwrap().len(), 4);
    assert_eq!(graph["bands"][0]["name"], "raw");
    assert_eq!(graph["tags"], serde_json::json!(["math"]));

    let with_parameters =
        http::get(server.address, "/api/graph?pipeline=main&parameters=true").json();
    assert_eq!(with_parameters["vertices"].as_array().unwrap().len(), 7);

    let unknown = http::get(server.address, "/api/graph?pipeline=nope");
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["error"], "no such pipeline");
}

#[test]
fn node_details_hold_the_function_tags_and_parameter_values() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let details = http::get(server.address, "/api/nodes/scale").json();
    assert!(details["function"].as_str().unwrap().ends_with("::scale"), "{details}");
    assert_eq!(details["tags"], serde_json::json!(["math"]));
    assert_eq!(details["inputs"], serde_json::json!(["value", "params:factor"]));
    assert_eq!(details["parameters"]["params:factor"], 3);
    assert_eq!(details["last_run"], serde_json::Value::Null);
    assert_eq!(http::get(server.address, "/api/nodes/nope").status, 404);
}

#[test]
fn a_tabular_dataset_shows_its_schema_and_first_ten_rows() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let details = http::get(server.address, "/api/datasets/table").json();
    assert_eq!(details["type"], "pandas.CSVDataset");
    assert_eq!(details["location"], "data/01_raw/table.csv");
    assert_eq!(details["schema"][0]["name"], "id");
    let rows = details["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0], serde_json::json!({"id": 1, "name": "row 1"}));
    assert_eq!(rows[9]["id"], 10);

    // Not tabular: described, not previewed.
    let value = http::get(server.address, "/api/datasets/value").json();
    assert_eq!(value["rows"], serde_json::Value::Null);
    // Used by a pipeline but not declared: in memory, nothing to load.
    let memory = http::get(server.address, "/api/datasets/scaled").json();
    assert_eq!(memory["declared"], false);
}

#[test]
fn names_no_catalog_declares_are_refused_and_nothing_is_read_from_a_path() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    for path in [
        "/api/datasets/..%2Fconf%2Fbase%2Fcatalog.yml",
        "/api/datasets/%2Fetc%2Fpasswd",
        "/api/datasets/data%2F01_raw%2Ftable.csv",
        "/api/datasets/nope",
    ] {
        let reply = http::get(server.address, path);
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.json()["error"], "no such dataset", "{path}");
    }
}

#[test]
fn run_statuses_are_empty_without_records_and_the_records_file_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let latest = http::get(server.address, "/api/runs/latest").json();
    assert_eq!(latest["run"], serde_json::Value::Null);
    assert!(!dir.path().join(".weir").exists());
}

#[test]
fn a_request_for_another_host_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let mut stream = TcpStream::connect(server.address).unwrap();
    stream
        .write_all(b"GET /api/datasets/table HTTP/1.1\r\nHost: attacker.example:80\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 403"), "{reply}");
    assert!(!reply.contains("row 1"));
}
