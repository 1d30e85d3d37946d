//! The text of generated files: the `empty` starter, the parts every starter shares
//! (`Cargo.toml`, `.gitignore`, README, credentials template) and a new pipeline's files.
//!
//! Templates are plain `format!` strings: the few substitutions (project name, library name,
//! pipeline name, the `weir` dependency line) do not justify a template engine.

use super::{DATA_LAYERS, lib_name};

/// Marker comments in `src/pipelines/mod.rs` that `weir pipeline create/delete` edit between.
pub(crate) const MODULES_START: &str = "// weir:pipeline-modules:start";
pub(crate) const MODULES_END: &str = "// weir:pipeline-modules:end";
pub(crate) const REGISTRY_START: &str = "// weir:pipeline-registry:start";
pub(crate) const REGISTRY_END: &str = "// weir:pipeline-registry:end";

/// `conf/local/credentials.yml`: a template, kept out of git by `.gitignore`.
pub(crate) const CREDENTIALS: &str = "\
# Credentials, read by catalog entries that name them (`credentials: warehouse`).
# This file stays on this machine: `.gitignore` keeps `conf/local/` and every
# `credentials*.yml` out of git. Never put secrets in `conf/base`.
#
# warehouse:
#   user: analyst
#   password: ${oc.env:WAREHOUSE_PASSWORD}
";

/// The `weir` dependency line: a local checkout's `crates/weir` folder. Never a crates.io
/// version: the `weir` name there belongs to another project.
pub(crate) fn weir_dependency(dir: &std::path::Path) -> String {
    format!("weir = {{ path = {:?} }}", dir.display().to_string())
}

