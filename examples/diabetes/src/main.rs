//! The diabetes project: predict prediabetes or diabetes from the answers to a health survey.
//!
//! `cargo run -- run` (inside this folder) generates a labelled table, trains, backtests and
//! scores the course's unlabelled rows; `cargo run -- run --pipeline hyperparameter_search`
//! tunes the forest. The pipelines live in `src/pipelines/`; where their data lives is
//! configured in `conf/base/catalog.yml`.

fn main() -> std::process::ExitCode {
    weir::main(diabetes::registry())
}
