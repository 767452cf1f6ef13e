//! Transcripts: a session with a twin recorded to a file in the documented
//! plain-text format, read back, and replayed into a fresh driver, which
//! must send exactly the recorded bytes and read exactly the recorded
//! values. Then the first-contact check, with its transcript.

mod common;

use std::time::Duration;

use common::*;
use monqc_drivers::transcript::{EventKind, Recorder, Transcript, TranscriptHeader};
use monqc_drivers::{
    MeasureRequest, MeterKind, Photometer, Quantity, SIMULATED_KINDS, SimOptions, check,
    open_replay, spawn_simulated_recorded,
};

fn header(kind: MeterKind) -> TranscriptHeader {
    TranscriptHeader { version: "monqc-drivers test".into(), meter: format!("sim-{kind}") }
}

fn session(meter: &mut dyn Photometer) -> (monqc_drivers::DeviceInfo, Vec<monqc_drivers::Reading>) {
    let info = meter.identify().unwrap();
    let q =
        if meter.capabilities().luminance { Quantity::Luminance } else { Quantity::Illuminance };
    let request = MeasureRequest { quantity: q, budget: Duration::from_secs(20) };
    let readings = (0..2).map(|_| meter.measure(&request, &mut |_| {}).unwrap()).collect();
    (info, readings)
}

#[test]
fn a_recorded_session_replays_byte_for_byte() {
    for kind in SIMULATED_KINDS {
        for variant in VARIANTS {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("t.txt");
            let recorder = Recorder::create(&path, &header(kind)).unwrap();
            let options = SimOptions { time_scale: 0.1, variant, ..SimOptions::default() };
            let recorded = {
                let mut meter = spawn_simulated_recorded(
                    kind,
                    scene(90.0, 90.0),
                    3,
                    options,
                    Some(recorder.clone()),
                )
                .unwrap();
                session(&mut meter)
            };
            recorder.finish().unwrap();
            let t = Transcript::read(&path).unwrap();
            assert_eq!(t.header("meter"), Some(format!("sim-{kind}").as_str()));
            assert!(
                matches!(t.events[0].kind, EventKind::Port(ref p) if p.contains("baud")),
                "{:?}",
                t.events[0]
            );
            let (mut replayed, progress) = open_replay(kind, &t, 0.0).unwrap();
            let again = session(replayed.as_mut());
            assert_eq!(again.0, recorded.0, "{kind} {variant:?}");
            for (a, b) in again.1.iter().zip(&recorded.1) {
                assert_eq!(
                    (a.value, &a.raw, a.chromaticity),
                    (b.value, &b.raw, b.chromaticity),
                    "{kind} {variant:?}"
                );
            }
            assert!(
                progress.finished(),
                "{kind} {variant:?}: the replay left recorded bytes unused"
            );
        }
    }
}

#[test]
fn a_driver_that_strays_from_the_transcript_is_told_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.txt");
    let recorder = Recorder::create(&path, &header(MeterKind::Ls100)).unwrap();
    {
        let options = SimOptions { time_scale: 0.1, ..SimOptions::default() };
        let mut meter = spawn_simulated_recorded(
            MeterKind::Ls100,
            scene(90.0, 0.0),
            3,
            options,
            Some(recorder),
        )
        .unwrap();
        session(&mut meter);
    }
    let t = Transcript::read(&path).unwrap();
    // A CL-200A driver sends other bytes than the LS-100 recorded.
    let (mut wrong, _) = open_replay(MeterKind::Cl200a, &t, 0.0).unwrap();
    let err = wrong.identify().unwrap_err();
    assert_eq!(err.kind(), monqc_drivers::MeterErrorKind::Protocol, "{err}");
    assert!(err.to_string().contains("transcript (line"), "{err}");
}

#[test]
fn the_first_contact_check_gives_a_verdict_per_step_and_a_transcript() {
    for kind in
        [MeterKind::Ls100, MeterKind::Cs100a, MeterKind::Mavo, MeterKind::T10a, MeterKind::Pr670]
    {
        let (recorder, sink) = Recorder::in_memory(&header(kind));
        let options = SimOptions {
            time_scale: 0.1,
            variant: monqc_drivers::twin::TwinVariant::Documented,
            ..SimOptions::default()
        };
        let mut meter =
            spawn_simulated_recorded(kind, scene(90.0, 90.0), 3, options, Some(recorder)).unwrap();
        let report = check::check(&mut meter);
        assert!(report.passed(), "{kind}:\n{report}");
        let names: Vec<_> = report.steps.iter().map(|s| s.name).collect();
        assert_eq!(names[0], "identify");
        assert_eq!(*names.last().unwrap(), "error probe");
        let text = sink.text();
        assert!(text.lines().filter(|l| l.contains(" > ")).count() >= 2, "{kind}: {text}");
        Transcript::parse(&text).unwrap();
    }
}
