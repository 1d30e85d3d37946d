//! File datasets on object stores: an S3-compatible server (moto), a GCS emulator
//! (fake-gcs-server), an Azure Blob Storage emulator (Azurite), the in-process `memory://`
//! store, and a fake S3 endpoint that refuses every request.
//!
//! Run through `./scripts/with-services.sh cargo test -p weir-core --test object_stores`, which
//! starts the servers on 127.0.0.1 and sets `WEIR_TEST_S3_ENDPOINT`, `WEIR_TEST_GCS_ENDPOINT`,
//! `WEIR_TEST_AZURE_ENDPOINT` and `WEIR_TEST_PYTHON`. Without them the server tests print how
//! to run them and pass, unless `WEIR_REQUIRE_SERVICES=1`, when they fail. Buckets and
//! containers are created, listed and (on GCS) filled with the servers' own clients (boto3,
//! azure-storage-blob, the GCS JSON API) through `WEIR_TEST_PYTHON`, never with weir.
//!
//! GCS saves are not covered: `object_store` uploads through the XML API's plain `PUT`, which
//! fake-gcs-server 1.54 answers with `400 invalid uploadType` (it accepts that path only for
//! signed URLs). GCS reads, `exists`, stamps, version and partition listings are covered, with
//! the objects uploaded through the emulator's JSON API.
//!
//! Every test sets explicit credentials and a loopback endpoint, so no request can reach a
//! cloud service or a metadata endpoint.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]
#![allow(clippy::print_stderr, reason = "tests say when they skip and print what they measure")]
#![allow(clippy::disallowed_methods, reason = "tests write the files they upload directly")]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use polars::df;
use polars::prelude::{DataFrame, IntoLazy, LazyFrame};
use serde_json::{Value, json};
use weir_core::catalog::partitioned::Partitions;
use weir_core::catalog::{CatalogError, Dataset, DatasetContext, DatasetRegistry, DatasetSpec};
use weir_core::data::{Artefact, NodeData, Payload};
use weir_core::error::{Hinted, Secret};

const V1: &str = "2024-01-05T10.11.12.345Z";
const V2: &str = "2024-01-06T08.00.00.000Z";

/// A secret that must never appear in any message.
const SECRET: &str = "wrong-secret-Zq81xT";

fn service(variable: &str) -> Option<String> {
    if let Ok(value) = std::env::var(variable) {
        return Some(value);
    }
    let message = format!(
        "{variable} is not set: run these tests through \
         `./scripts/with-services.sh cargo test -p weir-core --test object_stores`"
    );
    assert!(std::env::var("WEIR_REQUIRE_SERVICES").as_deref() != Ok("1"), "{message}");
    eprintln!("skipped: {message}");
    None
}

/// A bucket or container name unique to this process and `test`: lowercase letters and digits
/// only, which every store accepts unencoded.
fn bucket_name(test: &str) -> String {
    let letters: String = test.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("weir{letters}{}", std::process::id())
}

