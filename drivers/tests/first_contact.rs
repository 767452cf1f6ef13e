//! The first-contact findings of the protocol audit (PROTOCOLS.md, "Audit
//! findings"), each against a strict twin that speaks what the public
//! documents say. Every test here failed before its fix: the notes twins
//! spoke the drivers' own assumptions, so those could not show them.
//! (Finding 3, spotread, is in `spotread.rs`; 11, discovery, in the unit
//! tests of `discovery.rs`.)

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use monqc_drivers::photo_research::{self, twin::PrTwin};
use monqc_drivers::twin::{Optics, TwinVariant};
use monqc_drivers::{FlagKind, MeterErrorKind, MeterKind, Photometer, Scene, link::Link};

const BUDGET: Duration = Duration::from_secs(10);

/// Finding 1: after `ECHO OFF` the MAVO answers a setting with the
/// parameter only (`ON`, `CD_M2`).
#[test]
fn finding_1_mavo_settings_answered_with_the_parameter_only() {
    let mut meter = strict(MeterKind::Mavo, scene(120.0, 0.0));
    let r = luminance(&mut meter, BUDGET).unwrap();
    assert!(close(r.value, 120.0, 0.01), "{}", r.value);
}

/// Finding 2: a MAVO value with a blank before the exponent.
#[test]
fn finding_2_mavo_value_with_a_blank_before_the_exponent() {
    let mut meter = strict(MeterKind::Mavo, scene(123.4, 0.0));
    let r = luminance(&mut meter, BUDGET).unwrap();
    // ` 1234 E-01 CD_M2` give or take the twin's noise in the last digit.
    let text = String::from_utf8_lossy(&r.raw);
    assert!(text.starts_with(" 12") && text.ends_with(" E-01 CD_M2\n"), "{text:?}");
    assert!(close(r.value, 123.4, 0.01), "{}", r.value);
}

/// Finding 4: the PR-655/670 answer ` REMOTE MODE` to `PHOTO` with no line
/// end; identify must not wait out the 10 s `PHOTO` timeout.
#[test]
fn finding_4_pr655_remote_mode_without_a_line_end() {
    for kind in [MeterKind::Pr655, MeterKind::Pr670] {
        let mut meter = strict(kind, scene(250.0, 0.0));
        let start = Instant::now();
        let info = meter.identify().unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert!(start.elapsed() < Duration::from_secs(4), "{kind}: {:?}", start.elapsed());
        assert_eq!(info.serial.as_deref(), Some("65551234"));
        let r = luminance(&mut meter, BUDGET).unwrap();
        assert!(close(r.value, 250.0, 0.01), "{kind}: {}", r.value);
    }
}

/// Finding 5: a K-10 left by another program: a data stream running, a
/// fixed range, the aiming lights on. `J8` and `L0` at connect, the stream
/// drained.
#[test]
fn finding_5_k10_cleared_set_to_auto_range_and_lights_off() {
    let scene = scene(300.0, 0.0);
    let mut meter = strict(MeterKind::K10, scene.clone());
    let info = meter.identify().unwrap();
    assert_eq!(info.serial.as_deref(), Some("12345678"));
    // 300 cd/m² is far outside the strict twin's fixed range around 1.
    let r = luminance(&mut meter, BUDGET).unwrap();
    assert!(close(r.value, 300.0, 0.01), "{}", r.value);
}

/// Finding 5: the first `N5` after an idle period is the old sample; it is
/// discarded, so a new light is read as new.
#[test]
fn finding_5_k10_first_n5_after_idle_is_discarded() {
    let scene = scene(50.0, 0.0);
    let mut meter = strict(MeterKind::K10, scene.clone());
    luminance(&mut meter, BUDGET).unwrap();
    scene.set_luminance(80.0);
    std::thread::sleep(Duration::from_millis(600));
    let r = luminance(&mut meter, BUDGET).unwrap();
    assert!(close(r.value, 80.0, 0.01), "{}", r.value);
}

/// Finding 5: `w` is a range change to Klein's own library, retried like
/// `u`/`v`; over range only when it persists.
#[test]
fn finding_5_k10_w_is_a_range_change() {
    let scene = scene(100.0, 0.0);
    let mut meter = strict(MeterKind::K10, scene.clone());
    luminance(&mut meter, BUDGET).unwrap();
    // A jump into the top range: the strict twin answers `w` once.
    scene.set_luminance(2_000.0);
    let r = luminance(&mut meter, BUDGET).unwrap();
    assert!(close(r.value, 2_000.0, 0.01), "{}", r.value);
    scene.set_luminance(9_000.0);
    assert_eq!(luminance(&mut meter, BUDGET).unwrap_err().kind(), MeterErrorKind::OverRange);
}

/// Finding 6: the reply's units field says what was measured; an
/// uncalibrated or illuminance reading is never reported as cd/m².
#[test]
fn finding_6_pr_units_field_is_checked() {
    for (units, expected) in [
        (2, MeterErrorKind::Uncalibrated),
        (1, MeterErrorKind::WrongQuantity),
        (112, MeterErrorKind::WrongQuantity),
    ] {
        for model in [photo_research::Model::Pr650, photo_research::Model::Pr670] {
            let scene: Arc<dyn Scene + Send + Sync> = scene(100.0, 0.0);
            let mut optics = Optics::new(scene, 1);
            optics.time_scale = 0.1;
            let mut twin = PrTwin::with_variant(model, optics, TwinVariant::Documented);
            twin.units_code = units;
            let (handle, end) =
                monqc_drivers::twin::spawn_in_memory(Box::new(twin), Default::default()).unwrap();
            let link = Link::over(Box::new(end), handle.path(), &photo_research::codec::PORT, None);
            let mut meter = photo_research::PhotoResearch::new(link, model).with_time_scale(0.1);
            let err = luminance(&mut meter, BUDGET).unwrap_err();
            assert_eq!(err.kind(), expected, "{model:?} units {units}: {err}");
        }
    }
}

