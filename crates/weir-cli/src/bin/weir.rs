//! The standalone `weir` command.
//!
//! A project's pipelines are compiled into the project's own binary. This binary creates
//! projects (`weir new`, `weir pipeline create/delete`), reports on the set-up (`weir info`),
//! prints shell completions, and inside a project hands every other command (`weir run`,
//! `weir catalog list`, ...) to the project's binary through `cargo run`. See
//! `weir_cli::standalone_main`.

use std::process::ExitCode;

fn main() -> ExitCode {
    weir_cli::standalone_main()
}
