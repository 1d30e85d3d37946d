//! One configuration file into a `serde_json` map: YAML (and JSON, read as YAML like Kedro does)
//! through `serde_norway`, with anchors, aliases and `<<` merge keys, and line numbers for keys.
//!
//! Values are converted to `serde_json::Value` in file order. Mapping keys that are not strings
//! (`1:`, `true:`) become strings. Merge keys follow `PyYAML`, which Kedro uses: the merged
//! mapping's keys come first, the mapping's own keys override them, and in `<<: [*a, *b]` the
//! earlier mapping wins.
//!
//! # Limitations
//! Line numbers of keys come from a text scan for the line that starts with `key:` (or `"key":`),
//! not from the parser, so a key written in flow style (`{a: 1}`) on a shared line is located at
//! the first line that matches, or at line 0 when none does.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use serde_norway::Value as Yaml;

use super::ConfigError;
use crate::error::SourceLocation;

/// A parsed configuration file.
#[derive(Debug, Clone)]
pub(super) struct ConfigFile {
    /// The path as shown in messages (under the `conf/` folder the loader was given).
    pub path: PathBuf,
    /// The raw text, kept to locate keys and expressions for error messages.
    pub text: String,
    /// The top-level mapping.
    pub values: Map<String, Value>,
}

impl ConfigFile {
    /// Where the top-level `key` is written in this file.
    pub(super) fn key_location(&self, key: &str) -> SourceLocation {
        let (line, column) = key_line(&self.text, key).unwrap_or((0, 0));
        SourceLocation::new(&self.path, line, column)
    }

    /// Where `needle` (an interpolation expression) first appears in this file, if it does.
    pub(super) fn find_text(&self, needle: &str) -> Option<SourceLocation> {
        self.text.lines().enumerate().find_map(|(index, line)| {
            let column = line.find(needle)?;
            Some(SourceLocation::new(&self.path, index + 1, line[..column].chars().count() + 1))
        })
    }
}

/// Reads and parses one file.
pub(super) fn read_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ConfigError::Io { path: path.to_path_buf(), source })?;
    let values = parse_document(&text, path)?;
    Ok(ConfigFile { path: path.to_path_buf(), text, values })
}

/// Parses a document whose top level must be a mapping; an empty document is an empty mapping.
pub(super) fn parse_document(text: &str, path: &Path) -> Result<Map<String, Value>, ConfigError> {
    let document: Yaml = serde_norway::from_str(text).map_err(|error| bad_yaml(&error, path))?;

    let untagged = match document {
        Yaml::Tagged(tagged) => tagged.value,
        other => other,
    };
    let mapping = match untagged {
        Yaml::Null => return Ok(Map::new()),
        Yaml::Mapping(mapping) => mapping,
        other => {
            let line = first_content_line(text);
            return Err(ConfigError::NotAMapping {
                location: SourceLocation::new(path, line, usize::from(line > 0)),
                found: kind_of(&other),
            });
        }
    };

    let mut values = Map::new();
    for (key, value) in merged_entries(mapping) {
        let key = key_to_string(&key);
        let converted = to_json(value).map_err(|reason| {
            let (line, column) = key_line(text, &key).unwrap_or((0, 0));
            ConfigError::UnsupportedValue {
                key: key.clone(),
                location: SourceLocation::new(path, line, column),
                reason,
            }
        })?;
        values.insert(key, converted);
    }
    Ok(values)
}

fn bad_yaml(error: &serde_norway::Error, path: &Path) -> ConfigError {
    let (line, column) = error.location().map_or((0, 0), |at| (at.line(), at.column()));
    ConfigError::BadYaml {
        location: SourceLocation::new(path, line, column),
        message: yaml_message(error),
    }
}

/// The parser's message without its main location, which is reported separately. A second
/// location (the context, "while scanning a simple key at line 2 column 1") is kept.
pub(super) fn yaml_message(error: &serde_norway::Error) -> String {
    let full = error.to_string();
    let Some(at) = error.location() else {
        return full;
    };
    full.replacen(&format!(" at line {} column {}", at.line(), at.column()), "", 1)
}

