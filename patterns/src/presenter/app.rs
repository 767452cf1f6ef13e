//! The event-loop side: a winit application that opens the window on the first
//! show, presents a raster once the window covers exactly its pixels, and maps
//! keys to [`OperatorKey`]s.

use std::sync::mpsc::Sender;
use std::time::Instant;

use winit::application::ApplicationHandler;
use winit::event::{ElementState, StartCause, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow};
use winit::keyboard::{Key, NamedKey};
use winit::monitor::MonitorHandle;
use winit::window::WindowId;

use super::handle::Command;
use super::surface::Surface;
use super::{MonitorInfo, OperatorKey, PresenterError, PresenterOptions, ShowReport};
use crate::Raster;

pub(super) struct PendingShow {
    raster: Raster,
    reply: Sender<Result<ShowReport, PresenterError>>,
    received: Instant,
    deadline: Instant,
}

pub(super) struct App {
    pub(super) options: PresenterOptions,
    pub(super) keys: Sender<OperatorKey>,
    pub(super) surface: Option<Surface>,
    pub(super) pending: Option<PendingShow>,
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
        self.surface = Some(Surface::open(event_loop, &monitor, &self.options)?);
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
                    Key::Character(c) if c.eq_ignore_ascii_case("y") => Some(OperatorKey::Yes),
                    Key::Character(c) if c.eq_ignore_ascii_case("n") => Some(OperatorKey::No),
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
