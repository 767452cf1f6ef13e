//! The meters and the pattern window of one session: opening them, real or
//! simulated, naming them for the journal, and walking a plan with them.
//!
//! A simulated meter (`sim`, or `sim-KIND`: a twin speaking KIND's bytes
//! over a pseudo-terminal) reads a [`SimulatedDisplay`]; a real one reads
//! what the pattern window shows. `none` is no meter (a visual-only check).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use monqc_drivers::twin::Fault;
use monqc_drivers::{
    MeterError, MeterSelector, OpenOptions, Photometer, Scene, SelectorError, SimOptions,
    SimulatedPhotometer, spawn_simulated_recorded,
};
use monqc_patterns::presenter::{
    OperatorKey, Presenter, PresenterError, PresenterHandle, PresenterOptions,
};
use monqc_patterns::{BitDepth, PatternId, PatternParams, PatternSpec};

use crate::measuring::meter::{MeterUseError, Transcript};
use crate::measuring::meter_performance;
use crate::measuring::sequence::{
    self, Bench, BenchKind, Console, ConsoleKey, MeterMount, Meters, Operator, SequenceError,
    ShownSurface, StepDone,
};
use crate::measuring::simulated_display::{DisplayModel, SimulatedDisplay};
use crate::numbers::measurement::{MeterSetup, Position};
use crate::records::session::{MeterInfo, SessionWriter};
use crate::standards::procedure::PlannedStep;

/// Why the meters or the window could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RigError {
    /// The selector does not name a meter.
    #[error(
        "meter `{selector}`: give KIND:PORT (e.g. ls100:/dev/ttyUSB0, ls100:COM3), spotread, sim or sim-KIND"
    )]
    Selector {
        /// As given.
        selector: String,
        /// Why it does not parse.
        source: SelectorError,
    },
    /// A real meter could not be opened.
    #[error("cannot open meter {selector}; `monqc meters list` shows what is connected")]
    Open {
        /// The meter.
        selector: String,
        /// The driver's error.
        source: MeterError,
    },
    /// A simulated meter's twin could not be started.
    #[error(transparent)]
    Twin(MeterError),
    /// A transcript file could not be written.
    #[error(transparent)]
    Transcript(#[from] MeterUseError),
    /// A simulated meter was asked for without the simulated display.
    #[error("meter `{selector}`: a simulated meter needs the simulated display")]
    NoSimulatedDisplay {
        /// The meter.
        selector: String,
    },
    /// One meter simulated, the other real.
    #[error("the luminance and illuminance meters must both be simulated or both real")]
    MixedMeters,
    /// The meter did not say who it is.
    #[error("meter {selector} did not identify itself")]
    Identify {
        /// The meter.
        selector: String,
        /// The driver's error.
        source: MeterError,
    },
    /// A visual-only session without a window to show the patterns in.
    #[error(
        "the operator judges the patterns on the screen: add --window to show them \
         fullscreen (--monitor N chooses the screen), or use --meter sim on a simulated display"
    )]
    VisualNeedsWindow,
    /// A real meter without a window to show the patterns in.
    #[error(
        "a real meter measures what is on the screen: add --window to show the patterns \
         fullscreen (--monitor N chooses the screen)"
    )]
    RealMeterNeedsWindow,
    /// The patterns' bit depth is not 8 or 10.
    #[error("bit depth must be 8 or 10")]
    BitDepth {
        /// The patterns' error.
        source: monqc_patterns::PatternError,
    },
    /// The pattern window could not be opened.
    #[error("cannot open the pattern window; is there a display (DISPLAY or WAYLAND_DISPLAY)?")]
    Window {
        /// The presenter's error.
        source: PresenterError,
    },
    /// The presenter failed.
    #[error(transparent)]
    Presenter(#[from] PresenterError),
    /// No such monitor.
    #[error("no monitor {monitor}; `monqc patterns monitors` lists {count} monitor(s)")]
    NoMonitor {
        /// Asked for.
        monitor: usize,
        /// How many there are.
        count: usize,
    },
    /// The walk stopped (a meter fault, the operator, a full disk); every
    /// reading taken is in the journal.
    #[error(
        "session {path} keeps every reading taken so far; continue it with: monqc resume {session}",
        path = .path.display()
    )]
    Interrupted {
        /// The session file.
        path: PathBuf,
        /// The session id (the file name without `.jsonl`).
        session: String,
        /// Why it stopped (boxed: a Windows `PathBuf` is larger, and the
        /// error must stay small enough to return by value).
        source: Box<SequenceError>,
    },
}

