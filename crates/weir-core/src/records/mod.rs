//! Run records: every run of a project written to an embedded SQLite store, and the node
//! fingerprints that let a run skip work that is already done.
//!
//! - [`store`]: [`RunStore`], the SQLite file (`.weir/runs.sqlite` in a project by default)
//!   and the records it holds (runs, nodes, datasets, output fingerprints, content hashes).
//! - [`recorder`]: [`RunRecorder`], the built-in hook writing a run as it happens.
//! - [`fingerprint`]: [`Fingerprinter`], which fingerprints nodes as the run reaches them,
//!   records how each persisted output was made, and with `--skip-unchanged` skips the nodes
//!   whose outputs are up to date.
//!
//! This module uses `catalog`, `pipeline`, `hooks` and `runner` (the gate trait); the CLI
//! wires it into a session's run.

pub mod fingerprint;
pub mod recorder;
pub mod store;

pub use fingerprint::Fingerprinter;
pub use recorder::RunRecorder;
pub use store::{RunRecord, RunStart, RunStatus, RunStore, StoreError};