/// `Cargo.toml` of a project: its own workspace, so it never joins an enclosing one.
pub(crate) fn cargo_toml(
    name: &str,
    weir_dependency: &str,
    dependencies: &str,
    dev_dependencies: &str,
) -> String {
    format!(
        "[package]
name = \"{name}\"
version = \"0.1.0\"
edition = \"2024\"
publish = false

[dependencies]
{weir_dependency}
{dependencies}
[dev-dependencies]
{dev_dependencies}
# This project is a workspace of its own, even when created inside another one.
[workspace]

# Debug info is the main cost of dev builds: line tables for the project's code,
# none for dependencies, which are optimised a little (Polars is slow without it).
[profile.dev]
debug = \"line-tables-only\"

[profile.dev.package.\"*\"]
debug = false
opt-level = 1

[profile.dev.package.weir-ml]
opt-level = 3

[profile.release]
debug = false
"
    )
}

/// `.gitignore`: data, local configuration, credentials, run records and build output stay
/// out of git; `shipped` data files (the starter's inputs) are let back in.
pub(crate) fn gitignore(shipped: &[&str]) -> String {
    let mut text = String::from(
        "# Build output.\n/target/\n\n\
         # Data stays out of git, except the folders' .gitkeep and the inputs the project ships.\n\
         /data/**\n!/data/*/\n!/data/*/.gitkeep\n",
    );
    for path in shipped {
        text.push_str(&format!("!/{path}\n"));
    }
    text.push_str(
        "\n# Local configuration and credentials never leave the machine.\n\
         /conf/local/**\n!/conf/local/.gitkeep\n**/credentials*.yml\n\n\
         # Run records of `weir run`: local to this machine.\n/.weir/\n\n\
         # Environment variables of this machine (often secrets).\n.env\n",
    );
    text
}

/// The project's README: its rules, and how to run and test it.
pub(crate) fn readme(name: &str, starter: Option<(&str, &str)>) -> String {
    let mut text = format!(
        "# {name}

A weir project: pipelines in Rust, data in a declarative catalog, configuration in `conf/`.

## Run and test

| what | command |
| --- | --- |
| run the default pipeline | `weir run` (or `cargo run -- run`) |
| run one pipeline | `weir run --pipeline NAME` |
| list datasets and pipelines | `weir catalog list`, `weir pipeline list` |
| add a pipeline | `weir pipeline create NAME` |
| test | `cargo test` |

`weir` builds this project's binary with Cargo and passes the arguments on; install it with
`cargo install --path crates/weir-cli` from a weir checkout.

## Layout

- `src/pipelines/`: one module per pipeline, registered in `src/pipelines/mod.rs`.
- `conf/base/`: the catalog, parameters and logging notes shared by everyone (in git).
- `conf/local/`: this machine's overrides and credentials (never in git).
- `data/01_raw` .. `data/08_reporting`: the data layers (never in git, except the inputs the
  project ships).
- `tests/`: tests run by `cargo test`.

## Rules

- No data in git: `.gitignore` keeps `data/` out, except each layer's `.gitkeep`.
- No credentials in git: they live in `conf/local/credentials.yml`, which is ignored; catalog
  entries refer to them by name.
- Every pipeline has a test in `tests/`, and `cargo test` passes before a change is merged.
"
    );
    if let Some((example, body)) = starter {
        text.push_str(&format!(
            "\n## About the `{example}` starter\n\nThis project started as weir's `{example}` \
             example. {}\n\n",
            course_data_hint(example)
        ));
        // Demote the example's headings by one level so they sit under this section.
        for line in body.lines() {
            if line.starts_with('#') {
                text.push('#');
            }
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

/// How the tests of an example starter find the course data (and, for `diabetes`, what its
/// default run scores): for the README and `weir new`'s next steps.
pub(crate) fn course_data_hint(example: &str) -> String {
    let file = if example == "diabetes" { "diabetes_predict.csv" } else { "iris_train.csv" };
    let mut text = format!(
        "Some of its tests read the course's data files: run them with \
         `WEIR_COURSE_DATA=<folder holding {file}> cargo test` (without it they look in \
         `../shared/data/course`)."
    );
    if example == "diabetes" {
        text.push_str(
            " The default `weir run` scores the file named by the `diabetes_predict_path` \
             parameter; set it with `weir run --params diabetes_predict_path=<file>`.",
        );
    }
    text
}

/// Every file of the `empty` starter.
pub(crate) fn empty_project(name: &str, weir_dependency: &str) -> Vec<(String, Vec<u8>)> {
    let lib = lib_name(name);
    let mut files: Vec<(String, String)> = vec![
        (
            "Cargo.toml".into(),
            cargo_toml(
                name,
                weir_dependency,
                "serde = { version = \"1\", features = [\"derive\"] }\n",
                "",
            ),
        ),
        (
            "src/main.rs".into(),
            format!(
                "//! The `{name}` project's binary: weir's command line over the project's \
                 pipelines.\n\nfn main() -> std::process::ExitCode {{\n    \
                 weir::main({lib}::registry())\n}}\n"
            ),
        ),
        (
            "src/lib.rs".into(),
            format!(
                "//! The `{name}` project as a library: its pipelines and their nodes, so tests \
                 can call them.\n\npub mod pipelines;\n\npub use pipelines::registry;\n"
            ),
        ),
        ("src/pipelines/mod.rs".into(), PIPELINES_MOD.to_owned()),
        (
            "conf/base/catalog.yml".into(),
            "# The datasets of this project, by name. A name no entry declares lives in memory.\n\
             #\n# companies:\n#   type: pandas.CSVDataset\n#   filepath: data/01_raw/companies.csv\n"
                .into(),
        ),
        (
            "conf/base/parameters.yml".into(),
            "# Parameters shared by the pipelines, read by nodes as `params:key`.\n\
             # Each pipeline's own parameters live in `parameters_<pipeline>.yml`.\n"
                .into(),
        ),
        (
            "conf/base/logging.yml".into(),
            "# Kept for Kedro's layout; weir does not read this file.\n\
             # Logging is set on the command line: `-v` (debug), `-vv` (trace), `-q` (warnings\n\
             # only), `--log-format json`, or `RUST_LOG=weir=debug`. Logs go to stderr.\n"
                .into(),
        ),
        ("conf/local/.gitkeep".into(), String::new()),
        ("conf/local/credentials.yml".into(), CREDENTIALS.to_owned()),
        (".gitignore".into(), gitignore(&[])),
        ("README.md".into(), readme(name, None)),
        (
            "tests/pipelines.rs".into(),
            format!(
                "//! The project's pipelines, checked without running them.\n\n\
                 #[test]\nfn every_registered_pipeline_is_valid() {{\n    \
                 let registry = {lib}::registry();\n    \
                 assert!(registry.names().any(|name| name == \"__default__\"));\n    \
                 if let Err((name, error)) = registry.validate() {{\n        \
                 panic!(\"pipeline `{{name}}` is invalid: {{error}}\");\n    }}\n}}\n"
            ),
        ),
    ];
    for layer in DATA_LAYERS {
        files.push((format!("data/{layer}/.gitkeep"), String::new()));
    }
    files.sort();
    files.into_iter().map(|(path, text)| (path, text.into_bytes())).collect()
}

/// `src/pipelines/mod.rs` of the `empty` starter, with the markers `weir pipeline` edits.
const PIPELINES_MOD: &str = "\
//! The project's pipelines, one module each, and the registry the command line runs them from.
//!
//! `weir pipeline create NAME` adds a module and registers it between the `weir:` marker
//! comments below; `weir pipeline delete NAME` removes both. Keep the markers; edit freely
//! around them.

// weir:pipeline-modules:start
// weir:pipeline-modules:end

use weir::prelude::*;

/// Every pipeline of the project, with `__default__` running them all.
pub fn registry() -> PipelineRegistry {
    PipelineRegistry::new()
        // weir:pipeline-registry:start
        // weir:pipeline-registry:end
        .with_default_of_all()
}
";

/// `src/pipelines/NAME.rs` of a new pipeline.
pub(crate) fn pipeline_module(pipeline: &str) -> String {
    format!(
        "//! The `{pipeline}` pipeline. Its parameters live in `conf/base/parameters_{pipeline}.yml`.

use serde::{{Deserialize, Serialize}};
use weir::prelude::*;

/// The `{pipeline}` parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {{
    /// A greeting: replace it with the pipeline's real parameters.
    pub greeting: String,
}}

/// A first node: replace it with the pipeline's real work.
#[allow(clippy::needless_pass_by_value, reason = \"nodes receive their inputs by value\")]
pub fn greet(settings: Params<Settings>) -> Result<String, NodeError> {{
    Ok(settings.greeting.clone())
}}

/// The `{pipeline}` pipeline.
pub fn pipeline() -> Pipeline {{
    Pipeline::new([
        node(greet, [\"params:{pipeline}\"], \"{pipeline}_greeting\").name(\"{pipeline}_greet\"),
    ])
}}
"
    )
}

/// `conf/base/parameters_NAME.yml` of a new pipeline.
pub(crate) fn pipeline_parameters(pipeline: &str) -> String {
    format!(
        "# Parameters of the `{pipeline}` pipeline, read by its nodes as `params:{pipeline}`.\n\
         {pipeline}:\n  greeting: hello from {pipeline}\n"
    )
}

/// `tests/pipeline_NAME.rs` of a new pipeline.
pub(crate) fn pipeline_test(lib: &str, pipeline: &str) -> String {
    format!(
        "//! The `{pipeline}` pipeline: registered, valid, and its nodes on small inputs.

use {lib}::pipelines::{pipeline};

#[test]
fn {pipeline}_is_registered_and_valid() {{
    let registry = {lib}::registry();
    assert!(registry.names().any(|name| name == \"{pipeline}\"));
    if let Err((name, error)) = registry.validate() {{
        panic!(\"pipeline `{{name}}` is invalid: {{error}}\");
    }}
}}

#[test]
fn {pipeline}_greet_returns_the_greeting() {{
    let settings = {pipeline}::Settings {{ greeting: \"hi\".to_owned() }};
    let greeting = {pipeline}::greet(weir::data::Params(settings)).expect(\"no error\");
    assert_eq!(greeting, \"hi\");
}}
"
    )
}
