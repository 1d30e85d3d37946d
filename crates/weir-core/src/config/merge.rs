//! Merging configuration trees: the files of one environment into one tree, after Kedro's
//! duplicate-key check, and one environment over another with the section's [`MergeStrategy`].
//!
//! Kedro's rules, from `OmegaConfigLoader._check_duplicates` and `_merge_configs`:
//! - within one environment, two files may not define the same top-level key; for `parameters`
//!   the check is on full dotted paths (`model.C`), so two files may each add keys under
//!   `model`; keys starting with `_` are exempt (they are templates);
//! - the files of one environment are then merged deeply (only `_` keys and, for parameters,
//!   disjoint nested keys can meet);
//! - across environments, `destructive` replaces whole top-level values and `soft` merges
//!   mappings recursively; lists and scalars are always replaced.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::parse::ConfigFile;
use super::{ConfigError, MergeStrategy};

/// Merges the files of one environment, in order, after checking them for duplicate keys.
pub(super) fn merge_files(
    section: &str,
    files: &[ConfigFile],
) -> Result<Map<String, Value>, ConfigError> {
    check_duplicates(section, files)?;

    let mut merged = Map::new();
    for file in files {
        soft_merge(&mut merged, file.values.clone());
    }
    Ok(merged)
}

/// Merges the environment `over` into `base` with `strategy`.
pub(super) fn merge_environments(
    base: &mut Map<String, Value>,
    over: Map<String, Value>,
    strategy: MergeStrategy,
) {
    match strategy {
        MergeStrategy::Destructive => {
            for (key, value) in over {
                base.insert(key, value);
            }
        }
        MergeStrategy::Soft => soft_merge(base, over),
    }
}

