//! Errors of pattern generation.

use thiserror::Error;

/// Why a pattern could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The name is not one of the patterns this crate generates.
    ///
    /// Run `monqc patterns list` for the names.
    #[error("unknown pattern name `{0}`; see the list of pattern names")]
    UnknownName(String),
    /// The display is smaller than the pattern can be drawn on with all its elements.
    #[error("{name} needs at least {min_px}×{min_px} pixels; got {width}×{height}")]
    TooSmall {
        /// Pattern name.
        name: String,
        /// Requested width in pixels.
        width: u32,
        /// Requested height in pixels.
        height: u32,
        /// Smallest side the pattern supports, in pixels.
        min_px: u32,
    },
    /// The display is so elongated that the measurement squares would overlap.
    #[error("{name}: at {width}×{height} the 10 %-area measurement squares would overlap")]
    AspectRatio {
        /// Pattern name.
        name: String,
        /// Requested width in pixels.
        width: u32,
        /// Requested height in pixels.
        height: u32,
    },
    /// The requested size is over [`MAX_SIDE_PX`](crate::MAX_SIDE_PX) on a side or
    /// [`MAX_PIXELS`](crate::MAX_PIXELS) in all. Checked before anything is allocated.
    #[error(
        "{name} at {width}×{height} is too large: a pattern may be at most {max_side_px} px \
         on each side and {max_pixels} pixels in all ({square}×{square} as a square); \
         choose a size within both limits",
        square = .max_pixels.isqrt()
    )]
    TooLarge {
        /// Pattern name.
        name: String,
        /// Requested width in pixels.
        width: u32,
        /// Requested height in pixels.
        height: u32,
        /// Largest side, in pixels.
        max_side_px: u32,
        /// Largest width × height.
        max_pixels: u64,
    },
    /// A DDL given by the caller does not fit the bit depth.
    #[error(
        "DDL {ddl} does not exist in {bits}-bit output, whose levels run from 0 to {max}; \
         give a DDL from 0 to {max}{wider}",
        wider = wider_depth_hint(*.ddl, *.bits)
    )]
    DdlOutOfRange {
        /// The DDL given.
        ddl: u32,
        /// Bit depth of the output.
        bits: u8,
        /// Largest DDL at that bit depth.
        max: u16,
    },
    /// A bit depth other than 8 or 10 was asked for.
    #[error("unsupported bit depth {0}; use 8 or 10")]
    UnsupportedBitDepth(u8),
}

/// Coarse classes of [`PatternError`], for code that reacts to errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The pattern name or an argument is wrong.
    InvalidInput,
    /// The display geometry cannot hold the pattern (too small or too elongated).
    Geometry,
    /// The requested size is over the limits this crate draws at.
    TooLarge,
}

/// ", or use 10-bit output (0 to 1023)" when the DDL would fit 10 bits.
fn wider_depth_hint(ddl: u32, bits: u8) -> String {
    use crate::BitDepth;
    match BitDepth::Ten.max_ddl() {
        max if bits < 10 && ddl <= u32::from(max) => {
            format!(", or use 10-bit output, whose levels run from 0 to {max}")
        }
        _ => String::new(),
    }
}

impl PatternError {
    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownName(_) | Self::DdlOutOfRange { .. } | Self::UnsupportedBitDepth(_) => {
                ErrorKind::InvalidInput
            }
            Self::TooSmall { .. } | Self::AspectRatio { .. } => ErrorKind::Geometry,
            Self::TooLarge { .. } => ErrorKind::TooLarge,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{BitDepth, BnBackground, PatternId, PatternParams};

    /// REDTEAM U5: the message named the wrong fix ("choose a larger --size").
    #[test]
    fn ddl_errors_name_the_ddl_the_depth_and_the_fix() {
        let eight = PatternParams::new(1024, 1024, BitDepth::Eight);
        let e = PatternId::Uniform(512).generate(&eight).unwrap_err();
        assert_eq!(e.kind(), super::ErrorKind::InvalidInput);
        assert_eq!(
            e.to_string(),
            "DDL 512 does not exist in 8-bit output, whose levels run from 0 to 255; give a \
             DDL from 0 to 255, or use 10-bit output, whose levels run from 0 to 1023"
        );
        let bn = PatternId::JiraBn { index: 7, background: BnBackground::Luminance20 };
        let e = bn.generate(&PatternParams { background_ddl: Some(300), ..eight }).unwrap_err();
        assert!(e.to_string().starts_with("DDL 300 does not exist in 8-bit output"), "{e}");
        // Beyond 10 bits there is no wider depth to suggest.
        let ten = PatternParams::new(1024, 1024, BitDepth::Ten);
        let e = PatternId::Uniform(2000).generate(&ten).unwrap_err();
        assert_eq!(
            e.to_string(),
            "DDL 2000 does not exist in 10-bit output, whose levels run from 0 to 1023; give a \
             DDL from 0 to 1023"
        );
        let e = PatternId::Uniform(5000).generate(&eight).unwrap_err().to_string();
        assert!(e.ends_with("give a DDL from 0 to 255"), "{e}");
        assert!(!e.contains("size"), "{e}");
    }
}
