//! CL-200A and T-10A drivers against their twin over a pseudo-terminal.

mod common;

use std::time::Duration;

use common::*;
use monqc_drivers::twin::Fault;
use monqc_drivers::{FlagKind, MeterErrorKind, MeterKind, Photometer, Quantity, Validity};

const BUDGET: Duration = Duration::from_secs(3);

#[test]
fn cl200a_reads_illuminance_and_chromaticity() {
    let mut meter = twin(MeterKind::Cl200a, scene(100.0, 123.4), Fault::None);
    assert_eq!(meter.identify().unwrap().model, "CL-200A");
    let r = illuminance(&mut meter, BUDGET).unwrap();
    assert_eq!(r.quantity, Quantity::Illuminance);
    assert!(close(r.value, 123.4, 0.01), "{}", r.value);
    let xy = r.chromaticity.unwrap();
    assert!((xy.x - 0.3127).abs() < 1e-4 && (xy.y - 0.3290).abs() < 1e-4);
    // A long frame: STX, 26 ASCII bytes, ETX, BCC, CR LF.
    assert_eq!(r.raw.len(), 32);
    assert_eq!((r.raw[0], r.raw[27]), (0x02, 0x03));
    assert_eq!(r.validity, Validity::Ok);
    // The twin counted one measuring time per trigger.
    assert_eq!(meter.twin().stats().integrations(), 1);
}

#[test]
fn cl200a_flags_dim_light_and_refuses_too_much() {
    let scene = scene(0.0, 2.0);
    let mut meter = twin(MeterKind::Cl200a, scene.clone(), Fault::None);
    let r = illuminance(&mut meter, BUDGET).unwrap();
    assert!(r.validity.has(FlagKind::LowLight), "{:?}", r.validity);
    assert!(r.validity.flags()[0].words.contains("error 6"), "{:?}", r.validity);
    scene.set_illuminance(200_000.0);
    assert_eq!(illuminance(&mut meter, BUDGET).unwrap_err().kind(), MeterErrorKind::OverRange);
    scene.set_illuminance(500.0);
    assert!(close(illuminance(&mut meter, BUDGET).unwrap().value, 500.0, 0.01));
}

#[test]
fn t10a_reads_a_new_value_each_time() {
    let scene = scene(0.0, 42.0);
    let mut meter = twin(MeterKind::T10a, scene.clone(), Fault::None);
    assert_eq!(meter.identify().unwrap().model, "T-10A");
    let a = illuminance(&mut meter, BUDGET).unwrap();
    scene.set_illuminance(800.0);
    // The driver waits out the update period, so this read sees the change.
    let b = illuminance(&mut meter, BUDGET).unwrap();
    assert!(close(a.value, 42.0, 0.01) && close(b.value, 800.0, 0.01), "{} {}", a.value, b.value);
    assert!(a.chromaticity.is_none());
    scene.set_illuminance(1e6);
    assert_eq!(illuminance(&mut meter, BUDGET).unwrap_err().kind(), MeterErrorKind::OverRange);
}

#[test]
fn luminance_is_unsupported() {
    for kind in [MeterKind::Cl200a, MeterKind::T10a] {
        let mut meter = twin(kind, scene(10.0, 10.0), Fault::None);
        assert_eq!(luminance(&mut meter, BUDGET).unwrap_err().kind(), MeterErrorKind::Unsupported);
    }
}
