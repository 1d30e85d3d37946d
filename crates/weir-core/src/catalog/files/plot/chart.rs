//! [`Chart`]: the small description of a chart that a node returns and `weir.PlotDataset` draws.
//!
//! A chart is plain data, so it reads the same from Rust, JSON and YAML:
//!
//! ```yaml
//! kind: bar                       # bar | line | scatter | heatmap
//! title: Rows per class
//! x_label: class
//! y_label: rows
//! categories: [setosa, versicolor, virginica]
//! series:
//!   - {name: train, y: [40, 41, 39]}
//!   - {name: test, y: [10, 9, 11]}
//! ```
//!
//! - `bar`: one bar per category in each series (`y` only, one value per category); several
//!   series are drawn as grouped bars with a legend.
//! - `line`, `scatter`: each series has `y` and optionally `x` (the positions `0, 1, 2...` when
//!   left out); a line chart also marks every point.
//! - `heatmap`: `matrix` (rows of numbers) with optional `row_labels` and `column_labels`, rows
//!   drawn top to bottom, each cell coloured by its value and labelled with it when it fits.
//!   [`Chart::confusion_matrix`] builds one with actual classes as rows and predicted ones as
//!   columns, as scikit-learn's `confusion_matrix` lays them out.
//!
//! A series' `name` appears in the legend; a chart whose series are all unnamed has none.
//! [`Chart::check`] refuses what cannot be drawn (a missing field, lengths that disagree,
//! non-finite numbers, fields that do not belong to the kind) with a message saying where.

use std::any::TypeId;

use serde::{Deserialize, Serialize};

use crate::data::{Artefact, ConversionError, DataKind, DataType, NodeData, Payload};

/// What a chart shows its data as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChartKind {
    /// Bars over named categories.
    Bar,
    /// Points joined by lines.
    Line,
    /// Points.
    Scatter,
    /// A grid of coloured cells (a confusion matrix, a correlation table).
    Heatmap,
}

impl ChartKind {
    fn name(self) -> &'static str {
        match self {
            ChartKind::Bar => "bar",
            ChartKind::Line => "line",
            ChartKind::Scatter => "scatter",
            ChartKind::Heatmap => "heatmap",
        }
    }
}

/// A chart to draw: see the [module documentation](self) for the fields each kind uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chart {
    /// How the data is drawn.
    pub kind: ChartKind,
    /// The caption above the chart.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// The horizontal axis' description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub x_label: String,
    /// The vertical axis' description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub y_label: String,
    /// The data of bar, line and scatter charts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<Series>,
    /// The bar chart's categories, in order along the horizontal axis.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// The heatmap's cells, row by row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matrix: Vec<Vec<f64>>,
    /// The heatmap's row names, top to bottom.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub row_labels: Vec<String>,
    /// The heatmap's column names, left to right.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub column_labels: Vec<String>,
}

/// One named sequence of values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Series {
    /// The legend entry; empty for none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Horizontal positions (line and scatter charts); `0, 1, 2...` when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub x: Vec<f64>,
    /// The values.
    pub y: Vec<f64>,
}

impl Series {
    /// A series of values at positions `0, 1, 2...` (or one per category in a bar chart).
    pub fn new(name: impl Into<String>, y: impl IntoIterator<Item = f64>) -> Self {
        Series { name: name.into(), x: Vec::new(), y: y.into_iter().collect() }
    }

    /// A series of `(x, y)` points.
    pub fn xy(name: impl Into<String>, points: impl IntoIterator<Item = (f64, f64)>) -> Self {
        let (x, y) = points.into_iter().unzip();
        Series { name: name.into(), x, y }
    }
}

impl Chart {
    /// An empty chart of `kind` with a title.
    pub fn new(kind: ChartKind, title: impl Into<String>) -> Self {
        Chart {
            kind,
            title: title.into(),
            x_label: String::new(),
            y_label: String::new(),
            series: Vec::new(),
            categories: Vec::new(),
            matrix: Vec::new(),
            row_labels: Vec::new(),
            column_labels: Vec::new(),
        }
    }

    /// A bar chart of one unnamed series: one bar per category.
    ///
    /// ```
    /// use weir_core::catalog::files::plot::Chart;
    ///
    /// let chart = Chart::bar("Rows per class", ["setosa", "versicolor"], [50.0, 50.0]);
    /// assert!(chart.check().is_ok());
    /// ```
    pub fn bar<S: Into<String>>(
        title: impl Into<String>,
        categories: impl IntoIterator<Item = S>,
        values: impl IntoIterator<Item = f64>,
    ) -> Self {
        Chart::new(ChartKind::Bar, title)
            .with_categories(categories)
            .with_series(Series::new("", values))
    }

    /// An empty line chart; add series with [`Chart::with_series`].
    pub fn line(title: impl Into<String>) -> Self {
        Chart::new(ChartKind::Line, title)
    }

    /// An empty scatter chart; add series with [`Chart::with_series`].
    pub fn scatter(title: impl Into<String>) -> Self {
        Chart::new(ChartKind::Scatter, title)
    }

