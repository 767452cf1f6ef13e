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
/// it records its arguments in `args` and its process id in `pid`. The
/// stuck modes print Argyll's messages (its `spotread.c` format strings)
/// and then wait for a key or retry for ever, as `spotread -O` does when
/// its input is not a terminal.
const FAKE: &str = r#"#!/bin/sh
dir=$(dirname "$0")
echo "$@" > "$dir/args"
echo $$ > "$dir/pid"
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
  misread)
    read key
    echo "Place instrument on spot to be measured,"
    printf '\n\nSpot read failed due to misread (Reading is below the instrument range)\n'
    printf 'Hit Esc or Q to give up, any other key to retry:'
    read key2; read key3; exit 0 ;;
  position)
    read key
    while true; do
      printf '\n\nSpot read failed due to the sensor being in the wrong position\n(Instrument is in wrong configuration)\n'
      sleep 0.05
    done ;;
  comms)
    read key
    printf '\n\nSpot read failed due to communication problem.\n'
    printf 'Hit Esc or Q to give up, any other key to retry:'
    read key2; read key3; exit 0 ;;
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

/// Audit finding 3 (PROTOCOLS.md): a stuck `spotread` is stopped within
/// seconds, not at the end of the budget, and its words are kept.
#[test]
fn a_stuck_spotread_is_stopped_with_a_typed_error_and_argylls_words() {
    let cases = [
        ("misread", MeterErrorKind::UnderRange, "Reading is below the instrument range", true),
        ("position", MeterErrorKind::NeedsOperator, "wrong configuration", true),
        ("position", MeterErrorKind::NeedsOperator, "diffuser over the sensor", false),
        ("comms", MeterErrorKind::NotFound, "communication problem", true),
    ];
    for (mode, kind, words, luminance_reading) in cases {
        let dir = tempfile::tempdir().unwrap();
        let mut meter = fake(dir.path(), mode);
        let start = Instant::now();
        let budget = Duration::from_secs(30);
        let err = if luminance_reading {
            luminance(&mut meter, budget)
        } else {
            illuminance(&mut meter, budget)
        }
        .unwrap_err();
        let took = start.elapsed();
        assert_eq!(err.kind(), kind, "{mode}: {err}");
        assert!(err.to_string().contains(words), "{mode}: {err}");
        assert!(took < Duration::from_secs(3), "{mode}: took {took:?}");
        // The program is gone, not left waiting.
        let pid = std::fs::read_to_string(dir.path().join("pid")).unwrap();
        let alive = std::process::Command::new("kill")
            .args(["-0", pid.trim()])
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(!alive, "{mode}: spotread {pid} still runs");
    }
}

/// A program that prints something and then hangs: at the budget, the
/// error keeps what it printed.
#[test]
fn a_program_that_stops_talking_keeps_its_last_words() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("spotread");
    std::fs::write(
        &program,
        "#!/bin/sh\necho 'Place instrument on spot to be measured'\nexec sleep 30\n",
    )
    .unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut meter = Spotread::find_in(dir.path().as_os_str(), None).unwrap();
    let err = luminance(&mut meter, Duration::from_millis(600)).unwrap_err();
    assert_eq!(err.kind(), MeterErrorKind::Timeout);
    assert!(err.to_string().contains("Place instrument"), "{err}");
}

#[test]
fn missing_program_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let err = Spotread::find_in(dir.path().as_os_str(), None).unwrap_err();
    assert_eq!(err.kind(), MeterErrorKind::NotFound);
}
