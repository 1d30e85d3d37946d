//! Layered configuration, read the way Kedro's `OmegaConfigLoader` reads `conf/`.
//!
//! `conf/base` first, then the run environment (`local` unless `--env` says otherwise); files
//! are matched by pattern per section (`catalog*`, `parameters*`, `credentials*`, `globals*`,
//! in subfolders too); `${...}` interpolation and `--params` runtime overrides are applied last.
//! The merge rules, and every place where weir deliberately differs from Kedro, are documented in
//! `docs/configuration.md`.
//!
//! This module turns files into plain `serde_json` values and knows nothing of datasets or
//! pipelines. It depends on `error` only. The work is split by step:
//! - `discover`: environment folders and the files of one section (glob patterns, hidden files);
//! - `parse`: one YAML/JSON file into a `serde_json` map, with line numbers for its keys;
//! - `merge`: files of one environment (with the duplicate-key check), then environments;
//! - `expression`: the syntax of one `${...}` expression;
//! - `interpolate`: the `${...}` resolver over a value tree;
//! - `runtime`: `--params` parsing;
//! - `loader`: the steps above in order, for one section.
//!
//! # Limitations
//! - Files are read as YAML 1.2 (`yes`/`no`/`on`/`off` stay strings), where Kedro's `PyYAML` reads
//!   YAML 1.1.
//! - Only the `globals:`, `runtime_params:` and `oc.env:` resolvers exist; Kedro's custom
//!   resolvers (`custom_resolvers` in `settings.py`) have no equivalent yet.
//! - The loader reads a local folder only; the command line unpacks `.tar.gz` archives given to
//!   `--conf-source` into a temporary folder first. Zip archives and remote storage are not read.

mod discover;
mod expression;
mod interpolate;
mod loader;
mod merge;
mod parse;
mod runtime;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::error::{Hinted, SourceLocation, did_you_mean};

pub use runtime::parse_runtime_params;

/// The environment every other one overrides.
const BASE_ENV: &str = "base";

/// The run environment used when `--env` is not given; the only one allowed to be missing.
const DEFAULT_RUN_ENV: &str = "local";

/// A merged, interpolated section of configuration (`catalog`, `parameters`, ...).
#[derive(Debug, Clone, Default)]
pub struct ConfigSection {
    /// Top-level keys to values.
    pub values: serde_json::Map<String, serde_json::Value>,
    /// Where each top-level key was written (the file of the environment that won).
    pub sources: HashMap<String, SourceLocation>,
}

/// How a section merges across environments (Kedro's `merge_strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MergeStrategy {
    /// A top-level key in a later environment replaces the earlier one whole.
    #[default]
    Destructive,
    /// Mappings merge key by key, recursively; other values are replaced.
    Soft,
}

