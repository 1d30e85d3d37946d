//! The iris project as a library: its pipelines and their nodes, so tests can call the nodes
//! directly. The binary (`src/main.rs`) hands [`registry`] to weir's command line.

pub mod pipelines;

pub use pipelines::registry;
