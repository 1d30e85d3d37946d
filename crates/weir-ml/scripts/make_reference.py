"""Compute the reference values that weir-ml's tests compare against.

Every expected number in ``crates/weir-ml/tests/fixtures/*.json`` comes from this script, which
calls scikit-learn (and, for the seeded split, the ``cryptography`` package's ChaCha20) on small
inputs written here. Run it from anywhere with a virtual environment outside the repository:

    python3 -m venv /tmp/skl-venv
    /tmp/skl-venv/bin/pip install scikit-learn cryptography
    /tmp/skl-venv/bin/python crates/weir-ml/scripts/make_reference.py

The iris measurements are the copy that scikit-learn ships (``load_iris()``, no download); they
are stored inside the JSON fixtures only as test input.
"""

import json
import math
import re
import platform
import sys
from pathlib import Path

import numpy as np
import sklearn
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.preprocessing import LabelEncoder, StandardScaler

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"

# The optimum that the Rust solver must reach: a tolerance far below the default, so that the
# comparison is against the converged solution rather than wherever lbfgs happened to stop.
TIGHT = {"tol": 1e-10, "max_iter": 10_000}


def header(what):
    return {
        "generator": "crates/weir-ml/scripts/make_reference.py",
        "what": what,
        "scikit_learn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
    }


def write(name, payload):
    FIXTURES.mkdir(parents=True, exist_ok=True)
    path = FIXTURES / name
    # Indented for readable diffs, but a list of plain values (a matrix row, a label vector)
    # stays on one line so the files remain small.
    text = json.dumps(payload, indent=1, ensure_ascii=False)
    text = re.sub(r"\[\n\s*([^\[\]{}]*?)\n\s*\]", lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]", text)
    path.write_text(text + "\n")
    print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


def iris():
    data = load_iris()
    labels = ["Iris-" + data.target_names[t] for t in data.target]
    return data.data.astype(np.float64), labels, data.target.astype(np.int64)


def scaler_fixture(x, labels):
    scaler = StandardScaler().fit(x)
    transformed = scaler.transform(x)

    # A constant column and an integer column, to pin the zero-variance rule and the int path.
    small = np.array(
        [[1.0, 5.0, 2.0], [2.0, 5.0, 4.0], [4.0, 5.0, 6.0], [8.0, 5.0, 10.0]], dtype=np.float64
    )
    small_scaler = StandardScaler().fit(small)
    return {
        "header": header("StandardScaler fitted on iris and on a small table with a constant column"),
        "iris": {
            "columns": ["sepal_length", "sepal_width", "petal_length", "petal_width"],
            "x": x.tolist(),
            "labels": labels,
            "mean": scaler.mean_.tolist(),
            "var": scaler.var_.tolist(),
            "scale": scaler.scale_.tolist(),
            "transformed": transformed.tolist(),
        },
        "small": {
            "columns": ["a", "constant", "ints"],
            "x": small.tolist(),
            "mean": small_scaler.mean_.tolist(),
            "var": small_scaler.var_.tolist(),
            "scale": small_scaler.scale_.tolist(),
            "transformed": small_scaler.transform(small).tolist(),
        },
    }


def label_encoder_fixture(labels):
    tricky = ["beta", "Beta", "alpha", "Zulu", "alpha", "éclair", "aa", "a", "beta", "10", "9"]
    integers = [30, -2, 7, 30, 0, -2, 100]
    cases = []
    for name, values in [("iris", labels), ("tricky_strings", tricky), ("integers", integers)]:
        encoder = LabelEncoder().fit(values)
        cases.append(
            {
                "name": name,
                "values": values,
                "classes": encoder.classes_.tolist(),
                "codes": encoder.transform(values).tolist(),
            }
        )
    return {"header": header("LabelEncoder classes and codes"), "cases": cases}


def binary_data():
    # 24 hand-written points in two overlapping groups, 16 of label 1 and 8 of label 4.
    x = np.array(
        [
            [0.5, 1.2], [1.0, 0.8], [1.5, 1.9], [2.0, 1.1], [0.2, 0.3], [1.1, 2.2],
            [0.7, 1.7], [1.9, 0.4], [2.4, 1.5], [0.9, 0.1], [1.3, 1.0], [0.4, 2.0],
            [1.6, 0.7], [2.2, 2.3], [0.1, 1.4], [1.8, 1.6],
            [2.1, 2.9], [3.0, 2.2], [2.6, 3.1], [1.4, 2.6], [3.3, 1.8], [2.9, 2.7],
            [1.7, 1.3], [3.5, 3.2],
        ],
        dtype=np.float64,
    )
    y = np.array([1] * 16 + [4] * 8, dtype=np.int64)
    return x, y


