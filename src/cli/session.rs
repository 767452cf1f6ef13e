//! What `monqc run`, `monqc resume` and `monqc demo` share: opening the
//! meters and the bench, walking the plan, and finalising the record.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use monqc::measuring::sequence::{self, Bench, Meters, Operator, SequenceError};
use monqc::measuring::simulated_display::{DisplayModel, SimulatedDisplay};
use monqc::numbers::contrast_response::JndInverse;
use monqc::numbers::measurement::{MeterSetup, Position};
use monqc::records::record::{self, Finalising, Record};
use monqc::records::session::{MeterInfo, SessionHeader, SessionWriter};
use monqc::records::store::Store;
use monqc::standards::analysis::AnalysisOptions;
use monqc::standards::criteria::{Criteria, TestType};
use monqc_drivers::{
    MeterSelector, Photometer, Scene, SimOptions, SimulatedPhotometer, spawn_simulated,
};
use monqc_patterns::presenter::{Presenter, PresenterHandle, PresenterOptions};
use monqc_patterns::{BitDepth, PatternId, PatternParams};

use super::operator;

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
    pub fault: monqc_drivers::twin::Fault,
}

/// Parse `--sim-fault`: `hang-up-at:N` pulls the simulated cable when
/// reading N starts; `silent` and `garbage` make the twin misbehave.
pub fn parse_fault(s: &str) -> Result<monqc_drivers::twin::Fault, String> {
    use monqc_drivers::twin::Fault;
    match s.split_once(':') {
        Some(("hang-up-at", n)) => n
            .parse()
            .map(Fault::HangUpAtReading)
            .map_err(|_| format!("`{n}` is not a reading number")),
        None if s == "silent" => Ok(Fault::Silent),
        None if s == "garbage" => Ok(Fault::Garbage),
        _ => Err(format!("unknown fault `{s}`: use hang-up-at:N, silent or garbage")),
    }
}

/// True for selectors of simulated meters (`sim`, `sim-ls100`, …).
pub fn is_simulated(selector: &str) -> bool {
    selector == "sim" || selector.starts_with("sim-")
}

/// No meter: a visual-only session (the daily check) measures nothing.
struct NoMeter;

impl Photometer for NoMeter {
    fn identify(&mut self) -> Result<monqc_drivers::DeviceInfo, monqc_drivers::MeterError> {
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
    ) -> Result<monqc_drivers::Reading, monqc_drivers::MeterError> {
        Err(monqc_drivers::MeterError::Unsupported(
            "this session has no meter (--meter none)".into(),
        ))
    }
}

/// Open a meter: `none` is no meter (visual checks), `sim` the ideal simulated meter, `sim-KIND` a twin
/// speaking KIND's protocol over a pty (both looking at `display`); any
/// other selector a real meter.
pub fn open_meter(
    selector: &str,
    display: Option<&Arc<SimulatedDisplay>>,
    seed: u64,
    sim: &SimSettings,
) -> anyhow::Result<Box<dyn Photometer + Send>> {
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
            Ok(Box::new(spawn_simulated(kind, scene, seed, options)?))
        }
        (Some(Ok(sel)), None) => Ok(monqc_drivers::open(&sel)
            .with_context(|| format!("cannot open meter {selector}; `monqc meters list` shows what is connected"))?),
        (Some(Err(e)), _) => Err(e).context(format!(
            "meter `{selector}`: give KIND:PORT (e.g. ls100:/dev/ttyUSB0), spotread, sim or sim-KIND"
        )),
        _ => bail!("meter `{selector}`: a simulated meter needs the simulated display"),
    }
}

/// Meter identity for the journal header.
pub fn meter_info(
    selector: &str,
    meter: &mut dyn Photometer,
    calibration_date: Option<String>,
) -> anyhow::Result<MeterInfo> {
    let id =
        meter.identify().with_context(|| format!("meter {selector} did not identify itself"))?;
    Ok(MeterInfo {
        selector: selector.into(),
        vendor: id.vendor,
        model: id.model,
        serial: id.serial,
        calibration_date: id.calibration_date.or(calibration_date),
    })
}

