"""Compare weir-ml with scikit-learn on a 250,000-row table shaped like the course's diabetes data.

The table (seeded numpy) has 14 boolean columns, a BMI-like float with one decimal, and six
small-integer survey codes; the label has about 30 % positives and depends on the features
through a noisy logistic model. It is written as CSV to a temporary directory with an
``is_train`` column marking a fixed 200k / 50k split. scikit-learn trains a scaled
LogisticRegression(max_iter=1000), RandomForestClassifier(n_estimators=100, n_jobs=2) and
HistGradientBoostingClassifier(early_stopping=False) (weir has no early stopping; every other
parameter is the default on both sides), all limited to 2 threads with threadpoolctl; then the
Rust example ``crates/weir-ml/examples/compare.rs`` trains weir-ml's models on the same CSV and
split with 2 threads. Both sides time the fit and a prediction of 38,000 test rows, and score
accuracy, macro F1 and ROC AUC on all 50k test rows. Iris (scikit-learn's copy, a fixed
stratified 120 / 30 split) adds logistic regression and random forest scores.

    CARGO_TARGET_DIR=/work/target-bench /tmp/skl-venv/bin/python \
        crates/weir-ml/scripts/compare_sklearn.py [--skip-rust]

Run it on an idle machine: the Rust side builds weir-ml in release mode first, and the timings
of both sides are wall-clock seconds on the same cores.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

N_ROWS, N_TRAIN, PREDICT_ROWS, THREADS = 250_000, 200_000, 38_000, 2
WORKSPACE = Path(__file__).resolve().parents[3]
BOOLEANS = [
    "HighBP", "HighChol", "CholCheck", "Smoker", "Stroke", "HeartDiseaseorAttack",
    "PhysActivity", "Fruits", "Veggies", "HvyAlcoholConsump", "AnyHealthcare",
    "NoDocbcCost", "DiffWalk", "Sex",
]


def make_table(seed=42):
    rng = np.random.default_rng(seed)
    n = N_ROWS
    age = rng.integers(1, 14, n)
    columns = {}
    rates = [0.43, 0.42, 0.96, 0.44, 0.04, 0.09, 0.76, 0.63, 0.81, 0.06, 0.95, 0.08, 0.17, 0.44]
    for name, rate in zip(BOOLEANS, rates):
        # Older respondents report more conditions, so the booleans correlate with age.
        shift = 0.02 * (age - 7) if name in {"HighBP", "HighChol", "DiffWalk", "Stroke"} else 0.0
        columns[name] = (rng.uniform(size=n) < np.clip(rate + shift, 0.01, 0.99)).astype(np.int64)
    columns["BMI"] = np.round(np.clip(rng.normal(28.4, 6.6, n), 12.0, 98.0), 1)
    columns["GenHlth"] = np.clip(np.round(rng.normal(2.5, 1.0, n) + 0.5 * columns["DiffWalk"]), 1, 5).astype(np.int64)
    columns["MentHlth"] = np.where(rng.uniform(size=n) < 0.7, 0, rng.integers(1, 31, n))
    columns["PhysHlth"] = np.where(rng.uniform(size=n) < 0.65, 0, rng.integers(1, 31, n))
    columns["Age"] = age
    columns["Education"] = rng.integers(1, 7, n)
    columns["Income"] = np.clip(rng.integers(1, 9, n) - columns["DiffWalk"], 1, 8)

    logit = (
        -3.1
        + 0.75 * columns["HighBP"] + 0.55 * columns["HighChol"] + 0.6 * columns["CholCheck"]
        + 0.07 * (columns["BMI"] - 28) + 0.45 * (columns["GenHlth"] - 2.5)
        + 0.13 * (age - 7) + 0.3 * columns["HeartDiseaseorAttack"] + 0.25 * columns["DiffWalk"]
        - 0.06 * (columns["Income"] - 4.5) + 0.2 * columns["Sex"] - 0.5 * columns["HvyAlcoholConsump"]
        + 0.01 * columns["PhysHlth"] - 0.04 * columns["Education"]
        + 0.3 * columns["HighBP"] * (columns["BMI"] > 33)  # a little interaction for the trees
    )
    label = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    is_train = np.zeros(n, dtype=np.int64)
    is_train[rng.permutation(n)[:N_TRAIN]] = 1
    return columns, label, is_train


def write_csv(path, columns, label, is_train):
    names = list(columns) + ["label", "is_train"]
    data = np.column_stack([columns[c] for c in columns] + [label, is_train])
    formats = ["%d"] * len(BOOLEANS) + ["%.1f"] + ["%d"] * (len(names) - len(BOOLEANS) - 1)
    np.savetxt(path, data, delimiter=",", header=",".join(names), comments="", fmt=formats)


def scores(model, fit_seconds, x_test, y_test):
    start = time.perf_counter()
    model.predict_proba(x_test[:PREDICT_ROWS])
    predict_seconds = time.perf_counter() - start
    proba = model.predict_proba(x_test)
    predicted = proba.argmax(axis=1)
    return {
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "accuracy": accuracy_score(y_test, predicted),
        "macro_f1": f1_score(y_test, predicted, average="macro"),
        "roc_auc": roc_auc_score(y_test, proba[:, 1]) if proba.shape[1] == 2 else None,
    }


def models(with_boosting):
    yield "LogisticRegression", make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    yield "RandomForestClassifier", RandomForestClassifier(
        n_estimators=100, n_jobs=THREADS, random_state=0
    )
    if with_boosting:
        yield "HistGradientBoostingClassifier", HistGradientBoostingClassifier(
            early_stopping=False, random_state=0
        )


def sklearn_side(table, x, label, is_train, with_boosting=True):
    train, test = is_train == 1, is_train == 0
    results = {}
    with threadpool_limits(limits=THREADS):
        for name, model in models(with_boosting):
            start = time.perf_counter()
            model.fit(x[train], label[train])
            results[(table, name)] = scores(model, time.perf_counter() - start, x[test], label[test])
    return results


def iris_table():
    data = load_iris()
    rows = np.arange(len(data.target))
    train_rows, _ = train_test_split(rows, test_size=0.2, stratify=data.target, random_state=0)
    is_train = np.zeros(len(rows), dtype=np.int64)
    is_train[train_rows] = 1
    return data.data, data.target, is_train


def write_iris_csv(path, x, label, is_train):
    names = ["sepal_length", "sepal_width", "petal_length", "petal_width", "label", "is_train"]
    data = np.column_stack([x, label, is_train])
    formats = ["%.1f"] * 4 + ["%d", "%d"]
    np.savetxt(path, data, delimiter=",", header=",".join(names), comments="", fmt=formats)


def rust_side(csv_path, iris_path):
    command = [
        "cargo", "run", "--quiet", "--release", "-p", "weir-ml", "--example", "compare", "--",
        str(csv_path), str(THREADS), str(iris_path),
    ]
    output = subprocess.run(command, cwd=WORKSPACE, check=True, capture_output=True, text=True)
    lines = [json.loads(line) for line in output.stdout.splitlines() if line.startswith("{")]
    return {(line.pop("table"), line.pop("model")): line for line in lines}


def ratio(theirs, ours):
    if theirs is None or ours is None or not ours:
        return "-"
    # Times read as "weir takes x times as long"; scores as "weir reaches x times the score".
    return f"{theirs / ours:.3g}x"


def print_table(sklearn_results, weir_results):
    metrics = ["fit_seconds", "predict_seconds", "accuracy", "macro_f1", "roc_auc"]
    print(f"{'table':<14}{'model':<32}{'metric':<17}{'scikit-learn':>13}{'weir-ml':>10}{'weir/skl':>10}")
    for (table, model), ours in sklearn_results.items():
        theirs_all = weir_results.get((table, model), {})
        for metric in metrics:
            if ours[metric] is None:
                continue
            theirs = theirs_all.get(metric)
            shown = "-" if theirs is None else f"{theirs:.4g}"
            print(
                f"{table:<14}{model:<32}{metric:<17}{ours[metric]:>13.4g}{shown:>10}"
                f"{ratio(theirs, ours[metric]):>10}"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-rust", action="store_true", help="only run scikit-learn")
    args = parser.parse_args()

    columns, label, is_train = make_table()
    print(f"positive rate: {label.mean():.3f}", file=sys.stderr)
    x = np.column_stack([columns[c] for c in columns]).astype(np.float64)
    iris_x, iris_y, iris_train = iris_table()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "diabetes_like.csv"
        iris_path = Path(tmp) / "iris.csv"
        write_csv(csv_path, columns, label, is_train)
        write_iris_csv(iris_path, iris_x, iris_y, iris_train)
        sklearn_results = sklearn_side("diabetes_like", x, label, is_train)
        sklearn_results.update(sklearn_side("iris", iris_x, iris_y, iris_train, with_boosting=False))
        weir_results = {} if args.skip_rust else rust_side(csv_path, iris_path)
    print_table(sklearn_results, weir_results)


if __name__ == "__main__":
    main()
