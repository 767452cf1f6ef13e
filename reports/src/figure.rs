//! Figure specs (plain data) and how they are drawn with plotters.
//!
//! The specs are domain-neutral: points, curves, bands and lines with already
//! computed values. Drawing works on any plotters backend; the PDF writer uses a
//! vector backend that turns plotters' primitives into PDF path and text operators,
//! so figures stay sharp at any zoom and share the report's embedded font.

use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;
use plotters::style::text_anchor;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::labels::{Label, Lang};

/// What a figure shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FigureSpec {
    /// Contrast response: measured points against an expected curve with a ± band.
    ContrastResponse(ContrastResponse),
    /// Luminance response on a log scale: measured against target.
    LuminanceResponse(LuminanceResponse),
    /// Values on a grid of screen positions with their deviation.
    UniformityMap(UniformityMap),
    /// One metric over time against its baseline and limits.
    Trend(Trend),
}

/// A point of a curve or measurement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Horizontal value.
    pub x: f64,
    /// Vertical value.
    pub y: f64,
}

impl Point {
    /// A point at (x, y).
    pub fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
}

/// Contrast response: measured contrast per JND against the expected curve.
///
/// x is the JND index (the midpoint of each interval), y the contrast per JND. The
/// tolerance band is `expected · (1 ± tolerance_fraction)` (e.g. 0.15 for ±15 %).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContrastResponse {
    /// Measured points.
    pub measured: Vec<Point>,
    /// Expected curve, sampled densely enough to look smooth.
    pub expected: Vec<Point>,
    /// Half-width of the band as a fraction of the expected value.
    pub tolerance_fraction: f64,
    /// Draw y on a logarithmic scale.
    pub log_y: bool,
}

/// Luminance response: luminance (cd/m², log scale) against DDL, measured and target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LuminanceResponse {
    /// Measured points (x = DDL, y = cd/m²).
    pub measured: Vec<Point>,
    /// Target curve (x = DDL, y = cd/m²).
    pub target: Vec<Point>,
}

/// One position of a uniformity map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UniformityCell {
    /// Row, 0 at the top.
    pub row: u16,
    /// Column, 0 at the left.
    pub col: u16,
    /// The value measured there, already formatted with its unit or without.
    pub value: String,
    /// Deviation from the reference in percent (shades the cell).
    pub deviation_percent: f64,
}

/// Values on a rows × cols grid of screen positions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UniformityMap {
    /// Grid rows.
    pub rows: u16,
    /// Grid columns.
    pub cols: u16,
    /// Measured positions; positions not listed are left blank.
    pub cells: Vec<UniformityCell>,
    /// Deviation (in percent, absolute) at which a cell is shaded fully; usually the
    /// limit, so a cell at or past the limit stands out.
    pub deviation_limit_percent: f64,
}

/// One point of a trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// Label under the axis, e.g. the test date.
    pub label: String,
    /// Value of the metric.
    pub value: f64,
}

/// One metric over successive tests, against its baseline and limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Axis title for the metric, with its unit, e.g. "L'max (cd/m²)".
    pub metric: String,
    /// Points in time order, equally spaced on the axis.
    pub points: Vec<TrendPoint>,
    /// The baseline value, drawn as a line.
    pub baseline: Option<f64>,
    /// Limit values, each drawn as a dashed line.
    pub limits: Vec<f64>,
}

/// Colours chosen to stay apart when printed in grey.
mod palette {
    use plotters::style::RGBColor;
    pub const MEASURED: RGBColor = RGBColor(0x1f, 0x4e, 0x9a);
    pub const EXPECTED: RGBColor = RGBColor(0x33, 0x33, 0x33);
    pub const BAND: RGBColor = RGBColor(0xdc, 0xe6, 0xf2);
    pub const LIMIT: RGBColor = RGBColor(0xb0, 0x1c, 0x1c);
    pub const GRID: RGBColor = RGBColor(0xe2, 0xe2, 0xe2);
    pub const AXIS: RGBColor = RGBColor(0x55, 0x55, 0x55);
}

/// Sizes for a figure drawn at `units_per_pt` backend units per point.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FigureScale {
    pub units_per_pt: f64,
}

impl FigureScale {
    fn pt(self, pt: f64) -> i32 {
        (pt * self.units_per_pt).round() as i32
    }

    fn font(self, pt: f64) -> TextStyle<'static> {
        ("sans-serif", pt * self.units_per_pt).into_font().color(&BLACK)
    }

    fn stroke(self, pt: f64) -> u32 {
        (pt * self.units_per_pt).round().max(1.0) as u32
    }
}

fn plot_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> Error {
    Error::Figure(e.to_string())
}

