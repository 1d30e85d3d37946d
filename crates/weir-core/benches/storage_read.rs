//! Read throughput of file datasets from an S3-compatible server against local disk, side by
//! side in one run: the same CSV and Parquet files, loaded through `weir.CSVDataset` and
//! `weir.ParquetDataset` (the code a run executes), from a local path and from `s3://`.
//!
//! ```text
//! ./scripts/with-services.sh cargo bench -p weir-core --bench storage_read -- [--rows 2000000] [--repeat 5]
//! ```
//!
//! Needs `WEIR_TEST_S3_ENDPOINT` and `WEIR_TEST_PYTHON` (the script starts moto on 127.0.0.1
//! and sets both; the bucket is created with boto3). Prints one line per load,
//! `<format> <backend> <rep> <seconds> <MB/s>`, then per format the medians and the ratio
//! `s3/local` of the median times.

#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_precision_loss,
    reason = "a benchmark reports on the terminal, with approximate rates"
)]

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

use polars::prelude::{DataFrame, NamedFrom, Series};
use serde_json::{Value, json};
use weir_core::catalog::{DatasetContext, DatasetRegistry, DatasetSpec};
use weir_core::data::Payload;
use weir_core::error::Secret;

fn option(name: &str, default: usize) -> Result<usize, String> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|arg| arg == name) {
        None => Ok(default),
        Some(at) => args
            .get(at + 1)
            .and_then(|value| value.parse().ok())
            .ok_or_else(|| format!("{name} needs a number")),
    }
}

/// A deterministic table: an id, six floats, a category and a label, about 75 bytes a row
/// as CSV.
fn table(rows: usize) -> DataFrame {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let ids: Vec<i64> = (0..rows).map(|row| i64::try_from(row).unwrap_or(i64::MAX)).collect();
    let mut columns = vec![Series::new("id".into(), ids).into()];
    for column in 0..6 {
        let values: Vec<f64> = (0..rows).map(|_| (next() % 1_000_000) as f64 / 1000.0).collect();
        columns.push(Series::new(format!("x{column}").into(), values).into());
    }
    let categories = ["north", "south", "east", "west"];
    let category: Vec<&str> =
        (0..rows).map(|_| categories[usize::try_from(next() % 4).unwrap_or(0)]).collect();
    columns.push(Series::new("region".into(), category).into());
    DataFrame::new_infer_height(columns).expect("the columns have one length")
}

fn create_bucket(endpoint: &str, bucket: &str) -> Result<(), String> {
    let python = std::env::var("WEIR_TEST_PYTHON").map_err(|_| "WEIR_TEST_PYTHON is not set")?;
    let script = "import sys, boto3\n\
        s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='bench',\n\
                          aws_secret_access_key='bench', region_name='us-east-1')\n\
        s3.create_bucket(Bucket=sys.argv[2])\n";
    let status = Command::new(python)
        .args(["-c", script, endpoint, bucket])
        .status()
        .map_err(|error| error.to_string())?;
    if status.success() { Ok(()) } else { Err("cannot create the bucket".to_owned()) }
}

fn dataset(
    type_name: &str,
    filepath: &str,
    endpoint: Option<&str>,
    root: &Path,
) -> Result<std::sync::Arc<dyn weir_core::catalog::Dataset>, String> {
    let Value::Object(mut options) = json!({"type": type_name, "filepath": filepath}) else {
        unreachable!("a literal mapping")
    };
    let credentials = endpoint.map(|endpoint| {
        options.insert("credentials".to_owned(), json!("bench"));
        let Value::Object(map) =
            json!({"key": "bench", "secret": "bench", "endpoint_url": endpoint})
        else {
            unreachable!("a literal mapping")
        };
        Secret::new(map)
    });
    let spec = DatasetSpec {
        name: format!("{type_name}_bench"),
        type_name: type_name.to_owned(),
        options,
        credentials,
        source: None,
    };
    let context = DatasetContext {
        project_root: root.to_path_buf(),
        save_version: "2024-01-01T00.00.00.000Z".to_owned(),
        load_versions: std::collections::HashMap::new(),
    };
    DatasetRegistry::with_builtins().build(&spec, &context).map_err(|error| error.to_string())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn run() -> Result<(), String> {
    let rows = option("--rows", 2_000_000)?;
    let repeat = option("--repeat", 5)?.max(1);
    let Ok(endpoint) = std::env::var("WEIR_TEST_S3_ENDPOINT") else {
        return Err("WEIR_TEST_S3_ENDPOINT is not set: run this benchmark through \
                    `./scripts/with-services.sh cargo bench -p weir-core --bench storage_read`"
            .to_owned());
    };
    let bucket = format!("weir-bench-{}", std::process::id());
    create_bucket(&endpoint, &bucket)?;

    let dir = std::env::temp_dir().join(format!("weir-storage-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|error| error.to_string())?;
    let frame = table(rows);

    for (type_name, file) in [("csv", "table.csv"), ("parquet", "table.parquet")] {
        let local = dataset(type_name, file, None, &dir)?;
        let remote_path = format!("s3://{bucket}/{file}");
        let remote = dataset(type_name, &remote_path, Some(&endpoint), &dir)?;
        local.save(Payload::Frame(frame.clone())).map_err(|error| error.to_string())?;
        remote.save(Payload::Frame(frame.clone())).map_err(|error| error.to_string())?;
        let bytes = std::fs::metadata(dir.join(file)).map_err(|error| error.to_string())?.len();
        let megabytes = bytes as f64 / 1e6;
        println!("{type_name}: {rows} rows, {megabytes:.1} MB");

        let mut times = [Vec::new(), Vec::new()];
        for rep in 1..=repeat {
            for (index, (backend, source)) in
                [("local", &local), ("s3", &remote)].iter().enumerate()
            {
                let started = Instant::now();
                let Payload::Frame(loaded) = source.load().map_err(|error| error.to_string())?
                else {
                    return Err("a table dataset loaded something else".to_owned());
                };
                let seconds = started.elapsed().as_secs_f64();
                if loaded.height() != rows {
                    return Err(format!("{backend} loaded {} rows", loaded.height()));
                }
                println!("{type_name} {backend} {rep} {seconds:.3} {:.0}", megabytes / seconds);
                times[index].push(seconds);
            }
        }
        let [local_times, s3_times] = times;
        let (local_median, s3_median) = (median(local_times), median(s3_times));
        println!(
            "{type_name} median: local {local_median:.3} s ({:.0} MB/s), s3 {s3_median:.3} s \
             ({:.0} MB/s), s3/local {:.2}",
            megabytes / local_median,
            megabytes / s3_median,
            s3_median / local_median
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
