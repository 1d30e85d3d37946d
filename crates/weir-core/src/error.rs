//! Error plumbing shared by every module: where a problem is ([`SourceLocation`]), how to fix it
//! ([`Hinted`]), and the [`Secret`] wrapper that keeps credentials out of messages.
//!
//! Each module has its own error enum (`ConfigError`, `CatalogError`, `PipelineError`,
//! `RunError`); `project::ProjectError` gathers them for callers that drive a whole project. This module depends
//! on nothing else in weir.

use std::fmt;
use std::path::PathBuf;

/// A place in a configuration file, shown as `conf/base/catalog.yml:3:1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceLocation {
    /// The file, relative to the project when possible.
    pub file: PathBuf,
    /// 1-based line, or 0 when unknown.
    pub line: usize,
    /// 1-based column, or 0 when unknown.
    pub column: usize,
}

impl SourceLocation {
    /// A location in `file` at `line`:`column`.
    pub fn new(file: impl Into<PathBuf>, line: usize, column: usize) -> Self {
        SourceLocation { file: file.into(), line, column }
    }
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        Ok(())
    }
}

/// An error that can suggest a fix, rendered by the CLI on a separate `hint:` line.
pub trait Hinted {
    /// How the user can fix the problem, if there is something to say.
    fn hint(&self) -> Option<String>;
}

/// A credential or any other value that must never be printed.
///
/// `Debug` and `Display` show `***`; the value is reached only through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a sensitive value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The sensitive value, for the one place that must use it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The names in `candidates` closest to `name`, best first, for "did you mean" hints.
pub fn close_matches<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, candidate)| {
            *distance <= (name.len().max(candidate.len()) / 3).max(2)
                || candidate.contains(name)
                || name.contains(*candidate)
        })
        .collect();
    scored.sort_unstable();
    scored.into_iter().take(3).map(|(_, candidate)| candidate).collect()
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// A `did you mean` hint built from [`close_matches`], or `None` when nothing is close.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let matches = close_matches(name, candidates);
    if matches.is_empty() {
        return None;
    }
    let quoted: Vec<String> = matches.iter().map(|m| format!("`{m}`")).collect();
    Some(format!("did you mean {}?", quoted.join(" or ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("hunter2".to_owned());
        assert_eq!(format!("{secret} {secret:?}"), "*** Secret(***)");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn close_matches_rank_by_distance() {
        let names = ["pandas.CSVDataset", "pandas.ParquetDataset", "json.JSONDataset"];
        assert_eq!(close_matches("pandas.CSVDatset", names), vec!["pandas.CSVDataset"]);
        assert!(close_matches("zzz", names).is_empty());
    }

    #[test]
    fn locations_render_like_compilers() {
        assert_eq!(
            SourceLocation::new("conf/base/catalog.yml", 3, 9).to_string(),
            "conf/base/catalog.yml:3:9"
        );
        assert_eq!(
            SourceLocation::new("conf/base/catalog.yml", 0, 0).to_string(),
            "conf/base/catalog.yml"
        );
    }
}