/// Shows each pattern fullscreen at 1:1 on a monitor.
pub struct Window {
    handle: PresenterHandle,
    width: u32,
    height: u32,
    bits: BitDepth,
}

impl Window {
    /// Open the presenter on `monitor`.
    pub fn open(monitor: usize, bit_depth: u8) -> anyhow::Result<Self> {
        let bits = BitDepth::from_bits(bit_depth).context("bit depth must be 8 or 10")?;
        let handle =
            Presenter::spawn(PresenterOptions { monitor, bit_depth: bits, ..Default::default() })
                .context(
                "cannot open the pattern window; is there a display (DISPLAY or WAYLAND_DISPLAY)?",
            )?;
        let monitors = handle.monitors()?;
        let m = monitors.get(monitor).with_context(|| {
            format!(
                "no monitor {monitor}; `monqc patterns monitors` lists {} monitor(s)",
                monitors.len()
            )
        })?;
        Ok(Self { width: m.width, height: m.height, handle, bits })
    }

    fn present(&self, name: &str) -> Result<(), SequenceError> {
        let fail = |reason: String| SequenceError::Display { pattern: name.into(), reason };
        let id: PatternId =
            name.parse().map_err(|e: monqc_patterns::PatternError| fail(e.to_string()))?;
        let spec = id
            .generate(&PatternParams::new(self.width, self.height, self.bits))
            .map_err(|e| fail(e.to_string()))?;
        self.handle.show_pattern(&spec, None).map(|_| ()).map_err(|e| fail(e.to_string()))
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
}

/// The operator chosen on the command line.
pub fn choose_operator(yes: bool, answers: Option<&Path>) -> anyhow::Result<Box<dyn Operator>> {
    Ok(match (yes, answers) {
        (_, Some(path)) => Box::new(operator::Scripted::load(path)?),
        (true, None) => Box::new(operator::AssumeYes),
        (false, None) => Box::new(operator::Terminal),
    })
}

/// The meters, the simulated display (for simulated meters) and the
/// pattern window of one session.
pub struct Rig {
    display: Option<Arc<SimulatedDisplay>>,
    luminance: Box<dyn Photometer + Send>,
    illuminance: Option<Box<dyn Photometer + Send>>,
    window: Option<Window>,
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
    ) -> anyhow::Result<Self> {
        let simulated = is_simulated(meter);
        if illuminance_meter.is_some_and(|m| is_simulated(m) != simulated) {
            bail!("the luminance and illuminance meters must both be simulated or both real");
        }
        let display = simulated.then(|| Arc::new(SimulatedDisplay::new(sim.model.clone(), setup)));
        let luminance = open_meter(meter, display.as_ref(), sim.seed, sim)?;
        let illuminance = illuminance_meter
            .map(|m| open_meter(m, display.as_ref(), sim.seed.wrapping_add(1), sim))
            .transpose()?;
        let window = match window {
            Some(monitor) => Some(Window::open(monitor, bit_depth)?),
            None if meter == "none" => bail!(
                "the operator judges the patterns on the screen: add --window to show them \
                 fullscreen (--monitor N chooses the screen), or use --meter sim on a simulated display"
            ),
            None if !simulated => bail!(
                "a real meter measures what is on the screen: add --window to show the patterns \
                 fullscreen (--monitor N chooses the screen)"
            ),
            None => None,
        };
        Ok(Self { display, luminance, illuminance, window })
    }

    /// The meters' identities for the journal header.
    pub fn meter_infos(
        &mut self,
        meter: &str,
        calibration_date: Option<String>,
        illuminance_meter: Option<&str>,
    ) -> anyhow::Result<(MeterInfo, Option<MeterInfo>)> {
        let main = meter_info(meter, self.luminance.as_mut(), calibration_date)?;
        let other = match (illuminance_meter, self.illuminance.as_mut()) {
            (Some(sel), Some(m)) => Some(meter_info(sel, m.as_mut(), None)?),
            _ => None,
        };
        Ok((main, other))
    }