fn python(script: &str, args: &[&str]) {
    let python =
        std::env::var("WEIR_TEST_PYTHON").expect("WEIR_TEST_PYTHON is set with the servers");
    let output = Command::new(python).arg("-c").arg(script).args(args).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// Creates an S3 bucket with boto3, as any S3 user would.
fn create_s3_bucket(endpoint: &str, bucket: &str) {
    let script = "import sys, boto3\n\
        s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='test',\n\
                          aws_secret_access_key='test', region_name='us-east-1')\n\
        s3.create_bucket(Bucket=sys.argv[2])\n";
    python(script, &[endpoint, bucket]);
}

/// Lists an S3 bucket's keys with boto3, to check what weir wrote independently of weir.
fn s3_keys(endpoint: &str, bucket: &str) -> Vec<String> {
    let script = "import sys, boto3\n\
        s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='test',\n\
                          aws_secret_access_key='test', region_name='us-east-1')\n\
        pages = s3.get_paginator('list_objects_v2').paginate(Bucket=sys.argv[2])\n\
        keys = sorted(o['Key'] for p in pages for o in p.get('Contents', []))\n\
        open(sys.argv[3], 'w').write('\\n'.join(keys))\n";
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("keys.txt");
    python(script, &[endpoint, bucket, out.to_str().unwrap()]);
    let text = std::fs::read_to_string(out).unwrap();
    text.lines().map(str::to_owned).collect()
}

/// Creates a GCS bucket through the emulator's JSON API.
fn create_gcs_bucket(endpoint: &str, bucket: &str) {
    let script = "import sys, json, urllib.request\n\
        body = json.dumps({'name': sys.argv[2]}).encode()\n\
        req = urllib.request.Request(sys.argv[1] + '/storage/v1/b?project=test', data=body,\n\
                                     headers={'Content-Type': 'application/json'})\n\
        urllib.request.urlopen(req).read()\n";
    python(script, &[endpoint, bucket]);
}

/// Uploads a local file as object `name` through the GCS JSON API (a media upload).
fn upload_to_gcs(endpoint: &str, bucket: &str, name: &str, file: &Path) {
    let script = "import sys, urllib.parse, urllib.request\n\
        endpoint, bucket, name, path = sys.argv[1:5]\n\
        url = f'{endpoint}/upload/storage/v1/b/{bucket}/o?uploadType=media&name=' + \\\n\
              urllib.parse.quote(name, safe='')\n\
        data = open(path, 'rb').read()\n\
        req = urllib.request.Request(url, data=data, method='POST',\n\
                                     headers={'Content-Type': 'application/octet-stream'})\n\
        urllib.request.urlopen(req).read()\n";
    python(script, &[endpoint, bucket, name, file.to_str().unwrap()]);
}

/// The connection string of Azurite's well-known development account at `endpoint`.
fn azure_connection_string(endpoint: &str) -> String {
    format!(
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;\
         AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;\
         BlobEndpoint={endpoint};"
    )
}

fn azure_credentials(endpoint: &str) -> Value {
    json!({"connection_string": azure_connection_string(endpoint)})
}

/// Creates an Azure container with the azure-storage-blob SDK.
fn create_azure_container(endpoint: &str, container: &str) {
    let script = "import sys\n\
        from azure.storage.blob import BlobServiceClient\n\
        BlobServiceClient.from_connection_string(sys.argv[1]).create_container(sys.argv[2])\n";
    python(script, &[&azure_connection_string(endpoint), container]);
}

/// Lists a container's blob names with the azure-storage-blob SDK.
fn azure_blob_names(endpoint: &str, container: &str) -> Vec<String> {
    let script = "import sys\n\
        from azure.storage.blob import BlobServiceClient\n\
        client = BlobServiceClient.from_connection_string(sys.argv[1])\n\
        names = sorted(b.name for b in client.get_container_client(sys.argv[2]).list_blobs())\n\
        open(sys.argv[3], 'w').write('\\n'.join(names))\n";
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("names.txt");
    python(script, &[&azure_connection_string(endpoint), container, out.to_str().unwrap()]);
    let text = std::fs::read_to_string(out).unwrap();
    text.lines().map(str::to_owned).collect()
}

fn s3_credentials(endpoint: &str) -> Value {
    json!({"key": "test", "secret": "test-secret-value", "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}})
}

fn gcs_credentials(endpoint: &str) -> Value {
    json!({"token": "anon", "project": "test", "endpoint_url": endpoint})
}

fn spec(name: &str, type_name: &str, options: Value, credentials: Option<&Value>) -> DatasetSpec {
    let Value::Object(mut options) = options else { panic!("test options are a JSON object") };
    options.insert("type".to_owned(), Value::String(type_name.to_owned()));
    let credentials = credentials.map(|value| {
        options.insert("credentials".to_owned(), json!("cloud"));
        let Value::Object(map) = value.clone() else { panic!("credentials are a mapping") };
        Secret::new(map)
    });
    DatasetSpec {
        name: name.to_owned(),
        type_name: type_name.to_owned(),
        options,
        credentials,
        source: None,
    }
}

fn context(root: &Path, save_version: &str) -> DatasetContext {
    DatasetContext {
        project_root: root.to_path_buf(),
        save_version: save_version.to_owned(),
        load_versions: HashMap::new(),
    }
}

fn build(spec: &DatasetSpec, context: &DatasetContext) -> Arc<dyn Dataset> {
    DatasetRegistry::with_builtins()
        .build(spec, context)
        .unwrap_or_else(|error| panic!("{}: {error} ({:?})", spec.name, error.hint()))
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Model {
    weights: Vec<f64>,
    label: String,
}

fn frame() -> DataFrame {
    df!("id" => [1i64, 2, 3], "score" => [0.5, 1.5, -2.25], "name" => ["a", "b,c", "ü"]).unwrap()
}

/// One format's round trip: its type, file name, what to save, and a check of what loads.
struct Case {
    type_name: &'static str,
    file: &'static str,
    payload: Payload,
    check: fn(Payload),
}

fn frame_check(payload: Payload) {
    let loaded = DataFrame::from_payload(payload).unwrap();
    assert!(loaded.equals(&frame()), "{loaded}");
}

fn cases() -> Vec<Case> {
    let structured = json!({"a": [1, 2.5, "x"], "b": {"c": null, "d": true}});
    vec![
        Case {
            type_name: "csv",
            file: "t.csv",
            payload: Payload::Frame(frame()),
            check: frame_check,
        },
        Case {
            type_name: "parquet",
            file: "t.parquet",
            payload: Payload::Frame(frame()),
            check: frame_check,
        },
        Case {
            type_name: "ipc",
            file: "t.arrow",
            payload: Payload::Frame(frame()),
            check: frame_check,
        },
        Case {
            type_name: "ndjson",
            file: "t.jsonl",
            payload: Payload::Frame(frame()),
            check: frame_check,
        },
        Case {
            type_name: "lazy",
            file: "lazy.parquet",
            payload: Payload::Lazy(Box::new(frame().lazy())),
            check: |payload| {
                let lazy = LazyFrame::from_payload(payload).unwrap();
                assert!(lazy.collect().unwrap().equals(&frame()));
            },
        },
        Case {
            type_name: "json",
            file: "t.json",
            payload: Payload::Structured(structured.clone()),
            check: |payload| {
                assert_eq!(
                    payload.to_structured().unwrap(),
                    json!({"a": [1, 2.5, "x"], "b": {"c": null, "d": true}})
                );
            },
        },
        Case {
            type_name: "yaml",
            file: "t.yml",
            payload: Payload::Structured(structured),
            check: |payload| {
                assert_eq!(
                    payload.to_structured().unwrap(),
                    json!({"a": [1, 2.5, "x"], "b": {"c": null, "d": true}})
                );
            },
        },
        Case {
            type_name: "text",
            file: "t.txt",
            payload: Payload::Text("line one\nligne deux ü\n".into()),
            check: |payload| {
                assert_eq!(String::from_payload(payload).unwrap(), "line one\nligne deux ü\n");
            },
        },
        Case {
            type_name: "binary",
            file: "t.bin",
            payload: Payload::Bytes((0u8..=255).collect::<Vec<u8>>().into()),
            check: |payload| {
                assert_eq!(
                    Vec::<u8>::from_payload(payload).unwrap(),
                    (0u8..=255).collect::<Vec<u8>>()
                );
            },
        },
        Case {
            type_name: "artefact",
            file: "model.bin",
            payload: Artefact::new(Model { weights: vec![0.25, -1.0], label: "m".into() })
                .into_payload(),
            check: |payload| {
                let model = Artefact::<Model>::from_payload(payload).unwrap();
                assert_eq!(*model, Model { weights: vec![0.25, -1.0], label: "m".into() });
            },
        },
    ]
}

/// Saves and loads every format under `base` (a URL ending in `/`); with `has_metadata`, also
/// checks `exists` and the stamp (object metadata, a `HEAD` request).
fn round_trip_every_format(base: &str, credentials: Option<&Value>, has_metadata: bool) {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), V1);
    for case in cases() {
        let filepath = format!("{base}{}", case.file);
        let mut options = json!({"filepath": filepath});
        if case.type_name == "lazy" {
            options["file_format"] = json!("parquet");
        }
        let dataset = build(&spec(case.type_name, case.type_name, options, credentials), &ctx);
        if has_metadata {
            assert!(!dataset.exists().unwrap(), "{filepath} exists before the save");
        }
        dataset.save(case.payload).unwrap_or_else(|error| panic!("{filepath}: {error}"));
        (case.check)(dataset.load().unwrap_or_else(|error| panic!("{filepath}: {error}")));
        if has_metadata {
            assert!(dataset.exists().unwrap(), "{filepath}");
            let stamp = dataset.stamp().unwrap().expect("a saved file has a stamp");
            assert_eq!(stamp.path.to_string_lossy(), filepath);
            assert!(stamp.len > 0);
        }
    }
    // Nothing was written locally.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn every_format_round_trips_through_memory() {
    round_trip_every_format(&format!("memory://round-trip-{}/", std::process::id()), None, true);
}

#[test]
fn every_format_round_trips_through_s3() {
    let Some(endpoint) = service("WEIR_TEST_S3_ENDPOINT") else { return };
    let bucket = bucket_name("formats");
    create_s3_bucket(&endpoint, &bucket);
    round_trip_every_format(
        &format!("s3://{bucket}/data/"),
        Some(&s3_credentials(&endpoint)),
        true,
    );

    let keys = s3_keys(&endpoint, &bucket);
    let expected: Vec<String> = cases().iter().map(|case| format!("data/{}", case.file)).collect();
    let mut expected = expected;
    expected.sort();
    assert_eq!(keys, expected);
}

#[test]
fn every_format_round_trips_through_azure() {
    let Some(endpoint) = service("WEIR_TEST_AZURE_ENDPOINT") else { return };
    let container = bucket_name("formats");
    create_azure_container(&endpoint, &container);
    round_trip_every_format(
        &format!("az://{container}/data/"),
        Some(&azure_credentials(&endpoint)),
        true,
    );

    let mut expected: Vec<String> =
        cases().iter().map(|case| format!("data/{}", case.file)).collect();
    expected.sort();
    assert_eq!(azure_blob_names(&endpoint, &container), expected);
}

/// Every format written locally by weir, uploaded with the GCS JSON API, then loaded back
/// from `gs://` (see the module docs for why saves to GCS are not covered).
#[test]
fn every_format_loads_from_gcs() {
    let Some(endpoint) = service("WEIR_TEST_GCS_ENDPOINT") else { return };
    let bucket = bucket_name("formats");
    create_gcs_bucket(&endpoint, &bucket);
    let credentials = gcs_credentials(&endpoint);
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), V1);

    for case in cases() {
        let mut local = json!({"filepath": case.file});
        let mut remote = json!({"filepath": format!("gs://{bucket}/data/{}", case.file)});
        if case.type_name == "lazy" {
            local["file_format"] = json!("parquet");
            remote["file_format"] = json!("parquet");
        }
        build(&spec(case.type_name, case.type_name, local, None), &ctx).save(case.payload).unwrap();
        let dataset =
            build(&spec(case.type_name, case.type_name, remote, Some(&credentials)), &ctx);
        assert!(!dataset.exists().unwrap(), "{} exists before the upload", case.file);

        let file = dir.path().join(case.file);
        upload_to_gcs(&endpoint, &bucket, &format!("data/{}", case.file), &file);
        assert!(dataset.exists().unwrap(), "{}", case.file);
        let stamp = dataset.stamp().unwrap().expect("an uploaded object has a stamp");
        assert_eq!(stamp.len, std::fs::metadata(&file).unwrap().len(), "{}", case.file);
        (case.check)(dataset.load().unwrap_or_else(|error| panic!("{}: {error}", case.file)));
    }
}

