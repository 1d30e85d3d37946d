//! The syntax of `${...}` expressions, separate from their evaluation (`interpolate`): splitting
//! a string into text and expressions, splitting resolver arguments, reading defaults and
//! reference paths, and formatting a value the way `OmegaConf` embeds it in a string.
//!
//! The grammar follows `OmegaConf` closely enough for Kedro projects: `${` opens an expression,
//! nested `${...}` and quoted text are skipped when looking for the closing `}`, and `\${` is a
//! literal `${`.
//!
//! # Limitations
//! Resolver arguments are split on commas outside quotes and brackets, which covers defaults but
//! not `OmegaConf`'s full argument grammar (escaped quotes inside quoted arguments, for example).
//! Floats are formatted in their shortest round-trip spelling (`1e-5`), where Python writes
//! `1e-05`.

use serde_json::Value;

/// One piece of a string: literal text or a `${...}` expression.
#[derive(Debug, PartialEq)]
pub(super) enum Piece<'s> {
    Text(String),
    /// `raw` is the whole `${...}`, `inner` what is between the braces.
    Expr {
        raw: &'s str,
        inner: &'s str,
    },
}

/// Splits a string into literal text and `${...}` expressions; `\${` is a literal `${`. Fails
/// with the byte offset of a `${` that is never closed.
pub(super) fn split_pieces(text: &str) -> Result<Vec<Piece<'_>>, usize> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut index = 0;

    while index < text.len() {
        let rest = &text[index..];
        if rest.starts_with("\\${") {
            literal.push_str("${");
            index += 3;
        } else if rest.starts_with("${") {
            let end = closing_brace(text, index + 2).ok_or(index)?;
            if !literal.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut literal)));
            }
            pieces.push(Piece::Expr { raw: &text[index..=end], inner: &text[index + 2..end] });
            index = end + 1;
        } else {
            let next = rest.chars().next().map_or(1, char::len_utf8);
            literal.push_str(&rest[..next]);
            index += next;
        }
    }

    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    Ok(pieces)
}

