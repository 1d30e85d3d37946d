//! `weir pipeline create NAME` and `weir pipeline delete NAME`: add or remove a pipeline module,
//! its `parameters_NAME.yml`, its test file and its two lines in `src/pipelines/mod.rs`.
//!
//! The registry is edited only between the `weir:` marker comments the `empty` starter writes
//! (see [`super::templates`]), so the edit is exact and `delete` undoes `create` byte for byte.
//!
//! # Limitations
//!
//! A registry without the markers (the `iris` and `diabetes` starters, or one whose markers were
//! removed) is refused with a hint rather than edited by guesswork.

use std::path::{Path, PathBuf};

use super::templates::{self, MODULES_END, MODULES_START, REGISTRY_END, REGISTRY_START};
use super::{
    KEYWORDS, ScaffoldError, clashing_crate, crate_clash, lib_name, manifest_dependencies,
    overwrite, write_new,
};

/// The files of one pipeline, relative to the project root.
struct PipelineFiles {
    module: PathBuf,
    parameters: PathBuf,
    test: PathBuf,
}

impl PipelineFiles {
    fn of(pipeline: &str) -> Self {
        PipelineFiles {
            module: PathBuf::from(format!("src/pipelines/{pipeline}.rs")),
            parameters: PathBuf::from(format!("conf/base/parameters_{pipeline}.yml")),
            test: PathBuf::from(format!("tests/pipeline_{pipeline}.rs")),
        }
    }
}

/// Checks a pipeline name: a lowercase Rust identifier, since it names a module.
pub(crate) fn validate_pipeline_name(name: &str) -> Result<(), ScaffoldError> {
    let hint = "use lowercase letters, digits and `_`, starting with a letter, e.g. \
                `data_processing`";
    let is_identifier = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !is_identifier {
        return Err(ScaffoldError::new(format!("invalid pipeline name `{name}`"), hint));
    }
    if KEYWORDS.contains(&name) || name == "mod" || name == "registry" {
        return Err(ScaffoldError::new(
            format!("invalid pipeline name `{name}`: it is a Rust keyword or a reserved name"),
            "pick another name",
        ));
    }
    Ok(())
}

/// Adds the pipeline `name` to the project at `root`; returns the files written.
pub(crate) fn create(root: &Path, name: &str) -> Result<Vec<PathBuf>, ScaffoldError> {
    validate_pipeline_name(name)?;
    let registry_path = root.join("src/pipelines/mod.rs");
    let registry = read_registry(&registry_path)?;
    let files = PipelineFiles::of(name);
    let module_line = format!("pub mod {name};");
    if contains_line(&registry, &module_line) {
        return Err(ScaffoldError::new(
            format!("pipeline `{name}` already exists in `src/pipelines/mod.rs`"),
            format!("pick another name, or remove it first with `weir pipeline delete {name}`"),
        ));
    }
    for existing in [&files.module, &files.parameters, &files.test] {
        if root.join(existing).exists() {
            return Err(ScaffoldError::new(
                format!("`{}` already exists", existing.display()),
                "pick another name, or move that file away first",
            ));
        }
    }
    let lib = lib_name(&package_name(root)?);
    // `pub mod serde;` would hide the crate from `use serde::...` in the registry's module.
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    if let Some(krate) = clashing_crate(name, &manifest_dependencies(&manifest)) {
        return Err(crate_clash("pipeline", name, &krate));
    }

    let registry = insert_before(&registry, MODULES_END, &module_line)
        .and_then(|text| {
            insert_before(&text, REGISTRY_END, &format!(".with({name:?}, {name}::pipeline())"))
        })
        .ok_or_else(|| missing_markers(&registry_path))?;

    std::fs::create_dir_all(root.join("tests"))
        .map_err(|e| ScaffoldError::io("create the folder", &root.join("tests"), &e))?;
    write_new(&root.join(&files.module), templates::pipeline_module(name).as_bytes())?;
    write_new(&root.join(&files.parameters), templates::pipeline_parameters(name).as_bytes())?;
    write_new(&root.join(&files.test), templates::pipeline_test(&lib, name).as_bytes())?;
    overwrite(&registry_path, &registry)?;
    Ok(vec![files.module, files.parameters, files.test, PathBuf::from("src/pipelines/mod.rs")])
}