/// Finding 7: the PR-655/670 overload status −2 is over range, not a
/// generic fault.
#[test]
fn finding_7_pr_overload_is_over_range() {
    let scene = scene(1e6, 0.0);
    let mut meter = strict(MeterKind::Pr670, scene);
    let err = luminance(&mut meter, BUDGET).unwrap_err();
    assert_eq!(err.kind(), MeterErrorKind::OverRange, "{err}");
    assert!(err.to_string().contains("-2"), "{err}");
}

/// Finding 8: the LS/CS meter drops the first command after power-up
/// (`MDS,04` is retried) and pads its fields after the sign.
#[test]
fn finding_8_konica_ls_retries_mds_and_reads_blanks_inside_fields() {
    for kind in [MeterKind::Ls100, MeterKind::Ls110, MeterKind::Cs100a] {
        let mut meter = strict(kind, scene(80.12, 0.0));
        meter.identify().unwrap_or_else(|e| panic!("{kind}: {e}"));
        let r = luminance(&mut meter, BUDGET).unwrap();
        assert!(r.raw.starts_with(b"OK00,+  "), "{kind}: {:?}", String::from_utf8_lossy(&r.raw));
        assert!(close(r.value, 80.12, 0.01), "{kind}: {}", r.value);
    }
}

/// Finding 9: the PR-650 misses its first command and answers `S` with the
/// D201 report, not a bare integer.
#[test]
fn finding_9_pr650_first_contact_and_setup_reply() {
    let mut meter = strict(MeterKind::Pr650, scene(80.0, 0.0));
    let r = luminance(&mut meter, BUDGET).unwrap();
    assert!(close(r.value, 80.0, 0.01), "{}", r.value);
}

/// Finding 10: on `OK11` the CS-100A's x, y are `+.0000`: no chromaticity,
/// and a flag.
#[test]
fn finding_10_cs100a_ok11_has_no_chromaticity() {
    let scene = scene(80.0, 0.0);
    let mut s = scene.stimulus();
    s.chromaticity = monqc_drivers::Chromaticity { x: 0.01, y: 0.9 };
    scene.set(s);
    for variant in VARIANTS {
        let mut meter = twin_variant(MeterKind::Cs100a, scene.clone(), Default::default(), variant);
        let r = luminance(&mut meter, BUDGET).unwrap();
        assert!(String::from_utf8_lossy(&r.raw).starts_with("OK11"), "{:?}", r.raw);
        assert_eq!(r.chromaticity, None, "{variant:?}");
        assert!(r.validity.has(FlagKind::ChromaticityOutOfRange), "{:?}", r.validity);
    }
}

/// Pacing (PROTOCOLS.md, "Pacing (PR-655/670)"): `Q` and `PHOTO` go one
/// character per write, at least 50 ms apart, as the manual asks for
/// `PHOTO`; every later command goes one character per write too, but
/// without the pause, so a reading no longer costs 100 ms of typing. Read
/// from the transcript, where each write is one `>` event stamped when it
/// was made. At the instrument's own timing, so that the pause is long
/// beside a busy machine's scheduling.
#[test]
fn pr_photo_is_typed_slowly_and_later_commands_a_character_per_write() {
    use monqc_drivers::transcript::{EventKind, Recorder, Transcript, TranscriptHeader};
    for kind in [MeterKind::Pr655, MeterKind::Pr670] {
        let header = TranscriptHeader { version: "test".into(), meter: format!("sim-{kind}") };
        let (recorder, sink) = Recorder::in_memory(&header);
        let options =
            monqc_drivers::SimOptions { variant: TwinVariant::Documented, ..Default::default() };
        let mut meter = monqc_drivers::spawn_simulated_recorded(
            kind,
            scene(100.0, 0.0),
            3,
            options,
            Some(recorder),
        )
        .unwrap();
        meter.identify().unwrap();
        luminance(&mut meter, BUDGET).unwrap();
        drop(meter);
        let t = Transcript::parse(&sink.text()).unwrap();
        let writes: Vec<(Duration, Vec<u8>)> = t
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Sent(b) => Some((e.at, b.clone())),
                _ => None,
            })
            .collect();
        assert!(writes.iter().all(|(_, b)| b.len() == 1), "{kind}: one character per write");
        let text: Vec<u8> = writes.iter().flat_map(|(_, b)| b.clone()).collect();
        assert!(text.starts_with(b"QPHOTO"), "{kind}: {:?}", String::from_utf8_lossy(&text));
        let gap = photo_research::codec::REMOTE_CHARACTER_GAP;
        for w in writes[1..6].windows(2) {
            assert!(w[1].0 - w[0].0 >= gap, "{kind}: PHOTO typed {:?} apart", w[1].0 - w[0].0);
        }
        // `M1\r` (and every command after PHOTO) is sent without the pause:
        // its three writes together take less than one paced gap.
        let m1 = text.windows(3).rposition(|w| w == b"M1\r").expect("M1 sent");
        let spread = writes[m1 + 2].0 - writes[m1].0;
        assert!(spread < gap, "{kind}: M1 typed over {spread:?}");
    }
}
