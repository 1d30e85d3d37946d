//! Trains weir-ml's logistic regression, random forest and histogram gradient boosting on the
//! tables written by `scripts/compare_sklearn.py` and prints, as one JSON object per model and
//! table, the fit time, the time to predict the first 38,000 test rows, accuracy, macro F1 and
//! (for two classes) ROC AUC on the test rows.
//!
//! Usage: `cargo run --release -p weir-ml --example compare -- <data.csv> [threads] [iris.csv]`.
//! Each CSV has the feature columns, the integer label `label` and a 0/1 column `is_train`
//! for the split.
//!
//! Limitations: a benchmark driver, not a library; errors end the program with a message.

#![allow(clippy::print_stdout, reason = "the example reports on standard output")]

use std::error::Error;
use std::time::Instant;

use polars::prelude::{CsvReadOptions, DataFrame, DataType, IntoLazy, SerReader, col, lit};
use weir_ml::Matrix;
use weir_ml::boosting::{HistGradientBoostingClassifier, HistGradientBoostingClassifierParams};
use weir_ml::ensemble::{RandomForestClassifier, RandomForestClassifierParams};
use weir_ml::linear::{LogisticRegression, LogisticRegressionParams};
use weir_ml::matrix::column_names;
use weir_ml::metrics::{Average, accuracy, f1_score, roc_auc_score};
use weir_ml::preprocessing::StandardScaler;

/// Rows predicted for the timing, as in the course's test set.
const PREDICT_ROWS: usize = 38_000;

/// One table split into train and test rows.
struct Task {
    name: &'static str,
    x_train: Matrix,
    x_test: Matrix,
    y_train: Vec<usize>,
    y_test: Vec<usize>,
    threads: usize,
}

/// What a fitted model is asked for.
type Predict = Box<dyn Fn(&Matrix) -> Result<Matrix, weir_ml::MlError>>;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: compare <data.csv> [threads] [iris.csv]")?;
    let threads: usize = args.next().map_or(Ok(2), |t| t.parse())?;
    let iris = args.next();

    let task = read_task("diabetes_like", &path, threads)?;
    run("LogisticRegression", &task, logistic)?;
    run("RandomForestClassifier", &task, forest)?;
    run("HistGradientBoostingClassifier", &task, boosting)?;

    if let Some(iris) = iris {
        let task = read_task("iris", &iris, threads)?;
        run("LogisticRegression", &task, logistic)?;
        run("RandomForestClassifier", &task, forest)?;
    }
    Ok(())
}

fn read_task(name: &'static str, path: &str, threads: usize) -> Result<Task, Box<dyn Error>> {
    let table =
        CsvReadOptions::default().try_into_reader_with_file_path(Some(path.into()))?.finish()?;
    let train = table.clone().lazy().filter(col("is_train").eq(lit(1))).collect()?;
    let test = table.lazy().filter(col("is_train").eq(lit(0))).collect()?;
    let features: Vec<String> = column_names(&train)
        .into_iter()
        .filter(|name| name != "label" && name != "is_train")
        .collect();
    Ok(Task {
        name,
        x_train: Matrix::from_columns(&train, &features)?,
        x_test: Matrix::from_columns(&test, &features)?,
        y_train: labels(&train)?,
        y_test: labels(&test)?,
        threads,
    })
}

fn labels(df: &DataFrame) -> Result<Vec<usize>, Box<dyn Error>> {
    let column = df.column("label")?.cast(&DataType::UInt32)?;
    Ok(column.u32()?.into_no_null_iter().map(|v| v as usize).collect())
}

/// Fits with `fit`, times a prediction of the first test rows, and prints the scores.
fn run(
    model: &str,
    task: &Task,
    fit: fn(&Task) -> Result<Predict, Box<dyn Error>>,
) -> Result<(), Box<dyn Error>> {
    let start = Instant::now();
    let predict = fit(task)?;
    let fit_seconds = start.elapsed().as_secs_f64();

    let subset = first_rows(&task.x_test, PREDICT_ROWS)?;
    let start = Instant::now();
    predict(&subset)?;
    let predict_seconds = start.elapsed().as_secs_f64();

    let proba = predict(&task.x_test)?;
    let predicted: Vec<usize> = proba.rows().map(argmax).collect();
    let roc_auc = if proba.n_cols() == 2 {
        Some(roc_auc_score(&task.y_test, &proba.column(1))?)
    } else {
        None
    };
    let line = serde_json::json!({
        "table": task.name,
        "model": model,
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "predict_rows": subset.n_rows(),
        "accuracy": accuracy(&task.y_test, &predicted)?,
        "macro_f1": f1_score(&task.y_test, &predicted, &Average::Macro)?,
        "roc_auc": roc_auc,
    });
    println!("{line}");
    Ok(())
}

/// Index of the largest value, the first on a tie (as `predict` does).
fn argmax(row: &[f64]) -> usize {
    (0..row.len()).fold(0, |best, i| if row[i] > row[best] { i } else { best })
}

fn first_rows(x: &Matrix, n: usize) -> Result<Matrix, Box<dyn Error>> {
    let n = n.min(x.n_rows());
    Ok(Matrix::from_vec(n, x.n_cols(), x.as_slice()[..n * x.n_cols()].to_vec())?)
}

/// Standard scaling and `LogisticRegression(max_iter=1000)`, timed together as scikit-learn's
/// pipeline is.
fn logistic(task: &Task) -> Result<Predict, Box<dyn Error>> {
    let names: Vec<String> = (0..task.x_train.n_cols()).map(|j| format!("x{j}")).collect();
    let train = task.x_train.to_dataframe(&names)?;
    let scaler = StandardScaler::fit(&train, &names)?;
    let params = LogisticRegressionParams { max_iter: 1000, ..Default::default() };
    let model = LogisticRegression::new(params)
        .fit(&scaler.transform_matrix(&task.x_train)?, &task.y_train)?;
    Ok(Box::new(move |x| model.predict_proba(&scaler.transform_matrix(x)?)))
}

fn forest(task: &Task) -> Result<Predict, Box<dyn Error>> {
    let params = RandomForestClassifierParams {
        n_estimators: 100,
        n_jobs: Some(task.threads),
        ..Default::default()
    };
    let model = RandomForestClassifier::new(params).fit(&task.x_train, &task.y_train)?;
    Ok(Box::new(move |x| model.predict_proba(x)))
}

fn boosting(task: &Task) -> Result<Predict, Box<dyn Error>> {
    let params =
        HistGradientBoostingClassifierParams { n_jobs: Some(task.threads), ..Default::default() };
    let model = HistGradientBoostingClassifier::new(params).fit(&task.x_train, &task.y_train)?;
    Ok(Box::new(move |x| model.predict_proba(x)))
}