/// Settings of the simulated bench.
#[derive(Clone, Debug)]
pub struct SimSettings {
    /// The display model.
    pub model: DisplayModel,
    /// Multiplies the twins' timing.
    pub time_scale: f64,
    /// Meter noise (relative).
    pub noise: f64,
    /// Seed of the meters' noise.
    pub seed: u64,
    /// A fault injected into the luminance meter's twin (fault tests).
    pub fault: Fault,
}

impl SimSettings {
    /// The simulated bench of session `session_id` on a display with
    /// `model` (the default model when none is configured). Each session
    /// of a simulated display gets its own noise, and the same session
    /// (when resumed) the same one.
    pub fn for_session(
        model: Option<DisplayModel>,
        time_scale: f64,
        fault: Fault,
        session_id: &str,
    ) -> Self {
        let mut model = model.unwrap_or_default();
        model.seed = session_seed(model.seed, session_id);
        Self {
            noise: model.noise_relative,
            seed: model.seed.wrapping_add(1),
            model,
            time_scale,
            fault,
        }
    }
}

/// Seed a simulated session from its id (FNV-1a, 64 bit, over the id).
fn session_seed(base: u64, session_id: &str) -> u64 {
    session_id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325 ^ base, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// True for selectors of simulated meters (`sim`, `sim-ls100`, …).
pub fn is_simulated(selector: &str) -> bool {
    selector == "sim" || selector.starts_with("sim-")
}

/// The kind of bench a luminance meter selector makes: simulated for `sim`
/// and the `sim-KIND` twins (they read the simulated display), real for any
/// other meter and for `none` (a real display judged by eye). Known before
/// the meter is opened, so a session that would need a person nobody
/// provides is refused first.
pub fn bench_kind(selector: &str) -> BenchKind {
    if is_simulated(selector) {
        BenchKind::Simulated
    } else {
        // No driver reads a built-in front sensor yet: every real meter is
        // placed by hand.
        BenchKind::Real { meter: MeterMount::HandHeld }
    }
}

/// No meter: a visual-only session (the daily check) measures nothing.
struct NoMeter;

impl Photometer for NoMeter {
    fn identify(&mut self) -> Result<monqc_drivers::DeviceInfo, MeterError> {
        Ok(monqc_drivers::DeviceInfo {
            model: "none (visual check only)".into(),
            ..Default::default()
        })
    }
    fn capabilities(&self) -> monqc_drivers::Capabilities {
        monqc_drivers::Capabilities {
            luminance: false,
            chromaticity: false,
            illuminance: false,
            typical_reading_time: std::time::Duration::ZERO,
            worst_case_reading_time: std::time::Duration::ZERO,
        }
    }
    fn measure(
        &mut self,
        _: &monqc_drivers::MeasureRequest,
        _: &mut dyn FnMut(monqc_drivers::Progress),
    ) -> Result<monqc_drivers::Reading, MeterError> {
        Err(MeterError::Unsupported("this session has no meter (--meter none)".into()))
    }
}

/// Open a meter: `none` is no meter (visual checks), `sim` the ideal simulated meter, `sim-KIND` a twin
/// speaking KIND's protocol over a pty (both looking at `display`); any
/// other selector a real meter. With `transcript`, every byte exchanged
/// with the meter is recorded there.
pub fn open_meter(
    selector: &str,
    display: Option<&Arc<SimulatedDisplay>>,
    seed: u64,
    sim: &SimSettings,
    transcript: Option<&Transcript>,
) -> Result<Box<dyn Photometer + Send>, RigError> {
    let recorder = transcript.map(Transcript::recorder);
    if (selector == "none" || selector == "sim")
        && let Some(r) = &recorder
    {
        r.note(&format!("meter `{selector}` exchanges no bytes"));
    }
    if selector == "none" {
        return Ok(Box::new(NoMeter));
    }
    let parsed = (selector != "sim").then(|| selector.parse::<MeterSelector>());
    match (parsed, display) {
        (None, Some(display)) => {
            let mut meter = SimulatedPhotometer::new(Arc::clone(display), seed);
            meter.noise_relative = sim.noise;
            Ok(Box::new(meter))
        }
        (Some(Ok(MeterSelector::Simulated(kind))), Some(display)) => {
            let scene: Arc<dyn Scene + Send + Sync> = display.clone();
            let options = SimOptions {
                time_scale: sim.time_scale,
                noise_relative: sim.noise,
                // Faults go to the luminance meter (the first one opened).
                fault: if seed == sim.seed { sim.fault } else { Default::default() },
                ..Default::default()
            };
            let meter = spawn_simulated_recorded(kind, scene, seed, options, recorder)
                .map_err(RigError::Twin)?;
            Ok(Box::new(meter))
        }
        (Some(Ok(sel)), None) => {
            Ok(monqc_drivers::open_with(&sel, &OpenOptions { transcript: recorder })
                .map_err(|source| RigError::Open { selector: selector.into(), source })?)
        }
        (Some(Err(source)), _) => Err(RigError::Selector { selector: selector.into(), source }),
        _ => Err(RigError::NoSimulatedDisplay { selector: selector.into() }),
    }
}

/// What the site configuration knows of a meter, for the record when the
/// meter cannot tell it itself.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct SiteMeter {
    /// The meter's serial number.
    pub serial: Option<String>,
    /// The date of its last calibration (YYYY-MM-DD).
    pub calibration_date: Option<String>,
}

