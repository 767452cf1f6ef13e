//! Exports every pattern as PNG, for looking at them.
//!
//! `cargo run --release -p monqc-patterns --example export_patterns -- OUT_DIR WxH BITS`
//! (defaults: `target/patterns 1920x1080 8`). `UNIFORM-<DDL>` is exported at mid-scale.

use std::path::PathBuf;

use monqc_patterns::{BitDepth, PatternId, PatternParams, catalogue};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/patterns".into()));
    let size = args.next().unwrap_or_else(|| "1920x1080".into());
    let bits: u8 = args.next().unwrap_or_else(|| "8".into()).parse()?;
    let (w, h) = size.split_once(['x', 'X']).ok_or("size must be WxH")?;
    let depth = BitDepth::from_bits(bits)?;
    let params = PatternParams::new(w.parse()?, h.parse()?, depth);
    std::fs::create_dir_all(&out)?;
    for info in catalogue() {
        let name = if info.name.starts_with("UNIFORM") {
            format!("UNIFORM-{}", depth.max_ddl() / 2 + 1)
        } else {
            info.name
        };
        let id: PatternId = name.parse()?;
        let raster = id.generate(&params)?.render();
        let path = out.join(format!("{name}_{w}x{h}_{bits}bit.png"));
        raster.write_png(std::io::BufWriter::new(std::fs::File::create(&path)?), &name)?;
        println!("{}", path.display());
    }
    Ok(())
}
