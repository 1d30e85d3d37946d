//! The project's charts as PNG bytes: the confusion matrix and the feature importances.
//!
//! Charts are drawn with `plotters` into an RGB buffer, with the `DejaVu Sans` font weir ships
//! (registered by [`plot::register_font`]), so no system font library is needed; weir's
//! [`png::encode_rgb`] writes the buffer as a PNG file, which the catalog's
//! `matplotlib.MatplotlibWriter` datasets save as they are.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use weir::catalog::files::plot::{self, png};
use weir::prelude::*;

/// The family weir registers its font under.
const FAMILY: &str = "sans-serif";

/// Bar and cell colours (a blue ramp; the numbers are also written in every cell).
const BLUE: RGBColor = RGBColor(31, 119, 180);
const PALE: RGBColor = RGBColor(239, 246, 252);

/// The confusion matrix (actual classes as rows, predicted as columns) as a PNG heat map with
/// the count in every cell.
pub fn confusion_matrix(names: &[&str], counts: &[Vec<usize>]) -> NodeResult<Vec<u8>> {
    register_font()?;
    let n = names.len();
    let (width, height) = (640u32, 560u32);
    let (left, top, cell) = (170i32, 115i32, 200i32);
    let largest = counts.iter().flatten().copied().max().unwrap_or(0).max(1);

    let mut pixels = vec![255u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        let text = |size: f64, h: HPos, v: VPos| {
            (FAMILY, size).into_font().color(&BLACK).pos(Pos::new(h, v))
        };
        root.draw(&Text::new(
            "Confusion matrix (test rows)",
            (20, 20),
            text(24.0, HPos::Left, VPos::Top),
        ))
        .map_err(draw_error)?;
        let grid_right = left + cell * px(n);
        root.draw(&Text::new(
            "predicted",
            (i32::midpoint(left, grid_right), top - 45),
            text(18.0, HPos::Center, VPos::Center),
        ))
        .map_err(draw_error)?;
        root.draw(&Text::new(
            "actual",
            (left - 10, top - 45),
            text(18.0, HPos::Right, VPos::Center),
        ))
        .map_err(draw_error)?;

        for (i, row) in counts.iter().enumerate() {
            let y = top + cell * px(i);
            root.draw(&Text::new(
                names[i].to_owned(),
                (left - 10, y + cell / 2),
                text(16.0, HPos::Right, VPos::Center),
            ))
            .map_err(draw_error)?;
            for (j, &count) in row.iter().enumerate() {
                let x = left + cell * px(j);
                let share = count as f64 / largest as f64;
                let fill = mix(PALE, BLUE, share);
                root.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], fill.filled()))
                    .map_err(draw_error)?;
                root.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], BLACK.stroke_width(1)))
                    .map_err(draw_error)?;
                let ink = if share > 0.5 { WHITE } else { BLACK };
                root.draw(&Text::new(
                    count.to_string(),
                    (x + cell / 2, y + cell / 2),
                    (FAMILY, 28.0)
                        .into_font()
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(draw_error)?;
            }
        }
        for (j, name) in names.iter().enumerate() {
            let x = left + cell * px(j) + cell / 2;
            root.draw(&Text::new(
                (*name).to_owned(),
                (x, top - 15),
                text(16.0, HPos::Center, VPos::Center),
            ))
            .map_err(draw_error)?;
        }
        root.present().map_err(draw_error)?;
    }
    encode_png(width, height, &pixels)
}

/// Horizontal bars of `values` (largest first, as given) labelled with `names`.
pub fn importances(names: &[String], values: &[f64]) -> NodeResult<Vec<u8>> {
    register_font()?;
    let (bar, gap, left, top) = (22i32, 6i32, 230i32, 70i32);
    let width = 900u32;
    let height = u32::try_from(top + (bar + gap) * px(names.len()) + 40).unwrap_or(600);
    let largest = values.iter().copied().fold(0.0f64, f64::max).max(f64::MIN_POSITIVE);
    let span = f64::from(i32::try_from(width).unwrap_or(900) - left - 90);

    let mut pixels = vec![255u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        root.draw(&Text::new(
            "Feature importances (impurity)",
            (20, 20),
            (FAMILY, 24.0).into_font().color(&BLACK),
        ))
        .map_err(draw_error)?;
        for (k, (name, value)) in names.iter().zip(values).enumerate() {
            let y = top + (bar + gap) * px(k);
            #[expect(
                clippy::cast_possible_truncation,
                reason = "a share of at most 1 of the chart width"
            )]
            let length = (value / largest * span).round() as i32;
            root.draw(&Rectangle::new([(left, y), (left + length.max(1), y + bar)], BLUE.filled()))
                .map_err(draw_error)?;
            let label = (FAMILY, 15.0).into_font().color(&BLACK);
            root.draw(&Text::new(
                name.clone(),
                (left - 8, y + bar / 2),
                label.clone().pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(draw_error)?;
            root.draw(&Text::new(
                format!("{value:.3}"),
                (left + length + 6, y + bar / 2),
                label.pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(draw_error)?;
        }
        root.present().map_err(draw_error)?;
    }
    encode_png(width, height, &pixels)
}

/// `width` × `height` RGB pixels as a PNG file, with weir's encoder.
fn encode_png(width: u32, height: u32, rgb: &[u8]) -> NodeResult<Vec<u8>> {
    Ok(png::encode_rgb(width, height, rgb)?)
}

fn register_font() -> NodeResult<()> {
    Ok(plot::register_font()?)
}

fn mix(from: RGBColor, to: RGBColor, share: f64) -> RGBColor {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a blend of two bytes with a share in [0, 1] is a byte"
    )]
    let blend = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * share).round() as u8;
    RGBColor(blend(from.0, to.0), blend(from.1, to.1), blend(from.2, to.2))
}

/// A pixel offset from a count (charts hold a few dozen items at most).
fn px(count: usize) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}

fn draw_error(error: impl std::fmt::Display) -> NodeError {
    NodeError::msg(format!("cannot draw the chart: {error}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    #[test]
    fn charts_render() {
        let matrix = confusion_matrix(&["no", "yes"], &[vec![50, 3], vec![7, 10]]).unwrap();
        assert_eq!(&matrix[..8], b"\x89PNG\r\n\x1a\n");
        let bars = importances(&["BMI".to_owned(), "Age_9".to_owned()], &[0.3, 0.1]).unwrap();
        assert_eq!(&bars[..8], b"\x89PNG\r\n\x1a\n");
    }
}
