//! The figures: contrast response against the GSDF, luminance response
//! against its target, trends over the display's records (constancy), and
//! the uniformity map.

use monqc_reports::{
    Block, ContrastResponse as CrFigure, Figure, FigureSpec, Label, Lang, LuminanceResponse, Point,
    Trend, TrendPoint, UniformityCell, UniformityMap,
};

use super::limit_of;
use crate::numbers::gsdf;
use crate::numbers::measurement::{MeasurementSet, Position};
use crate::numbers::uniformity;
use crate::records::record::IndexEntry;
use crate::standards::analysis::Analysis;
use crate::standards::criteria::{Item, TestType};

/// Every figure the record has data for, in report order.
pub(super) fn blocks(
    a: &Analysis,
    history: &[IndexEntry],
    set: &MeasurementSet,
    lang: Lang,
) -> Vec<Block> {
    let mut blocks = responses(a, lang);
    if !history.is_empty() && a.test == TestType::Constancy {
        blocks.extend(trends(a, history, lang));
    }
    blocks.extend(uniformity_maps(set, a, lang));
    blocks
}

/// GSDF luminance at JND index `j`, clamped to the GSDF's range.
fn gsdf_l(j: f64) -> f64 {
    gsdf::luminance_cd_m2(j.clamp(gsdf::JND_INDEX_MIN, gsdf::JND_INDEX_MAX)).unwrap_or(f64::NAN)
}

/// Figures 1 and 2: contrast response and luminance response.
fn responses(a: &Analysis, lang: Lang) -> Vec<Block> {
    let Some(cr) = &a.contrast_response else { return Vec::new() };
    let width =
        cr.jnd_per_ddl * f64::from(cr.intervals.first().map_or(15, |i| i.ddl_high - i.ddl_low));
    let (lo, hi) = (cr.jnd_index_min + width / 2.0, cr.jnd_index_max - width / 2.0);
    // The expected contrast per JND over a window as wide as one measured
    // interval: it passes exactly through the expected value of each interval.
    let expected = (0..=80)
        .map(|k| {
            let jm = lo + (hi - lo) * f64::from(k) / 80.0;
            let (l0, l1) = (gsdf_l(jm - width / 2.0), gsdf_l(jm + width / 2.0));
            Point::new(jm, 2.0 * (l1 - l0) / (l1 + l0) / width)
        })
        .collect();
    let measured = cr
        .intervals
        .iter()
        .map(|i| Point::new(i.jnd_index_mean, i.measured_contrast_per_jnd))
        .collect();
    let contrast = Block::Figure(Figure {
        caption: lang.fill(Label::FigureContrastResponse, &[&format!("{:.2}", cr.kdelta_percent)]),
        spec: FigureSpec::ContrastResponse(CrFigure {
            measured,
            expected,
            // The criteria table's Kδ limit; no band where it sets none.
            tolerance_fraction: limit_of(a, Item::Kdelta).map_or(0.0, |l| l / 100.0),
            log_y: true,
        }),
        height_mm: 75.0,
    });
    let first = cr.intervals.first().map_or(0, |i| i.ddl_low);
    let last = cr.intervals.last().map_or(255, |i| i.ddl_high);
    let mut measured: Vec<Point> = cr
        .intervals
        .iter()
        .map(|i| Point::new(f64::from(i.ddl_low), i.luminance_low_cd_m2))
        .collect();
    if let Some(i) = cr.intervals.last() {
        measured.push(Point::new(f64::from(i.ddl_high), i.luminance_high_cd_m2));
    }
    let target = (0..=64)
        .map(|k| {
            let d = f64::from(first) + f64::from(last - first) * f64::from(k) / 64.0;
            Point::new(d, gsdf_l(cr.jnd_index_min + (d - f64::from(first)) * cr.jnd_per_ddl))
        })
        .collect();
    let luminance = Block::Figure(Figure {
        caption: lang.label(Label::FigureLuminanceResponse).into(),
        spec: FigureSpec::LuminanceResponse(LuminanceResponse { measured, target }),
        height_mm: 70.0,
    });
    vec![contrast, luminance]
}

