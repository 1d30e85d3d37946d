//! Finding configuration on disk: the environment folders under `conf/`, and the files of one
//! section inside an environment, picked by Kedro-style glob patterns.
//!
//! Kedro globs each pattern with fsspec and keeps `.yml`, `.yaml` and `.json` files that are not
//! hidden (no path component starting with `.`). Here the environment folder is walked once, in
//! sorted order, and every file's path relative to it is matched against the patterns, so the
//! result is the same set of files in a deterministic order.
//!
//! # Limitations
//! The glob matcher knows `*`, `?` and `**` (a whole path component matching any number of
//! folders); character classes such as `[abc]` are matched literally. Symbolic links to folders
//! are followed up to [`MAX_DEPTH`] levels deep, which also stops link loops.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::ConfigError;

/// Extensions Kedro's `OmegaConfigLoader` reads.
const EXTENSIONS: [&str; 3] = ["yml", "yaml", "json"];

/// How deep the walk goes below an environment folder.
const MAX_DEPTH: usize = 32;

/// The sections Kedro knows, with its patterns. Kedro reads `globals.yml` only; the weir spec
/// also allows `globals*` files and folders, so globals get the same three patterns as the other
/// sections (which include `globals.yml`).
pub(super) fn default_patterns() -> BTreeMap<String, Vec<String>> {
    ["catalog", "parameters", "credentials", "globals"]
        .into_iter()
        .map(|section| {
            let patterns =
                vec![format!("{section}*"), format!("{section}*/**"), format!("**/{section}*")];
            (section.to_owned(), patterns)
        })
        .collect()
}

/// Checks that `conf_source/base_env` exists, and that `run_env` exists unless it is the default
/// run environment or the base itself.
pub(super) fn check_environments(
    conf_source: &Path,
    base_env: &str,
    run_env: &str,
    default_run_env: &str,
) -> Result<(), ConfigError> {
    if conf_source.is_file() {
        return Err(ConfigError::ConfSourceIsFile { path: conf_source.to_path_buf() });
    }
    if !conf_source.exists() {
        return Err(ConfigError::ConfSourceMissing { path: conf_source.to_path_buf() });
    }
    if !conf_source.join(base_env).is_dir() {
        return Err(ConfigError::MissingBase {
            conf_source: conf_source.to_path_buf(),
            base_env: base_env.to_owned(),
        });
    }

    let is_tolerated = run_env == base_env || run_env == default_run_env;
    let exists = is_plain_folder_name(run_env) && conf_source.join(run_env).is_dir();
    if exists || (is_tolerated && is_plain_folder_name(run_env)) {
        return Ok(());
    }

    Err(ConfigError::UnknownEnv {
        env: run_env.to_owned(),
        conf_source: conf_source.to_path_buf(),
        available: list_environments(conf_source)?,
    })
}

/// An environment name must be one visible folder directly under `conf/`: no separators, no
/// `..`, not hidden.
fn is_plain_folder_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['/', '\\']) && !is_hidden(name)
}

/// The visible folders directly under `conf_source`, sorted.
pub(super) fn list_environments(conf_source: &Path) -> Result<Vec<String>, ConfigError> {
    let mut names: Vec<String> = read_dir_sorted(conf_source)?
        .into_iter()
        .filter(|(name, path)| !is_hidden(name) && path.is_dir())
        .map(|(name, _)| name)
        .collect();
    names.sort();
    Ok(names)
}

/// The files of `env_dir` whose path relative to it matches one of `patterns`, sorted by that
/// relative path. Hidden files and everything inside hidden folders are skipped.
pub(super) fn find_files(env_dir: &Path, patterns: &[String]) -> Result<Vec<PathBuf>, ConfigError> {
    let mut found = Vec::new();
    walk(env_dir, &mut Vec::new(), patterns, &mut found)?;
    found.sort();
    Ok(found.into_iter().map(|(_, path)| path).collect())
}

/// Depth-first walk collecting `(relative path, full path)` of matching files.
fn walk(
    dir: &Path,
    relative: &mut Vec<String>,
    patterns: &[String],
    found: &mut Vec<(String, PathBuf)>,
) -> Result<(), ConfigError> {
    if relative.len() > MAX_DEPTH {
        return Ok(());
    }

    for (name, path) in read_dir_sorted(dir)? {
        if is_hidden(&name) {
            continue;
        }

        relative.push(name);
        if path.is_dir() {
            walk(&path, relative, patterns, found)?;
        } else if has_config_extension(&path) {
            let relative_path = relative.join("/");
            if patterns.iter().any(|pattern| glob_match(pattern, &relative_path)) {
                found.push((relative_path, path));
            }
        }
        relative.pop();
    }
    Ok(())
}

/// Entries of `dir` as `(file name, path)`, sorted by name. Names that are not valid UTF-8 are
/// skipped: no pattern could name them.
fn read_dir_sorted(dir: &Path) -> Result<Vec<(String, PathBuf)>, ConfigError> {
    let io_error = |source| ConfigError::Io { path: dir.to_path_buf(), source };
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_error)? {
        let entry = entry.map_err(io_error)?;
        if let Ok(name) = entry.file_name().into_string() {
            entries.push((name, entry.path()));
        }
    }
    entries.sort();
    Ok(entries)
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('.')
}

fn has_config_extension(path: &Path) -> bool {
    path.extension().and_then(|ext| ext.to_str()).is_some_and(|ext| EXTENSIONS.contains(&ext))
}

