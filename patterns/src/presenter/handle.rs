//! The session side of the presenter: [`Presenter::spawn`] starts the event-loop
//! thread, and a [`PresenterHandle`] sends it commands and receives operator keys.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use winit::event_loop::{EventLoop, EventLoopProxy};

use super::app::App;
use super::{MonitorInfo, OperatorKey, PresenterError, PresenterOptions, ShowReport};
use crate::{PatternSpec, Raster};

/// Starts presenters.
#[derive(Debug)]
pub struct Presenter;

/// A request from a [`PresenterHandle`] to the event-loop thread.
pub(super) enum Command {
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

    /// Renders `spec` with `caption` (one entry per line; the last, the keys, is
    /// kept if space runs short) dim in [`PatternSpec::caption_area`], never over a
    /// measurement region, and shows it; `None` shows the pattern alone. The raster
    /// a pattern renders to is not changed: the caption is drawn on a copy.
    pub fn show_pattern_captioned(
        &self,
        spec: &PatternSpec,
        caption: Option<&[String]>,
    ) -> Result<ShowReport, PresenterError> {
        let raster = match caption {
            Some(lines) => spec.render_with_caption(lines),
            None => spec.render(),
        };
        self.show(&raster)
    }

    /// Forgets the keys pressed so far (before a new question is shown, so an
    /// earlier key press does not answer it).
    pub fn forget_keys(&self) {
        while self.keys.try_recv().is_ok() {}
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
