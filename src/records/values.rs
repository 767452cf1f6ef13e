//! Range and sense checks for the numbers monqc journals and judges — the
//! readings of a session, the values of its header, numbers typed by a
//! person or read from a file — and how offending input is quoted in a
//! message: truncated and escaped, so a 50 MB cell or a control character
//! never floods or garbles the terminal.
//!
//! A number is checked before it is journalled (a journal line is never
//! changed afterwards) and again when a file is read for analysis (a file
//! may come from anywhere). A value that fails is refused with what it is,
//! its value and why it cannot be right.

use std::path::Path;

use crate::numbers::colour::Chromaticity;
use crate::numbers::measurement::Origin;
use crate::numbers::spectrum_locus;
use crate::records::session::{Session, SessionEntry, SessionFileError, SessionHeader};

/// Most characters of an offending input quoted in a message.
pub const QUOTE_MAX_CHARS: usize = 40;

/// The largest diffuse reflection coefficient Rd, 1/π cd·m⁻²·lx⁻¹: a perfect
/// white diffuser (reflectance 1, Lambertian) has L = E/π, so no display
/// face reflects more (the definitions of luminance and illuminance).
pub const RD_MAX_CD_M2_PER_LX: f64 = std::f64::consts::FRAC_1_PI;

/// A value that cannot be right, with what it is and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{what} {value}: {problem}")]
pub struct ValueError {
    /// What the value is (`Rd`, `luminance of JIRA-BN05`, `--noise`, …).
    pub what: String,
    /// The value as shown (see [`number`]).
    pub value: String,
    /// Why it cannot be right, and the fix.
    pub problem: String,
}

fn refuse(what: &str, value: String, problem: &str) -> ValueError {
    ValueError { what: what.to_string(), value, problem: problem.to_string() }
}

/// `text` in backquotes for a message: at most [`QUOTE_MAX_CHARS`]
/// characters (then `…` and the length), control and invisible characters
/// escaped (`\0`, `\u{7}`, `\u{200b}`).
pub fn quote(text: &str) -> String {
    let total = text.chars().count();
    let mut out = String::from("`");
    for c in text.chars().take(QUOTE_MAX_CHARS) {
        if is_unseen(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    if total > QUOTE_MAX_CHARS {
        out.push_str(&format!("…` ({total} characters)"));
    } else {
        out.push('`');
    }
    out
}

/// True for characters a terminal does not show as themselves: control
/// characters, zero-width and direction marks, the byte-order mark.
pub fn is_unseen(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}')
        || c == '\u{FEFF}'
}

/// A number for a message: as Rust prints it when that is short, else in
/// exponent form (1e308, not 309 digits).
pub fn number(v: f64) -> String {
    let plain = format!("{v}");
    if plain.len() <= 20 { plain } else { format!("{v:e}") }
}

fn finite(what: &str, v: f64, unit: &str) -> Result<f64, ValueError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(refuse(
            what,
            number(v),
            &format!("not a finite number; give a number of {unit} as the meter showed it"),
        ))
    }
}

/// A luminance in cd/m² (a reading, Lamb, a model's level): finite and not
/// negative.
pub fn luminance(what: &str, v: f64) -> Result<f64, ValueError> {
    finite(what, v, "cd/m²")?;
    if v < 0.0 {
        return Err(refuse(
            what,
            number(v),
            "a luminance cannot be negative; check the sign, and the meter's zero calibration",
        ));
    }
    Ok(v)
}

/// An illuminance in lx: finite and not negative.
pub fn illuminance(what: &str, v: f64) -> Result<f64, ValueError> {
    finite(what, v, "lx")?;
    if v < 0.0 {
        return Err(refuse(what, number(v), "an illuminance cannot be negative; check the sign"));
    }
    Ok(v)
}

/// A diffuse reflection coefficient Rd in cd·m⁻²·lx⁻¹: finite, above 0 and
/// at most [`RD_MAX_CD_M2_PER_LX`].
pub fn rd(what: &str, v: f64) -> Result<f64, ValueError> {
    finite(what, v, "cd·m⁻²·lx⁻¹")?;
    if v <= 0.0 {
        return Err(refuse(
            what,
            number(v),
            "Rd must be above 0 (every display face reflects some light); give the value from \
             the display maker, in cd·m⁻²·lx⁻¹",
        ));
    }
    if v > RD_MAX_CD_M2_PER_LX {
        return Err(refuse(
            what,
            number(v),
            "Rd cannot exceed 1/π ≈ 0.318 cd·m⁻²·lx⁻¹, the reflection of a perfect white \
             diffuser; check the unit (cd·m⁻²·lx⁻¹, not %)",
        ));
    }
    Ok(v)
}

