//! Colour: CIE chromaticity, u'v' distances between points of a display
//! and along its greyscale.

use serde::{Deserialize, Serialize};

use crate::numbers::measurement::Position;

/// CIE 1931 chromaticity of a reading.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chromaticity {
    /// CIE 1931 x.
    pub x: f64,
    /// CIE 1931 y.
    pub y: f64,
}

impl Chromaticity {
    /// CIE 1976 UCS (u', v') from (x, y): u' = 4x / (−2x + 12y + 3),
    /// v' = 9y / (−2x + 12y + 3) (CIE 15:2004 §8.1).
    pub fn to_uv_prime(self) -> (f64, f64) {
        let d = -2.0 * self.x + 12.0 * self.y + 3.0;
        (4.0 * self.x / d, 9.0 * self.y / d)
    }
}

/// Δu'v' between two chromaticities (CIE 1976 UCS distance).
pub fn delta_uv(a: Chromaticity, b: Chromaticity) -> f64 {
    let (ua, va) = a.to_uv_prime();
    let (ub, vb) = b.to_uv_prime();
    (ua - ub).hypot(va - vb)
}

/// The largest Δu'v' between any two of `points` (AAPM TG18 and IEC 62563-1
/// compare the points of one display pairwise; IEC 62563-1 Annex A sample
/// reports: "between any two of 5/9 points").
pub fn max_pairwise_delta_uv(points: &[(Position, Chromaticity)]) -> Option<f64> {
    let mut worst: Option<f64> = None;
    for (i, (_, a)) in points.iter().enumerate() {
        for (_, b) in &points[i + 1..] {
            let d = delta_uv(*a, *b);
            worst = Some(worst.map_or(d, |w: f64| w.max(d)));
        }
    }
    worst
}

/// Greyscale chromaticity tracking: the largest Δu'v' of any response
/// reading from the brightest one, ignoring readings below 5 cd/m²
/// (IEC 62563-1 Annex A sample reports; pacsDisplay uses the same 5 cd/m²
/// floor).
pub fn greyscale_tracking_delta_uv(readings: &[(f64, Chromaticity)]) -> Option<f64> {
    const FLOOR_CD_M2: f64 = 5.0;
    let (_, reference) = readings.iter().copied().max_by(|a, b| a.0.total_cmp(&b.0))?;
    let deltas: Vec<f64> = readings
        .iter()
        .filter(|(l, _)| *l >= FLOOR_CD_M2)
        .map(|(_, c)| delta_uv(*c, reference))
        .collect();
    if deltas.len() < 2 { None } else { deltas.into_iter().reduce(f64::max) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn uv_prime_of_d65() {
        // CIE 15:2004 Table T.3: D65 (2°) x = 0.31272, y = 0.32903 →
        // u' = 0.19783, v' = 0.46833 (the values pacsDisplay tracks against).
        let (u, v) = Chromaticity { x: 0.31272, y: 0.32903 }.to_uv_prime();
        assert!((u - 0.19783).abs() < 1e-5 && (v - 0.46833).abs() < 1e-5, "{u} {v}");
    }

    #[test]
    fn delta_uv_pairwise_and_tracking() {
        let d65 = Chromaticity { x: 0.3127, y: 0.3290 };
        let warm = Chromaticity { x: 0.3200, y: 0.3350 };
        let pts = [(Position::Centre, d65), (Position::TopLeft, warm), (Position::TopRight, d65)];
        let want = delta_uv(d65, warm);
        assert!(want > 0.003 && want < 0.01, "{want}");
        assert_relative_eq!(max_pairwise_delta_uv(&pts).unwrap(), want);
        // A dark, very different reading is ignored by tracking (< 5 cd/m²).
        let tracking = [(1.0, Chromaticity { x: 0.25, y: 0.25 }), (50.0, warm), (400.0, d65)];
        assert_relative_eq!(greyscale_tracking_delta_uv(&tracking).unwrap(), want);
    }
}
