//! Dataset factories: catalog keys with `{placeholder}`s that stand for many datasets, as in
//! Kedro (<https://docs.kedro.org/en/stable/catalog-data/kedro_dataset_factories/>).
//!
//! A key containing `{` is a pattern, not a dataset (Kedro's `is_pattern`). A dataset name
//! that the catalog does not declare is matched against the patterns in rank order and the
//! first match builds the dataset, with the placeholders' values substituted into the entry's
//! string values.
//!
//! Matching follows Python's `parse` library, which Kedro calls as `parse(pattern, name)`:
//! - the whole name must match; letters compare case-insensitively (`parse`'s default);
//! - a field `{name}` matches one or more characters, as few as possible, left to right, with
//!   backtracking (the regular expression `(.+?)`), so `"{layer}.{name}"` splits `a.b.c` into
//!   `a` and `b.c`; a field repeated in one pattern must match the same text each time;
//! - field names may hold `.`, `-` and `[...]` parts (`{node.name}`); a name that does not
//!   start with a letter (`{}`, `{0}`, `{_x}`) is a positional field whose value cannot be used
//!   in the entry;
//! - `{{` and `}}` are literal braces, and a `{` that does not open a valid field is literal.
//!
//! Ranking follows Kedro's `CatalogConfigResolver._sort_patterns`: more characters outside
//! `{...}` first, then more placeholders (`{` characters), then alphabetical order. A pattern
//! with no literal character (`"{default}"`) is the catch-all: it replaces the in-memory
//! default for every undeclared name, and a catalog may have only one.
//!
//! Substitution follows Python's `str.format_map` as Kedro applies it: only string values
//! containing `}` are formatted, recursively through mappings and lists (keys are kept as
//! written); `{{`/`}}` give literal braces; a placeholder the pattern does not have is an error.
//!
//! # Limitations
//!
//! `parse`'s format specifications (`{name:d}`, `{name:w}`, widths, alignment) and
//! `str.format`'s conversions and specifications in entry values (`{name!r}`, `{name:>8}`)
//! are refused with an error naming the pattern, rather than half supported.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLockReadGuard, RwLockWriteGuard};

use indexmap::IndexMap;

use super::{CatalogError, DataCatalog, Dataset, DatasetContext, DatasetRegistry};
use crate::data::{DataKind, Payload};
use crate::error::{Hinted, Secret, SourceLocation};

/// One catalog entry whose key is a dataset factory pattern.
#[derive(Debug, Clone)]
pub struct Factory {
    pattern: Pattern,
    entry: serde_json::Value,
    source: Option<SourceLocation>,
}

impl Factory {
    /// Parses `key`; `entry` is the configuration written under it.
    pub(crate) fn new(
        key: &str,
        entry: serde_json::Value,
        source: Option<SourceLocation>,
    ) -> Result<Self, String> {
        Ok(Factory { pattern: Pattern::parse(key)?, entry, source })
    }

    /// The pattern as written, e.g. `{name}_raw`.
    pub fn pattern(&self) -> &str {
        &self.pattern.text
    }

    /// The entry as written under the pattern, placeholders unsubstituted.
    pub fn entry(&self) -> &serde_json::Value {
        &self.entry
    }

    /// Where the pattern is written.
    pub fn source(&self) -> Option<&SourceLocation> {
        self.source.as_ref()
    }

    /// Whether the pattern has no literal character and so matches every name.
    pub fn is_catch_all(&self) -> bool {
        self.pattern.specificity == 0
    }

    /// The placeholders' values when `name` matches the pattern, by placeholder name.
    pub fn matches(&self, name: &str) -> Option<HashMap<String, String>> {
        self.pattern.capture(name)
    }

    /// The entry for `name` with the placeholders' values substituted.
    pub(crate) fn entry_for(&self, name: &str) -> Result<serde_json::Value, String> {
        let Some(values) = self.matches(name) else {
            return Err(format!("`{name}` does not match the pattern"));
        };
        substitute(&self.entry, &values, &self.pattern.text)
    }
}

/// Whether a catalog key is a dataset factory pattern (Kedro: any key with `{`).
pub(crate) fn is_pattern(key: &str) -> bool {
    key.contains('{')
}

/// Sorts factories into matching order and checks there is at most one catch-all.
///
/// The order is Kedro's: decreasing specificity (characters outside `{...}`), then decreasing
/// number of placeholders, then the pattern text.
pub(crate) fn rank(factories: &mut [Factory]) -> Result<(), String> {
    factories.sort_by(|a, b| {
        let key = |f: &Factory| {
            (std::cmp::Reverse(f.pattern.specificity), std::cmp::Reverse(f.pattern.braces))
        };
        key(a).cmp(&key(b)).then_with(|| a.pattern.text.cmp(&b.pattern.text))
    });
    let catch_all: Vec<String> = factories
        .iter()
        .filter(|f| f.is_catch_all())
        .map(|f| format!("`{}`", f.pattern()))
        .collect();
    if catch_all.len() > 1 {
        return Err(format!(
            "several catch-all patterns ({}) match every name; only one is allowed",
            catch_all.join(", ")
        ));
    }
    Ok(())
}

