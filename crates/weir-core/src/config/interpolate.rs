//! The `${...}` resolver: `OmegaConf`-style interpolation over one environment's value tree, with
//! the resolvers Kedro's `OmegaConfigLoader` registers.
//!
//! Supported forms, as in `OmegaConf`:
//! - `${a.b.c}`: another key of the same tree (`${a.0}` or `${a[0]}` indexes a list, `${.x}` is
//!   a sibling and each extra dot goes one level up);
//! - `${globals:key.path}` and `${globals:key.path,default}`: a value from the merged globals;
//! - `${runtime_params:key,default}`: a value from `--params`;
//! - `${oc.env:VARIABLE}` and `${oc.env:VARIABLE,default}`: an environment variable, allowed in
//!   credentials only (Kedro clears the `oc.env` resolver for every other section);
//! - `\${` for a literal `${`.
//!
//! A string that is exactly one interpolation takes the referenced value with its type (`seed:
//! ${globals:seed}` stays an integer). Interpolations embedded in a longer string are formatted
//! the way Python's `str()` would (`True`, `None`), since that is what Kedro produces. References
//! resolve recursively; a reference that leads back to itself is reported as a cycle with the
//! keys on it. A chain of more than [`MAX_INTERPOLATION_DEPTH`] references, one leading to
//! the next, is refused so that a generated chain cannot overflow the stack.
//!
//! The syntax of one expression is parsed in `expression`; this module evaluates it.
//!
//! # Limitations
//! Lists and mappings cannot be embedded in a longer string (`OmegaConf` would insert their Python
//! representation). Resolved values are cloned per key path, which is fine for configuration
//! sizes but not meant for large documents.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::{Map, Value};

use super::expression::{
    Piece, parse_default, python_str, reference_path, split_args, split_dotted, split_pieces,
};
use super::parse::ConfigFile;
use super::{ConfigError, MissingValue};
use crate::error::{SourceLocation, did_you_mean};

/// How many `${...}` references may lead one to the next before resolving gives up. Each level
/// costs several stack frames; real configuration chains a handful at most.
pub(super) const MAX_INTERPOLATION_DEPTH: usize = 64;

/// What an environment's tree may refer to while it is resolved.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scope<'a> {
    /// The section being loaded, for messages and the `oc.env` rule.
    pub section: &'a str,
    /// The merged globals; `None` while the globals themselves are loaded.
    pub globals: Option<&'a Map<String, Value>>,
    /// Runtime parameters; `None` while the globals are loaded (Kedro forbids them there).
    pub runtime_params: Option<&'a Map<String, Value>>,
    /// Whether `${oc.env:...}` is allowed (credentials only).
    pub allow_env: bool,
    /// The files the tree came from, to point errors at a line.
    pub files: &'a [ConfigFile],
}

/// Resolves every interpolation in `tree`.
pub(super) fn resolve_tree(
    tree: Map<String, Value>,
    scope: &Scope<'_>,
) -> Result<Map<String, Value>, ConfigError> {
    let root = Value::Object(tree);
    let mut resolver =
        Resolver { raw: &root, scope, done: HashMap::new(), active: Vec::new(), depth: 0 };
    match resolver.resolve_path(&[])? {
        Value::Object(resolved) => Ok(resolved),
        _ => Ok(Map::new()),
    }
}

struct Resolver<'a> {
    raw: &'a Value,
    scope: &'a Scope<'a>,
    /// Resolved values by path, so shared references are resolved once.
    done: HashMap<Vec<String>, Value>,
    /// Paths being resolved, outermost first, to detect cycles.
    active: Vec<Vec<String>>,
    /// Interpolated strings being resolved, one inside the other.
    depth: usize,
}