/// Trends of L'max, κδ and r' over the display's records, with the
/// baseline and the limits; a metric with fewer than two points has none.
fn trends(a: &Analysis, history: &[IndexEntry], lang: Lang) -> Vec<Block> {
    let base = a.baseline.as_ref();
    let label = |e: &IndexEntry| e.finalised_at.get(..10).unwrap_or("").to_string();
    let series = |f: &dyn Fn(&IndexEntry) -> Option<f64>| -> Vec<TrendPoint> {
        history
            .iter()
            .filter_map(|e| f(e).map(|v| TrendPoint { label: label(e), value: v }))
            .collect()
    };
    // The grade's L'max limit, and the baseline less the change tolerance
    // when one was set (the site's own: no standard gives one).
    let change = limit_of(a, Item::LmaxChange);
    let lmax_limits: Vec<f64> = limit_of(a, Item::Lmax)
        .into_iter()
        .chain(base.zip(change).map(|(b, c)| b.lmax_cd_m2 * (1.0 - c / 100.0)))
        .collect();
    let mut blocks = Vec::new();
    for (metric, points, baseline, limits) in [
        ("L'max (cd/m²)", series(&|e| e.lmax_cd_m2), base.map(|b| b.lmax_cd_m2), lmax_limits),
        (
            "κδ (%)",
            series(&|e| e.kdelta_percent),
            base.map(|b| b.kdelta_percent),
            limit_of(a, Item::Kdelta).into_iter().collect(),
        ),
        (
            "r'",
            series(&|e| e.luminance_ratio),
            base.map(|b| b.luminance_ratio),
            limit_of(a, Item::LuminanceRatio).into_iter().collect(),
        ),
    ] {
        if points.len() < 2 {
            continue;
        }
        blocks.push(Block::Figure(Figure {
            caption: lang.fill(Label::FigureTrend, &[&metric]),
            spec: FigureSpec::Trend(Trend { metric: metric.into(), points, baseline, limits }),
            height_mm: 55.0,
        }));
    }
    blocks
}