/// A CIE 1931 chromaticity: finite, x and y in 0–1 with x + y ≤ 1, and
/// inside the spectrum locus ([`spectrum_locus::is_inside`]).
pub fn chromaticity(what: &str, c: Chromaticity) -> Result<Chromaticity, ValueError> {
    let shown = format!("x {} y {}", number(c.x), number(c.y));
    if !c.x.is_finite() || !c.y.is_finite() {
        return Err(refuse(what, shown, "not a finite chromaticity; measure the patch again"));
    }
    if c.x == 0.0 && c.y == 0.0 {
        return Err(refuse(
            what,
            shown,
            "0, 0 is not a colour; when the chromaticity was not measured leave x and y empty",
        ));
    }
    if !(0.0..=1.0).contains(&c.x) || !(0.0..=1.0).contains(&c.y) || c.x + c.y > 1.0 {
        return Err(refuse(
            what,
            shown,
            "chromaticity coordinates x and y lie between 0 and 1 with x + y ≤ 1; tristimulus \
             values X, Y, Z are not chromaticity (x = X/(X+Y+Z), y = Y/(X+Y+Z))",
        ));
    }
    if !spectrum_locus::is_inside(c) {
        return Err(refuse(
            what,
            shown,
            "outside the CIE 1931 spectrum locus: no light has this colour; check the columns \
             and the meter",
        ));
    }
    Ok(c)
}

/// Bits per DDL of the patterns: 8 or 10.
pub fn bit_depth(what: &str, bits: u8) -> Result<u8, ValueError> {
    if matches!(bits, 8 | 10) {
        Ok(bits)
    } else {
        Err(refuse(what, bits.to_string(), "use 8 or 10 bits per DDL"))
    }
}

/// The highest DDL at `bits` bits per DDL (1 to 16 bits; more saturates).
pub fn full_scale(bits: u8) -> u16 {
    1u32.checked_shl(u32::from(bits)).map_or(u16::MAX, |v| (v - 1).min(u32::from(u16::MAX)) as u16)
}

/// A session header's values: bit depth, Rd and the site's L'max-change
/// tolerance.
pub fn header(h: &SessionHeader) -> Result<(), ValueError> {
    bit_depth("bit_depth", h.bit_depth)?;
    if let Some(v) = h.rd_cd_m2_per_lx {
        rd("Rd", v)?;
    }
    if let Some(p) = h.lmax_change_limit_percent {
        percentage("lmax_change_limit_percent", p)?;
    }
    Ok(())
}

/// A tolerance in %: finite, above 0 and at most 100.
pub fn percentage(what: &str, v: f64) -> Result<f64, ValueError> {
    if v.is_finite() && v > 0.0 && v <= 100.0 {
        Ok(v)
    } else {
        Err(refuse(what, number(v), "give a percentage above 0 and at most 100 (for example 10.0)"))
    }
}