/// The byte index of the `}` closing an expression whose content starts at `start`, skipping
/// nested `${...}` and quoted text.
fn closing_brace(text: &str, start: usize) -> Option<usize> {
    let mut depth = 1;
    let mut quote: Option<char> = None;
    let mut chars = text[start..].char_indices().peekable();

    while let Some((offset, ch)) = chars.next() {
        if let Some(open) = quote {
            if ch == open {
                quote = None;
            }
            continue;
        }
        match ch {
            '\'' | '"' => quote = Some(ch),
            '$' if chars.peek().is_some_and(|(_, next)| *next == '{') => {
                chars.next();
                depth += 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(start + offset);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits resolver arguments on commas outside quotes and brackets, trimming each.
pub(super) fn split_args(args: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;

    for ch in args.chars() {
        if let Some(open) = quote {
            if ch == open {
                quote = None;
            }
            current.push(ch);
            continue;
        }

        match ch {
            '\'' | '"' => quote = Some(ch),
            '[' | '{' => depth += 1,
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(ch);
    }
    parts.push(current.trim().to_owned());
    parts
}

/// A resolver default: quoted text as a string, anything else read as a YAML value, so `5` is an
/// integer and `data/x.csv` a string.
pub(super) fn parse_default(text: &str) -> Value {
    let unquoted = ['\'', '"'].iter().find_map(|quote| {
        text.strip_prefix(*quote)
            .and_then(|rest| rest.strip_suffix(*quote))
            .filter(|_| text.len() >= 2)
    });
    if let Some(inner) = unquoted {
        return Value::String(inner.to_owned());
    }
    if text.is_empty() {
        return Value::String(String::new());
    }

    match serde_norway::from_str::<Value>(text) {
        Ok(value) => value,
        Err(_) => Value::String(text.to_owned()),
    }
}

/// The path a reference points at. Leading dots make it relative to the mapping holding the
/// string (`${.x}` is a sibling); `a[0]` is the same as `a.0`.
pub(super) fn reference_path(reference: &str, from: &[String]) -> Result<Vec<String>, String> {
    if reference.is_empty() {
        return Err("empty reference".to_owned());
    }

    let dots = reference.len() - reference.trim_start_matches('.').len();
    let rest = &reference[dots..];
    let mut target = if dots == 0 {
        Vec::new()
    } else {
        // `from` ends with the key holding the string; one dot means its parent mapping.
        let Some(keep) = from.len().checked_sub(dots) else {
            return Err(format!("`{reference}` goes above the top of the file"));
        };
        from[..keep].to_vec()
    };

    let segments = split_dotted(&rest.replace('[', ".").replace(']', ""));
    if segments.iter().any(String::is_empty) {
        return Err(format!("`{reference}` has an empty key"));
    }
    target.extend(segments);
    Ok(target)
}

/// `a.b.c` as `["a", "b", "c"]`.
pub(super) fn split_dotted(key: &str) -> Vec<String> {
    key.split('.').map(str::to_owned).collect()
}

/// A scalar as Python's `str()` writes it, which is what `OmegaConf` puts into strings; `None` for
/// lists and mappings.
pub(super) fn python_str(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Bool(true) => Some("True".to_owned()),
        Value::Bool(false) => Some("False".to_owned()),
        Value::Null => Some("None".to_owned()),
        Value::Number(number) => Some(number.to_string()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn split_pieces_handles_nesting_and_quotes() {
        assert_eq!(
            split_pieces("a${b}c").unwrap(),
            vec![
                Piece::Text("a".into()),
                Piece::Expr { raw: "${b}", inner: "b" },
                Piece::Text("c".into())
            ]
        );
        assert_eq!(
            split_pieces("${x:${y},'}'}").unwrap(),
            vec![Piece::Expr { raw: "${x:${y},'}'}", inner: "x:${y},'}'" }]
        );
        assert_eq!(split_pieces("ab${a"), Err(2));
    }

    #[test]
    fn arguments_split_outside_quotes_and_brackets() {
        assert_eq!(split_args("key, 'a,b'"), ["key", "'a,b'"]);
        assert_eq!(split_args("key,[1, 2]"), ["key", "[1, 2]"]);
        assert_eq!(split_args(" key "), ["key"]);
    }

    #[test]
    fn defaults_are_typed_unless_quoted() {
        assert_eq!(parse_default("5"), json!(5));
        assert_eq!(parse_default("0.2"), json!(0.2));
        assert_eq!(parse_default("null"), json!(null));
        assert_eq!(parse_default("'5'"), json!("5"));
        assert_eq!(parse_default("data/x.csv"), json!("data/x.csv"));
        assert_eq!(parse_default(""), json!(""));
    }

    #[test]
    fn reference_paths_handle_relative_dots_and_brackets() {
        let from = ["a".to_owned(), "b".to_owned(), "c".to_owned()];
        assert_eq!(reference_path("x.y", &from).unwrap(), ["x", "y"]);
        assert_eq!(reference_path(".x", &from).unwrap(), ["a", "b", "x"]);
        assert_eq!(reference_path("..x", &from).unwrap(), ["a", "x"]);
        assert_eq!(reference_path("l[0]", &from).unwrap(), ["l", "0"]);
        assert!(reference_path("....x", &from).is_err());
        assert!(reference_path("a..b", &from).is_err());
    }

    #[test]
    fn scalars_format_like_python_str() {
        assert_eq!(python_str(&json!(true)).as_deref(), Some("True"));
        assert_eq!(python_str(&json!(null)).as_deref(), Some("None"));
        assert_eq!(python_str(&json!(0.5)).as_deref(), Some("0.5"));
        assert_eq!(python_str(&json!(7)).as_deref(), Some("7"));
        assert_eq!(python_str(&json!([1])), None);
    }
}
