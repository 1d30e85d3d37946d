//! Query parameters (`load_args.params`) bound to the placeholders of a query.
//!
//! Kedro hands `params` to the database driver, so catalogs use the driver's placeholder style:
//! `?` (sqlite3), `%s` and `%(name)s` (psycopg2), `:name` (sqlite3 and `SQLAlchemy`'s `text()`),
//! `$1` (PostgreSQL itself) and `?1` (SQLite itself). All of them work with either database: the
//! query is rewritten to the database's numbered style (`$1` or `?1`) with the values in order.
//! A list of `params` fills positional and numbered placeholders; a mapping fills named ones.
//!
//! Text in quotes, quoted identifiers, comments and PostgreSQL dollar-quoted strings is left
//! alone. A query without `params` is sent as written.
//!
//! # Limitations
//!
//! `:name` also matches PostgreSQL array slices written with names (`a[lo:hi]`); write those
//! with spaces (`a[lo : hi]`) in a query that has `params`.

use serde_json::Value;

/// The database's numbered placeholder style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `$1`, `$2`...
    Dollar,
    /// `?1`, `?2`...
    Question,
}

/// `sql` with its placeholders numbered in `style`, and the values to bind, in order.
///
/// The error is a message for the user.
pub(crate) fn bind(
    sql: &str,
    params: Option<&Value>,
    style: Style,
) -> Result<(String, Vec<Value>), String> {
    let Some(params) = params else {
        return Ok((sql.to_owned(), Vec::new()));
    };

    let mut binder = Binder { params, style, positional: 0, names: Vec::new(), kinds: 0 };
    let rewritten = rewrite(sql, &mut |placeholder| binder.number(placeholder))?;
    let given = match params {
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        _ => 0,
    };
    if binder.kinds == 0 && given > 0 {
        return Err(format!(
            "`load_args.params` has {given} values but the query has no placeholders"
        ));
    }

    let values = match params {
        Value::Array(items) => {
            if binder.positional > 0 && binder.positional != items.len() {
                return Err(format!(
                    "the query has {} placeholders but `load_args.params` has {} values",
                    binder.positional,
                    items.len()
                ));
            }
            items.clone()
        }
        Value::Object(map) => {
            binder.names.iter().map(|name| map.get(name).cloned().unwrap_or(Value::Null)).collect()
        }
        _ => return Err("`load_args.params` must be a list or a mapping".to_owned()),
    };
    Ok((rewritten, values))
}

/// A placeholder found in the query.
#[derive(Clone, Copy)]
enum Placeholder<'a> {
    /// `?` or `%s`.
    Positional,
    /// `$n` or `?n` (1-based).
    Numbered(usize),
    /// `:name` or `%(name)s`.
    Named(&'a str),
}

struct Binder<'p> {
    params: &'p Value,
    style: Style,
    positional: usize,
    names: Vec<String>,
    /// Which kinds were seen: 1 positional, 2 numbered, 4 named.
    kinds: u8,
}

impl Binder<'_> {
    fn number(&mut self, placeholder: Placeholder<'_>) -> Result<String, String> {
        let index = match placeholder {
            Placeholder::Positional => {
                self.kinds |= 1;
                self.positional += 1;
                self.list_len("`?` and `%s` placeholders")?;
                self.positional
            }
            Placeholder::Numbered(number) => {
                self.kinds |= 2;
                let len = self.list_len("numbered placeholders (`$1`, `?1`)")?;
                if number == 0 || number > len {
                    return Err(format!(
                        "the query uses placeholder {number} but `load_args.params` has {len} values"
                    ));
                }
                number
            }
            Placeholder::Named(name) => {
                self.kinds |= 4;
                let Value::Object(map) = self.params else {
                    return Err(format!(
                        "the query uses the named placeholder `{name}`, so `load_args.params` must \
                         be a mapping of names to values"
                    ));
                };
                if !map.contains_key(name) {
                    let hint = crate::error::did_you_mean(name, map.keys().map(String::as_str))
                        .map_or_else(String::new, |hint| format!(" ({hint})"));
                    return Err(format!(
                        "the query uses `{name}`, which `load_args.params` does not set{hint}"
                    ));
                }
                if let Some(position) = self.names.iter().position(|known| known == name) {
                    position + 1
                } else {
                    self.names.push(name.to_owned());
                    self.names.len()
                }
            }
        };
        if self.kinds.count_ones() > 1 {
            return Err(
                "the query mixes placeholder styles (`?`/`%s`, `$1`, `:name`); use one".to_owned()
            );
        }
        Ok(match self.style {
            Style::Dollar => format!("${index}"),
            Style::Question => format!("?{index}"),
        })
    }

    fn list_len(&self, what: &str) -> Result<usize, String> {
        match self.params {
            Value::Array(items) => Ok(items.len()),
            _ => Err(format!("the query uses {what}, so `load_args.params` must be a list")),
        }
    }
}

/// Copies `sql`, replacing each placeholder outside quotes and comments by what `replace` says.
fn rewrite(
    sql: &str,
    replace: &mut dyn FnMut(Placeholder<'_>) -> Result<String, String>,
) -> Result<String, String> {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let rest = &sql[i..];
        let skip = match bytes[i] {
            b'\'' => closing(rest, "'", 1),
            b'"' => closing(rest, "\"", 1),
            b'-' if rest.starts_with("--") => rest.find('\n').unwrap_or(rest.len()),
            b'/' if rest.starts_with("/*") => closing(rest, "*/", 2),
            b'$' => dollar_quote(rest).unwrap_or(0),
            _ => 0,
        };
        if skip > 0 {
            i += skip;
            continue;
        }

        let Some((placeholder, len)) = placeholder_at(sql, i) else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        out.push_str(&sql[copied..i]);
        out.push_str(&replace(placeholder)?);
        i += len;
        copied = i;
    }
    out.push_str(&sql[copied..]);
    Ok(out)
}

