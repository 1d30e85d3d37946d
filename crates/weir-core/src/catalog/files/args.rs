//! Reading the option mappings of a catalog entry (`load_args`, `save_args`, `fs_args`, the entry
//! itself) with errors that name the dataset, the section and the key.
//!
//! Every section is checked against the keys its dataset type supports before anything is read,
//! so a typo is reported with the list of supported keys and a "did you mean" hint instead of
//! being silently ignored.

use serde_json::{Map, Value};

use crate::catalog::{CatalogError, DatasetSpec};
use crate::error::{SourceLocation, did_you_mean};

/// One mapping of options, e.g. the `load_args` of a CSV entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Args<'a> {
    dataset: &'a str,
    type_name: &'static str,
    section: &'static str,
    map: Option<&'a Map<String, Value>>,
    source: Option<&'a SourceLocation>,
}

impl<'a> Args<'a> {
    /// The `section` mapping of `spec` (`load_args`...), checked against `supported` keys.
    ///
    /// A missing or `null` section reads as empty.
    pub(crate) fn section(
        spec: &'a DatasetSpec,
        type_name: &'static str,
        section: &'static str,
        supported: &[&str],
    ) -> Result<Self, CatalogError> {
        let args = Args::section_unchecked(spec, type_name, section)?;
        args.check_keys(supported)?;
        Ok(args)
    }

