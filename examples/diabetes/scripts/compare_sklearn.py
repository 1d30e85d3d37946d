"""Compare the diabetes project's test macro F1 with scikit-learn's random forest on the same
rows and split.

Run the project first, so that the generated table with its `split` column and weir's report
exist, then this script from the example's folder:

    cd examples/diabetes
    CARGO_TARGET_DIR=/work/target-bench cargo run --release -- run
    /tmp/skl-venv/bin/python scripts/compare_sklearn.py [PROJECT_DIR]

PROJECT_DIR (default: this example's folder) is a project folder that has been run, such as a
copy of the example.

It reads `data/05_model_input/model_input_table.csv`, builds scikit-learn's equivalent of the
project's model from the same files the project reads (the column groups of
`data/01_raw/data_dictionary.csv`; the forest of `conf/base/parameters_training.yml` with
`data/05_model_input/best_params.json` over it), fits it on the `train` rows with two threads,
and prints its macro F1 on the `test` rows beside weir's (the `macro avg` of
`data/08_reporting/classification_report.json`). A forest with scikit-learn's defaults (full
depth, no class weights) is printed too, for reference.

Needs scikit-learn and pandas; the YAML is read by a small parser for the one `classifier`
block, so no YAML library is needed.
"""

import json
import re
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

PROJECT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
TARGET = "Diabetes"
THREADS = 2


def forest_params():
    """The `classifier.params` block of parameters_training.yml, with best_params over it."""
    text = (PROJECT / "conf/base/parameters_training.yml").read_text()
    block = text.split("params:", 1)[1]
    params = {}
    for line in block.splitlines()[1:]:
        match = re.match(r"^ {4}(\w+):\s*(.+?)\s*$", line)
        if not match:
            break
        key, value = match.groups()
        params[key] = parse_scalar(value)
    best = json.loads((PROJECT / "data/05_model_input/best_params.json").read_text())
    params.update(best)
    if isinstance(params.get("random_state"), str):
        # ${globals:seed}: read the seed from globals.yml.
        globals_text = (PROJECT / "conf/base/globals.yml").read_text()
        params["random_state"] = int(re.search(r"^seed:\s*(\d+)", globals_text, re.M).group(1))
    return params


def parse_scalar(value):
    if value in ("null", "~"):
        return None
    if value in ("true", "false"):
        return value == "true"
    try:
        return int(value)
    except ValueError:
        return value


def preprocessing():
    """scikit-learn's version of the project's column transformer, from the dictionary."""
    dictionary = pd.read_csv(PROJECT / "data/01_raw/data_dictionary.csv")
    dictionary = dictionary[dictionary["column"] != TARGET]
    of_type = lambda kind: list(dictionary.loc[dictionary["type"] == kind, "column"])
    return ColumnTransformer(
        [
            ("float", StandardScaler(), of_type("Float")),
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), of_type("Categorical")),
            (
                "ordinal",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                of_type("Ordinal") + of_type("Boolean"),
            ),
        ]
    )


def fit_and_score(forest, train, test):
    model = make_pipeline(preprocessing(), forest)
    start = time.perf_counter()
    model.fit(train.drop(columns=[TARGET, "split"]), train[TARGET])
    seconds = time.perf_counter() - start
    predicted = model.predict(test.drop(columns=[TARGET, "split"]))
    return f1_score(test[TARGET], predicted, average="macro"), seconds


def main():
    table = pd.read_csv(PROJECT / "data/05_model_input/model_input_table.csv")
    train, test = table[table["split"] == "train"], table[table["split"] == "test"]
    report = json.loads((PROJECT / "data/08_reporting/classification_report.json").read_text())
    weir_f1 = report["macro avg"]["f1-score"]

    params = forest_params()
    same, same_seconds = fit_and_score(RandomForestClassifier(**params, n_jobs=THREADS), train, test)
    default, default_seconds = fit_and_score(
        RandomForestClassifier(random_state=params["random_state"], n_jobs=THREADS), train, test
    )

    print(f"rows: {len(table)} (train {len(train)}, test {len(test)}, "
          f"positive share {table[TARGET].mean():.3f})")
    print(f"forest parameters: {params}")
    print(f"weir macro F1 (test):                          {weir_f1:.4f}")
    print(f"scikit-learn, same parameters, macro F1 (test): {same:.4f}  (fit {same_seconds:.1f} s)")
    print(f"scikit-learn, default forest, macro F1 (test):  {default:.4f}  (fit {default_seconds:.1f} s)")
    return 0 if weir_f1 >= same else 1


if __name__ == "__main__":
    sys.exit(main())