/// Figure 3, one per uniform field: each point shaded by its share of the
/// quantity the uniformity limit is about (the standard's formula applied
/// to the point, [`uniformity::point_deviations_percent`]), against that
/// limit from the criteria table.
fn uniformity_maps(set: &MeasurementSet, a: &Analysis, lang: Lang) -> Vec<Block> {
    let mut ddls: Vec<u16> = set.uniformity.iter().map(|u| u.ddl).collect();
    ddls.sort_unstable_by(|x, y| y.cmp(x));
    ddls.dedup();
    let full = f64::from((1u32 << set.bit_depth) - 1);
    ddls.into_iter()
        .filter_map(|ddl| {
            let points: Vec<_> = set.uniformity.iter().filter(|u| u.ddl == ddl).collect();
            if points.len() < 2 {
                return None;
            }
            let l: Vec<f64> =
                points.iter().map(|u| set.total_luminance_cd_m2(u.luminance_cd_m2)).collect();
            let deviations = uniformity::point_deviations_percent(a.uniformity_definition, &l);
            let cells = points
                .iter()
                .zip(l.iter().zip(&deviations))
                .map(|(u, (l, d))| {
                    let (row, col) = match u.position {
                        Position::TopLeft => (0, 0),
                        Position::TopRight => (0, 2),
                        Position::Centre => (1, 1),
                        Position::BottomLeft => (2, 0),
                        Position::BottomRight => (2, 2),
                    };
                    UniformityCell {
                        row,
                        col,
                        value: format!("{l:.1} cd/m²"),
                        deviation_percent: *d,
                    }
                })
                .collect();
            let percent = (100.0 * f64::from(ddl) / full).round() as u8;
            // This field's verdict row, else the uniformity rule's limit.
            let limit = a
                .verdicts
                .iter()
                .find(|v| v.item == Item::Uniformity && v.level.is_none_or(|lv| lv.ddl == ddl))
                .map(|v| v.limit);
            let value = uniformity::uniformity_percent(a.uniformity_definition, &l)
                .map_or("—".into(), |u| format!("{u:.1} %"));
            let formula = match a.uniformity_definition {
                uniformity::UniformityDefinition::MaxDeviation => "200·(Lhigh − L)/(Lhigh + L)",
                uniformity::UniformityDefinition::DeviationFromMedian => "100·|L − median|/median",
            };
            Some(Block::Figure(Figure {
                caption: lang.fill(Label::FigureUniformity, &[&percent, &formula, &value]),
                spec: FigureSpec::UniformityMap(UniformityMap {
                    rows: 3,
                    cols: 3,
                    cells,
                    deviation_limit_percent: limit.unwrap_or(0.0),
                }),
                height_mm: 60.0,
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numbers::measurement::{MeterSetup, Origin, ResponseReading, UniformityReading};
    use crate::standards::analysis::{AnalysisOptions, analyse};
    use crate::standards::criteria::Criteria;

    /// A GSDF-like response with two uniform fields, the corners of each
    /// `corner` of its centre.
    fn set() -> MeasurementSet {
        let response = (0..=255u16)
            .step_by(15)
            .map(|d| ResponseReading {
                ddl: d,
                luminance_cd_m2: 0.8 * (400.0f64 / 0.8).powf(f64::from(d) / 255.0),
                chromaticity: None,
                flags: Vec::new(),
                origin: Origin::default(),
            })
            .collect();
        let mut set = MeasurementSet::from_readings(MeterSetup::Telescopic, None, 8, response);
        for (ddl, centre) in [(204u16, 200.0), (26, 10.0)] {
            for position in Position::FIVE {
                let corner = position != Position::Centre;
                set.uniformity.push(UniformityReading {
                    position,
                    ddl,
                    luminance_cd_m2: if corner { 0.8 * centre } else { centre },
                    chromaticity: None,
                    flags: Vec::new(),
                });
            }
        }
        set
    }

    fn specs(standard: &str, grade: &str) -> Vec<FigureSpec> {
        let criteria = Criteria::built_in_for(standard).unwrap();
        let options = AnalysisOptions::new(grade, TestType::Acceptance);
        let set = set();
        let a = analyse(&set, &criteria, &options, None).unwrap();
        blocks(&a, &[], &set, Lang::En)
            .into_iter()
            .filter_map(|b| match b {
                Block::Figure(f) => Some(f.spec),
                _ => None,
            })
            .collect()
    }

    /// Issue 11 item 5: the figures draw the criteria table's limits, never
    /// a constant, and the uniformity map shades what the limit is about.
    #[test]
    fn figures_take_their_limits_from_the_criteria_and_shade_the_limited_quantity() {
        let tolerance = |specs: &[FigureSpec]| {
            specs.iter().find_map(|s| match s {
                FigureSpec::ContrastResponse(c) => Some(c.tolerance_fraction),
                _ => None,
            })
        };
        assert_eq!(tolerance(&specs("jesra-x0093", "2")), Some(0.30));
        // DIN class VI sets no GSDF limit: no band is drawn (it was 10 %).
        assert_eq!(tolerance(&specs("din-6868-157", "vi")), Some(0.0));
        let maps: Vec<UniformityMap> = specs("aapm-tg18", "primary")
            .into_iter()
            .filter_map(|s| match s {
                FigureSpec::UniformityMap(m) => Some(m),
                _ => None,
            })
            .collect();
        assert_eq!(maps.len(), 2, "one map per field, UN80 and UN10");
        for m in &maps {
            assert_eq!(m.deviation_limit_percent, 30.0);
            // The corners at 80 % of the centre: each corner's share is
            // 200·(1 − 0.8)/(1 + 0.8) = 22.2 %, the uniformity itself; the
            // centre, the brightest, 0.
            let corner = m.cells.iter().find(|c| (c.row, c.col) == (0, 0)).unwrap();
            assert!((corner.deviation_percent - 200.0 * 0.2 / 1.8).abs() < 1e-9);
            let centre = m.cells.iter().find(|c| (c.row, c.col) == (1, 1)).unwrap();
            assert_eq!(centre.deviation_percent, 0.0);
        }
        let din = specs("din-6868-157", "i");
        let map = din.iter().find_map(|s| match s {
            FigureSpec::UniformityMap(m) => Some(m),
            _ => None,
        });
        assert_eq!(map.unwrap().deviation_limit_percent, 25.0, "DIN homogeneity < 25 %");
    }
}