def fit_case(name, x, y, **params):
    model = LogisticRegression(**TIGHT, **params).fit(x, y)
    return {
        "name": name,
        "dataset": None,  # filled in by the caller
        "params": params,
        "classes": model.classes_.tolist(),
        "coef": model.coef_.tolist(),
        "intercept": model.intercept_.tolist(),
        "predict_proba": model.predict_proba(x).tolist(),
        "predict": model.predict(x).tolist(),
        "n_iter": int(model.n_iter_[0]),
    }


def logistic_fixture(x_std, y_iris):
    # An unbalanced iris subset (50 / 20 / 8 rows), where balanced class weights matter.
    subset = list(range(0, 50)) + list(range(50, 70)) + list(range(100, 108))
    x_bin, y_bin = binary_data()
    datasets = {
        "iris_std": {"x": x_std.tolist(), "y": y_iris.tolist()},
        "iris_std_unbalanced": {"x": x_std[subset].tolist(), "y": y_iris[subset].tolist()},
        "binary": {"x": x_bin.tolist(), "y": y_bin.tolist()},
    }
    specs = [
        ("iris_multinomial_c1", "iris_std", {}),
        ("iris_multinomial_c0_1", "iris_std", {"C": 0.1}),
        ("iris_multinomial_no_intercept", "iris_std", {"fit_intercept": False}),
        ("iris_unbalanced", "iris_std_unbalanced", {}),
        ("iris_unbalanced_balanced", "iris_std_unbalanced", {"class_weight": "balanced"}),
        ("binary_c1", "binary", {}),
        ("binary_c10", "binary", {"C": 10.0}),
        ("binary_balanced", "binary", {"class_weight": "balanced"}),
        ("binary_balanced_c0_5", "binary", {"class_weight": "balanced", "C": 0.5}),
    ]
    cases = []
    for name, dataset, params in specs:
        data = datasets[dataset]
        case = fit_case(name, np.array(data["x"]), np.array(data["y"]), **params)
        case["dataset"] = dataset
        cases.append(case)
    return {
        "header": header("LogisticRegression(solver='lbfgs') fitted with tol=1e-10, max_iter=10000"),
        "solver_settings": TIGHT,
        "datasets": datasets,
        "cases": cases,
    }


def metrics_case(name, y_true, y_pred, labels=None, target_names=None):
    kwargs = {} if labels is None else {"labels": labels}
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, average=None, zero_division=0.0, **kwargs
    )
    report = classification_report(
        y_true, y_pred, output_dict=True, target_names=target_names, **kwargs
    )
    return {
        "name": name,
        "y_true": y_true,
        "y_pred": y_pred,
        "labels": labels,
        "target_names": target_names,
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "confusion_matrix": confusion_matrix(y_true, y_pred, **kwargs).tolist(),
        "precision": precision.tolist(),
        "recall": recall.tolist(),
        "f1": f1.tolist(),
        "support": support.tolist(),
        "report": report,
    }