    /// A heatmap of `matrix` (rows top to bottom) with its row and column names.
    pub fn heatmap<R: Into<String>, C: Into<String>>(
        title: impl Into<String>,
        row_labels: impl IntoIterator<Item = R>,
        column_labels: impl IntoIterator<Item = C>,
        matrix: Vec<Vec<f64>>,
    ) -> Self {
        let mut chart = Chart::new(ChartKind::Heatmap, title);
        chart.row_labels = row_labels.into_iter().map(Into::into).collect();
        chart.column_labels = column_labels.into_iter().map(Into::into).collect();
        chart.matrix = matrix;
        chart
    }

    /// A confusion matrix: `counts[actual][predicted]`, with the class names on both axes.
    ///
    /// ```
    /// use weir_core::catalog::files::plot::Chart;
    ///
    /// let chart = Chart::confusion_matrix(["no", "yes"], &[vec![50, 3], vec![7, 10]]);
    /// assert_eq!(chart.matrix[1], vec![7.0, 10.0]);
    /// assert_eq!(chart.y_label, "actual");
    /// ```
    pub fn confusion_matrix<S: Into<String>>(
        labels: impl IntoIterator<Item = S>,
        counts: &[Vec<usize>],
    ) -> Self {
        let labels: Vec<String> = labels.into_iter().map(Into::into).collect();
        #[expect(clippy::cast_precision_loss, reason = "row counts are far below 2^52")]
        let matrix = counts.iter().map(|row| row.iter().map(|&n| n as f64).collect()).collect();
        Chart::heatmap("Confusion matrix", labels.clone(), labels, matrix)
            .with_x_label("predicted")
            .with_y_label("actual")
    }

    /// Sets the horizontal axis' description.
    #[must_use]
    pub fn with_x_label(mut self, label: impl Into<String>) -> Self {
        self.x_label = label.into();
        self
    }

    /// Sets the vertical axis' description.
    #[must_use]
    pub fn with_y_label(mut self, label: impl Into<String>) -> Self {
        self.y_label = label.into();
        self
    }

    /// Sets the bar chart's categories.
    #[must_use]
    pub fn with_categories<S: Into<String>>(
        mut self,
        categories: impl IntoIterator<Item = S>,
    ) -> Self {
        self.categories = categories.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a series.
    #[must_use]
    pub fn with_series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    /// Whether the chart can be drawn; the error says which field is wrong and how.
    pub fn check(&self) -> Result<(), String> {
        let kind = self.kind.name();
        let unused = |field: &str, empty: bool| {
            if empty { Ok(()) } else { Err(format!("a {kind} chart does not use `{field}`")) }
        };
        match self.kind {
            ChartKind::Bar => {
                unused("matrix", self.matrix.is_empty())?;
                unused("row_labels", self.row_labels.is_empty())?;
                unused("column_labels", self.column_labels.is_empty())?;
                if self.categories.is_empty() {
                    return Err("a bar chart needs `categories`".to_owned());
                }
                self.check_series()?;
                for (index, series) in self.series.iter().enumerate() {
                    let which = series_name(index, series);
                    if !series.x.is_empty() {
                        return Err(format!(
                            "{which} of a bar chart takes `y` only, one value per category"
                        ));
                    }
                    if series.y.len() != self.categories.len() {
                        return Err(format!(
                            "{which} has {} values for {} categories",
                            series.y.len(),
                            self.categories.len()
                        ));
                    }
                }
                Ok(())
            }
            ChartKind::Line | ChartKind::Scatter => {
                unused("categories", self.categories.is_empty())?;
                unused("matrix", self.matrix.is_empty())?;
                unused("row_labels", self.row_labels.is_empty())?;
                unused("column_labels", self.column_labels.is_empty())?;
                self.check_series()?;
                for (index, series) in self.series.iter().enumerate() {
                    if !series.x.is_empty() && series.x.len() != series.y.len() {
                        return Err(format!(
                            "{} has {} `x` values and {} `y` values",
                            series_name(index, series),
                            series.x.len(),
                            series.y.len()
                        ));
                    }
                }
                Ok(())
            }
            ChartKind::Heatmap => {
                unused("series", self.series.is_empty())?;
                unused("categories", self.categories.is_empty())?;
                self.check_matrix()
            }
        }
    }

    fn check_series(&self) -> Result<(), String> {
        if self.series.is_empty() {
            return Err(format!(
                "a {} chart needs at least one entry in `series`",
                self.kind.name()
            ));
        }
        for (index, series) in self.series.iter().enumerate() {
            let which = series_name(index, series);
            if series.y.is_empty() {
                return Err(format!("{which} has no `y` values"));
            }
            for (axis, values) in [("x", &series.x), ("y", &series.y)] {
                if let Some(at) = values.iter().position(|value| !value.is_finite()) {
                    return Err(format!(
                        "{which}: `{axis}[{at}]` is {}, not a finite number",
                        values[at]
                    ));
                }
            }
        }
        Ok(())
    }

    fn check_matrix(&self) -> Result<(), String> {
        let Some(first) = self.matrix.first() else {
            return Err("a heatmap needs a `matrix` (a list of rows of numbers)".to_owned());
        };
        let columns = first.len();
        if columns == 0 {
            return Err("the heatmap's `matrix` has an empty first row".to_owned());
        }
        for (row, values) in self.matrix.iter().enumerate() {
            if values.len() != columns {
                return Err(format!(
                    "`matrix` row {row} has {} values; row 0 has {columns}",
                    values.len()
                ));
            }
            if let Some(column) = values.iter().position(|value| !value.is_finite()) {
                return Err(format!(
                    "`matrix[{row}][{column}]` is {}, not a finite number",
                    values[column]
                ));
            }
        }
        for (field, labels, expected) in [
            ("row_labels", &self.row_labels, self.matrix.len()),
            ("column_labels", &self.column_labels, columns),
        ] {
            if !labels.is_empty() && labels.len() != expected {
                return Err(format!(
                    "`{field}` has {} names for {expected} {}",
                    labels.len(),
                    if field == "row_labels" { "rows" } else { "columns" }
                ));
            }
        }
        Ok(())
    }
}

fn series_name(index: usize, series: &Series) -> String {
    if series.name.is_empty() {
        format!("`series[{index}]`")
    } else {
        format!("`series[{index}]` (`{}`)", series.name)
    }
}

/// A chart is a node result like any typed value: it travels in memory as an artefact (so the
/// plot dataset gets it without a copy), and a JSON or YAML dataset can store its description.
impl NodeData for Chart {
    fn data_type() -> DataType {
        DataType { name: "Chart", id: TypeId::of::<Self>(), kind: DataKind::Object }
    }