/// Everything that can go wrong reading configuration.
///
/// No variant carries a value read from a credentials file: an error raised there names keys,
/// expressions and places only. Errors about other sections may quote the offending text (a
/// malformed `--params` item, an unclosed `${`) to help find it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `--conf-source` names a file (perhaps an archive), not a folder.
    #[error("configuration source `{}` is a file, not a folder", path.display())]
    ConfSourceIsFile {
        /// The path given.
        path: PathBuf,
    },

    /// `--conf-source` (or the project's `conf/`) does not exist.
    #[error("configuration folder `{}` does not exist", path.display())]
    ConfSourceMissing {
        /// The path given.
        path: PathBuf,
    },

    /// The base environment folder (`conf/base`) does not exist.
    #[error("configuration folder `{}` has no `{base_env}` environment", conf_source.display())]
    MissingBase {
        /// The `conf/` folder.
        conf_source: PathBuf,
        /// The base environment's name.
        base_env: String,
    },

    /// `--env` names a folder that does not exist.
    #[error(
        "configuration environment `{env}` not found in `{}` (found: {})",
        conf_source.display(),
        quoted_list(available)
    )]
    UnknownEnv {
        /// The environment asked for.
        env: String,
        /// The `conf/` folder.
        conf_source: PathBuf,
        /// The environments that do exist.
        available: Vec<String>,
    },

    /// `load` was asked for a section that has no file patterns.
    #[error("unknown configuration section `{section}`")]
    UnknownSection {
        /// The section asked for.
        section: String,
        /// The sections that have patterns.
        known: Vec<String>,
    },

    /// A file or folder could not be read.
    #[error("cannot read `{}`", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// A file is not valid YAML or JSON.
    #[error("invalid YAML or JSON at {location}: {message}")]
    BadYaml {
        /// Where the parser stopped.
        location: SourceLocation,
        /// The parser's explanation, without the location.
        message: String,
    },

    /// A file's top level is a list or a scalar instead of `key: value` pairs.
    #[error("top level of {location} is {found}, not a mapping of keys to values")]
    NotAMapping {
        /// The file (and its first line of content).
        location: SourceLocation,
        /// What was found instead (`a list`, `a string`...).
        found: &'static str,
    },

    /// A value that has no JSON equivalent, such as `.nan` or `.inf`.
    #[error("unsupported value in `{key}` at {location}: {reason}")]
    UnsupportedValue {
        /// The top-level key holding the value.
        key: String,
        /// Where that key is written.
        location: SourceLocation,
        /// Why it cannot be represented.
        reason: String,
    },

    /// Two files of one environment define the same key (Kedro's "Duplicate keys found in").
    #[error(
        "duplicate keys in `{}` and `{}`: {}",
        first.display(),
        second.display(),
        quoted_list(keys)
    )]
    DuplicateKeys {
        /// The keys found in both files (dotted paths for `parameters`).
        keys: Vec<String>,
        /// The first file, in reading order.
        first: PathBuf,
        /// The second file.
        second: PathBuf,
    },

    /// A `${...}` expression is malformed (unclosed brace, empty reference...).
    #[error("invalid interpolation `{expression}` in `{key}` at {location}: {reason}")]
    BadInterpolation {
        /// The expression as written.
        expression: String,
        /// The dotted key holding it.
        key: String,
        /// Where it is written.
        location: SourceLocation,
        /// What is wrong with it.
        reason: String,
    },

    /// A `${...}` expression points at nothing and has no default.
    #[error("cannot resolve `{expression}` in `{key}` at {location}: {missing}")]
    UnresolvedInterpolation {
        /// The expression as written.
        expression: String,
        /// The dotted key holding it.
        key: String,
        /// Where it is written.
        location: SourceLocation,
        /// What kind of value was looked up and not found.
        missing: MissingValue,
        /// A did-you-mean or another fix.
        hint: Option<String>,
    },

    /// References that lead back to themselves.
    #[error("interpolation cycle at {location}: {}", chain.join(" -> "))]
    InterpolationCycle {
        /// The dotted keys on the cycle, the first repeated at the end.
        chain: Vec<String>,
        /// Where the first key of the cycle is written.
        location: SourceLocation,
    },

    /// More `${...}` references lead one to the next than the resolver follows.
    #[error("interpolation of `{key}` at {location} goes more than {limit} references deep")]
    InterpolationTooDeep {
        /// The dotted key where the limit was reached.
        key: String,
        /// Where it is written.
        location: SourceLocation,
        /// The most references followed in a row.
        limit: usize,
    },

    /// `${oc.env:...}` outside credentials, which Kedro forbids so that environment variables
    /// cannot leak into parameters or the catalog.
    #[error(
        "`{expression}` in `{key}` at {location}: `oc.env` is only allowed in credentials, not in `{section}`"
    )]
    EnvResolverNotAllowed {
        /// The section being loaded.
        section: String,
        /// The expression as written.
        expression: String,
        /// The dotted key holding it.
        key: String,
        /// Where it is written.
        location: SourceLocation,
    },

    /// A known resolver used inside globals (`runtime_params:` or `globals:`), where Kedro does
    /// not support it.
    #[error(
        "`{expression}` in `{key}` at {location}: the `{resolver}` resolver is not supported in globals"
    )]
    ResolverNotAllowed {
        /// The resolver's name.
        resolver: String,
        /// The expression as written.
        expression: String,
        /// The dotted key holding it.
        key: String,
        /// Where it is written.
        location: SourceLocation,
    },

    /// A resolver weir does not have (`${oc.select:...}`, custom resolvers).
    #[error("unsupported resolver `{resolver}` in `{expression}` (`{key}` at {location})")]
    UnsupportedResolver {
        /// The resolver's name.
        resolver: String,
        /// The expression as written.
        expression: String,
        /// The dotted key holding it.
        key: String,
        /// Where it is written.
        location: SourceLocation,
    },

    /// An item of `--params` that is not `key=value`.
    #[error("invalid runtime parameter `{item}`: {reason}")]
    BadRuntimeParams {
        /// The offending item, as typed.
        item: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// What an unresolved `${...}` looked for, in [`ConfigError::UnresolvedInterpolation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MissingValue {
    /// `${a.b}`: no such key in the same section of the same environment.
    Key,
    /// `${globals:a.b}`: no such global, and no default.
    Global,
    /// `${globals:_a}`: globals keys starting with `_` cannot be looked up (as in Kedro).
    PrivateGlobal,
    /// `${runtime_params:a}`: not given with `--params`, and no default.
    RuntimeParam,
    /// `${oc.env:VAR}`: the environment variable is not set, and no default.
    EnvVar,
}