/// The 1-based line of the first line that is neither blank nor a comment, or 0.
fn first_content_line(text: &str) -> usize {
    text.lines()
        .position(|line| {
            let trimmed = line.trim();
            !trimmed.is_empty() && !trimmed.starts_with('#') && trimmed != "---"
        })
        .map_or(0, |index| index + 1)
}

fn kind_of(value: &Yaml) -> &'static str {
    match value {
        Yaml::Null => "empty",
        Yaml::Bool(_) => "a boolean",
        Yaml::Number(_) => "a number",
        Yaml::String(_) => "a string",
        Yaml::Sequence(_) => "a list",
        Yaml::Mapping(_) => "a mapping",
        Yaml::Tagged(_) => "a tagged value",
    }
}

/// Converts a YAML value, applying merge keys and dropping tags.
pub(super) fn to_json(value: Yaml) -> Result<Value, String> {
    Ok(match value {
        Yaml::Null => Value::Null,
        Yaml::Bool(flag) => Value::Bool(flag),
        Yaml::Number(number) => number_to_json(&number)?,
        Yaml::String(text) => Value::String(text),
        Yaml::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Yaml::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, value) in merged_entries(mapping) {
                object.insert(key_to_string(&key), to_json(value)?);
            }
            Value::Object(object)
        }
        Yaml::Tagged(tagged) => to_json(tagged.value)?,
    })
}

fn number_to_json(number: &serde_norway::Number) -> Result<Value, String> {
    if let Some(int) = number.as_i64() {
        return Ok(Value::from(int));
    }
    if let Some(unsigned) = number.as_u64() {
        return Ok(Value::from(unsigned));
    }

    let float = number.as_f64().unwrap_or(f64::NAN);
    serde_json::Number::from_f64(float)
        .map(Value::Number)
        .ok_or_else(|| "NaN and infinity cannot be represented".to_owned())
}

/// The entries of a mapping with its `<<` merge key applied, in `PyYAML`'s order: merged keys
/// first, then the mapping's own keys, which override merged values in place.
fn merged_entries(mut mapping: serde_norway::Mapping) -> Vec<(Yaml, Yaml)> {
    let Some(merged) = mapping.shift_remove("<<") else {
        return mapping.into_iter().collect();
    };

    // Later sources override earlier ones, so in a list the first mapping is applied last.
    let sources: Vec<serde_norway::Mapping> = match merged {
        Yaml::Mapping(single) => vec![single],
        Yaml::Sequence(list) => list
            .into_iter()
            .rev()
            .filter_map(|item| match item {
                Yaml::Mapping(mapping) => Some(mapping),
                _ => None,
            })
            .collect(),
        // A scalar under `<<` is not a merge: keep it as an ordinary key, as a string.
        other => {
            let mut entries = vec![(Yaml::String("<<".to_owned()), other)];
            entries.extend(mapping);
            return entries;
        }
    };

    let mut combined = serde_norway::Mapping::new();
    for source in sources {
        for (key, value) in merged_entries(source) {
            combined.insert(key, value);
        }
    }
    for (key, value) in mapping {
        combined.insert(key, value);
    }
    combined.into_iter().collect()
}

/// A mapping key as a string: strings as they are, scalars in their YAML spelling, anything else
/// as compact JSON.
fn key_to_string(key: &Yaml) -> String {
    match key {
        Yaml::String(text) => text.clone(),
        Yaml::Null => "null".to_owned(),
        Yaml::Bool(flag) => flag.to_string(),
        Yaml::Number(number) => number.to_string(),
        Yaml::Tagged(tagged) => key_to_string(&tagged.value),
        other => to_json(other.clone()).map(|value| value.to_string()).unwrap_or_default(),
    }
}