    /// Walk the steps of `plan` not in `done`.
    pub fn walk(
        &mut self,
        plan: &[monqc::standards::procedure::PlannedStep],
        done: &std::collections::BTreeSet<String>,
        operator: &mut dyn Operator,
        writer: &mut SessionWriter,
    ) -> anyhow::Result<()> {
        let meters = Meters {
            luminance: self.luminance.as_mut(),
            illuminance: self.illuminance.as_mut().map(|m| m.as_mut() as &mut dyn Photometer),
        };
        let mut progress = operator::print_progress;
        let result = match (self.display.as_deref(), self.window.as_ref()) {
            (Some(d), Some(win)) => {
                sequence::run(plan, done, &(d, win), meters, operator, writer, &mut progress)
            }
            (Some(d), None) => {
                sequence::run(plan, done, d, meters, operator, writer, &mut progress)
            }
            (None, Some(win)) => {
                sequence::run(plan, done, win, meters, operator, writer, &mut progress)
            }
            (None, None) => unreachable!("Rig::open requires a window for real meters"),
        };
        result.with_context(|| {
            let path = writer.path();
            format!(
                "session {} keeps every reading taken so far; continue it with: monqc resume {}",
                path.display(),
                path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
            )
        })
    }
}

/// Finalise the session at `path` into a record in `store`. A constancy
/// test is compared with `baseline`, else the display's latest acceptance
/// record.
pub fn finalise(
    store: &Store,
    path: &Path,
    header: &SessionHeader,
    baseline: Option<&str>,
) -> anyhow::Result<(String, Record)> {
    let criteria = Criteria::built_in_for(&header.standard)?;
    let baseline_id = match (header.test, baseline) {
        (TestType::Constancy, Some(b)) => Some(record::resolve(store, b)?),
        (TestType::Constancy, None) => record::index(store)?
            .into_iter()
            .rev()
            .find(|e| e.display_id == header.display_id && e.test == TestType::Acceptance)
            .map(|e| e.record),
        _ => None,
    };
    if header.test == TestType::Constancy && baseline_id.is_none() {
        eprintln!(
            "monqc: note: display {} has no acceptance record; the constancy items against the \
             baseline are not evaluated",
            header.display_id
        );
    }
    let baseline_record = baseline_id.as_deref().map(|id| record::load(store, id)).transpose()?;
    let session_id = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let (id, rec) = record::finalise(
        store,
        Finalising {
            session_path: path,
            by: &header.operator,
            software: &format!("monqc {}", env!("CARGO_PKG_VERSION")),
            criteria: &criteria,
            options: AnalysisOptions {
                grade: header.grade.clone(),
                test: header.test,
                expected_contrast: None,
                jnd_inverse: JndInverse::Exact,
            },
            baseline: baseline_id.as_deref().zip(baseline_record.as_ref()),
            clock: chrono::Utc::now,
        },
    )
    .with_context(|| {
        format!(
            "every reading of session {session_id} is kept in {}; once the cause is fixed, \
             finalise it with: monqc resume {session_id}",
            path.display()
        )
    })?;
    Ok((id, rec))
}

/// The session header for a new session.
#[allow(clippy::too_many_arguments)]
pub fn header(
    standard: &str,
    grade: &str,
    test: TestType,
    setup: MeterSetup,
    bit_depth: u8,
    display_id: &str,
    display: String,
    operator: &str,
    rd_cd_m2_per_lx: Option<f64>,
    meter: MeterInfo,
    illuminance_meter: Option<MeterInfo>,
) -> SessionHeader {
    SessionHeader {
        format: monqc::records::session::FORMAT.into(),
        version: monqc::records::session::VERSION,
        software: format!("monqc {}", env!("CARGO_PKG_VERSION")),
        standard: standard.into(),
        grade: grade.to_ascii_lowercase(),
        test,
        setup,
        bit_depth,
        display_id: display_id.into(),
        display,
        operator: operator.into(),
        rd_cd_m2_per_lx,
        meter,
        illuminance_meter,
        started: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    }
}