#[test]
fn versions_and_partitions_are_listed_on_gcs() {
    let Some(endpoint) = service("WEIR_TEST_GCS_ENDPOINT") else { return };
    let bucket = bucket_name("listings");
    create_gcs_bucket(&endpoint, &bucket);
    let credentials = gcs_credentials(&endpoint);
    let dir = tempfile::tempdir().unwrap();

    // Two versions in Kedro's layout, <filepath>/<version>/<file name>.
    for (version, value) in [(V1, 1i64), (V2, 2)] {
        let file = dir.path().join(format!("scores-{value}.csv"));
        std::fs::write(&file, format!("v\n{value}\n")).unwrap();
        upload_to_gcs(
            &endpoint,
            &bucket,
            &format!("models/scores.csv/{version}/scores.csv"),
            &file,
        );
    }
    let options =
        json!({"filepath": format!("gs://{bucket}/models/scores.csv"), "versioned": true});
    let entry = spec("scores", "pandas.CSVDataset", options, Some(&credentials));
    let latest = build(&entry, &context(dir.path(), "2024-02-01T00.00.00.000Z"));
    assert_eq!(latest.versions().unwrap(), vec![V1, V2]);
    let frame = DataFrame::from_payload(latest.load().unwrap()).unwrap();
    assert!(frame.equals(&df!("v" => [2i64]).unwrap()), "{frame}");
    let mut pinned_ctx = context(dir.path(), "2024-02-01T00.00.00.000Z");
    pinned_ctx.load_versions.insert("scores".into(), V1.into());
    let old = DataFrame::from_payload(build(&entry, &pinned_ctx).load().unwrap()).unwrap();
    assert!(old.equals(&df!("v" => [1i64]).unwrap()), "{old}");

    // A partitioned folder: every object under the path, loaded one partition at a time.
    for (id, rows) in
        [("2024-01-01", "x\n1\n"), ("2024-01-02", "x\n2\n3\n"), ("eu/2024-01-03", "x\n4\n")]
    {
        let file = dir.path().join("partition.csv");
        std::fs::write(&file, rows).unwrap();
        upload_to_gcs(&endpoint, &bucket, &format!("daily/{id}.csv"), &file);
    }
    let options = json!({"path": format!("gs://{bucket}/daily"), "dataset": {"type": "pandas.CSVDataset"}, "filename_suffix": ".csv"});
    let daily = build(
        &spec("daily", "partitions.PartitionedDataset", options, Some(&credentials)),
        &context(dir.path(), V1),
    );
    let loaded = Partitions::from_payload(daily.load().unwrap()).unwrap();
    assert_eq!(loaded.ids().collect::<Vec<_>>(), vec!["2024-01-01", "2024-01-02", "eu/2024-01-03"]);
    let second: DataFrame = loaded.load("2024-01-02").unwrap();
    assert!(second.equals(&df!("x" => [2i64, 3]).unwrap()), "{second}");
}

