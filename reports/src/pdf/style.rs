//! Page geometry, type sizes and colours of the report layout.

use printpdf::{Color, Rgb};

// Page geometry, in points (A4 portrait: 210 mm × 297 mm).
pub(super) const PAGE_W: f64 = 595.2756;
pub(super) const PAGE_H: f64 = 841.8898;
pub(super) const MARGIN_X: f64 = 51.0; // 18 mm
pub(super) const CONTENT_TOP: f64 = 51.0;
pub(super) const CONTENT_BOTTOM: f64 = PAGE_H - 64.0;
pub(super) const CONTENT_W: f64 = PAGE_W - 2.0 * MARGIN_X;

// Type sizes, in points.
pub(super) const TITLE_PT: f64 = 18.0;
pub(super) const SUBTITLE_PT: f64 = 10.0;
pub(super) const HEADING_PT: f64 = 12.0;
pub(super) const BODY_PT: f64 = 9.0;
pub(super) const TABLE_PT: f64 = 8.5;
pub(super) const TABLE_TITLE_PT: f64 = 9.5;
pub(super) const SMALL_PT: f64 = 7.0;
pub(super) const LINE_GAP: f64 = 1.4;
pub(super) const CELL_PAD_X: f64 = 4.5;
pub(super) const CELL_PAD_Y: f64 = 3.5;

pub(super) fn rgb(hex: u32) -> Color {
    let c = |shift: u32| ((hex >> shift) & 0xff) as f32 / 255.0;
    Color::Rgb(Rgb { r: c(16), g: c(8), b: c(0), icc_profile: None })
}

pub(super) mod colors {
    pub const TEXT: u32 = 0x1a1a1a;
    pub const MUTED: u32 = 0x5f6368;
    pub const ACCENT: u32 = 0x1f3a68;
    pub const RULE: u32 = 0xb8bcc2;
    pub const RULE_LIGHT: u32 = 0xdcdfe3;
    pub const HEADER_FILL: u32 = 0xe9edf2;
    pub const KEY_FILL: u32 = 0xf4f5f7;
    pub const PASS: u32 = 0x1b5e20;
    pub const PASS_FILL: u32 = 0xe6f2e7;
    pub const FAIL: u32 = 0xa31515;
    pub const FAIL_FILL: u32 = 0xfbe5e5;
    pub const NOT_EVALUATED: u32 = 0x555555;
    pub const NOT_EVALUATED_FILL: u32 = 0xefefef;
    pub const INCOMPLETE: u32 = 0x8a5a00;
    pub const INCOMPLETE_FILL: u32 = 0xfdf1d8;
}
