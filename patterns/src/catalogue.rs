//! Pattern names and the generator behind each.

use std::fmt;
use std::str::FromStr;

use crate::tg18::uniformity::UnLevel;
use crate::tg18::{ct, ln, qc, uniformity};
use crate::{BitDepth, PatternError, PatternSpec, jira, uniform};

/// Background of a JIRA BN pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BnBackground {
    /// DDL 0 (names `JIRA-BN01` … `JIRA-BN18`).
    Black,
    /// The DDL giving 20 % of the display's maximum luminance, passed in
    /// [`PatternParams::background_ddl`] (names `JIRA-BN01-L20` … `JIRA-BN18-L20`).
    Luminance20,
}

/// A pattern this crate can generate, parsed from its name (case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatternId {
    /// `TG18-QC` ([`crate::tg18::qc`]).
    Tg18Qc,
    /// `TG18-UN80`, `TG18-UN10` (`outlined == false`), `TG18-UNL80`, `TG18-UNL10`
    /// ([`crate::tg18::uniformity`]).
    Tg18Un {
        /// 80 % or 10 % field.
        level: UnLevel,
        /// Draw the outlines of the five measurement squares (the UNL variants).
        outlined: bool,
    },
    /// `TG18-LN12-01` … `TG18-LN12-18` ([`crate::tg18::ln`]).
    Tg18Ln12(u8),
    /// `TG18-CT` ([`crate::tg18::ct`]).
    Tg18Ct,
    /// `JIRA-BN01` … `JIRA-BN18` and `JIRA-BN01-L20` … `JIRA-BN18-L20` ([`crate::jira`]).
    JiraBn {
        /// Patch number 1…18.
        index: u8,
        /// Black or 20 %-luminance background.
        background: BnBackground,
    },
    /// `UNIFORM-<DDL>`: a uniform field at that DDL (of the requested bit depth;
    /// [`crate::uniform`]).
    Uniform(u32),
}

/// Largest display side a pattern is drawn at, in pixels.
///
/// A choice, not a sourced value: more than twice the side of the widest medical
/// display panels (8K, 7680 px), and the largest 2D texture side Direct3D 11
/// guarantees. Sizes are checked before anything is allocated, so a mistyped size
/// is an error rather than an out-of-memory abort.
pub const MAX_SIDE_PX: u32 = 16_384;

/// Largest width × height a pattern is drawn at: 2²⁶ = 67,108,864 pixels
/// (8192 × 8192, or about twice an 8K UHD panel's 33 MP).
///
/// A choice, not a sourced value: it bounds a raster at 128 MiB (2 bytes a pixel)
/// and the presenter's frame at 256 MiB (4 bytes a pixel).
pub const MAX_PIXELS: u64 = 1 << 26;

/// Display size, bit depth and the optional background DDL of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatternParams {
    /// Display width in pixels.
    pub width: u32,
    /// Display height in pixels.
    pub height: u32,
    /// Bit depth of the output.
    pub bit_depth: BitDepth,
    /// Background DDL for `JIRA-BNnn-L20` (ignored by the other patterns); `None`
    /// uses [`crate::default_bn_background`].
    pub background_ddl: Option<u16>,
}

impl PatternParams {
    /// Parameters for a `width`×`height` display at `bit_depth`, no background DDL.
    pub fn new(width: u32, height: u32, bit_depth: BitDepth) -> Self {
        Self { width, height, bit_depth, background_ddl: None }
    }
}

impl PatternId {
    /// Builds the pattern for the display described by `params`.
    ///
    /// Sizes over [`MAX_SIDE_PX`] on a side or [`MAX_PIXELS`] in all are refused
    /// ([`PatternError::TooLarge`]) before anything is allocated.
    pub fn generate(&self, params: &PatternParams) -> Result<PatternSpec, PatternError> {
        let (width, height) = (params.width, params.height);
        if width.max(height) > MAX_SIDE_PX || u64::from(width) * u64::from(height) > MAX_PIXELS {
            return Err(PatternError::TooLarge {
                name: self.to_string(),
                width,
                height,
                max_side_px: MAX_SIDE_PX,
                max_pixels: MAX_PIXELS,
            });
        }
        match *self {
            Self::Tg18Qc => qc::generate(params),
            Self::Tg18Un { level, outlined } => uniformity::generate(level, outlined, params),
            Self::Tg18Ln12(n) => ln::generate(n, params),
            Self::Tg18Ct => ct::generate(params),
            Self::JiraBn { index, background } => jira::generate(index, background, params),
            Self::Uniform(ddl) => uniform::generate(ddl, params),
        }
    }

