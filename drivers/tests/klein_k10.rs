//! K-10-A driver against its twin over a pseudo-terminal.

mod common;

use std::time::Duration;

use common::*;
use monqc_drivers::klein_k10::readings_to_average;
use monqc_drivers::twin::Fault;
use monqc_drivers::{MeterErrorKind, MeterKind, Photometer};

const BUDGET: Duration = Duration::from_secs(10);

#[test]
fn identifies_and_reads_binary_xyz() {
    let mut meter = twin(MeterKind::K10, scene(120.5, 0.0), Fault::None);
    let info = meter.identify().unwrap();
    assert_eq!((info.model.as_str(), info.serial.as_deref()), ("K-10-A", Some("12345678")));
    let r = luminance(&mut meter, BUDGET).unwrap();
    assert!(close(r.value, 120.5, 0.01), "{}", r.value);
    let xy = r.chromaticity.unwrap();
    assert!((xy.x - 0.3127).abs() < 1e-4 && (xy.y - 0.3290).abs() < 1e-4);
    assert_eq!(r.raw.len(), 15);
}

#[test]
fn averages_more_readings_in_the_dark() {
    let scene = scene(0.1, 0.0);
    let mut meter = twin(MeterKind::K10, scene.clone(), Fault::None);
    let r = luminance(&mut meter, BUDGET).unwrap();
    assert!(close(r.value, 0.1, 0.01));
    assert_eq!(r.raw.len(), 15 * readings_to_average(0.1));
    // 20 averaged, and the one discarded first as Klein's library does.
    assert_eq!(meter.twin().stats().integrations(), 21);
}

#[test]
fn rides_out_auto_ranging_and_refuses_over_range() {
    let scene = scene(1.0, 0.0);
    let mut meter = twin(MeterKind::K10, scene.clone(), Fault::None);
    luminance(&mut meter, BUDGET).unwrap();
    // A jump of two decades: the twin answers `v` once, the driver retries.
    scene.set_luminance(300.0);
    let r = luminance(&mut meter, BUDGET).unwrap();
    assert!(close(r.value, 300.0, 0.01));
    scene.set_luminance(9_000.0);
    assert_eq!(luminance(&mut meter, BUDGET).unwrap_err().kind(), MeterErrorKind::OverRange);
}