/// Draws `spec` onto `area`.
pub(crate) fn draw<DB: DrawingBackend>(
    spec: &FigureSpec,
    lang: Lang,
    area: &DrawingArea<DB, Shift>,
    scale: FigureScale,
) -> Result<(), Error> {
    match spec {
        FigureSpec::ContrastResponse(c) => draw_contrast_response(c, lang, area, scale),
        FigureSpec::LuminanceResponse(l) => draw_luminance_response(l, lang, area, scale),
        FigureSpec::UniformityMap(u) => draw_uniformity_map(u, lang, area, scale),
        FigureSpec::Trend(t) => draw_trend(t, lang, area, scale),
    }
}

/// Range of `values` padded by `pad` of its span; a flat or empty set still gets a span.
fn padded_range(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
    (lo - span * pad, hi + span * pad)
}

/// Positive range for a log axis, widened a little on each side (factor `pad`).
fn log_range(values: impl Iterator<Item = f64>, pad: f64) -> Result<(f64, f64), Error> {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return Err(Error::Figure("a log axis needs at least one positive value".into()));
    }
    Ok((lo / pad, hi * pad))
}

/// How a legend entry is marked.
enum Mark {
    Band(RGBColor),
    Line(RGBColor),
    Dashed(RGBColor),
    Dot(RGBColor),
}

/// Which corner of the plot the legend sits in.
enum Corner {
    UpperRight,
    LowerRight,
}

/// Draws a legend box sized with the backend's own text metrics (plotters' built-in
/// legend guesses widths from byte counts, which clips Latin labels).
fn legend<DB: DrawingBackend, CT: CoordTranslate>(
    plot: &DrawingArea<DB, CT>,
    entries: &[(Mark, String)],
    corner: Corner,
    scale: FigureScale,
) -> Result<(), Error> {
    let area = plot.strip_coord_spec();
    let (w, h) = area.dim_in_pixel();
    let font = scale.font(7.5);
    let mut text_w = 0;
    for (_, text) in entries {
        text_w = text_w.max(area.estimate_text_size(text, &font).map_err(plot_err)?.0 as i32);
    }
    let (pad, mark_w, line_h) = (scale.pt(4.0), scale.pt(14.0), scale.pt(10.0));
    let box_w = pad + mark_w + pad + text_w + pad;
    let box_h = 2 * pad + line_h * entries.len() as i32;
    let x0 = w as i32 - box_w - scale.pt(5.0);
    let y0 = match corner {
        Corner::UpperRight => scale.pt(5.0),
        Corner::LowerRight => h as i32 - box_h - scale.pt(5.0),
    };
    let rect = [(x0, y0), (x0 + box_w, y0 + box_h)];
    area.draw(&Rectangle::new(rect, WHITE.filled())).map_err(plot_err)?;
    area.draw(&Rectangle::new(rect, palette::GRID.stroke_width(scale.stroke(0.5))))
        .map_err(plot_err)?;
    let label_font =
        font.pos(text_anchor::Pos::new(text_anchor::HPos::Left, text_anchor::VPos::Center));
    for (i, (mark, text)) in entries.iter().enumerate() {
        let cy = y0 + pad + line_h * i as i32 + line_h / 2;
        let (mx0, mx1) = (x0 + pad, x0 + pad + mark_w);
        let line = |c: RGBColor| c.stroke_width(scale.stroke(0.9));
        match mark {
            Mark::Band(c) => area.draw(&Rectangle::new(
                [(mx0, cy - scale.pt(3.0)), (mx1, cy + scale.pt(3.0))],
                c.filled(),
            )),
            Mark::Line(c) => area.draw(&PathElement::new([(mx0, cy), (mx1, cy)], line(*c))),
            Mark::Dashed(c) => {
                let third = (mx1 - mx0) / 3;
                area.draw(&PathElement::new([(mx0, cy), (mx0 + third, cy)], line(*c))).and_then(
                    |_| area.draw(&PathElement::new([(mx1 - third, cy), (mx1, cy)], line(*c))),
                )
            }
            Mark::Dot(c) => {
                area.draw(&Circle::new(((mx0 + mx1) / 2, cy), scale.pt(1.8), c.filled()))
            }
        }
        .map_err(plot_err)?;
        area.draw(&Text::new(text.clone(), (mx1 + pad, cy), label_font.clone()))
            .map_err(plot_err)?;
    }
    Ok(())
}