    /// True for the patterns whose background the caller may set
    /// ([`PatternParams::background_ddl`]).
    pub fn takes_background_ddl(&self) -> bool {
        matches!(self, Self::JiraBn { background: BnBackground::Luminance20, .. })
    }
}

impl fmt::Display for PatternId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Tg18Qc => f.write_str(qc::NAME),
            Self::Tg18Un { level, outlined } => {
                write!(f, "TG18-{}{}", if outlined { "UNL" } else { "UN" }, level.percent())
            }
            Self::Tg18Ln12(n) => write!(f, "TG18-LN12-{n:02}"),
            Self::Tg18Ct => f.write_str(ct::NAME),
            Self::JiraBn { index, background: BnBackground::Black } => {
                write!(f, "JIRA-BN{index:02}")
            }
            Self::JiraBn { index, background: BnBackground::Luminance20 } => {
                write!(f, "JIRA-BN{index:02}-L20")
            }
            Self::Uniform(ddl) => write!(f, "UNIFORM-{ddl}"),
        }
    }
}

impl FromStr for PatternId {
    type Err = PatternError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        let unknown = || PatternError::UnknownName(s.to_string());
        let number = |digits: &str| -> Result<u8, PatternError> {
            match digits.parse::<u8>() {
                Ok(n @ 1..=18) if digits.len() == 2 => Ok(n),
                _ => Err(unknown()),
            }
        };
        let id = match upper.as_str() {
            "TG18-QC" => Self::Tg18Qc,
            "TG18-CT" => Self::Tg18Ct,
            "TG18-UN80" => Self::Tg18Un { level: UnLevel::Eighty, outlined: false },
            "TG18-UN10" => Self::Tg18Un { level: UnLevel::Ten, outlined: false },
            "TG18-UNL80" => Self::Tg18Un { level: UnLevel::Eighty, outlined: true },
            "TG18-UNL10" => Self::Tg18Un { level: UnLevel::Ten, outlined: true },
            other => {
                if let Some(digits) = other.strip_prefix("TG18-LN12-") {
                    Self::Tg18Ln12(number(digits)?)
                } else if let Some(rest) = other.strip_prefix("JIRA-BN") {
                    match rest.strip_suffix("-L20") {
                        Some(digits) => Self::JiraBn {
                            index: number(digits)?,
                            background: BnBackground::Luminance20,
                        },
                        None => {
                            Self::JiraBn { index: number(rest)?, background: BnBackground::Black }
                        }
                    }
                } else if let Some(digits) = other.strip_prefix("UNIFORM-") {
                    Self::Uniform(digits.parse().map_err(|_| unknown())?)
                } else {
                    return Err(unknown());
                }
            }
        };
        Ok(id)
    }
}

/// One entry of the pattern list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternInfo {
    /// Name to pass to [`PatternId::from_str`]; `UNIFORM-<DDL>` is a template.
    pub name: String,
    /// What the pattern is for.
    pub summary: &'static str,
    /// The definition it follows.
    pub source: &'static str,
}

