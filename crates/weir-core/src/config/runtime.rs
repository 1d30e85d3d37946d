//! `--params` parsing, following Kedro's `_split_params` (Kedro 0.19 and later):
//! - the text is split on commas, each item is trimmed and empty items are skipped;
//! - each item must contain `=`; the key is what comes before the first `=` (trimmed, never
//!   empty) and the value everything after it, so `url=a=b` gives `a=b`; `:` is not a separator
//!   (Kedro 0.18 accepted `key:value`, later versions refuse it);
//! - dotted keys build nested mappings (`model.C=0.5` is `{model: {C: 0.5}}`), the way
//!   `OmegaConf.from_dotlist` does;
//! - values are read as YAML, so `7` is an integer, `0.5` a float, `true` a boolean, `x` a
//!   string and an empty value is null.
//!
//! # Limitations
//! A comma always separates items, so a value cannot contain one (Kedro has the same rule).

use serde_json::{Map, Value};

use super::ConfigError;
use super::merge::soft_merge;
use super::parse::yaml_message;

/// Parses `--params "split.seed=7,model.C=0.5"` into a nested map with YAML-typed values.
pub fn parse_runtime_params(text: &str) -> Result<Map<String, Value>, ConfigError> {
    let mut params = Map::new();
    for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let (path, value) = parse_item(item)?;
        soft_merge(&mut params, nest(&path, value));
    }
    Ok(params)
}

/// One `key=value` item as its key path and typed value.
fn parse_item(item: &str) -> Result<(Vec<String>, Value), ConfigError> {
    let bad = |reason: &str| ConfigError::BadRuntimeParams {
        item: item.to_owned(),
        reason: reason.to_owned(),
    };

    let Some((key, raw_value)) = item.split_once('=') else {
        return Err(bad("expected a key and a value separated by `=`"));
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(bad("the key is empty"));
    }
    let path: Vec<String> = key.split('.').map(str::to_owned).collect();
    if path.iter().any(String::is_empty) {
        return Err(bad("the dotted key has an empty part"));
    }

    let value = parse_value(raw_value.trim())
        .map_err(|message| bad(&format!("the value is not valid YAML ({message}); quote it")))?;
    Ok((path, value))
}

/// A value read as YAML; an empty value is null, as in `OmegaConf`.
fn parse_value(raw: &str) -> Result<Value, String> {
    if raw.is_empty() {
        return Ok(Value::Null);
    }
    serde_norway::from_str::<Value>(raw).map_err(|error| yaml_message(&error))
}

/// `["a", "b"]` and `1` as `{a: {b: 1}}`.
fn nest(path: &[String], value: Value) -> Map<String, Value> {
    let mut nested = value;
    for key in path.iter().skip(1).rev() {
        let mut level = Map::new();
        level.insert(key.clone(), nested);
        nested = Value::Object(level);
    }

    let mut top = Map::new();
    if let Some(first) = path.first() {
        top.insert(first.clone(), nested);
    }
    top
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Hinted;
    use serde_json::json;

    fn check(text: &str, expected: &Value) {
        let parsed = parse_runtime_params(text).unwrap_or_else(|error| panic!("{text}: {error}"));
        assert_eq!(&Value::Object(parsed), expected, "{text}");
    }

    #[test]
    fn values_are_typed_like_yaml_scalars() {
        check(
            "split.seed=7,model.C=0.5,name=x,flag=true,nothing=",
            &json!({"split": {"seed": 7}, "model": {"C": 0.5}, "name": "x", "flag": true, "nothing": null}),
        );
        check("version='7'", &json!({"version": "7"}));
        check("lr=1e-3", &json!({"lr": 0.001}));
    }

    #[test]
    fn dotted_keys_nest_and_merge() {
        check("model.C=1,model.penalty=l2,model.C=2", &json!({"model": {"C": 2, "penalty": "l2"}}));
        check("a.b.c=1", &json!({"a": {"b": {"c": 1}}}));
    }

    #[test]
    fn whitespace_and_empty_items_are_ignored_and_only_the_first_equals_splits() {
        check(" a = 1 , ,b=x=y,", &json!({"a": 1, "b": "x=y"}));
        check("url=s3://bucket/path", &json!({"url": "s3://bucket/path"}));
        check("", &json!({}));
    }

    #[test]
    fn malformed_items_are_errors_with_a_syntax_hint() {
        for bad in ["seed", "seed:7", "=7", "a..b=1", ".a=1", "a=[1"] {
            let error = parse_runtime_params(bad).unwrap_err();
            let ConfigError::BadRuntimeParams { item, .. } = &error else {
                panic!("{bad}: {error:?}")
            };
            assert_eq!(item, bad.trim());
            assert!(error.hint().unwrap().contains("key=value"), "{bad}");
        }
    }
}
