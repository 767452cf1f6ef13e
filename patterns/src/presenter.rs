//! Fullscreen presenter: shows a [`Raster`] at 1:1 pixels on a chosen monitor
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
//! The event loop runs on its own thread ([`Presenter::spawn`]); another thread
//! drives it through a [`PresenterHandle`]. winit allows one event loop per process,
//! so spawn one presenter per process and keep it.
//!
//! 10-bit output: when [`PresenterOptions::bit_depth`] is [`BitDepth::Ten`] and the
//! surface offers `Rgb10a2Unorm`, DDLs go out with 10 bits; otherwise the presenter
//! uses an 8-bit surface, converts 10-bit rasters to `round(v · 255 / 1023)` and says
//! so in every [`ShowReport`] (`output_bits == 8`, `converted_to_8_bit == true`).

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pixels::wgpu::{self, TextureFormat};
use pixels::{Pixels, PixelsBuilder, SurfaceTexture};
use thiserror::Error;
use winit::application::ApplicationHandler;
use winit::dpi::{PhysicalPosition, PhysicalSize};
use winit::event::{ElementState, StartCause, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop, EventLoopProxy};
use winit::keyboard::{Key, NamedKey};
use winit::monitor::MonitorHandle;
use winit::window::{Fullscreen, Window, WindowId};

use crate::{BitDepth, PatternSpec, Raster};

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

/// Starts presenters.
#[derive(Debug)]
pub struct Presenter;

enum Command {
    Show { raster: Raster, reply: Sender<Result<ShowReport, PresenterError>>, received: Instant },
    Monitors { reply: Sender<Result<Vec<MonitorInfo>, PresenterError>> },
    Close,
}

/// Drives a running presenter from any thread. Dropping it closes the window.
#[derive(Debug)]
pub struct PresenterHandle {
    proxy: EventLoopProxy<Command>,
    keys: Receiver<OperatorKey>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Show { .. } => "Show",
            Self::Monitors { .. } => "Monitors",
            Self::Close => "Close",
        })
    }
}

impl Presenter {
    /// Starts the event loop on a new thread. No window opens until the first
    /// [`PresenterHandle::show`].
    pub fn spawn(options: PresenterOptions) -> Result<PresenterHandle, PresenterError> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (key_tx, key_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("monqc-presenter".into())
            .spawn(move || {
                let event_loop = match build_event_loop() {
                    Ok(event_loop) => event_loop,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(event_loop.create_proxy()));
                let mut app = App { options, keys: key_tx, surface: None, pending: None };
                // An error here means the platform loop died; requests then see `Closed`.
                let _ = event_loop.run_app(&mut app);
            })
            .map_err(|e| PresenterError::EventLoop(e.to_string()))?;
        let proxy = ready_rx.recv().map_err(|_| PresenterError::Closed)??;
        Ok(PresenterHandle { proxy, keys: key_rx, thread: Some(thread) })
    }
}

fn build_event_loop() -> Result<EventLoop<Command>, PresenterError> {
    let mut builder = EventLoop::<Command>::with_user_event();
    #[cfg(all(unix, not(target_os = "macos"), not(target_os = "android")))]
    {
        // The session runs the event loop off the main thread; X11 and Wayland allow it.
        use winit::platform::x11::EventLoopBuilderExtX11;
        EventLoopBuilderExtX11::with_any_thread(&mut builder, true);
    }
    #[cfg(target_os = "windows")]
    {
        use winit::platform::windows::EventLoopBuilderExtWindows;
        EventLoopBuilderExtWindows::with_any_thread(&mut builder, true);
    }
    builder.build().map_err(|e| PresenterError::EventLoop(e.to_string()))
}

impl PresenterHandle {
    /// The monitors, in index order.
    pub fn monitors(&self) -> Result<Vec<MonitorInfo>, PresenterError> {
        let (reply, answer) = mpsc::channel();
        self.send(Command::Monitors { reply })?;
        answer.recv().map_err(|_| PresenterError::Closed)?
    }