#[test]
fn big_files_upload_in_parts_to_s3() {
    let Some(endpoint) = service("WEIR_TEST_S3_ENDPOINT") else { return };
    let bucket = bucket_name("multipart");
    create_s3_bucket(&endpoint, &bucket);
    let dir = tempfile::tempdir().unwrap();
    let credentials = s3_credentials(&endpoint);
    // 20 MiB, over the 16 MiB single-PUT limit: goes up as a multipart upload.
    let bytes: Vec<u8> =
        (0..20 * 1024 * 1024).map(|i: u32| u8::try_from(i % 253).unwrap()).collect();
    let filepath = format!("s3://{bucket}/big.bin");
    let dataset = build(
        &spec("big", "binary", json!({"filepath": filepath}), Some(&credentials)),
        &context(dir.path(), V1),
    );
    dataset.save(Payload::Bytes(bytes.clone().into())).unwrap();
    assert_eq!(Vec::<u8>::from_payload(dataset.load().unwrap()).unwrap(), bytes);
}

/// Saves two versions of `<base>models/scores.csv`, checks the stored names with `names` (the
/// store's own client) and loads the latest and a pinned version back.
fn versions_round_trip(base: &str, credentials: &Value, names: &dyn Fn() -> Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let filepath = format!("{base}models/scores.csv");
    let options = json!({"filepath": filepath, "versioned": true});
    let entry = spec("scores", "pandas.CSVDataset", options, Some(credentials));

    let first = build(&entry, &context(dir.path(), V1));
    let error = first.load().unwrap_err();
    assert!(error.to_string().contains("no version has been saved yet"), "{error}");
    first.save(Payload::Frame(df!("v" => [1i64]).unwrap())).unwrap();
    let second = build(&entry, &context(dir.path(), V2));
    second.save(Payload::Frame(df!("v" => [2i64]).unwrap())).unwrap();

    // Kedro's layout: <filepath>/<version>/<file name>.
    assert_eq!(
        names(),
        vec![
            format!("models/scores.csv/{V1}/scores.csv"),
            format!("models/scores.csv/{V2}/scores.csv")
        ]
    );
    assert_eq!(second.versions().unwrap(), vec![V1, V2]);
    let latest = DataFrame::from_payload(second.load().unwrap()).unwrap();
    assert!(latest.equals(&df!("v" => [2i64]).unwrap()), "{latest}");
    let stamp = second.stamp().unwrap().unwrap();
    assert_eq!(stamp.version.as_deref(), Some(V2));
    assert_eq!(stamp.path.to_string_lossy(), format!("{filepath}/{V2}/scores.csv"));

    let mut pinned_ctx = context(dir.path(), "2024-02-01T00.00.00.000Z");
    pinned_ctx.load_versions.insert("scores".into(), V1.into());
    let pinned = build(&entry, &pinned_ctx);
    let old = DataFrame::from_payload(pinned.load().unwrap()).unwrap();
    assert!(old.equals(&df!("v" => [1i64]).unwrap()), "{old}");

    let again = second.save(Payload::Frame(df!("v" => [3i64]).unwrap())).unwrap_err();
    assert!(again.to_string().contains(&format!("version `{V2}` already exists")), "{again}");
}

