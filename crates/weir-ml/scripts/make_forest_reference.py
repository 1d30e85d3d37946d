"""Compute the reference values for weir-ml's trees, forests and newer metrics.

Writes ``crates/weir-ml/tests/fixtures/forest.json`` and ``scores.json``. Run it like
``make_reference.py``, from a virtual environment outside the repository:

    /tmp/skl-venv/bin/python crates/weir-ml/scripts/make_forest_reference.py

Exact cases fit scikit-learn's ``DecisionTreeClassifier`` / ``DecisionTreeRegressor``, which a
weir forest of one tree without bootstrap and with every feature per split must reproduce. The
data are multiples of 1/64, exact in float32 (scikit-learn's tree dtype) and float64, so the
thresholds are exact too. The script refits each exact case under 30 seeds and refuses to write
a case whose tree depends on the seed: that would mean two equally good splits, where the two
libraries may break the tie differently.
"""

import json
import re
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_iris, make_classification
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    mean_absolute_percentage_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def header(what):
    return {
        "generator": "crates/weir-ml/scripts/make_forest_reference.py",
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


def dyadic(rng, shape, scale=1.0):
    return np.round(rng.normal(0.0, scale, shape) * 64.0) / 64.0


def tree_signature(tree):
    t = tree.tree_
    return (tuple(t.feature), tuple(np.round(t.threshold, 12)), tuple(t.children_left))


def seed_invariant(make, x, y):
    first = tree_signature(make(0).fit(x, y))
    return all(tree_signature(make(seed).fit(x, y)) == first for seed in range(1, 30))


def internal_splits(tree):
    t = tree.tree_
    return sorted(
        [int(f), float(th)] for f, th in zip(t.feature, t.threshold) if f >= 0
    )


def exact_cases():
    rng = np.random.default_rng(20261204)
    n, n_test = 150, 60
    x_all = dyadic(rng, (n + n_test, 4))
    score = x_all[:, 0] - 0.8 * x_all[:, 1] + 0.5 * x_all[:, 2] * x_all[:, 3]
    score += rng.normal(0.0, 0.6, n + n_test)
    classes = np.digitize(score, [-0.5, 0.6])  # three classes
    target = np.round((score + 0.3 * x_all[:, 3]) * 64.0) / 64.0
    x, x_test = x_all[:n], x_all[n:]
    y_class, y_value = classes[:n], target[:n]

    # Deep trees on small data nearly always meet equally good splits; these settings do not
    # (the seed check below proves it).
    specs = [
        ("gini_depth6_leaf3", "classifier", {"criterion": "gini", "max_depth": 6, "min_samples_leaf": 3}),
        ("gini_depth5_leaf2", "classifier", {"criterion": "gini", "max_depth": 5, "min_samples_leaf": 2}),
        ("entropy_balanced_depth4_leaf3", "classifier",
         {"criterion": "entropy", "class_weight": "balanced", "max_depth": 4, "min_samples_leaf": 3}),
        ("regression_depth5_leaf4", "regressor", {"max_depth": 5, "min_samples_leaf": 4}),
    ]
    cases = []
    for name, kind, params in specs:
        model = DecisionTreeClassifier if kind == "classifier" else DecisionTreeRegressor
        y = y_class if kind == "classifier" else y_value
        make = lambda seed: model(random_state=seed, **params)
        assert seed_invariant(make, x, y), f"{name}: the tree depends on the seed (a tie)"
        tree = make(0).fit(x, y)
        case = {
            "name": name,
            "kind": kind,
            "params": params,
            "y": y.tolist(),
            "node_count": int(tree.tree_.node_count),
            "splits": internal_splits(tree),
            "feature_importances": tree.feature_importances_.tolist(),
        }
        if kind == "classifier":
            case["predict_proba_train"] = tree.predict_proba(x).tolist()
            case["predict_proba_test"] = tree.predict_proba(x_test).tolist()
            case["predict_test"] = tree.predict(x_test).tolist()
        else:
            case["predict_train"] = tree.predict(x).tolist()
            case["predict_test"] = tree.predict(x_test).tolist()
        cases.append(case)
    return {"x": x.tolist(), "x_test": x_test.tolist(), "cases": cases}


def quality_cases():
    iris = load_iris()
    order = np.random.default_rng(7).permutation(150)
    train, test = order[:105], order[105:]
    x, y = iris.data, iris.target

    xb, yb = make_classification(
        n_samples=1500, n_features=8, n_informative=4, n_redundant=2, flip_y=0.05,
        weights=[0.7, 0.3], random_state=3,
    )
    xb = np.round(xb * 64.0) / 64.0

    cases = []
    for name, (xs, ys), tr, te in [
        ("iris", (x, y), train, test),
        ("binary_1500", (xb, yb), np.arange(1000), np.arange(1000, 1500)),
    ]:
        accuracies, aucs = [], []
        for seed in range(5):
            forest = RandomForestClassifier(n_estimators=100, random_state=seed)
            forest.fit(xs[tr], ys[tr])
            accuracies.append(accuracy_score(ys[te], forest.predict(xs[te])))
            if len(set(ys)) == 2:
                aucs.append(roc_auc_score(ys[te], forest.predict_proba(xs[te])[:, 1]))
        cases.append({
            "name": name,
            "x": xs.tolist(),
            "y": ys.tolist(),
            "train": tr.tolist(),
            "test": te.tolist(),
            "mean_accuracy": float(np.mean(accuracies)),
            "mean_auc": float(np.mean(aucs)) if aucs else None,
        })

    # Regression: a smooth function of two features plus noise.
    rng = np.random.default_rng(11)
    xr = np.round(rng.uniform(-2, 2, (800, 3)) * 64.0) / 64.0
    yr = np.sin(xr[:, 0]) * 2.0 + xr[:, 1] ** 2 + rng.normal(0, 0.2, 800)
    r2s = []
    for seed in range(5):
        forest = RandomForestRegressor(n_estimators=100, random_state=seed).fit(xr[:600], yr[:600])
        r2s.append(r2_score(yr[600:], forest.predict(xr[600:])))
    regression = {"x": xr.tolist(), "y": yr.tolist(), "n_train": 600, "mean_r2": float(np.mean(r2s))}
    return cases, regression


def score_fixture():
    rng = np.random.default_rng(5)
    y_true = rng.integers(0, 2, 60)
    # Scores rounded to one decimal, so there are many ties.
    scores = np.round(np.clip(0.3 * y_true + rng.uniform(0, 0.7, 60), 0, 1), 1)
    multi_true = rng.integers(0, 3, 50)
    multi_pred = np.where(rng.uniform(size=50) < 0.6, multi_true, rng.integers(0, 3, 50))
    logits = rng.normal(size=(50, 3)) + 1.5 * np.eye(3)[multi_true]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    proba[0] = [1.0, 0.0, 0.0]  # a zero probability on the true class of row 0 if it isn't 0
    reg_true = rng.normal(3.0, 2.0, 40)
    reg_pred = reg_true + rng.normal(0, 0.7, 40)

    averaged = {}
    for average in ["macro", "weighted"]:
        averaged[average] = {
            "precision": precision_score(multi_true, multi_pred, average=average, zero_division=0),
            "recall": recall_score(multi_true, multi_pred, average=average, zero_division=0),
            "f1": f1_score(multi_true, multi_pred, average=average, zero_division=0),
        }
    binary_pred = (scores > 0.45).astype(int)
    averaged["binary"] = {
        "precision": precision_score(y_true, binary_pred),
        "recall": recall_score(y_true, binary_pred),
        "f1": f1_score(y_true, binary_pred),
    }
    return {
        "header": header("roc_auc_score, log_loss, averaged scores and regression metrics"),
        "binary": {
            "y_true": y_true.tolist(),
            "scores": scores.tolist(),
            "y_pred": binary_pred.tolist(),
            "roc_auc": roc_auc_score(y_true, scores),
        },
        "multiclass": {
            "y_true": multi_true.tolist(),
            "y_pred": multi_pred.tolist(),
            "proba": proba.tolist(),
            "log_loss": log_loss(multi_true, proba),
        },
        "averaged": averaged,
        "regression": {
            "y_true": reg_true.tolist(),
            "y_pred": reg_pred.tolist(),
            "mae": mean_absolute_error(reg_true, reg_pred),
            "rmse": root_mean_squared_error(reg_true, reg_pred),
            "mape": mean_absolute_percentage_error(reg_true, reg_pred),
            "r2": r2_score(reg_true, reg_pred),
        },
    }


def main():
    quality, regression = quality_cases()
    write("forest.json", {
        "header": header(
            "single DecisionTree fits (exact) and RandomForest accuracies (mean over seeds 0-4)"
        ),
        "exact": exact_cases(),
        "quality": quality,
        "regression_quality": regression,
    })
    write("scores.json", score_fixture())


if __name__ == "__main__":
    main()