    /// Shows `raster` and returns once the frame has been presented. The first call
    /// opens the window. A raster whose size differs from the window's real inner
    /// size is refused.
    pub fn show(&self, raster: &Raster) -> Result<ShowReport, PresenterError> {
        let (reply, answer) = mpsc::channel();
        self.send(Command::Show { raster: raster.clone(), reply, received: Instant::now() })?;
        answer.recv().map_err(|_| PresenterError::Closed)?
    }

    /// Renders `spec` with `prompt` in its prompt area (never over a measurement
    /// region) and shows it.
    pub fn show_pattern(
        &self,
        spec: &PatternSpec,
        prompt: Option<&str>,
    ) -> Result<ShowReport, PresenterError> {
        let raster = match prompt {
            Some(text) => spec.render_with_prompt(text),
            None => spec.render(),
        };
        self.show(&raster)
    }

    /// Waits up to `timeout` (forever if `None`) for the operator's next key.
    /// Returns [`OperatorKey::Quit`] if the presenter has stopped.
    pub fn next_key(&self, timeout: Option<Duration>) -> Option<OperatorKey> {
        match timeout {
            None => Some(self.keys.recv().unwrap_or(OperatorKey::Quit)),
            Some(t) => match self.keys.recv_timeout(t) {
                Ok(key) => Some(key),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => Some(OperatorKey::Quit),
            },
        }
    }

    /// Closes the window and stops the event loop thread.
    pub fn close(mut self) {
        self.shutdown();
    }

    fn send(&self, command: Command) -> Result<(), PresenterError> {
        self.proxy.send_event(command).map_err(|_| PresenterError::Closed)
    }