/// Merges `over` into `base` recursively: mappings key by key, everything else replaced. A key
/// that already exists keeps its position.
pub(super) fn soft_merge(base: &mut Map<String, Value>, over: Map<String, Value>) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                soft_merge(existing, incoming);
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Fails on the first pair of files (in reading order) that share keys.
fn check_duplicates(section: &str, files: &[ConfigFile]) -> Result<(), ConfigError> {
    let key_sets: Vec<BTreeSet<String>> =
        files.iter().map(|file| keys_checked_for_duplicates(section, &file.values)).collect();

    for (i, first) in key_sets.iter().enumerate() {
        for (j, second) in key_sets.iter().enumerate().skip(i + 1) {
            let shared = overlapping_keys(first, second);
            if !shared.is_empty() {
                return Err(ConfigError::DuplicateKeys {
                    keys: shared,
                    first: files[i].path.clone(),
                    second: files[j].path.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Top-level keys, or for parameters every dotted path to a non-mapping value; `_` keys are left
/// out because they may repeat.
fn keys_checked_for_duplicates(section: &str, values: &Map<String, Value>) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    if section == "parameters" {
        collect_leaf_paths(values, "", &mut keys);
    } else {
        keys.extend(values.keys().cloned());
    }
    keys.retain(|key| !key.starts_with('_'));
    keys
}

fn collect_leaf_paths(values: &Map<String, Value>, prefix: &str, out: &mut BTreeSet<String>) {
    for (key, value) in values {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            Value::Object(inner) => collect_leaf_paths(inner, &path, out),
            _ => {
                out.insert(path);
            }
        }
    }
}

/// Keys in both sets, plus keys of one that are a parent path of a key of the other (a value in
/// one file and a mapping under the same name in another cannot both stand).
fn overlapping_keys(first: &BTreeSet<String>, second: &BTreeSet<String>) -> Vec<String> {
    let is_parent_of_any = |key: &String, others: &BTreeSet<String>| {
        let prefix = format!("{key}.");
        others.iter().any(|other| other.starts_with(&prefix))
    };

    let mut shared: BTreeSet<String> = first.intersection(second).cloned().collect();
    shared.extend(first.iter().filter(|key| is_parent_of_any(key, second)).cloned());
    shared.extend(second.iter().filter(|key| is_parent_of_any(key, first)).cloned());
    shared.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    fn file(name: &str, values: Value) -> ConfigFile {
        let Value::Object(values) = values else { panic!("test files are mappings") };
        ConfigFile { path: PathBuf::from(name), text: String::new(), values }
    }

    fn object(value: Value) -> Map<String, Value> {
        let Value::Object(map) = value else { panic!("expected an object") };
        map
    }

    #[test]
    fn same_top_level_key_in_two_catalog_files_names_both_files_and_keys() {
        // Kedro's test: catalog.yml and catalog.json both define `cars` and `trains`.
        let files = [
            file("base/catalog.json", json!({"cars": {}, "trains": {}, "_t": 1})),
            file("base/catalog.yml", json!({"trains": {}, "cars": {}, "boats": {}, "_t": 2})),
        ];
        let error = merge_files("catalog", &files).unwrap_err();
        let ConfigError::DuplicateKeys { keys, first, second } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(keys, &["cars", "trains"], "`_` keys are exempt");
        assert_eq!(
            (first.to_str(), second.to_str()),
            (Some("base/catalog.json"), Some("base/catalog.yml"))
        );
        let message = error.to_string();
        assert!(
            message.contains("base/catalog.json") && message.contains("base/catalog.yml"),
            "{message}"
        );
    }

    #[test]
    fn parameter_files_may_share_a_parent_key_but_not_a_leaf() {
        let files = [
            file("base/parameters.yml", json!({"model": {"C": 1.0}})),
            file("base/parameters_extra.yml", json!({"model": {"penalty": "l2"}})),
        ];
        assert_eq!(
            merge_files("parameters", &files).unwrap(),
            object(json!({"model": {"C": 1.0, "penalty": "l2"}}))
        );

        let clash = [
            file("base/parameters.yml", json!({"model": {"C": 1.0}})),
            file("base/parameters_extra.yml", json!({"model": {"C": 2.0}})),
        ];
        let error = merge_files("parameters", &clash).unwrap_err();
        assert!(
            matches!(&error, ConfigError::DuplicateKeys { keys, .. } if keys == &["model.C"]),
            "{error:?}"
        );

        // In the catalog the same nesting is a duplicate top-level key.
        assert!(merge_files("catalog", &files).is_err());
    }

    #[test]
    fn a_value_and_a_mapping_under_one_name_clash() {
        let files = [
            file("base/parameters.yml", json!({"model": 3})),
            file("base/parameters_extra.yml", json!({"model": {"C": 2.0}})),
        ];
        let error = merge_files("parameters", &files).unwrap_err();
        assert!(
            matches!(&error, ConfigError::DuplicateKeys { keys, .. } if keys == &["model"]),
            "{error:?}"
        );
    }

    #[test]
    fn destructive_replaces_top_level_values_and_soft_merges_them() {
        let base = object(json!({"model": {"C": 1.0, "penalty": "l2"}, "seed": 1, "tags": [1, 2]}));
        let local = object(json!({"model": {"C": 0.5}, "tags": [3], "extra": true}));

        let mut destructive = base.clone();
        merge_environments(&mut destructive, local.clone(), MergeStrategy::Destructive);
        assert_eq!(
            Value::Object(destructive),
            json!({"model": {"C": 0.5}, "seed": 1, "tags": [3], "extra": true})
        );

        let mut soft = base;
        merge_environments(&mut soft, local, MergeStrategy::Soft);
        assert_eq!(
            Value::Object(soft.clone()),
            json!({"model": {"C": 0.5, "penalty": "l2"}, "seed": 1, "tags": [3], "extra": true})
        );
        let keys: Vec<&String> = soft.keys().collect();
        assert_eq!(keys, ["model", "seed", "tags", "extra"], "overridden keys keep their place");
    }
}