/// Whether `path` (components joined by `/`) matches the glob `pattern`.
pub(super) fn glob_match(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').filter(|part| !part.is_empty()).collect();
    let path: Vec<&str> = path.split('/').collect();
    match_components(&pattern, &path)
}

fn match_components(pattern: &[&str], path: &[&str]) -> bool {
    let Some((first, rest)) = pattern.split_first() else {
        return path.is_empty();
    };

    if *first == "**" {
        // `**` swallows zero or more whole components.
        return (0..=path.len()).any(|skip| match_components(rest, &path[skip..]));
    }

    let Some((name, path_rest)) = path.split_first() else {
        return false;
    };
    match_name(first.as_bytes(), name.as_bytes()) && match_components(rest, path_rest)
}

/// Matches one path component against one pattern component with `*` and `?`.
fn match_name(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|skip| match_name(rest, &name[skip..])),
        Some((b'?', rest)) => !name.is_empty() && match_name(rest, &name[1..]),
        Some((byte, rest)) => name.first() == Some(byte) && match_name(rest, &name[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_glob(pattern: &str, path: &str, expected: bool) {
        assert_eq!(glob_match(pattern, path), expected, "{pattern} against {path}");
    }

    #[test]
    fn kedro_catalog_patterns_match_files_folders_and_nested_names() {
        // From Kedro's docs: a file starting with `catalog`, any file in a folder starting with
        // `catalog`, or a file starting with `catalog` in any subfolder.
        check_glob("catalog*", "catalog.yml", true);
        check_glob("catalog*", "catalog_models.yaml", true);
        check_glob("catalog*", "sub/catalog.yml", false);
        check_glob("catalog*/**", "catalog/models/rf.yml", true);
        check_glob("catalog*/**", "catalogs/a.yml", true);
        check_glob("catalog*/**", "other/a.yml", false);
        check_glob("**/catalog*", "pipelines/ds/catalog.yml", true);
        check_glob("**/catalog*", "catalog.yml", true);
        check_glob("**/catalog*", "pipelines/ds/params.yml", false);
        check_glob("parameters*", "catalog.yml", false);
    }

    #[test]
    fn single_star_stays_within_one_component() {
        check_glob("*.yml", "a/b.yml", false);
        check_glob("a/*.yml", "a/b.yml", true);
        check_glob("glob?ls.yml", "globals.yml", true);
        check_glob("globals.yml", "globals.yaml", false);
    }

    #[test]
    fn walk_is_sorted_skips_hidden_and_foreign_extensions() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "catalog_b.yml",
            "catalog_a.json",
            "catalog.txt",
            ".catalog_hidden.yml",
            ".hidden/catalog.yml",
            "catalog/.secret.yml",
            "catalog/z/nested.yaml",
            "pipelines/x/catalog.yml",
        ] {
            let path = root.join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::File::create(&path).unwrap();
        }

        let patterns = &default_patterns()["catalog"];
        let found: Vec<String> = find_files(root, patterns)
            .unwrap()
            .iter()
            .map(|path| path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"))
            .collect();
        assert_eq!(
            found,
            ["catalog/z/nested.yaml", "catalog_a.json", "catalog_b.yml", "pipelines/x/catalog.yml"]
        );
    }

    #[test]
    fn missing_named_environment_lists_the_ones_present() {
        let dir = tempfile::tempdir().unwrap();
        for env in ["base", "local", "staging", ".git"] {
            fs::create_dir(dir.path().join(env)).unwrap();
        }

        let error = check_environments(dir.path(), "base", "prod", "local").unwrap_err();
        let ConfigError::UnknownEnv { env, available, .. } = error else {
            panic!("expected UnknownEnv, got {error:?}");
        };
        assert_eq!(env, "prod");
        assert_eq!(available, ["base", "local", "staging"]);
        assert!(check_environments(dir.path(), "base", "../base", "local").is_err());
    }

    #[test]
    fn missing_local_and_base_as_run_env_are_fine() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("base")).unwrap();
        assert!(check_environments(dir.path(), "base", "local", "local").is_ok());
        assert!(check_environments(dir.path(), "base", "base", "local").is_ok());
        assert!(matches!(
            check_environments(dir.path(), "staging", "local", "local"),
            Err(ConfigError::MissingBase { .. })
        ));
    }

    #[test]
    fn a_missing_conf_source_is_said_not_to_exist() {
        let dir = tempfile::tempdir().unwrap();
        let error = check_environments(&dir.path().join("nope"), "base", "local", "local");
        let Err(error @ ConfigError::ConfSourceMissing { .. }) = error else { panic!("{error:?}") };
        assert!(error.to_string().contains("does not exist"), "{error}");
    }

    #[test]
    fn a_file_or_archive_as_conf_source_is_named_as_such() {
        use crate::error::Hinted;

        let dir = tempfile::tempdir().unwrap();
        for name in ["catalog.yml", "conf.tar.gz"] {
            let path = dir.path().join(name);
            fs::File::create(&path).unwrap();
            let error = check_environments(&path, "base", "local", "local");
            let Err(error @ ConfigError::ConfSourceIsFile { .. }) = error else {
                panic!("{error:?}")
            };
            assert!(error.to_string().contains("is a file, not a folder"), "{error}");
            assert!(!error.hint().unwrap().contains("/base"), "{error:?}");
        }
        let archive = ConfigError::ConfSourceIsFile { path: dir.path().join("conf.tar.gz") };
        assert!(archive.hint().unwrap().contains("command line unpacks `.tar.gz` archives"));
    }
}
