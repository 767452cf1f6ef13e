//! MAVO-USB driver against its twin over a pseudo-terminal.

mod common;

use std::time::Duration;

use common::*;
use monqc_drivers::twin::Fault;
use monqc_drivers::{MeterErrorKind, MeterKind, Photometer};

const BUDGET: Duration = Duration::from_secs(3);

#[test]
fn identifies_from_the_idn_reply() {
    let mut meter = twin(MeterKind::Mavo, scene(100.0, 0.0), Fault::None);
    let info = meter.identify().unwrap();
    assert_eq!((info.vendor.as_str(), info.model.as_str()), ("GOSSEN", "M 502"));
    assert_eq!(info.serial.as_deref(), Some("20387"));
    assert_eq!(info.firmware.as_deref(), Some("V 1.00"));
}

#[test]
fn reads_luminance_each_sample() {
    let scene = scene(123.4, 0.0);
    let mut meter = twin(MeterKind::Mavo, scene.clone(), Fault::None);
    let a = luminance(&mut meter, BUDGET).unwrap();
    assert!(close(a.value, 123.4, 0.01), "{}", a.value);
    assert!(a.raw.ends_with(b" CD_M2\n"), "{:?}", String::from_utf8_lossy(&a.raw));
    scene.set_luminance(0.42);
    let b = luminance(&mut meter, BUDGET).unwrap();
    assert!(close(b.value, 0.42, 0.01), "{}", b.value);
    // Each read waited for a new sample; the twin made exactly two.
    assert_eq!(meter.twin().stats().integrations(), 2);
}

#[test]
fn over_range_and_wrong_sensor_are_typed() {
    let scene = scene(5e6, 100.0);
    let mut meter = twin(MeterKind::Mavo, scene.clone(), Fault::None);
    assert_eq!(luminance(&mut meter, BUDGET).unwrap_err().kind(), MeterErrorKind::OverRange);
    // A MAVO-MONITOR refuses lux (error 202).
    assert_eq!(illuminance(&mut meter, BUDGET).unwrap_err().kind(), MeterErrorKind::Unsupported);
    scene.set_luminance(50.0);
    assert!(close(luminance(&mut meter, BUDGET).unwrap().value, 50.0, 0.01));
}
