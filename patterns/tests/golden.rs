//! Golden SHA-256 checksums of rendered rasters at the standard sizes (1024², 2048²,
//! 1920×1080, 2048×2560) in 8 and 10 bits, kept in `tests/golden/raster-sha256.txt`.
//!
//! A change to any pixel of any of these patterns fails this test. When a change is
//! intended, regenerate the file with `MONQC_BLESS=1 cargo test -p monqc-patterns
//! --test golden`, look at the exported PNGs, and commit the new file with a reason.
//!
//! The hash covers `"{width}x{height}x{bits}\n"` followed by the raster's DDLs,
//! row-major, run-length encoded as (DDL as little-endian `u16`, run length as
//! little-endian `u32`) pairs — lossless, so every pixel counts, and short enough to
//! hash quickly in a debug build.

use std::fmt::Write as _;
use std::path::PathBuf;

use monqc_patterns::{BitDepth, PatternId, PatternParams, Raster};
use sha2::{Digest, Sha256};

/// One of each layout, plus the extremes of the level series.
const NAMES: [&str; 13] = [
    "TG18-QC",
    "TG18-UN80",
    "TG18-UN10",
    "TG18-UNL80",
    "TG18-UNL10",
    "TG18-LN12-01",
    "TG18-LN12-09",
    "TG18-LN12-18",
    "TG18-CT",
    "JIRA-BN01",
    "JIRA-BN18",
    "JIRA-BN09-L20",
    "UNIFORM-200",
];

const SIZES: [(u32, u32); 4] = [(1024, 1024), (2048, 2048), (1920, 1080), (2048, 2560)];

fn digest(raster: &Raster) -> String {
    let mut hasher = Sha256::new();
    hasher.update(
        format!("{}x{}x{}\n", raster.width(), raster.height(), raster.bit_depth().bits())
            .as_bytes(),
    );
    let mut runs = Vec::new();
    let mut pixels = raster.ddls().iter();
    if let Some(&first) = pixels.next() {
        let (mut value, mut length) = (first, 1u32);
        for &v in pixels {
            if v == value {
                length += 1;
            } else {
                runs.extend_from_slice(&value.to_le_bytes());
                runs.extend_from_slice(&length.to_le_bytes());
                (value, length) = (v, 1);
            }
        }
        runs.extend_from_slice(&value.to_le_bytes());
        runs.extend_from_slice(&length.to_le_bytes());
    }
    hasher.update(&runs);
    hasher.finalize().iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

fn current() -> String {
    let mut out = String::from("# pattern WxH bits sha256 (see tests/golden.rs)\n");
    for name in NAMES {
        let id: PatternId = name.parse().unwrap();
        for (w, h) in SIZES {
            for depth in [BitDepth::Eight, BitDepth::Ten] {
                let raster = id.generate(&PatternParams::new(w, h, depth)).unwrap().render();
                writeln!(out, "{name} {w}x{h} {} {}", depth.bits(), digest(&raster)).unwrap();
            }
        }
    }
    out
}

#[test]
fn rasters_match_their_golden_checksums() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
        .join("raster-sha256.txt");
    let now = current();
    if std::env::var_os("MONQC_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &now).unwrap();
        return;
    }
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with MONQC_BLESS=1", path.display()));
    let changed: Vec<String> = golden
        .lines()
        .zip(now.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("  golden {a}\n  now    {b}"))
        .collect();
    assert!(
        changed.is_empty() && golden.lines().count() == now.lines().count(),
        "{} raster(s) changed:\n{}",
        changed.len(),
        changed.join("\n")
    );
}
