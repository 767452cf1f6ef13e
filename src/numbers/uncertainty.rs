//! Measurement uncertainty of the figures a verdict rests on, propagated
//! from what each meter's maker states of its accuracy and repeatability.
//!
//! Method: JCGM 100:2008, *Evaluation of measurement data — Guide to the
//! expression of uncertainty in measurement* (the GUM):
//! - a stated tolerance ± a with nothing known of its distribution is taken
//!   as the half-width of a rectangular distribution, standard uncertainty
//!   u = a / √3 (GUM §4.3.7);
//! - the combined standard uncertainty of y = f(x₁ … x_N) is the first-order
//!   ("law of propagation of uncertainty") sum, u_c²(y) = Σ cᵢ² u²(xᵢ) for
//!   independent inputs (GUM §5.1.2, eq. (10)), with sensitivity
//!   coefficients cᵢ = ∂f/∂xᵢ, here evaluated by central differences
//!   (GUM §5.1.3 allows them to be found numerically);
//! - the part of a meter's accuracy that is a scale (gain) error of its
//!   calibration is the same for every reading of that meter, so those
//!   contributions are fully correlated (r = +1) and add linearly,
//!   u_c = |Σ cᵢ uᵢ| (GUM §5.2.2, note 1). This is why a gain error cancels in
//!   r′, Kδ and uniformity, which are ratios of readings of one meter;
//! - the expanded uncertainty U = k · u_c with coverage factor k = 2, about
//!   95 % for a normal distribution (GUM §6.2.1, §6.3.3).
//!
//! The meter's repeatability and the "± n digits" of its display are taken
//! as independent from reading to reading. The display digit is taken as
//! the fourth significant digit of the value (monqc's assumption: the
//! meters covered give four significant digits; each meter's manual gives
//! its own resolution). Rd (Lamb = Rd · E) is taken as exact: no maker
//! states its uncertainty.

use serde::{Deserialize, Serialize};

/// A stated tolerance: ± `relative` of the reading ± `absolute` (in the
/// quantity's unit) ± `digits` of the meter's last displayed digit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    /// Relative part (0.02 = 2 %).
    #[serde(default)]
    pub relative: f64,
    /// Absolute part, in the quantity's unit.
    #[serde(default)]
    pub absolute: f64,
    /// Digits of the display.
    #[serde(default)]
    pub digits: u32,
}

impl Tolerance {
    /// ± `percent` % of the reading ± `digits` digits.
    pub const fn percent_digits(percent: f64, digits: u32) -> Self {
        Self { relative: percent / 100.0, absolute: 0.0, digits }
    }
}

/// How far a maker's figure can be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// Read in the maker's own published document.
    Vendor,
    /// A third party quoting the maker.
    Secondary,
    /// The catalogue figure as commonly quoted; the document was not found.
    Unconfirmed,
}

/// What one meter's maker states, as recorded with a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeterPerformance {
    /// Luminance accuracy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub luminance_accuracy: Option<Tolerance>,
    /// Luminance repeatability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub luminance_repeatability: Option<Tolerance>,
    /// Illuminance accuracy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub illuminance_accuracy: Option<Tolerance>,
    /// Illuminance repeatability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub illuminance_repeatability: Option<Tolerance>,
    /// Where the figures come from.
    pub source: String,
    /// How far they can be trusted.
    pub confidence: Confidence,
}

/// Which quantity a reading is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// Luminance, cd/m².
    Luminance,
    /// Illuminance, lx.
    Illuminance,
}

/// One input of a propagation: its value and its standard uncertainties.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Input {
    /// The value.
    pub value: f64,
    /// Standard uncertainty independent from input to input.
    pub independent: f64,
    /// Standard uncertainty fully correlated with the other inputs of the
    /// same `group` (one meter's calibration gain).
    pub correlated: f64,
    /// Inputs of one group share their correlated part.
    pub group: usize,
}

/// The last displayed digit for `value`: its fourth significant digit.
///
/// Computed from the decimal text of the number, not with `log10` and
/// `powi`: those come from the platform's maths library, and mingw-w64's
/// (Windows) gives `10f64.powi(-3)` as 0.0010000000000000002, so a record
/// would recompute differently on Windows than where it was finalised.
pub fn display_digit(value: f64) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return 0.0;
    }
    let exponent = format!("{:e}", value.abs())
        .split_once('e')
        .and_then(|(_, e)| e.parse::<i32>().ok())
        .expect("`{:e}` of a finite number has an exponent");
    // The nearest f64 to 10^(exponent − 3), correctly rounded by the parser.
    format!("1e{}", exponent - 3).parse().expect("a power of ten parses")
}

impl MeterPerformance {
    /// The input a reading of `value` makes, in correlation `group`; `None`
    /// when the maker states no accuracy for the quantity.
    pub fn input(&self, quantity: Quantity, value: f64, group: usize) -> Option<Input> {
        let (accuracy, repeatability) = match quantity {
            Quantity::Luminance => (self.luminance_accuracy, self.luminance_repeatability),
            Quantity::Illuminance => (self.illuminance_accuracy, self.illuminance_repeatability),
        };
        let accuracy = accuracy?;
        let digit = display_digit(value);
        let sqrt3 = 3f64.sqrt();
        // GUM §4.3.7: a bound ± a gives u = a / √3.
        let fixed = (accuracy.absolute + f64::from(accuracy.digits) * digit) / sqrt3;
        let repeat = repeatability.map_or(0.0, |r| {
            (r.relative * value.abs() + r.absolute + f64::from(r.digits) * digit) / sqrt3
        });
        Some(Input {
            value,
            independent: fixed.hypot(repeat),
            correlated: accuracy.relative * value.abs() / sqrt3,
            group,
        })
    }
}

