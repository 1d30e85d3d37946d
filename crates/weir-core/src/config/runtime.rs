//! `--params` parsing, following Kedro's `_split_params` (Kedro 0.19 and later):
//! - the text is split on commas, each item is trimmed and empty items are skipped;
//! - each item must contain `=`; the key is what comes before the first `=` (trimmed, never
//!   empty) and the value everything after it, so `url=a=b` gives `a=b`; `:` is not a separator
//!   (Kedro 0.18 accepted `key:value`, later versions refuse it);
//! - dotted keys build nested mappings (`model.C=0.5` is `{model: {C: 0.5}}`), the way
//!   `OmegaConf.from_dotlist` does;
//! - values are read as YAML, so `7` is an integer, `0.5` a float, `true` a boolean, `x` a
//!   string and an empty value is null. A value JSON cannot hold (`.nan`, `.inf`, a number too
//!   large for a double such as `1e400`) is refused, as it is in configuration files;
//! - a key has at most [`MAX_KEY_PARTS`] dotted parts.
//!
//! # Limitations
//! A comma always separates items, so a value cannot contain one (Kedro has the same rule).

use serde_json::{Map, Value};

use super::ConfigError;
use super::merge::soft_merge;
use super::parse::{to_json, yaml_message};

/// The most dotted parts a `--params` key may have. Real parameters are a few levels deep; the
/// limit keeps a pathological key from nesting deep enough to overflow the stack.
pub(super) const MAX_KEY_PARTS: usize = 64;

/// How much of a refused item is repeated in a message about its size.
const SHOWN_ITEM_CHARS: usize = 60;

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
    let parts = key.split('.').count();
    if parts > MAX_KEY_PARTS {
        return Err(ConfigError::BadRuntimeParams {
            item: shortened(item),
            reason: format!(
                "the key has {parts} dotted parts; at most {MAX_KEY_PARTS} are allowed"
            ),
        });
    }
    let path: Vec<String> = key.split('.').map(str::to_owned).collect();
    if path.iter().any(String::is_empty) {
        return Err(bad("the dotted key has an empty part"));
    }

    let value = match parse_value(raw_value.trim()) {
        Ok(value) => value,
        Err(ValueProblem::Syntax(message)) => {
            return Err(bad(&format!("the value is not valid YAML ({message}); quote it")));
        }
        Err(ValueProblem::NotJson(reason)) => {
            return Err(bad(&format!("the value of `{key}` is refused: {reason}")));
        }
    };
    Ok((path, value))
}

/// Why a `--params` value was refused.
enum ValueProblem {
    /// Not valid YAML.
    Syntax(String),
    /// Valid YAML that JSON cannot hold.
    NotJson(String),
}

/// A value read as YAML; an empty value is null, as in `OmegaConf`.
fn parse_value(raw: &str) -> Result<Value, ValueProblem> {
    if raw.is_empty() {
        return Ok(Value::Null);
    }
    let yaml: serde_norway::Value =
        serde_norway::from_str(raw).map_err(|error| ValueProblem::Syntax(yaml_message(&error)))?;
    let value = to_json(yaml).map_err(ValueProblem::NotJson)?;

    // YAML reads a number beyond a double's range (`1e400`) as a string; `OmegaConf` would give
    // infinity, which JSON cannot hold either.
    let is_unquoted_number = matches!(&value, Value::String(text) if text == raw)
        && raw.parse::<f64>().is_ok_and(f64::is_infinite)
        && raw.starts_with(|first: char| first.is_ascii_digit() || "+-.".contains(first));
    if is_unquoted_number {
        return Err(ValueProblem::NotJson(format!(
            "`{raw}` is too large for a 64-bit float; quote it to pass it as text"
        )));
    }
    Ok(value)
}

/// `item`, cut to [`SHOWN_ITEM_CHARS`] characters for a message.
fn shortened(item: &str) -> String {
    if item.chars().count() <= SHOWN_ITEM_CHARS {
        return item.to_owned();
    }
    let kept: String = item.chars().take(SHOWN_ITEM_CHARS).collect();
    format!("{kept}…")
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

    #[test]
    fn values_json_cannot_hold_are_refused_with_their_key() {
        for item in ["model.C=.nan", "model.C=.inf", "model.C=-.Inf", "model.C=1e400"] {
            let error = parse_runtime_params(item).unwrap_err();
            let ConfigError::BadRuntimeParams { reason, .. } = &error else {
                panic!("{item}: {error:?}")
            };
            assert!(reason.contains("`model.C`"), "{item}: {reason}");
        }
        check("model.C='1e400'", &json!({"model": {"C": "1e400"}}));
        check("model.C=1e300", &json!({"model": {"C": 1e300}}));
    }

    #[test]
    fn a_key_with_too_many_parts_is_refused_not_a_crash() {
        let key = vec!["a"; 5000].join(".");
        let error = parse_runtime_params(&format!("{key}=1")).unwrap_err();
        let ConfigError::BadRuntimeParams { item, reason } = &error else { panic!("{error:?}") };
        assert!(reason.contains("5000 dotted parts"), "{reason}");
        assert!(item.chars().count() <= SHOWN_ITEM_CHARS + 1, "{item}");

        let deepest = vec!["a"; MAX_KEY_PARTS].join(".");
        assert!(parse_runtime_params(&format!("{deepest}=1")).is_ok());
    }
}