/// A session entry's numbers, for a session of `bits` bits per DDL.
pub fn entry(e: &SessionEntry, bits: u8) -> Result<(), ValueError> {
    let patch = |pattern: &str,
                 ddl: u16,
                 l: f64,
                 c: Option<Chromaticity>,
                 settle_s: Option<f64>|
     -> Result<(), ValueError> {
        let what = |q: &str| format!("{pattern} (DDL {ddl}) {q}");
        if ddl > full_scale(bits) {
            return Err(refuse(
                &what("DDL"),
                ddl.to_string(),
                &format!("the DDLs of {bits}-bit patterns run from 0 to {}", full_scale(bits)),
            ));
        }
        luminance(&what("luminance cd/m²"), l)?;
        if let Some(c) = c {
            chromaticity(&what("chromaticity"), c)?;
        }
        if let Some(s) = settle_s
            && !(s.is_finite() && s >= 0.0)
        {
            return Err(refuse(&what("settling time s"), number(s), "not a time"));
        }
        Ok(())
    };
    match e {
        SessionEntry::AmbientLuminance { luminance_cd_m2, .. } => {
            luminance("ambient luminance (display off) cd/m²", *luminance_cd_m2).map(drop)
        }
        SessionEntry::Illuminance { illuminance_lx, .. } => {
            illuminance("illuminance lx", *illuminance_lx).map(drop)
        }
        SessionEntry::Response { pattern, ddl, luminance_cd_m2, chromaticity, settle, .. } => {
            patch(pattern, *ddl, *luminance_cd_m2, *chromaticity, settle.map(|s| s.seconds))
        }
        SessionEntry::Uniformity {
            pattern,
            position,
            ddl,
            luminance_cd_m2,
            chromaticity,
            settle,
            ..
        } => patch(
            &format!("{pattern} {position}"),
            *ddl,
            *luminance_cd_m2,
            *chromaticity,
            settle.map(|s| s.seconds),
        ),
        _ => Ok(()),
    }
}

/// Every value of a session read from `path`: its header, then each entry
/// (an error names the line).
pub fn session(s: &Session, path: &Path) -> Result<(), SessionFileError> {
    let at = |line: usize, e: ValueError| SessionFileError::Content {
        origin: Origin { path: Some(path.to_owned()), line: Some(line) },
        problem: format!("{e}; this session cannot be judged"),
    };
    header(&s.header).map_err(|e| at(1, e))?;
    for (i, e) in s.entries.iter().enumerate() {
        entry(e, s.header.bit_depth).map_err(|err| at(i + 2, err))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_truncates_and_escapes() {
        assert_eq!(quote("0.52"), "`0.52`");
        assert_eq!(quote("4\u{0} 5"), "`4\\0 5`");
        assert_eq!(quote("a\u{7}\u{200B}b"), "`a\\u{7}\\u{200b}b`");
        assert_eq!(quote("C:\\data \"x\""), "`C:\\data \"x\"`", "backslashes and quotes as typed");
        let long = "7".repeat(50_000_000 / 100);
        let q = quote(&long);
        assert!(q.len() < 80 && q.ends_with("…` (500000 characters)"), "{q}");
        assert_eq!(quote("読影室"), "`読影室`");
    }

    #[test]
    fn numbers_stay_short() {
        assert_eq!(number(0.52), "0.52");
        assert_eq!(number(-1.0), "-1");
        assert_eq!(number(1e308), "1e308");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn each_impossible_value_is_refused_with_the_reason() {
        let e = |r: Result<f64, ValueError>| r.unwrap_err().to_string();
        assert!(e(luminance("L", f64::NAN)).contains("L NaN: not a finite number"));
        assert!(e(luminance("L", -0.2)).contains("cannot be negative"));
        assert!(e(illuminance("E", f64::INFINITY)).contains("E inf: not a finite"));
        assert!(e(rd("Rd", -1.0)).contains("Rd -1: Rd must be above 0"));
        assert!(e(rd("Rd", 0.0)).contains("above 0"));
        assert!(e(rd("Rd", 0.5)).contains("1/π"));
        assert_eq!(rd("Rd", 0.005), Ok(0.005));
        assert_eq!(rd("Rd", RD_MAX_CD_M2_PER_LX), Ok(RD_MAX_CD_M2_PER_LX));
        let c = |x, y| chromaticity("c", Chromaticity { x, y });
        assert!(c(0.3127, 0.3290).is_ok());
        assert!(c(0.0, 0.0).unwrap_err().problem.contains("not a colour"));
        assert!(c(1.5, 0.0).unwrap_err().problem.contains("between 0 and 1"));
        assert!(c(0.6, 0.5).unwrap_err().problem.contains("x + y ≤ 1"));
        assert!(c(0.4, 0.05).unwrap_err().problem.contains("spectrum locus"));
        assert!(c(f64::NAN, 0.3).unwrap_err().problem.contains("finite"));
        assert!(bit_depth("bits", 40).is_err() && bit_depth("bits", 10).is_ok());
        assert_eq!(full_scale(8), 255);
        assert_eq!(full_scale(10), 1023);
        assert_eq!(full_scale(0), 0);
        assert_eq!(full_scale(40), u16::MAX, "saturates instead of wrapping");
    }
}
