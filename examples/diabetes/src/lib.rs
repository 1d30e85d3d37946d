//! The diabetes project as a library: its pipelines, their nodes and helpers, so tests can call
//! the nodes directly. The binary (`src/main.rs`) hands [`registry`] to weir's command line.

#![allow(
    clippy::needless_pass_by_value,
    reason = "nodes receive their inputs by value: that is how the runner hands them over"
)]

pub mod dictionary;
pub mod pipelines;
pub mod plot;

pub use pipelines::registry;
