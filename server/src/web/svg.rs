//! Trend figures as inline SVG, drawn on the server (no script, printable).

use std::fmt::Write;

/// One trend figure: a quantity over time against its baseline and limit.
pub struct Trend<'a> {
    /// Title (with symbol and unit).
    pub title: &'a str,
    /// (unix seconds, value, from an acceptance test).
    pub points: Vec<(i64, f64, bool)>,
    /// The baseline value (the latest acceptance test).
    pub baseline: Option<f64>,
    /// The limit: comparison symbol and value.
    pub limit: Option<(String, f64)>,
    /// Legend words: baseline, limit.
    pub words: (&'a str, &'a str),
}

const W: f64 = 440.0;
const H: f64 = 230.0;
const LEFT: f64 = 58.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 26.0;
const BOTTOM: f64 = 34.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A "nice" step near `range / 4` (1, 2 or 5 times a power of ten).
fn nice_step(range: f64) -> f64 {
    let raw = (range / 4.0).max(f64::MIN_POSITIVE);
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * p).find(|s| *s >= raw).unwrap_or(10.0 * p)
}

fn label(v: f64, step: f64) -> String {
    let digits = if step >= 1.0 { 0 } else { (-step.log10().floor()) as usize };
    format!("{v:.digits$}")
}

impl Trend<'_> {
    /// The SVG element.
    pub fn svg(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img" aria-label="{t}" font-family="sans-serif" font-size="11">"#,
            t = esc(self.title)
        );
        let _ = write!(
            s,
            r#"<text x="{LEFT}" y="16" font-size="13" font-weight="600">{}</text>"#,
            esc(self.title)
        );
        if self.points.is_empty() {
            let _ =
                write!(s, r##"<text x="{}" y="{}" fill="#666">—</text></svg>"##, W / 2.0, H / 2.0);
            return s;
        }
        let (mut t0, mut t1) =
            self.points.iter().fold((i64::MAX, i64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
        if t1 - t0 < 86_400 * 30 {
            t0 -= 86_400 * 15;
            t1 += 86_400 * 15;
        }
        let mut values: Vec<f64> = self.points.iter().map(|p| p.1).collect();
        values.extend(self.baseline);
        values.extend(self.limit.as_ref().map(|l| l.1));
        let (mut lo, mut hi) =
            values.iter().fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
        let pad = ((hi - lo) * 0.12).max(hi.abs() * 0.02).max(1e-6);
        lo -= pad;
        hi += pad;
        let step = nice_step(hi - lo);
        lo = (lo / step).floor() * step;
        hi = (hi / step).ceil() * step;
        let x = |t: i64| LEFT + (t - t0) as f64 / (t1 - t0) as f64 * (W - LEFT - RIGHT);
        let y = |v: f64| TOP + (hi - v) / (hi - lo) * (H - TOP - BOTTOM);
        // Axes and grid.
        let mut v = lo;
        while v <= hi + step * 0.5 {
            let _ = write!(
                s,
                r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#e4e4e4"/><text x="{}" y="{:.1}" text-anchor="end" fill="#444">{}</text>"##,
                W - RIGHT,
                LEFT - 4.0,
                y(v) + 4.0,
                label(v, step),
                y = y(v)
            );
            v += step;
        }
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{}" stroke="#888"/><line x1="{LEFT}" x2="{}" y1="{b}" y2="{b}" stroke="#888"/>"##,
            H - BOTTOM,
            W - RIGHT,
            b = H - BOTTOM
        );
        for i in 0..=3 {
            let t = t0 + (t1 - t0) * i / 3;
            let when = chrono::DateTime::from_timestamp(t, 0)
                .map(|d| d.format("%Y-%m").to_string())
                .unwrap_or_default();
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{}" text-anchor="middle" fill="#444">{when}</text>"##,
                x(t).clamp(LEFT + 18.0, W - RIGHT - 18.0),
                H - BOTTOM + 15.0
            );
        }
        // Limit and baseline.
        if let Some((cmp, lim)) = &self.limit {
            let _ = write!(
                s,
                r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#b3261e" stroke-width="1.5"/><text x="{}" y="{:.1}" text-anchor="end" fill="#b3261e">{} {} {}</text>"##,
                W - RIGHT,
                W - RIGHT - 2.0,
                y(*lim) - 3.0,
                esc(self.words.1),
                esc(cmp),
                label(*lim, step / 10.0),
                y = y(*lim)
            );
        }
        if let Some(b) = self.baseline {
            let _ = write!(
                s,
                r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#1f5fa8" stroke-dasharray="5 3"/><text x="{}" y="{:.1}" fill="#1f5fa8">{}</text>"##,
                W - RIGHT,
                LEFT + 4.0,
                y(b) - 3.0,
                esc(self.words.0),
                y = y(b)
            );
        }
        // The series.
        let mut pts = self.points.clone();
        pts.sort_by_key(|p| p.0);
        let path: Vec<String> =
            pts.iter().map(|p| format!("{:.1},{:.1}", x(p.0), y(p.1))).collect();
        let _ = write!(
            s,
            r##"<polyline fill="none" stroke="#333" stroke-width="1.2" points="{}"/>"##,
            path.join(" ")
        );
        for (t, v, acceptance) in &pts {
            if *acceptance {
                let _ = write!(
                    s,
                    r##"<rect x="{:.1}" y="{:.1}" width="7" height="7" fill="#1f5fa8"><title>{v}</title></rect>"##,
                    x(*t) - 3.5,
                    y(*v) - 3.5
                );
            } else {
                let _ = write!(
                    s,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="#333"><title>{v}</title></circle>"##,
                    x(*t),
                    y(*v)
                );
            }
        }
        s.push_str("</svg>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_nice_and_cover_the_range() {
        assert_eq!(nice_step(40.0), 10.0);
        assert_eq!(nice_step(7.0), 2.0);
        assert_eq!(nice_step(0.3), 0.1);
        assert_eq!(nice_step(900.0), 500.0);
    }

    #[test]
    fn a_figure_draws_every_point_the_limit_and_the_baseline() {
        let t = Trend {
            title: "L'max <cd/m²>",
            points: vec![
                (1_700_000_000, 400.0, true),
                (1_710_000_000, 390.0, false),
                (1_720_000_000, 372.5, false),
            ],
            baseline: Some(400.0),
            limit: Some(("≥".into(), 350.0)),
            words: ("baseline", "limit"),
        };
        let svg = t.svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert_eq!(svg.matches("<rect").count(), 1);
        assert!(svg.contains("limit ≥ 350"));
        assert!(svg.contains("L'max &lt;cd/m²&gt;"), "titles are escaped");
        assert!(svg.contains("stroke-dasharray"));
    }
}