/// A parsed pattern.
#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    parts: Vec<Part>,
    /// Characters left once every `{...}` is removed (Kedro's `_pattern_specificity`).
    specificity: usize,
    /// How many `{` the pattern has (Kedro's `pattern.count("{")`).
    braces: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(Vec<char>),
    /// A named field, or `None` for a positional one.
    Field(Option<String>),
}

impl Pattern {
    fn parse(text: &str) -> Result<Self, String> {
        let chars: Vec<char> = text.chars().collect();
        let mut parts: Vec<Part> = Vec::new();
        let mut literal = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let rest = &chars[i..];
            if rest.starts_with(&['{', '{']) || rest.starts_with(&['}', '}']) {
                literal.push(rest[0]);
                i += 2;
                continue;
            }
            if rest[0] == '{'
                && let Some((length, name, spec)) = field_at(rest)
            {
                if let Some(spec) = spec {
                    return Err(format!(
                        "the format specification `:{spec}` in `{{{name}:{spec}}}` is not supported; write a plain `{{{name}}}`"
                    ));
                }
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                let named = name.chars().next().is_some_and(char::is_alphabetic);
                parts.push(Part::Field(named.then_some(name)));
                i += length;
                continue;
            }
            literal.push(rest[0]);
            i += 1;
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Pattern {
            text: text.to_owned(),
            parts,
            specificity: specificity(text),
            braces: text.matches('{').count(),
        })
    }

    fn capture(&self, name: &str) -> Option<HashMap<String, String>> {
        let chars: Vec<char> = name.chars().collect();
        let mut bound: Vec<(Option<String>, usize, usize)> = Vec::new();
        if !match_parts(&self.parts, &chars, 0, &mut bound) {
            return None;
        }
        let mut values = HashMap::new();
        for (field, start, end) in bound {
            if let Some(field) = field {
                values.entry(field).or_insert_with(|| chars[start..end].iter().collect());
            }
        }
        Some(values)
    }
}

/// A field at the start of `chars` (which starts with `{`): its length in characters, its
/// name and its format specification, following `parse`'s field syntax
/// `{[\w-]*(?:\.[\w-]+|\[[^]]+])*(?::[^}]+)?}`.
fn field_at(chars: &[char]) -> Option<(usize, String, Option<String>)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    let mut j = 1;
    while j < chars.len() && is_word(chars[j]) {
        j += 1;
    }
    loop {
        match chars.get(j) {
            Some('.') if chars.get(j + 1).is_some_and(|&c| is_word(c)) => {
                j += 1;
                while j < chars.len() && is_word(chars[j]) {
                    j += 1;
                }
            }
            Some('[') => {
                let close = chars[j + 1..].iter().position(|&c| c == ']')?;
                if close == 0 {
                    return None;
                }
                j += close + 2;
            }
            _ => break,
        }
    }
    let name: String = chars[1..j].iter().collect();
    let mut spec = None;
    if chars.get(j) == Some(&':') {
        let close = chars[j + 1..].iter().position(|&c| c == '}')?;
        if close == 0 {
            return None;
        }
        spec = Some(chars[j + 1..j + 1 + close].iter().collect());
        j += close + 1;
    }
    (chars.get(j) == Some(&'}')).then(|| (j + 1, name, spec))
}

/// Kedro's `len(re.sub(r"\{.*?\}", "", pattern))`: characters outside the shortest `{...}`
/// runs (which, like `.`, never span a line break).
fn specificity(text: &str) -> usize {
    let chars: Vec<char> = text.chars().collect();
    let mut count = 0;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '{' {
            let close = chars[i + 1..].iter().position(|&c| c == '}' || c == '\n');
            if let Some(offset) = close.filter(|&offset| chars[i + 1 + offset] == '}') {
                i += offset + 2;
                continue;
            }
        }
        count += 1;
        i += 1;
    }
    count
}

