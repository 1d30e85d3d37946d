//! Drawing a [`Chart`] with plotters, once for any backend: a bitmap (then encoded as PNG) and
//! an SVG document share this code, so the two files show the same picture.
//!
//! Text uses the `DejaVu Sans` font shipped in `crates/weir-core/assets/` (its licence is beside
//! it), registered with plotters as `sans-serif`, so no system font library is needed. SVG files
//! name the family `sans-serif` and let the viewer pick its own sans-serif font.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{Chart, ChartKind};
use super::png;

/// The font every chart uses.
static FONT: &[u8] = include_bytes!("../../../../assets/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

/// Matplotlib's default colour cycle (`tab10`), so charts look familiar to Kedro users.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The heatmap's colour ramp, from the lowest value to the highest.
pub(crate) const RAMP: (RGBColor, RGBColor) = (RGBColor(239, 246, 252), RGBColor(31, 119, 180));

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ChartError {
    message: String,
}

impl ChartError {
    fn new(message: impl Into<String>) -> Self {
        ChartError { message: message.into() }
    }
}

/// `chart` drawn at `width` × `height` pixels, as the bytes of a PNG file.
pub fn render_png(chart: &Chart, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    chart.check().map_err(ChartError::new)?;
    register_font()?;
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(draw_error)?;
    }
    png::encode_rgb(width, height, &pixels).map_err(|error| ChartError::new(error.to_string()))
}

/// `chart` drawn at `width` × `height` pixels, as an SVG document.
pub fn render_svg(chart: &Chart, width: u32, height: u32) -> Result<String, ChartError> {
    chart.check().map_err(ChartError::new)?;
    register_font()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// Registers the shipped `DejaVu Sans` with plotters as `sans-serif` (once per process), for
/// nodes that draw with plotters themselves and encode with [`png::encode_rgb`].
pub fn register_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let registered = REGISTERED
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if *registered {
        Ok(())
    } else {
        Err(ChartError::new(
            "the chart font shipped with weir could not be read; this is a bug in weir, please report it",
        ))
    }
}

fn draw_error(error: impl std::fmt::Display) -> ChartError {
    ChartError::new(format!("cannot draw the chart: {error}"))
}

/// The space around the plot: caption, tick labels, axis descriptions.
fn builder<'a, 'b, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    chart: &Chart,
    left: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(root);
    builder.margin(20).x_label_area_size(if chart.x_label.is_empty() { 40 } else { 60 });
    builder.y_label_area_size(left + if chart.y_label.is_empty() { 0 } else { 25 });
    if !chart.title.is_empty() {
        builder.caption(&chart.title, (FAMILY, 24));
    }
    builder
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(draw_error)?;
    match chart.kind {
        ChartKind::Bar => draw_bars(root, chart),
        ChartKind::Line | ChartKind::Scatter => draw_points(root, chart),
        ChartKind::Heatmap => draw_heatmap(root, chart),
    }
}

fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
) -> Result<(), ChartError> {
    let values = chart.series.iter().flat_map(|series| series.y.iter().copied());
    let (low, high) = padded_range(values.chain([0.0]));
    let categories = chart.categories.len();
    let mut context = builder(root, chart, 60)
        .build_cartesian_2d(0.0..count(categories), low..high)
        .map_err(draw_error)?;
    context
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 16))
        .draw()
        .map_err(draw_error)?;

    let group = 0.8 / count(chart.series.len());
    let base = 0.0f64.clamp(low, high);
    for (index, series) in chart.series.iter().enumerate() {
        let colour = PALETTE[index % PALETTE.len()];
        let bars = series.y.iter().enumerate().map(|(category, &value)| {
            let left = count(category) + 0.1 + group * count(index);
            Rectangle::new([(left, base), (left + group, value)], colour.filled())
        });
        let drawn = context.draw_series(bars).map_err(draw_error)?;
        if !series.name.is_empty() {
            drawn.label(series.name.as_str()).legend(move |(x, y)| {
                Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour.filled())
            });
        }
    }

    for (category, name) in chart.categories.iter().enumerate() {
        let (x, y) = context.backend_coord(&(count(category) + 0.5, low));
        let style = (FAMILY, 14).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(name.as_str(), (x, y + 8), style)).map_err(draw_error)?;
    }
    legend(&mut context, chart)
}

fn draw_points<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
) -> Result<(), ChartError> {
    let points: Vec<Vec<(f64, f64)>> = chart
        .series
        .iter()
        .map(|series| {
            let positions = (0..series.y.len()).map(count);
            let x: Vec<f64> =
                if series.x.is_empty() { positions.collect() } else { series.x.clone() };
            x.into_iter().zip(series.y.iter().copied()).collect()
        })
        .collect();
    let (x_low, x_high) = padded_range(points.iter().flatten().map(|point| point.0));
    let (y_low, y_high) = padded_range(points.iter().flatten().map(|point| point.1));
    let mut context = builder(root, chart, 60)
        .build_cartesian_2d(x_low..x_high, y_low..y_high)
        .map_err(draw_error)?;
    context
        .configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 16))
        .draw()
        .map_err(draw_error)?;

    for (index, (series, points)) in chart.series.iter().zip(points).enumerate() {
        let colour = PALETTE[index % PALETTE.len()];
        let radius = if chart.kind == ChartKind::Line { 3 } else { 4 };
        if chart.kind == ChartKind::Line {
            context
                .draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(2)))
                .map_err(draw_error)?;
        }
        let marks = points.into_iter().map(|point| Circle::new(point, radius, colour.filled()));
        let drawn = context.draw_series(marks).map_err(draw_error)?;
        if !series.name.is_empty() {
            drawn.label(series.name.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
            });
        }
    }
    legend(&mut context, chart)
}

