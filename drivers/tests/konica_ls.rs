//! LS-100 / LS-110 / CS-100A driver against its twin over a pseudo-terminal.

mod common;

use std::time::Duration;

use common::*;
use monqc_drivers::twin::Fault;
use monqc_drivers::{FlagKind, MeterErrorKind, MeterKind, Photometer, Quantity};

const BUDGET: Duration = Duration::from_secs(3);

#[test]
fn cs100a_reads_luminance_and_chromaticity() {
    let mut meter = twin(MeterKind::Cs100a, scene(80.12, 0.0), Fault::None);
    let info = meter.identify().unwrap();
    assert_eq!(info.model, "CS-100A");
    let r = luminance(&mut meter, BUDGET).unwrap();
    assert_eq!(r.quantity, Quantity::Luminance);
    assert!(close(r.value, 80.12, 0.01), "{}", r.value);
    let xy = r.chromaticity.unwrap();
    assert!((xy.x - 0.3127).abs() < 1e-4 && (xy.y - 0.3290).abs() < 1e-4);
    assert!(r.raw.starts_with(b"OK00,") && r.raw.ends_with(b"\r\n"), "{:?}", r.raw);
    assert_eq!(r.raw.len(), 28);
}

#[test]
fn ls100_follows_the_scene() {
    let scene = scene(400.0, 0.0);
    let mut meter = twin(MeterKind::Ls100, scene.clone(), Fault::None);
    let bright = luminance(&mut meter, BUDGET).unwrap();
    scene.set_luminance(0.5);
    let dark = luminance(&mut meter, BUDGET).unwrap();
    assert!(close(bright.value, 400.0, 0.01) && close(dark.value, 0.5, 0.01));
    assert!(bright.chromaticity.is_none());
}

#[test]
fn over_range_is_a_typed_error_and_the_meter_keeps_working() {
    let scene = scene(500_000.0, 0.0);
    let mut meter = twin(MeterKind::Ls100, scene.clone(), Fault::None);
    let err = luminance(&mut meter, BUDGET).unwrap_err();
    assert_eq!(err.kind(), MeterErrorKind::OverRange, "{err}");
    scene.set_luminance(100.0);
    assert!(close(luminance(&mut meter, BUDGET).unwrap().value, 100.0, 0.01));
}

#[test]
fn below_range_is_flagged_not_hidden() {
    let mut meter = twin(MeterKind::Ls110, scene(0.005, 0.0), Fault::None);
    let r = luminance(&mut meter, BUDGET).unwrap();
    assert!(r.validity.has(FlagKind::BelowRange), "{:?}", r.validity);
    assert!(r.validity.flags()[0].words.starts_with("OK13"), "{:?}", r.validity);
}

#[test]
fn illuminance_is_unsupported() {
    let mut meter = twin(MeterKind::Ls100, scene(10.0, 10.0), Fault::None);
    let err = illuminance(&mut meter, BUDGET).unwrap_err();
    assert_eq!(err.kind(), MeterErrorKind::Unsupported);
}

#[test]
fn a_dark_first_reading_makes_the_ls100_sulk() {
    let scene = scene(0.01, 0.0);
    let options =
        monqc_drivers::SimOptions { time_scale: 0.1, ls_sulk: true, ..Default::default() };
    let mut meter =
        monqc_drivers::spawn_simulated(MeterKind::Ls100, scene.clone(), 1, options).unwrap();
    let err = luminance(&mut meter, Duration::from_millis(800)).unwrap_err();
    assert_eq!(err.kind(), MeterErrorKind::Timeout);
    // Still sulking on a bright field: only a restart helps.
    scene.set_luminance(100.0);
    let err = luminance(&mut meter, Duration::from_millis(800)).unwrap_err();
    assert_eq!(err.kind(), MeterErrorKind::Timeout);
}