/// Whether `chars[at..]` matches `parts`, trying the shortest value for each field first and
/// backtracking, as `parse`'s `(.+?)` groups do. `bound` records each field's span.
fn match_parts(
    parts: &[Part],
    chars: &[char],
    at: usize,
    bound: &mut Vec<(Option<String>, usize, usize)>,
) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return at == chars.len();
    };
    match first {
        Part::Literal(literal) => {
            let end = at + literal.len();
            end <= chars.len()
                && same_text(&chars[at..end], literal)
                && match_parts(rest, chars, end, bound)
        }
        Part::Field(Some(name)) if bound.iter().any(|(f, ..)| f.as_ref() == Some(name)) => {
            // A repeated field is a back-reference: the same text again.
            let Some(&(_, start, end)) = bound.iter().find(|(f, ..)| f.as_ref() == Some(name))
            else {
                return false;
            };
            let next = at + (end - start);
            next <= chars.len()
                && same_text(&chars[at..next], &chars[start..end])
                && match_parts(rest, chars, next, bound)
        }
        Part::Field(field) => {
            for end in at + 1..=chars.len() {
                bound.push((field.clone(), at, end));
                if match_parts(rest, chars, end, bound) {
                    return true;
                }
                bound.pop();
            }
            false
        }
    }
}

/// Case-insensitive comparison, as `parse` compiles its expressions with `re.IGNORECASE`.
fn same_text(a: &[char], b: &[char]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| x == y || lower(x) == lower(y))
}

fn lower(c: char) -> char {
    let mut lowered = c.to_lowercase();
    match (lowered.next(), lowered.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

/// `entry` with `values` substituted into every string that contains `}`.
fn substitute(
    entry: &serde_json::Value,
    values: &HashMap<String, String>,
    pattern: &str,
) -> Result<serde_json::Value, String> {
    use serde_json::Value;
    Ok(match entry {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (key, value) in map {
                out.insert(key.clone(), substitute(value, values, pattern)?);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items.iter().map(|item| substitute(item, values, pattern)).collect::<Result<_, _>>()?,
        ),
        Value::String(text) if text.contains('}') => {
            Value::String(format_map(text, values, pattern)?)
        }
        other => other.clone(),
    })
}

/// Python's `text.format_map(values)` for plain `{name}` fields.
fn format_map(
    text: &str,
    values: &HashMap<String, String>,
    pattern: &str,
) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '}' => {
                return Err(format!(
                    "`{text}` has a single `}}`; write `}}}}` for a literal brace"
                ));
            }
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some('{') | None => {
                            return Err(format!(
                                "`{text}` has a `{{` that is not closed; write `{{{{` for a literal brace"
                            ));
                        }
                        Some(other) => field.push(other),
                    }
                }
                out.push_str(field_value(&field, text, values, pattern)?);
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

fn field_value<'v>(
    field: &str,
    text: &str,
    values: &'v HashMap<String, String>,
    pattern: &str,
) -> Result<&'v str, String> {
    if field.contains(['!', ':']) {
        return Err(format!(
            "`{{{field}}}` in `{text}`: conversions and format specifications are not supported; write a plain placeholder"
        ));
    }
    if field.contains(['.', '[']) {
        return Err(format!(
            "`{{{field}}}` in `{text}`: attribute and index access is not supported; use a placeholder name without `.` or `[`"
        ));
    }
    if field.is_empty() || field.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "`{{{field}}}` in `{text}` is positional; use a named placeholder of the pattern `{pattern}`"
        ));
    }
    values.get(field).map(String::as_str).ok_or_else(|| {
        format!("`{{{field}}}` in `{text}` is not a placeholder of the pattern `{pattern}`")
    })
}

/// The factories of a catalog, in matching order, with what building their datasets needs.
#[derive(Debug)]
pub(super) struct Factories {
    ranked: Vec<Factory>,
    credentials: Secret<serde_json::Map<String, serde_json::Value>>,
    registry: DatasetRegistry,
    context: DatasetContext,
}

impl Factories {
    /// Ranks `factories` (see [`rank`]); an error names the extra catch-all patterns.
    pub(super) fn new(
        mut factories: Vec<Factory>,
        credentials: &serde_json::Map<String, serde_json::Value>,
        registry: &DatasetRegistry,
        context: &DatasetContext,
    ) -> Result<Self, CatalogError> {
        if let Err(message) = rank(&mut factories) {
            let last = factories.iter().rev().find(|f| f.is_catch_all());
            return Err(CatalogError::InvalidEntry {
                dataset: last.map(|f| f.pattern().to_owned()).unwrap_or_default(),
                message,
                source_location: last.and_then(|f| f.source.clone()),
                hint: Some(
                    "keep one catch-all pattern such as `\"{default}\"` and remove the others"
                        .to_owned(),
                ),
            });
        }
        Ok(Factories {
            ranked: factories,
            credentials: Secret::new(credentials.clone()),
            registry: registry.clone(),
            context: context.clone(),
        })
    }
}