    fn shutdown(&mut self) {
        let _ = self.proxy.send_event(Command::Close);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for PresenterHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The open window with its GPU surface.
struct Surface {
    window: Arc<Window>,
    pixels: Pixels<'static>,
    monitor_position: PhysicalPosition<i32>,
    monitor_size: PhysicalSize<u32>,
    format: TextureFormat,
    ten_bit: bool,
    /// The raster on screen, for redraws.
    shown: Option<Raster>,
}

struct PendingShow {
    raster: Raster,
    reply: Sender<Result<ShowReport, PresenterError>>,
    received: Instant,
    deadline: Instant,
}

struct App {
    options: PresenterOptions,
    keys: Sender<OperatorKey>,
    surface: Option<Surface>,
    pending: Option<PendingShow>,
}

impl App {
    fn monitors(event_loop: &ActiveEventLoop) -> Vec<MonitorInfo> {
        let primary = event_loop.primary_monitor();
        event_loop
            .available_monitors()
            .enumerate()
            .map(|(index, m)| MonitorInfo {
                index,
                name: m.name(),
                width: m.size().width,
                height: m.size().height,
                x: m.position().x,
                y: m.position().y,
                refresh_millihertz: m.refresh_rate_millihertz(),
                primary: primary.as_ref() == Some(&m),
            })
            .collect()
    }

    fn chosen_monitor(
        &self,
        event_loop: &ActiveEventLoop,
    ) -> Result<MonitorHandle, PresenterError> {
        let monitors: Vec<MonitorHandle> = event_loop.available_monitors().collect();
        if monitors.is_empty() {
            return Err(PresenterError::NoMonitor);
        }
        let count = monitors.len();
        monitors
            .into_iter()
            .nth(self.options.monitor)
            .ok_or(PresenterError::MonitorNotFound { index: self.options.monitor, count })
    }

    fn open(&mut self, event_loop: &ActiveEventLoop) -> Result<(), PresenterError> {
        let monitor = self.chosen_monitor(event_loop)?;
        let attributes = Window::default_attributes()
            .with_title(self.options.title.clone())
            .with_decorations(false)
            .with_resizable(false)
            .with_position(monitor.position())
            .with_inner_size(monitor.size())
            .with_fullscreen(Some(Fullscreen::Borderless(Some(monitor.clone()))));
        let window = Arc::new(
            event_loop
                .create_window(attributes)
                .map_err(|e| PresenterError::Window(e.to_string()))?,
        );
        window.set_cursor_visible(false);
        let size = window.inner_size();
        let formats = surface_formats(&window)?;
        let (texture_format, format, ten_bit) =
            choose_formats(&formats, self.options.bit_depth == BitDepth::Ten);
        // wgpu reports some surface errors by panicking; keep the presenter thread alive
        // and report them as errors instead.
        let pixels = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            build_pixels(&window, size, texture_format, format)
        }))
        .map_err(|panic| PresenterError::Gpu(panic_message(panic.as_ref())))??;
        self.surface = Some(Surface {
            window,
            pixels,
            monitor_position: monitor.position(),
            monitor_size: monitor.size(),
            format,
            ten_bit,
            shown: None,
        });
        Ok(())
    }

    /// Presents the pending raster if the window now covers exactly its pixels;
    /// refuses it at once if it is not of the monitor's size, otherwise once the
    /// deadline has passed.
    fn try_present(&mut self) {
        let (Some(surface), Some(pending)) = (self.surface.as_mut(), self.pending.as_ref()) else {
            return;
        };
        let size = surface.window.inner_size();
        let position = surface.window.inner_position().unwrap_or(surface.monitor_position);
        let raster = &pending.raster;
        let fits = size.width == raster.width()
            && size.height == raster.height()
            && position == surface.monitor_position;
        if !fits {
            // A raster not of the monitor's size can never fit: refuse it at once.
            let never = (raster.width(), raster.height())
                != (surface.monitor_size.width, surface.monitor_size.height);
            if never || Instant::now() >= pending.deadline {
                let error = PresenterError::WouldScale {
                    window_width: size.width,
                    window_height: size.height,
                    window_x: position.x,
                    window_y: position.y,
                    raster_width: raster.width(),
                    raster_height: raster.height(),
                    monitor_x: surface.monitor_position.x,
                    monitor_y: surface.monitor_position.y,
                };
                if let Some(pending) = self.pending.take() {
                    let _ = pending.reply.send(Err(error));
                }
            }
            return;
        }
        let Some(pending) = self.pending.take() else { return };
        let result = surface.present(pending.raster).map(|converted| ShowReport {
            output_bits: if surface.ten_bit { 10 } else { 8 },
            converted_to_8_bit: converted,
            surface_format: format!("{:?}", surface.format),
            present_time: pending.received.elapsed(),
        });
        let _ = pending.reply.send(result);
    }
}

impl Surface {
    /// Writes the raster into the frame, renders and waits for the GPU. Returns true
    /// if a 10-bit raster had to be converted to 8 bits.
    fn present(&mut self, raster: Raster) -> Result<bool, PresenterError> {
        let size = self.window.inner_size();
        let buffer = self.pixels.texture().size();
        if (buffer.width, buffer.height) != (size.width, size.height) {
            self.pixels
                .resize_surface(size.width, size.height)
                .and_then(|()| self.pixels.resize_buffer(size.width, size.height))
                .map_err(|e| PresenterError::Render(e.to_string()))?;
        }
        let converted = write_frame(&raster, self.ten_bit, self.pixels.frame_mut());
        self.shown = Some(raster);
        self.render()?;
        Ok(converted)
    }

    fn render(&self) -> Result<(), PresenterError> {
        self.pixels.render().map_err(|e| PresenterError::Render(e.to_string()))?;
        let _ = self.pixels.device().poll(wgpu::Maintain::Wait);
        Ok(())
    }
}

