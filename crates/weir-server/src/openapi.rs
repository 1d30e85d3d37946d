//! The `OpenAPI` 3.0 document served at `/openapi.json`, built with `serde_json` from the served
//! pipelines: each predict route's request schema lists the input's columns and types when they
//! are known (from the data configured for the input at start-up), and the response schema the
//! output's columns when the start-up check saw them.
//!
//! # Limitations
//! - Pipelines with several request inputs document the `inputs` object without per-input
//!   column schemas.

use serde_json::{Value, json};

use crate::served::ServedPipeline;
use crate::table::{TableSchema, json_schema_type};

/// The whole document.
pub(crate) fn document(pipelines: &[ServedPipeline]) -> Value {
    let mut paths = serde_json::Map::new();
    for pipeline in pipelines {
        paths.insert(format!("/v1/pipelines/{}/predict", pipeline.name()), predict_path(pipeline));
    }
    paths
        .insert("/v1/pipelines".to_owned(), simple_get("The served pipelines", "application/json"));
    paths.insert("/health".to_owned(), simple_get("The process is alive", "application/json"));
    paths.insert(
        "/ready".to_owned(),
        simple_get(
            "Artefacts are loaded and the server is not draining (503 otherwise)",
            "application/json",
        ),
    );
    paths.insert("/metrics".to_owned(), simple_get("Prometheus metrics", "text/plain"));
    paths.insert("/openapi.json".to_owned(), simple_get("This document", "application/json"));

    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "weir inference API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Scores rows with a weir pipeline. Request and response bodies follow \
                the Vertex AI prediction contract: {\"instances\": [...]} in, \
                {\"predictions\": [...]} out; CSV works too with Content-Type: text/csv."
        },
        "paths": paths,
        "components": {"schemas": {"Error": error_schema()}}
    })
}

fn predict_path(pipeline: &ServedPipeline) -> Value {
    let row_in = pipeline
        .inputs()
        .first()
        .and_then(|input| input.schema.as_ref())
        .map_or_else(any_row, |schema| row_schema(schema, true));
    let row_out = pipeline.output_schema().map_or_else(any_row, |schema| row_schema(schema, false));
    let inputs: Vec<&str> = pipeline.inputs().iter().map(|input| input.name.as_str()).collect();
    let request = if inputs.len() == 1 {
        json!({"type": "object", "required": ["instances"],
               "properties": {"instances": {"type": "array", "items": row_in}}})
    } else {
        json!({"type": "object", "required": ["inputs"],
               "properties": {"inputs": {"type": "object", "description": "rows for each of the inputs",
                   "properties": inputs.iter().map(|name| ((*name).to_owned(), json!({"type": "array", "items": any_row()}))).collect::<serde_json::Map<_, _>>()}}})
    };
    let error = |description: &str| {
        json!({"description": description,
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    };

    json!({"post": {
        "summary": format!("Score rows with pipeline `{}`", pipeline.name()),
        "description": format!("Rows fill dataset(s) {}; the response holds the rows of `{}`.",
            inputs.join(", "), pipeline.output()),
        "requestBody": {"required": true, "content": {
            "application/json": {"schema": request},
            "text/csv": {"schema": {"type": "string"}}
        }},
        "responses": {
            "200": {"description": "The predictions", "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "predictions": {"type": "array", "items": row_out}}}},
                "text/csv": {"schema": {"type": "string"}}
            }},
            "400": error("Malformed JSON or CSV"),
            "413": error("Body over the size limit"),
            "415": error("Neither JSON nor CSV"),
            "422": error("Missing or mistyped columns"),
            "500": error("A pipeline node failed"),
            "503": error("Over the concurrency limit or shutting down; see Retry-After")
        }
    }})
}

fn row_schema(schema: &TableSchema, with_required: bool) -> Value {
    let properties: serde_json::Map<String, Value> = schema
        .columns()
        .iter()
        .map(|column| {
            let mut property = json!({"type": json_schema_type(&column.dtype)});
            if column.nullable {
                property["nullable"] = json!(true);
            }
            (column.name.clone(), property)
        })
        .collect();
    let mut row = json!({"type": "object", "properties": properties});
    if with_required {
        let required: Vec<&str> = schema.columns().iter().map(|c| c.name.as_str()).collect();
        row["required"] = json!(required);
    }
    row
}

fn any_row() -> Value {
    json!({"type": "object", "additionalProperties": true})
}

fn simple_get(description: &str, content_type: &str) -> Value {
    json!({"get": {"responses": {"200": {"description": description,
        "content": {content_type: {"schema": {}}}}}}})
}

fn error_schema() -> Value {
    json!({"type": "object", "required": ["error", "detail"], "properties": {
        "error": {"type": "string"},
        "detail": {"type": "string"},
        "hint": {"type": "string", "nullable": true}
    }})
}
