//! PR-650 / PR-655 / PR-670 drivers against their twin over a pseudo-terminal.

mod common;

use std::time::Duration;

use common::*;
use monqc_drivers::twin::Fault;
use monqc_drivers::{MeterErrorKind, MeterKind, Photometer};

const BUDGET: Duration = Duration::from_secs(10);

#[test]
fn pr655_and_pr670_identify_and_read_y_x_y() {
    for (kind, model) in [(MeterKind::Pr655, "PR-655"), (MeterKind::Pr670, "PR-670")] {
        let mut meter = twin(kind, scene(250.0, 0.0), Fault::None);
        let info = meter.identify().unwrap();
        assert_eq!(info.model, model);
        assert_eq!(info.serial.as_deref(), Some("65551234"));
        let r = luminance(&mut meter, BUDGET).unwrap();
        assert!(close(r.value, 250.0, 0.01), "{kind}: {}", r.value);
        let xy = r.chromaticity.unwrap();
        assert!((xy.x - 0.3127).abs() < 1e-4 && (xy.y - 0.3290).abs() < 1e-4);
    }
}

#[test]
fn pr650_reads_xyz_and_derives_x_y() {
    let mut meter = twin(MeterKind::Pr650, scene(80.0, 0.0), Fault::None);
    let r = luminance(&mut meter, BUDGET).unwrap();
    assert!(close(r.value, 80.0, 0.01), "{}", r.value);
    let xy = r.chromaticity.unwrap();
    assert!((xy.x - 0.3127).abs() < 1e-4 && (xy.y - 0.3290).abs() < 1e-4, "{xy:?}");
}

#[test]
fn too_dark_and_too_bright_are_typed() {
    for kind in [MeterKind::Pr650, MeterKind::Pr655, MeterKind::Pr670] {
        let scene = scene(1e-5, 0.0);
        let mut meter = twin(kind, scene.clone(), Fault::None);
        assert_eq!(
            luminance(&mut meter, Duration::from_secs(20)).unwrap_err().kind(),
            MeterErrorKind::UnderRange,
            "{kind}"
        );
        scene.set_luminance(1e6);
        assert_eq!(
            luminance(&mut meter, BUDGET).unwrap_err().kind(),
            MeterErrorKind::OverRange,
            "{kind}"
        );
    }
}

#[test]
fn low_light_takes_longer_and_a_short_budget_times_out() {
    let scene = scene(0.5, 0.0);
    let mut meter = twin(MeterKind::Pr655, scene.clone(), Fault::None);
    // At 0.5 cd/m² the modelled exposure is 4.5 s, 0.45 s at the test's time scale.
    let r = luminance(&mut meter, BUDGET).unwrap();
    assert!(r.elapsed >= Duration::from_millis(450), "{:?}", r.elapsed);
    let err = luminance(&mut meter, Duration::from_millis(200)).unwrap_err();
    assert_eq!(err.kind(), MeterErrorKind::Timeout);
}