/// Meter identity for the journal header, with the maker's stated
/// performance. The site's serial and calibration date are used when the
/// meter does not report its own.
pub fn meter_info(
    selector: &str,
    meter: &mut dyn Photometer,
    site: SiteMeter,
) -> Result<MeterInfo, RigError> {
    let id = meter
        .identify()
        .map_err(|source| RigError::Identify { selector: selector.into(), source })?;
    Ok(MeterInfo {
        selector: selector.into(),
        vendor: id.vendor,
        model: id.model,
        serial: id.serial.filter(|s| !s.trim().is_empty()).or(site.serial),
        calibration_date: id.calibration_date.or(site.calibration_date),
        performance: meter_performance::for_selector(selector),
    })
}

/// Shows each pattern fullscreen at 1:1 on a monitor, with the operator's
/// caption over it when a question is open, and hears the keys pressed.
pub struct Window {
    handle: PresenterHandle,
    width: u32,
    height: u32,
    bits: BitDepth,
    /// The pattern on screen, to draw a caption over.
    shown: std::cell::RefCell<Option<PatternSpec>>,
    /// The background DDL of the JIRA BN "L20" patterns.
    background: std::sync::Mutex<Option<u16>>,
    /// The surface of the last frame, when it had fewer bits than asked.
    reduced: std::sync::Mutex<Option<ShownSurface>>,
}

impl Window {
    /// Open the presenter on `monitor`.
    pub fn open(monitor: usize, bit_depth: u8) -> Result<Self, RigError> {
        let bits =
            BitDepth::from_bits(bit_depth).map_err(|source| RigError::BitDepth { source })?;
        let handle =
            Presenter::spawn(PresenterOptions { monitor, bit_depth: bits, ..Default::default() })
                .map_err(|source| RigError::Window { source })?;
        let monitors = handle.monitors()?;
        let m =
            monitors.get(monitor).ok_or(RigError::NoMonitor { monitor, count: monitors.len() })?;
        Ok(Self {
            width: m.width,
            height: m.height,
            handle,
            bits,
            shown: std::cell::RefCell::new(None),
            background: Default::default(),
            reduced: Default::default(),
        })
    }

    fn present(&self, name: &str) -> Result<(), SequenceError> {
        let fail = |reason: String| SequenceError::Display { pattern: name.into(), reason };
        let id: PatternId =
            name.parse().map_err(|e: monqc_patterns::PatternError| fail(e.to_string()))?;
        let params = PatternParams {
            background_ddl: *self.background.lock().unwrap_or_else(|e| e.into_inner()),
            ..PatternParams::new(self.width, self.height, self.bits)
        };
        let spec = id.generate(&params).map_err(|e| fail(e.to_string()))?;
        let report = self.handle.show_pattern(&spec, None).map_err(|e| fail(e.to_string()))?;
        *self.reduced.lock().unwrap_or_else(|e| e.into_inner()) =
            report.converted_to_8_bit.then_some(ShownSurface {
                output_bits: report.output_bits,
                format: report.surface_format,
            });
        *self.shown.borrow_mut() = Some(spec);
        Ok(())
    }
}