fn draw_heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
) -> Result<(), ChartError> {
    let rows = chart.matrix.len();
    let columns = chart.matrix.first().map_or(0, Vec::len);
    let widest = chart.row_labels.iter().map(|label| label.chars().count()).max().unwrap_or(0);
    let left = u32::try_from(widest * 9 + 20).unwrap_or(u32::MAX).clamp(30, 300);
    let mut context = builder(root, chart, left)
        .build_cartesian_2d(0.0..count(columns), 0.0..count(rows))
        .map_err(draw_error)?;
    context
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .axis_desc_style((FAMILY, 16))
        .draw()
        .map_err(draw_error)?;

    let values = chart.matrix.iter().flatten().copied();
    let low = values.clone().fold(0.0f64, f64::min);
    let high = values.fold(f64::NEG_INFINITY, f64::max);
    let share = |value: f64| if high > low { (value - low) / (high - low) } else { 0.0 };

    let (plot_width, plot_height) = context.plotting_area().dim_in_pixel();
    let cell_width = f64::from(plot_width) / count(columns);
    let cell_height = f64::from(plot_height) / count(rows);
    let font_size = (cell_height / 3.0).clamp(10.0, 28.0);

    for (row, values) in chart.matrix.iter().enumerate() {
        // Row 0 is drawn at the top.
        let bottom = count(rows - 1 - row);
        for (column, &value) in values.iter().enumerate() {
            let left = count(column);
            let fill = mix(RAMP.0, RAMP.1, share(value));
            let corners = [(left, bottom), (left + 1.0, bottom + 1.0)];
            context
                .draw_series([
                    Rectangle::new(corners, fill.filled()),
                    Rectangle::new(corners, WHITE.stroke_width(1)),
                ])
                .map_err(draw_error)?;

            let text = format_value(value);
            let fits = cell_height >= 16.0
                && cell_width >= font_size * 0.62 * count(text.chars().count()) + 4.0;
            if fits {
                let ink = if share(value) > 0.5 { WHITE } else { BLACK };
                let style = (FAMILY, font_size)
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                context
                    .draw_series([Text::new(text, (left + 0.5, bottom + 0.5), style)])
                    .map_err(draw_error)?;
            }
        }
    }

    for (row, name) in chart.row_labels.iter().enumerate() {
        let (x, y) = context.backend_coord(&(0.0, count(rows - row) - 0.5));
        let style = (FAMILY, 14).into_font().color(&BLACK).pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(name.as_str(), (x - 8, y), style)).map_err(draw_error)?;
    }
    for (column, name) in chart.column_labels.iter().enumerate() {
        let (x, y) = context.backend_coord(&(count(column) + 0.5, 0.0));
        let style = (FAMILY, 14).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(name.as_str(), (x, y + 8), style)).map_err(draw_error)?;
    }
    Ok(())
}

/// Draws the legend when some series has a name.
fn legend<'a, DB: DrawingBackend + 'a>(
    context: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    chart: &Chart,
) -> Result<(), ChartError> {
    if chart.series.iter().all(|series| series.name.is_empty()) {
        return Ok(());
    }
    context
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FAMILY, 14))
        .draw()
        .map_err(draw_error)
}

/// The smallest and largest of `values`, widened by 5 % on each side (and to a unit range when
/// they are all equal) so no mark sits on the frame.
fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), value| {
        (low.min(value), high.max(value))
    });
    if !low.is_finite() || !high.is_finite() {
        return (0.0, 1.0);
    }
    if high - low <= f64::EPSILON * high.abs().max(1.0) {
        return (low - 0.5, high + 0.5);
    }
    let pad = (high - low) * 0.05;
    (low - pad, high + pad)
}

/// A count as a coordinate (charts hold far fewer than 2^52 items).
#[expect(clippy::cast_precision_loss, reason = "chart item counts are far below 2^52")]
fn count(items: usize) -> f64 {
    items as f64
}

/// A cell's value as written in the cell: whole numbers as such, others with 2 decimals.
fn format_value(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

fn mix(from: RGBColor, to: RGBColor, share: f64) -> RGBColor {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a blend of two bytes with a share in [0, 1] is a byte"
    )]
    let blend = |a: u8, b: u8| {
        (f64::from(a) + (f64::from(b) - f64::from(a)) * share.clamp(0.0, 1.0)).round() as u8
    };
    RGBColor(blend(from.0, to.0), blend(from.1, to.1), blend(from.2, to.2))
}
