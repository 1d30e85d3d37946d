"""Compute the reference values for weir-ml's preprocessing, pipeline and search tests.

Every expected number in ``crates/weir-ml/tests/fixtures/preprocessing.json`` and
``crates/weir-ml/tests/fixtures/search.json`` comes from this script, which calls scikit-learn
on small inputs written here (and on the iris copy that scikit-learn ships). Run it with a
virtual environment outside the repository:

    python3 -m venv /tmp/skl-venv
    /tmp/skl-venv/bin/pip install scikit-learn numpy pandas
    /tmp/skl-venv/bin/python crates/weir-ml/scripts/make_preprocessing_reference.py

Missing values are written as JSON ``null``; the Rust tests read them back as nulls in string
and integer columns and as NaN or nulls in float columns.
"""

import json
import math
import platform
import re
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, OrdinalEncoder, StandardScaler

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
NAN = np.nan

# Training and test tables. `Education` and `BMI` have missing values; the test table holds
# categories never seen in training (`Age` 4, `Color` purple, `Education` phd).
TRAIN = {
    "Age": [3, 1, 2, 3, 10, 2, 1, 3, 1, 10],
    "Color": ["red", "green", "blue", "green", "red", "blue", "red", "green", "blue", "red"],
    "Education": ["hs", "college", "hs", NAN, "grad", "college", "hs", "grad", NAN, "hs"],
    "BMI": [22.5, 30.1, NAN, 27.3, 19.8, 35.2, 24.0, NAN, 28.7, 31.5],
    "Weight": [60.0, 82.5, 75.0, 91.2, 55.4, 102.0, 68.3, 77.7, 88.8, 70.1],
    "Smoker": [0, 1, 1, 0, 0, 1, 0, 1, 1, 0],
}
TEST = {
    "Age": [3, 4, 2, 10],
    "Color": ["green", "purple", "blue", "red"],
    "Education": ["hs", "phd", NAN, "grad"],
    "BMI": [18.0, NAN, 40.0, 25.0],
    "Weight": [50.0, 80.0, 110.0, 75.0],
    "Smoker": [1, 0, 1, 0],
}
TEXT = {"Color", "Education"}


def frame(table):
    return pd.DataFrame(
        {k: pd.Series(v, dtype=object if k in TEXT else None) for k, v in table.items()}
    )


def header(what):
    return {
        "generator": "crates/weir-ml/scripts/make_preprocessing_reference.py",
        "what": what,
        "scikit_learn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "pandas_version": pd.__version__,
        "python_version": platform.python_version(),
    }


def plain(value):
    """JSON-ready values: NaN becomes null, numpy scalars become Python ones."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def write(name, payload):
    FIXTURES.mkdir(parents=True, exist_ok=True)
    text = json.dumps(plain(payload), indent=1, ensure_ascii=False)
    text = re.sub(
        r"\[\n\s*([^\[\]{}]*?)\n\s*\]",
        lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]",
        text,
    )
    (FIXTURES / name).write_text(text + "\n")
    print(f"wrote {FIXTURES / name}")


def columns_of(array):
    return np.asarray(array, dtype=object).T.tolist()


def min_max_cases(train, test):
    cases = []
    for name, kwargs in [
        ("default", {}),
        ("range_clip", {"feature_range": (-1.0, 2.0), "clip": True}),
    ]:
        scaler = MinMaxScaler(**kwargs).fit(train[["Weight", "Smoker"]])
        cases.append(
            {
                "name": name,
                "feature_range": list(scaler.feature_range),
                "clip": scaler.clip,
                "columns": ["Weight", "Smoker"],
                "data_min": scaler.data_min_,
                "data_max": scaler.data_max_,
                "scale": scaler.scale_,
                "min": scaler.min_,
                "train": columns_of(scaler.transform(train[["Weight", "Smoker"]])),
                "test": columns_of(scaler.transform(test[["Weight", "Smoker"]])),
            }
        )
    return cases


def imputer_cases(train, test):
    cases = []
    numeric = ["BMI", "Weight"]
    for strategy in ["mean", "median", "most_frequent", "constant"]:
        imputer = SimpleImputer(strategy=strategy).fit(train[numeric])
        cases.append(
            {
                "strategy": strategy,
                "fill_value": None,
                "columns": numeric,
                "statistics": imputer.statistics_,
                "test": columns_of(imputer.transform(test[numeric])),
            }
        )
    for strategy, fill in [("most_frequent", None), ("constant", None), ("constant", "unknown")]:
        imputer = SimpleImputer(strategy=strategy, fill_value=fill).fit(train[["Education"]])
        cases.append(
            {
                "strategy": strategy,
                "fill_value": fill,
                "columns": ["Education"],
                "statistics": imputer.statistics_.tolist(),
                "test": columns_of(imputer.transform(test[["Education"]])),
            }
        )
    return cases


def one_hot_cases(train, test):
    cases = []
    for name, kwargs in [
        ("default", {}),
        ("ignore", {"handle_unknown": "ignore"}),
        ("drop_first", {"drop": "first", "handle_unknown": "ignore"}),
        ("drop_if_binary", {"drop": "if_binary", "handle_unknown": "ignore"}),
    ]:
        columns = ["Age", "Color", "Smoker"]
        encoder = OneHotEncoder(sparse_output=False, **kwargs).fit(train[columns])
        unknown = kwargs.get("handle_unknown") == "ignore"
        cases.append(
            {
                "name": name,
                "handle_unknown": kwargs.get("handle_unknown", "error"),
                "drop": kwargs.get("drop"),
                "columns": columns,
                "categories": [c.tolist() for c in encoder.categories_],
                "feature_names_out": encoder.get_feature_names_out().tolist(),
                "train": columns_of(encoder.transform(train[columns])),
                "test": columns_of(encoder.transform(test[columns])) if unknown else None,
            }
        )
    return cases


def ordinal_cases(train, test):
    columns = ["Age", "Color"]
    strict = OrdinalEncoder().fit(train[columns])
    lenient = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1).fit(
        train[columns]
    )
    return {
        "columns": columns,
        "categories": [c.tolist() for c in strict.categories_],
        "train": columns_of(strict.transform(train[columns])),
        "unknown_value": -1.0,
        "test": columns_of(lenient.transform(test[columns])),
    }


def column_transformer_case(train, test):
    transformer = ColumnTransformer(
        [
            (
                "education",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                ["Education"],
            ),
            ("age", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["Age"]),
            ("bmi", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), ["BMI"]),
            ("weight", MinMaxScaler(), ["Weight"]),
        ],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).fit(train.drop(columns=["Color"]))
    yaml = """