impl Bench for Window {
    fn show(&self, pattern: &str, _ddl: Option<u16>) -> Result<(), SequenceError> {
        self.present(pattern)
    }
    fn switch_off(&self) -> Result<(), SequenceError> {
        // Software cannot switch a monitor off; show black while the
        // operator does.
        self.present("UNIFORM-0")
    }
    fn place_meter(&self, _position: Position) {}
    fn set_background(&self, ddl: u16) {
        *self.background.lock().unwrap_or_else(|e| e.into_inner()) = Some(ddl);
    }
    fn reduced_surface(&self) -> Option<ShownSurface> {
        self.reduced.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    fn kind(&self) -> BenchKind {
        BenchKind::Real { meter: MeterMount::HandHeld }
    }
    fn console(&self) -> Option<&dyn Console> {
        Some(self)
    }
}

impl Console for Window {
    fn caption(&self, lines: Option<&[String]>) -> Result<(), SequenceError> {
        let shown = self.shown.borrow();
        let Some(spec) = shown.as_ref() else { return Ok(()) };
        let fail = |e: PresenterError| SequenceError::Display {
            pattern: spec.name.clone(),
            reason: e.to_string(),
        };
        self.handle.show_pattern_captioned(spec, lines).map(|_| ()).map_err(fail)
    }

    fn key(&self, timeout: std::time::Duration) -> Option<ConsoleKey> {
        match self.handle.next_key(Some(timeout))? {
            OperatorKey::Next => Some(ConsoleKey::Done),
            OperatorKey::Yes => Some(ConsoleKey::Yes),
            OperatorKey::No => Some(ConsoleKey::No),
            OperatorKey::Quit => Some(ConsoleKey::Quit),
            OperatorKey::Previous => None,
        }
    }

    fn forget_keys(&self) {
        self.handle.forget_keys();
    }
}

/// The meters, the simulated display (for simulated meters) and the
/// pattern window of one session.
pub struct Rig {
    display: Option<Arc<SimulatedDisplay>>,
    luminance: Box<dyn Photometer + Send>,
    illuminance: Option<Box<dyn Photometer + Send>>,
    window: Option<Window>,
    transcripts: Vec<Transcript>,
}

/// Where the transcript of a session's separate illuminance meter goes,
/// beside the luminance meter's `t.txt`: `t.illuminance.txt`.
pub fn illuminance_transcript_path(path: &Path) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}.illuminance.{}", ext.to_string_lossy()),
        None => format!("{stem}.illuminance"),
    };
    path.with_file_name(name)
}

impl Rig {
    /// Open the meters and, with `window`, the pattern window on that monitor.
    pub fn open(
        meter: &str,
        illuminance_meter: Option<&str>,
        setup: MeterSetup,
        bit_depth: u8,
        sim: &SimSettings,
        window: Option<usize>,
    ) -> Result<Self, RigError> {
        Self::open_recorded(meter, illuminance_meter, setup, bit_depth, sim, window, None)
    }

    /// [`Rig::open`], recording every byte exchanged with the luminance
    /// meter into a transcript at `transcript`, and with a separate
    /// illuminance meter that talks bytes into
    /// [`illuminance_transcript_path`].
    pub fn open_recorded(
        meter: &str,
        illuminance_meter: Option<&str>,
        setup: MeterSetup,
        bit_depth: u8,
        sim: &SimSettings,
        window: Option<usize>,
        transcript: Option<&Path>,
    ) -> Result<Self, RigError> {
        let simulated = is_simulated(meter);
        if illuminance_meter.is_some_and(|m| is_simulated(m) != simulated) {
            return Err(RigError::MixedMeters);
        }
        let luminance_transcript = transcript.map(|p| Transcript::create(p, meter)).transpose()?;
        let illuminance_transcript = match (transcript, illuminance_meter) {
            (Some(p), Some(m)) if m != "sim" && m != "none" => {
                Some(Transcript::create(&illuminance_transcript_path(p), m)?)
            }
            _ => None,
        };
        let display = simulated.then(|| Arc::new(SimulatedDisplay::new(sim.model.clone(), setup)));
        let luminance =
            open_meter(meter, display.as_ref(), sim.seed, sim, luminance_transcript.as_ref())?;
        let illuminance = illuminance_meter
            .map(|m| {
                let seed = sim.seed.wrapping_add(1);
                open_meter(m, display.as_ref(), seed, sim, illuminance_transcript.as_ref())
            })
            .transpose()?;
        let window = match window {
            Some(monitor) => Some(Window::open(monitor, bit_depth)?),
            None if meter == "none" => return Err(RigError::VisualNeedsWindow),
            None if !simulated => return Err(RigError::RealMeterNeedsWindow),
            None => None,
        };
        let transcripts = luminance_transcript.into_iter().chain(illuminance_transcript).collect();
        Ok(Self { display, luminance, illuminance, window, transcripts })
    }