fn draw_contrast_response<DB: DrawingBackend>(
    spec: &ContrastResponse,
    lang: Lang,
    area: &DrawingArea<DB, Shift>,
    scale: FigureScale,
) -> Result<(), Error> {
    let tol = spec.tolerance_fraction;
    let band_hi = spec.expected.iter().map(|p| p.y * (1.0 + tol));
    let band_lo = spec.expected.iter().map(|p| p.y * (1.0 - tol));
    let ys = spec.measured.iter().map(|p| p.y).chain(band_hi).chain(band_lo);
    let (x0, x1) = padded_range(spec.measured.iter().chain(&spec.expected).map(|p| p.x), 0.02);
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(scale.pt(6.0))
        .x_label_area_size(scale.pt(26.0))
        .y_label_area_size(scale.pt(40.0));
    if spec.log_y {
        let (y0, y1) = log_range(ys, 1.15)?;
        let mut chart = builder
            .build_cartesian_2d(x0..x1, (y0..y1).log_scale().with_key_points(log_ticks(y0, y1)))
            .map_err(plot_err)?;
        contrast_response_series(&mut chart, spec, lang, scale)
    } else {
        let (y0, y1) = padded_range(ys, 0.08);
        let mut chart = builder.build_cartesian_2d(x0..x1, y0.max(0.0)..y1).map_err(plot_err)?;
        contrast_response_series(&mut chart, spec, lang, scale)
    }
}

fn contrast_response_series<'a, DB, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
    spec: &ContrastResponse,
    lang: Lang,
    scale: FigureScale,
) -> Result<(), Error>
where
    DB: DrawingBackend + 'a,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    axes(chart, lang.label(Label::AxisJndIndex), lang.label(Label::AxisContrastPerJnd), scale)?;
    let tol = spec.tolerance_fraction;
    let mut band: Vec<(f64, f64)> =
        spec.expected.iter().map(|p| (p.x, p.y * (1.0 + tol))).collect();
    band.extend(spec.expected.iter().rev().map(|p| (p.x, p.y * (1.0 - tol))));
    let tolerance =
        format!("{} (±{}%)", lang.label(Label::LegendTolerance), trim_float(tol * 100.0));
    chart
        .draw_series(std::iter::once(Polygon::new(band, palette::BAND.filled())))
        .map_err(plot_err)?;
    line_series(chart, &spec.expected, palette::EXPECTED, scale)?;
    point_series(chart, &spec.measured, scale)?;
    let entries = [
        (Mark::Band(palette::BAND), tolerance),
        (Mark::Line(palette::EXPECTED), lang.label(Label::LegendExpected).to_owned()),
        (Mark::Dot(palette::MEASURED), lang.label(Label::LegendMeasured).to_owned()),
    ];
    legend(chart.plotting_area(), &entries, Corner::UpperRight, scale)
}

fn draw_luminance_response<DB: DrawingBackend>(
    spec: &LuminanceResponse,
    lang: Lang,
    area: &DrawingArea<DB, Shift>,
    scale: FigureScale,
) -> Result<(), Error> {
    let all = || spec.measured.iter().chain(&spec.target);
    let (x0, x1) = padded_range(all().map(|p| p.x), 0.02);
    let (y0, y1) = log_range(all().map(|p| p.y), 1.3)?;
    let mut chart = ChartBuilder::on(area)
        .margin(scale.pt(6.0))
        .x_label_area_size(scale.pt(26.0))
        .y_label_area_size(scale.pt(40.0))
        .build_cartesian_2d(x0..x1, (y0..y1).log_scale().with_key_points(log_ticks(y0, y1)))
        .map_err(plot_err)?;
    axes(&mut chart, lang.label(Label::AxisDdl), lang.label(Label::AxisLuminance), scale)?;
    line_series(&mut chart, &spec.target, palette::EXPECTED, scale)?;
    point_series(&mut chart, &spec.measured, scale)?;
    let entries = [
        (Mark::Line(palette::EXPECTED), lang.label(Label::LegendTarget).to_owned()),
        (Mark::Dot(palette::MEASURED), lang.label(Label::LegendMeasured).to_owned()),
    ];
    legend(chart.plotting_area(), &entries, Corner::LowerRight, scale)
}

