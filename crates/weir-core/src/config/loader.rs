//! Loading one section, step by step, in the order Kedro's `OmegaConfigLoader.__getitem__` does:
//! 1. the globals are loaded first (unless the section is `globals`), since every other section
//!    may refer to them;
//! 2. for each environment (`base`, then the run environment unless it is `base`): find the
//!    section's files, parse them, merge them after the duplicate-key check, resolve `${...}`
//!    within that environment, and drop `_` keys (except in `parameters`);
//! 3. merge the environments with the section's strategy;
//! 4. for `parameters`, soft-merge the runtime parameters over the result.
//!
//! Interpolation happens per environment, as in Kedro: a reference in `base` sees `base`'s
//! values (and the runtime parameters), never an override from `local`.

use std::path::Path;

use serde_json::{Map, Value};

use super::interpolate::{Scope, resolve_tree};
use super::merge::{merge_environments, merge_files, soft_merge};
use super::parse::{ConfigFile, read_file};
use super::{ConfigError, ConfigLoader, ConfigSection, discover};
use crate::error::SourceLocation;

/// Where runtime-only keys are said to come from in [`ConfigSection::sources`].
const RUNTIME_PARAMS_SOURCE: &str = "--params";

/// Loads `section` with `loader`'s folders, patterns and strategies.
pub(super) fn load_section(
    loader: &ConfigLoader,
    section: &str,
) -> Result<ConfigSection, ConfigError> {
    let Some(patterns) = loader.config_patterns.get(section) else {
        return Err(ConfigError::UnknownSection {
            section: section.to_owned(),
            known: loader.config_patterns.keys().cloned().collect(),
        });
    };

    let is_globals = section == "globals";
    let globals = if is_globals { None } else { Some(load_section(loader, "globals")?.values) };
    let runtime_params = (!is_globals).then_some(&loader.runtime_params);
    let strategy = loader.strategy_for(section);

    let mut result = ConfigSection::default();
    let mut file_count = 0;
    for env in environments(loader) {
        let env_dir = loader.conf_source.join(env);
        if !env_dir.is_dir() {
            // Only the default run environment may be missing; `ConfigLoader::new` checked.
            continue;
        }

        let files = read_files(&env_dir, patterns)?;
        if files.is_empty() {
            continue;
        }
        file_count += files.len();
        tracing::debug!(section, env, files = ?files.iter().map(|file| &file.path).collect::<Vec<_>>(), "configuration files matched");

        let scope = Scope {
            section,
            globals: globals.as_ref(),
            runtime_params,
            allow_env: section == "credentials",
            files: &files,
        };
        let env_section = load_environment(&scope, &files)?;
        let overridden: Vec<&String> =
            env_section.values.keys().filter(|key| result.values.contains_key(*key)).collect();
        if !overridden.is_empty() {
            tracing::debug!(section, env, keys = ?overridden, ?strategy, "environment overrides keys");
        }

        merge_environments(&mut result.values, env_section.values, strategy);
        result.sources.extend(env_section.sources);
    }

    if file_count == 0 {
        report_no_files(section, loader, patterns);
    }
    if section == "parameters" {
        apply_runtime_params(&mut result, &loader.runtime_params);
    }
    Ok(result)
}

/// `base`, then the run environment unless it is `base` itself.
fn environments(loader: &ConfigLoader) -> Vec<&str> {
    let mut envs = vec![loader.base_env.as_str()];
    if loader.run_env != loader.base_env {
        envs.push(loader.run_env.as_str());
    }
    envs
}

fn read_files(env_dir: &Path, patterns: &[String]) -> Result<Vec<ConfigFile>, ConfigError> {
    discover::find_files(env_dir, patterns)?.iter().map(|path| read_file(path)).collect()
}

/// One environment's files merged and resolved, with the location of each top-level key.
fn load_environment(scope: &Scope<'_>, files: &[ConfigFile]) -> Result<ConfigSection, ConfigError> {
    let merged = merge_files(scope.section, files)?;

    let mut values = match scope.runtime_params {
        Some(params) if scope.section == "parameters" && !params.is_empty() => {
            // Kedro merges the runtime parameters into each environment before resolving, so
            // references see the overridden values. The runtime-only keys are kept out of this
            // environment's result: they are applied once, over all environments, at the end.
            let mut view = merged.clone();
            soft_merge(&mut view, params.clone());
            let resolved = resolve_tree(view, scope)?;
            keep_shape(&merged, resolved)
        }
        _ => resolve_tree(merged, scope)?,
    };

    // Kedro drops `_` keys (catalog templates and the like) per environment, after resolution,
    // in every section but parameters.
    if scope.section != "parameters" {
        values.retain(|key, _| !key.starts_with('_'));
    }

    let sources = values
        .keys()
        .filter_map(|key| {
            let file = files.iter().find(|file| file.values.contains_key(key))?;
            Some((key.clone(), file.key_location(key)))
        })
        .collect();
    Ok(ConfigSection { values, sources })
}