    /// The transcript files being written.
    pub fn transcripts(&self) -> impl Iterator<Item = &Path> {
        self.transcripts.iter().map(Transcript::path)
    }

    /// Flush the transcripts; the first write error, if one happened
    /// (recording never stops a measurement, so it is reported here).
    pub fn finish_transcripts(&self) -> Result<(), RigError> {
        for t in &self.transcripts {
            t.finish()?;
        }
        Ok(())
    }

    /// The meters' identities for the journal header; `site` and
    /// `illuminance_site` are what the site configuration knows of each.
    pub fn meter_infos(
        &mut self,
        meter: &str,
        site: SiteMeter,
        illuminance_meter: Option<&str>,
        illuminance_site: SiteMeter,
    ) -> Result<(MeterInfo, Option<MeterInfo>), RigError> {
        let main = meter_info(meter, self.luminance.as_mut(), site)?;
        let other = match (illuminance_meter, self.illuminance.as_mut()) {
            (Some(sel), Some(m)) => Some(meter_info(sel, m.as_mut(), illuminance_site)?),
            _ => None,
        };
        Ok((main, other))
    }

    /// Walk the steps of `plan` not in `done`, reporting each step done to
    /// `progress`.
    pub fn walk(
        &mut self,
        plan: &[PlannedStep],
        done: &BTreeSet<String>,
        operator: &mut dyn Operator,
        writer: &mut SessionWriter,
        progress: &mut dyn FnMut(StepDone),
    ) -> Result<(), RigError> {
        let meters = Meters {
            luminance: self.luminance.as_mut(),
            illuminance: self.illuminance.as_mut().map(|m| m.as_mut() as &mut dyn Photometer),
        };
        let result = match (self.display.as_deref(), self.window.as_ref()) {
            (Some(d), Some(win)) => {
                sequence::run(plan, done, &(d, win), meters, operator, writer, progress)
            }
            (Some(d), None) => sequence::run(plan, done, d, meters, operator, writer, progress),
            (None, Some(win)) => sequence::run(plan, done, win, meters, operator, writer, progress),
            (None, None) => unreachable!("Rig::open requires a window for real meters"),
        };
        result.map_err(|source| {
            let path = writer.path().to_path_buf();
            let session =
                path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            RigError::Interrupted { path, session, source: Box::new(source) }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim() -> SimSettings {
        SimSettings::for_session(None, 1.0, Fault::None, "d-acceptance-20261126T090000.000Z")
    }

    #[test]
    fn a_session_seeds_its_own_noise_and_a_resume_the_same() {
        let a = SimSettings::for_session(None, 1.0, Fault::None, "d-constancy-1");
        let again = SimSettings::for_session(None, 1.0, Fault::None, "d-constancy-1");
        let other = SimSettings::for_session(None, 1.0, Fault::None, "d-constancy-2");
        assert_eq!((a.model.seed, a.seed), (again.model.seed, again.seed));
        assert_ne!(a.model.seed, other.model.seed);
        assert_eq!(
            a.seed,
            a.model.seed.wrapping_add(1),
            "the meters' noise differs from the panel's"
        );
        assert_eq!(a.noise, DisplayModel::default().noise_relative);
    }

    #[test]
    fn the_rig_refuses_what_cannot_measure() {
        let err = |r: Result<Rig, RigError>| r.err().expect("refused").to_string();
        let s = sim();
        let contact = MeterSetup::Contact;
        // A real meter is opened before anything else is asked of the bench.
        let e = Rig::open("ls100:/dev/monqc-no-such-port", None, contact, 8, &s, None).err();
        let e = e.expect("no such port");
        assert!(matches!(e, RigError::Open { .. }), "{e}");
        assert!(e.to_string().contains("`monqc meters list` shows what is connected"), "{e}");
        assert!(
            std::error::Error::source(&e).unwrap().to_string().contains("monqc-no-such-port"),
            "the driver's error names the port"
        );
        assert!(
            err(Rig::open("none", None, contact, 8, &s, None))
                .contains("the operator judges the patterns on the screen")
        );
        assert_eq!(
            err(Rig::open("sim", Some("t10a:/dev/ttyUSB1"), contact, 8, &s, None)),
            "the luminance and illuminance meters must both be simulated or both real"
        );
        let e = Rig::open("nonsense", None, contact, 8, &s, Some(0)).err().unwrap();
        assert!(matches!(e, RigError::Selector { .. }), "{e}");
        assert!(e.to_string().starts_with("meter `nonsense`: give KIND:PORT"), "{e}");
    }

    /// `run --transcript t.txt` with two twins: each meter's bytes go to
    /// its own file, which a fresh driver of that kind replays.
    #[test]
    fn a_rig_records_each_meters_bytes_in_its_own_transcript() {
        use monqc_drivers::MeterKind;
        use monqc_drivers::transcript::Transcript as Recorded;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        let s = SimSettings::for_session(None, 0.05, Fault::None, "d-constancy-1");
        let contact = MeterSetup::Contact;
        let infos = {
            let mut rig = Rig::open_recorded(
                "sim-ls100",
                Some("sim-t10a"),
                contact,
                8,
                &s,
                None,
                Some(&path),
            )
            .unwrap();
            let files: Vec<PathBuf> = rig.transcripts().map(Path::to_path_buf).collect();
            let other = dir.path().join("t.illuminance.txt");
            assert_eq!(files, [path.clone(), other]);
            let infos = rig
                .meter_infos("sim-ls100", Default::default(), Some("sim-t10a"), Default::default())
                .unwrap();
            rig.finish_transcripts().unwrap();
            infos
        };
        for (file, kind, info) in [
            ("t.txt", MeterKind::Ls100, infos.0),
            ("t.illuminance.txt", MeterKind::T10a, infos.1.unwrap()),
        ] {
            let recorded = Recorded::read(&dir.path().join(file)).unwrap();
            assert_eq!(recorded.header("meter"), Some(format!("sim-{kind}").as_str()));
            let (mut replayed, progress) =
                monqc_drivers::open_replay(kind, &recorded, 0.0).unwrap();
            let again = replayed.identify().unwrap();
            assert_eq!((again.model, again.serial), (info.model, info.serial), "{file}");
            assert!(progress.finished(), "{file}");
        }
        assert_eq!(
            illuminance_transcript_path(Path::new("/x/bug")),
            Path::new("/x/bug.illuminance")
        );
    }

    #[test]
    fn simulated_meters_name_themselves_for_the_journal() {
        let mut rig = Rig::open("sim", Some("sim"), MeterSetup::Contact, 8, &sim(), None).unwrap();
        let site =
            SiteMeter { serial: Some("A1234".into()), calibration_date: Some("2026-04-01".into()) };
        let lux = SiteMeter { serial: None, calibration_date: Some("2026-05-02".into()) };
        let (main, illuminance) = rig.meter_infos("sim", site, Some("sim"), lux).unwrap();
        assert_eq!(main.selector, "sim");
        assert_eq!(main.model, "simulated photometer");
        assert_eq!(main.calibration_date.as_deref(), Some("2026-04-01"), "the site's date");
        assert_eq!(main.serial.as_deref(), Some("SIM-0001"), "the meter's own serial first");
        let illuminance = illuminance.unwrap();
        assert_eq!(
            illuminance.calibration_date.as_deref(),
            Some("2026-05-02"),
            "the illuminance meter's own date from the site"
        );
        // A meter that cannot tell its serial gets the site's.
        let site = SiteMeter { serial: Some("A1234".into()), calibration_date: None };
        let info = meter_info("none", &mut NoMeter, site).unwrap();
        assert_eq!(info.serial.as_deref(), Some("A1234"));
    }
}
