//! Pattern geometry and levels against the figures measured on 1:1 renderings of the
//! TG18 image files AAPM distributes with OR-03 (v8.0, 12/01, 1024²), against
//! pacsDisplay's TG18-OIQ description, and against JESRA X-0093*B-2017's BN levels.
//! The expected numbers are written out here as measured or published, not computed
//! with the crate's own formulas.

use monqc_patterns::{
    BitDepth, PatternError, PatternId, PatternParams, PatternSpec, Raster, Rect, Shape,
};

fn spec(name: &str, w: u32, h: u32, depth: BitDepth) -> PatternSpec {
    name.parse::<PatternId>().unwrap().generate(&PatternParams::new(w, h, depth)).unwrap()
}

fn render(name: &str, w: u32, h: u32, depth: BitDepth) -> Raster {
    spec(name, w, h, depth).render()
}

fn px(r: &Raster, x: u32, y: u32) -> u16 {
    r.get(x, y).unwrap()
}

/// AAPM's TG18-LN12-xx 1k files have one centred square, x, y = 350…673
/// (324×324 px), at (n − 1)·240 of 4080 → 8-bit 0, 15, …, 255, on a background that
/// renders 154/255 in all 18 images.
#[test]
fn ln12_patch_is_324_px_at_350_to_673_on_1k() {
    for n in 1..=18u16 {
        let name = format!("TG18-LN12-{n:02}");
        let s = spec(&name, 1024, 1024, BitDepth::Eight);
        let r = s.render();
        let level = (n - 1) * 15;
        for (x, y) in [(350, 350), (673, 673), (350, 673), (673, 350), (512, 512)] {
            assert_eq!(px(&r, x, y), level, "{name} inside at ({x}, {y})");
        }
        for (x, y) in [(349, 512), (674, 512), (512, 349), (512, 674), (10, 1000)] {
            assert_eq!(px(&r, x, y), 154, "{name} background at ({x}, {y})");
        }
        assert_eq!(s.background, 154);
        assert_eq!(s.measurement_regions.len(), 1);
        assert_eq!(s.measurement_regions[0].rect, Rect::new(350, 350, 324, 324));
        assert_eq!(s.measurement_regions[0].ddl, level);
    }
    // 10 bits: the ends are 0 and full scale.
    assert_eq!(px(&render("TG18-LN12-01", 1024, 1024, BitDepth::Ten), 512, 512), 0);
    assert_eq!(px(&render("TG18-LN12-18", 1024, 1024, BitDepth::Ten), 512, 512), 1023);
}

/// AAPM's TG18-UNL10 1k file: background 26/255; 1-px lines at 128/255 at
/// x, y = 349 and 674 (centre square) and at 2, 327 and 696, 1021 (corner squares, 326
/// px with the lines, inset 2 px from the edges). UN10 is the same without lines.
#[test]
fn unl_squares_match_the_authentic_1k_lines() {
    let unl = render("TG18-UNL10", 1024, 1024, BitDepth::Eight);
    let un = render("TG18-UN10", 1024, 1024, BitDepth::Eight);
    let lines_centre = [349, 674];
    let lines_corner = [2, 327, 696, 1021];
    for x in lines_centre {
        for y in 349..=674 {
            assert_eq!(px(&unl, x, y), 128, "centre line x = {x}, y = {y}");
            assert_eq!(px(&un, x, y), 26);
        }
    }
    for x in lines_corner {
        for y in (2..=327).chain(696..=1021) {
            assert_eq!(px(&unl, x, y), 128, "corner line x = {x}, y = {y}");
            assert_eq!(px(&unl, y, x), 128, "corner line y = {x}, x = {y}");
        }
    }
    for (x, y) in
        [(0, 0), (1, 100), (3, 100), (326, 100), (328, 100), (1022, 800), (512, 512), (512, 1023)]
    {
        assert_eq!(px(&unl, x, y), 26, "field at ({x}, {y})");
    }
    let s = spec("TG18-UNL80", 1024, 1024, BitDepth::Eight);
    assert_eq!(s.background, 204, "80 % of 255 (RadiCS gray 204)");
    let labels: Vec<&str> = s.measurement_regions.iter().map(|m| m.label.as_str()).collect();
    assert_eq!(labels, ["top-left", "top-right", "centre", "bottom-left", "bottom-right"]);
    let rects: Vec<Rect> = s.measurement_regions.iter().map(|m| m.rect).collect();
    assert_eq!(
        rects,
        [
            Rect::new(3, 3, 324, 324),
            Rect::new(697, 3, 324, 324),
            Rect::new(350, 350, 324, 324),
            Rect::new(3, 697, 324, 324),
            Rect::new(697, 697, 324, 324),
        ]
    );
    // Each square is 10 % of the area (324² / 1024² = 0.1001).
    for r in rects {
        assert!((r.area() as f64 / (1024.0 * 1024.0) - 0.1).abs() < 0.001);
    }
}