fn draw_trend<DB: DrawingBackend>(
    spec: &Trend,
    lang: Lang,
    area: &DrawingArea<DB, Shift>,
    scale: FigureScale,
) -> Result<(), Error> {
    let n = spec.points.len();
    let values = spec.points.iter().map(|p| p.value);
    let (y0, y1) =
        padded_range(values.chain(spec.baseline).chain(spec.limits.iter().copied()), 0.1);
    let x_max = n.saturating_sub(1).max(1) as f64;
    let mut chart = ChartBuilder::on(area)
        .margin(scale.pt(6.0))
        .margin_right(scale.pt(14.0))
        .x_label_area_size(scale.pt(26.0))
        .y_label_area_size(scale.pt(44.0))
        .build_cartesian_2d(-0.3..x_max + 0.3, y0..y1)
        .map_err(plot_err)?;
    let labels: Vec<String> = spec.points.iter().map(|p| p.label.clone()).collect();
    let x_format = move |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .light_line_style(palette::GRID.mix(0.0))
        .bold_line_style(palette::GRID)
        .axis_style(palette::AXIS)
        .x_labels(n.clamp(2, 12))
        .x_label_formatter(&x_format)
        .y_labels(6)
        .y_label_formatter(&|v| trim_float(*v))
        .x_desc(lang.label(Label::AxisDate))
        .y_desc(spec.metric.as_str())
        .label_style(scale.font(7.0))
        .axis_desc_style(scale.font(8.0))
        .draw()
        .map_err(plot_err)?;
    let (x_lo, x_hi) = (-0.3, x_max + 0.3);
    let mut entries = Vec::new();
    if let Some(b) = spec.baseline {
        let style = palette::EXPECTED.stroke_width(scale.stroke(0.8));
        chart.draw_series(LineSeries::new([(x_lo, b), (x_hi, b)], style)).map_err(plot_err)?;
        entries.push((Mark::Line(palette::EXPECTED), lang.label(Label::LegendBaseline).to_owned()));
    }
    for &limit in &spec.limits {
        let style = palette::LIMIT.stroke_width(scale.stroke(0.8));
        chart
            .draw_series(DashedLineSeries::new(
                [(x_lo, limit), (x_hi, limit)],
                scale.pt(4.0) as u32,
                scale.pt(2.5) as u32,
                style,
            ))
            .map_err(plot_err)?;
    }
    if !spec.limits.is_empty() {
        entries.push((Mark::Dashed(palette::LIMIT), lang.label(Label::LegendLimit).to_owned()));
    }
    let pts: Vec<Point> =
        spec.points.iter().enumerate().map(|(i, p)| Point::new(i as f64, p.value)).collect();
    line_series(&mut chart, &pts, palette::MEASURED, scale)?;
    point_series(&mut chart, &pts, scale)?;
    entries.push((Mark::Dot(palette::MEASURED), lang.label(Label::LegendMeasured).to_owned()));
    legend(chart.plotting_area(), &entries, Corner::LowerRight, scale)
}

fn draw_uniformity_map<DB: DrawingBackend>(
    spec: &UniformityMap,
    lang: Lang,
    area: &DrawingArea<DB, Shift>,
    scale: FigureScale,
) -> Result<(), Error> {
    if spec.rows == 0 || spec.cols == 0 {
        return Err(Error::Figure("a uniformity map needs at least one row and column".into()));
    }
    let (w, h) = area.dim_in_pixel();
    // Keep the grid in the display's landscape proportion (16:10) rather than
    // stretching cells to the area.
    let pad = scale.pt(4.0);
    let avail_w = w as i32 - 2 * pad;
    let avail_h = h as i32 - 2 * pad;
    let grid_w = avail_w.min(avail_h * 16 / 10);
    let grid_h = grid_w * 10 / 16;
    let (ox, oy) = ((w as i32 - grid_w) / 2, (h as i32 - grid_h) / 2);
    let cell_w = grid_w / i32::from(spec.cols);
    let cell_h = grid_h / i32::from(spec.rows);
    let value_font = scale
        .font(9.0)
        .pos(text_anchor::Pos::new(text_anchor::HPos::Center, text_anchor::VPos::Bottom));
    let dev_font = scale
        .font(7.5)
        .color(&palette::AXIS)
        .pos(text_anchor::Pos::new(text_anchor::HPos::Center, text_anchor::VPos::Top));
    let outline = palette::AXIS.stroke_width(scale.stroke(0.6));
    area.draw(&Rectangle::new(
        [(ox, oy), (ox + cell_w * i32::from(spec.cols), oy + cell_h * i32::from(spec.rows))],
        outline,
    ))
    .map_err(plot_err)?;
    let deviation = lang.label(Label::Deviation);
    for cell in &spec.cells {
        if cell.row >= spec.rows || cell.col >= spec.cols {
            return Err(Error::Figure(format!(
                "uniformity cell ({}, {}) lies outside the {}×{} grid",
                cell.row, cell.col, spec.rows, spec.cols
            )));
        }
        let x = ox + cell_w * i32::from(cell.col);
        let y = oy + cell_h * i32::from(cell.row);
        let share = if spec.deviation_limit_percent > 0.0 {
            (cell.deviation_percent.abs() / spec.deviation_limit_percent).clamp(0.0, 1.0)
        } else {
            0.0
        };
        area.draw(&Rectangle::new([(x, y), (x + cell_w, y + cell_h)], shade(share).filled()))
            .map_err(plot_err)?;
        area.draw(&Rectangle::new([(x, y), (x + cell_w, y + cell_h)], outline))
            .map_err(plot_err)?;
        let (cx, cy) = (x + cell_w / 2, y + cell_h / 2);
        area.draw(&Text::new(cell.value.clone(), (cx, cy - scale.pt(1.0)), value_font.clone()))
            .map_err(plot_err)?;
        let dev = format!("{deviation} {:+.1} %", cell.deviation_percent);
        area.draw(&Text::new(dev, (cx, cy + scale.pt(2.0)), dev_font.clone())).map_err(plot_err)?;
    }
    Ok(())
}