/// A result's uncertainty as a verdict carries it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Uncertainty {
    /// Combined standard uncertainty u_c, in the result's unit.
    pub standard: f64,
    /// Coverage factor k.
    pub coverage_factor: f64,
    /// Expanded uncertainty U = k · u_c.
    pub expanded: f64,
    /// value − U.
    pub low: f64,
    /// value + U.
    pub high: f64,
}

/// Coverage factor used throughout (GUM §6.3.3: k = 2, about 95 %).
pub const COVERAGE_FACTOR: f64 = 2.0;

/// Propagate the uncertainties of `inputs` to y = `f`(values) (GUM §5.1.2
/// and §5.2.2 as the module says). `f` returns `None` where it is not
/// defined. Returns `None` when y itself is not defined.
pub fn propagate(inputs: &[Input], f: impl Fn(&[f64]) -> Option<f64>) -> Option<Uncertainty> {
    let x: Vec<f64> = inputs.iter().map(|i| i.value).collect();
    let y = f(&x).filter(|y| y.is_finite())?;
    let mut independent = 0.0;
    let mut correlated: std::collections::BTreeMap<usize, f64> = Default::default();
    for (i, input) in inputs.iter().enumerate() {
        if input.independent == 0.0 && input.correlated == 0.0 {
            continue;
        }
        let c = sensitivity(&x, i, &f, y);
        independent += (c * input.independent).powi(2);
        *correlated.entry(input.group).or_default() += c * input.correlated;
    }
    let standard = (independent + correlated.values().map(|s| s * s).sum::<f64>()).sqrt();
    let expanded = COVERAGE_FACTOR * standard;
    Some(Uncertainty {
        standard,
        coverage_factor: COVERAGE_FACTOR,
        expanded,
        low: y - expanded,
        high: y + expanded,
    })
}

/// ∂f/∂xᵢ by a central difference (one-sided where f is not defined on one
/// side), with a step of 10⁻⁵ of the value.
fn sensitivity(x: &[f64], i: usize, f: &impl Fn(&[f64]) -> Option<f64>, y: f64) -> f64 {
    let h = (x[i].abs() * 1e-5).max(1e-12);
    let at = |d: f64| {
        let mut v = x.to_vec();
        v[i] += d;
        f(&v).filter(|y| y.is_finite())
    };
    match (at(h), at(-h)) {
        (Some(up), Some(down)) => (up - down) / (2.0 * h),
        (Some(up), None) => (up - y) / h,
        (None, Some(down)) => (y - down) / h,
        (None, None) => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn ls100() -> MeterPerformance {
        MeterPerformance {
            luminance_accuracy: Some(Tolerance::percent_digits(2.0, 1)),
            luminance_repeatability: Some(Tolerance::percent_digits(0.2, 1)),
            illuminance_accuracy: None,
            illuminance_repeatability: None,
            source: "test".into(),
            confidence: Confidence::Unconfirmed,
        }
    }

    #[test]
    fn a_single_reading_has_the_rectangular_uncertainty_of_its_tolerance() {
        // 400 cd/m², ±2 % ±1 digit (0.1), repeatability ±0.2 % ±1 digit:
        // u = √((8/√3)² + (0.1/√3)² + (0.9/√3)²) by GUM §4.3.7 and eq. (10).
        let input = ls100().input(Quantity::Luminance, 400.0, 0).unwrap();
        assert_relative_eq!(input.correlated, 8.0 / 3f64.sqrt(), epsilon = 1e-12);
        let u = propagate(&[input], |x| Some(x[0])).unwrap();
        let want = (8.0f64.powi(2) + 0.1f64.powi(2) + 0.9f64.powi(2)).sqrt() / 3f64.sqrt();
        assert_relative_eq!(u.standard, want, epsilon = 1e-9);
        assert_relative_eq!(u.expanded, 2.0 * want, epsilon = 1e-9);
        assert_relative_eq!(u.high - u.low, 4.0 * want, epsilon = 1e-9);
        assert_eq!(ls100().input(Quantity::Illuminance, 50.0, 1), None, "no stated figure");
    }

    #[test]
    fn a_common_gain_error_cancels_in_a_ratio_but_not_in_a_sum() {
        // Only the correlated part: r = a/b has ∂r/∂a·u_a + ∂r/∂b·u_b = 0
        // when u ∝ value (GUM §5.2.2 note 1 with r = +1).
        let gain = |v: f64| Input { value: v, independent: 0.0, correlated: 0.02 * v, group: 0 };
        let ratio = propagate(&[gain(400.0), gain(1.6)], |x| Some(x[0] / x[1])).unwrap();
        assert!(ratio.standard < 1e-6, "{}", ratio.standard);
        let sum = propagate(&[gain(400.0), gain(1.6)], |x| Some(x[0] + x[1])).unwrap();
        assert_relative_eq!(sum.standard, 0.02 * 401.6, epsilon = 1e-6);
        // In different groups (two meters) they add in quadrature.
        let other = Input { group: 1, ..gain(1.6) };
        let ratio = propagate(&[gain(400.0), other], |x| Some(x[0] / x[1])).unwrap();
        assert_relative_eq!(ratio.standard, 250.0 * 0.02 * 2f64.sqrt(), epsilon = 1e-4);
    }

    #[test]
    fn display_digits_are_the_fourth_significant_digit() {
        assert_eq!(display_digit(400.0), 0.1);
        assert_eq!(display_digit(1.6), 0.001);
        assert_eq!(display_digit(0.0), 0.0);
        assert_eq!(display_digit(-0.012345), 0.00001);
        assert_eq!(display_digit(9999.0), 1.0);
        assert_eq!(display_digit(1000.0), 1.0);
    }
}