#[test]
fn versions_on_s3_keep_every_save_and_load_the_latest_or_the_pinned_one() {
    let Some(endpoint) = service("WEIR_TEST_S3_ENDPOINT") else { return };
    let bucket = bucket_name("versions");
    create_s3_bucket(&endpoint, &bucket);
    let names = || s3_keys(&endpoint, &bucket);
    versions_round_trip(&format!("s3://{bucket}/"), &s3_credentials(&endpoint), &names);
}

#[test]
fn versions_on_azure_keep_every_save_and_load_the_latest_or_the_pinned_one() {
    let Some(endpoint) = service("WEIR_TEST_AZURE_ENDPOINT") else { return };
    let container = bucket_name("versions");
    create_azure_container(&endpoint, &container);
    let names = || azure_blob_names(&endpoint, &container);
    versions_round_trip(&format!("az://{container}/"), &azure_credentials(&endpoint), &names);
}

#[test]
fn a_missing_object_names_the_dataset_and_url_but_no_credentials() {
    let Some(endpoint) = service("WEIR_TEST_S3_ENDPOINT") else { return };
    let bucket = bucket_name("missing");
    create_s3_bucket(&endpoint, &bucket);
    let dir = tempfile::tempdir().unwrap();
    let credentials = json!({"aws_access_key_id": "AKIAMISSINGTEST", "aws_secret_access_key": SECRET, "endpoint_url": endpoint});
    let filepath = format!("s3://{bucket}/raw/absent.csv");
    let dataset = build(
        &spec("absent", "csv", json!({"filepath": filepath}), Some(&credentials)),
        &context(dir.path(), V1),
    );

    assert!(!dataset.exists().unwrap());
    let error = dataset.load().unwrap_err();
    let text = format!("{error} {error:?} {}", error.hint().unwrap_or_default());
    assert!(
        error.to_string().starts_with(&format!(
            "cannot load dataset `absent` (weir.CSVDataset at `{filepath}`)"
        )),
        "{text}"
    );
    assert!(text.contains(&format!("no object at `{filepath}`")), "{text}");
    assert!(text.contains("run the pipeline that produces `absent`"), "{text}");
    assert!(!text.contains(SECRET) && !text.contains("AKIAMISSINGTEST"), "{text}");
}

