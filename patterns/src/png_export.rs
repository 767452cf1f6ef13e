//! PNG export of rasters, for inspection and for other viewers.

use std::io::Write;

use thiserror::Error;

use crate::{BitDepth, Raster};

/// Writing a PNG failed.
#[derive(Debug, Error)]
#[error("could not write the PNG: {0}")]
pub struct PngError(#[from] png::EncodingError);

impl Raster {
    /// Writes the raster as a greyscale PNG.
    ///
    /// An 8-bit raster becomes an 8-bit PNG with the DDLs as they are. A 10-bit
    /// raster becomes a 16-bit PNG: each DDL `v` is stored as `v << 6 | v >> 4`
    /// (left-aligned with bit replication, so 1023 becomes 65535 and viewers show the
    /// right brightness), and an `sBIT` chunk records 10 significant bits; the DDLs
    /// come back exactly as `sample >> 6` (PNG 1.2 specification, §12.5 "Sample
    /// depth scaling" and §4.2.6 `sBIT`). `title` goes into a `tEXt` "Title" chunk.
    pub fn write_png<W: Write>(&self, writer: W, title: &str) -> Result<(), PngError> {
        let mut encoder = png::Encoder::new(writer, self.width(), self.height());
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_compression(png::Compression::Fast);
        encoder.add_text_chunk("Title".into(), title.into())?;
        encoder.add_text_chunk("Software".into(), "monqc-patterns".into())?;
        match self.bit_depth() {
            BitDepth::Eight => {
                encoder.set_depth(png::BitDepth::Eight);
                let mut writer = encoder.write_header()?;
                let bytes: Vec<u8> = self.ddls().iter().map(|&v| v as u8).collect();
                writer.write_image_data(&bytes)?;
                writer.finish()?;
            }
            BitDepth::Ten => {
                encoder.set_depth(png::BitDepth::Sixteen);
                let mut writer = encoder.write_header()?;
                writer.write_chunk(png::chunk::sBIT, &[10])?;
                let bytes: Vec<u8> =
                    self.ddls().iter().flat_map(|&v| (v << 6 | v >> 4).to_be_bytes()).collect();
                writer.write_image_data(&bytes)?;
                writer.finish()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Orientation, Rect, Shape};

    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>, Option<Vec<u8>>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        let sbit = reader.info().sbit.as_ref().map(|s| s.to_vec());
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf, sbit)
    }

    #[test]
    fn ten_bit_raster_round_trips_through_a_16_bit_png() {
        let mut raster = Raster::filled(1024, 3, BitDepth::Ten, 0);
        raster.draw(&Shape::Ramp {
            rect: Rect::new(0, 0, 1024, 3),
            orientation: Orientation::Horizontal,
            from: 0,
            to: 1023,
        });
        let mut bytes = Vec::new();
        raster.write_png(&mut bytes, "ramp").unwrap();
        let (info, data, sbit) = decode(&bytes);
        assert_eq!(info.bit_depth, png::BitDepth::Sixteen);
        assert_eq!(sbit.as_deref(), Some(&[10u8][..]));
        let samples: Vec<u16> =
            data.chunks_exact(2).map(|b| u16::from_be_bytes([b[0], b[1]])).collect();
        assert_eq!(samples[1023], 65535);
        let back: Vec<u16> = samples.iter().map(|s| s >> 6).collect();
        assert_eq!(back, raster.ddls());
    }

    #[test]
    fn eight_bit_raster_is_stored_as_is() {
        let raster = Raster::filled(5, 4, BitDepth::Eight, 77);
        let mut bytes = Vec::new();
        raster.write_png(&mut bytes, "flat").unwrap();
        let (info, data, _) = decode(&bytes);
        assert_eq!((info.width, info.height, info.bit_depth), (5, 4, png::BitDepth::Eight));
        assert!(data.iter().all(|&b| b == 77));
    }
}