/// Every pattern name, in a stable order (the `UNIFORM-<DDL>` entry last, as a template).
pub fn catalogue() -> Vec<PatternInfo> {
    const OR03: &str = "AAPM OR-03 (TG18) §3, App. III; geometry measured on the AAPM 1k files";
    let mut list = vec![PatternInfo {
        name: qc::NAME.to_string(),
        summary: "overall visual QC: 16 patches, 5 %/95 %, resolution, letters, ramps, grid",
        source: OR03,
    }];
    for (name, summary) in [
        ("TG18-UN80", "uniformity, 80 % field (centre and corners, 10 %-area squares)"),
        ("TG18-UN10", "uniformity, 10 % field"),
        ("TG18-UNL80", "uniformity, 80 % field with the five squares outlined"),
        ("TG18-UNL10", "uniformity, 10 % field with the five squares outlined"),
    ] {
        list.push(PatternInfo { name: name.to_string(), summary, source: OR03 });
    }
    for n in 1..=18 {
        list.push(PatternInfo {
            name: format!("TG18-LN12-{n:02}"),
            summary: "luminance response: centred 10 %-area patch on a ≈ 60 % background",
            source: OR03,
        });
    }
    list.push(PatternInfo {
        name: ct::NAME.to_string(),
        summary: "contrast transfer: 16 levels with ±2-step half-moon targets (layout chosen)",
        source: "AAPM OR-03 (TG18) §3, App. III; layout not measured",
    });
    for (suffix, summary) in [
        ("", "JESRA contrast response: centre patch on black"),
        ("-L20", "JESRA contrast response: centre patch on the 20 %-of-Lmax background"),
    ] {
        for n in 1..=18 {
            list.push(PatternInfo {
                name: format!("JIRA-BN{n:02}{suffix}"),
                summary,
                source: "JESRA X-0093 / JIRA BN01–BN18; patch geometry as TG18-LN12",
            });
        }
    }
    list.push(PatternInfo {
        name: "UNIFORM-<DDL>".to_string(),
        summary: "uniform field at any DDL of the chosen bit depth",
        source: "—",
    });
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_parses_back_to_itself() {
        for info in catalogue() {
            if info.name.starts_with("UNIFORM") {
                continue;
            }
            let id: PatternId = info.name.parse().unwrap();
            assert_eq!(id.to_string(), info.name);
        }
        assert_eq!(catalogue().len(), 1 + 4 + 18 + 1 + 36 + 1);
    }

    /// REDTEAM X2: `--size 100000x100000` used to reach the allocator and abort.
    #[test]
    fn sizes_over_the_limits_are_refused_before_drawing() {
        let huge = [(100_000, 100_000), (65_536, 65_536), (16_385, 600), (600, 16_385)];
        let over_pixels = [(16_384, 16_384), (8_193, 8_192), (16_384, 4_097)];
        for info in catalogue() {
            let id: PatternId = info.name.replace("<DDL>", "7").parse().unwrap();
            for (w, h) in huge.into_iter().chain(over_pixels) {
                let params = PatternParams::new(w, h, crate::BitDepth::Ten);
                let e = id.generate(&params).unwrap_err();
                assert_eq!(e.kind(), crate::ErrorKind::TooLarge, "{id} {w}x{h}: {e}");
                let text = e.to_string();
                for needle in [&format!("{w}×{h}"), "16384 px", "67108864 pixels", "8192×8192"] {
                    assert!(text.contains(needle), "{needle:?} missing in {text:?}");
                }
            }
        }
        // The limits themselves are allowed (generating a spec draws nothing yet).
        for (w, h) in [(16_384, 4_096), (4_096, 16_384), (8_192, 8_192)] {
            let params = PatternParams::new(w, h, crate::BitDepth::Eight);
            assert!(PatternId::Tg18Qc.generate(&params).is_ok(), "{w}x{h}");
        }
    }

    #[test]
    fn names_are_case_insensitive_and_checked() {
        assert_eq!("tg18-ln12-07".parse::<PatternId>(), Ok(PatternId::Tg18Ln12(7)));
        assert_eq!("uniform-512".parse::<PatternId>(), Ok(PatternId::Uniform(512)));
        for bad in ["TG18-LN12-19", "TG18-LN12-00", "TG18-LN12-7", "JIRA-BN19", "TG18-XX", ""] {
            assert!(matches!(bad.parse::<PatternId>(), Err(PatternError::UnknownName(_))), "{bad}");
        }
    }
}