    fn into_payload(self) -> Payload {
        Artefact::new(self).into_payload()
    }

    fn from_payload(payload: Payload) -> Result<Self, ConversionError> {
        let chart = Artefact::<Chart>::from_payload(payload)
            .map_err(|error| ConversionError::new(format!("not a chart description: {error}")))?;
        Ok(Chart::clone(&chart))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: serde_json::Value) -> Chart {
        serde_json::from_value(value).expect("a valid chart description")
    }

    fn check_fails(value: serde_json::Value, expected: &str) {
        let error = parse(value).check().unwrap_err();
        assert!(error.contains(expected), "`{error}` does not contain `{expected}`");
    }

    #[test]
    fn the_yaml_shape_and_the_builders_agree() {
        let built = Chart::new(ChartKind::Bar, "Rows per class")
            .with_x_label("class")
            .with_categories(["a", "b"])
            .with_series(Series::new("train", [1.0, 2.0]))
            .with_series(Series::new("test", [3.0, 4.0]));
        let parsed = parse(json!({
            "kind": "bar", "title": "Rows per class", "x_label": "class",
            "categories": ["a", "b"],
            "series": [{"name": "train", "y": [1, 2]}, {"name": "test", "y": [3, 4]}],
        }));
        assert_eq!(built, parsed);
        assert_eq!(Chart::from_payload(built.clone().into_payload()).unwrap(), built);
    }

    #[test]
    fn each_kind_checks_its_fields() {
        check_fails(json!({"kind": "bar", "series": [{"y": [1]}]}), "needs `categories`");
        check_fails(
            json!({"kind": "bar", "categories": ["a", "b"], "series": [{"name": "s", "y": [1]}]}),
            "`series[0]` (`s`) has 1 values for 2 categories",
        );
        check_fails(json!({"kind": "line"}), "needs at least one entry in `series`");
        check_fails(
            json!({"kind": "scatter", "series": [{"x": [1, 2], "y": [1]}]}),
            "has 2 `x` values and 1 `y` values",
        );
        check_fails(
            json!({"kind": "line", "matrix": [[1]], "series": [{"y": [1]}]}),
            "a line chart does not use `matrix`",
        );
        check_fails(json!({"kind": "heatmap"}), "needs a `matrix`");
        check_fails(json!({"kind": "heatmap", "matrix": [[1, 2], [3]]}), "row 1 has 1 values");
        check_fails(
            json!({"kind": "heatmap", "matrix": [[1, 2]], "column_labels": ["a"]}),
            "`column_labels` has 1 names for 2 columns",
        );
        let nan = Chart::line("x").with_series(Series::new("", [1.0, f64::NAN]));
        assert!(nan.check().unwrap_err().contains("`y[1]` is NaN"), "{:?}", nan.check());
    }

    #[test]
    fn unknown_fields_and_kinds_are_refused() {
        let typo = serde_json::from_value::<Chart>(json!({"kind": "bar", "titel": "x"}));
        assert!(typo.unwrap_err().to_string().contains("unknown field `titel`"));
        let kind = serde_json::from_value::<Chart>(json!({"kind": "pie"}));
        assert!(kind.unwrap_err().to_string().contains("unknown variant `pie`"));
    }
}