/// White at 0, a light warm red at 1: shading that still leaves black text legible.
fn shade(share: f64) -> RGBColor {
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * share).round() as u8;
    RGBColor(mix(0xff, 0xf2), mix(0xff, 0xb8), mix(0xff, 0xb0))
}

fn axes<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    x_desc: &str,
    y_desc: &str,
    scale: FigureScale,
) -> Result<(), Error>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .light_line_style(palette::GRID.mix(0.0))
        .bold_line_style(palette::GRID)
        .axis_style(palette::AXIS)
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&|v| trim_float(*v))
        .y_label_formatter(&|v| trim_float(*v))
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(scale.font(7.0))
        .axis_desc_style(scale.font(8.0))
        .draw()
        .map_err(plot_err)
}

fn line_series<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    points: &[Point],
    color: RGBColor,
    scale: FigureScale,
) -> Result<(), Error>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let style = color.stroke_width(scale.stroke(0.9));
    chart
        .draw_series(LineSeries::new(points.iter().map(|p| (p.x, p.y)), style))
        .map_err(plot_err)?;
    Ok(())
}

fn point_series<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    points: &[Point],
    scale: FigureScale,
) -> Result<(), Error>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let r = scale.pt(1.8) as u32;
    chart
        .draw_series(points.iter().map(|p| Circle::new((p.x, p.y), r, palette::MEASURED.filled())))
        .map_err(plot_err)?;
    Ok(())
}

/// Tick values for a log axis over [lo, hi]: 1-2-5 per decade, or every integer
/// multiple when the axis spans less than two decades (plotters alone would put a
/// single tick on such an axis).
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let first = lo.log10().floor() as i32;
    let last = hi.log10().ceil() as i32;
    let mantissas: &[f64] = if last - first <= 2 {
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    } else {
        &[1.0, 2.0, 5.0]
    };
    (first..=last)
        .flat_map(|e| {
            // Dividing for negative exponents keeps 9e-3 at the double nearest 0.009.
            mantissas
                .iter()
                .map(move |m| if e < 0 { m / 10f64.powi(-e) } else { m * 10f64.powi(e) })
        })
        .filter(|v| (lo..=hi).contains(v))
        .collect()
}

/// A short, stable rendering of an axis value: no trailing zeros, at most 4 significant
/// decimals, and no "-0".
pub(crate) fn trim_float(v: f64) -> String {
    let a = v.abs();
    let s = if a == 0.0 {
        "0".to_owned()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.001 {
        format!("{v:.4}")
    } else {
        format!("{v:.2e}")
    };
    let s = if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    };
    if s == "-0" { "0".to_owned() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_values_print_short() {
        assert_eq!(trim_float(0.0), "0");
        assert_eq!(trim_float(1.5), "1.5");
        assert_eq!(trim_float(350.0), "350");
        assert_eq!(trim_float(0.0125), "0.0125");
        assert_eq!(trim_float(0.005), "0.005");
        assert_eq!(trim_float(-0.00001), "-1.00e-5");
    }

    #[test]
    fn log_ticks_follow_the_span() {
        assert_eq!(
            log_ticks(0.5, 600.0),
            vec![0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0]
        );
        let narrow = log_ticks(0.005, 0.04);
        assert_eq!(narrow, vec![0.005, 0.006, 0.007, 0.008, 0.009, 0.01, 0.02, 0.03, 0.04]);
    }

    #[test]
    fn ranges_survive_flat_and_empty_data() {
        assert_eq!(padded_range(std::iter::empty(), 0.1), (0.0, 1.0));
        let (lo, hi) = padded_range([5.0, 5.0].into_iter(), 0.1);
        assert!(lo < 5.0 && hi > 5.0);
        assert!(log_range([0.0, -1.0].into_iter(), 1.1).is_err());
    }
}
