//! A pattern as data: shapes with DDLs, measurement regions and a prompt area.

use crate::{BitDepth, Orientation, Raster, Rect};

/// One drawing element of a pattern. Shapes are drawn in order; a later shape
/// overwrites an earlier one. Every DDL is at the spec's [`BitDepth`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A filled rectangle.
    Fill {
        /// Pixels covered.
        rect: Rect,
        /// Level.
        ddl: u16,
    },
    /// A one-pixel outline on the outermost pixels of `rect`.
    Outline {
        /// Rectangle whose border pixels are drawn.
        rect: Rect,
        /// Level.
        ddl: u16,
    },
    /// Alternating bars `bar_px` pixels wide (a line-pair pattern of period
    /// `2 × bar_px`), starting with `ddls[0]` at the top or left edge of `rect`.
    Bars {
        /// Pixels covered.
        rect: Rect,
        /// [`Orientation::Horizontal`]: bars are rows; [`Orientation::Vertical`]: columns.
        orientation: Orientation,
        /// Width of one bar in pixels.
        bar_px: u32,
        /// The two levels.
        ddls: [u16; 2],
    },
    /// A linear ramp from `from` to `to`, rounded to the nearest DDL.
    Ramp {
        /// Pixels covered.
        rect: Rect,
        /// [`Orientation::Horizontal`]: the level changes along a row (left to right);
        /// [`Orientation::Vertical`]: down a column (top to bottom).
        orientation: Orientation,
        /// Level at the left or top edge.
        from: u16,
        /// Level at the right or bottom edge.
        to: u16,
    },
    /// Half of a disc of `radius` pixels whose centre is the pixel corner
    /// (`cx`, `cy`); `left` picks the half with `x < cx`, otherwise `x >= cx`.
    HalfDisc {
        /// Centre column (a pixel corner).
        cx: u32,
        /// Centre row (a pixel corner).
        cy: u32,
        /// Radius in pixels.
        radius: u32,
        /// Which half.
        left: bool,
        /// Level.
        ddl: u16,
    },
    /// Text in the built-in 5×7 font, each font pixel drawn as a `scale`×`scale`
    /// block; (`x`, `y`) is the top-left corner of the first glyph.
    Text {
        /// Left column.
        x: u32,
        /// Top row.
        y: u32,
        /// Display pixels per font pixel.
        scale: u32,
        /// The text (one line).
        text: String,
        /// Level of the glyph pixels (the gaps keep what lies below).
        ddl: u16,
    },
}

/// Where the photometer goes: a region of uniform level; aim at its centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasurementRegion {
    /// Short name, e.g. `"centre"` or `"patch 7"`.
    pub label: String,
    /// Pixels of the region; the whole region has the level `ddl`.
    pub rect: Rect,
    /// Level shown in the region.
    pub ddl: u16,
}

/// A pattern for one display size and bit depth: what to draw and where to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternSpec {
    /// Pattern name as in [`crate::catalogue`], e.g. `"TG18-UNL80"`.
    pub name: String,
    /// Display width in pixels.
    pub width: u32,
    /// Display height in pixels.
    pub height: u32,
    /// Bit depth of every DDL in the spec.
    pub bit_depth: BitDepth,
    /// Level of every pixel not covered by a shape.
    pub background: u16,
    /// Drawing elements, in drawing order.
    pub shapes: Vec<Shape>,
    /// Where the meter goes, in the order the readings are taken (for the
    /// TG18-UNL layout: row-major, as DICOM PS3.3 C.32.3.3 stores them).
    pub measurement_regions: Vec<MeasurementRegion>,
    /// Where an operator prompt may be drawn. It never overlaps a measurement
    /// region (checked by the tests for every pattern).
    pub prompt_area: Rect,
}

impl PatternSpec {
    /// Draws the pattern into a new raster.
    pub fn render(&self) -> Raster {
        let mut raster = Raster::filled(self.width, self.height, self.bit_depth, self.background);
        for shape in &self.shapes {
            raster.draw(shape);
        }
        raster
    }

    /// Draws the pattern and then `prompt` into the prompt area (see
    /// [`Raster::draw_prompt`]).
    pub fn render_with_prompt(&self, prompt: &str) -> Raster {
        let mut raster = self.render();
        raster.draw_prompt(self.prompt_area, prompt, self.prompt_ddl());
        raster
    }

    /// Level for prompt text: a quarter of full scale away from the background,
    /// towards mid-grey, so it is legible without being glaring.
    pub fn prompt_ddl(&self) -> u16 {
        contrasting_ddl(self.background, self.bit_depth)
    }
}

/// A level a quarter of full scale away from `ddl`, towards mid-grey (prompts).
pub(crate) fn contrasting_ddl(ddl: u16, bit_depth: BitDepth) -> u16 {
    offset_towards_mid(ddl, bit_depth, bit_depth.max_ddl().div_ceil(4))
}

/// A level an eighth of full scale away from `ddl`, towards mid-grey: pattern labels
/// stay legible but dim, so they add little stray light near a measurement.
pub(crate) fn label_ddl(ddl: u16, bit_depth: BitDepth) -> u16 {
    offset_towards_mid(ddl, bit_depth, bit_depth.max_ddl().div_ceil(8))
}

fn offset_towards_mid(ddl: u16, bit_depth: BitDepth, offset: u16) -> u16 {
    if ddl <= bit_depth.max_ddl() / 2 { ddl + offset } else { ddl - offset }
}
