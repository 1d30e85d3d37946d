//! Project scaffolding for the standalone `weir` command: the starters `weir new` writes and the
//! pipeline modules `weir pipeline create` adds.
//!
//! Starters:
//! - `empty`: written from the templates in [`templates`]: a registry in
//!   `src/pipelines/mod.rs` with marker comments that `weir pipeline create/delete` edit.
//! - `iris`, `diabetes`: the example projects of this repository, embedded at compile time by
//!   `build.rs` (see its docs for why a build script and not `include_dir`). Their crate and
//!   library are renamed to the new project's name (`iris::` becomes `NAME::`,
//!   `CARGO_BIN_EXE_iris` becomes `CARGO_BIN_EXE_NAME`).
//!
//! Every project is its own Cargo workspace (a `[workspace]` table), so one created inside a
//! checkout of weir does not join weir's workspace.
//!
//! # Limitations
//!
//! - The example starters exist only in a `weir` built from a checkout holding `examples/`;
//!   an example that was incomplete at build time is reported as unavailable.
//! - Some tests of the example starters read the course's data files. They look in the folder
//!   named by `WEIR_COURSE_DATA`, else in `../shared/data/course` beside the project; catalog
//!   paths into the course folder are rewritten to that same place (the diabetes default run
//!   reads `diabetes_predict.csv` there unless `--params diabetes_predict_path=...` is given).
//! - The renaming is textual on a few known patterns; an example that names its crate in
//!   another way (say `use iris as x`) would need a new rule here.

pub(crate) mod pipeline;
pub(crate) mod templates;

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// An example project embedded by `build.rs`.
#[derive(Debug)]
pub(crate) struct ExampleStarter {
    /// The example's folder (and crate) name.
    pub(crate) name: &'static str,
    /// `[dependencies]` lines without `weir`, with the workspace's versions filled in.
    pub(crate) dependencies: &'static str,
    /// `[dev-dependencies]` lines the tests use.
    pub(crate) dev_dependencies: &'static str,
    /// `#[path = "..."]` attributes pointing outside the example, and the path of the copy
    /// (relative to the project) the generated source points to instead.
    pub(crate) path_rewrites: &'static [(&'static str, &'static str)],
    /// `(relative path, contents)` of every file the starter ships.
    pub(crate) files: &'static [(&'static str, &'static [u8])],
}

include!(concat!(env!("OUT_DIR"), "/starters.rs"));

/// The version of this weir build (shown by `weir info`).
pub(crate) const WEIR_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The data layers of a project, as in Kedro's template.
pub(crate) const DATA_LAYERS: [&str; 8] = [
    "01_raw",
    "02_intermediate",
    "03_primary",
    "04_feature",
    "05_model_input",
    "06_models",
    "07_model_output",
    "08_reporting",
];

/// A user mistake in `weir new` or `weir pipeline create/delete`: a message and its fix.
#[derive(Debug)]
pub(crate) struct ScaffoldError {
    pub(crate) message: String,
    pub(crate) hints: Vec<String>,
}

impl ScaffoldError {
    pub(crate) fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        ScaffoldError { message: message.into(), hints: vec![hint.into()] }
    }

    /// An I/O failure on `path`.
    pub(crate) fn io(action: &str, path: &Path, error: &std::io::Error) -> Self {
        ScaffoldError {
            message: format!("cannot {action} `{}`: {error}", path.display()),
            hints: vec!["check that the folder exists and that you may write to it".to_owned()],
        }
    }
}

/// Rust's keywords (2024 edition, reserved ones included): not usable as a crate or module name.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Names a project may not take: they clash with crates it depends on or with Cargo's targets.
const RESERVED_CRATES: &[&str] =
    &["weir", "std", "core", "alloc", "proc_macro", "test", "build", "deps", "examples", "src"];

/// Checks a project (crate) name: lowercase ASCII letters, digits, `_` and `-`, starting with a
/// letter, and no crate the project depends on (see [`clashing_crate`]).
pub(crate) fn validate_crate_name(name: &str) -> Result<(), ScaffoldError> {
    let hint = "use lowercase letters, digits, `_` or `-`, starting with a letter, e.g. \
                `weir new spaceflights`";
    let Some(first) = name.chars().next() else {
        return Err(ScaffoldError::new("the project name is empty", hint));
    };
    if !first.is_ascii_alphabetic() {
        return Err(ScaffoldError::new(
            format!("invalid project name `{name}`: it must start with a letter"),
            hint,
        ));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(ScaffoldError::new(
            format!("invalid project name `{name}`: `{bad}` is not allowed in a crate name"),
            hint,
        ));
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(ScaffoldError::new(
            format!("invalid project name `{name}`: it has uppercase letters"),
            format!("use lowercase, e.g. `weir new {}`", name.to_ascii_lowercase()),
        ));
    }
    let ident = lib_name(name);
    if KEYWORDS.contains(&ident.as_str()) || RESERVED_CRATES.contains(&ident.as_str()) {
        return Err(ScaffoldError::new(
            format!("invalid project name `{name}`: it is a Rust keyword or a reserved crate name"),
            "pick another name, e.g. `my_project`",
        ));
    }
    if let Some(krate) = clashing_crate(name, &[]) {
        return Err(crate_clash("project", name, &krate));
    }
    Ok(())
}