impl Resolver<'_> {
    /// The fully resolved value at `path`, which exists in the raw tree.
    fn resolve_path(&mut self, path: &[String]) -> Result<Value, ConfigError> {
        if let Some(done) = self.done.get(path) {
            return Ok(done.clone());
        }
        if let Some(start) = self.active.iter().position(|active| active == path) {
            return Err(self.cycle_error(start, path));
        }
        let Some(raw) = get_path(self.raw, path) else {
            return Ok(Value::Null);
        };

        self.active.push(path.to_vec());
        let resolved = match raw {
            Value::String(text) if text.contains("${") => self.interpolate_nested(text, path)?,
            Value::Object(map) => {
                let mut out = Map::new();
                for key in map.keys() {
                    out.insert(key.clone(), self.resolve_path(&child_path(path, key))?);
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for index in 0..items.len() {
                    out.push(self.resolve_path(&child_path(path, &index.to_string()))?);
                }
                Value::Array(out)
            }
            other => other.clone(),
        };
        self.active.pop();

        self.done.insert(path.to_vec(), resolved.clone());
        Ok(resolved)
    }

    /// [`Self::interpolate`] one level deeper in a chain of references, within the limit.
    fn interpolate_nested(&mut self, text: &str, path: &[String]) -> Result<Value, ConfigError> {
        if self.depth >= MAX_INTERPOLATION_DEPTH {
            return Err(ConfigError::InterpolationTooDeep {
                key: path.join("."),
                location: self.locate(text, path),
                limit: MAX_INTERPOLATION_DEPTH,
            });
        }

        self.depth += 1;
        let resolved = self.interpolate(text, path);
        self.depth -= 1;
        resolved
    }

    /// Resolves a string holding one or more interpolations.
    fn interpolate(&mut self, text: &str, path: &[String]) -> Result<Value, ConfigError> {
        let pieces =
            split_pieces(text).map_err(|start| self.unclosed_error(&text[start..], path))?;

        // A string that is exactly one interpolation keeps the referenced value's type.
        if let [Piece::Expr { raw, inner }] = pieces.as_slice() {
            return self.evaluate(inner, raw, path);
        }

        let mut out = String::new();
        for piece in pieces {
            match piece {
                Piece::Text(text) => out.push_str(&text),
                Piece::Expr { raw, inner } => {
                    let value = self.evaluate(inner, raw, path)?;
                    let text = python_str(&value)
                        .ok_or_else(|| self.bad_interpolation(raw, path, embed_reason(&value)))?;
                    out.push_str(&text);
                }
            }
        }
        Ok(Value::String(out))
    }

    /// Evaluates what is inside one `${...}`.
    fn evaluate(&mut self, inner: &str, raw: &str, path: &[String]) -> Result<Value, ConfigError> {
        // Nested interpolations (`${globals:${kind}_path}`) are resolved first, as text.
        let inner = if inner.contains("${") {
            let value = self.interpolate(inner, path)?;
            python_str(&value)
                .ok_or_else(|| self.bad_interpolation(raw, path, embed_reason(&value)))?
        } else {
            inner.to_owned()
        };

        match inner.split_once(':') {
            Some((name, args)) => self.call_resolver(name.trim(), args, raw, path),
            None => self.reference(inner.trim(), raw, path),
        }
    }

    /// `${a.b}`: another key of the same tree.
    fn reference(
        &mut self,
        reference: &str,
        raw: &str,
        path: &[String],
    ) -> Result<Value, ConfigError> {
        let target = reference_path(reference, path)
            .map_err(|reason| self.bad_interpolation(raw, path, reason))?;
        if let Some(value) = self.lookup(&target)? {
            return Ok(value);
        }

        let wanted = target.join(".");
        let known = flatten_paths(self.raw);
        let hint = did_you_mean(&wanted, known.iter().map(String::as_str));
        Err(self.unresolved(raw, path, MissingValue::Key, hint))
    }

    /// The resolved value at `target`, resolving any interpolated value met on the way (so
    /// `${a.b}` works when `a` is itself `${globals:...}`).
    fn lookup(&mut self, target: &[String]) -> Result<Option<Value>, ConfigError> {
        let mut node = self.raw;
        for (depth, segment) in target.iter().enumerate() {
            if matches!(node, Value::String(text) if text.contains("${")) {
                let resolved = self.resolve_path(&target[..depth])?;
                return Ok(get_path(&resolved, &target[depth..]).cloned());
            }
            let Some(next) = child(node, segment) else {
                return Ok(None);
            };
            node = next;
        }
        self.resolve_path(target).map(Some)
    }

    /// `${name:key,default}`.
    fn call_resolver(
        &mut self,
        name: &str,
        args: &str,
        raw: &str,
        path: &[String],
    ) -> Result<Value, ConfigError> {
        let args = split_args(args);
        let (key, default) = match args.as_slice() {
            [key] => (key.as_str(), None),
            [key, default] => (key.as_str(), Some(default.as_str())),
            _ => {
                return Err(self.bad_interpolation(
                    raw,
                    path,
                    "expects a key and an optional default".to_owned(),
                ));
            }
        };
        if key.is_empty() {
            return Err(self.bad_interpolation(raw, path, format!("`{name}:` needs a key")));
        }

        match name {
            "globals" => self.lookup_global(key, default, raw, path),
            "runtime_params" => self.lookup_runtime_param(key, default, raw, path),
            "oc.env" => self.lookup_env(key, default, raw, path),
            _ => Err(ConfigError::UnsupportedResolver {
                resolver: name.to_owned(),
                expression: raw.to_owned(),
                key: path.join("."),
                location: self.locate(raw, path),
            }),
        }
    }

    fn lookup_global(
        &self,
        key: &str,
        default: Option<&str>,
        raw: &str,
        path: &[String],
    ) -> Result<Value, ConfigError> {
        let Some(globals) = self.scope.globals else {
            return Err(self.not_allowed("globals", raw, path));
        };
        if key.starts_with('_') {
            let hint = Some(format!("rename `{key}` in globals so it does not start with `_`"));
            return Err(self.unresolved(raw, path, MissingValue::PrivateGlobal, hint));
        }

        let globals = Value::Object(globals.clone());
        if let Some(value) = get_path(&globals, &split_dotted(key)) {
            return Ok(value.clone());
        }
        if let Some(default) = default {
            return Ok(parse_default(default));
        }

        let known = flatten_paths(&globals);
        let hint = did_you_mean(key, known.iter().map(String::as_str)).or_else(|| {
            Some(format!(
                "add `{key}` to `globals.yml`, or give a default: `${{globals:{key},value}}`"
            ))
        });
        Err(self.unresolved(raw, path, MissingValue::Global, hint))
    }

    fn lookup_runtime_param(
        &self,
        key: &str,
        default: Option<&str>,
        raw: &str,
        path: &[String],
    ) -> Result<Value, ConfigError> {
        let Some(params) = self.scope.runtime_params else {
            return Err(self.not_allowed("runtime_params", raw, path));
        };

        let params = Value::Object(params.clone());
        if let Some(value) = get_path(&params, &split_dotted(key)) {
            return Ok(value.clone());
        }
        if let Some(default) = default {
            return Ok(parse_default(default));
        }

        let hint = Some(format!(
            "pass `--params \"{key}=value\"`, or give a default: `${{runtime_params:{key},value}}`"
        ));
        Err(self.unresolved(raw, path, MissingValue::RuntimeParam, hint))
    }

    fn lookup_env(
        &self,
        variable: &str,
        default: Option<&str>,
        raw: &str,
        path: &[String],
    ) -> Result<Value, ConfigError> {
        if !self.scope.allow_env {
            return Err(ConfigError::EnvResolverNotAllowed {
                section: self.scope.section.to_owned(),
                expression: raw.to_owned(),
                key: path.join("."),
                location: self.locate(raw, path),
            });
        }

        if let Ok(value) = std::env::var(variable) {
            return Ok(Value::String(value));
        }
        if let Some(default) = default {
            // `OmegaConf`'s `oc.env` turns any default but null into a string.
            let parsed = parse_default(default);
            return Ok(match parsed {
                Value::Null => Value::Null,
                other => Value::String(python_str(&other).unwrap_or_else(|| default.to_owned())),
            });
        }

        let hint =
            Some(format!("set `{variable}`, or give a default: `${{oc.env:{variable},value}}`"));
        Err(self.unresolved(raw, path, MissingValue::EnvVar, hint))
    }

    /// Where an expression (or, failing that, the top-level key holding it) is written.
    fn locate(&self, raw: &str, path: &[String]) -> SourceLocation {
        if let Some(location) = self.scope.files.iter().find_map(|file| file.find_text(raw)) {
            return location;
        }
        self.locate_key(path)
    }

    fn locate_key(&self, path: &[String]) -> SourceLocation {
        let top = path.first().map(String::as_str).unwrap_or_default();
        let owner = self.scope.files.iter().find(|file| file.values.contains_key(top));
        match owner {
            Some(file) => file.key_location(top),
            None => SourceLocation::new(PathBuf::from(self.scope.section), 0, 0),
        }
    }

    fn cycle_error(&self, start: usize, path: &[String]) -> ConfigError {
        let mut chain: Vec<String> =
            self.active[start..].iter().map(|active| active.join(".")).collect();
        chain.push(path.join("."));
        let first = &self.active[start];
        let location = match get_path(self.raw, first) {
            Some(Value::String(text)) => self.locate(text, first),
            _ => self.locate_key(first),
        };
        ConfigError::InterpolationCycle { chain, location }
    }

    /// An unclosed `${`. The text after it is part of the value, so in credentials it is not
    /// repeated in the message.
    fn unclosed_error(&self, unclosed: &str, path: &[String]) -> ConfigError {
        let shown = if self.scope.section == "credentials" { "${…" } else { unclosed };
        ConfigError::BadInterpolation {
            expression: shown.to_owned(),
            key: path.join("."),
            location: self.locate(unclosed, path),
            reason: "unclosed `${`".to_owned(),
        }
    }

    fn bad_interpolation(&self, raw: &str, path: &[String], reason: String) -> ConfigError {
        ConfigError::BadInterpolation {
            expression: raw.to_owned(),
            key: path.join("."),
            location: self.locate(raw, path),
            reason,
        }
    }

    fn unresolved(
        &self,
        raw: &str,
        path: &[String],
        missing: MissingValue,
        hint: Option<String>,
    ) -> ConfigError {
        ConfigError::UnresolvedInterpolation {
            expression: raw.to_owned(),
            key: path.join("."),
            location: self.locate(raw, path),
            missing,
            hint,
        }
    }

    fn not_allowed(&self, resolver: &str, raw: &str, path: &[String]) -> ConfigError {
        ConfigError::ResolverNotAllowed {
            resolver: resolver.to_owned(),
            expression: raw.to_owned(),
            key: path.join("."),
            location: self.locate(raw, path),
        }
    }
}