/// A fake S3 endpoint on 127.0.0.1 that answers every request with 403 and, like real S3's
/// `SignatureDoesNotMatch`, quotes what it was sent: the access key id in the body.
fn refusing_s3_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 16384];
            let read = stream.read(&mut request).unwrap_or(0);
            let head = String::from_utf8_lossy(&request[..read]).into_owned();
            let body = format!(
                "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request \
                 signature we calculated does not match the signature you provided.</Message>\
                 <AWSAccessKeyId>AKIAWRONGKEYTEST</AWSAccessKeyId><StringToSign>{}</StringToSign></Error>",
                head.lines().next().unwrap_or_default()
            );
            let response = format!(
                "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{address}")
}

#[test]
fn wrong_credentials_give_a_clear_error_without_the_secret() {
    let endpoint = refusing_s3_server();
    let dir = tempfile::tempdir().unwrap();
    let credentials =
        json!({"key": "AKIAWRONGKEYTEST", "secret": SECRET, "endpoint_url": endpoint});
    let filepath = "s3://locked/raw/data.json";
    let dataset = build(
        &spec("locked", "json", json!({"filepath": filepath}), Some(&credentials)),
        &context(dir.path(), V1),
    );

    let load = dataset.load().unwrap_err();
    let save = dataset.save(Payload::Structured(json!({"a": 1}))).unwrap_err();
    for error in [load, save] {
        let text = format!("{error} {error:?} {}", error.hint().unwrap_or_default());
        assert!(text.contains("`locked`") && text.contains(filepath), "{text}");
        assert!(
            text.contains("403")
                || text.contains("Forbidden")
                || text.contains("SignatureDoesNotMatch"),
            "{text}"
        );
        assert!(!text.contains(SECRET), "the secret leaked: {text}");
        assert!(!text.contains("AKIAWRONGKEYTEST"), "the key id leaked: {text}");
    }
    assert!(!format!("{dataset:?}").contains(SECRET));
}

