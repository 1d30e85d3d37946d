//! Plain-text tables for the listings commands print (`catalog list`, `runs ...`): rows of
//! cells as left-aligned columns, and indented blocks.

use std::fmt::Write as _;

/// A header row from column titles.
pub(super) fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// Rows as left-aligned columns separated by two spaces, without trailing spaces.
pub(super) fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|row| row.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| format!("{cell:<width$}", width = widths[c]))
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

/// Every line of `text` indented by two spaces.
pub(super) fn indent(text: &str) -> String {
    let mut indented = String::new();
    for line in text.lines() {
        let _ = writeln!(indented, "  {line}");
    }
    indented
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns() {
        let text = table(&[header(&["ID", "STATUS"]), vec!["long-id".to_owned(), "ok".to_owned()]]);
        assert_eq!(text, "ID       STATUS\nlong-id  ok\n");
        assert_eq!(indent(&text), "  ID       STATUS\n  long-id  ok\n");
    }
}