def metrics_fixture(y_iris):
    animals_true = [
        "cat", "dog", "cat", "bird", "dog", "dog", "cat", "fish", "bird", "cat",
        "dog", "cat", "fish", "dog", "bird", "cat", "dog", "cat", "cat", "dog",
    ]
    animals_pred = [
        "cat", "cat", "cat", "dog", "dog", "dog", "bird", "fish", "bird", "cat",
        "cat", "cat", "dog", "dog", "dog", "cat", "dog", "ant", "cat", "bird",
    ]
    # Iris predictions of the C=1 model, scored against the truth with species names.
    data = load_iris()
    x_std = StandardScaler().fit_transform(data.data)
    iris_pred = LogisticRegression(**TIGHT).fit(x_std, y_iris).predict(x_std)
    codes_true = [0, 1, 2, 2, 1, 0, 0, 2, 1, 1, 2, 0]
    codes_pred = [0, 2, 2, 2, 1, 0, 1, 2, 1, 0, 2, 0]
    cases = [
        metrics_case("animals", animals_true, animals_pred),
        metrics_case("animals_labels_subset", animals_true, animals_pred, labels=["dog", "cat"]),
        metrics_case(
            "animals_labels_with_absent",
            animals_true,
            animals_pred,
            labels=["ant", "bird", "cat", "dog", "fish", "zebra"],
        ),
        metrics_case(
            "codes_with_target_names",
            codes_true,
            codes_pred,
            labels=[0, 1, 2],
            target_names=["setosa", "versicolor", "virginica"],
        ),
        metrics_case(
            "iris_training_predictions",
            y_iris.tolist(),
            iris_pred.tolist(),
            target_names=["Iris-" + name for name in data.target_names],
        ),
    ]
    return {"header": header("accuracy, confusion matrix, per-class scores and reports"), "cases": cases}


def chacha20_words(seed, count):
    """The first `count` little-endian u64 words of the ChaCha20 keystream for `seed`.

    The 256-bit key is the seed as 8 little-endian bytes followed by 24 zero bytes; the block
    counter and the nonce start at zero (cryptography takes them as one 16-byte value).
    """
    key = seed.to_bytes(8, "little") + bytes(24)
    encryptor = Cipher(algorithms.ChaCha20(key, bytes(16)), mode=None).encryptor()
    stream = encryptor.update(bytes(8 * count))
    return [int.from_bytes(stream[8 * i : 8 * i + 8], "little") for i in range(count)]


class WordStream:
    def __init__(self, seed):
        self.seed = seed
        self.words = []
        self.used = 0

    def next_u64(self):
        if self.used == len(self.words):
            self.words = chacha20_words(self.seed, 2 * max(len(self.words), 64))
        word = self.words[self.used]
        self.used += 1
        return word


def below(stream, bound):
    """A uniform integer in [0, bound): Lemire's multiply-and-reject on 64-bit words."""
    threshold = (2**64 - bound) % bound
    while True:
        product = stream.next_u64() * bound
        if product % 2**64 >= threshold:
            return product >> 64


def assign_split(n_rows, ratios, seed):
    counts = [0] * len(ratios)
    for i in range(1, len(ratios)):
        rows = n_rows * ratios[i][1]
        whole = math.floor(rows)
        counts[i] = whole + (1 if rows - whole >= 0.5 else 0)  # half away from zero
    for i in range(len(ratios) - 1, 0, -1):
        excess = sum(counts[1:]) - n_rows
        if excess <= 0:
            break
        counts[i] -= min(excess, counts[i])
    counts[0] = n_rows - sum(counts[1:])
    assignment = [name for (name, _), count in zip(ratios, counts) for _ in range(count)]
    stream = WordStream(seed)
    for i in range(n_rows - 1, 0, -1):
        j = below(stream, i + 1)
        assignment[i], assignment[j] = assignment[j], assignment[i]
    return assignment


def split_fixture():
    specs = [
        (150, [["train", 0.8], ["test", 0.2]], 42),
        (150, [["train", 0.8], ["test", 0.2]], 7),
        (10, [["train", 0.7], ["validation", 0.15], ["test", 0.15]], 2024),
        (7, [["a", 0.5], ["b", 0.5]], 0),
        (1000, [["train", 0.6], ["validation", 0.2], ["test", 0.2]], 123456789),
    ]
    cases = [
        {"n_rows": n, "ratios": ratios, "seed": seed, "assignment": assign_split(n, ratios, seed)}
        for n, ratios, seed in specs
    ]
    return {
        "header": header(
            "seeded split: Fisher-Yates from the end, Lemire bounded integers, ChaCha20 keystream "
            "from the cryptography package"
        ),
        "cases": cases,
    }


def main():
    x, labels, y = iris()
    x_std = StandardScaler().fit_transform(x)
    write("scaler.json", scaler_fixture(x, labels))
    write("label_encoder.json", label_encoder_fixture(labels))
    write("logistic.json", logistic_fixture(x_std, y))
    write("metrics.json", metrics_fixture(y))
    write("split.json", split_fixture())


if __name__ == "__main__":
    sys.exit(main())
