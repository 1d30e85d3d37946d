//! The server's two kinds of errors: [`ServeError`] stops it from starting (the CLI renders it),
//! and [`ApiError`] answers one request with a status and a JSON body
//! `{"error": ..., "detail": ..., "hint": ...}`.
//!
//! An `ApiError` for a 5xx never carries internals: the cause goes to the server log under the
//! request's id, and the body says where to look.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use weir_core::catalog::CatalogError;
use weir_core::error::Hinted;
use weir_core::project::ProjectError;

/// Anything that stops the server from starting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The session, pipeline or parameters are not usable.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// A name given with `--input` is not a free input of the pipeline.
    #[error("`{input}` is not an input of pipeline `{pipeline}` that a request could fill")]
    UnknownInput {
        /// The pipeline.
        pipeline: String,
        /// The name given.
        input: String,
        /// Close matches among the free inputs.
        suggestions: Vec<String>,
        /// Every free input that is not a parameter.
        free_inputs: Vec<String>,
    },
    /// No request input was named and none could be chosen.
    #[error("cannot tell which input of pipeline `{pipeline}` the requests fill")]
    NoRequestInput {
        /// The pipeline.
        pipeline: String,
        /// Every free input that is not a parameter.
        candidates: Vec<String>,
    },
    /// The output to return is not a final output, or there are several to choose from.
    #[error("{}", unknown_output_text(.pipeline, .output))]
    UnknownOutput {
        /// The pipeline.
        pipeline: String,
        /// The name given; empty when none was.
        output: String,
        /// The pipeline's final outputs.
        outputs: Vec<String>,
    },
    /// A dataset the pipeline needs besides the request could not be loaded at start-up.
    #[error("cannot preload dataset `{dataset}`")]
    Preload {
        /// The dataset.
        dataset: String,
        /// Why.
        #[source]
        source: CatalogError,
    },
    /// The pipeline failed on the sample rows of its input at start-up.
    #[error("pipeline `{pipeline}` fails on the sample rows of its input{}: {cause}", node_text(.node.as_deref()))]
    WarmUp {
        /// The pipeline.
        pipeline: String,
        /// The failing node, when a node failed.
        node: Option<String>,
        /// What went wrong.
        cause: String,
    },
    /// The address could not be bound, or the runtime could not start.
    #[error("cannot listen on `{address}`")]
    Listen {
        /// The address.
        address: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

fn unknown_output_text(pipeline: &str, output: &str) -> String {
    if output.is_empty() {
        return format!("pipeline `{pipeline}` has several final outputs: pick the one to return");
    }
    format!("`{output}` is not a final output of pipeline `{pipeline}`")
}

fn node_text(node: Option<&str>) -> String {
    node.map(|node| format!(" (node `{node}`)")).unwrap_or_default()
}

fn quote_all(names: &[String]) -> String {
    names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
}

impl Hinted for ServeError {
    fn hint(&self) -> Option<String> {
        match self {
            ServeError::Project(error) => error.hint(),
            ServeError::UnknownInput { suggestions, .. } if !suggestions.is_empty() => {
                Some(format!("did you mean {}?", quote_all(suggestions)))
            }
            ServeError::UnknownInput { free_inputs, .. }
            | ServeError::NoRequestInput { candidates: free_inputs, .. } => Some(format!(
                "name it with --input; the free inputs are {}",
                quote_all(free_inputs)
            )),
            ServeError::UnknownOutput { outputs, .. } => {
                Some(format!("name it with --output; the final outputs are {}", quote_all(outputs)))
            }
            ServeError::Preload { source, .. } => source.hint().or_else(|| {
                Some(
                    "run the pipeline that produces it (e.g. the training pipeline) first"
                        .to_owned(),
                )
            }),
            ServeError::WarmUp { .. } => Some(
                "run the pipeline once with `run --pipeline ...` to see the full error".to_owned(),
            ),
            ServeError::Listen { .. } => {
                Some("pick another --port, or stop the process using this one".to_owned())
            }
        }
    }
}

/// A request that failed, as a status and the JSON error body.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A short, stable description of the failure.
    pub error: &'static str,
    /// What exactly was wrong.
    pub detail: String,
    /// How to fix it, when known.
    pub hint: Option<String>,
    /// Seconds after which a retry may succeed (sent as `Retry-After`).
    pub retry_after: Option<u32>,
}

impl ApiError {
    /// An error with no hint.
    pub fn new(status: StatusCode, error: &'static str, detail: impl Into<String>) -> Self {
        ApiError { status, error, detail: detail.into(), hint: None, retry_after: None }
    }

    /// Adds a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The metric label for this failure.
    pub fn kind(&self) -> &'static str {
        match self.status {
            StatusCode::BAD_REQUEST => "bad_request",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "schema_mismatch",
            StatusCode::SERVICE_UNAVAILABLE => "overloaded",
            _ if self.error == NODE_FAILED => "node_failed",
            _ => "internal",
        }
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({"error": self.error, "detail": self.detail, "hint": self.hint})
    }
}

/// The `error` text of a node failure.
pub(crate) const NODE_FAILED: &str = "a pipeline node failed";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = crate::http::json_response(self.status, &self.body());
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
