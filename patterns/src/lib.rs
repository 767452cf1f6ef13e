//! Test patterns for medical display QC: pattern specifications rendered to exact
//! digital driving levels (DDL).
//!
//! A pattern is a [`PatternSpec`]: a background DDL plus an ordered list of
//! [`Shape`]s, each with its DDL, for one display size and [`BitDepth`]. It also
//! says where the photometer goes ([`PatternSpec::measurement_regions`]) and where
//! an operator prompt may be drawn without touching any of them
//! ([`PatternSpec::prompt_area`]; an operator's caption goes in the part of it
//! clear of them, [`PatternSpec::caption_area`]). [`PatternSpec::render`] turns it into a
//! [`Raster`] of `u16` DDLs, which [`Raster::write_png`] exports (8-bit PNG for
//! 8-bit rasters, 16-bit PNG for 10-bit rasters) and the presenter (feature
//! `presenter`) shows at 1:1 pixels.
//!
//! Every pattern is generated in code from its published definition; no bitmap
//! is copied. The modules [`tg18`], [`jira`] and [`uniform`] document, per pattern,
//! the source and clause it follows, the figures it was checked against and the
//! choices made where the definition leaves a detail open. The TG18-style patterns are *synthetic* patterns following the
//! conditions in the front matter of AAPM On-line Report OR-03 (2005): the report
//! is acknowledged, the original TG18 label is not reproduced, each pattern
//! carries a label saying it is synthetic and based on TG18, and a pattern drawn
//! at a size other than the report's 1k/2k says "SCALED".
//!
//! ```
//! use monqc_patterns::{BitDepth, PatternId, PatternParams};
//!
//! let id: PatternId = "TG18-LN12-09".parse()?;
//! let spec = id.generate(&PatternParams::new(1024, 1024, BitDepth::Eight))?;
//! let raster = spec.render();
//! // The centre patch of LN12-09 is (9 - 1) / 17 of full scale: DDL 120 of 255.
//! assert_eq!(raster.get(512, 512), Some(120));
//! # Ok::<(), monqc_patterns::PatternError>(())
//! ```

mod caption;
mod caption_font;
mod catalogue;
mod error;
mod font;
mod geometry;
pub mod jira;
mod png_export;
mod raster;
mod spec;
pub mod tg18;
pub mod uniform;

#[cfg(feature = "presenter")]
pub mod presenter;

pub use caption::caption_can_draw;
pub use catalogue::{
    BnBackground, MAX_PIXELS, MAX_SIDE_PX, PatternId, PatternInfo, PatternParams, catalogue,
};
pub use error::{ErrorKind, PatternError};
pub use font::{GLYPH_HEIGHT, GLYPH_WIDTH, text_width};
pub use geometry::{BitDepth, Orientation, Rect};
pub use jira::default_bn_background;
pub use png_export::PngError;
pub use raster::Raster;
pub use spec::{MeasurementRegion, PatternSpec, Shape};
pub use tg18::uniformity::UnLevel;
