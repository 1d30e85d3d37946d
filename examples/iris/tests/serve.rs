//! `iris serve` end to end: the real binary trains on a temporary copy of the project, then
//! serves `model_predict` on an ephemeral loopback port. Predictions must equal those of
//! `iris run --pipeline model_predict` on the same rows (the course's `iris_predict.csv`), every
//! route answers, bad requests get their status, nothing is written per request, and SIGTERM
//! lets a request in flight finish before the process exits 0.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

#[path = "../../../crates/weir-server/tests/support/http.rs"]
mod http;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};
use support::{Project, course_data, read_csv};
use weir::polars::prelude::DataFrame;

const PREDICT: &str = "/v1/pipelines/model_predict/predict";
const FEATURES: [&str; 4] = ["SepalLengthCm", "SepalWidthCm", "PetalLengthCm", "PetalWidthCm"];

/// A running `iris serve`, killed (by its PID) if a test ends early.
struct ServerProcess {
    child: Child,
    address: SocketAddr,
    log: mpsc::Receiver<Value>,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    /// Waits for a log event whose message is `message`; panics if the log ends first.
    fn wait_for(&self, message: &str) -> Value {
        loop {
            let event = self
                .log
                .recv_timeout(Duration::from_mins(2))
                .unwrap_or_else(|_| panic!("no `{message}` event in the server's log"));
            if event["message"] == message {
                return event;
            }
        }
    }
}

/// Trains every model of a fresh copy of the project.
fn trained_project() -> Project {
    let project = Project::copy();
    project.run(&["run"]).expect_code(0);
    project
}

/// Starts `iris serve --pipeline model_predict` in `project` with JSON logs on stderr.
fn serve(project: &Project, args: &[&str], env: &[(&str, &str)]) -> ServerProcess {
    let mut command = Command::new(env!("CARGO_BIN_EXE_iris"));
    command
        .args(["--log-format", "json", "serve", "--pipeline", "model_predict"])
        .args(args)
        .current_dir(project.root())
        .env("RUST_LOG", "info,weir_server=debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for name in
        ["WEIR_ENV", "WEIR_PROJECT_DIR", "AIP_HTTP_PORT", "AIP_HEALTH_ROUTE", "AIP_PREDICT_ROUTE"]
    {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().expect("the iris binary starts");

    let stderr = child.stderr.take().unwrap();
    let (sender, log) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let event = serde_json::from_str(&line).unwrap_or(json!({"message": line}));
            if sender.send(event).is_err() {
                break;
            }
        }
    });
    let mut server = ServerProcess { child, address: "127.0.0.1:0".parse().unwrap(), log };
    let listening = server.wait_for("listening");
    server.address = listening["address"].as_str().unwrap().parse().unwrap();
    server
}

/// The course rows as `{"instances": [...]}`.
fn instances(rows: &DataFrame) -> Value {
    let ids = rows.column("Id").unwrap().i64().unwrap();
    let instances: Vec<Value> = (0..rows.height())
        .map(|row| {
            let mut instance = json!({"Id": ids.get(row).unwrap()});
            for feature in FEATURES {
                instance[feature] = json!(rows.column(feature).unwrap().f64().unwrap().get(row));
            }
            instance
        })
        .collect();
    json!({"instances": instances})
}

/// `(Id, Species)` pairs of a predictions table.
fn pairs_of_frame(frame: &DataFrame) -> Vec<(i64, String)> {
    let ids = frame.column("Id").unwrap().i64().unwrap();
    let species = frame.column("Species").unwrap().str().unwrap();
    (0..frame.height())
        .map(|row| (ids.get(row).unwrap(), species.get(row).unwrap().to_owned()))
        .collect()
}