/// The factory a dataset was built from, and the entry it gave.
#[derive(Debug, Clone, PartialEq)]
pub struct FactoryMatch {
    /// The pattern, e.g. `{name}_raw`.
    pub pattern: String,
    /// Where the pattern is written.
    pub source: Option<SourceLocation>,
    /// The entry with the placeholders' values substituted (credentials by name, as written).
    pub entry: serde_json::Value,
}

/// A dataset built from a factory, or the error its entry gives.
#[derive(Debug, Clone)]
pub(super) struct Resolved {
    pub(super) dataset: Arc<dyn Dataset>,
    pub(super) matched: FactoryMatch,
    pub(super) read_only: bool,
    pub(super) failed: bool,
    /// The dataset with its contract, when the factory's entry has a `schema:`.
    pub(super) contract: Option<Arc<super::contract::ContractDataset>>,
}

/// Whether a name is a parameter input (`params:...` or `parameters`), which patterns never
/// match. Spelled here because the catalog does not depend on `pipeline`.
fn is_parameter(name: &str) -> bool {
    name == "parameters" || name.starts_with("params:")
}

impl DataCatalog {
    /// The dataset factory patterns, in the order names are matched against them.
    pub fn factories(&self) -> &[Factory] {
        self.factories.as_ref().map_or(&[], |f| f.ranked.as_slice())
    }

    /// The factory that would build `name`: `None` for declared names, parameters and names
    /// no pattern matches.
    pub fn matching_factory(&self, name: &str) -> Option<&Factory> {
        if self.declared.contains_key(name) || is_parameter(name) {
            return None;
        }
        self.factories().iter().find(|factory| factory.matches(name).is_some())
    }

