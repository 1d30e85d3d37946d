//! The iris project: classify iris flowers from their sepal and petal measurements.
//!
//! `cargo run -- run` (inside this folder) runs every pipeline; `cargo run -- --help` lists the
//! commands. The pipelines live in `src/pipelines/`; where their data lives is configured in
//! `conf/base/catalog.yml`.

fn main() -> std::process::ExitCode {
    weir::main(iris::registry())
}