fn pairs_of_json(predictions: &Value) -> Vec<(i64, String)> {
    predictions
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["Id"].as_i64().unwrap(), row["Species"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn serve_scores_like_run_and_answers_every_route() {
    let project = trained_project();
    let course = course_data("iris_predict.csv");
    project
        .run(&[
            "run",
            "--pipeline",
            "model_predict",
            "--params",
            &format!("iris_predict_path={}", course.display()),
        ])
        .expect_code(0);
    let expected =
        pairs_of_frame(&read_csv(&project.path("data/07_model_output/iris_predictions.csv")));
    assert_eq!(expected.len(), 30);
    let files_before = project.written_files();

    let server = serve(
        &project,
        &["--input", "iris_predict_raw", "--max-body-bytes", "8192"],
        &[
            ("AIP_HTTP_PORT", "0"),
            ("AIP_HEALTH_ROUTE", "/healthz"),
            ("AIP_PREDICT_ROUTE", "/predict"),
        ],
    );
    let address = server.address;
    let body = instances(&read_csv(&course));

    // JSON, CSV and the platform's route all score like `run`.
    let reply = http::post_json(address, PREDICT, &body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(pairs_of_json(&reply.json()["predictions"]), expected);

    let csv = std::fs::read(&course).unwrap();
    let reply = http::post(address, PREDICT, "text/csv", &csv);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let scored = weir::polars::prelude::CsvReadOptions::default()
        .into_reader_with_file_handle(std::io::Cursor::new(reply.body.into_bytes()));
    let scored = weir::polars::prelude::SerReader::finish(scored).unwrap();
    assert_eq!(pairs_of_frame(&scored), expected);

    let reply = http::post_json(address, "/predict", &body);
    assert_eq!(pairs_of_json(&reply.json()["predictions"]), expected);
    assert_eq!(http::get(address, "/healthz").json(), json!({"status": "ready"}));

    // Health, readiness, the listing and the OpenAPI document.
    assert_eq!(http::get(address, "/health").status, 200);
    assert_eq!(http::get(address, "/ready").json(), json!({"status": "ready"}));
    let listing = http::get(address, "/v1/pipelines").json();
    let served = &listing["pipelines"][0];
    assert_eq!(served["inputs"], json!(["iris_predict_raw"]));
    assert_eq!(served["output"], "iris_predictions");
    for preloaded in ["scaler", "model", "label_encoder", "params:columns"] {
        assert!(served["preloaded"].as_array().unwrap().contains(&json!(preloaded)), "{served}");
    }
    let openapi = http::get(address, "/openapi.json").json();
    let post = &openapi["paths"][PREDICT]["post"];
    let row_in = &post["requestBody"]["content"]["application/json"]["schema"]["properties"]["instances"]
        ["items"];
    assert_eq!(
        row_in["required"],
        json!(["Id", FEATURES[0], FEATURES[1], FEATURES[2], FEATURES[3]])
    );
    assert_eq!(row_in["properties"]["Id"]["type"], "integer");
    assert_eq!(row_in["properties"]["PetalWidthCm"]["type"], "number");
    let row_out = &post["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
        ["predictions"]["items"];
    assert_eq!(row_out["properties"]["Species"]["type"], "string");

    // Bad requests get their status and say what is wrong.
    let reply = http::post(address, PREDICT, "application/json", b"{\"instances\": [}");
    assert_eq!(reply.status, 400);
    assert!(reply.json()["detail"].as_str().unwrap().starts_with("malformed JSON"));

    let reply = http::post_json(
        address,
        PREDICT,
        &json!({"instances": [{"Id": 1, "SepalLengthCm": "long", "SepalWidthCm": 3.0, "PetalLengthCm": 1.4}]}),
    );
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.json()["detail"],
        "missing column(s) `PetalWidthCm`; column `SepalLengthCm` expects numbers but holds text"
    );

    let many: Vec<Value> = (0..120).map(|_| body["instances"][0].clone()).collect();
    let reply = http::post_json(address, PREDICT, &json!({"instances": many}));
    assert_eq!(reply.status, 413);

    // Three successful requests of 30 rows each; nothing was written to the project.
    let metrics = http::get(address, "/metrics").body;
    assert!(
        metrics.contains("weir_rows_scored_total{pipeline=\"model_predict\"} 90\n"),
        "{metrics}"
    );
    assert!(metrics.contains("weir_requests_total{pipeline=\"model_predict\",status=\"422\"} 1\n"));
    assert_eq!(project.written_files(), files_before);
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_0() {
    let project = trained_project();
    let mut server = serve(&project, &[], &[("AIP_HTTP_PORT", "0")]);
    let body = instances(&read_csv(&course_data("iris_predict.csv"))).to_string().into_bytes();

    // Half the body is sent: the request is in flight until the rest arrives.
    let partial = http::start(
        server.address,
        "POST",
        PREDICT,
        Some("application/json"),
        &body,
        body.len() / 2,
    );
    server.wait_for("request received");

    let pid = server.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    server.wait_for("shutting down: draining in-flight requests");

    let reply = partial.finish();
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["predictions"].as_array().unwrap().len(), 30);
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}