#[test]
fn an_unknown_credentials_key_names_the_key_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let credentials =
        json!({"key": "AKIA", "secrte": SECRET, "endpoint_url": "http://127.0.0.1:9"});
    let error = DatasetRegistry::with_builtins()
        .build(
            &spec("trips", "csv", json!({"filepath": "s3://b/t.csv"}), Some(&credentials)),
            &context(dir.path(), V1),
        )
        .unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(matches!(error, CatalogError::InvalidEntry { .. }), "{text}");
    assert!(text.contains("`trips`") && text.contains("`secrte`"), "{text}");
    assert_eq!(error.hint().as_deref(), Some("did you mean `secret`?"));
    assert!(!text.contains(SECRET), "{text}");
}

#[test]
fn azure_urls_and_credentials_are_understood() {
    // Every Azure spelling of a URL and of credentials builds, and none shows its secret.
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), V1);
    let entries = [
        (
            "abfss://raw@acct.dfs.core.windows.net/x/t.csv",
            json!({"account_key": "a2V5LWtleS1rZXk="}),
        ),
        ("az://raw/x/t.csv", json!({"account_name": "acct", "sas_token": "sv=2024&sig=c2VjcmV0"})),
        (
            "abfs://raw/x/t.csv",
            json!({"connection_string": "AccountName=acct;AccountKey=a2V5LWtleS1rZXk="}),
        ),
        (
            "az://raw/x/t.csv",
            json!({"account_name": "acct", "tenant_id": "t", "client_id": "c", "client_secret": SECRET}),
        ),
    ];
    for (filepath, credentials) in entries {
        let dataset =
            build(&spec("sales", "csv", json!({"filepath": filepath}), Some(&credentials)), &ctx);
        assert_eq!(dataset.location().as_deref(), Some(filepath));
        assert!(!format!("{dataset:?}").contains(SECRET));
    }
}

fn partition_frames() -> Partitions {
    Partitions::from_iter([
        ("2024-01-01", df!("x" => [1i64]).unwrap()),
        ("2024-01-02", df!("x" => [2i64, 3]).unwrap()),
        ("eu/2024-01-03", df!("x" => [4i64]).unwrap()),
    ])
}

/// Saves three partitions under `path`, loads them back lazily and checks the ids and data.
fn partitioned_round_trip(path: &str, credentials: Option<&Value>) {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), V1);
    let options =
        json!({"path": path, "dataset": {"type": "pandas.CSVDataset"}, "filename_suffix": ".csv"});
    let dataset =
        build(&spec("daily", "partitions.PartitionedDataset", options, credentials), &ctx);
    dataset.save(partition_frames().into_payload()).unwrap();

    let loaded = Partitions::from_payload(dataset.load().unwrap()).unwrap();
    assert_eq!(loaded.ids().collect::<Vec<_>>(), vec!["2024-01-01", "2024-01-02", "eu/2024-01-03"]);
    let total: usize = loaded.iter::<DataFrame>().map(|(_, frame)| frame.unwrap().height()).sum();
    assert_eq!(total, 4);
    let second: DataFrame = loaded.load("2024-01-02").unwrap();
    assert!(second.equals(&df!("x" => [2i64, 3]).unwrap()), "{second}");
}

#[test]
fn partitioned_folders_round_trip_locally_and_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    partitioned_round_trip(dir.path().join("daily").to_str().unwrap(), None);
    partitioned_round_trip(&format!("memory://partitions-{}/daily", std::process::id()), None);
}

