//! The spotread bridge against a fake `spotread` program in a temporary
//! directory: the real process spawning, output parsing and timeout path.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use monqc_drivers::spotread::Spotread;
use monqc_drivers::{MeterErrorKind, Photometer, Quantity};

/// A fake spotread whose behaviour is chosen by the file `mode` beside it;
/// it records its arguments in `args`.
const FAKE: &str = r#"#!/bin/sh
dir=$(dirname "$0")
echo "$@" > "$dir/args"
mode=$(cat "$dir/mode" 2>/dev/null)
case "$1" in
  -\?) echo "Usage: spotread [-options] [logfile]" >&2
       echo " -c listno  Set communication port from the following list (default 1)" >&2
       echo "    1 = 'usb:/bus1/dev4/ (X-Rite i1 DisplayPro, ColorMunki Display)'" >&2
       exit 1 ;;
esac
case "$mode" in
  fail) echo "Instrument initialisation failed with 'Bad status'"; exit 1 ;;
  hang) exec sleep 30 ;;
esac
read key
if [ "$1" = "-a" ]; then
  echo " Result is XYZ: 40.1 42.2 45.3, Yxy: 42.2 0.3127 0.3290"
  echo " Ambient = 132.6 Lux, CCT = 6500K"
else
  echo "Place instrument on spot to be measured,"
  echo " Result is XYZ: 95.047000 100.000000 108.883000, Yxy: 100.000000 0.312700 0.329000"
fi
"#;

fn fake(dir: &Path, mode: &str) -> Spotread {
    let program = dir.join("spotread");
    std::fs::write(&program, FAKE).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(dir.join("mode"), mode).unwrap();
    Spotread::find_in(dir.as_os_str(), Some("l".into())).unwrap()
}

#[test]
fn reads_luminance_and_illuminance_through_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let mut meter = fake(dir.path(), "ok");
    assert_eq!(meter.identify().unwrap().model, "X-Rite i1 DisplayPro, ColorMunki Display");
    let r = luminance(&mut meter, Duration::from_secs(10)).unwrap();
    assert_eq!(r.value, 100.0);
    let xy = r.chromaticity.unwrap();
    assert!((xy.x - 0.3127).abs() < 1e-4 && (xy.y - 0.3290).abs() < 1e-4);
    assert_eq!(std::fs::read_to_string(dir.path().join("args")).unwrap().trim(), "-e -y l -x -O");
    let r = illuminance(&mut meter, Duration::from_secs(10)).unwrap();
    assert_eq!((r.quantity, r.value), (Quantity::Illuminance, 132.6));
    assert_eq!(std::fs::read_to_string(dir.path().join("args")).unwrap().trim(), "-a -x -O");
}

#[test]
fn a_failing_instrument_is_a_device_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut meter = fake(dir.path(), "fail");
    let err = luminance(&mut meter, Duration::from_secs(10)).unwrap_err();
    assert_eq!(err.kind(), MeterErrorKind::Device, "{err}");
}

#[test]
fn a_hung_program_is_killed_at_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut meter = fake(dir.path(), "hang");
    let start = Instant::now();
    let err = luminance(&mut meter, Duration::from_millis(500)).unwrap_err();
    assert_eq!(err.kind(), MeterErrorKind::Timeout);
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
}

#[test]
fn missing_program_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let err = Spotread::find_in(dir.path().as_os_str(), None).unwrap_err();
    assert_eq!(err.kind(), MeterErrorKind::NotFound);
}