/// The 1-based line and column where the top-level `key` is defined: the first unindented line
/// starting with `key:`, `"key":` or `'key':`, else the first such line at any indentation (JSON
/// files indent their keys).
pub(super) fn key_line(text: &str, key: &str) -> Option<(usize, usize)> {
    let spellings =
        [format!("{key}:"), format!("\"{key}\":"), format!("'{key}':"), format!("\"{key}\" :")];
    let matches = |line: &str| spellings.iter().any(|spelling| line.starts_with(spelling.as_str()));

    let unindented = text.lines().position(matches).map(|index| (index + 1, 1));
    unindented.or_else(|| {
        text.lines().enumerate().find_map(|(index, line)| {
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            matches(trimmed).then_some((index + 1, indent + 1))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Result<Value, ConfigError> {
        parse_document(text, Path::new("conf/base/catalog.yml")).map(Value::Object)
    }

    #[test]
    fn anchors_and_merge_keys_expand_like_pyyaml() {
        let text = "\
_csv: &csv
  type: pandas.CSVDataset
  load_args:
    sep: ','
cars:
  <<: *csv
  filepath: data/cars.csv
boats:
  <<: *csv
  type: pandas.ExcelDataset
";
        let parsed = parse(text).unwrap();
        assert_eq!(
            parsed["cars"],
            json!({"type": "pandas.CSVDataset", "load_args": {"sep": ","}, "filepath": "data/cars.csv"})
        );
        // The mapping's own key overrides the merged one, keeping the merged key's position.
        assert_eq!(parsed["boats"]["type"], "pandas.ExcelDataset");
        let keys: Vec<&String> = parsed["boats"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["type", "load_args"]);
    }

    #[test]
    fn in_a_merge_list_the_first_mapping_wins() {
        let text = "a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n";
        assert_eq!(parse(text).unwrap()["c"], json!({"x": 1, "y": 1, "z": 2}));
    }

    #[test]
    fn types_survive_and_keys_become_strings() {
        let text = "seed: 42\nratio: 0.25\nflag: true\nnothing: null\n1: one\nlist: [1, two]\n";
        let parsed = parse(text).unwrap();
        assert_eq!(
            parsed,
            json!({"seed": 42, "ratio": 0.25, "flag": true, "nothing": null, "1": "one", "list": [1, "two"]})
        );
        let keys: Vec<&String> = parsed.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["seed", "ratio", "flag", "nothing", "1", "list"], "file order is kept");
    }

    #[test]
    fn json_files_parse_as_yaml() {
        let parsed = parse("{\n  \"cars\": {\"type\": \"MemoryDataset\"}\n}\n").unwrap();
        assert_eq!(parsed, json!({"cars": {"type": "MemoryDataset"}}));
    }

    #[test]
    fn empty_and_comment_only_files_are_empty_mappings() {
        assert_eq!(parse("").unwrap(), json!({}));
        assert_eq!(parse("# nothing yet\n").unwrap(), json!({}));
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        // Kedro's own test case. `PyYAML` reports "could not find expected ':'" with its problem
        // mark at line 3, column 1 (the end of the input), and so does libyaml.
        let error = parse("bad:\nconfig").unwrap_err();
        let ConfigError::BadYaml { location, message } = &error else { panic!("{error:?}") };
        assert_eq!(location.file, Path::new("conf/base/catalog.yml"));
        assert_eq!((location.line, location.column), (3, 1));
        assert!(message.contains("could not find expected ':'"), "{message}");
        assert!(!message.contains("at line 3 column 1"), "{message}");

        let error = parse("cars:\n  type: a\n   filepath: b\n").unwrap_err();
        let ConfigError::BadYaml { location, .. } = &error else { panic!("{error:?}") };
        assert_eq!(location.line, 3);
    }

    #[test]
    fn a_top_level_list_is_not_a_mapping() {
        let error = parse("# header\n- a\n- b\n").unwrap_err();
        let ConfigError::NotAMapping { location, found } = &error else { panic!("{error:?}") };
        assert_eq!((location.line, *found), (2, "a list"));
    }

    #[test]
    fn nan_is_rejected_with_its_key() {
        let error = parse("ok: 1\nbad: .nan\n").unwrap_err();
        let ConfigError::UnsupportedValue { key, location, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!((key.as_str(), location.line), ("bad", 2));
    }

    #[test]
    fn key_lines_are_found_in_yaml_and_json() {
        let yaml = "# comment\ncars:\n  type: x\n\"boats\": {}\n";
        assert_eq!(key_line(yaml, "cars"), Some((2, 1)));
        assert_eq!(key_line(yaml, "boats"), Some((4, 1)));
        assert_eq!(key_line(yaml, "type"), Some((3, 3)), "falls back to indented lines");
        assert_eq!(key_line("{\n  \"cars\": 1\n}", "cars"), Some((2, 3)));
        assert_eq!(key_line(yaml, "planes"), None);
    }
}