    /// The `section` mapping of `spec` with any keys, for sections passed through to other
    /// tools (Kedro's `fs_args`).
    pub(crate) fn section_unchecked(
        spec: &'a DatasetSpec,
        type_name: &'static str,
        section: &'static str,
    ) -> Result<Self, CatalogError> {
        let map = match spec.options.get(section) {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                return Err(invalid(
                    spec,
                    format!("`{section}` must be a mapping of options, got {}", shape(other)),
                    Some(format!("write `{section}:` followed by indented `key: value` lines")),
                ));
            }
        };
        Ok(Args { dataset: &spec.name, type_name, section, map, source: spec.source.as_ref() })
    }

    /// The top level of the entry itself, checked against `supported` keys.
    pub(crate) fn entry(
        spec: &'a DatasetSpec,
        type_name: &'static str,
        supported: &[&str],
    ) -> Result<Self, CatalogError> {
        let args = Args {
            dataset: &spec.name,
            type_name,
            section: "",
            map: Some(&spec.options),
            source: spec.source.as_ref(),
        };
        args.check_keys(supported)?;
        Ok(args)
    }

    /// A nested mapping, e.g. `fs_args.open_args_load`, with no key check.
    pub(crate) fn nested(&self, key: &'static str) -> Result<Option<Args<'a>>, CatalogError> {
        match self.raw(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Args { section: key, map: Some(map), ..*self })),
            Some(other) => Err(self.wrong(key, "a mapping", other)),
        }
    }

    /// The dataset's name, for messages.
    pub(crate) fn dataset(&self) -> &'a str {
        self.dataset
    }

    /// Whether no option is set.
    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_none_or(Map::is_empty)
    }

    /// The keys that are set, in the order written.
    pub(crate) fn keys(&self) -> Vec<&'a str> {
        self.map.map(|map| map.keys().map(String::as_str).collect()).unwrap_or_default()
    }

    /// The value of the one of `names` that is set (they are aliases), with the name used.
    ///
    /// Setting two aliases at once is an error; a `null` value is returned as is.
    pub(crate) fn get(
        &self,
        names: &[&'static str],
    ) -> Result<Option<(&'static str, &'a Value)>, CatalogError> {
        let mut found = names.iter().filter_map(|name| self.raw(name).map(|value| (*name, value)));
        let first = found.next();
        if let (Some((first_name, _)), Some((second_name, _))) = (first, found.next()) {
            return Err(self.error(
                format!(
                    "{} and {} mean the same thing; keep one",
                    self.path(first_name),
                    self.path(second_name)
                ),
                None,
            ));
        }
        Ok(first)
    }

    /// A string option; `null` counts as unset.
    pub(crate) fn string(&self, names: &[&'static str]) -> Result<Option<&'a str>, CatalogError> {
        match self.get(names)? {
            None | Some((_, Value::Null)) => Ok(None),
            Some((_, Value::String(text))) => Ok(Some(text)),
            Some((name, other)) => Err(self.wrong(name, "a string", other)),
        }
    }

    /// A boolean option; `null` counts as unset.
    pub(crate) fn boolean(&self, names: &[&'static str]) -> Result<Option<bool>, CatalogError> {
        match self.get(names)? {
            None | Some((_, Value::Null)) => Ok(None),
            Some((_, Value::Bool(flag))) => Ok(Some(*flag)),
            Some((name, other)) => Err(self.wrong(name, "`true` or `false`", other)),
        }
    }

    /// A non-negative whole number; `null` counts as unset.
    pub(crate) fn count(&self, names: &[&'static str]) -> Result<Option<usize>, CatalogError> {
        match self.get(names)? {
            None | Some((_, Value::Null)) => Ok(None),
            Some((name, value)) => self.count_value(name, value).map(Some),
        }
    }

    /// `value` of option `name` as a non-negative whole number.
    pub(crate) fn count_value(&self, name: &str, value: &Value) -> Result<usize, CatalogError> {
        value
            .as_u64()
            .and_then(|number| usize::try_from(number).ok())
            .ok_or_else(|| self.wrong(name, "a whole number of 0 or more", value))
    }

    /// A single ASCII character, as a byte (separators, quote characters); `null` counts as unset.
    pub(crate) fn single_byte(&self, names: &[&'static str]) -> Result<Option<u8>, CatalogError> {
        match self.get(names)? {
            None | Some((_, Value::Null)) => Ok(None),
            Some((name, value)) => self.byte_value(name, value).map(Some),
        }
    }

    /// `value` of option `name` as a single ASCII character.
    pub(crate) fn byte_value(&self, name: &str, value: &Value) -> Result<u8, CatalogError> {
        match value.as_str().map(str::as_bytes) {
            Some([byte]) if byte.is_ascii() => Ok(*byte),
            _ => Err(self.wrong(name, "a single ASCII character, e.g. `;`", value)),
        }
    }

    /// A string or a list of strings; `null` counts as unset.
    pub(crate) fn strings(
        &self,
        names: &[&'static str],
    ) -> Result<Option<Vec<String>>, CatalogError> {
        match self.get(names)? {
            None | Some((_, Value::Null)) => Ok(None),
            Some((_, Value::String(text))) => Ok(Some(vec![text.clone()])),
            Some((name, Value::Array(items))) => items
                .iter()
                .map(|item| match item {
                    Value::String(text) => Ok(text.clone()),
                    other => Err(self.wrong(name, "a list of strings", other)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some((name, other)) => Err(self.wrong(name, "a string or a list of strings", other)),
        }
    }

    /// Fails unless the `encoding` option named by `names`, when set, is UTF-8.
    pub(crate) fn require_utf8(&self, names: &[&'static str]) -> Result<(), CatalogError> {
        let Some(encoding) = self.string(names)? else {
            return Ok(());
        };
        let normalised = encoding.to_ascii_lowercase().replace('_', "-");
        if normalised == "utf-8" || normalised == "utf8" {
            return Ok(());
        }
        Err(self.error(
            format!("{} is `{encoding}`, but weir reads and writes UTF-8 only", self.path(names[0])),
            Some(format!(
                "convert the file to UTF-8 (e.g. `iconv -f {encoding} -t UTF-8`) and drop the option"
            )),
        ))
    }

    /// The error "option `name` must be `expected`", saying what was found instead.
    pub(crate) fn wrong(&self, name: &str, expected: &str, got: &Value) -> CatalogError {
        self.error(format!("{} must be {expected}, got {}", self.path(name), shape(got)), None)
    }

    /// An invalid-entry error for this dataset.
    pub(crate) fn error(&self, message: String, hint: Option<String>) -> CatalogError {
        CatalogError::InvalidEntry {
            dataset: self.dataset.to_owned(),
            message,
            source_location: self.source.cloned(),
            hint,
        }
    }

    /// How an option is named in messages: `load_args.sep`, or `filepath` at the top level.
    pub(crate) fn path(&self, name: &str) -> String {
        if self.section.is_empty() {
            format!("`{name}`")
        } else {
            format!("`{}.{name}`", self.section)
        }
    }

    fn raw(&self, name: &str) -> Option<&'a Value> {
        self.map.and_then(|map| map.get(name))
    }

    fn check_keys(&self, supported: &[&str]) -> Result<(), CatalogError> {
        let Some(unknown) = self.keys().into_iter().find(|key| !supported.contains(key)) else {
            return Ok(());
        };

        let place = if self.section.is_empty() {
            "key".to_owned()
        } else {
            format!("`{}` key", self.section)
        };
        let message = if supported.is_empty() {
            format!("`{}` does not support the {place} `{unknown}`: it takes none", self.type_name)
        } else {
            let listed: Vec<String> = supported.iter().map(|key| format!("`{key}`")).collect();
            format!(
                "`{}` does not support the {place} `{unknown}`; supported: {}",
                self.type_name,
                listed.join(", ")
            )
        };
        Err(self.error(message, did_you_mean(unknown, supported.iter().copied())))
    }
}

/// A short description of a value's shape for messages: "the string `;;`", "a list".
pub(crate) fn shape(value: &Value) -> String {
    match value {
        Value::Null => "`null`".to_owned(),
        Value::Bool(flag) => format!("`{flag}`"),
        Value::Number(number) => format!("`{number}`"),
        Value::String(text) => format!("the string `{text}`"),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "a mapping".to_owned(),
    }
}

fn invalid(spec: &DatasetSpec, message: String, hint: Option<String>) -> CatalogError {
    CatalogError::InvalidEntry {
        dataset: spec.name.clone(),
        message,
        source_location: spec.source.clone(),
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Hinted;
    use serde_json::json;

    fn spec(options: Value) -> DatasetSpec {
        let Value::Object(options) = options else { panic!("test options are a JSON object") };
        DatasetSpec {
            name: "companies".to_owned(),
            type_name: "pandas.CSVDataset".to_owned(),
            options,
            credentials: None,
            source: None,
        }
    }

    #[test]
    fn unknown_keys_list_the_supported_ones_and_suggest_a_fix() {
        let spec = spec(json!({"load_args": {"seperator": ";"}}));
        let error = Args::section(&spec, "weir.CSVDataset", "load_args", &["sep", "separator"])
            .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("`companies`"), "{text}");
        assert!(text.contains("`seperator`"), "{text}");
        assert!(text.contains("`sep`, `separator`"), "{text}");
        assert!(error.hint().unwrap().starts_with("did you mean `separator`"), "{error:?}");
    }

    #[test]
    fn aliases_cannot_both_be_set() {
        let spec = spec(json!({"load_args": {"sep": ";", "separator": ","}}));
        let args =
            Args::section(&spec, "weir.CSVDataset", "load_args", &["sep", "separator"]).unwrap();
        let error = args.single_byte(&["sep", "separator"]).unwrap_err();
        assert!(error.to_string().contains("`load_args.sep` and `load_args.separator`"));
    }

    #[test]
    fn typed_getters_reject_wrong_shapes() {
        let spec = spec(json!({"load_args": {"sep": ";;", "skiprows": -1, "encoding": "latin-1"}}));
        let keys = ["sep", "skiprows", "encoding"];
        let args = Args::section(&spec, "weir.CSVDataset", "load_args", &keys).unwrap();
        assert!(args.single_byte(&["sep"]).unwrap_err().to_string().contains("single ASCII"));
        assert!(args.count(&["skiprows"]).unwrap_err().to_string().contains("`-1`"));
        let error = args.require_utf8(&["encoding"]).unwrap_err();
        assert!(error.to_string().contains("UTF-8 only"), "{error}");
    }

    #[test]
    fn a_section_that_is_not_a_mapping_is_rejected() {
        let spec = spec(json!({"save_args": ["index", false]}));
        let error = Args::section(&spec, "weir.CSVDataset", "save_args", &["index"]).unwrap_err();
        assert!(error.to_string().contains("`save_args` must be a mapping"), "{error}");
    }
}