/// The files `delete` would remove (those that exist), relative to `root`, after checking that
/// the pipeline is registered; nothing is changed.
pub(crate) fn delete_plan(root: &Path, name: &str) -> Result<Vec<PathBuf>, ScaffoldError> {
    validate_pipeline_name(name)?;
    let registry = read_registry(&root.join("src/pipelines/mod.rs"))?;
    if !contains_line(&registry, &format!("pub mod {name};")) {
        return Err(ScaffoldError::new(
            format!("no pipeline `{name}` in `src/pipelines/mod.rs`"),
            "`weir pipeline list` shows the project's pipelines",
        ));
    }
    let files = PipelineFiles::of(name);
    Ok([files.module, files.parameters, files.test]
        .into_iter()
        .filter(|file| root.join(file).exists())
        .collect())
}

/// Removes the pipeline `name` from the project at `root`; returns the files removed.
pub(crate) fn delete(root: &Path, name: &str) -> Result<Vec<PathBuf>, ScaffoldError> {
    delete_plan(root, name)?;
    let registry_path = root.join("src/pipelines/mod.rs");
    let registry = read_registry(&registry_path)?;
    let module_line = format!("pub mod {name};");
    let registry_line = format!(".with({name:?}, {name}::pipeline())");

    let registry: String = registry
        .split_inclusive('\n')
        .filter(|line| line.trim() != module_line && line.trim() != registry_line)
        .collect();
    overwrite(&registry_path, &registry)?;
    let files = PipelineFiles::of(name);
    let mut removed = Vec::new();
    for file in [files.module, files.parameters, files.test] {
        match std::fs::remove_file(root.join(&file)) {
            Ok(()) => removed.push(file),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(ScaffoldError::io("remove", &root.join(&file), &e)),
        }
    }
    Ok(removed)
}

fn read_registry(path: &Path) -> Result<String, ScaffoldError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScaffoldError {
        message: format!("cannot read the pipeline registry `{}`: {e}", path.display()),
        hints: vec![
            "run the command inside a project made by `weir new` (it has `src/pipelines/mod.rs`)"
                .to_owned(),
        ],
    })?;
    if [MODULES_START, MODULES_END, REGISTRY_START, REGISTRY_END].iter().all(|m| text.contains(m)) {
        Ok(text)
    } else {
        Err(missing_markers(path))
    }
}

fn missing_markers(path: &Path) -> ScaffoldError {
    ScaffoldError::new(
        format!("`{}` lacks the `// weir:pipeline-...` marker comments", path.display()),
        format!(
            "add `{MODULES_START}` / `{MODULES_END}` around the `pub mod` lines and \
             `{REGISTRY_START}` / `{REGISTRY_END}` around the `.with(..)` calls, as \
             `weir new --starter empty` writes them"
        ),
    )
}

fn contains_line(text: &str, wanted: &str) -> bool {
    text.lines().any(|line| line.trim() == wanted)
}

/// Inserts `line` just before the line holding `marker`, with the marker's indentation.
fn insert_before(text: &str, marker: &str, line: &str) -> Option<String> {
    let at = text.find(marker)?;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..at];
    Some(format!("{}{indent}{line}\n{}", &text[..line_start], &text[line_start..]))
}

/// The package name in `root/Cargo.toml` (the first `name = "..."` of `[package]`).
fn package_name(root: &Path) -> Result<String, ScaffoldError> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| ScaffoldError::io("read", &path, &e))?;
    text.lines()
        .skip_while(|line| line.trim() != "[package]")
        .find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == "name").then(|| value.trim().trim_matches('"').to_owned())
        })
        .ok_or_else(|| {
            ScaffoldError::new(
                format!("no `name` in the `[package]` table of `{}`", path.display()),
                "the project's Cargo.toml needs a `[package]` table with a `name`",
            )
        })
}
