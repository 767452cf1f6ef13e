//! Fullscreen presenter: shows a [`Raster`](crate::Raster) at 1:1 pixels on a chosen monitor
//! (feature `presenter`; winit 0.30 + pixels 0.15).
//!
//! The window is borderless, fullscreen on the chosen monitor, and *also* placed
//! and sized to that monitor by hand, because without a window manager (Xvfb) a
//! fullscreen request is ignored. Before every frame the presenter reads the window's
//! real inner size and position back and refuses a raster that would be scaled or
//! misplaced ([`PresenterError::WouldScale`]). Each DDL is written unchanged to R, G
//! and B of a texture whose format matches the surface (both linear, or both sRGB,
//! so the value passes through), drawn with nearest sampling at scale 1: no
//! scaling, no filtering, no colour conversion. The Xvfb read-back test checks
//! every pixel.
//!
//! A session asks the operator on the window itself: [`PresenterHandle::show_pattern_captioned`]
//! draws a dim caption (what to do, which keys answer) in the part of the pattern's prompt
//! area clear of every measurement region, and the keys pressed come back through
//! [`PresenterHandle::next_key`] as [`OperatorKey`]s.
//!
//! The event loop runs on its own thread ([`Presenter::spawn`]); another thread
//! drives it through a [`PresenterHandle`]. winit allows one event loop per process,
//! so spawn one presenter per process and keep it.
//!
//! 10-bit output: when [`PresenterOptions::bit_depth`] is [`BitDepth::Ten`] and the
//! surface offers `Rgb10a2Unorm`, DDLs go out with 10 bits; otherwise the presenter
//! uses an 8-bit surface, converts 10-bit rasters to `round(v · 255 / 1023)` and says
//! so in every [`ShowReport`] (`output_bits == 8`, `converted_to_8_bit == true`).

mod app;
mod error;
mod handle;
mod surface;

use std::time::Duration;

use crate::BitDepth;

pub use error::{PresenterError, PresenterErrorKind};
pub use handle::{Presenter, PresenterHandle};

/// What the presenter is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenterOptions {
    /// Index of the monitor in [`PresenterHandle::monitors`] order.
    pub monitor: usize,
    /// Preferred output depth; [`BitDepth::Ten`] uses a 10-bit surface where offered.
    pub bit_depth: BitDepth,
    /// Window title (seen in task lists, not on screen).
    pub title: String,
    /// How long a show request waits for the window to get the monitor's size and
    /// position (a window manager applies fullscreen asynchronously) before the raster
    /// is refused as [`PresenterError::WouldScale`].
    pub placement_timeout: Duration,
}

impl Default for PresenterOptions {
    fn default() -> Self {
        Self {
            monitor: 0,
            bit_depth: BitDepth::Eight,
            title: "monqc pattern".to_string(),
            placement_timeout: Duration::from_secs(3),
        }
    }
}

/// A monitor as the window system reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorInfo {
    /// Index to pass in [`PresenterOptions::monitor`].
    pub index: usize,
    /// Name, if the system gives one (e.g. the RandR output name).
    pub name: Option<String>,
    /// Size in physical pixels: generate patterns at this size.
    pub width: u32,
    /// Height in physical pixels.
    pub height: u32,
    /// Left edge on the virtual desktop.
    pub x: i32,
    /// Top edge on the virtual desktop.
    pub y: i32,
    /// Refresh rate in millihertz, if known.
    pub refresh_millihertz: Option<u32>,
    /// True for the primary monitor.
    pub primary: bool,
}

/// An operator key press, mapped from the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorKey {
    /// Space, Enter, Right arrow or Page Down: go on to the next pattern.
    Next,
    /// Left arrow, Backspace or Page Up: back to the previous pattern.
    Previous,
    /// Y: yes, the criterion is met (a session's visual question).
    Yes,
    /// N: no, it is not met.
    No,
    /// Escape or Q, or the window was closed: stop.
    Quit,
}

/// What happened when a frame was shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowReport {
    /// Bits per channel of the surface the frame went out on (8 or 10).
    pub output_bits: u8,
    /// True if a 10-bit raster was converted to 8 bits because the surface has no
    /// 10-bit format.
    pub converted_to_8_bit: bool,
    /// Surface format, as wgpu names it (e.g. `Bgra8Unorm`).
    pub surface_format: String,
    /// Time from the request reaching the presenter thread to the frame presented.
    pub present_time: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handle_can_move_to_the_session_thread() {
        fn send<T: Send>() {}
        send::<PresenterHandle>();
        send::<PresenterError>();
    }
}