#[test]
fn partitioned_folders_round_trip_on_s3() {
    let Some(endpoint) = service("WEIR_TEST_S3_ENDPOINT") else { return };
    let bucket = bucket_name("partitions");
    create_s3_bucket(&endpoint, &bucket);
    partitioned_round_trip(&format!("s3://{bucket}/daily"), Some(&s3_credentials(&endpoint)));
    assert_eq!(
        s3_keys(&endpoint, &bucket),
        vec!["daily/2024-01-01.csv", "daily/2024-01-02.csv", "daily/eu/2024-01-03.csv"]
    );
}

/// Kedro's incremental behaviour: only partitions after the checkpoint load, and the checkpoint
/// (`<path>/CHECKPOINT`, the last id) is written only on confirmation.
fn incremental_checkpoints(path: &str, credentials: Option<&Value>) {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), V1);
    let writer = build(
        &spec(
            "events",
            "partitioned",
            json!({"path": path, "dataset": "text", "filename_suffix": ".txt"}),
            credentials,
        ),
        &ctx,
    );
    writer
        .save(
            Partitions::from_iter([("e1", "one".to_owned()), ("e2", "two".to_owned())])
                .into_payload(),
        )
        .unwrap();

    let entry = spec(
        "events",
        "partitions.IncrementalDataset",
        json!({"path": path, "dataset": "text", "filename_suffix": ".txt"}),
        credentials,
    );
    let ids = |dataset: &Arc<dyn Dataset>| -> Vec<String> {
        Partitions::from_payload(dataset.load().unwrap())
            .unwrap()
            .ids()
            .map(str::to_owned)
            .collect()
    };

    let first = build(&entry, &ctx);
    assert_eq!(ids(&first), vec!["e1", "e2"]);
    // A run that failed never confirms: the next run sees the same partitions.
    let retried = build(&entry, &ctx);
    assert_eq!(ids(&retried), vec!["e1", "e2"]);
    retried.release();

    writer.save(Partitions::from_iter([("e3", "three".to_owned())]).into_payload()).unwrap();
    let next = build(&entry, &ctx);
    let loaded = Partitions::from_payload(next.load().unwrap()).unwrap();
    assert_eq!(loaded.ids().collect::<Vec<_>>(), vec!["e3"]);
    assert_eq!(loaded.load::<String>("e3").unwrap(), "three");
    next.release();

    let checkpoint = build(
        &spec("checkpoint", "text", json!({"filepath": format!("{path}/CHECKPOINT")}), credentials),
        &ctx,
    );
    assert_eq!(String::from_payload(checkpoint.load().unwrap()).unwrap(), "e3");
    assert!(!build(&entry, &ctx).exists().unwrap());
}

#[test]
fn incremental_checkpoints_locally() {
    let dir = tempfile::tempdir().unwrap();
    incremental_checkpoints(dir.path().join("events").to_str().unwrap(), None);
}

#[test]
fn incremental_checkpoints_on_s3() {
    let Some(endpoint) = service("WEIR_TEST_S3_ENDPOINT") else { return };
    let bucket = bucket_name("incremental");
    create_s3_bucket(&endpoint, &bucket);
    incremental_checkpoints(&format!("s3://{bucket}/events"), Some(&s3_credentials(&endpoint)));
}

#[test]
fn loads_from_inside_a_tokio_runtime_work() {
    // weir-server runs pipelines from `spawn_blocking` inside its runtime.
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), V1);
    let filepath = format!("memory://nested-{}/t.json", std::process::id());
    let dataset = build(&spec("nested", "json", json!({"filepath": filepath}), None), &ctx);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let loaded = runtime.block_on(async move {
        tokio::task::spawn_blocking(move || {
            dataset.save(Payload::Structured(json!([1, 2]))).unwrap();
            dataset.load().unwrap()
        })
        .await
        .unwrap()
    });
    assert_eq!(loaded.to_structured().unwrap(), json!([1, 2]));
}

#[test]
fn partitioned_folders_round_trip_on_azure() {
    let Some(endpoint) = service("WEIR_TEST_AZURE_ENDPOINT") else { return };
    let container = bucket_name("partitions");
    create_azure_container(&endpoint, &container);
    partitioned_round_trip(&format!("az://{container}/daily"), Some(&azure_credentials(&endpoint)));
    assert_eq!(
        azure_blob_names(&endpoint, &container),
        vec!["daily/2024-01-01.csv", "daily/2024-01-02.csv", "daily/eu/2024-01-03.csv"]
    );
}