impl std::fmt::Display for MissingValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MissingValue::Key => "no such key in this environment's files",
            MissingValue::Global => "no such key in globals and no default given",
            MissingValue::PrivateGlobal => "globals keys starting with `_` cannot be looked up",
            MissingValue::RuntimeParam => "runtime parameter not given and no default given",
            MissingValue::EnvVar => "environment variable not set and no default given",
        })
    }
}

impl Hinted for ConfigError {
    fn hint(&self) -> Option<String> {
        match self {
            ConfigError::ConfSourceIsFile { path } => Some(if is_archive(path) {
                "the configuration loader reads folders: the project's command line unpacks \
                 `.tar.gz` archives given to `--conf-source`; from code, unpack it and point \
                 the loader at the folder holding `base/`"
                    .to_owned()
            } else {
                "point `--conf-source` at the folder holding `base/` and `local/`".to_owned()
            }),
            ConfigError::ConfSourceMissing { .. } => Some(
                "check the path, or create the folder with `base/` and `local/` inside".to_owned(),
            ),
            ConfigError::MissingBase { conf_source, base_env } => Some(format!(
                "create `{}` (it may be empty), or point `--conf-source` at the folder that holds it",
                conf_source.join(base_env).display()
            )),
            ConfigError::UnknownEnv { env, conf_source, available } => {
                did_you_mean(env, available.iter().map(String::as_str)).or_else(|| {
                    Some(format!("create `{}` or pick one of the environments found", conf_source.join(env).display()))
                })
            }
            ConfigError::UnknownSection { section, known } => {
                did_you_mean(section, known.iter().map(String::as_str))
                    .or_else(|| Some(format!("known sections: {}", quoted_list(known))))
            }
            ConfigError::Io { .. } => Some("check that the path exists and is readable".to_owned()),
            ConfigError::BadYaml { .. } => Some(
                "write `key: value` pairs with consistent indentation, and quote values that contain `: ` \
                 or start with `{`, `[`, `*`, `&`, `!`, `%` or `@`"
                    .to_owned(),
            ),
            ConfigError::NotAMapping { .. } => {
                Some("a configuration file holds `name: value` pairs at its top level".to_owned())
            }
            ConfigError::UnsupportedValue { .. } => {
                Some("quote the value to keep it as a string".to_owned())
            }
            ConfigError::DuplicateKeys { .. } => Some(
                "define each key in one file per environment; to override a value, set it in another \
                 environment such as `conf/local`"
                    .to_owned(),
            ),
            ConfigError::BadInterpolation { .. } => Some(
                "write `${key.path}`, `${globals:key,default}`, `${runtime_params:key,default}` or, in \
                 credentials, `${oc.env:VARIABLE,default}`; escape a literal `${` as `\\${`"
                    .to_owned(),
            ),
            ConfigError::UnresolvedInterpolation { hint, .. } => hint.clone(),
            ConfigError::InterpolationCycle { .. } => {
                Some("one of these values must hold a plain value instead of referring back".to_owned())
            }
            ConfigError::InterpolationTooDeep { .. } => Some(
                "shorten the chain: refer to the key that holds the value rather than to another reference"
                    .to_owned(),
            ),
            ConfigError::EnvResolverNotAllowed { .. } => Some(
                "move the value to a `credentials*` file, or use `${globals:...}` or \
                 `${runtime_params:...}` instead"
                    .to_owned(),
            ),
            ConfigError::ResolverNotAllowed { resolver, .. } => Some(match resolver.as_str() {
                "runtime_params" => "globals are read before runtime parameters; put the \
                                     `${runtime_params:...}` in the file that uses the global"
                    .to_owned(),
                _ => "refer to another global with a plain reference such as `${key.path}`".to_owned(),
            }),
            ConfigError::UnsupportedResolver { resolver, .. } => {
                let known = ["globals", "runtime_params", "oc.env"];
                did_you_mean(resolver, known).or_else(|| {
                    Some("weir supports the `globals:`, `runtime_params:` and `oc.env:` resolvers".to_owned())
                })
            }
            ConfigError::BadRuntimeParams { .. } => {
                Some("write `--params \"key=value,section.key=value\"`".to_owned())
            }
        }
    }
}

/// `a`, `b` and `c` as "`a`, `b`, `c`", or "none" for an empty list.
/// Whether `path` is named like an archive Kedro accepts as `--conf-source`.
fn is_archive(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy().to_ascii_lowercase();
    [".tar.gz", ".tgz", ".zip", ".tar"].iter().any(|suffix| name.ends_with(suffix))
}

fn quoted_list(items: &[String]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    items.iter().map(|item| format!("`{item}`")).collect::<Vec<_>>().join(", ")
}