/// The values of `resolved` at the keys of `shape` only, recursively through mappings.
fn keep_shape(shape: &Map<String, Value>, mut resolved: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, shape_value) in shape {
        let Some(value) = resolved.remove(key) else { continue };
        let value = match (shape_value, value) {
            (Value::Object(inner_shape), Value::Object(inner)) => {
                Value::Object(keep_shape(inner_shape, inner))
            }
            (_, value) => value,
        };
        out.insert(key.clone(), value);
    }
    out
}

/// Runtime parameters override every environment and may add keys (Kedro's session merges them
/// over the loaded parameters with `OmegaConf.merge`).
fn apply_runtime_params(section: &mut ConfigSection, runtime_params: &Map<String, Value>) {
    for key in runtime_params.keys() {
        if !section.values.contains_key(key) {
            section.sources.insert(key.clone(), SourceLocation::new(RUNTIME_PARAMS_SOURCE, 0, 0));
        }
    }
    soft_merge(&mut section.values, runtime_params.clone());
}

/// A section without files loads as empty. Kedro raises `MissingConfigException` there and its
/// session turns that into a warning for parameters and credentials; weir warns where a project
/// normally has files and stays quiet where it often has none.
fn report_no_files(section: &str, loader: &ConfigLoader, patterns: &[String]) {
    let conf_source = loader.conf_source.display().to_string();
    match section {
        "globals" | "credentials" => {
            tracing::debug!(section, conf_source, ?patterns, "no configuration files found");
        }
        _ => tracing::warn!(
            section,
            conf_source,
            ?patterns,
            "no configuration files found; the section is empty"
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::io::Write;
    use std::path::PathBuf;

    use serde_json::json;

    use super::super::{MergeStrategy, parse_runtime_params};
    use super::*;
    use crate::error::Hinted;

    /// A `conf/` folder with `files` (path relative to `conf/`, content).
    fn conf(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("base")).unwrap();
        for (path, content) in files {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::File::create(path).unwrap().write_all(content.as_bytes()).unwrap();
        }
        dir
    }

    fn loader(dir: &tempfile::TempDir, env: Option<&str>, params: &str) -> ConfigLoader {
        ConfigLoader::new(dir.path(), env, parse_runtime_params(params).unwrap()).unwrap()
    }

    fn load(dir: &tempfile::TempDir, section: &str) -> Value {
        Value::Object(loader(dir, None, "").load(section).unwrap().values)
    }

    fn relative(dir: &tempfile::TempDir, location: &SourceLocation) -> (PathBuf, usize) {
        (location.file.strip_prefix(dir.path()).unwrap().to_path_buf(), location.line)
    }

    const BASE_CATALOG: &str = "\
trains:
  type: MemoryDataset
cars:
  type: pandas.CSVDataset
  filepath: data/cars.csv
  save_args:
    index: true
";

    #[test]
    fn base_only_project_loads_without_local() {
        let dir = conf(&[("base/catalog.yml", BASE_CATALOG)]);
        let section = loader(&dir, None, "").load("catalog").unwrap();

        assert_eq!(section.values["cars"]["save_args"]["index"], json!(true));
        let keys: Vec<&String> = section.values.keys().collect();
        assert_eq!(keys, ["trains", "cars"]);
        assert_eq!(
            relative(&dir, &section.sources["cars"]),
            (PathBuf::from("base/catalog.yml"), 3)
        );
    }

    #[test]
    fn local_overrides_base_destructively_by_default() {
        // Kedro's `test_load_local_config_overrides_base`: local's `cars` replaces base's whole,
        // `trains` stays, `boats` is added.
        let local = "cars:\n  type: pandas.CSVDataset\n  save_args:\n    index: false\nboats:\n  type: MemoryDataset\n";
        let dir = conf(&[("base/catalog.yml", BASE_CATALOG), ("local/catalog.yml", local)]);
        let section = loader(&dir, None, "").load("catalog").unwrap();

        assert_eq!(
            Value::Object(section.values),
            json!({
                "trains": {"type": "MemoryDataset"},
                "cars": {"type": "pandas.CSVDataset", "save_args": {"index": false}},
                "boats": {"type": "MemoryDataset"},
            })
        );
        assert_eq!(
            relative(&dir, &section.sources["cars"]),
            (PathBuf::from("local/catalog.yml"), 1)
        );
        assert_eq!(relative(&dir, &section.sources["trains"]).0, PathBuf::from("base/catalog.yml"));
    }

    #[test]
    fn soft_merge_strategy_merges_nested_keys_across_environments() {
        // Kedro's docs: with `merge_strategy={"parameters": "soft"}`, base `model: {lr, epochs}`
        // and prod `model: {epochs: 200}` give `{lr, epochs: 200}`.
        let dir = conf(&[
            ("base/parameters.yml", "model:\n  learning_rate: 0.001\n  epochs: 100\n"),
            ("prod/parameters.yml", "model:\n  epochs: 200\n"),
        ]);
        let soft =
            loader(&dir, Some("prod"), "").with_merge_strategy("parameters", MergeStrategy::Soft);
        assert_eq!(
            Value::Object(soft.load("parameters").unwrap().values),
            json!({"model": {"learning_rate": 0.001, "epochs": 200}})
        );

        let destructive = loader(&dir, Some("prod"), "");
        assert_eq!(
            Value::Object(destructive.load("parameters").unwrap().values),
            json!({"model": {"epochs": 200}})
        );
    }

    #[test]
    fn duplicate_keys_across_files_of_one_environment_name_both_files() {
        let dir = conf(&[
            ("base/catalog.yml", BASE_CATALOG),
            (
                "base/catalog/dir/nested.yml",
                "cars: {type: MemoryDataset}\ntrains: {type: MemoryDataset}\n",
            ),
        ]);
        let error = loader(&dir, None, "").load("catalog").unwrap_err();
        let ConfigError::DuplicateKeys { keys, first, second } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(keys, &["cars", "trains"]);
        // Files are read sorted by relative path, and `catalog.yml` sorts before `catalog/...`.
        assert!(first.ends_with("base/catalog.yml"), "{}", first.display());
        assert!(second.ends_with("base/catalog/dir/nested.yml"), "{}", second.display());
        assert!(error.hint().is_some());
    }

    #[test]
    fn yml_yaml_json_and_subfolders_are_read_and_other_files_ignored() {
        let dir = conf(&[
            ("base/catalog.yml", "a: {type: MemoryDataset}\n"),
            ("base/catalog_extra.yaml", "b: {type: MemoryDataset}\n"),
            ("base/catalog_more.json", "{\"c\": {\"type\": \"MemoryDataset\"}}"),
            ("base/catalog/models.yml", "d: {type: MemoryDataset}\n"),
            ("base/pipelines/ds/catalog.yml", "e: {type: MemoryDataset}\n"),
            ("base/catalog_notes.txt", "f: {type: MemoryDataset}\n"),
            ("base/other.yml", "g: {type: MemoryDataset}\n"),
            ("base/.catalog_hidden.yml", "h: {type: MemoryDataset}\n"),
            ("base/.ipynb_checkpoints/catalog.yml", "i: {type: MemoryDataset}\n"),
        ]);
        let catalog = load(&dir, "catalog");
        let mut keys: Vec<&String> = catalog.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn globals_fill_other_sections_with_types_and_defaults() {
        let dir = conf(&[
            (
                "base/globals.yml",
                "seed: 42\nfolders:\n  raw: 01_raw\nbucket: base-bucket\n_hidden: x\n",
            ),
            ("local/globals.yml", "bucket: local-bucket\n"),
            (
                "base/parameters.yml",
                "seed: ${globals:seed}\nsplit: ${globals:split,0.2}\nbucket: ${globals:bucket}\n",
            ),
            ("base/catalog.yml", "cars:\n  filepath: data/${globals:folders.raw}/cars.csv\n"),
        ]);

        assert_eq!(
            load(&dir, "globals"),
            json!({"seed": 42, "folders": {"raw": "01_raw"}, "bucket": "local-bucket"})
        );
        assert_eq!(
            load(&dir, "parameters"),
            json!({"seed": 42, "split": 0.2, "bucket": "local-bucket"})
        );
        assert_eq!(load(&dir, "catalog"), json!({"cars": {"filepath": "data/01_raw/cars.csv"}}));
    }

    #[test]
    fn globals_yaml_and_globals_folders_are_accepted() {
        let dir = conf(&[("base/globals.yaml", "a: 1\n"), ("base/globals/more.yml", "b: 2\n")]);
        assert_eq!(load(&dir, "globals"), json!({"a": 1, "b": 2}));
    }

    #[test]
    fn missing_global_without_default_points_at_the_file_and_line() {
        let dir = conf(&[
            ("base/globals.yml", "bucket: b\n"),
            ("base/catalog.yml", "cars:\n  type: x\n  filepath: ${globals:buckets}/cars.csv\n"),
        ]);
        let error = loader(&dir, None, "").load("catalog").unwrap_err();
        let ConfigError::UnresolvedInterpolation { key, location, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(key, "cars.filepath");
        assert_eq!(relative(&dir, location), (PathBuf::from("base/catalog.yml"), 3));
        assert_eq!(location.column, 13);
        assert_eq!(error.hint().as_deref(), Some("did you mean `bucket`?"));
    }

    #[test]
    fn runtime_params_override_every_environment_and_may_add_keys() {
        let dir = conf(&[
            (
                "base/parameters.yml",
                "model:\n  C: 1.0\n  penalty: l2\nsplit:\n  seed: 1\n  ratio: 0.2\nseed_copy: ${split.seed}\n",
            ),
            ("local/parameters.yml", "split:\n  seed: 2\n"),
        ]);
        let params =
            loader(&dir, None, "split.seed=7,model.C=0.5,name=x").load("parameters").unwrap();
        assert_eq!(
            Value::Object(params.values),
            json!({
                "model": {"C": 0.5, "penalty": "l2"},
                // Destructive: local's `split` replaced base's, then the runtime value wins.
                "split": {"seed": 7},
                // References see the runtime value, as in Kedro.
                "seed_copy": 7,
                "name": "x",
            })
        );
        assert_eq!(params.sources["name"].file, PathBuf::from("--params"));
    }

    #[test]
    fn runtime_params_resolver_works_outside_parameters() {
        let dir = conf(&[(
            "base/catalog.yml",
            "cars:\n  filepath: data/${runtime_params:folder,raw}/cars.csv\n",
        )]);
        assert_eq!(load(&dir, "catalog"), json!({"cars": {"filepath": "data/raw/cars.csv"}}));
        let with_param = loader(&dir, None, "folder=prm").load("catalog").unwrap();
        assert_eq!(with_param.values["cars"]["filepath"], json!("data/prm/cars.csv"));
    }

    #[test]
    fn oc_env_works_in_credentials_and_is_rejected_elsewhere() {
        let home = std::env::var("PATH").expect("PATH is set in test environments");
        let dir = conf(&[
            (
                "local/credentials.yml",
                "db:\n  path: ${oc.env:PATH}\n  user: ${oc.env:WEIR_TEST_SURELY_UNSET_VAR,guest}\n",
            ),
            ("base/parameters.yml", "a: 1\nuser: ${oc.env:USER}\n"),
        ]);
        assert_eq!(load(&dir, "credentials"), json!({"db": {"path": home, "user": "guest"}}));

        let error = loader(&dir, None, "").load("parameters").unwrap_err();
        let ConfigError::EnvResolverNotAllowed { section, location, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(section, "parameters");
        assert_eq!(relative(&dir, location), (PathBuf::from("base/parameters.yml"), 2));
        assert!(error.hint().unwrap().contains("credentials"));
    }

    #[test]
    fn parameters_reference_parameters_within_one_environment() {
        // Kedro resolves each environment before merging, so base's reference keeps base's
        // value even though local overrides `lr` (see the "config resolution" diagram in
        // Kedro's configuration docs).
        let dir = conf(&[
            ("base/parameters.yml", "lr: 0.1\nmodel:\n  lr: ${lr}\n  layers: ${data.layers}\n"),
            ("base/parameters_data.yml", "data:\n  layers: [8, 4]\n"),
            ("local/parameters.yml", "lr: 0.5\n"),
        ]);
        assert_eq!(
            load(&dir, "parameters"),
            json!({"lr": 0.5, "model": {"lr": 0.1, "layers": [8, 4]}, "data": {"layers": [8, 4]}})
        );
    }

    #[test]
    fn catalog_templates_with_anchors_are_dropped_after_resolution() {
        let catalog = "\
_csv: &csv
  type: pandas.CSVDataset
  load_args:
    sep: ','
_folder: data/01_raw
cars:
  <<: *csv
  filepath: ${_folder}/cars.csv
";
        let dir = conf(&[
            ("base/catalog.yml", catalog),
            ("base/parameters.yml", "_kept: 1\nx: ${_kept}\n"),
        ]);
        assert_eq!(
            load(&dir, "catalog"),
            json!({"cars": {"type": "pandas.CSVDataset", "load_args": {"sep": ","}, "filepath": "data/01_raw/cars.csv"}})
        );
        // Kedro keeps `_` keys in parameters.
        assert_eq!(load(&dir, "parameters"), json!({"_kept": 1, "x": 1}));
    }

    #[test]
    fn templates_may_repeat_across_files_of_one_environment() {
        let dir = conf(&[
            ("base/catalog_a.yml", "_t: {type: A}\na: ${_t}\n"),
            ("base/catalog_b.yml", "_t: {type: B}\nb: 1\n"),
        ]);
        assert!(loader(&dir, None, "").load("catalog").is_ok());
    }

    #[test]
    fn yaml_errors_name_file_line_and_column() {
        let dir = conf(&[("base/catalog.yml", "cars:\n  type: a\n   filepath: b\n")]);
        let error = loader(&dir, None, "").load("catalog").unwrap_err();
        let ConfigError::BadYaml { location, .. } = &error else { panic!("{error:?}") };
        assert_eq!(relative(&dir, location), (PathBuf::from("base/catalog.yml"), 3));
        assert!(location.column > 0);
        assert!(error.to_string().contains("catalog.yml:3:"), "{error}");
    }

    #[test]
    fn credential_values_never_appear_in_errors() {
        let secret = "hunter2-very-secret";
        let dir = conf(&[(
            "local/credentials.yml",
            &format!("db:\n  password: {secret}\n  host: ${{globals:db_host}}\n"),
        )]);
        let error = loader(&dir, None, "").load("credentials").unwrap_err();
        let text = format!("{error} {error:?} {}", error.hint().unwrap_or_default());
        assert!(!text.contains(secret), "{text}");
        assert!(text.contains("db.host"), "the key is named: {text}");

        for credentials in [
            format!("db:\n  password: {secret}\n   bad: indent\n"),
            format!("db:\n  password: ${{oc.env:X{secret}\n"),
            format!("db:\n  password: {secret}${{oc.env:\n"),
            format!("db:\n  password: {secret}\n  nan: .nan\n"),
        ] {
            let dir = conf(&[("local/credentials.yml", &credentials)]);
            let error = loader(&dir, None, "").load("credentials").unwrap_err();
            let text = format!("{error} {error:?}");
            assert!(!text.contains(secret), "{text}");
            assert!(text.contains("credentials.yml"), "the file is named: {text}");
        }
    }

    #[test]
    fn unknown_environment_lists_those_present_and_base_as_env_reads_base_once() {
        let dir = conf(&[("base/catalog.yml", BASE_CATALOG), ("staging/catalog.yml", "x: {}\n")]);
        let error = ConfigLoader::new(dir.path(), Some("prod"), Map::new()).unwrap_err();
        assert!(error.to_string().contains("`base`, `staging`"), "{error}");

        let error = ConfigLoader::new(dir.path(), Some("stagin"), Map::new()).unwrap_err();
        assert_eq!(error.hint().as_deref(), Some("did you mean `staging`?"));

        let base_only = loader(&dir, Some("base"), "").load("catalog").unwrap();
        assert_eq!(base_only.values.len(), 2);
    }

    #[test]
    fn missing_base_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = ConfigLoader::new(dir.path(), None, Map::new()).unwrap_err();
        assert!(matches!(error, ConfigError::MissingBase { .. }), "{error:?}");
    }

    #[test]
    fn sections_without_files_are_empty_and_unknown_sections_are_errors() {
        let dir = conf(&[]);
        let loader = loader(&dir, None, "a=1");
        assert!(loader.load("credentials").unwrap().values.is_empty());
        assert_eq!(Value::Object(loader.load("parameters").unwrap().values), json!({"a": 1}));

        let error = loader.load("catalogue").unwrap_err();
        assert_eq!(error.hint().as_deref(), Some("did you mean `catalog`?"));
    }

    #[test]
    fn custom_sections_use_their_patterns() {
        let dir = conf(&[
            ("base/spark.yml", "spark.master: local[*]\n"),
            ("local/spark/extra.yml", "cores: 2\n"),
        ]);
        let loader = loader(&dir, None, "").with_config_patterns("spark", &["spark*", "spark*/**"]);
        assert_eq!(
            Value::Object(loader.load("spark").unwrap().values),
            json!({"spark.master": "local[*]", "cores": 2})
        );
    }
}
