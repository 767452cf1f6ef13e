//! Pixel rectangles and bit depths.

use crate::PatternError;

/// An axis-aligned rectangle of pixels: columns `x..x + width`, rows `y..y + height`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left column (0 = left edge of the display).
    pub x: u32,
    /// Top row (0 = top edge of the display).
    pub y: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl Rect {
    /// A rectangle from its top-left corner and size.
    pub const fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        Self { x, y, width, height }
    }

    /// A rectangle from its edges: columns `x0..x1`, rows `y0..y1` (end exclusive).
    /// An inverted range gives an empty rectangle.
    pub fn from_edges(x0: u32, y0: u32, x1: u32, y1: u32) -> Self {
        Self { x: x0, y: y0, width: x1.saturating_sub(x0), height: y1.saturating_sub(y0) }
    }

    /// A `width`×`height` rectangle whose centre is at (`cx`, `cy`) (the top-left
    /// pixel is `cx - width / 2`, `cy - height / 2`).
    pub fn centred(cx: u32, cy: u32, width: u32, height: u32) -> Self {
        Self::new(cx.saturating_sub(width / 2), cy.saturating_sub(height / 2), width, height)
    }

    /// One past the right-most column.
    pub const fn right(&self) -> u32 {
        self.x + self.width
    }

    /// One past the bottom row.
    pub const fn bottom(&self) -> u32 {
        self.y + self.height
    }

    /// The central pixel (for even sizes, the one right of and below the true centre).
    pub const fn centre(&self) -> (u32, u32) {
        (self.x + self.width / 2, self.y + self.height / 2)
    }

    /// Number of pixels.
    pub const fn area(&self) -> u64 {
        self.width as u64 * self.height as u64
    }

    /// True if the rectangle holds no pixel.
    pub const fn is_empty(&self) -> bool {
        self.width == 0 || self.height == 0
    }

    /// True if the pixel (`x`, `y`) lies inside.
    pub const fn contains(&self, x: u32, y: u32) -> bool {
        x >= self.x && x < self.right() && y >= self.y && y < self.bottom()
    }

    /// True if the two rectangles share at least one pixel.
    pub const fn intersects(&self, other: &Rect) -> bool {
        !self.is_empty()
            && !other.is_empty()
            && self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }

    /// The rectangle shrunk by `px` on every side (empty if too small).
    pub fn inset(&self, px: u32) -> Rect {
        Rect::new(
            self.x + px,
            self.y + px,
            self.width.saturating_sub(2 * px),
            self.height.saturating_sub(2 * px),
        )
    }

    /// The part of the rectangle that lies on a `width`×`height` display.
    pub fn clip(&self, width: u32, height: u32) -> Rect {
        Rect::from_edges(
            self.x.min(width),
            self.y.min(height),
            self.right().min(width),
            self.bottom().min(height),
        )
    }
}

/// Direction of bars or of a ramp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Orientation {
    /// Bars run left–right (they alternate down the rows); a ramp changes along a row.
    Horizontal,
    /// Bars run top–bottom (they alternate across the columns); a ramp changes down a column.
    Vertical,
}

/// Bits per DDL of the output: 8 (0..=255) or 10 (0..=1023).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BitDepth {
    /// 8 bits per channel, DDL 0..=255.
    Eight,
    /// 10 bits per channel, DDL 0..=1023.
    Ten,
}

impl BitDepth {
    /// Bits per DDL.
    pub const fn bits(self) -> u8 {
        match self {
            Self::Eight => 8,
            Self::Ten => 10,
        }
    }

    /// The bit depth with this many bits (8 or 10).
    pub fn from_bits(bits: u8) -> Result<Self, PatternError> {
        match bits {
            8 => Ok(Self::Eight),
            10 => Ok(Self::Ten),
            other => Err(PatternError::UnsupportedBitDepth(other)),
        }
    }

    /// Largest DDL: 255 or 1023.
    pub const fn max_ddl(self) -> u16 {
        (1u16 << self.bits()) - 1
    }

    /// The DDL nearest to `fraction` of full scale (`round(fraction × max)`, halves away
    /// from zero, clamped to the range). TG18 gives its levels in 12-bit values of
    /// 4095 (or 4080 for TG18-LN, OR-03 front matter: WW 4080); they are converted
    /// as fractions of that full scale, so that 0 and full scale map to 0 and
    /// [`max_ddl`](Self::max_ddl) at every bit depth.
    pub fn ddl_from_fraction(self, fraction: f64) -> u16 {
        let max = f64::from(self.max_ddl());
        (fraction * max).round().clamp(0.0, max) as u16
    }

    /// A low-contrast step given in 8-bit DDLs, expressed at this bit depth
    /// (`steps × 2^(bits − 8)`), so the target keeps the same luminance contrast at
    /// 10 bits as the 8-bit rendering the standards' figures describe.
    pub const fn steps_from_8bit(self, steps: u16) -> u16 {
        steps << (self.bits() - 8)
    }

    /// Checks that a DDL given by a caller fits this bit depth.
    pub fn check_ddl(self, ddl: u32) -> Result<u16, PatternError> {
        if ddl <= u32::from(self.max_ddl()) {
            Ok(ddl as u16)
        } else {
            Err(PatternError::DdlOutOfRange { ddl, bits: self.bits(), max: self.max_ddl() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_map_to_the_8_and_10_bit_levels_of_the_figures() {
        // TG18-QC patch k = 0: 128 of 4095 renders as 8 in 8 bits on AAPM's own 1k file
        // (the figures in `tg18::qc`).
        assert_eq!(BitDepth::Eight.ddl_from_fraction(128.0 / 4095.0), 8);
        // k = 10 and k = 15 render as 167 and 247 on the authentic file (not 168 / 248).
        assert_eq!(BitDepth::Eight.ddl_from_fraction(21.0 * 128.0 / 4095.0), 167);
        assert_eq!(BitDepth::Eight.ddl_from_fraction(31.0 * 128.0 / 4095.0), 247);
        // 10 % of 8-bit full scale is 25.5: RadiCS shows gray 26 for UN10.
        assert_eq!(BitDepth::Eight.ddl_from_fraction(0.1), 26);
        assert_eq!(BitDepth::Eight.ddl_from_fraction(0.8), 204);
        assert_eq!(BitDepth::Ten.ddl_from_fraction(1.0), 1023);
        assert_eq!(BitDepth::Ten.ddl_from_fraction(-0.5), 0);
        assert_eq!(BitDepth::Ten.steps_from_8bit(3), 12);
    }

    #[test]
    fn rect_edges_and_overlap() {
        let a = Rect::from_edges(350, 350, 674, 674);
        assert_eq!((a.width, a.height), (324, 324));
        assert!(a.intersects(&Rect::new(673, 673, 5, 5)));
        assert!(!a.intersects(&Rect::new(674, 0, 5, 1000)));
        assert!(Rect::from_edges(5, 5, 3, 9).is_empty());
        assert_eq!(Rect::new(1000, 0, 100, 10).clip(1024, 1024).width, 24);
    }

    #[test]
    fn out_of_range_ddl_is_a_typed_error() {
        assert_eq!(BitDepth::Eight.check_ddl(255), Ok(255));
        assert!(matches!(
            BitDepth::Eight.check_ddl(256),
            Err(PatternError::DdlOutOfRange { ddl: 256, bits: 8, max: 255 })
        ));
        assert!(BitDepth::from_bits(12).is_err());
    }
}