/// AAPM's TG18-QC 1k file: background 128, grid 191, the
/// 16 patches as the outer ring of a 6×6 block of 102-px cells spanning x, y ≈ 205…818:
/// left column bottom → top 8, 24, 40, 56, 72, 88; top row 88 → 167 (104, 120, 136,
/// 151/152, 167); right column top → bottom 167 … 247 (183, 199, 215, 231, 247). Bottom
/// row: a 0 cell with a 13 square and a 255 cell with a 242 square. Letters on 0 / 128 /
/// 255 panels at ±1…14.
#[test]
fn qc_patches_levels_and_panels_match_the_authentic_1k_file() {
    let s = spec("TG18-QC", 1024, 1024, BitDepth::Eight);
    let r = s.render();
    assert_eq!(s.background, 128);
    assert_eq!(px(&r, 60, 300), 128, "background");
    assert_eq!(px(&r, 511, 60), 191, "vertical grid line through the centre");
    // Cell centres: columns/rows of the block at 205 + 51 + 102·i.
    let centre = |i: u32| 256 + 102 * i;
    let left: Vec<u16> = (0..6).rev().map(|row| px(&r, centre(0), centre(row))).collect();
    assert_eq!(left, [8, 24, 40, 56, 72, 88], "left column, bottom to top");
    let top: Vec<u16> = (0..6).map(|col| px(&r, centre(col), centre(0))).collect();
    assert_eq!(&top[..4], &[88, 104, 120, 136]);
    assert!(top[4] == 151 || top[4] == 152, "measured 151/152, got {}", top[4]);
    assert_eq!(top[5], 167);
    let right: Vec<u16> = (0..6).map(|row| px(&r, centre(5), centre(row))).collect();
    assert_eq!(right, [167, 183, 199, 215, 231, 247], "right column, top to bottom");
    // The 16 measurement regions are uniform and in order k = 0…15.
    let levels: Vec<u16> = s.measurement_regions.iter().map(|m| m.ddl).collect();
    assert_eq!(levels.len(), 16);
    assert!(levels.windows(2).all(|w| w[1] > w[0]));
    // The block spans about 205…818.
    assert_eq!(px(&r, 206, 206), 88);
    assert_eq!(px(&r, 816, 816), 247);
    assert_eq!(px(&r, 203, 400), 128, "left of the block (between ramp and block)");
    // 0 % with a 5 % square, 100 % with a 95 % square (8-bit 13 and 242).
    let bottom = centre(5);
    assert_eq!(px(&r, 409, bottom), 13);
    assert_eq!(px(&r, 320, bottom - 40), 0);
    assert_eq!(px(&r, 613, bottom), 242);
    assert_eq!(px(&r, 700, bottom - 40), 255);
    // "QUALITY CONTROL" panels: every level from 1 to 14 above black and mid-grey, below
    // white, and nothing else.
    for (x0, base, sign) in [(206u32, 0i32, 1i32), (410, 128, 1), (614, 255, -1)] {
        let mut seen = std::collections::BTreeSet::new();
        for y in 820..918 {
            for x in x0..x0 + 200 {
                seen.insert(i32::from(px(&r, x, y)));
            }
        }
        let expected: std::collections::BTreeSet<i32> = (0..=14).map(|d| base + sign * d).collect();
        assert_eq!(seen, expected, "letters on the {base} panel");
    }
    // Border: full scale on the outermost pixels.
    for i in 0..1024 {
        assert_eq!([px(&r, 0, i), px(&r, 1023, i), px(&r, i, 0), px(&r, i, 1023)], [255; 4]);
    }
}