    /// Builds the dataset of every name in `names` that a factory matches and that is not
    /// built yet, so that [`DataCatalog::dataset`] finds it. Sessions call this with the
    /// datasets of the pipeline they run; the error names the dataset, the pattern and where
    /// the pattern is written.
    pub fn resolve<I, S>(&self, names: I) -> Result<(), CatalogError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for name in names {
            let name = name.as_ref();
            let built = self.resolved_read().get(name).map(|r| r.failed);
            if built == Some(false) {
                continue;
            }
            let Some(factory) = self.matching_factory(name) else {
                continue;
            };
            let resolved = self.build_from(factory, name)?;
            self.resolved_write().insert(name.to_owned(), resolved);
        }
        Ok(())
    }

    /// The factory `name` was built from, once resolved.
    pub fn factory_match(&self, name: &str) -> Option<FactoryMatch> {
        self.resolved_read().get(name).map(|r| r.matched.clone())
    }

    /// Every dataset built from a factory so far, in the order they were built.
    pub fn resolved(&self) -> Vec<(String, FactoryMatch)> {
        self.resolved_read()
            .iter()
            .filter(|(_, r)| !r.failed)
            .map(|(name, r)| (name.clone(), r.matched.clone()))
            .collect()
    }

    /// The factory-built dataset of `name`, building it on first use; a factory whose entry
    /// does not build gives a dataset whose every operation fails with that error.
    pub(super) fn factory_dataset(&self, name: &str) -> Option<Arc<dyn Dataset>> {
        if let Some(resolved) = self.resolved_read().get(name) {
            return Some(Arc::clone(&resolved.dataset));
        }
        let factory = self.matching_factory(name)?;
        let resolved = self.build_from(factory, name).unwrap_or_else(|error| Resolved {
            dataset: Arc::new(Unbuildable::new(name, factory, &error)),
            matched: FactoryMatch {
                pattern: factory.pattern().to_owned(),
                source: factory.source.clone(),
                entry: factory.entry.clone(),
            },
            read_only: false,
            failed: true,
            contract: None,
        });
        let mut resolved_map = self.resolved_write();
        let entry = resolved_map.entry(name.to_owned()).or_insert(resolved);
        Some(Arc::clone(&entry.dataset))
    }

    /// Whether a factory-built `name` is marked `read_only: true`.
    pub(super) fn is_factory_read_only(&self, name: &str) -> bool {
        self.resolved_read().get(name).is_some_and(|r| r.read_only)
    }

    /// The factory-built `name` with its contract, when it was built and its factory's entry
    /// has a `schema:`.
    pub(super) fn factory_contract(
        &self,
        name: &str,
    ) -> Option<Arc<super::contract::ContractDataset>> {
        self.resolved_read().get(name).and_then(|resolved| resolved.contract.clone())
    }

    /// The names of the factory-built datasets with a contract, in the order they were built.
    pub(super) fn factory_contracted(&self) -> Vec<String> {
        let resolved = self.resolved_read();
        resolved
            .iter()
            .filter(|(_, r)| r.contract.is_some())
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Whether `name` was built from a factory without error.
    pub(super) fn is_resolved(&self, name: &str) -> bool {
        self.resolved_read().get(name).is_some_and(|r| !r.failed)
    }

    fn build_from(&self, factory: &Factory, name: &str) -> Result<Resolved, CatalogError> {
        let wrap = |error: CatalogError| CatalogError::Factory {
            dataset: name.to_owned(),
            pattern: factory.pattern().to_owned(),
            source_location: factory.source.clone(),
            error: Box::new(error),
        };
        let Some(factories) = self.factories.as_ref() else {
            return Err(wrap(CatalogError::NotFound(name.to_owned())));
        };
        let entry = factory.entry_for(name).map_err(|message| {
            wrap(CatalogError::InvalidEntry {
                dataset: name.to_owned(),
                message,
                source_location: None,
                hint: Some(
                    "every `{...}` in the entry's values must be a placeholder of the pattern; write `{{` and `}}` for literal braces"
                        .to_owned(),
                ),
            })
        })?;
        let (built_entry, read_only) =
            super::without_read_only_key(name, &entry, factory.source.as_ref()).map_err(wrap)?;
        let (built_entry, schema) =
            super::contract::without_schema_key(name, &built_entry, factory.source.as_ref())
                .map_err(wrap)?;
        let spec = super::spec_from_entry(
            name,
            &built_entry,
            factory.source.clone(),
            factories.credentials.expose(),
        )
        .map_err(wrap)?;
        let mut dataset = factories.registry.build(&spec, &factories.context).map_err(wrap)?;
        let mut checked = None;
        if let Some(contract) = schema {
            // Checked on load and save like a declared entry's, and by `catalog validate`.
            let contracted =
                Arc::new(super::contract::ContractDataset::new(dataset, contract).map_err(wrap)?);
            dataset = Arc::clone(&contracted) as Arc<dyn Dataset>;
            checked = Some(contracted);
        }
        if factory.is_catch_all() {
            tracing::debug!(
                dataset = name,
                pattern = factory.pattern(),
                "the catch-all dataset factory replaces the in-memory default"
            );
        }
        Ok(Resolved {
            dataset,
            matched: FactoryMatch {
                pattern: factory.pattern().to_owned(),
                source: factory.source.clone(),
                entry,
            },
            read_only,
            failed: false,
            contract: checked,
        })
    }

    fn resolved_read(&self) -> RwLockReadGuard<'_, IndexMap<String, Resolved>> {
        self.resolved.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn resolved_write(&self) -> RwLockWriteGuard<'_, IndexMap<String, Resolved>> {
        self.resolved.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a factory gives for a name its entry cannot build: every operation fails with the
/// build error, so the mistake surfaces where the dataset is used instead of silently landing
/// in memory.
#[derive(Debug)]
struct Unbuildable {
    dataset: String,
    pattern: String,
    source: Option<SourceLocation>,
    message: String,
    hint: Option<String>,
}

impl Unbuildable {
    fn new(name: &str, factory: &Factory, error: &CatalogError) -> Self {
        let (message, hint) = match error {
            CatalogError::Factory { error, .. } => (error.to_string(), error.hint()),
            other => (other.to_string(), other.hint()),
        };
        Unbuildable {
            dataset: name.to_owned(),
            pattern: factory.pattern().to_owned(),
            source: factory.source.clone(),
            message,
            hint,
        }
    }

    fn error(&self) -> CatalogError {
        CatalogError::Factory {
            dataset: self.dataset.clone(),
            pattern: self.pattern.clone(),
            source_location: self.source.clone(),
            error: Box::new(CatalogError::InvalidEntry {
                dataset: self.dataset.clone(),
                message: self.message.clone(),
                source_location: None,
                hint: self.hint.clone(),
            }),
        }
    }
}

impl Dataset for Unbuildable {
    fn type_name(&self) -> &'static str {
        "(invalid factory entry)"
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        Err(self.error())
    }

    fn save(&self, _payload: Payload) -> Result<(), CatalogError> {
        Err(self.error())
    }

    fn exists(&self) -> Result<bool, CatalogError> {
        Err(self.error())
    }

    fn loads(&self) -> Option<DataKind> {
        None
    }

    fn accepts(&self, _kind: DataKind) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factory(key: &str) -> Factory {
        Factory::new(key, serde_json::json!({"type": "memory"}), None).unwrap()
    }

    /// The patterns of `keys` in matching order.
    fn ranked(keys: &[&str]) -> Vec<String> {
        let mut factories: Vec<Factory> = keys.iter().map(|k| factory(k)).collect();
        rank(&mut factories).unwrap();
        factories.iter().map(|f| f.pattern().to_owned()).collect()
    }

    /// The first pattern of `keys` (in rank order) that matches `name`.
    fn best(keys: &[&str], name: &str) -> Option<String> {
        let mut factories: Vec<Factory> = keys.iter().map(|k| factory(k)).collect();
        rank(&mut factories).unwrap();
        factories.iter().find(|f| f.matches(name).is_some()).map(|f| f.pattern().to_owned())
    }

    fn captures(key: &str, name: &str) -> Option<Vec<(String, String)>> {
        let mut values: Vec<(String, String)> = factory(key).matches(name)?.into_iter().collect();
        values.sort();
        Some(values)
    }

    #[expect(clippy::unnecessary_wraps, reason = "compared with what `captures` returns")]
    fn pairs(items: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    fn catalog_of(entries: &serde_json::Value) -> Result<DataCatalog, CatalogError> {
        let entries = entries.as_object().unwrap().clone();
        let sources = entries
            .keys()
            .enumerate()
            .map(|(i, key)| {
                (key.clone(), SourceLocation::new("conf/base/catalog.yml", i * 3 + 1, 1))
            })
            .collect();
        let context = DatasetContext {
            project_root: std::path::PathBuf::from("/project"),
            save_version: "2024-01-05T10.11.12.345Z".to_owned(),
            load_versions: HashMap::new(),
        };
        DataCatalog::from_config(
            &entries,
            &sources,
            &serde_json::Map::new(),
            &DatasetRegistry::with_builtins(),
            &context,
        )
    }

    /// Kedro's layered example: `"{name}_raw"` and `"{layer}.{name}"` next to a declared entry.
    fn layered() -> DataCatalog {
        catalog_of(&serde_json::json!({
            "companies": {"type": "pandas.CSVDataset", "filepath": "data/01_raw/companies.csv"},
            "{name}_raw": {"type": "pandas.CSVDataset", "filepath": "data/01_raw/{name}.csv"},
            "{layer}.{name}": {
                "type": "pandas.ParquetDataset",
                "filepath": "data/{layer}/{name}.parquet",
                "read_only": true,
            },
        }))
        .unwrap()
    }

    #[test]
    fn the_catalog_builds_matched_datasets_with_their_pattern() {
        let catalog = layered();
        assert_eq!(
            catalog.factories().iter().map(Factory::pattern).collect::<Vec<_>>(),
            ["{name}_raw", "{layer}.{name}"]
        );
        catalog.resolve(["shuttles_raw", "primary.model_input", "companies", "params:x"]).unwrap();

        assert!(catalog.is_declared("shuttles_raw"));
        let raw = catalog.dataset("shuttles_raw");
        assert_eq!(raw.type_name(), "weir.CSVDataset");
        assert!(
            raw.location().unwrap().ends_with("data/01_raw/shuttles.csv"),
            "{:?}",
            raw.location()
        );
        let matched = catalog.factory_match("shuttles_raw").unwrap();
        assert_eq!(matched.pattern, "{name}_raw");
        assert_eq!(matched.entry["filepath"], "data/01_raw/shuttles.csv");
        assert_eq!(matched.source.unwrap().to_string(), "conf/base/catalog.yml:4:1");

        let primary = catalog.dataset("primary.model_input");
        assert!(primary.location().unwrap().ends_with("data/primary/model_input.parquet"));
        assert!(catalog.is_read_only("primary.model_input"));
        // Declared names and parameters never go through the patterns.
        assert!(catalog.factory_match("companies").is_none());
        assert!(catalog.factory_match("params:x").is_none());
        assert!(!catalog.is_declared("params:x"));
        // An unmatched name stays in memory.
        assert!(!catalog.dataset("model_input").is_persistent());
    }

    #[test]
    fn a_catch_all_pattern_replaces_the_memory_default() {
        let catalog = catalog_of(&serde_json::json!({
            "{name}_raw": {"type": "csv", "filepath": "data/01_raw/{name}.csv"},
            "{default}": {"type": "parquet", "filepath": "data/03_primary/{default}.parquet"},
        }))
        .unwrap();
        let dataset = catalog.dataset("model_input");
        assert!(dataset.is_persistent());
        assert!(dataset.location().unwrap().ends_with("data/03_primary/model_input.parquet"));
        assert_eq!(catalog.factory_match("model_input").unwrap().pattern, "{default}");
        assert_eq!(catalog.factory_match("x_raw"), None);
        catalog.resolve(["x_raw"]).unwrap();
        assert_eq!(catalog.factory_match("x_raw").unwrap().pattern, "{name}_raw");
        // Parameters are never a pattern's.
        assert!(!catalog.dataset("parameters").is_persistent());
    }

    #[test]
    fn a_matched_pattern_with_a_bad_entry_names_dataset_pattern_and_file() {
        let catalog = catalog_of(&serde_json::json!({
            "{name}_raw": {"type": "pandas.CSVDatset", "filepath": "data/{name}.csv"},
            "{name}#pq": {"type": "parquet", "filepath": "data/{layer}/{name}.parquet"},
        }))
        .unwrap();

        let error = catalog.resolve(["companies_raw"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot build dataset `companies_raw` from factory pattern `{name}_raw` (conf/base/catalog.yml:1:1)"
        );
        let cause = std::error::Error::source(&error).unwrap().to_string();
        assert!(cause.contains("unknown dataset type `pandas.CSVDatset`"), "{cause}");
        assert!(error.hint().unwrap().contains("pandas.CSVDataset"), "{:?}", error.hint());
        assert!(!catalog.is_declared("companies_raw"));

        let error = catalog.resolve(["cars#pq"]).unwrap_err();
        let cause = std::error::Error::source(&error).unwrap().to_string();
        assert!(cause.contains("`{layer}`") && cause.contains("not a placeholder"), "{cause}");

        // Reached without `resolve`, the dataset fails on use instead of landing in memory.
        let error = catalog.load("cars#pq").unwrap_err();
        assert!(error.to_string().contains("factory pattern `{name}#pq`"), "{error}");
        assert!(catalog.exists("cars#pq").is_err());
    }

    #[test]
    fn two_catch_all_patterns_are_refused() {
        let error = catalog_of(&serde_json::json!({
            "{default}": {"type": "memory"},
            "{a}{b}": {"type": "memory"},
        }))
        .unwrap_err();
        assert!(error.to_string().contains("several catch-all patterns"), "{error}");
        assert!(error.to_string().contains("conf/base/catalog.yml"), "{error}");
    }

    #[test]
    fn an_unreadable_pattern_is_refused_with_its_file() {
        let error = catalog_of(&serde_json::json!({
            "{id:d}_raw": {"type": "csv", "filepath": "data/{id}.csv"},
        }))
        .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("`{id:d}_raw`") && text.contains("conf/base/catalog.yml:1:1"),
            "{text}"
        );
        assert!(text.contains("not supported"), "{text}");
    }

    #[test]
    fn ranking_of_kedro_catalog_rank_example() {
        // Kedro's docs, "How to use `kedro catalog rank`": the catalog with these six patterns
        // ranks them exactly in this order. Rule 1: more characters outside the placeholders
        // (13, 10, 4, 4, 1, 0); rule 2 breaks the tie between the two with four: more
        // placeholders first; the catch-all comes last.
        let keys = [
            "{layer}.{dataset_name}",
            "preprocessed_{dataset_name}",
            "processed_{dataset_name}",
            "{dataset_name}_csv",
            "{namespace}.{dataset_name}_pq",
            "{default_dataset}",
        ];
        assert_eq!(
            ranked(&keys),
            [
                "preprocessed_{dataset_name}",
                "processed_{dataset_name}",
                "{namespace}.{dataset_name}_pq",
                "{dataset_name}_csv",
                "{layer}.{dataset_name}",
                "{default_dataset}",
            ]
        );
    }

    #[test]
    fn ranking_rules_from_kedro_docs() {
        // Kedro's docs, "How to generalise datasets using multiple dataset factories", rule 1:
        // `factory_data$csv` matches `{dataset}_data$csv` (9 literal characters) over
        // `{dataset_name}$csv` (4).
        assert_eq!(
            best(&["{dataset_name}$csv", "{dataset}_data$csv"], "factory_data$csv").as_deref(),
            Some("{dataset}_data$csv")
        );
        // The docs give `preprocessing.shuttles+csv` matching `{namespace}.{dataset}+csv` over
        // `{dataset}+csv` as the example of rule 2 (more placeholders); with Kedro's code rule
        // 1 already decides it (5 literal characters against 4). Rule 2 proper: equal literal
        // counts, more placeholders first.
        assert_eq!(
            best(&["{dataset}+csv", "{namespace}.{dataset}+csv"], "preprocessing.shuttles+csv")
                .as_deref(),
            Some("{namespace}.{dataset}+csv")
        );
        assert_eq!(ranked(&["{a}_x", "{a}{b}_x"]), ["{a}{b}_x", "{a}_x"]);
        // Rule 3: alphabetical (code point) order when both counts tie.
        assert_eq!(ranked(&["{n}_b", "{n}_a", "{n}_B"]), ["{n}_B", "{n}_a", "{n}_b"]);
    }

    #[test]
    fn only_one_catch_all_is_allowed() {
        // Kedro's `_sort_patterns` raises "Multiple catch-all patterns found in the catalog".
        let mut factories = vec![factory("{default}"), factory("{a}{b}")];
        let error = rank(&mut factories).unwrap_err();
        assert!(error.contains("`{a}{b}`") && error.contains("`{default}`"), "{error}");
        assert!(factory("{default}").is_catch_all());
        assert!(!factory("{name}_raw").is_catch_all());
    }

    #[test]
    fn fields_match_lazily_left_to_right() {
        assert_eq!(captures("{name}_raw", "companies_raw"), pairs(&[("name", "companies")]));
        assert_eq!(captures("{layer}.{name}", "a.b.c"), pairs(&[("layer", "a"), ("name", "b.c")]));
        assert_eq!(
            captures("{namespace}.regressor", "active_modelling_pipeline.regressor"),
            pairs(&[("namespace", "active_modelling_pipeline")])
        );
        // The whole name must match; a field needs at least one character.
        assert_eq!(captures("{name}_raw", "companies_raw_x"), None);
        assert_eq!(captures("{name}_raw", "_raw"), None);
        assert_eq!(captures("{layer}.{name}", "plain"), None);
        // `parse` backtracks: the first `_` is not always the separator.
        assert_eq!(captures("{a}_{b}_end", "x_y_z_end"), pairs(&[("a", "x"), ("b", "y_z")]));
    }

    #[test]
    fn parse_semantics_for_case_repeats_and_braces() {
        // `parse` ignores case by default.
        assert_eq!(captures("{name}_RAW", "Shuttles_raw"), pairs(&[("name", "Shuttles")]));
        // A repeated field must match the same text (a back-reference).
        assert_eq!(captures("{a}_{a}", "x_y_x_y"), pairs(&[("a", "x_y")]));
        assert_eq!(captures("{a}_{a}", "x_y"), None);
        // `{{` and `}}` are literal braces; `{a b}` is not a field, so it is literal too.
        assert_eq!(captures("{{x}}_{name}", "{x}_cars"), pairs(&[("name", "cars")]));
        assert_eq!(captures("{a b}_{name}", "{a b}_cars"), pairs(&[("name", "cars")]));
        // Dotted and indexed field names are fields; a leading digit or `_` makes a
        // positional field, which matches but has no name.
        assert_eq!(captures("{node.name}@csv", "x@csv"), pairs(&[("node.name", "x")]));
        assert_eq!(captures("{0}_raw", "x_raw"), pairs(&[]));
        assert_eq!(captures("{}_raw", "x_raw"), pairs(&[]));
    }

    #[test]
    fn specificity_counts_characters_outside_braces() {
        // Kedro's examples in `DataCatalog._specificity`: 10, 1 and 16.
        assert_eq!(specificity("{namespace}.companies"), 10);
        assert_eq!(specificity("{namespace}.{dataset}"), 1);
        assert_eq!(specificity("france.companies"), 16);
        assert_eq!(specificity("{default}"), 0);
    }

    #[test]
    fn format_specifications_are_refused() {
        let error = Factory::new("{n:d}_raw", serde_json::json!({}), None).unwrap_err();
        assert!(error.contains("`:d`") && error.contains("`{n}`"), "{error}");
    }

    #[test]
    fn values_are_substituted_like_format_map() {
        let entry = serde_json::json!({
            "type": "pandas.CSVDataset",
            "filepath": "data/{layer}/{name}.csv",
            "load_args": {"sep": ",", "names": ["{name}", "{{literal}}"], "skiprows": 1},
            "metadata": "{not closed",
        });
        let factory = Factory::new("{layer}.{name}", entry, None).unwrap();
        let resolved = factory.entry_for("raw.companies").unwrap();
        assert_eq!(resolved["filepath"], "data/raw/companies.csv");
        assert_eq!(resolved["load_args"]["names"], serde_json::json!(["companies", "{literal}"]));
        assert_eq!(resolved["load_args"]["skiprows"], 1);
        // Only strings with `}` are formatted, as in Kedro.
        assert_eq!(resolved["metadata"], "{not closed");
    }

    #[test]
    fn an_unknown_placeholder_in_a_value_is_an_error() {
        let entry = serde_json::json!({"type": "csv", "filepath": "data/{layer}/{name}.csv"});
        let factory = Factory::new("{name}_raw", entry, None).unwrap();
        let error = factory.entry_for("companies_raw").unwrap_err();
        assert!(error.contains("`{layer}`") && error.contains("`{name}_raw`"), "{error}");

        let entry = serde_json::json!({"type": "csv", "filepath": "data/{name:>9}.csv"});
        let factory = Factory::new("{name}_raw", entry, None).unwrap();
        assert!(factory.entry_for("x_raw").unwrap_err().contains("format specifications"));
    }
}
