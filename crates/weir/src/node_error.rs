//! [`NodeError`], the error type of [`NodeResult`](crate::prelude::NodeResult): any error
//! converts into it with `?`, and the toolkit's errors keep their fix for the CLI's `hint:` line.

use std::fmt;

use weir_core::pipeline::{HintedFailure, NodeFailure};

/// Why a node failed. Any `std::error::Error` converts into it with `?`; use
/// [`NodeError::msg`] for a plain message.
///
/// ```
/// use weir::prelude::*;
///
/// fn positive(x: f64) -> NodeResult<f64> {
///     if x <= 0.0 {
///         return Err(NodeError::msg(format!("expected a positive number, got {x}")));
///     }
///     Ok(x)
/// }
/// assert!(positive(-1.0).is_err());
/// ```
pub struct NodeError(NodeFailure);

impl NodeError {
    /// A failure described by `message`.
    pub fn msg(message: impl Into<String>) -> Self {
        NodeError(message.into().into())
    }

    /// A failure with a fix to suggest.
    pub fn with_hint(error: impl Into<NodeFailure>, hint: impl Into<String>) -> Self {
        NodeError(Box::new(HintedFailure::new(error, hint)))
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for NodeError {
    fn from(error: E) -> Self {
        #[cfg(feature = "ml")]
        if let Some(hint) = (&error as &dyn std::any::Any)
            .downcast_ref::<weir_ml::MlError>()
            .and_then(weir_ml::MlError::hint)
        {
            return NodeError::with_hint(error, hint);
        }
        NodeError(Box::new(error))
    }
}

impl From<NodeError> for NodeFailure {
    fn from(error: NodeError) -> Self {
        error.0
    }
}

impl fmt::Debug for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