/// Resolution blocks: 1-px bars alternate 0 / 255 (high contrast) and 128 / 130 (low
/// contrast) at the centre and in the corners (pacsDisplay's TG18-OIQ description).
#[test]
fn qc_resolution_blocks_alternate_every_pixel() {
    let r = render("TG18-QC", 1024, 1024, BitDepth::Eight);
    let corner = |x: u32, y: u32| {
        // Horizontal 1-px bars at the block's top-left square: rows alternate.
        let column: Vec<u16> = (y..y + 16).map(|yy| px(&r, x + 3, yy)).collect();
        assert!(column.chunks(2).all(|p| p == [0, 255]), "high contrast at ({x}, {y}): {column:?}");
        let low: Vec<u16> = (y + 16..y + 32).map(|yy| px(&r, x + 3, yy)).collect();
        assert!(low.chunks(2).all(|p| p == [128, 130]), "low contrast at ({x}, {y}): {low:?}");
        // Vertical 1-px bars in the second square: columns alternate.
        let row: Vec<u16> = (x + 16..x + 32).map(|xx| px(&r, xx, y + 3)).collect();
        assert!(row.chunks(2).all(|p| p == [0, 255]), "vertical bars at ({x}, {y}): {row:?}");
    };
    corner(8, 8);
    corner(1024 - 8 - 64, 8);
    corner(8, 1024 - 8 - 32);
    corner(1024 - 8 - 64, 1024 - 8 - 32);
    corner(512 - 32, 512 - 16);
}

/// JIRA BN: patch DDL 0, 15, …, 255 (BN01 → 0, BN18 → 255) on black, or on the
/// background DDL the caller gives (JESRA X-0093*B-2017).
#[test]
fn jira_bn_levels_and_backgrounds() {
    for n in 1..=18u16 {
        let r = render(&format!("JIRA-BN{n:02}"), 1024, 1024, BitDepth::Eight);
        assert_eq!(px(&r, 512, 512), (n - 1) * 15);
        assert_eq!(px(&r, 5, 1000), 0);
    }
    let id: PatternId = "JIRA-BN05-L20".parse().unwrap();
    let mut params = PatternParams::new(1920, 1080, BitDepth::Ten);
    params.background_ddl = Some(700);
    let s = id.generate(&params).unwrap();
    assert_eq!(s.background, 700);
    assert_eq!(s.measurement_regions[0].ddl, 241, "round(4 / 17 · 1023) = round(240.7)");
    params.background_ddl = None;
    assert_eq!(id.generate(&params).unwrap().background, 618, "default: LN12 background");
    params.background_ddl = Some(1024);
    assert!(matches!(
        id.generate(&params),
        Err(PatternError::DdlOutOfRange { ddl: 1024, bits: 10, max: 1023 })
    ));
}

