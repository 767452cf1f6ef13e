//! One meter on its own, outside a session: opened by its selector (with a
//! transcript of every byte when asked), read in the quantity it measures,
//! and checked on first contact.
//!
//! A transcript is the file a user attaches to a bug report: the monqc
//! version, the meter as selected, the port settings and every byte both
//! ways with its time (format: the drivers crate's `transcript` module). A
//! driver can replay it (`monqc_drivers::open_replay`), so a fault seen
//! once on a real instrument can be run again without it.

use std::path::{Path, PathBuf};

use monqc_drivers::check::CheckReport;
use monqc_drivers::transcript::{Recorder, TranscriptHeader};
use monqc_drivers::{Capabilities, MeterError, MeterSelector, OpenOptions, Photometer, Quantity};

use crate::records::SOFTWARE;

/// Why a meter could not be opened or used as asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MeterUseError {
    /// The selector does not name a meter.
    #[error(
        "meter `{selector}`: give KIND:PORT (e.g. ls100:/dev/ttyUSB0), spotread[:TYPE] or \
         sim-KIND (`monqc meters list` shows them)"
    )]
    Selector {
        /// As given.
        selector: String,
        /// Why it does not parse.
        source: monqc_drivers::SelectorError,
    },
    /// `none` names no meter.
    #[error("`none` is no meter (it is for the daily visual check); name a meter to talk to")]
    NoMeter,
    /// `sim` reads only the simulated display of a session (REDTEAM U7:
    /// "unknown meter kind" misled, since `sim` is valid for run and demo).
    #[error(
        "`sim` is the ideal meter of a simulated session (monqc demo, monqc run --meter sim) \
         and reads only the simulated display there; here use a simulated twin: {twins}",
        twins = monqc_drivers::SIMULATED_KINDS
            .iter()
            .map(|k| format!("sim-{k}"))
            .collect::<Vec<_>>()
            .join(", ")
    )]
    IdealSimulated,
    /// The driver could not open the meter.
    #[error("cannot open meter {selector}")]
    Open {
        /// The meter.
        selector: String,
        /// The driver's error.
        source: MeterError,
    },
    /// The meter does not measure the quantity asked for.
    #[error("{model} measures {measures} only; {instead}")]
    WrongQuantity {
        /// The meter's model.
        model: String,
        /// What it does measure.
        measures: &'static str,
        /// What to do instead.
        instead: &'static str,
    },
    /// The meter measures neither luminance nor illuminance.
    #[error("{model} reports neither luminance nor illuminance")]
    MeasuresNothing {
        /// The meter's model.
        model: String,
    },
    /// The transcript file could not be created.
    #[error(
        "cannot write the transcript {path}: {reason}",
        path = .path.display()
    )]
    Transcript {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// A transcript file being written.
#[derive(Debug)]
pub struct Transcript {
    recorder: Recorder,
    path: PathBuf,
}

impl Transcript {
    /// Start a transcript at `path` for the meter `selector`, replacing a
    /// file of that name. A symbolic link or a directory there is refused
    /// rather than written through.
    pub fn create(path: &Path, selector: &str) -> Result<Self, MeterUseError> {
        let refuse =
            |reason: String| MeterUseError::Transcript { path: path.to_path_buf(), reason };
        if let Ok(m) = std::fs::symlink_metadata(path) {
            if m.file_type().is_symlink() {
                return Err(refuse("it is a symbolic link; give a plain file name".into()));
            }
            if m.is_dir() {
                return Err(refuse("it is a directory; give a file name".into()));
            }
        }
        let header = TranscriptHeader { version: SOFTWARE.into(), meter: selector.into() };
        let recorder = Recorder::create(path, &header).map_err(|e| refuse(e.to_string()))?;
        Ok(Self { recorder, path: path.to_path_buf() })
    }

    /// The recorder to give the meter's link.
    pub fn recorder(&self) -> Recorder {
        self.recorder.clone()
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flush the file and report the first write error, if one happened
    /// (recording never stops a measurement, so errors wait until here).
    pub fn finish(&self) -> Result<&Path, MeterUseError> {
        self.recorder.finish().map_err(|e| MeterUseError::Transcript {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        Ok(&self.path)
    }
}

/// Open the meter `selector` names, on its own: `KIND:PORT`,
/// `spotread[:TYPE]` or `sim-KIND` (a twin speaking KIND's bytes, looking
/// at the drivers crate's steady field: 120 cd/m² D65 under 50 lx). With a
/// transcript, every byte exchanged is recorded.
pub fn open(
    selector: &str,
    transcript: Option<&Transcript>,
) -> Result<Box<dyn Photometer + Send>, MeterUseError> {
    match selector {
        "none" => return Err(MeterUseError::NoMeter),
        "sim" => return Err(MeterUseError::IdealSimulated),
        _ => {}
    }
    let parsed = parse(selector)?;
    let options = OpenOptions { transcript: transcript.map(Transcript::recorder) };
    monqc_drivers::open_with(&parsed, &options)
        .map_err(|source| MeterUseError::Open { selector: selector.into(), source })
}

/// The meter a selector names, for people: `Konica Minolta LS-100`, or
/// the selector itself.
pub fn describe(selector: &str) -> String {
    match selector.parse::<MeterSelector>() {
        Ok(MeterSelector::Serial { kind, .. } | MeterSelector::Simulated(kind)) => {
            kind.display_name().into()
        }
        Ok(MeterSelector::Spotread { .. }) => "the meter behind spotread".into(),
        Err(_) => selector.into(),
    }
}

/// Parse a selector of a meter with a driver (not `sim` or `none`).
pub fn parse(selector: &str) -> Result<MeterSelector, MeterUseError> {
    selector
        .parse::<MeterSelector>()
        .map_err(|source| MeterUseError::Selector { selector: selector.into(), source })
}

/// The quantity to read: the one asked for if the meter has it, else what
/// the meter measures (luminance when it has both). An illuminance-only
/// meter (CL-200A, T-10A) therefore gives lux unasked, and asking a
/// luminance-only meter for lux says what to use instead.
pub fn quantity(
    model: &str,
    caps: &Capabilities,
    asked: Option<Quantity>,
) -> Result<Quantity, MeterUseError> {
    let wrong =
        |measures, instead| MeterUseError::WrongQuantity { model: model.into(), measures, instead };
    match asked {
        Some(Quantity::Illuminance) if !caps.illuminance => Err(wrong(
            "luminance (cd/m²)",
            "illuminance (lx) needs an illuminance meter (a T-10A or CL-200A) or a meter with \
             an illuminance diffuser",
        )),
        Some(Quantity::Luminance) if !caps.luminance => Err(wrong(
            "illuminance (lx)",
            "luminance (cd/m²) needs a luminance meter; leave out --luminance to read lux",
        )),
        Some(q) => Ok(q),
        None if caps.luminance => Ok(Quantity::Luminance),
        None if caps.illuminance => Ok(Quantity::Illuminance),
        None => Err(MeterUseError::MeasuresNothing { model: model.into() }),
    }
}

/// The first-contact check of `meter`: identify, one reading per quantity
/// it measures, an error probe; a verdict and a sentence per step.
pub fn check(meter: &mut dyn Photometer) -> CheckReport {
    monqc_drivers::check::check(meter)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use monqc_drivers::check::Verdict;
    use monqc_drivers::transcript::{EventKind, Transcript as Recorded};
    use monqc_drivers::{MeasureRequest, MeterKind, open_replay};

    use super::*;

    fn caps(luminance: bool, illuminance: bool) -> Capabilities {
        Capabilities {
            luminance,
            chromaticity: luminance,
            illuminance,
            typical_reading_time: Duration::ZERO,
            worst_case_reading_time: Duration::ZERO,
        }
    }

    #[test]
    fn a_meter_is_read_in_what_it_measures() {
        let lux_only = caps(false, true);
        let luminance_only = caps(true, false);
        assert_eq!(quantity("T-10A", &lux_only, None).unwrap(), Quantity::Illuminance);
        assert_eq!(quantity("LS-100", &luminance_only, None).unwrap(), Quantity::Luminance);
        assert_eq!(quantity("sim", &caps(true, true), None).unwrap(), Quantity::Luminance);
        assert_eq!(
            quantity("sim", &caps(true, true), Some(Quantity::Illuminance)).unwrap(),
            Quantity::Illuminance
        );
        let e = quantity("LS-100", &luminance_only, Some(Quantity::Illuminance)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "LS-100 measures luminance (cd/m²) only; illuminance (lx) needs an illuminance \
             meter (a T-10A or CL-200A) or a meter with an illuminance diffuser"
        );
        let e = quantity("T-10A", &lux_only, Some(Quantity::Luminance)).unwrap_err();
        assert!(e.to_string().starts_with("T-10A measures illuminance (lx) only"), "{e}");
        assert!(matches!(
            quantity("x", &caps(false, false), None),
            Err(MeterUseError::MeasuresNothing { .. })
        ));
    }

    #[test]
    fn an_illuminance_only_twin_gives_lux_unasked() {
        for selector in ["sim-t10a", "sim-cl200a"] {
            let mut meter = open(selector, None).unwrap();
            let info = meter.identify().unwrap();
            let q = quantity(&info.model, &meter.capabilities(), None).unwrap();
            assert_eq!(q, Quantity::Illuminance, "{selector}");
            let r = meter
                .measure(&MeasureRequest::illuminance(Duration::from_secs(10)), &mut |_| {})
                .unwrap();
            assert!((r.value - 50.0).abs() < 1.0, "{selector}: {}", r.value);
        }
    }

    #[test]
    fn sim_and_none_are_refused_with_what_to_use() {
        let e = open("sim", None).err().unwrap();
        assert!(e.to_string().contains("here use a simulated twin: sim-ls100"), "{e}");
        assert!(matches!(open("none", None), Err(MeterUseError::NoMeter)));
        let e = open("ls100", None).err().unwrap();
        assert!(e.to_string().starts_with("meter `ls100`: give KIND:PORT"), "{e}");
    }

    /// `meters check sim-ls100 --transcript t.txt`, through the library:
    /// the check passes, the transcript names the monqc version, the meter
    /// and the port settings, and a fresh LS-100 driver replays it to the
    /// same identity and readings.
    #[test]
    fn a_checked_meter_leaves_a_transcript_that_replays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        let transcript = Transcript::create(&path, "sim-ls100").unwrap();
        let report = {
            let mut meter = open("sim-ls100", Some(&transcript)).unwrap();
            check(meter.as_mut())
        };
        assert_eq!(transcript.finish().unwrap(), path);
        assert!(report.passed(), "{report}");
        assert!(report.steps.iter().all(|s| s.verdict != Verdict::Fail), "{report}");
        let recorded = Recorded::read(&path).unwrap();
        assert_eq!(recorded.header("version"), Some(SOFTWARE));
        assert_eq!(recorded.header("meter"), Some("sim-ls100"));
        assert!(
            matches!(&recorded.events[0].kind, EventKind::Port(p) if p.contains("4800 baud")),
            "{:?}",
            recorded.events[0]
        );
        let (mut replayed, progress) = open_replay(MeterKind::Ls100, &recorded, 0.0).unwrap();
        let again = check(replayed.as_mut());
        // The same verdicts and words, but for how long a reading took.
        let steps = |r: &CheckReport| -> Vec<(&str, Verdict, String)> {
            let untimed = |w: &str| w.split(", in ").next().unwrap_or(w).to_owned();
            r.steps.iter().map(|s| (s.name, s.verdict, untimed(&s.words))).collect()
        };
        assert_eq!(steps(&again), steps(&report), "the replay reads what the meter said");
        assert!(progress.finished(), "every recorded byte was played");
    }

    #[test]
    fn a_transcript_is_not_written_through_a_link_or_into_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let e = Transcript::create(dir.path(), "sim-ls100").unwrap_err();
        assert!(e.to_string().contains("it is a directory"), "{e}");
        #[cfg(unix)]
        {
            let target = dir.path().join("target.txt");
            std::fs::write(&target, "keep").unwrap();
            let link = dir.path().join("t.txt");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            let e = Transcript::create(&link, "sim-ls100").unwrap_err();
            assert!(e.to_string().contains("symbolic link"), "{e}");
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        }
    }
}