/// The crate a project or pipeline named `name` would hide, if any: weir's own crates and
/// the crates they use (`[workspace.dependencies]`, read by `build.rs`), every starter's
/// dependencies, and `extra` (e.g. the dependencies of an existing project).
pub(crate) fn clashing_crate(name: &str, extra: &[String]) -> Option<String> {
    let ident = lib_name(name);
    let starters = EXAMPLE_STARTERS
        .iter()
        .flat_map(|s| manifest_dependencies(&format!("[dependencies]\n{}", s.dependencies)));
    WORKSPACE_DEPENDENCIES
        .iter()
        .map(|&krate| krate.to_owned())
        .chain(starters)
        .chain(extra.iter().cloned())
        .find(|krate| lib_name(krate) == ident)
}

/// The error for a name equal to a dependency's.
pub(crate) fn crate_clash(what: &str, name: &str, krate: &str) -> ScaffoldError {
    ScaffoldError::new(
        format!(
            "invalid {what} name `{name}`: it is the name of the `{krate}` crate the project \
             depends on, and would hide it"
        ),
        format!("pick another name, e.g. `my_{}`", lib_name(name)),
    )
}

/// The keys of the `[dependencies]` and `[dev-dependencies]` tables of a `Cargo.toml`.
pub(crate) fn manifest_dependencies(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_dependencies = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]" || line == "[dev-dependencies]";
            continue;
        }
        if !in_dependencies || line.starts_with('#') {
            continue;
        }
        let key = line.split(['=', '.']).next().unwrap_or_default().trim();
        if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            names.push(key.to_owned());
        }
    }
    names
}

/// The library name Cargo derives from a package name.
pub(crate) fn lib_name(crate_name: &str) -> String {
    crate_name.replace('-', "_")
}

/// What `weir new` writes: relative paths and contents, before anything touches the disk.
pub(crate) fn render_project(
    name: &str,
    starter: &str,
    weir_dependency: &str,
) -> Result<Vec<(String, Vec<u8>)>, ScaffoldError> {
    if starter == "empty" {
        return Ok(templates::empty_project(name, weir_dependency));
    }
    let Some(example) = EXAMPLE_STARTERS.iter().find(|s| s.name == starter) else {
        return Err(ScaffoldError::new(
            format!("unknown starter `{starter}`"),
            "choose one of `empty`, `iris`, `diabetes`",
        ));
    };
    if example.files.is_empty() {
        return Err(ScaffoldError::new(
            format!("the `{starter}` starter is not available in this build of weir"),
            format!(
                "`examples/{starter}` was missing or incomplete when weir was built; \
                 rebuild weir from a checkout holding it, or use `--starter iris`"
            ),
        ));
    }
    Ok(render_example(name, example, weir_dependency))
}

fn render_example(
    name: &str,
    example: &ExampleStarter,
    weir_dependency: &str,
) -> Vec<(String, Vec<u8>)> {
    let lib = lib_name(name);
    let mut files = Vec::new();
    let mut example_readme = String::new();
    for (path, contents) in example.files {
        if *path == "README.md" {
            example_readme = String::from_utf8_lossy(contents).into_owned();
            continue;
        }
        let is_rust = Path::new(path).extension().is_some_and(|ext| ext == "rs");
        let contents = if is_rust {
            let mut text =
                rename_crate(&String::from_utf8_lossy(contents), example.name, name, &lib);
            for (attribute, local) in example.path_rewrites {
                // The attribute is relative to the borrowing file's folder, as is `support/`.
                let file_name = Path::new(local).file_name().unwrap_or_default().to_string_lossy();
                text = text.replace(
                    &format!("#[path = \"{attribute}\"]"),
                    &format!("#[path = \"support/{file_name}\"]"),
                );
            }
            text.into_bytes()
        } else if Path::new(path).extension().is_some_and(|ext| ext == "yml") {
            // Paths into the course folder are relative to the example's place in the weir
            // repository; a project looks beside itself, as its tests do.
            String::from_utf8_lossy(contents)
                .replace("../../../shared/data/course/", "../shared/data/course/")
                .into_bytes()
        } else {
            contents.to_vec()
        };
        files.push(((*path).to_owned(), contents));
    }

    let manifest = templates::cargo_toml(
        name,
        weir_dependency,
        example.dependencies,
        example.dev_dependencies,
    );
    files.push(("Cargo.toml".to_owned(), manifest.into_bytes()));
    let shipped: Vec<&str> = example
        .files
        .iter()
        .map(|(path, _)| *path)
        .filter(|path| path.starts_with("data/") && !path.ends_with(".gitkeep"))
        .collect();
    files.push((".gitignore".to_owned(), templates::gitignore(&shipped).into_bytes()));
    let readme = templates::readme(name, Some((example.name, &example_readme)));
    files.push(("README.md".to_owned(), readme.into_bytes()));
    if !files.iter().any(|(path, _)| path.starts_with("conf/local/credentials")) {
        files.push(("conf/local/credentials.yml".to_owned(), templates::CREDENTIALS.into()));
    }
    if !files.iter().any(|(path, _)| path == "conf/local/.gitkeep") {
        files.push(("conf/local/.gitkeep".to_owned(), Vec::new()));
    }
    files.sort();
    files
}