/// OR-03 conditions (3) and (4): every TG18 pattern is labelled synthetic, and says
/// "SCALED" away from the report's 1k/2k sizes.
#[test]
fn tg18_patterns_are_labelled_synthetic_and_scaled() {
    let text = |s: &PatternSpec| -> String {
        s.shapes
            .iter()
            .filter_map(|shape| match shape {
                Shape::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    for name in ["TG18-QC", "TG18-UNL80", "TG18-UN10", "TG18-LN12-05", "TG18-CT"] {
        let native = text(&spec(name, 2048, 2048, BitDepth::Ten));
        assert!(native.contains("SYNTHETIC") && native.contains("BASED ON AAPM TG18"), "{native}");
        assert!(!native.contains("SCALED"), "{name} at 2048² is not scaled");
        let scaled = text(&spec(name, 1920, 1080, BitDepth::Eight));
        assert!(scaled.contains("SCALED"), "{name} at 1920×1080: {scaled}");
    }
}

/// For every pattern at three display shapes (square, landscape, portrait; the levels
/// differ between depths, the geometry does not): the measurement regions are
/// uniform at their DDL even with a prompt drawn, the prompt area is not empty and
/// never overlaps a measurement region, and every DDL fits the bit depth.
#[test]
fn prompts_never_touch_measurement_regions() {
    let prompt = "PLACE THE METER ON THE CENTRE OF THE SQUARE AND PRESS SPACE. ESC STOPS.";
    for (w, h, depth) in
        [(1024, 1024, BitDepth::Eight), (1920, 1080, BitDepth::Ten), (2048, 2560, BitDepth::Eight)]
    {
        for info in monqc_patterns::catalogue() {
            let name = info.name.replace("<DDL>", "100");
            let s = spec(&name, w, h, depth);
            assert!(!s.prompt_area.is_empty(), "{name} {w}x{h}: empty prompt area");
            let r = s.render_with_prompt(prompt);
            assert!(r.ddls().iter().all(|&v| v <= depth.max_ddl()));
            for m in &s.measurement_regions {
                assert!(!m.rect.intersects(&s.prompt_area), "{name} {w}x{h}: {}", m.label);
                for y in m.rect.y..m.rect.bottom() {
                    let row = &r.row(y).unwrap()[m.rect.x as usize..m.rect.right() as usize];
                    assert!(row.iter().all(|&v| v == m.ddl), "{name} {w}x{h} {} row {y}", m.label);
                }
            }
        }
    }
}

#[test]
fn unusable_geometry_is_a_typed_error() {
    let params = PatternParams::new(320, 240, BitDepth::Eight);
    for name in ["TG18-QC", "TG18-UNL80", "TG18-LN12-01", "JIRA-BN01"] {
        let e = name.parse::<PatternId>().unwrap().generate(&params).unwrap_err();
        assert!(matches!(e, PatternError::TooSmall { min_px: 480, .. }), "{name}: {e:?}");
    }
    let wide = PatternParams::new(5120, 1080, BitDepth::Eight);
    let e = "TG18-UN80".parse::<PatternId>().unwrap().generate(&wide).unwrap_err();
    assert!(matches!(e, PatternError::AspectRatio { .. }), "{e:?}");
    assert!("UNIFORM-256".parse::<PatternId>().unwrap().generate(&params).is_err());
}

/// Common medical and desktop display sizes, portrait and landscape, down to the
/// smallest supported side: every pattern generates, its regions lie on the display,
/// and the prompt area is clear of them.
#[test]
fn every_pattern_fits_common_display_sizes() {
    let sizes = [
        (480, 480),
        (640, 480),
        (1280, 1024),
        (1536, 2048),
        (1600, 1200),
        (2048, 1536),
        (2560, 1440),
        (2560, 2048),
        (1080, 1920),
        (3840, 2160),
        (4200, 2800),
    ];
    for (w, h) in sizes {
        for info in monqc_patterns::catalogue() {
            let name = info.name.replace("<DDL>", "7");
            let s = spec(&name, w, h, BitDepth::Ten);
            let screen = Rect::new(0, 0, w, h);
            assert!(!s.prompt_area.is_empty() && s.prompt_area.clip(w, h) == s.prompt_area);
            for m in &s.measurement_regions {
                assert!(!m.rect.is_empty() && m.rect.clip(w, h) == m.rect, "{name} {w}x{h}");
                assert!(m.rect.intersects(&screen));
                assert!(!m.rect.intersects(&s.prompt_area), "{name} {w}x{h}: {}", m.label);
            }
        }
    }
}
