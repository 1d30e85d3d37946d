//! The weir framework: typed nodes joined into pipelines by dataset names, a declarative data
//! catalog, layered configuration, and the runner that executes a pipeline against a catalog.
//!
//! Module map, lowest layer first (a module uses only those above it in this list):
//! - [`error`]: shared error plumbing, locations, hints and the `Secret` wrapper.
//! - [`data`]: the values that flow between nodes and datasets.
//! - [`config`]: `conf/<env>` discovery, merging and interpolation.
//! - [`pipeline`]: nodes, pipelines, validation and ordering.
//! - [`catalog`]: dataset types and the catalog that loads and saves by name.
//! - [`hooks`]: the `Hook` trait: code called at points of a run (Kedro's hook names).
//! - [`runner`]: executes a pipeline against a catalog.
//! - [`project`]: ties configuration, catalog, pipelines and runner into a session.

pub mod catalog;
pub mod config;
pub mod data;
pub mod error;
pub mod hooks;
pub mod pipeline;
pub mod project;
pub mod records;
pub mod runner;

pub use polars;