fn child_path(path: &[String], key: &str) -> Vec<String> {
    let mut child = path.to_vec();
    child.push(key.to_owned());
    child
}

fn child<'v>(node: &'v Value, segment: &str) -> Option<&'v Value> {
    match node {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => items.get(segment.parse::<usize>().ok()?),
        _ => None,
    }
}

fn get_path<'v>(root: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(root, |node, segment| child(node, segment))
}

/// Every dotted path to a key of a mapping tree, for did-you-mean hints.
fn flatten_paths(root: &Value) -> Vec<String> {
    fn walk(node: &Value, prefix: &str, out: &mut Vec<String>) {
        let Value::Object(map) = node else { return };
        for (key, value) in map {
            let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            walk(value, &path, out);
            out.push(path);
        }
    }

    let mut out = Vec::new();
    walk(root, "", &mut out);
    out
}

fn embed_reason(value: &Value) -> String {
    let kind = if value.is_array() { "a list" } else { "a mapping" };
    format!("it resolves to {kind}, which cannot be embedded in a longer string")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        let Value::Object(map) = value else { panic!("expected an object") };
        map
    }

    /// Resolves `tree` as `section`, with `globals` and `runtime_params`.
    fn check(
        section: &str,
        tree: Value,
        globals: &Value,
        runtime_params: &Value,
    ) -> Result<Value, ConfigError> {
        let globals = object(globals.clone());
        let runtime_params = object(runtime_params.clone());
        let scope = Scope {
            section,
            globals: Some(&globals),
            runtime_params: Some(&runtime_params),
            allow_env: section == "credentials",
            files: &[],
        };
        resolve_tree(object(tree), &scope).map(Value::Object)
    }

    fn resolve(tree: Value) -> Result<Value, ConfigError> {
        check("parameters", tree, &json!({}), &json!({}))
    }

    #[test]
    fn whole_string_keeps_type_and_embedded_is_formatted() {
        let globals =
            json!({"seed": 42, "folder": "raw", "ratio": 0.5, "flag": true, "nothing": null});
        let tree = json!({
            "seed": "${globals:seed}",
            "path": "data/${globals:folder}/x.csv",
            "ratio": "${globals:ratio}",
            "text": "r=${globals:ratio} f=${globals:flag} n=${globals:nothing}",
        });
        let resolved = check("parameters", tree, &globals, &json!({})).unwrap();
        assert_eq!(
            resolved,
            json!({"seed": 42, "path": "data/raw/x.csv", "ratio": 0.5, "text": "r=0.5 f=True n=None"})
        );
    }

    #[test]
    fn globals_defaults_and_nested_keys() {
        let globals = json!({"paths": {"raw": "data/01_raw"}});
        let tree = json!({
            "nested": "${globals:paths.raw}",
            "int_default": "${globals:missing,5}",
            "str_default": "${globals:missing, data/x.csv}",
            "quoted_default": "${globals:missing,'a,b'}",
        });
        let resolved = check("catalog", tree, &globals, &json!({})).unwrap();
        assert_eq!(
            resolved,
            json!({"nested": "data/01_raw", "int_default": 5, "str_default": "data/x.csv", "quoted_default": "a,b"})
        );
    }

    #[test]
    fn missing_global_without_default_names_the_key_and_suggests() {
        let globals = json!({"bucket": "s3://b"});
        let error =
            check("catalog", json!({"cars": {"path": "${globals:buckett}"}}), &globals, &json!({}))
                .unwrap_err();
        let ConfigError::UnresolvedInterpolation { expression, key, hint, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!((expression.as_str(), key.as_str()), ("${globals:buckett}", "cars.path"));
        assert_eq!(hint.as_deref(), Some("did you mean `bucket`?"));
    }

    #[test]
    fn underscore_globals_are_refused_like_kedro() {
        let globals = json!({"_private": 1});
        let error = check("parameters", json!({"a": "${globals:_private}"}), &globals, &json!({}))
            .unwrap_err();
        assert!(
            matches!(
                error,
                ConfigError::UnresolvedInterpolation { missing: MissingValue::PrivateGlobal, .. }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn references_resolve_recursively_through_other_references() {
        let tree = json!({
            "base": {"lr": 0.1, "layers": [8, 4]},
            "model": {"lr": "${base.lr}", "first": "${base.layers.0}", "second": "${base[layers][1]}"},
            "copy": "${model}",
            "sibling": {"a": 1, "b": "${.a}", "up": "${..base.lr}"},
            "through": "${copy.lr}",
        });
        let resolved = resolve(tree).unwrap();
        assert_eq!(resolved["model"], json!({"lr": 0.1, "first": 8, "second": 4}));
        assert_eq!(resolved["copy"], json!({"lr": 0.1, "first": 8, "second": 4}));
        assert_eq!(resolved["sibling"], json!({"a": 1, "b": 1, "up": 0.1}));
        assert_eq!(resolved["through"], json!(0.1));
    }

    #[test]
    fn cycles_are_reported_with_their_keys() {
        let error = resolve(json!({"a": "${b}", "b": {"c": "${a}"}})).unwrap_err();
        let ConfigError::InterpolationCycle { chain, .. } = &error else { panic!("{error:?}") };
        assert_eq!(chain, &["a", "b", "b.c", "a"]);

        let error = resolve(json!({"a": "x${a}"})).unwrap_err();
        assert!(matches!(error, ConfigError::InterpolationCycle { .. }), "{error:?}");
    }

    #[test]
    fn unknown_reference_suggests_a_close_key() {
        let error =
            resolve(json!({"model": {"learning_rate": 0.1}, "lr": "${model.learning_rat}"}))
                .unwrap_err();
        let ConfigError::UnresolvedInterpolation { hint, missing, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(*missing, MissingValue::Key);
        assert!(
            hint.as_deref().unwrap().starts_with("did you mean `model.learning_rate`"),
            "{hint:?}"
        );
    }

    #[test]
    fn runtime_params_with_and_without_default() {
        let params = json!({"run": {"date": "2024-01-01"}});
        let tree = json!({"date": "${runtime_params:run.date}", "n": "${runtime_params:n,10}"});
        let resolved = check("catalog", tree, &json!({}), &params).unwrap();
        assert_eq!(resolved, json!({"date": "2024-01-01", "n": 10}));

        let error =
            check("catalog", json!({"x": "${runtime_params:missing}"}), &json!({}), &params)
                .unwrap_err();
        assert!(matches!(error, ConfigError::UnresolvedInterpolation { .. }), "{error:?}");
    }

    #[test]
    fn env_resolver_only_in_credentials() {
        let path = std::env::var("PATH").expect("PATH is set in test environments");
        let tree = json!({"db": {"path": "${oc.env:PATH}", "user": "${oc.env:WEIR_TEST_SURELY_UNSET_VAR,guest}", "port": "${oc.env:WEIR_TEST_SURELY_UNSET_VAR,5432}"}});
        let resolved = check("credentials", tree.clone(), &json!({}), &json!({})).unwrap();
        // `OmegaConf`'s `oc.env` returns strings, defaults included.
        assert_eq!(resolved["db"], json!({"path": path, "user": "guest", "port": "5432"}));

        let error = check("parameters", tree, &json!({}), &json!({})).unwrap_err();
        let ConfigError::EnvResolverNotAllowed { section, key, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!((section.as_str(), key.as_str()), ("parameters", "db.path"));

        let error = check(
            "credentials",
            json!({"x": "${oc.env:WEIR_TEST_SURELY_UNSET_VAR}"}),
            &json!({}),
            &json!({}),
        )
        .unwrap_err();
        assert!(matches!(error, ConfigError::UnresolvedInterpolation { .. }), "{error:?}");
    }

    #[test]
    fn escapes_unknown_resolvers_and_syntax_errors() {
        assert_eq!(resolve(json!({"a": "\\${not.a.ref}"})).unwrap(), json!({"a": "${not.a.ref}"}));
        assert_eq!(resolve(json!({"a": "cost: $5"})).unwrap(), json!({"a": "cost: $5"}));
        assert!(matches!(
            resolve(json!({"a": "${oc.select:x}"})),
            Err(ConfigError::UnsupportedResolver { .. })
        ));
        assert!(matches!(resolve(json!({"a": "${b"})), Err(ConfigError::BadInterpolation { .. })));
        assert!(matches!(resolve(json!({"a": "${}"})), Err(ConfigError::BadInterpolation { .. })));
        assert!(matches!(
            resolve(json!({"l": [1], "a": "x${l}"})),
            Err(ConfigError::BadInterpolation { .. })
        ));
    }

    #[test]
    fn nested_interpolation_builds_the_key() {
        let globals = json!({"kind": "raw", "raw_path": "data/01_raw"});
        let resolved =
            check("catalog", json!({"p": "${globals:${globals:kind}_path}"}), &globals, &json!({}))
                .unwrap();
        assert_eq!(resolved, json!({"p": "data/01_raw"}));
    }

    #[test]
    fn globals_cannot_use_runtime_params_or_globals() {
        let scope = Scope {
            section: "globals",
            globals: None,
            runtime_params: None,
            allow_env: false,
            files: &[],
        };
        let error =
            resolve_tree(object(json!({"a": "${runtime_params:x,1}"})), &scope).unwrap_err();
        assert!(
            matches!(&error, ConfigError::ResolverNotAllowed { resolver, .. } if resolver == "runtime_params"),
            "{error:?}"
        );
        let resolved = resolve_tree(object(json!({"a": 1, "b": "${a}"})), &scope).unwrap();
        assert_eq!(
            Value::Object(resolved),
            json!({"a": 1, "b": 1}),
            "plain references still work in globals"
        );
    }

    #[test]
    fn a_long_chain_of_references_is_an_error_not_a_crash() {
        let mut chain = Map::new();
        for index in 0..1000 {
            chain.insert(format!("k{index}"), json!(format!("${{k{}}}", index + 1)));
        }
        chain.insert("k1000".to_owned(), json!(1));

        let error = resolve(Value::Object(chain)).unwrap_err();

        let ConfigError::InterpolationTooDeep { limit, .. } = &error else { panic!("{error:?}") };
        assert_eq!(*limit, MAX_INTERPOLATION_DEPTH);
        assert!(error.to_string().contains("more than 64"), "{error}");
    }

    #[test]
    fn a_chain_at_the_limit_resolves() {
        let mut chain = Map::new();
        for index in 0..MAX_INTERPOLATION_DEPTH {
            chain.insert(format!("k{index}"), json!(format!("${{k{}}}", index + 1)));
        }
        chain.insert(format!("k{MAX_INTERPOLATION_DEPTH}"), json!(7));

        let resolved = resolve(Value::Object(chain)).unwrap();

        assert_eq!(resolved["k0"], json!(7));
    }
}