steps:
  - name: education
    transformer:
      chain:
        - simple_imputer: {strategy: most_frequent}
        - one_hot: {handle_unknown: ignore}
    columns: [Education]
  - name: age
    transformer: {one_hot: {handle_unknown: ignore}}
    columns: [Age]
  - name: bmi
    transformer:
      chain:
        - simple_imputer: {strategy: median}
        - standard_scaler: {}
    columns: [BMI]
  - name: weight
    transformer: {min_max_scaler: {}}
    columns: [Weight]
remainder: passthrough
"""
    return {
        "yaml": yaml,
        "drop_before_fit": ["Color"],
        "feature_names_out": transformer.get_feature_names_out().tolist(),
        "train": columns_of(transformer.transform(train.drop(columns=["Color"]))),
        "test": columns_of(transformer.transform(test.drop(columns=["Color"]))),
    }


def preprocessing_fixture():
    train, test = frame(TRAIN), frame(TEST)
    return {
        "header": header("MinMaxScaler, SimpleImputer, OneHotEncoder, OrdinalEncoder and ColumnTransformer"),
        "train": TRAIN,
        "test": TEST,
        "min_max": min_max_cases(train, test),
        "imputer": imputer_cases(train, test),
        "one_hot": one_hot_cases(train, test),
        "ordinal": ordinal_cases(train, test),
        "column_transformer": column_transformer_case(train, test),
    }


def search_case(name, x, y, scoring):
    folds = list(StratifiedKFold(n_splits=5).split(x, y))
    grid = {"C": [0.01, 0.1, 1.0, 10.0, 100.0]}
    model = LogisticRegression(tol=1e-10, max_iter=10_000)
    search = GridSearchCV(model, grid, scoring=scoring, cv=folds).fit(x, y)
    results = search.cv_results_
    return {
        "name": name,
        "scoring": scoring,
        "x": x.tolist(),
        "y": y.tolist(),
        "folds": [{"train": tr.tolist(), "test": te.tolist()} for tr, te in folds],
        "param_grid": grid,
        "split_scores": [
            [results[f"split{k}_test_score"][c] for k in range(5)] for c in range(len(grid["C"]))
        ],
        "mean_test_score": results["mean_test_score"],
        "std_test_score": results["std_test_score"],
        "rank_test_score": results["rank_test_score"],
        "best_params": search.best_params_,
        "best_score": search.best_score_,
        "best_index": search.best_index_,
    }


def search_fixture():
    data = load_iris()
    x, y = data.data.astype(np.float64), data.target.astype(np.int64)
    binary = y > 0
    cases = [
        search_case(f"iris_{scoring}", x, y, scoring)
        for scoring in ["accuracy", "f1_macro", "neg_log_loss"]
    ]
    cases.append(search_case("iris_versicolor_virginica_roc_auc", x[binary], y[binary] - 1, "roc_auc"))
    return {
        "header": header("GridSearchCV over LogisticRegression C with explicit StratifiedKFold(5) folds"),
        "cases": cases,
    }


if __name__ == "__main__":
    write("preprocessing.json", preprocessing_fixture())
    write("search.json", search_fixture())
