//! `weir.PlotDataset` (short `plot`): a chart a node describes with a [`Chart`], saved as a PNG
//! image and an SVG document side by side.
//!
//! ```yaml
//! confusion_matrix_plot:
//!   type: weir.PlotDataset
//!   filepath: data/08_reporting/confusion.png   # writes confusion.png and confusion.svg
//!   save_args: {width: 640, height: 560}        # pixels; 800 × 600 when left out
//! ```
//!
//! `filepath` ends in `.png` or `.svg`; the other format is written next to it under the same
//! name with its own extension. `formats` (a list of `png` and `svg`, both by default) picks what
//! is written, and must include the `filepath`'s own format. A versioned entry versions each
//! file on its own path (`confusion.png/<version>/confusion.png`,
//! `confusion.svg/<version>/confusion.svg`), with the run's one save version. A load returns the
//! bytes of the `filepath` file (the PNG for `confusion.png`), as `Vec<u8>`.
//!
//! The node returns a [`Chart`] (or anything that reads as one: a JSON/YAML value of the same
//! shape, an `Artefact<Chart>`); see [`chart`] for the kinds and fields.
//!
//! Kedro's `matplotlib.MatplotlibWriter` spelling stays with `weir.BinaryDataset`, which takes
//! encoded image bytes a node drew itself; [`render_png`] and [`render_svg`] give such bytes
//! for a [`Chart`].
//!
//! # Limitations
//!
//! - Each file is written atomically, but not the pair: a failure between the two writes (a
//!   full disk) leaves a new PNG beside the previous SVG.
//! - Bar, line, scatter and heatmap charts only; one font (`DejaVu Sans`), no rotated or
//!   wrapped labels, so long category names on a narrow chart overlap (widen it in
//!   `save_args`).
//! - SVG files name the font family `sans-serif` rather than embedding the font, so their text
//!   looks slightly different from the PNG's.

pub mod chart;
mod draw;
pub mod png;

use serde_json::Value;

use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, NodeData, Payload};

use super::{Args, EntryKeys, FileEntry, FileTarget};

pub use chart::{Chart, ChartKind, Series};
pub use draw::{ChartError, register_font, render_png, render_svg};

const SAVE_KEYS: &[&str] = &["width", "height"];

/// The picture size when `save_args` does not set one, in pixels.
const DEFAULT_SIZE: (u32, u32) = (800, 600);

/// The smallest and largest side accepted, in pixels.
const SIDE_RANGE: (u32, u32) = (100, 10_000);

/// An image format the dataset writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Png,
    Svg,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }

    fn parse(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "png" => Some(Format::Png),
            "svg" => Some(Format::Svg),
            _ => None,
        }
    }
}

/// A chart saved as PNG and SVG files.
#[derive(Debug)]
pub struct PlotDataset {
    /// The `filepath` file; loads read it.
    target: FileTarget,
    format: Format,
    /// The file of the other format, when `formats` lists it.
    companion: Option<FileTarget>,
    width: u32,
    height: u32,
}

impl PlotDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.PlotDataset";

    /// Builds the dataset a catalog entry describes.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        let keys = EntryKeys {
            type_name: Self::TYPE_NAME,
            extra: &["formats"],
            load: &[],
            save: SAVE_KEYS,
        };
        let entry = FileEntry::parse(spec, context, keys)?;
        let filepath = entry.entry.string(&["filepath"])?.unwrap_or_default();
        let Some((stem, format)) = split_extension(filepath) else {
            return Err(entry.entry.error(
                format!("`filepath` `{filepath}` must end in `.png` or `.svg`"),
                Some("name the PNG file, e.g. `data/08_reporting/chart.png`; the SVG is written beside it".to_owned()),
            ));
        };
        let formats = formats(&entry.entry, format)?;
        let companion = match formats.iter().find(|&&other| other != format) {
            None => None,
            Some(other) => {
                let mut companion = spec.clone();
                let path = format!("{stem}.{}", other.extension());
                companion.options.insert("filepath".to_owned(), Value::String(path));
                Some(FileEntry::parse(&companion, context, keys)?.target)
            }
        };
        let width = side(&entry.save_args, "width")?.unwrap_or(DEFAULT_SIZE.0);
        let height = side(&entry.save_args, "height")?.unwrap_or(DEFAULT_SIZE.1);
        Ok(PlotDataset { target: entry.target, format, companion, width, height })
    }

    fn render(&self, chart: &Chart, format: Format) -> Result<Vec<u8>, CatalogError> {
        let rendered = match format {
            Format::Png => render_png(chart, self.width, self.height),
            Format::Svg => render_svg(chart, self.width, self.height).map(String::into_bytes),
        };
        rendered.map_err(|error| self.target.save_error(error.to_string(), None))
    }
}

