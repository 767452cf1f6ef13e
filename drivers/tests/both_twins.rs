//! Every driver against both twins of its family: the twin as first
//! written from the team's notes, and the strict twin that speaks what the
//! public documents say wherever the notes assumed. Runs on every platform
//! (a pty on Unix, in memory elsewhere).

mod common;

use std::time::Duration;

use common::*;
use monqc_drivers::{MeterErrorKind, MeterKind, Photometer, Quantity, SIMULATED_KINDS};

const BUDGET: Duration = Duration::from_secs(20);

fn read(
    meter: &mut dyn Photometer,
    q: Quantity,
) -> Result<monqc_drivers::Reading, monqc_drivers::MeterError> {
    match q {
        Quantity::Luminance => luminance(meter, BUDGET),
        Quantity::Illuminance => illuminance(meter, BUDGET),
    }
}

#[test]
fn every_driver_reads_through_both_twins() {
    for kind in SIMULATED_KINDS {
        for variant in VARIANTS {
            let scene = scene(100.0, 100.0);
            let mut meter = twin_variant(kind, scene.clone(), Default::default(), variant);
            meter.identify().unwrap_or_else(|e| panic!("{kind} {variant:?}: identify: {e}"));
            let caps = meter.capabilities();
            let q = if caps.luminance { Quantity::Luminance } else { Quantity::Illuminance };
            for level in [100.0, 3.0, 450.0] {
                scene.set_luminance(level);
                scene.set_illuminance(level);
                let r = read(&mut meter, q)
                    .unwrap_or_else(|e| panic!("{kind} {variant:?} at {level}: {e}"));
                assert!(close(r.value, level, 0.02), "{kind} {variant:?}: {} vs {level}", r.value);
                assert_eq!(r.chromaticity.is_some(), caps.chromaticity, "{kind} {variant:?}");
                if let Some(xy) = r.chromaticity {
                    assert!(
                        (xy.x - D65.x).abs() < 2e-3 && (xy.y - D65.y).abs() < 2e-3,
                        "{kind} {variant:?}: {xy:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn too_much_light_is_over_range_through_both_twins() {
    for kind in SIMULATED_KINDS {
        for variant in VARIANTS {
            let scene = scene(100.0, 100.0);
            let mut meter = twin_variant(kind, scene.clone(), Default::default(), variant);
            let q = if meter.capabilities().luminance {
                Quantity::Luminance
            } else {
                Quantity::Illuminance
            };
            read(&mut meter, q).unwrap_or_else(|e| panic!("{kind} {variant:?}: {e}"));
            scene.set_luminance(5e6);
            scene.set_illuminance(5e6);
            let err = read(&mut meter, q).unwrap_err();
            assert_eq!(err.kind(), MeterErrorKind::OverRange, "{kind} {variant:?}: {err}");
            // And the meter still works afterwards.
            scene.set_luminance(100.0);
            scene.set_illuminance(100.0);
            let r = read(&mut meter, q)
                .unwrap_or_else(|e| panic!("{kind} {variant:?} after over range: {e}"));
            assert!(close(r.value, 100.0, 0.02), "{kind} {variant:?}: {}", r.value);
        }
    }
}

#[test]
fn the_error_probe_is_understood_where_one_is_documented() {
    for kind in SIMULATED_KINDS {
        for variant in VARIANTS {
            let mut meter = twin_variant(kind, scene(100.0, 100.0), Default::default(), variant);
            match meter.error_probe().unwrap_or_else(|e| panic!("{kind} {variant:?}: {e}")) {
                monqc_drivers::ErrorProbe::Answered { understood, sent, reply } => {
                    assert!(understood, "{kind} {variant:?}: {sent:?} -> {reply:?}");
                }
                monqc_drivers::ErrorProbe::NotAvailable(why) => {
                    assert!(
                        matches!(
                            kind,
                            MeterKind::Pr650 | MeterKind::Cl200a | MeterKind::T10a | MeterKind::K10
                        ),
                        "{kind}: {why}"
                    );
                }
            }
            // The meter measures after the probe.
            let q = if meter.capabilities().luminance {
                Quantity::Luminance
            } else {
                Quantity::Illuminance
            };
            read(&mut meter, q)
                .unwrap_or_else(|e| panic!("{kind} {variant:?} after the probe: {e}"));
        }
    }
}
