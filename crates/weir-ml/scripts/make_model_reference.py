"""Compute the reference values for weir-ml's linear regressions and histogram gradient boosting.

Writes ``crates/weir-ml/tests/fixtures/linear.json`` and ``boosting.json``, checked by
``crates/weir-ml/tests/model_reference.rs``. Run it from a virtual environment outside the
repository:

    /tmp/skl-venv/bin/python crates/weir-ml/scripts/make_model_reference.py

``linear.json`` holds small tables (one of them ill-conditioned) with scikit-learn's
``LinearRegression`` and ``Ridge`` coefficients, intercepts and predictions, which weir must
match to rounding.

``boosting.json`` holds a fixed train/test table (seeded numpy; continuous features rounded to
two decimals and small-integer codes) with a binary and a three-class label, and, per parameter
set, the test accuracy, ROC AUC (binary) and log-loss of scikit-learn's
``HistGradientBoostingClassifier`` with ``early_stopping=False`` (weir has no early stopping).
weir's trees may break ties between equal splits differently, so the test bounds the gap
(1 percentage point of accuracy, 0.01 of AUC) instead of asking for equal numbers.
"""

import json
import platform
import re
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def header(what):
    return {
        "generator": "crates/weir-ml/scripts/make_model_reference.py",
        "what": what,
        "scikit_learn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
    }


def write(name, payload):
    FIXTURES.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, indent=1)
    text = re.sub(
        r"\[\n\s*([^\[\]{}]*?)\n\s*\]",
        lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]",
        text,
    )
    (FIXTURES / name).write_text(text + "\n")
    print(f"wrote {FIXTURES / name}")


def linear_cases():
    rng = np.random.default_rng(7)
    x = np.round(rng.normal(0.0, 2.0, (30, 3)), 3)
    y = np.round(x @ [1.5, -2.0, 0.25] + 4.0 + rng.normal(0.0, 0.5, 30), 3)
    x_test = np.round(rng.normal(0.0, 2.0, (5, 3)), 3)
    # Two columns that differ by about 1e-4: cond(X) is near 1e5, cond(XᵀX) near 1e10.
    near = np.column_stack([x[:, 0], x[:, 0] + np.round(rng.normal(0.0, 1e-4, 30), 7), x[:, 2]])
    near_test = np.column_stack([x_test[:, 0], x_test[:, 0], x_test[:, 2]])

    cases = []
    for name, model, data, test in [
        ("ols", LinearRegression(), x, x_test),
        ("ols_no_intercept", LinearRegression(fit_intercept=False), x, x_test),
        ("ridge", Ridge(alpha=1.0), x, x_test),
        ("ridge_strong_no_intercept", Ridge(alpha=25.0, fit_intercept=False), x, x_test),
        ("ols_ill_conditioned", LinearRegression(), near, near_test),
        ("ridge_ill_conditioned", Ridge(alpha=0.01), near, near_test),
    ]:
        model.fit(data, y)
        params = {"fit_intercept": model.fit_intercept}
        if isinstance(model, Ridge):
            params["alpha"] = model.alpha
        cases.append({
            "name": name,
            "model": type(model).__name__,
            "params": params,
            "x": data.tolist(),
            "y": y.tolist(),
            "x_test": test.tolist(),
            "coef": model.coef_.tolist(),
            "intercept": float(model.intercept_),
            "predictions": model.predict(test).tolist(),
            "condition_number": float(np.linalg.cond(data - data.mean(axis=0))),
        })
    return cases


def boosting_table():
    n_train, n_test = 4000, 4000
    x, y3 = make_classification(
        n_samples=n_train + n_test, n_features=6, n_informative=4, n_redundant=1,
        n_classes=3, n_clusters_per_class=2, class_sep=0.8, flip_y=0.05, random_state=11,
    )
    rng = np.random.default_rng(11)
    codes = np.column_stack([rng.integers(1, 6, len(x)), rng.integers(0, 2, len(x))])
    x = np.column_stack([np.round(x, 2), codes]).astype(float)
    # A binary label that mixes an interaction, a threshold on a code and noise.
    logit = 1.2 * x[:, 0] - 0.8 * x[:, 1] * (x[:, 2] > 0) + 0.5 * (codes[:, 0] >= 4) - 0.3
    y2 = (rng.uniform(size=len(x)) < 1 / (1 + np.exp(-logit))).astype(int)
    return x[:n_train], x[n_train:], y2[:n_train], y2[n_train:], y3[:n_train], y3[n_train:]


PARAMETER_SETS = [
    {"learning_rate": 0.1, "max_iter": 100, "max_leaf_nodes": 31, "max_depth": None,
     "min_samples_leaf": 20, "l2_regularization": 0.0, "max_bins": 255},
    {"learning_rate": 0.2, "max_iter": 60, "max_leaf_nodes": None, "max_depth": 3,
     "min_samples_leaf": 40, "l2_regularization": 1.0, "max_bins": 32},
]


def boosting_cases():
    x_train, x_test, y2_train, y2_test, y3_train, y3_test = boosting_table()
    results = []
    for params in PARAMETER_SETS:
        for target, y_train, y_test in [("binary", y2_train, y2_test), ("multiclass", y3_train, y3_test)]:
            model = HistGradientBoostingClassifier(early_stopping=False, random_state=0, **params)
            model.fit(x_train, y_train)
            proba = model.predict_proba(x_test)
            result = {
                "params": params,
                "target": target,
                "accuracy": accuracy_score(y_test, model.predict(x_test)),
                "log_loss": log_loss(y_test, proba),
            }
            if target == "binary":
                result["roc_auc"] = roc_auc_score(y_test, proba[:, 1])
            results.append(result)
    table = {
        "x_train": x_train.tolist(),
        "x_test": x_test.tolist(),
        "binary_train": y2_train.tolist(),
        "binary_test": y2_test.tolist(),
        "multiclass_train": y3_train.tolist(),
        "multiclass_test": y3_test.tolist(),
    }
    return table, results


def main():
    write("linear.json", {
        "header": header("LinearRegression and Ridge coefficients, intercepts and predictions"),
        "cases": linear_cases(),
    })
    table, results = boosting_cases()
    write("boosting.json", {
        "header": header(
            "HistGradientBoostingClassifier(early_stopping=False) test scores on a fixed table"
        ),
        "table": table,
        "results": results,
    })


if __name__ == "__main__":
    main()
