//! The window and its GPU surface: pixel formats that pass DDLs through unchanged,
//! and the frame written from a raster.

use std::sync::Arc;

use pixels::wgpu::{self, TextureFormat};
use pixels::{Pixels, PixelsBuilder, SurfaceTexture};
use winit::dpi::{PhysicalPosition, PhysicalSize};
use winit::event_loop::ActiveEventLoop;
use winit::monitor::MonitorHandle;
use winit::window::{Fullscreen, Window};

use super::{PresenterError, PresenterOptions};
use crate::{BitDepth, Raster};

/// The open window with its GPU surface.
pub(super) struct Surface {
    pub(super) window: Arc<Window>,
    pub(super) pixels: Pixels<'static>,
    pub(super) monitor_position: PhysicalPosition<i32>,
    pub(super) monitor_size: PhysicalSize<u32>,
    pub(super) format: TextureFormat,
    pub(super) ten_bit: bool,
    /// The raster on screen, for redraws.
    pub(super) shown: Option<Raster>,
}

impl Surface {
    /// Opens a borderless fullscreen window on `monitor`, also placed and sized to it
    /// by hand (without a window manager a fullscreen request is ignored), with a
    /// GPU surface whose format passes DDLs through unchanged.
    pub(super) fn open(
        event_loop: &ActiveEventLoop,
        monitor: &MonitorHandle,
        options: &PresenterOptions,
    ) -> Result<Self, PresenterError> {
        let attributes = Window::default_attributes()
            .with_title(options.title.clone())
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
            choose_formats(&formats, options.bit_depth == BitDepth::Ten);
        // wgpu reports some surface errors by panicking; keep the presenter thread alive
        // and report them as errors instead.
        let pixels = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            build_pixels(&window, size, texture_format, format)
        }))
        .map_err(|panic| PresenterError::Gpu(panic_message(panic.as_ref())))??;
        Ok(Self {
            window,
            pixels,
            monitor_position: monitor.position(),
            monitor_size: monitor.size(),
            format,
            ten_bit,
            shown: None,
        })
    }

    /// Writes the raster into the frame, renders and waits for the GPU. Returns true
    /// if a 10-bit raster had to be converted to 8 bits.
    pub(super) fn present(&mut self, raster: Raster) -> Result<bool, PresenterError> {
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

    pub(super) fn render(&self) -> Result<(), PresenterError> {
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
