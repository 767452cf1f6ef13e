//! JIRA BN01–BN18: the measurement patterns JESRA X-0093*B-2017 uses for contrast
//! response, maximum luminance and luminance ratio (JIRA, Japan Medical Imaging and
//! Radiological Systems Industries Association; the guideline's §6.6 covers how its
//! test patterns are used).
//!
//! What the guideline gives [✔]: 18 patterns, a centre patch at DDL 0, 15, …, 255
//! (BN01 → 0, BN18 → 255), measured at the patch centre, in two variants: on a black
//! background, and on a background at the grey level that gives 20 % of the maximum
//! luminance (「最大輝度の20%になる階調」). That level depends on the display, so the
//! caller passes it (the root crate computes it from the display's response).
//!
//! Choices, because no source we could read gives the BN patch geometry [?]:
//! - the patch is the TG18-LN12 square (centred, 10 % of the display area,
//!   `round(√(0.1 · w · h))` px) — the same design as the "20 %" background wording;
//! - patch levels `round((n − 1) / 17 · max)`: 8-bit 0, 15, …, 255; 10-bit 0, 60,
//!   120, …, 1023;
//! - when no background DDL is given for the 20 % variant, [`default_bn_background`]
//!   is used: the TG18-LN12 background (2464 of 4080, 8-bit 154, 10-bit 618), which
//!   gives ≈ 20 % of Lmax on a GSDF-calibrated display (see [`crate::tg18::ln`]);
//! - the label reads "SYNTHETIC PATTERN / JIRA BNnn STYLE / JESRA X-0093" plus size
//!   and bit depth, at the top, an eighth of full scale away from the background (dim, to add
//!   little stray light).

use crate::tg18::check_min_side;
use crate::tg18::ln::{LN_BACKGROUND_FRACTION, centre_patch_spec};
use crate::{BitDepth, BnBackground, PatternError, PatternParams, PatternSpec};

/// Background DDL used for the "20 % of maximum luminance" variant when the caller
/// gives none: the TG18-LN12 background, `round(2464 / 4080 · max)` (8-bit 154,
/// 10-bit 618). On a GSDF-calibrated display this level gives about 20 % of Lmax; for
/// a real test compute the level from the display's measured response instead.
pub fn default_bn_background(bit_depth: BitDepth) -> u16 {
    bit_depth.ddl_from_fraction(LN_BACKGROUND_FRACTION)
}

/// Generates JIRA BN`n` (n = 1…18) on the given background.
pub(crate) fn generate(
    n: u8,
    background: BnBackground,
    params: &PatternParams,
) -> Result<PatternSpec, PatternError> {
    let suffix = match background {
        BnBackground::Black => "",
        BnBackground::Luminance20 => "-L20",
    };
    let name = format!("JIRA-BN{n:02}{suffix}");
    if !(1..=18).contains(&n) {
        return Err(PatternError::UnknownName(name));
    }
    check_min_side(&name, params)?;
    let depth = params.bit_depth;
    let background_ddl = match background {
        BnBackground::Black => 0,
        BnBackground::Luminance20 => match params.background_ddl {
            Some(ddl) => depth.check_ddl(u32::from(ddl))?,
            None => default_bn_background(depth),
        },
    };
    let patch = depth.ddl_from_fraction(f64::from(n - 1) / 17.0);
    let mut size = format!("{}X{} {}-BIT", params.width, params.height, depth.bits());
    if background == BnBackground::Luminance20 {
        size.push_str(&format!(" BG {background_ddl}"));
    }
    let label = vec![
        "SYNTHETIC PATTERN".to_string(),
        format!("JIRA BN{n:02} STYLE"),
        "JESRA X-0093".to_string(),
        size,
    ];
    Ok(centre_patch_spec(name, label, params, background_ddl, patch))
}
