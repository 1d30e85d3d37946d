//! **weir**: production-ready data science in Rust.
//!
//! A project writes its work as plain Rust functions (nodes) joined into pipelines by the names
//! of the data they read and write. A declarative catalog (`conf/<env>/catalog.yml`) says where
//! each dataset lives; layered configuration keeps base settings, environments and credentials
//! apart. The project's `main` hands its pipelines to weir's command line in one line:
//!
//! ```no_run
//! use weir::prelude::*;
//!
//! fn double(df: DataFrame) -> NodeResult<DataFrame> {
//!     let doubled = df.lazy().select([weir::polars::prelude::col("x") * weir::polars::prelude::lit(2)]).collect()?;
//!     Ok(doubled)
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     let pipelines = PipelineRegistry::new()
//!         .with("demo", Pipeline::new([node(double, "numbers", "doubled")]))
//!         .with_default_of_all();
//!     weir::main(pipelines)
//! }
//! ```
//!
//! This crate only re-exports: [`weir_core`] (nodes, pipelines, catalog, configuration,
//! runners), `weir_ml` as [`ml`] (behind the default `ml` feature) and the CLI entry point
//! [`main`].

mod node_error;

pub use node_error::NodeError;
pub use weir_cli::{main, run_with_args};
pub use weir_core::{
    catalog, config, data, error, hooks, pipeline, polars, project, records, runner,
};

/// Logging for nodes: events join the run's log (`weir::tracing::info!(...)`).
pub use tracing;

/// The machine-learning toolkit (preprocessing, models, metrics, model selection).
#[cfg(feature = "ml")]
pub use weir_ml as ml;

/// What a pipeline module usually needs.
pub mod prelude {
    pub use crate::NodeError;
    pub use weir_core::data::{Artefact, Params};
    pub use weir_core::pipeline::{Node, Pipeline, PipelineRegistry, modular, node};
    pub use weir_core::polars::prelude::{Column, DataFrame, IntoLazy, LazyFrame};

    /// The usual return type of a fallible node: any error converts with `?`.
    pub type NodeResult<T> = Result<T, NodeError>;
}