/// Reads configuration from a `conf/` folder.
#[derive(Debug, Clone)]
pub struct ConfigLoader {
    conf_source: PathBuf,
    base_env: String,
    run_env: String,
    runtime_params: serde_json::Map<String, serde_json::Value>,
    merge_strategy: HashMap<String, MergeStrategy>,
    config_patterns: BTreeMap<String, Vec<String>>,
}

impl ConfigLoader {
    /// A loader over `conf_source` for the environment `env` (`local` when `None`), with
    /// runtime parameters from `--params` (already parsed by [`parse_runtime_params`]).
    ///
    /// Fails when `conf_source/base` is missing, or when `env` names a folder that does not exist
    /// (a missing `local` is fine: it is treated as empty).
    pub fn new(
        conf_source: impl Into<PathBuf>,
        env: Option<&str>,
        runtime_params: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, ConfigError> {
        let conf_source = conf_source.into();
        let run_env = env.unwrap_or(DEFAULT_RUN_ENV).to_owned();
        discover::check_environments(&conf_source, BASE_ENV, &run_env, DEFAULT_RUN_ENV)?;

        Ok(ConfigLoader {
            conf_source,
            base_env: BASE_ENV.to_owned(),
            run_env,
            runtime_params,
            merge_strategy: HashMap::new(),
            config_patterns: discover::default_patterns(),
        })
    }

    /// Sets how `section` merges across environments.
    #[must_use]
    pub fn with_merge_strategy(mut self, section: &str, strategy: MergeStrategy) -> Self {
        self.merge_strategy.insert(section.to_owned(), strategy);
        self
    }

    /// Sets the glob patterns that pick the files of `section`, relative to each environment
    /// folder (Kedro's `config_patterns`), e.g. `["spark*", "spark*/**"]` for a new `spark`
    /// section. `*` matches within one path component and `**` matches any number of folders.
    #[must_use]
    pub fn with_config_patterns(mut self, section: &str, patterns: &[&str]) -> Self {
        let patterns = patterns.iter().map(|pattern| (*pattern).to_owned()).collect();
        self.config_patterns.insert(section.to_owned(), patterns);
        self
    }

    /// The `conf/` folder.
    pub fn conf_source(&self) -> &Path {
        &self.conf_source
    }

    /// The run environment's name.
    pub fn env(&self) -> &str {
        &self.run_env
    }

    /// Loads one section: `catalog`, `parameters`, `credentials` or `globals` (or any section
    /// given patterns with [`ConfigLoader::with_config_patterns`]).
    ///
    /// `parameters` includes the runtime overrides; other sections have their `_` keys
    /// (templates) dropped. A section with no files at all loads as empty.
    pub fn load(&self, section: &str) -> Result<ConfigSection, ConfigError> {
        loader::load_section(self, section)
    }

    fn strategy_for(&self, section: &str) -> MergeStrategy {
        self.merge_strategy.get(section).copied().unwrap_or_default()
    }
}

/// Looks up a dotted key path (`model.C`) in a parameters map.
pub fn lookup_param<'a>(
    params: &'a serde_json::Map<String, serde_json::Value>,
    path: &str,
) -> Option<&'a serde_json::Value> {
    let mut parts = path.split('.');
    let mut current = params.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_stay_small_enough_to_return_by_value() {
        // Clippy's `result_large_err` fires at 128 bytes; callers wrap this enum in their own.
        let size = size_of::<ConfigError>();
        assert!(size <= 120, "{size}");
    }

    #[test]
    fn lookup_param_follows_dotted_paths() {
        let params = serde_json::json!({"model": {"C": 0.5}, "seed": 7});
        let serde_json::Value::Object(params) = params else { unreachable!("a JSON object") };
        assert_eq!(lookup_param(&params, "model.C"), Some(&serde_json::json!(0.5)));
        assert_eq!(lookup_param(&params, "seed"), Some(&serde_json::json!(7)));
        assert_eq!(lookup_param(&params, "model.D"), None);
        assert_eq!(lookup_param(&params, "seed.x"), None);
    }

    #[test]
    fn every_error_has_a_lowercase_message_without_trailing_period() {
        let errors = [
            ConfigError::MissingBase { conf_source: "conf".into(), base_env: "base".into() },
            ConfigError::UnknownEnv {
                env: "prod".into(),
                conf_source: "conf".into(),
                available: vec![],
            },
            ConfigError::BadRuntimeParams { item: "seed".into(), reason: "no `=`".into() },
        ];
        for error in errors {
            let message = error.to_string();
            assert!(
                message.starts_with(char::is_lowercase) && !message.ends_with('.'),
                "{message}"
            );
            assert!(error.hint().is_some(), "{message}");
        }
    }
}
