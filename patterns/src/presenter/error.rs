//! Why the presenter could not show a frame, and the coarse classes of those errors.

use thiserror::Error;

/// Why the presenter could not show a frame.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PresenterError {
    /// No event loop: no display server reachable (is `DISPLAY` or `WAYLAND_DISPLAY`
    /// set?), or a presenter was already started in this process (winit allows one).
    #[error("could not start the window event loop: {0}")]
    EventLoop(String),
    /// The system reports no monitor.
    #[error("no monitor found")]
    NoMonitor,
    /// The monitor index is out of range; list the monitors to pick one.
    #[error("monitor {index} does not exist; there are {count} (numbered from 0)")]
    MonitorNotFound {
        /// Index asked for.
        index: usize,
        /// Number of monitors.
        count: usize,
    },
    /// The window could not be created.
    #[error("could not create the window: {0}")]
    Window(String),
    /// No GPU surface or adapter (for Xvfb: install mesa-vulkan-drivers and libvulkan1).
    #[error("could not set up the GPU surface: {0}")]
    Gpu(String),
    /// The window does not cover exactly the raster's pixels, so the pattern would be
    /// scaled, cropped or misplaced; generate the pattern at the window's size.
    #[error(
        "the window is {window_width}×{window_height} at ({window_x}, {window_y}) but the \
         pattern is {raster_width}×{raster_height} for a monitor at ({monitor_x}, {monitor_y}); \
         showing it would scale or misplace it"
    )]
    WouldScale {
        /// Real inner width of the window.
        window_width: u32,
        /// Real inner height of the window.
        window_height: u32,
        /// Real inner left edge of the window.
        window_x: i32,
        /// Real inner top edge of the window.
        window_y: i32,
        /// Width of the raster.
        raster_width: u32,
        /// Height of the raster.
        raster_height: u32,
        /// Left edge of the monitor.
        monitor_x: i32,
        /// Top edge of the monitor.
        monitor_y: i32,
    },
    /// Drawing or presenting the frame failed.
    #[error("could not present the frame: {0}")]
    Render(String),
    /// The presenter thread has stopped (closed, or its window was closed).
    #[error("the presenter has stopped")]
    Closed,
}

/// Coarse classes of [`PresenterError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PresenterErrorKind {
    /// No display, monitor, window or GPU: an environment problem.
    Environment,
    /// The request does not fit the display (wrong monitor index or raster size).
    InvalidRequest,
    /// The presenter is gone or failed while drawing.
    Failed,
}

impl PresenterError {
    /// The class of this error.
    pub fn kind(&self) -> PresenterErrorKind {
        match self {
            Self::EventLoop(_) | Self::NoMonitor | Self::Window(_) | Self::Gpu(_) => {
                PresenterErrorKind::Environment
            }
            Self::MonitorNotFound { .. } | Self::WouldScale { .. } => {
                PresenterErrorKind::InvalidRequest
            }
            Self::Render(_) | Self::Closed => PresenterErrorKind::Failed,
        }
    }
}
