"""The reference server for `serve_bench.sh`: the iris model served by FastAPI + scikit-learn.

It trains the same kind of model weir's iris project trains (standard scaler + multinomial
logistic regression, C=1.0, on the project's `data/01_raw/iris.csv`) and answers the same
contract as `weir serve`: POST /v1/pipelines/model_predict/predict with {"instances": [...]}
returns {"predictions": [{"Id": ..., "Species": ...}, ...]}.

Run: python fastapi_reference.py <path to iris.csv> <port>
Needs: fastapi, uvicorn, pandas, scikit-learn (serve_bench.sh installs them in a venv).
"""

import sys

import pandas as pd
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

FEATURES = ["SepalLengthCm", "SepalWidthCm", "PetalLengthCm", "PetalWidthCm"]


class Instances(BaseModel):
    instances: list[dict]


def train(path: str):
    table = pd.read_csv(path)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=500))
    model.fit(table[FEATURES], table["Species"])
    return model


def build_app(model) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/pipelines/model_predict/predict")
    def predict(body: Instances):
        rows = pd.DataFrame(body.instances)
        species = model.predict(rows[FEATURES])
        return {
            "predictions": [
                {"Id": int(row_id), "Species": str(name)}
                for row_id, name in zip(rows["Id"], species)
            ]
        }

    return app


if __name__ == "__main__":
    iris_csv, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(build_app(train(iris_csv)), host="127.0.0.1", port=port, log_level="warning")