/// Fills an RGBA8 or RGB10A2 frame with the raster's DDLs on R, G and B. Returns true
/// if 10-bit DDLs were converted to 8 bits.
fn write_frame(raster: &Raster, ten_bit_output: bool, frame: &mut [u8]) -> bool {
    let ddls = raster.ddls();
    match (raster.bit_depth(), ten_bit_output) {
        (BitDepth::Eight, false) => {
            for (px, &v) in frame.chunks_exact_mut(4).zip(ddls) {
                px.copy_from_slice(&[v as u8, v as u8, v as u8, 255]);
            }
            false
        }
        (BitDepth::Ten, false) => {
            for (px, &v) in frame.chunks_exact_mut(4).zip(ddls) {
                let v8 = ((u32::from(v) * 255 + 511) / 1023) as u8;
                px.copy_from_slice(&[v8, v8, v8, 255]);
            }
            true
        }
        (depth, true) => {
            for (px, &v) in frame.chunks_exact_mut(4).zip(ddls) {
                let v10 = match depth {
                    BitDepth::Ten => u32::from(v),
                    BitDepth::Eight => (u32::from(v) * 1023 + 127) / 255,
                };
                let word = v10 | v10 << 10 | v10 << 20 | 3 << 30;
                px.copy_from_slice(&word.to_le_bytes());
            }
            false
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "wgpu panicked".to_string())
}

/// Surface formats the adapter offers for this window.
fn surface_formats(window: &Arc<Window>) -> Result<Vec<TextureFormat>, PresenterError> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::default());
    let surface =
        instance.create_surface(window.clone()).map_err(|e| PresenterError::Gpu(e.to_string()))?;
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
        compatible_surface: Some(&surface),
        ..Default::default()
    }))
    .ok_or_else(|| PresenterError::Gpu("no GPU adapter can draw to this window".into()))?;
    let formats = surface.get_capabilities(&adapter).formats;
    if formats.is_empty() {
        // Seen with wgpu 0.19 + Mesa lavapipe on an Xvfb screen of depth 30: configuring
        // the surface anyway would panic inside wgpu.
        return Err(PresenterError::Gpu(
            "the window's surface offers no pixel format wgpu can draw to (on X11, use a \
             screen of depth 24)"
                .into(),
        ));
    }
    Ok(formats)
}

/// Texture and surface formats that pass DDLs through unchanged: both linear
/// (`Rgb10a2Unorm`, or `Rgba8Unorm` into `Bgra8Unorm`/`Rgba8Unorm`), or, if the surface
/// only offers sRGB, both sRGB (decode then encode: the value comes back unchanged).
fn choose_formats(
    offered: &[TextureFormat],
    want_ten: bool,
) -> (TextureFormat, TextureFormat, bool) {
    use TextureFormat::*;
    if want_ten && offered.contains(&Rgb10a2Unorm) {
        return (Rgb10a2Unorm, Rgb10a2Unorm, true);
    }
    for linear in [Bgra8Unorm, Rgba8Unorm] {
        if offered.contains(&linear) {
            return (Rgba8Unorm, linear, false);
        }
    }
    let srgb = offered.iter().copied().find(|f| f.is_srgb()).unwrap_or(Bgra8UnormSrgb);
    (Rgba8UnormSrgb, srgb, false)
}

fn build_pixels(
    window: &Arc<Window>,
    size: PhysicalSize<u32>,
    texture_format: TextureFormat,
    surface_format: TextureFormat,
) -> Result<Pixels<'static>, PresenterError> {
    let surface = SurfaceTexture::new(size.width, size.height, window.clone());
    PixelsBuilder::new(size.width, size.height, surface)
        .texture_format(texture_format)
        .surface_texture_format(surface_format)
        .blend_state(wgpu::BlendState::REPLACE)
        .clear_color(wgpu::Color::BLACK)
        .enable_vsync(false)
        .build()
        .map_err(|e| PresenterError::Gpu(e.to_string()))
}

impl ApplicationHandler<Command> for App {
    fn resumed(&mut self, _event_loop: &ActiveEventLoop) {}

    fn new_events(&mut self, _event_loop: &ActiveEventLoop, cause: StartCause) {
        if matches!(cause, StartCause::ResumeTimeReached { .. }) {
            self.try_present();
        }
    }

