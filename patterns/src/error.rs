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
    /// A DDL given by the caller does not fit the bit depth.
    #[error("DDL {ddl} is out of range for {bits}-bit output (0..={max})")]
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
    /// The display geometry cannot hold the pattern.
    Geometry,
}

impl PatternError {
    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownName(_) | Self::DdlOutOfRange { .. } | Self::UnsupportedBitDepth(_) => {
                ErrorKind::InvalidInput
            }
            Self::TooSmall { .. } | Self::AspectRatio { .. } => ErrorKind::Geometry,
        }
    }
}
