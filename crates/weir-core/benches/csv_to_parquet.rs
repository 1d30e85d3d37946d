//! CSV to Parquet through the catalog, exactly the code a `csv -> node -> parquet` run executes
//! (entry parsing, the load, the atomic save):
//!
//! - `--mode eager` (label `weir`): `weir.CSVDataset` loads a `DataFrame`, `weir.ParquetDataset`
//!   saves it;
//! - `--mode lazy` (label `weir-lazy`): `weir.LazyPolarsDataset` entries with `file_format: csv`
//!   and `file_format: parquet`: the load is a query and the save streams it into the file.
//!
//! The comparison with pandas + pyarrow on the same file is driven by
//! `benches/csv_to_parquet/run.sh` at the repository root.
//!
//! ```text
//! cargo bench -p weir-core --bench csv_to_parquet -- --csv FILE --out FOLDER \
//!     [--compression snappy] [--repeat 5] [--mode eager|lazy]
//! ```
//!
//! Prints one line per repetition, `<label> <compression> <rep> load_s save_s total_s`, then
//! the median total as `<label> <compression> median total_s`.

#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark reports on the terminal"
)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use serde_json::{Value, json};
use weir_core::catalog::{DatasetContext, DatasetRegistry, DatasetSpec};

/// What the command line asks for.
struct Options {
    csv: PathBuf,
    out: PathBuf,
    compression: String,
    repeat: usize,
    lazy: bool,
}

fn parse_options() -> Result<Options, String> {
    let mut csv = None;
    let mut out = None;
    let mut compression = "snappy".to_owned();
    let mut repeat = 5;
    let mut lazy = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("`{arg}` needs a value"));
        match arg.as_str() {
            "--csv" => csv = Some(PathBuf::from(value()?)),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--compression" => compression = value()?,
            "--repeat" => {
                repeat = value()?.parse().map_err(|error| format!("`--repeat`: {error}"))?;
            }
            "--mode" => {
                lazy = match value()?.as_str() {
                    "eager" => false,
                    "lazy" => true,
                    other => return Err(format!("`--mode` is `eager` or `lazy`, not `{other}`")),
                };
            }
            // `cargo bench` passes `--bench` to every bench target.
            "--bench" => {}
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let (Some(csv), Some(out)) = (csv, out) else {
        return Err("usage: csv_to_parquet --csv FILE --out FOLDER [--compression C] \
                    [--repeat N] [--mode eager|lazy]"
            .to_owned());
    };
    Ok(Options { csv, out, compression, repeat: repeat.max(1), lazy })
}

fn spec(name: &str, options: Value) -> DatasetSpec {
    let Value::Object(options) = options else { unreachable!("the options are a JSON object") };
    let type_name = options["type"].as_str().unwrap_or_default().to_owned();
    DatasetSpec { name: name.to_owned(), type_name, options, credentials: None, source: None }
}

/// The label printed and the two catalog entries, as a project would write them.
fn entries(options: &Options) -> (&'static str, DatasetSpec, DatasetSpec) {
    let save_args = json!({"compression": options.compression});
    let (label, csv, parquet) = if options.lazy {
        let csv = json!({"type": "lazy", "file_format": "csv", "filepath": options.csv});
        let parquet = json!({
            "type": "lazy", "file_format": "parquet", "filepath": "table.parquet",
            "save_args": save_args,
        });
        ("weir-lazy", csv, parquet)
    } else {
        let csv = json!({"type": "weir.CSVDataset", "filepath": options.csv});
        let parquet = json!({
            "type": "weir.ParquetDataset", "filepath": "table.parquet", "save_args": save_args,
        });
        ("weir", csv, parquet)
    };
    (label, spec("table_csv", csv), spec("table_parquet", parquet))
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let registry = DatasetRegistry::with_builtins();
    let context = DatasetContext {
        project_root: options.out.clone(),
        save_version: "2026-01-01T00.00.00.000Z".to_owned(),
        load_versions: std::collections::HashMap::new(),
    };
    let (label, csv, parquet) = entries(&options);
    let compression = &options.compression;

    let mut totals = Vec::with_capacity(options.repeat);
    for rep in 0..options.repeat {
        let started = Instant::now();
        let result = registry.build(&csv, &context).and_then(|source| {
            let frame = source.load()?;
            let loaded = started.elapsed();
            registry.build(&parquet, &context)?.save(frame)?;
            Ok(loaded)
        });
        let loaded = match result {
            Ok(loaded) => loaded.as_secs_f64(),
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        let total = started.elapsed().as_secs_f64();
        let saved = total - loaded;
        println!("{label} {compression} {rep} {loaded:.3} {saved:.3} {total:.3}");
        totals.push(total);
    }
    totals.sort_by(f64::total_cmp);
    println!("{label} {compression} median {:.3}", totals[totals.len() / 2]);
    ExitCode::SUCCESS
}