/// `filepath` without its `.png`/`.svg` extension, and the format it names.
fn split_extension(filepath: &str) -> Option<(&str, Format)> {
    let (stem, extension) = filepath.rsplit_once('.')?;
    if stem.is_empty() || stem.ends_with('/') || extension.contains('/') {
        return None;
    }
    Some((stem, Format::parse(extension)?))
}

/// The `formats` to write, the `filepath`'s own first.
fn formats(entry: &Args<'_>, own: Format) -> Result<Vec<Format>, CatalogError> {
    let Some(names) = entry.strings(&["formats"])? else {
        return Ok(vec![own, if own == Format::Png { Format::Svg } else { Format::Png }]);
    };
    let mut formats = vec![own];
    for name in &names {
        let Some(format) = Format::parse(name) else {
            return Err(entry.error(
                format!("`formats` lists `{name}`; weir writes `png` and `svg`"),
                Some("write `formats: [png, svg]`, or leave `formats` out for both".to_owned()),
            ));
        };
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    if !names.iter().any(|name| Format::parse(name) == Some(own)) {
        return Err(entry.error(
            format!("`formats` must include `{}`, the format of `filepath`", own.extension()),
            Some(
                "add it to `formats`, or point `filepath` at a file of a listed format".to_owned(),
            ),
        ));
    }
    Ok(formats)
}

fn side(save_args: &Args<'_>, name: &'static str) -> Result<Option<u32>, CatalogError> {
    let Some(value) = save_args.count(&[name])? else { return Ok(None) };
    match u32::try_from(value) {
        Ok(pixels) if (SIDE_RANGE.0..=SIDE_RANGE.1).contains(&pixels) => Ok(Some(pixels)),
        _ => Err(save_args.error(
            format!(
                "{} is {value} pixels; it must be between {} and {}",
                save_args.path(name),
                SIDE_RANGE.0,
                SIDE_RANGE.1
            ),
            None,
        )),
    }
}

impl Dataset for PlotDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        Ok(Payload::Bytes(self.target.read_bytes()?.into()))
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        let described = payload.describe();
        let chart = Chart::from_payload(payload).map_err(|error| {
            self.target.save_error(
                format!("expected a chart description, got {described}: {error}"),
                Some(
                    "return a `weir::catalog::files::plot::Chart` from the node (see the \
                     plot dataset in docs/catalog.md)"
                        .to_owned(),
                ),
            )
        })?;
        // Draw everything before writing anything, so a chart that cannot be drawn leaves
        // the previous files as they were.
        let own = self.render(&chart, self.format)?;
        let other = match &self.companion {
            Some(companion) => {
                let format = if self.format == Format::Png { Format::Svg } else { Format::Png };
                Some((companion, self.render(&chart, format)?))
            }
            None => None,
        };
        self.target.write_bytes(&own)?;
        if let Some((companion, bytes)) = other {
            companion.write_bytes(&bytes)?;
        }
        Ok(())
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Bytes)
    }

    fn accepts(&self, kind: DataKind) -> bool {
        matches!(kind, DataKind::Object | DataKind::Structured)
    }

    delegate_to_file_target!();
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, file_names, spec};
    use super::draw::{PALETTE, RAMP};
    use super::png::decode::decode_rgb;
    use super::*;
    use crate::error::Hinted;
    use serde_json::json;

    const V1: &str = "2024-01-05T10.11.12.345Z";

    fn dataset(root: &std::path::Path, options: Value) -> PlotDataset {
        PlotDataset::from_spec(&spec("chart", options), &context(root, V1)).unwrap()
    }

    fn entry_error(options: Value) -> CatalogError {
        let dir = tempfile::tempdir().unwrap();
        PlotDataset::from_spec(&spec("chart", options), &context(dir.path(), V1)).unwrap_err()
    }

    /// Whether the RGB pixels hold the colour exactly.
    fn has_colour(rgb: &[u8], colour: RGBColour) -> bool {
        rgb.chunks(3).any(|pixel| pixel == [colour.0, colour.1, colour.2])
    }

    type RGBColour = plotters::style::RGBColor;

    /// The SVG elements named `tag` whose `fill` is `colour`, and the content of every `text`
    /// element (entities resolved, surrounding white space trimmed).
    fn svg_summary(svg: &str, tag: &str, colour: RGBColour) -> (usize, Vec<String>) {
        use quick_xml::events::Event;
        let fill = format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2);
        let mut reader = quick_xml::Reader::from_str(svg);
        let (mut filled, mut texts, mut current) = (0, Vec::new(), None::<String>);
        loop {
            match reader.read_event().expect("the SVG is well-formed XML") {
                Event::Start(element) | Event::Empty(element) => {
                    let name = element.local_name();
                    let fill_matches = element
                        .try_get_attribute("fill")
                        .unwrap()
                        .is_some_and(|value| value.value.as_ref() == fill.as_bytes());
                    if name.as_ref() == tag.as_bytes() && fill_matches {
                        filled += 1;
                    }
                    if name.as_ref() == b"text" {
                        current = Some(String::new());
                    }
                }
                Event::Text(text) => {
                    if let Some(current) = &mut current {
                        current.push_str(&text.xml_content().unwrap());
                    }
                }
                Event::GeneralRef(entity) => {
                    let name = entity.decode().unwrap();
                    let resolved = quick_xml::escape::resolve_predefined_entity(&name).unwrap();
                    if let Some(current) = &mut current {
                        current.push_str(resolved);
                    }
                }
                Event::End(element) if element.local_name().as_ref() == b"text" => {
                    texts.extend(current.take().map(|text| text.trim().to_owned()));
                }
                Event::Eof => break,
                _ => {}
            }
        }
        (filled, texts)
    }

    #[test]
    fn a_bar_chart_is_saved_as_png_and_svg_side_by_side() {
        let dir = tempfile::tempdir().unwrap();
        let plot = dataset(dir.path(), json!({"filepath": "reporting/rows.png"}));
        let chart =
            Chart::bar("Rows & classes", ["setosa", "versicolor", "virginica"], [50.0, 30.0, 20.0])
                .with_y_label("rows");
        plot.save(chart.into_payload()).unwrap();

        assert_eq!(file_names(&dir.path().join("reporting")), vec!["rows.png", "rows.svg"]);
        let Payload::Bytes(png) = plot.load().unwrap() else { panic!("bytes expected") };
        let (width, height, rgb) = decode_rgb(&png);
        assert_eq!((width, height), DEFAULT_SIZE);
        assert!(has_colour(&rgb, PALETTE[0]), "the bars are drawn in the first colour");
        assert!(!has_colour(&rgb, PALETTE[1]), "one series uses one colour");

        let svg = std::fs::read_to_string(dir.path().join("reporting/rows.svg")).unwrap();
        let (bars, texts) = svg_summary(&svg, "rect", PALETTE[0]);
        assert_eq!(bars, 3, "one bar per category");
        for expected in ["Rows & classes", "setosa", "versicolor", "virginica", "rows"] {
            assert!(texts.iter().any(|text| text == expected), "`{expected}` in {texts:?}");
        }
    }

    #[test]
    fn grouped_bars_get_a_colour_and_a_legend_entry_per_series() {
        let dir = tempfile::tempdir().unwrap();
        let plot = dataset(dir.path(), json!({"filepath": "split.svg", "formats": ["svg"]}));
        let chart = json!({
            "kind": "bar", "title": "Split", "categories": ["a", "b"],
            "series": [{"name": "train", "y": [4, 5]}, {"name": "test", "y": [1, 2]}],
        });
        plot.save(Payload::Structured(chart)).unwrap();
        assert_eq!(file_names(dir.path()), vec!["split.svg"]);

        let Payload::Bytes(svg) = plot.load().unwrap() else { panic!("bytes expected") };
        let svg = String::from_utf8(svg.to_vec()).unwrap();
        // Two bars and one legend mark per series.
        assert_eq!(svg_summary(&svg, "rect", PALETTE[0]).0, 3);
        let (test_marks, texts) = svg_summary(&svg, "rect", PALETTE[1]);
        assert_eq!(test_marks, 3);
        assert!(texts.contains(&"train".to_owned()) && texts.contains(&"test".to_owned()));
    }

    #[test]
    fn scatter_and_line_charts_draw_one_mark_per_point() {
        let dir = tempfile::tempdir().unwrap();
        let scatter = Chart::scatter("Points")
            .with_x_label("x")
            .with_series(Series::xy("", [(0.0, 1.0), (1.0, 3.0), (2.0, 2.0), (5.0, -1.0)]));
        let plot = dataset(
            dir.path(),
            json!({"filepath": "scatter.png", "save_args": {"width": 300, "height": 200}}),
        );
        plot.save(scatter.into_payload()).unwrap();
        let (width, height, rgb) =
            decode_rgb(&std::fs::read(dir.path().join("scatter.png")).unwrap());
        assert_eq!((width, height), (300, 200));
        assert!(has_colour(&rgb, PALETTE[0]));
        let svg = std::fs::read_to_string(dir.path().join("scatter.svg")).unwrap();
        assert_eq!(svg_summary(&svg, "circle", PALETTE[0]).0, 4);

        let line = Chart::line("Loss")
            .with_series(Series::new("train", [3.0, 2.0, 1.5]))
            .with_series(Series::new("valid", [3.2, 2.5, 2.4]));
        let plot = dataset(dir.path(), json!({"filepath": "loss.png"}));
        plot.save(line.into_payload()).unwrap();
        let svg = std::fs::read_to_string(dir.path().join("loss.svg")).unwrap();
        assert_eq!(svg_summary(&svg, "circle", PALETTE[0]).0, 3);
        assert_eq!(svg_summary(&svg, "circle", PALETTE[1]).0, 3);
        let (_, texts) = svg_summary(&svg, "text", PALETTE[0]);
        assert!(texts.contains(&"valid".to_owned()), "legend entry in {texts:?}");
    }

    #[test]
    fn a_confusion_matrix_colours_cells_by_count_and_writes_the_counts() {
        let dir = tempfile::tempdir().unwrap();
        let plot = dataset(dir.path(), json!({"filepath": "confusion.png", "versioned": true}));
        let chart = Chart::confusion_matrix(["no", "yes"], &[vec![50, 3], vec![7, 10]]);
        plot.save(chart.into_payload()).unwrap();

        let png_path = dir.path().join("confusion.png").join(V1).join("confusion.png");
        let (_, _, rgb) = decode_rgb(&std::fs::read(png_path).unwrap());
        // The largest count gets the end of the ramp; the smallest is closest to its start.
        assert!(has_colour(&rgb, RAMP.1), "the cell of the largest count");
        let svg_path = dir.path().join("confusion.svg").join(V1).join("confusion.svg");
        let svg = std::fs::read_to_string(svg_path).unwrap();
        let (cells, texts) = svg_summary(&svg, "rect", RAMP.1);
        assert_eq!(cells, 1);
        for expected in
            ["Confusion matrix", "50", "3", "7", "10", "no", "yes", "actual", "predicted"]
        {
            assert!(texts.iter().any(|text| text == expected), "`{expected}` in {texts:?}");
        }
        assert_eq!(plot.versions().unwrap(), vec![V1]);
    }

    #[test]
    fn a_wrong_chart_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let plot = dataset(dir.path(), json!({"filepath": "bad.png"}));
        let chart = json!({"kind": "bar", "categories": ["a"], "series": [{"y": [1, 2]}]});
        let error = plot.save(Payload::Structured(chart)).unwrap_err();
        assert!(error.to_string().contains("`series[0]` has 2 values for 1 categories"), "{error}");

        let error = plot.save(Payload::Text("a picture".to_owned())).unwrap_err();
        assert!(error.to_string().contains("expected a chart description, got text"), "{error}");
        assert!(error.hint().unwrap().contains("Chart"));
        assert!(file_names(dir.path()).is_empty());
    }

    #[test]
    fn entries_are_checked() {
        let error = entry_error(json!({"filepath": "chart.jpg"}));
        assert!(error.to_string().contains("must end in `.png` or `.svg`"), "{error}");
        let error = entry_error(json!({"filepath": "chart.png", "formats": ["svg"]}));
        assert!(error.to_string().contains("`formats` must include `png`"), "{error}");
        let error = entry_error(json!({"filepath": "chart.png", "formats": ["png", "pdf"]}));
        assert!(error.to_string().contains("lists `pdf`"), "{error}");
        let error = entry_error(json!({"filepath": "c.png", "save_args": {"width": 20}}));
        assert!(error.to_string().contains("`save_args.width` is 20 pixels"), "{error}");
        let error = entry_error(json!({"filepath": "c.png", "save_args": {"dpi": 300}}));
        assert!(error.to_string().contains("`save_args` key `dpi`"), "{error}");
    }
}