/// The length of a quoted span starting at `rest[0]`, up to and including `end` (a doubled
/// quote is an escaped quote and does not end it). An unclosed span runs to the end.
fn closing(rest: &str, end: &str, open: usize) -> usize {
    let mut at = open;
    loop {
        let Some(found) = rest[at..].find(end) else {
            return rest.len();
        };
        at += found + end.len();
        if end.len() == 1 && rest[at..].starts_with(end) {
            at += 1;
            continue;
        }
        return at;
    }
}

/// The length of a PostgreSQL dollar-quoted string (`$$...$$`, `$tag$...$tag$`) at `rest`.
fn dollar_quote(rest: &str) -> Option<usize> {
    let tag_end = rest[1..].find('$')? + 1;
    let tag = &rest[1..tag_end];
    let is_tag = tag.chars().next().is_none_or(|c| c.is_alphabetic() || c == '_')
        && tag.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !is_tag {
        return None;
    }
    let delimiter = &rest[..=tag_end];
    let body = &rest[delimiter.len()..];
    Some(delimiter.len() + body.find(delimiter).map_or(body.len(), |end| end + delimiter.len()))
}

fn placeholder_at(sql: &str, i: usize) -> Option<(Placeholder<'_>, usize)> {
    let rest = &sql[i..];
    let digits = |from: usize| rest[from..].bytes().take_while(u8::is_ascii_digit).count();
    let word = |from: usize| {
        rest[from..].bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count()
    };
    match *rest.as_bytes().first()? {
        b'?' => match digits(1) {
            0 => Some((Placeholder::Positional, 1)),
            n => Some((Placeholder::Numbered(rest[1..=n].parse().ok()?), 1 + n)),
        },
        b'$' => match digits(1) {
            0 => None,
            n => Some((Placeholder::Numbered(rest[1..=n].parse().ok()?), 1 + n)),
        },
        b'%' if rest.starts_with("%s") => Some((Placeholder::Positional, 2)),
        b'%' if rest.starts_with("%(") => {
            let close = rest.find(")s")?;
            Some((Placeholder::Named(&rest[2..close]), close + 2))
        }
        b':' => {
            // `::type` is a PostgreSQL cast, not a placeholder.
            let after_colon = sql[..i].ends_with(':') || rest[1..].starts_with(':');
            let starts_name = rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
            if after_colon || !starts_name {
                return None;
            }
            let len = word(1);
            Some((Placeholder::Named(&rest[1..=len]), 1 + len))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(sql: &str, params: &Value, style: Style, expected: &str, values: &Value) {
        let (rewritten, bound) = bind(sql, Some(params), style).unwrap();
        assert_eq!(rewritten, expected, "{sql}");
        assert_eq!(&Value::Array(bound), values, "{sql}");
    }

    #[test]
    fn every_driver_style_becomes_the_database_style() {
        let list = json!([5, "x"]);
        let map = json!({"low": 5, "name": "x"});
        let out = json!([5, "x"]);
        check("a > ? AND b = ?", &list, Style::Dollar, "a > $1 AND b = $2", &out);
        check("a > %s AND b = %s", &list, Style::Question, "a > ?1 AND b = ?2", &out);
        check("a > $1 AND b = $2", &list, Style::Question, "a > ?1 AND b = ?2", &out);
        check("a > :low AND b = :name", &map, Style::Dollar, "a > $1 AND b = $2", &out);
        check("a > %(low)s OR b = %(low)s", &map, Style::Dollar, "a > $1 OR b = $1", &json!([5]));
    }

    #[test]
    fn quotes_comments_and_casts_are_left_alone() {
        let sql = "SELECT '?', \"a?\", x::text, $$ :no $$ -- ?\n FROM t /* :x */ WHERE y = :v";
        let expected = "SELECT '?', \"a?\", x::text, $$ :no $$ -- ?\n FROM t /* :x */ WHERE y = $1";
        check(sql, &json!({"v": 1}), Style::Dollar, expected, &json!([1]));
        check(
            "SELECT 'it''s ?' , ?",
            &json!([1]),
            Style::Question,
            "SELECT 'it''s ?' , ?1",
            &json!([1]),
        );
    }

    #[test]
    fn mistakes_are_explained() {
        let error = bind("a = ? AND b = ?", Some(&json!([1])), Style::Dollar).unwrap_err();
        assert!(error.contains("2 placeholders") && error.contains("1 values"), "{error}");
        let error = bind("a = :lo", Some(&json!({"low": 1})), Style::Dollar).unwrap_err();
        assert!(error.contains("`lo`") && error.contains("did you mean `low`"), "{error}");
        let error = bind("a = ? AND b = :x", Some(&json!({"x": 1})), Style::Dollar).unwrap_err();
        assert!(error.contains("must be a list"), "{error}");
        let error = bind("a = $3", Some(&json!([1])), Style::Dollar).unwrap_err();
        assert!(error.contains("placeholder 3"), "{error}");
    }

    #[test]
    fn no_params_sends_the_query_as_written() {
        let (sql, values) = bind("SELECT data ? 'key'", None, Style::Dollar).unwrap();
        assert_eq!(sql, "SELECT data ? 'key'");
        assert!(values.is_empty());
    }
}