/// Renames the example's crate in Rust source: paths (`iris::`), the binary's environment
/// variable in tests, the program name in expected messages, and the course data folder.
fn rename_crate(source: &str, old: &str, new_crate: &str, new_lib: &str) -> String {
    let mut text = source
        .replace(&format!("CARGO_BIN_EXE_{old}"), &format!("CARGO_BIN_EXE_{new_crate}"))
        .replace(&format!("\"{old} "), &format!("\"{new_crate} "));
    text = replace_word(&text, &format!("{old}::"), &format!("{new_lib}::"));
    text = text.replace(
        "\"the course data is expected at {}\"",
        "\"the course data is expected at {} (set WEIR_COURSE_DATA to the course's data folder)\"",
    );
    text.replace(
        "Path::new(env!(\"CARGO_MANIFEST_DIR\")).join(\"../../../shared/data/course\")",
        "std::env::var_os(\"WEIR_COURSE_DATA\").map_or_else(\n        \
         || Path::new(env!(\"CARGO_MANIFEST_DIR\")).join(\"../shared/data/course\"),\n        \
         PathBuf::from,\n    )",
    )
}

/// Replaces `pattern` where it does not continue an identifier (`iris::` but not `my_iris::`).
fn replace_word(text: &str, pattern: &str, replacement: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(pattern) {
        let before = rest[..at].chars().next_back().or_else(|| out.chars().next_back());
        out.push_str(&rest[..at]);
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push_str(pattern);
        } else {
            out.push_str(replacement);
        }
        rest = &rest[at + pattern.len()..];
    }
    out.push_str(rest);
    out
}

/// Writes `files` under `root`, creating folders; never overwrites a file.
pub(crate) fn write_files(root: &Path, files: &[(String, Vec<u8>)]) -> Result<(), ScaffoldError> {
    for (relative, contents) in files {
        let path = root.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| ScaffoldError::io("create the folder", parent, &e))?;
        }
        write_new(&path, contents)?;
    }
    Ok(())
}

/// Creates `path` with `contents`, failing if it exists.
pub(crate) fn write_new(path: &Path, contents: &[u8]) -> Result<(), ScaffoldError> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| ScaffoldError::io("create", path, &e))?;
    file.write_all(contents).map_err(|e| ScaffoldError::io("write", path, &e))
}

/// Replaces the contents of an existing file (the registry, edited in place).
pub(crate) fn overwrite(path: &Path, contents: &str) -> Result<(), ScaffoldError> {
    let mut file = std::fs::File::create(path).map_err(|e| ScaffoldError::io("write", path, &e))?;
    file.write_all(contents.as_bytes()).map_err(|e| ScaffoldError::io("write", path, &e))
}

/// The nearest folder holding `conf/base` and `Cargo.toml`, from `start` up.
pub(crate) fn find_cargo_project(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("conf/base").is_dir() && dir.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_crate_paths_but_not_dataset_names() {
        let source = "use iris::pipelines;\nlet x = my_iris::a; // iris_raw\n\
                      env!(\"CARGO_BIN_EXE_iris\"); \"iris run --from-nodes\"";
        let renamed = rename_crate(source, "iris", "flowers", "flowers");
        assert_eq!(
            renamed,
            "use flowers::pipelines;\nlet x = my_iris::a; // iris_raw\n\
             env!(\"CARGO_BIN_EXE_flowers\"); \"flowers run --from-nodes\""
        );
    }

    #[test]
    fn name_rules() {
        assert!(validate_crate_name("spaceflights").is_ok());
        assert!(validate_crate_name("my-project_2").is_ok());
        for bad in [
            "",
            "2fast",
            "has space",
            "fn",
            "weir",
            "ünï",
            "Foo",
            "serde",
            "weir-core",
            "weir_ml",
            "polars",
            "serde_json",
            "tracing",
        ] {
            assert!(validate_crate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dependency_keys_of_both_tables() {
        let manifest = "[package]\nname = \"x\"\n[dependencies]\nweir = { path = \"a\" }\n\
                        serde.workspace = true\n# polars = 1\n[dev-dependencies]\ntempfile = \"3\"\n\
                        [workspace]\n";
        assert_eq!(manifest_dependencies(manifest), ["weir", "serde", "tempfile"]);
        assert_eq!(
            clashing_crate("tempfile", &manifest_dependencies(manifest)).as_deref(),
            Some("tempfile")
        );
        assert_eq!(clashing_crate("spaceflights", &manifest_dependencies(manifest)), None);
    }
}
