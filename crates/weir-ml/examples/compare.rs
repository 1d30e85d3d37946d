//! Trains weir-ml's logistic regression and random forest on the table written by
//! `scripts/compare_sklearn.py` and prints, as one JSON object per model, the fit time, the time
//! to predict the first 38,000 test rows, accuracy, macro F1 and ROC AUC on the test rows.
//!
//! Usage: `cargo run --release -p weir-ml --example compare -- <data.csv> [threads]`. The CSV has
//! the feature columns, the 0/1 label `diabetes` and a 0/1 column `is_train` for the split.
//!
//! Limitations: a benchmark driver, not a library; errors end the program with a message.

#![allow(clippy::print_stdout, reason = "the example reports on standard output")]

use std::error::Error;
use std::time::Instant;

use polars::prelude::{CsvReadOptions, DataFrame, IntoLazy, SerReader, col, lit};
use weir_ml::Matrix;
use weir_ml::ensemble::{RandomForestClassifier, RandomForestClassifierParams};
use weir_ml::linear::{LogisticRegression, LogisticRegressionParams};
use weir_ml::matrix::column_names;
use weir_ml::metrics::{Average, accuracy, f1_score, roc_auc_score};
use weir_ml::preprocessing::StandardScaler;

/// Rows predicted for the timing, as in the course's test set.
const PREDICT_ROWS: usize = 38_000;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: compare <data.csv> [threads]")?;
    let threads: usize = args.next().map_or(Ok(2), |t| t.parse())?;

    let table =
        CsvReadOptions::default().try_into_reader_with_file_path(Some(path.into()))?.finish()?;
    let train = table.clone().lazy().filter(col("is_train").eq(lit(1))).collect()?;
    let test = table.lazy().filter(col("is_train").eq(lit(0))).collect()?;
    let features: Vec<String> = column_names(&train)
        .into_iter()
        .filter(|name| name != "diabetes" && name != "is_train")
        .collect();
    let y_train = labels(&train)?;
    let y_test = labels(&test)?;

    logistic(&train, &test, &features, &y_train, &y_test)?;
    forest(&train, &test, &features, &y_train, &y_test, threads)?;
    Ok(())
}

fn labels(df: &DataFrame) -> Result<Vec<usize>, Box<dyn Error>> {
    let column = df.column("diabetes")?.cast(&polars::prelude::DataType::UInt32)?;
    Ok(column.u32()?.into_no_null_iter().map(|v| v as usize).collect())
}

fn report(
    model: &str,
    fit: f64,
    predict: f64,
    y_test: &[usize],
    proba: &Matrix,
) -> Result<(), Box<dyn Error>> {
    let positive = proba.column(1);
    let predicted: Vec<usize> = positive.iter().map(|p| usize::from(*p > 0.5)).collect();
    let line = serde_json::json!({
        "model": model,
        "fit_seconds": fit,
        "predict_seconds": predict,
        "accuracy": accuracy(y_test, &predicted)?,
        "macro_f1": f1_score(y_test, &predicted, &Average::Macro)?,
        "roc_auc": roc_auc_score(y_test, &positive)?,
    });
    println!("{line}");
    Ok(())
}

fn first_rows(x: &Matrix, n: usize) -> Result<Matrix, Box<dyn Error>> {
    let n = n.min(x.n_rows());
    Ok(Matrix::from_vec(n, x.n_cols(), x.as_slice()[..n * x.n_cols()].to_vec())?)
}

fn logistic(
    train: &DataFrame,
    test: &DataFrame,
    features: &[String],
    y_train: &[usize],
    y_test: &[usize],
) -> Result<(), Box<dyn Error>> {
    let start = Instant::now();
    let scaler = StandardScaler::fit(train, features)?;
    let x_train = scaler.transform_matrix(&Matrix::from_columns(train, features)?)?;
    let params = LogisticRegressionParams { max_iter: 1000, ..Default::default() };
    let model = LogisticRegression::new(params).fit(&x_train, y_train)?;
    let fit = start.elapsed().as_secs_f64();

    let x_test = scaler.transform_matrix(&Matrix::from_columns(test, features)?)?;
    let subset = first_rows(&x_test, PREDICT_ROWS)?;
    let start = Instant::now();
    model.predict_proba(&subset)?;
    let predict = start.elapsed().as_secs_f64();

    report("LogisticRegression", fit, predict, y_test, &model.predict_proba(&x_test)?)
}

fn forest(
    train: &DataFrame,
    test: &DataFrame,
    features: &[String],
    y_train: &[usize],
    y_test: &[usize],
    threads: usize,
) -> Result<(), Box<dyn Error>> {
    let x_train = Matrix::from_columns(train, features)?;
    let params = RandomForestClassifierParams {
        n_estimators: 100,
        n_jobs: Some(threads),
        ..Default::default()
    };
    let start = Instant::now();
    let model = RandomForestClassifier::new(params).fit(&x_train, y_train)?;
    let fit = start.elapsed().as_secs_f64();

    let x_test = Matrix::from_columns(test, features)?;
    let subset = first_rows(&x_test, PREDICT_ROWS)?;
    let start = Instant::now();
    model.predict_proba(&subset)?;
    let predict = start.elapsed().as_secs_f64();

    report("RandomForestClassifier", fit, predict, y_test, &model.predict_proba(&x_test)?)
}