    fn user_event(&mut self, event_loop: &ActiveEventLoop, command: Command) {
        match command {
            Command::Monitors { reply } => {
                let _ = reply.send(Ok(Self::monitors(event_loop)));
            }
            Command::Show { raster, reply, received } => {
                if self.surface.is_none()
                    && let Err(e) = self.open(event_loop)
                {
                    let _ = reply.send(Err(e));
                    return;
                }
                if let Some(old) = self.pending.take() {
                    let _ = old.reply.send(Err(PresenterError::Render("superseded".into())));
                }
                let deadline = Instant::now() + self.options.placement_timeout;
                self.pending = Some(PendingShow { raster, reply, received, deadline });
                self.try_present();
            }
            Command::Close => event_loop.exit(),
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        match event {
            WindowEvent::CloseRequested => {
                let _ = self.keys.send(OperatorKey::Quit);
                event_loop.exit();
            }
            WindowEvent::Resized(_) | WindowEvent::Moved(_) => self.try_present(),
            WindowEvent::RedrawRequested => {
                if let Some(surface) = self.surface.as_ref().filter(|s| s.shown.is_some()) {
                    let _ = surface.render();
                }
            }
            WindowEvent::KeyboardInput { event, .. }
                if event.state == ElementState::Pressed && !event.repeat =>
            {
                let key = match event.logical_key.as_ref() {
                    Key::Named(
                        NamedKey::Space
                        | NamedKey::Enter
                        | NamedKey::ArrowRight
                        | NamedKey::PageDown,
                    ) => Some(OperatorKey::Next),
                    Key::Named(NamedKey::ArrowLeft | NamedKey::Backspace | NamedKey::PageUp) => {
                        Some(OperatorKey::Previous)
                    }
                    Key::Named(NamedKey::Escape) => Some(OperatorKey::Quit),
                    Key::Character(c) if c.eq_ignore_ascii_case("q") => Some(OperatorKey::Quit),
                    _ => None,
                };
                if let Some(key) = key {
                    let _ = self.keys.send(key);
                }
            }
            _ => {}
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        // While a show waits for the window to be placed, wake up at its deadline.
        match &self.pending {
            Some(pending) => event_loop.set_control_flow(ControlFlow::WaitUntil(pending.deadline)),
            None => event_loop.set_control_flow(ControlFlow::Wait),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_carry_the_ddl_on_every_channel() {
        let mut raster = Raster::filled(2, 1, BitDepth::Ten, 1023);
        raster.draw(&crate::Shape::Fill { rect: crate::Rect::new(1, 0, 1, 1), ddl: 514 });
        let mut frame = vec![0u8; 8];
        assert!(write_frame(&raster, false, &mut frame));
        assert_eq!(frame, [255, 255, 255, 255, 128, 128, 128, 255]);
        assert!(!write_frame(&raster, true, &mut frame));
        let word = u32::from_le_bytes(frame[4..8].try_into().unwrap());
        assert_eq!(
            (word & 0x3FF, word >> 10 & 0x3FF, word >> 20 & 0x3FF, word >> 30),
            (514, 514, 514, 3)
        );
    }

    #[test]
    fn the_handle_can_move_to_the_session_thread() {
        fn send<T: Send>() {}
        send::<PresenterHandle>();
        send::<PresenterError>();
    }

    #[test]
    fn formats_pass_values_through() {
        use TextureFormat::*;
        assert_eq!(
            choose_formats(&[Bgra8UnormSrgb, Bgra8Unorm], false),
            (Rgba8Unorm, Bgra8Unorm, false)
        );
        assert_eq!(
            choose_formats(&[Bgra8UnormSrgb, Rgb10a2Unorm], true),
            (Rgb10a2Unorm, Rgb10a2Unorm, true)
        );
        assert_eq!(
            choose_formats(&[Bgra8UnormSrgb], true),
            (Rgba8UnormSrgb, Bgra8UnormSrgb, false)
        );
    }
}
