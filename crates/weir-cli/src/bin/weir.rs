//! The standalone `weir` command.
//!
//! A project's pipelines are compiled into the project's own binary, so `weir run` belongs
//! there (`cargo run -- run` inside the project). This binary serves what needs no project
//! code: the catalog of any `conf/` folder, `--version` and help. With no pipelines
//! registered, `pipeline list` prints nothing and `run` explains where to run from.

use std::process::ExitCode;

use weir_core::pipeline::PipelineRegistry;

fn main() -> ExitCode {
    weir_cli::main(PipelineRegistry::new())
}
