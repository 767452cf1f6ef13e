//! The operator's caption over a pattern: placed from the pattern geometry
//! clear of every measurement region (TG18-UN80's five squares, the BN
//! patch), dim, and never changing a measured pixel, for every pattern at
//! common display sizes, in Japanese and English.

use monqc_patterns::{BitDepth, PatternId, PatternParams, PatternSpec, Rect, catalogue};

fn spec(name: &str, w: u32, h: u32, depth: BitDepth) -> PatternSpec {
    name.parse::<PatternId>().unwrap().generate(&PatternParams::new(w, h, depth)).unwrap()
}

fn caption() -> Vec<String> {
    vec![
        "TG18-UN80 — 輝度均一性: はっきり見えるむら（しみ、帯、暗い四隅）がない".into(),
        "Uniformity (輝度均一性): no clearly visible non-uniformity (blotches, bands, dark corners)".into(),
        "Y: 基準を満たす　N: 満たさない　Q / Esc: 中断".into(),
    ]
}

/// Distance in pixels between two rectangles (0 when they meet).
fn gap(a: &Rect, b: &Rect) -> u32 {
    let dx = b.x.saturating_sub(a.right()).max(a.x.saturating_sub(b.right()));
    let dy = b.y.saturating_sub(a.bottom()).max(a.y.saturating_sub(b.bottom()));
    dx.max(dy)
}

#[test]
fn captions_keep_clear_of_every_measured_area_and_change_nothing_measured() {
    let sizes = [
        (640, 480, BitDepth::Eight),
        (1280, 1024, BitDepth::Eight),
        (1920, 1080, BitDepth::Ten),
        (1080, 1920, BitDepth::Ten),
        (2048, 2560, BitDepth::Eight),
    ];
    for (w, h, depth) in sizes {
        for info in catalogue() {
            let name = info.name.replace("<DDL>", "100");
            let s = spec(&name, w, h, depth);
            let area = s.caption_area();
            let clear = s.caption_clearance();
            assert!(!area.is_empty(), "{name} {w}x{h}: no room for a caption");
            assert!(area.clip(w, h) == area, "{name} {w}x{h}: caption off screen");
            for m in &s.measurement_regions {
                assert!(
                    gap(&area, &m.rect) >= clear,
                    "{name} {w}x{h}: the caption area {area:?} is {} px from {} {:?}, less than {clear}",
                    gap(&area, &m.rect),
                    m.label,
                    m.rect
                );
            }
            let plain = s.render();
            let captioned = s.render_with_caption(&caption());
            let offset = depth.max_ddl().div_ceil(8);
            let mut changed = 0;
            for y in 0..h {
                let (a, b) = (plain.row(y).unwrap(), captioned.row(y).unwrap());
                for x in 0..w {
                    if a[x as usize] == b[x as usize] {
                        continue;
                    }
                    changed += 1;
                    assert!(
                        area.contains(x, y),
                        "{name} {w}x{h}: ({x}, {y}) outside the caption area"
                    );
                    assert_eq!(
                        a[x as usize].abs_diff(b[x as usize]),
                        offset,
                        "{name} {w}x{h}: ({x}, {y}) is not dim (an eighth of full scale)"
                    );
                }
            }
            assert!(changed > 200, "{name} {w}x{h}: the caption is drawn ({changed} px)");
            for m in &s.measurement_regions {
                for y in m.rect.y..m.rect.bottom() {
                    let row =
                        &captioned.row(y).unwrap()[m.rect.x as usize..m.rect.right() as usize];
                    assert!(row.iter().all(|&v| v == m.ddl), "{name} {w}x{h} {} row {y}", m.label);
                }
            }
        }
    }
}

/// Where the caption sits on the patterns that are measured, at 1280×1024:
/// between the bottom corner squares of TG18-UN80 below the centre square,
/// and below the BN patch, at the bottom of the screen (as far from the
/// measured areas as the area allows).
#[test]
fn the_caption_sits_below_the_measured_squares() {
    let un = spec("TG18-UN80", 1280, 1024, BitDepth::Eight);
    let area = un.caption_area();
    let [tl, tr, centre, bl, br] = [0, 1, 2, 3, 4].map(|i| un.measurement_regions[i].rect);
    assert!(
        area.x >= bl.right() + 16 && area.right() + 16 <= br.x,
        "{area:?} between {bl:?} and {br:?}"
    );
    assert!(area.y >= centre.bottom() + 16, "{area:?} below {centre:?}");
    assert!(area.y > tl.bottom() && area.y > tr.bottom());
    let drawn = un.render_with_caption(&caption());
    let plain = un.render();
    let lowest_row = (0..1024).rev().find(|&y| drawn.row(y) != plain.row(y)).unwrap();
    assert!(lowest_row > 1000, "the caption is at the bottom: row {lowest_row}");

    let bn = spec("JIRA-BN01", 1280, 1024, BitDepth::Eight);
    let patch = bn.measurement_regions[0].rect;
    let area = bn.caption_area();
    assert!(area.y >= patch.bottom() + 16, "{area:?} below the patch {patch:?}");
    // On the black BN01 background the caption is DDL 32: dim, yet legible.
    let drawn = bn.render_with_caption(&caption());
    assert!(drawn.ddls().contains(&32));
    assert!(drawn.ddls().iter().all(|&v| v == 0 || v == 32), "nothing brighter than the caption");
}

/// The caption never changes the pattern itself (what `patterns export`
/// writes and the golden checksums hold).
#[test]
fn rendering_a_caption_leaves_the_pattern_as_it_was() {
    let s = spec("TG18-UN80", 1024, 1024, BitDepth::Eight);
    let before = s.render();
    let _ = s.render_with_caption(&caption());
    assert_eq!(s.render(), before);
    assert_eq!(s.render_with_caption(&[]), before, "no caption, no change");
}
